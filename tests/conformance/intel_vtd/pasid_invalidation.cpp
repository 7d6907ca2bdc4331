// intel-vtd.scalable.pasid_cache.* / intel-vtd.scalable.piotlb.*: scalable-mode tables edited live and made
// visible through the invalidation queue with 256-bit descriptors (IQA.DW=1, ECAP.SMTS): the PASID-cache invalidate
// descriptor (§6.5.2.2, pc_inv_dsc: domain-selective, PASID-selective, global) and the PASID-based-IOTLB invalidate
// descriptor (§6.5.2.4, p_iotlb_inv_dsc: every entry of the PASID, or 2^AM pages), each followed by an invalidation
// wait. Every case starts from the fixture's legacy attachment of edu (no ring in memory), switches the unit to
// scalable tables (PASID 0 = RID_PASID, second stage through the domain's table), turns queued invalidation on with
// 256-bit descriptors, and leaves both off again. The model is uncached: it is the oracle for the state after the
// invalidation; what a DMA does before it is OPEN (the case notes which).
//
// A second-stage PASID entry's translations are tagged with its DID: the cases that edit the entry follow the
// PASID-cache invalidation with a domain-selective IOTLB invalidation (as Linux does for second-stage entries). A
// page-selective p_iotlb_inv_dsc need not cover second-stage mappings (QEMU reads §6.5.2.4 so): after it the case
// notes what the unit did and then uses the page-selective iotlb_inv_dsc; with a first-stage entry (PGTT=001b,
// ECAP.FLTS) the page-selective p_iotlb_inv_dsc is the descriptor that counts. Left out: PASIDs other than
// RID_PASID (edu sends no PASID) and the PASID entry's own edits in first-stage mode.
#include "kernel/arch.h"
#include "tests/conformance/intel_vtd/fixture.h"
#include "tests/conformance/intel_vtd/queue_kit.h"
#include "tests/conformance/intel_vtd/scalable_mode.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

using PcG = s::PasidCacheGranularity;
using PiotlbG = s::PasidIotlbGranularity;
constexpr uint32_t kRidPasid = 0;  // the PASID requests without PASID use (ScalableMode's context entry)

const char* name_of(PcG g) {
  switch (g) {
    case PcG::kDomain: return "domain-selective";
    case PcG::kPasid: return "PASID-selective";
    case PcG::kGlobal: return "global";
  }
  return "?";
}

bool need_slts(kernel::Test& t, IntelVtd* v) {
  if (v->ecap().slts()) return true;
  t.skip("ECAP 0x%llx: SLTS=0, no second-stage translation in scalable mode", ull(v->ecap().raw()));
  return false;
}

// The PASID-table entry of RID_PASID rewritten in place (words 7..1, then word 0 with P), then made visible: a
// PASID-cache invalidation of granularity `g` naming the entry's old DID, an IOTLB invalidation of that DID (the
// entry's second-stage translations are tagged with it) and the driver's wait. Judged by qi.sync.
bool edit_pasid_entry(kernel::Test& t, IntelVtd* v, const ScalableMode& mode, const s::PasidEntry& pe, PcG g,
                      uint16_t old_did) {
  mode.tables().set_pasid_entry(kRidPasid, pe);
  arch::dma_wmb();
  const bool ok = v->flush_write_buffer() && v->invalidate_pasid_cache(g, old_did, kRidPasid) &&
                  v->invalidate_iotlb(s::Granularity::kDomain, old_did);
  return t.check("qi.sync", kQueueComplete, ok, "PASID entry edit (P %llu, DID %llu), %s pc_inv_dsc (DID %u): %s",
                 ull(pe.p()), ull(pe.did()), name_of(g), old_did, v->last_error());
}

