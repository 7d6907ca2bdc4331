// intel-vtd.legacy.*: what legacy-mode remapping blocks and how it records it (primary fault logging): permissions
// of the second-stage leaf, not-present root / context / paging entries, addresses beyond the AGAW or MGAW,
// reserved fields in context and paging entries, TT and AW values the unit does not support, FPD. Every blocked
// access is judged from memory (a blocked write leaves memory untouched, a blocked read delivers nothing) and by
// its fault record, field by field against the model's.
#include "kernel/arch.h"
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// A page mapped at kTestIova with `a`: the access this leaf does not permit faults, first with nothing cached, then
// again after the permitted access (the unit may now hold the translation in its IOTLB: the cached entry must not
// widen the leaf's permission, and the fault is recorded all the same: fault.recorded_cached).
void permission(kernel::Test& t, Access a, kit::Direction blocked) {
  with_domain(t, widest_agaw(), 0x21, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    if (!page.pa || !d.drv().pt().map_4k(kTestIova, page.pa, a)) return t.error("no memory");
    const kit::Direction allowed = blocked == kDeviceWrites ? kDeviceReads : kDeviceWrites;
    expect_fault(t, v, d, kTestIova + 0xa00, blocked, page.pa, kPermission);
    expect_translated_one(t, v, d, allowed, kTestIova + 0x400, page.pa + 0x400, 512, kSecondStageWalk);
    expect_fault(t, v, d, kTestIova + 0xc00, blocked, page.pa, kPermission, "fault.recorded_cached");
  });
}

// An IOVA nothing maps (no leaf: the walk stops at a not-present entry).
void unmapped(kernel::Test& t, kit::Direction dir) {
  with_domain(t, widest_agaw(), 0x22, [&](IntelVtd* v, Domain& d) {
    expect_fault(t, v, d, kTestIova + 3 * kPage + 0x80, dir, 0, kPermission);
  });
}

// The root entry of the endpoint's bus made not present (and back), with the context cache and IOTLB invalidated
// globally each time.
struct RootGone final : Breakage {
  kernel::Test& t;
  IntelVtd* v;
  uint8_t bus;
  s::RootEntry saved{};
  RootGone(kernel::Test& t_, IntelVtd* v_, uint8_t b) : t(t_), v(v_), bus(b) {}
  bool flush() {
    return t.check("context.set", kernel::kSuite,
                   v->flush_write_buffer() && v->invalidate_context(s::Granularity::kGlobal) &&
                       v->invalidate_iotlb(s::Granularity::kGlobal),
                   "global invalidation after a root entry change: %s", v->last_error());
  }
  bool apply() override {
    saved = v->root_entry(bus);
    v->write_root_entry(bus, s::RootEntry{});
    return flush();
  }
  bool undo() override {
    v->write_root_entry(bus, saved);
    return flush();
  }
};

// The endpoint's context entry replaced by `broken` (and back).
struct ContextSwap final : Breakage {
  Domain& d;
  s::ContextEntry broken;
  ContextSwap(Domain& d_, const s::ContextEntry& b) : d(d_), broken(b) {}
  bool apply() override { return d.set_context(broken); }
  bool undo() override { return d.set_context(d.context()); }
};

// edu (its DMA engine needs no memory of its own) in a domain whose page is mapped at kTestIova, so that the
// access would reach it were the entry not broken.
template <typename MakeBreakage>
void blocked_by_entry(kernel::Test& t, kit::Direction dir, s::FaultReason reason, const kernel::Clause& c,
                      MakeBreakage make) {
  with_domain(
      t, widest_agaw(), 0x23,
      [&](IntelVtd* v, Domain& d) {
        const DmaBlock page(kPage);
        if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
        auto b = make(v, d);
        expect_blocked_while(t, v, d, b, dir, kTestIova + 0x300, page.pa, reason, c);
      },
      "edu");
}

// An IOVA whose level-`level` entry the staging page and the endpoint's memory (below 2 MiB) do not share: the
// start of the third region that entry covers (kTestIova itself for a leaf).
uint64_t region_iova(unsigned level) { return level < 2 ? kTestIova : 3 * s::level_page_size(level); }