// A DMA `dir` at iova after its page was unmapped, with the device loaded first: whether the unit still used the
// cached translation (a write changed the page, a read delivered its bytes). Fault records are cleared afterwards.
bool used_stale(kernel::Test& t, Domain& d, kit::Direction dir, uint64_t iova, uint64_t page_pa) {
  constexpr size_t kLen = 256;
  const size_t off = iova & (kPage - 1);
  volatile uint8_t* there = reinterpret_cast<volatile uint8_t*>(page_pa + off);
  const uint8_t held = next_seed(), mem = next_seed();
  kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kSmStaleAllowed, kSmStaleAllowed});
  if (!probe.load(kLen, held)) {
    t.error("could not load %s through the staging area", d.ep()->name());
    return false;
  }
  for (size_t i = 0; i < kLen; ++i) there[i] = kit::pattern(mem, i);
  arch::dma_wmb();
  const drivers::DmaStatus st = dir == kDeviceWrites ? d.ep()->write(iova, kLen) : d.ep()->read(iova, kLen);
  arch::dma_rmb();
  size_t hits = 0;
  if (dir == kDeviceWrites) {
    for (size_t i = 0; i < kLen; ++i) hits += there[i] == kit::pattern(held, i);
  } else {
    volatile uint8_t* stage = reinterpret_cast<volatile uint8_t*>(d.stage_pa());
    for (size_t i = 0; i < kLen; ++i) stage[i] = 0;
    arch::dma_wmb();
    (void)d.ep()->write(kStageIova, kLen);
    arch::dma_rmb();
    for (size_t i = 0; i < kLen; ++i) hits += stage[i] == kit::pattern(mem, i);
  }
  t.note("%s %s at iova 0x%llx: %s, %zu of %zu bytes moved through the old translation", d.ep()->name(),
         kit::to_string(dir), ull(iova), drivers::to_string(st), hits, kLen);
  IntelVtd::get()->clear_faults();
  return hits > kLen / 2;
}

// edu's RID_PASID entry through the domain's second-stage table, a 256-bit queue, and a page at kTestIova that a
// `dir` DMA used (the entry and the translation cached, where the unit caches); then body(v, d, mode, page_pa).
template <typename F>
void second_stage_page_used(kernel::Test& t, kit::Direction dir, uint16_t did, F&& body) {
  with_scalable_domain(t, did, [&](IntelVtd* v, Domain& d) {
    if (!need_slts(t, v)) return;
    const DmaBlock page(kPage);
    if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    ScalableMode mode(t, v);
    if (!mode.enter(d, second_stage(d))) return;
    QueueOn queue(t, s::DescriptorWidth::k256);
    if (!queue) return;
    expect_translated_one(t, v, d, dir, kTestIova + 0x100, page.pa + 0x100, 256, kSmSecondStage);
    body(v, d, mode, page.pa);
  });
}

// ... and the page then unmapped from the table; body(v, d, page_pa) invalidates and judges.
template <typename F>
void second_stage_page_unmapped(kernel::Test& t, kit::Direction dir, uint16_t did, F&& body) {
  second_stage_page_used(t, dir, did, [&](IntelVtd* v, Domain& d, ScalableMode&, uint64_t page_pa) {
    if (!d.unmap(kTestIova, kPage)) return t.error("unmap failed");
    arch::dma_wmb();
    body(v, d, page_pa);
  });
}

// ... then a PASID-based-IOTLB invalidation of every entry of the PASID (G=10b): afterwards an access to the page
// faults with the model's record and has no effect on it.
void piotlb_pasid(kernel::Test& t, kit::Direction dir, uint16_t did) {
  second_stage_page_unmapped(t, dir, did, [&](IntelVtd* v, Domain& d, uint64_t page_pa) {
    const bool ok = v->flush_write_buffer() && v->invalidate_piotlb(PiotlbG::kPasid, d.did(), kRidPasid);
    if (!t.check("qi.sync", kQueueComplete, ok, "p_iotlb_inv_dsc G=10b (DID %u, PASID %u): %s", d.did(), kRidPasid,
                 v->last_error()))
      return;
    expect_fault(t, v, d, kTestIova + 0x300, dir, page_pa, kSmPiotlbInvalidated);
  });
}