// The entry mapping iova at `level` rewritten by `edit`, then the domain's IOTLB invalidated.
template <typename Edit>
bool edit_entry(kernel::Test& t, Domain& d, uint64_t iova, unsigned level, Edit edit) {
  volatile uint64_t* e = d.pt().entry(iova, level);
  if (!e) {
    t.error("no level-%u entry for iova 0x%llx", level, ull(iova));
    return false;
  }
  s::SlPte pte;
  pte.words[0] = *e;
  edit(pte);
  *e = pte.words[0];
  return d.invalidate_all();
}

// A page mapped at kTestIova in the widest table, one of its entries at `level` edited: both directions fault with
// the model's reason (checked by the oracle against `reason`).
template <typename Edit>
void broken_walk(kernel::Test& t, unsigned agaw, unsigned level, s::FaultReason reason, const kernel::Clause& c,
                 Edit edit, kit::Direction only = kDeviceWrites, bool both = true) {
  with_domain(t, agaw, 0x29, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    const uint64_t iova = region_iova(level);
    if (!page.pa || !d.map(iova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    if (!edit_entry(t, d, iova, level, edit)) return;
    const auto p = predict(v, d.sid(), iova + 0x240, only);
    t.check("oracle", kernel::kSuite, p.has_fault && p.fault.reason() == reason, "model: FR 0x%llx, the case expects 0x%x",
            ull(p.fault.fr()), static_cast<unsigned>(reason));
    expect_fault(t, v, d, iova + 0x240, only, page.pa, c);
    if (both) expect_fault(t, v, d, iova + 0x640, only == kDeviceWrites ? kDeviceReads : kDeviceWrites, page.pa, c);
  });
}

s::ContextEntry with_reserved_bit(const s::ContextEntry& ce) {
  s::ContextEntry e = ce;
  e.words[1] |= uint64_t{1} << (100 - 64);  // bit 100: inside [127:88], reserved
  return e;
}

}  // namespace

VIOMMU_TEST(intel_vtd_ro_write, "intel-vtd.legacy.permission.read_only", "intel-vtd,dma,fault") {
  permission(t, Access::ro(), kDeviceWrites);
}
VIOMMU_TEST(intel_vtd_wo_read, "intel-vtd.legacy.permission.write_only", "intel-vtd,dma,fault") {
  permission(t, Access::wo(), kDeviceReads);
}
VIOMMU_TEST(intel_vtd_unmapped_w, "intel-vtd.legacy.fault.unmapped_write", "intel-vtd,dma,fault") {
  unmapped(t, kDeviceWrites);
}
VIOMMU_TEST(intel_vtd_unmapped_r, "intel-vtd.legacy.fault.unmapped_read", "intel-vtd,dma,fault") {
  unmapped(t, kDeviceReads);
}