// ... then a page-selective PASID-based-IOTLB invalidation (G=11b, AM=0), which need not cover second-stage
// mappings: what the unit does next is OPEN (noted); the page-selective IOTLB invalidation (iotlb_inv_dsc) after
// it does cover them: then the access faults.
void piotlb_page(kernel::Test& t, kit::Direction dir, uint16_t did) {
  second_stage_page_unmapped(t, dir, did, [&](IntelVtd* v, Domain& d, uint64_t page_pa) {
    const bool ok = v->flush_write_buffer() &&
                    v->invalidate_piotlb(PiotlbG::kPageInPasid, d.did(), kRidPasid, kTestIova, 0, false);
    if (!t.check("qi.sync", kQueueComplete, ok, "p_iotlb_inv_dsc G=11b (DID %u, PASID %u, addr 0x%llx): %s",
                 d.did(), kRidPasid, ull(kTestIova), v->last_error()))
      return;
    const bool stale = used_stale(t, d, dir, kTestIova + 0x200, page_pa);
    t.choice("piotlb.page.second_stage", kSmPiotlbPageSecondStage, !stale,
             "after the page-selective p_iotlb_inv_dsc the unit %s", stale ? "kept the page's second-stage translation"
                                                                         : "dropped the page's second-stage translation");
    if (!d.invalidate(kTestIova, kPage)) return;
    expect_fault(t, v, d, kTestIova + 0x300, dir, page_pa, kInvalidation);
  });
}

// Two first-stage pages at kTestIova (2^am pages at kTestIova, aligned to that size: am 0 or 1), the last one used,
// unmapped, then a page-selective PASID-based-IOTLB invalidation of 2^am pages at kTestIova: afterwards an access
// to the unmapped page faults with the model's record and has no effect on it.
void piotlb_first_stage(kernel::Test& t, kit::Direction dir, unsigned am, uint16_t did) {
  with_first_stage(t, did, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock pages(2 * kPage);
    if (!pages.pa) return t.error("no DMA memory");
    if (!fs.map_4k(kTestIova, pages.pa) || !fs.map_4k(kTestIova + kPage, pages.pa + kPage))
      return t.error("no memory for page tables");
    const uint64_t iova = kTestIova + am * kPage, pa = pages.pa + am * kPage;  // the page that goes
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    QueueOn queue(t, s::DescriptorWidth::k256);
    if (!queue) return;
    expect_translated_one(t, v, d, dir, iova + 0x100, pa + 0x100, 256, kSmFirstStage);
    if (!fs.unmap(iova)) return t.error("unmap failed");
    arch::dma_wmb();
    const bool ok = v->flush_write_buffer() &&
                    v->invalidate_piotlb(PiotlbG::kPageInPasid, d.did(), kRidPasid, kTestIova, am, false);
    if (!t.check("qi.sync", kQueueComplete, ok, "p_iotlb_inv_dsc G=11b (DID %u, PASID %u, addr 0x%llx, AM %u): %s",
                 d.did(), kRidPasid, ull(kTestIova), am, v->last_error()))
      return;
    expect_fault(t, v, d, iova + 0x300, dir, pa, kSmPiotlbPageFirstStage);
  });
}

// RID_PASID's entry with P cleared (Breakage: applied = the live edit and its invalidation with `g`, undone = P set
// again, invalidated globally).
struct PasidCleared final : Breakage {
  kernel::Test& t;
  IntelVtd* v;
  Domain& d;
  const ScalableMode& mode;
  PcG g;
  PasidCleared(kernel::Test& t_, IntelVtd* v_, Domain& d_, const ScalableMode& m, PcG g_)
      : t(t_), v(v_), d(d_), mode(m), g(g_) {}
  bool apply() override {
    s::PasidEntry pe = second_stage(d);
    pe.set_p(0);
    return edit_pasid_entry(t, v, mode, pe, g, d.did());
  }
  bool undo() override { return edit_pasid_entry(t, v, mode, second_stage(d), PcG::kGlobal, d.did()); }
};

void pasid_cleared(kernel::Test& t, kit::Direction dir, PcG g, uint16_t did) {
  second_stage_page_used(t, dir, did, [&](IntelVtd* v, Domain& d, ScalableMode& mode, uint64_t page_pa) {
    PasidCleared b(t, v, d, mode, g);
    expect_blocked_while(t, v, d, b, dir, kTestIova + 0x300, page_pa, s::FaultReason::kSmPasidNotPresent,
                         kSmPasidCacheInvalidated);
  });
}

// A descriptor with a reserved field or encoding set, alone in the 256-bit queue: FSTS.IQE, the head stopped at it.
void reserved(kernel::Test& t, const s::Descriptor256& d, const kernel::Clause& c, const char* what) {
  if (!need_scalable(t)) return;
  QueueOn v(t, s::DescriptorWidth::k256);
  if (!v) return;
  unsigned iqei = 0;
  const bool iqe = rejected(t, v.get(), d, &iqei);
  t.check("reg.FSTS.IQE", c, iqe, "%s was accepted (no FSTS.IQE)", what);
  if (!iqe) return;
  t.check("reg.IQERCD.IQEI", kIqeiReserved, iqei == 0 || iqei == static_cast<unsigned>(s::Iqei::kReservedField),
          "IQEI %u (%s) for %s", iqei, s::iqei_name(iqei), what);
  t.choice("reg.IQERCD.IQEI.detail", kIqeiReserved, iqei == static_cast<unsigned>(s::Iqei::kReservedField),
           "IQEI %u (%s)", iqei, s::iqei_name(iqei));
}

s::Descriptor256 global_pc() {
  s::PasidCacheInv d;
  d.set_g(static_cast<uint64_t>(PcG::kGlobal));
  return s::Descriptor256::of(d);
}

s::Descriptor256 pasid_wide_piotlb() {
  s::PasidIotlbInv d;
  d.set_g(static_cast<uint64_t>(PiotlbG::kPasid)).set_did(1).set_pasid(kRidPasid);
  return s::Descriptor256::of(d);
}

}  // namespace

VIOMMU_TEST(intel_vtd_pc_wide_queue, "intel-vtd.scalable.pasid_cache.wide_queue", "intel-vtd") {
  // 256-bit descriptors: waits complete, IQH moves by 32 bytes a descriptor, and each PASID-cache granularity is
  // taken.
  if (!need_scalable(t)) return;
  QueueOn v(t, s::DescriptorWidth::k256);
  if (!v) return;
  const auto iqa = spec::reg_from<s::Iqa>(v->read(s::reg::kIqa));
  t.note("IQA 0x%llx (DW %llu)", ull(iqa.raw()), ull(iqa.dw()));
  t.check("qi.sync", kQueueWide, v->queue_sync(), "a wait in the 256-bit queue: %s", v->last_error());
  t.expect_eq("reg.IQH", kQueueWide, v->queue_tail(), queue_head(v.get()));
  t.expect_eq("reg.IQH.step", kQueueWide, 0, queue_head(v.get()) % s::Descriptor256::kBytes);
  for (PcG g : {PcG::kDomain, PcG::kPasid, PcG::kGlobal})
    t.check("qi.pc_inv_dsc", kQueueWide, v->invalidate_pasid_cache(g, 1, kRidPasid), "%s pc_inv_dsc: %s", name_of(g),
            v->last_error());
  for (PiotlbG g : {PiotlbG::kPasid, PiotlbG::kPageInPasid})
    t.check("qi.p_iotlb_inv_dsc", kQueueWide, v->invalidate_piotlb(g, 1, kRidPasid, kTestIova, 0, false),
            "p_iotlb_inv_dsc G=%u: %s", static_cast<unsigned>(g), v->last_error());
  t.expect_eq("reg.FSTS.IQE", kQueueWide, 0, v->fsts().iqe());
  t.expect_eq("reg.IQH.end", kQueueWide, v->queue_tail(), queue_head(v.get()));
}