VIOMMU_TEST(intel_vtd_root_np_w, "intel-vtd.legacy.fault.root_not_present.write", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kRootNotPresent, kNotPresent,
                   [&](IntelVtd* v, Domain& d) { return RootGone(t, v, drivers::intel_vtd::bus_of(d.sid())); });
}
VIOMMU_TEST(intel_vtd_root_np_r, "intel-vtd.legacy.fault.root_not_present.read", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceReads, s::FaultReason::kRootNotPresent, kNotPresent,
                   [&](IntelVtd* v, Domain& d) { return RootGone(t, v, drivers::intel_vtd::bus_of(d.sid())); });
}
VIOMMU_TEST(intel_vtd_ctx_np_w, "intel-vtd.legacy.fault.context_not_present.write", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kContextNotPresent, kNotPresent,
                   [&](IntelVtd*, Domain& d) { return ContextSwap(d, s::ContextEntry{}); });
}
VIOMMU_TEST(intel_vtd_ctx_np_r, "intel-vtd.legacy.fault.context_not_present.read", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceReads, s::FaultReason::kContextNotPresent, kNotPresent,
                   [&](IntelVtd*, Domain& d) { return ContextSwap(d, s::ContextEntry{}); });
}
VIOMMU_TEST(intel_vtd_ctx_rsvd, "intel-vtd.legacy.fault.context_reserved", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kContextReserved, kReservedField,
                   [&](IntelVtd*, Domain& d) { return ContextSwap(d, with_reserved_bit(d.context())); });
}
VIOMMU_TEST(intel_vtd_ctx_tt, "intel-vtd.legacy.fault.context_tt_reserved", "intel-vtd,dma,fault") {
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kContextInvalid, kReservedField, [&](IntelVtd*, Domain& d) {
    s::ContextEntry e = d.context();
    e.set_tt(static_cast<uint64_t>(s::TranslationType::kReserved));
    return ContextSwap(d, e);
  });
}
VIOMMU_TEST(intel_vtd_ctx_aw, "intel-vtd.legacy.fault.context_aw_unsupported", "intel-vtd,dma,fault") {
  // An AW whose SAGAW bit is clear (57-bit on a unit without 5-level tables; else the reserved 30-bit encoding 0).
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  const uint64_t aw = v->supports_agaw(57) ? 0 : s::aw_for_agaw(57);
  t.note("context AW %llu, CAP.SAGAW 0x%llx", ull(aw), ull(v->cap().sagaw()));
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kContextInvalid, kReservedField, [&](IntelVtd*, Domain& d) {
    s::ContextEntry e = d.context();
    e.set_aw(aw);
    return ContextSwap(d, e);
  });
}

VIOMMU_TEST(intel_vtd_beyond_agaw, "intel-vtd.legacy.fault.beyond_agaw", "intel-vtd,dma,fault") {
  // A 39-bit AGAW on a unit whose MGAW is wider: bit 39 of the IOVA set is beyond the table's reach (FR 4h), even
  // though the lower bits index a mapped page.
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (v0->cap().max_guest_address_width() <= 39)
    return t.skip("MGAW %u: no address above a 39-bit AGAW below MGAW", v0->cap().max_guest_address_width());
  with_domain(t, 39, 0x24, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    const uint64_t iova = (uint64_t{1} << 39) + kTestIova + 0x200;
    expect_fault(t, v, d, iova, kDeviceWrites, page.pa, kMgaw);
    expect_fault(t, v, d, iova, kDeviceReads, page.pa, kMgaw);
  });
}

VIOMMU_TEST(intel_vtd_beyond_mgaw, "intel-vtd.legacy.fault.beyond_mgaw", "intel-vtd,dma,fault") {
  // "DMA requests to addresses above 2^(X+1)-1 are always blocked by hardware": the widest table, bit MGAW of the
  // IOVA set.
  with_domain(t, widest_agaw(), 0x25, [&](IntelVtd* v, Domain& d) {
    const unsigned mgaw = v->cap().max_guest_address_width();
    const DmaBlock page(kPage);
    if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    const uint64_t iova = (uint64_t{1} << mgaw) + kTestIova + 0x600;
    t.note("MGAW %u, AGAW %u, iova 0x%llx", mgaw, d.agaw(), ull(iova));
    expect_fault(t, v, d, iova, kDeviceWrites, page.pa, kMgaw);
  });
}

VIOMMU_TEST(intel_vtd_pte_rsvd, "intel-vtd.legacy.fault.pte_reserved", "intel-vtd,dma,fault") {
  // A present 4 KiB leaf whose address has bit 51 set: beyond any host address width the unit supports, so a
  // reserved field (FR 0Ch).
  with_domain(t, widest_agaw(), 0x26, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    volatile uint64_t* e = d.pt().entry(kTestIova, 1);
    s::SlPte pte;
    pte.words[0] = *e;
    pte.set_addr(pte.addr() | uint64_t{1} << 51);
    *e = pte.words[0];
    if (!d.invalidate(kTestIova, kPage)) return;
    expect_fault(t, v, d, kTestIova + 0x100, kDeviceWrites, page.pa, kReservedField);
    expect_fault(t, v, d, kTestIova + 0x700, kDeviceReads, page.pa, kReservedField);
  });
}