VIOMMU_TEST(intel_vtd_pc_move_domain, "intel-vtd.scalable.pasid_cache.move_domain", "intel-vtd,dma,invalidation") {
  // RID_PASID's entry moved live from domain A's second-stage table to domain B's (new DID, new SLPTPTR), then a
  // PASID-selective PASID-cache invalidation, a PASID-wide PASID-based IOTLB invalidation and a domain-selective
  // IOTLB invalidation of A (the sequence Linux uses for a second-stage entry) and a wait: B's pages afterwards.
  with_scalable_domain(t, 0x60, [&](IntelVtd* v, Domain& a) {
    if (!need_slts(t, v)) return;
    Domain b(t, v, a.agaw(), 0x61, a.stage_pa());  // B maps the same staging page at kStageIova
    const DmaBlock pa(kPage), pb(kPage);
    if (!b.ready() || !pa.pa || !pb.pa) return t.error("no memory for domain B");
    if (!a.map(kTestIova, pa.pa, kPage, kit::Perm::kReadWrite) || !b.map(kTestIova, pb.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory for page tables");
    ScalableMode mode(t, v);
    if (!mode.enter(a, second_stage(a))) return;
    QueueOn queue(t, s::DescriptorWidth::k256);
    if (!queue) return;
    expect_translated_one(t, v, a, kDeviceWrites, kTestIova + 0x100, pa.pa + 0x100, 256, kSmSecondStage);
    mode.tables().set_pasid_entry(kRidPasid, second_stage(b));
    arch::dma_wmb();
    // Before any invalidation: A's cached entry or translation, or B's tables: either is allowed.
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kSmStaleAllowed, kSmStaleAllowed});
    const int which = probe.expect_translated_either(kDeviceWrites, kTestIova + 0x300, pa.pa + 0x300, pb.pa + 0x300,
                                                     256, next_seed());
    if (which >= 0)
      t.choice("pasid.stale", kSmStaleAllowed, which == 1, "before the invalidation the unit used %s",
               which == 0 ? "domain A (a cached PASID entry or translation)" : "domain B (the entry in memory)");
    const bool ok = v->flush_write_buffer() && v->invalidate_pasid_cache(PcG::kPasid, a.did(), kRidPasid) &&
                    v->invalidate_piotlb(PiotlbG::kPasid, a.did(), kRidPasid) &&
                    v->invalidate_iotlb(s::Granularity::kDomain, a.did());
    if (!t.check("qi.sync", kQueueComplete, ok, "pc_inv_dsc + p_iotlb_inv_dsc + iotlb_inv_dsc (DID %u): %s", a.did(),
                 v->last_error()))
      return;
    expect_translated_one(t, v, a, kDeviceWrites, kTestIova + 0x600, pb.pa + 0x600, 256, kSmPasidCacheInvalidated);
    expect_translated_one(t, v, a, kDeviceReads, kTestIova + 0x900, pb.pa + 0x900, 256, kSmPasidCacheInvalidated);
  });
}

VIOMMU_TEST(intel_vtd_pc_not_present_write, "intel-vtd.scalable.pasid_cache.not_present.write",
            "intel-vtd,dma,invalidation") {
  // P 1 -> 0 made visible by a domain-selective PASID-cache invalidation.
  pasid_cleared(t, kDeviceWrites, PcG::kDomain, 0x62);
}
VIOMMU_TEST(intel_vtd_pc_not_present_read, "intel-vtd.scalable.pasid_cache.not_present.read",
            "intel-vtd,dma,invalidation") {
  // ... by a PASID-selective one.
  pasid_cleared(t, kDeviceReads, PcG::kPasid, 0x63);
}
VIOMMU_TEST(intel_vtd_pc_not_present_global, "intel-vtd.scalable.pasid_cache.not_present.global",
            "intel-vtd,dma,invalidation") {
  // ... by a global one.
  pasid_cleared(t, kDeviceWrites, PcG::kGlobal, 0x64);
}

VIOMMU_TEST(intel_vtd_piotlb_page_write, "intel-vtd.scalable.piotlb.page.write", "intel-vtd,dma,invalidation") {
  piotlb_page(t, kDeviceWrites, 0x65);
}
VIOMMU_TEST(intel_vtd_piotlb_page_read, "intel-vtd.scalable.piotlb.page.read", "intel-vtd,dma,invalidation") {
  piotlb_page(t, kDeviceReads, 0x66);
}
VIOMMU_TEST(intel_vtd_piotlb_pasid_write, "intel-vtd.scalable.piotlb.pasid.write", "intel-vtd,dma,invalidation") {
  piotlb_pasid(t, kDeviceWrites, 0x67);
}
VIOMMU_TEST(intel_vtd_piotlb_pasid_read, "intel-vtd.scalable.piotlb.pasid.read", "intel-vtd,dma,invalidation") {
  piotlb_pasid(t, kDeviceReads, 0x68);
}

VIOMMU_TEST(intel_vtd_piotlb_fs_write, "intel-vtd.scalable.piotlb.first_stage_page.write",
            "intel-vtd,dma,invalidation") {
  // AM=1: the second of two pages, through an invalidation named by the first's address.
  piotlb_first_stage(t, kDeviceWrites, 1, 0x69);
}
VIOMMU_TEST(intel_vtd_piotlb_fs_read, "intel-vtd.scalable.piotlb.first_stage_page.read",
            "intel-vtd,dma,invalidation") {
  piotlb_first_stage(t, kDeviceReads, 0, 0x6a);
}

VIOMMU_TEST(intel_vtd_pc_reserved_low, "intel-vtd.scalable.pasid_cache.reserved_field", "intel-vtd") {
  s::Descriptor256 d = global_pc();
  d.words[0] |= uint64_t{1} << 6;  // bits 8:6 reserved
  reserved(t, d, kIqeReservedField, "a global pc_inv_dsc with reserved bit 6 set");
}
VIOMMU_TEST(intel_vtd_pc_reserved_hi, "intel-vtd.scalable.pasid_cache.reserved_high", "intel-vtd") {
  s::Descriptor256 d = global_pc();
  d.words[1] = 1;  // bits 127:64 reserved
  reserved(t, d, kIqeReservedField, "a global pc_inv_dsc with reserved bit 64 set");
}
VIOMMU_TEST(intel_vtd_pc_reserved_upper, "intel-vtd.scalable.pasid_cache.reserved_upper", "intel-vtd") {
  s::Descriptor256 d = global_pc();
  d.words[3] = uint64_t{1} << 63;  // bits 255:128 of a 256-bit descriptor reserved
  reserved(t, d, kIqeReservedField, "a global pc_inv_dsc with reserved bit 255 set");
}
VIOMMU_TEST(intel_vtd_pc_reserved_g, "intel-vtd.scalable.pasid_cache.reserved_granularity", "intel-vtd") {
  s::Descriptor256 d = global_pc();
  s::PasidCacheInv low;
  low.words = {d.words[0], d.words[1]};
  low.set_g(2);  // 10b: no granularity
  d.words[0] = low.words[0];
  reserved(t, d, kPasidDescGranularity, "a pc_inv_dsc with G=10b");
}
VIOMMU_TEST(intel_vtd_piotlb_reserved, "intel-vtd.scalable.piotlb.reserved_field", "intel-vtd") {
  s::Descriptor256 d = pasid_wide_piotlb();
  d.words[0] |= uint64_t{1} << 52;  // bits 63:52 reserved
  reserved(t, d, kIqeReservedField, "a p_iotlb_inv_dsc with reserved bit 52 set");
}
VIOMMU_TEST(intel_vtd_piotlb_reserved_g, "intel-vtd.scalable.piotlb.reserved_granularity", "intel-vtd") {
  s::Descriptor256 d = pasid_wide_piotlb();
  d.words[0] &= ~s::PasidIotlbInv::g_mask;  // 00b: no granularity
  reserved(t, d, kPasidDescGranularity, "a p_iotlb_inv_dsc with G=00b");
}

VIOMMU_TEST(intel_vtd_pc_narrow_queue, "intel-vtd.scalable.pasid_cache.narrow_queue", "intel-vtd") {
  // A global pc_inv_dsc (its low 128 bits) in a 128-bit queue: rejected or performed, both permitted; when rejected
  // the head stops at it (rejected() checks that and recovers the queue).
  if (!need_scalable(t)) return;
  QueueOn v(t, s::DescriptorWidth::k128);
  if (!v) return;
  unsigned iqei = 0;
  const bool iqe = rejected(t, v.get(), global_pc(), &iqei);
  t.choice("qi.pc_inv_dsc.128", kPasidDescNarrowQueue, iqe, "a pc_inv_dsc in a 128-bit queue was %s",
           iqe ? "rejected (FSTS.IQE)" : "performed");
  if (iqe)
    t.choice("reg.IQERCD.IQEI.detail", kPasidDescNarrowQueue,
             iqei == static_cast<unsigned>(s::Iqei::kInvalidDescriptorType), "IQEI %u (%s)", iqei, s::iqei_name(iqei));
}