VIOMMU_TEST(intel_vtd_large_rsvd, "intel-vtd.legacy.fault.large_pte_reserved", "intel-vtd,dma,fault") {
  // A 2 MiB leaf (PS = 1 at level 2) whose address is not 2 MiB aligned: its bits 20:12 are reserved (FR 0Ch).
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (!v0->supports_large_page(2)) return t.skip("CAP.SLLPS offers no 2 MiB pages");
  with_domain(t, widest_agaw(), 0x27, [&](IntelVtd* v, Domain& d) {
    const DmaBlock block(2u << 20);
    if (!block.pa) return t.error("no 2 MiB DMA block");
    const uint64_t iova = uint64_t{1} << 32;
    if (!d.pt().map(iova, block.pa, 2, Access::rw())) return t.error("no memory for page tables");
    volatile uint64_t* e = d.pt().entry(iova, 2);
    s::SlPte pte;
    pte.words[0] = *e;
    pte.set_addr(pte.addr() | kPage);
    *e = pte.words[0];
    if (!d.invalidate_all()) return;
    expect_fault(t, v, d, iova + 0x1000, kDeviceWrites, block.pa + 0x1000, kReservedField);
  });
}

VIOMMU_TEST(intel_vtd_fpd, "intel-vtd.legacy.fault.fpd_suppresses", "intel-vtd,dma,fault") {
  // FPD = 1 in the context entry: the access to an unmapped IOVA is still blocked, but no fault is recorded.
  with_domain(t, widest_agaw(), 0x28, [&](IntelVtd* v, Domain& d) {
    s::ContextEntry ce = d.context();
    ce.set_fpd(1);
    if (!d.set_context(ce)) return;
    v->clear_faults();
    const auto p = predict(v, d.sid(), kTestIova + 7 * kPage, kDeviceWrites);
    t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kBlocked,
            "model: %s with FPD = 1", model::intel_vtd::to_string(p.outcome));
    kit::DmaProbe fpd_probe(t, d.ep(), d.staging(), kit::ProbeClauses{kTranslate, kFpd});
    fpd_probe.expect_terminated(kDeviceWrites, kTestIova + 7 * kPage, 0, 256, next_seed());
    s::FaultRecord r;
    const bool any = v->next_fault(r, nullptr, 50);
    t.check("fault.none", kFpd, !any, "a fault was recorded with FPD = 1: FR 0x%llx SID %04llx FI 0x%llx",
            ull(r.fr()), ull(r.sid()), ull(r.page_address()));
  });
}

VIOMMU_TEST(intel_vtd_nonleaf_perm, "intel-vtd.legacy.permission.non_leaf", "intel-vtd,dma,fault") {
  // The level-2 (directory) entry above the page with R = 0, the leaf R = W = 1: reads are denied (FR 6h), writes
  // still pass.
  with_domain(t, widest_agaw(), 0x2a, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    const uint64_t iova = region_iova(2);
    if (!page.pa || !d.map(iova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    if (!edit_entry(t, d, iova, 2, [](s::SlPte& e) { e.set_r(0); })) return;
    expect_fault(t, v, d, iova + 0x100, kDeviceReads, page.pa, kNonLeafPermission);
    expect_translated_one(t, v, d, kDeviceWrites, iova + 0x800, page.pa + 0x800, 256, kNonLeafPermission);
  });
}

VIOMMU_TEST(intel_vtd_nonleaf_rsvd, "intel-vtd.legacy.fault.non_leaf_reserved", "intel-vtd,dma,fault") {
  // The level-2 entry's table address with bit 51 set: beyond the host address width, reserved (FR 0Ch).
  broken_walk(t, widest_agaw(), 2, s::FaultReason::kPagingEntryReserved, kReservedField,
              [](s::SlPte& e) { e.set_addr(e.addr() | uint64_t{1} << 51); });
}

VIOMMU_TEST(intel_vtd_snp_rsvd, "intel-vtd.legacy.fault.pte_snp_without_sc", "intel-vtd,dma,fault") {
  // SNP (bit 11) in the leaf of a unit without snoop control (ECAP.SC = 0): a reserved bit (FR 0Ch).
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (v->ecap().sc()) return t.skip("ECAP.SC = 1: SNP is defined");
  broken_walk(t, widest_agaw(), 1, s::FaultReason::kPagingEntryReserved, kReservedField,
              [](s::SlPte& e) { e.set_snp(1); });
}

VIOMMU_TEST(intel_vtd_top_ps_rsvd, "intel-vtd.legacy.fault.top_level_ps", "intel-vtd,dma,fault") {
  // PS = 1 in the top entry of a 4-level table (a 512 GiB page, which SLLPS bit 2 would have to offer): reserved
  // (FR 0Ch).
  IntelVtd* v = need_iommu(t);
  if (!v || !need_agaw(t, v, 48)) return;
  if (v->supports_large_page(4)) return t.skip("CAP.SLLPS offers 512 GiB pages");
  broken_walk(t, 48, 4, s::FaultReason::kPagingEntryReserved, kReservedField, [](s::SlPte& e) { e.set_ps(1); });
}

VIOMMU_TEST(intel_vtd_1g_rsvd, "intel-vtd.legacy.fault.large_1g_reserved", "intel-vtd,dma,fault") {
  // A 1 GiB leaf whose address is only 2 MiB aligned: bits 29:21 are reserved (FR 0Ch).
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (!v0->supports_large_page(3)) return t.skip("CAP.SLLPS offers no 1 GiB pages");
  with_domain(t, widest_agaw(), 0x2b, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    const uint64_t iova = uint64_t{1} << 32;
    if (!page.pa || !d.pt().map(iova, 0x20'0000, 3, Access::rw())) return t.error("no memory");
    if (!d.invalidate_all()) return;
    // Were the reserved bits ignored, iova + page.pa - 2 MiB would reach page.pa.
    const uint64_t at = iova + page.pa - 0x20'0000 + 0x80;
    expect_fault(t, v, d, at, kDeviceWrites, page.pa, kReservedField);
    expect_fault(t, v, d, at, kDeviceReads, page.pa, kReservedField);
  });
}

VIOMMU_TEST(intel_vtd_ctx_rsvd_lo, "intel-vtd.legacy.fault.context_reserved_low", "intel-vtd,dma,fault") {
  // Bit 4 of the context entry (inside the reserved [11:4]) set: FR 0Bh.
  blocked_by_entry(t, kDeviceReads, s::FaultReason::kContextReserved, kReservedField, [&](IntelVtd*, Domain& d) {
    s::ContextEntry e = d.context();
    e.words[0] |= uint64_t{1} << 4;
    return ContextSwap(d, e);
  });
}

VIOMMU_TEST(intel_vtd_root_rsvd, "intel-vtd.legacy.fault.root_reserved", "intel-vtd,dma,fault") {
  // Bit 1 of the endpoint's root entry (inside the reserved [11:1]) set: FR 0Ah.
  struct RootReserved final : Breakage {
    kernel::Test& t;
    IntelVtd* v;
    uint8_t bus;
    s::RootEntry saved{};
    RootReserved(kernel::Test& t_, IntelVtd* v_, uint8_t b) : t(t_), v(v_), bus(b) {}
    bool flush() {
      return t.check("context.set", kernel::kSuite,
                     v->flush_write_buffer() && v->invalidate_context(s::Granularity::kGlobal) &&
                         v->invalidate_iotlb(s::Granularity::kGlobal),
                     "global invalidation after a root entry change: %s", v->last_error());
    }
    bool apply() override {
      saved = v->root_entry(bus);
      s::RootEntry e = saved;
      e.words[0] |= uint64_t{1} << 1;
      v->write_root_entry(bus, e);
      return flush();
    }
    bool undo() override {
      v->write_root_entry(bus, saved);
      return flush();
    }
  };
  blocked_by_entry(t, kDeviceWrites, s::FaultReason::kRootReserved, kReservedField,
                   [&](IntelVtd* v, Domain& d) { return RootReserved(t, v, drivers::intel_vtd::bus_of(d.sid())); });
}
