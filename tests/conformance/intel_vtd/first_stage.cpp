// intel-vtd.scalable.first_stage.*: first-stage translation in scalable mode (ECAP.FLTS): the PASID-table entry of
// RID_PASID (PASID 0, which a request without PASID uses) with PGTT = 001b, FLPM = 00b and FLPTPTR pointing at a
// 4-level IA-32e table the case builds (drivers/iommu/intel_vtd/first_stage.h: every entry P=1, U/S=1, R/W=1 on
// non-leaf entries). A request without PASID is a user request (RID_PRIV = 0). The model is the oracle for every
// translation and fault record. Like the other scalable cases (scalable.cpp) each case starts from the fixture's
// legacy attachment of edu (no ring in memory: a blocked request breaks nothing of its own), installs fresh
// scalable tables (new root pointer, global context-cache and IOTLB invalidation) and puts the legacy table back.
// The staging page the probes load and read the device through is mapped at kStageIova in the first-stage table
// too. QEMU (10.0 x-flts=on, 11.1 fsts=on) offers FLTS with SLTS = 0: the second-stage cases skip there.
#include "tests/conformance/intel_vtd/fixture.h"
#include "tests/conformance/intel_vtd/scalable_mode.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// What a blocked-access case puts at the leaf of its page.
enum class Leaf { kNotPresent, kSupervisor };

// A read or write at a page whose first-stage leaf is `leaf`: blocked, the record compared with the model's, the
// page (which the leaf still names) untouched or not leaked.
void blocked_at(kernel::Test& t, uint16_t did, Leaf leaf, kit::Direction dir) {
  with_first_stage(t, did, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    const bool ok = leaf == Leaf::kNotPresent ? fs.set_not_present(kTestIova, page.pa, 1)
                                              : fs.map_supervisor(kTestIova, page.pa, 1, Access::rw());
    if (!ok) return t.error("no memory for page tables");
    t.note("leaf 0x%llx (%s)", ull(fs.pte(kTestIova, 1).words[0]),
           leaf == Leaf::kNotPresent ? "P=0, address and rights kept" : "U/S=0, supervisor only");
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    expect_fault(t, v, d, kTestIova + 0x300, dir, page.pa,
                 leaf == Leaf::kNotPresent ? kSmFirstStageNotPresent : kSmFirstStageUser);
  });
}

// What a non-leaf case clears in the level-2 entry above its page.
enum class NonLeaf { kReadOnly, kSupervisor };

// The page at 4 MiB (its own level-2 entry: the staging page's walk keeps every right) mapped with every right in
// its leaf, the level-2 entry above it with R/W=0 or U/S=0: a user write (R/W) or any user access (U/S) is
// blocked as if the leaf said so; with R/W=0 above, reads are still translated.
void non_leaf(kernel::Test& t, uint16_t did, NonLeaf what) {
  with_first_stage(t, did, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    const uint64_t iova = 0x40'0000;
    if (!fs.map_4k(iova, page.pa)) return t.error("no memory for page tables");
    volatile uint64_t* pde = fs.entry(iova, 2);
    s::FlPte e = fs.pte(iova, 2);
    if (what == NonLeaf::kReadOnly) e.set_rw(0);
    else e.set_us(0);
    *pde = e.words[0];
    t.note("level-2 entry 0x%llx above the page (%s), leaf 0x%llx", ull(e.words[0]),
           what == NonLeaf::kReadOnly ? "R/W=0" : "U/S=0", ull(fs.pte(iova, 1).words[0]));
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    expect_fault(t, v, d, iova + 0x500, kDeviceWrites, page.pa, kSmFirstStageNonLeaf);
    if (what == NonLeaf::kReadOnly)
      expect_translated_one(t, v, d, kDeviceReads, iova + 0x900, page.pa + 0x900, 256, kSmFirstStageNonLeaf);
    else
      expect_fault(t, v, d, iova + 0x900, kDeviceReads, page.pa, kSmFirstStageNonLeaf, "fault.recorded_read");
  });
}

}  // namespace

VIOMMU_TEST(intel_vtd_fs_rw, "intel-vtd.scalable.first_stage.rw", "intel-vtd,dma") {
  with_first_stage(t, 0x60, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t src_iova = kTestIova, dst_iova = kTestIova + 5 * kPage;
    if (!fs.map_4k(src_iova, src.pa) || !fs.map_4k(dst_iova, dst.pa)) return t.error("no memory for page tables");
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    expect_translated(t, v, d, src_iova + 0x180, src.pa + 0x180, dst_iova + 0x340, dst.pa + 0x340, 512,
                      kSmFirstStage);
  });
}

VIOMMU_TEST(intel_vtd_fs_write_ro, "intel-vtd.scalable.first_stage.write_read_only", "intel-vtd,dma") {
  with_first_stage(t, 0x61, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    if (!fs.map_4k(kTestIova, page.pa, Access::ro())) return t.error("no memory for page tables");
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    // With nothing cached, then readable, then the write again with the read-only translation possibly cached:
    // blocked and recorded either way (fault.recorded_cached names the second record, as the legacy
    // permission cases do).
    expect_fault(t, v, d, kTestIova + 0x200, kDeviceWrites, page.pa, kSmFirstStageWrite);
    expect_translated_one(t, v, d, kDeviceReads, kTestIova + 0x600, page.pa + 0x600, 256, kSmFirstStageWrite);
    expect_fault(t, v, d, kTestIova + 0xc00, kDeviceWrites, page.pa, kSmFirstStageWrite, "fault.recorded_cached");
  });
}

VIOMMU_TEST(intel_vtd_fs_np_read, "intel-vtd.scalable.first_stage.not_present.read", "intel-vtd,dma") {
  blocked_at(t, 0x62, Leaf::kNotPresent, kDeviceReads);
}
VIOMMU_TEST(intel_vtd_fs_np_write, "intel-vtd.scalable.first_stage.not_present.write", "intel-vtd,dma") {
  blocked_at(t, 0x63, Leaf::kNotPresent, kDeviceWrites);
}
VIOMMU_TEST(intel_vtd_fs_sup_read, "intel-vtd.scalable.first_stage.supervisor.read", "intel-vtd,dma") {
  blocked_at(t, 0x64, Leaf::kSupervisor, kDeviceReads);
}
VIOMMU_TEST(intel_vtd_fs_sup_write, "intel-vtd.scalable.first_stage.supervisor.write", "intel-vtd,dma") {
  blocked_at(t, 0x65, Leaf::kSupervisor, kDeviceWrites);
}

VIOMMU_TEST(intel_vtd_fs_nl_ro, "intel-vtd.scalable.first_stage.non_leaf.read_only", "intel-vtd,dma") {
  non_leaf(t, 0x68, NonLeaf::kReadOnly);
}
VIOMMU_TEST(intel_vtd_fs_nl_sup, "intel-vtd.scalable.first_stage.non_leaf.supervisor", "intel-vtd,dma") {
  non_leaf(t, 0x69, NonLeaf::kSupervisor);
}

VIOMMU_TEST(intel_vtd_fs_2m, "intel-vtd.scalable.first_stage.large_2m", "intel-vtd,dma") {
  with_first_stage(t, 0x66, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    // No capability to ask: 2 MiB first-stage pages are always there (only 1 GiB ones depend on CAP.FL1GP).
    constexpr unsigned kLevel = 2;
    static_assert(s::fl_large_page_allowed(false, kLevel));
    const uint64_t size = s::level_page_size(kLevel);
    const DmaBlock block(size);  // naturally aligned
    if (!block.pa) return t.error("no DMA memory");
    if (block.pa & (size - 1)) return t.error("DMA block 0x%llx not 2 MiB aligned", ull(block.pa));
    // 8 MiB: 2 MiB aligned, clear of the 4 KiB pages below 1 MiB, and within edu's 28-bit DMA addresses.
    const uint64_t iova = 0x80'0000;
    if (!fs.map(iova, block.pa, kLevel, Access::rw())) return t.error("no memory for page tables");
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    const uint64_t at = size - 2 * kPage;
    t.note("2 MiB leaf at level 2: iova 0x%llx -> pa 0x%llx; DMA at iova 0x%llx", ull(iova), ull(block.pa),
           ull(iova + at));
    expect_translated(t, v, d, iova + at + 0x100, block.pa + at + 0x100, iova + at + 0x900, block.pa + at + 0x900,
                      256, kSmFirstStageLarge);
  });
}

namespace {

// The unit's first fault record is a refusal to update A/D (90h), which a unit whose page walks are not snooped
// may give instead of the update: the case's OPEN outcome, noted; else nothing was refused.
bool refused_ad_update(kernel::Test& t, IntelVtd* v) {
  s::FaultRecord r;
  unsigned index = 0;
  if (!v->next_fault(r, &index, 10) || r.fr() != static_cast<uint64_t>(s::FaultReason::kSmFirstStageAdNoSnoop))
    return false;
  t.choice("fs.ad_update", kSmFirstStageAdNoSnoop, false,
           "the unit refused the A/D update with fault reason 90h (page walks not snooped; the model updates)");
  return true;
}

}  // namespace

VIOMMU_TEST(intel_vtd_fs_ad, "intel-vtd.scalable.first_stage.accessed_dirty", "intel-vtd,dma") {
  // Two pages at 4 MiB, whose level-2 entry and leaves the case writes with A = D = 0 (the levels above are shared
  // with the staging page, whose walk keeps A = 1). After a read through one page and a write through the other,
  // the level-2 entry and both leaves have A=1, the written page's leaf D=1.
  with_first_stage(t, 0x67, [&](IntelVtd* v, Domain& d, FirstStageTable& fs) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t src_iova = 0x40'2000, dst_iova = 0x40'7000;
    if (!fs.map_4k(src_iova, src.pa) || !fs.map_4k(dst_iova, dst.pa)) return t.error("no memory for page tables");
    for (uint64_t iova : {src_iova, dst_iova})
      for (unsigned level : {2u, 1u}) *fs.entry(iova, level) = fs.pte(iova, level).set_a(0).set_d(0).words[0];
    ScalableMode mode(t, v);
    if (!enter_first_stage(t, mode, d, fs)) return;
    if (!v->ecap().smpwcs()) {
      // Page walks are not snooped (ECAP.SMPWCS=0): the unit may refuse the update (90h). One read and one write
      // first, judged by the fault record only.
      v->clear_faults();
      (void)d.ep()->read(src_iova + 0x40, 128);
      (void)d.ep()->write(dst_iova + 0x80, 128);
      const bool refused = refused_ad_update(t, v);
      v->clear_faults();
      if (refused) return;
    }
    if (!expect_translated(t, v, d, src_iova + 0x40, src.pa + 0x40, dst_iova + 0x80, dst.pa + 0x80, 128,
                           kSmFirstStage))
      return;
    unsigned clear = 0, seen = 0;
    for (uint64_t iova : {src_iova, dst_iova})
      for (unsigned level : {2u, 1u}) {
        const s::FlPte e = fs.pte(iova, level);
        ++seen;
        if (e.a()) continue;
        ++clear;
        t.note("level-%u entry 0x%llx on the walk of iova 0x%llx has A=0", level, ull(e.words[0]), ull(iova));
      }
    t.check("fs.A", kSmFirstStageAccessed, clear == 0, "%u of the %u entries the two walks used have A=0", clear,
            seen);
    const s::FlPte w = fs.pte(dst_iova, 1);
    t.check("fs.D", kSmFirstStageDirty, w.d() != 0, "leaf 0x%llx of the written page (iova 0x%llx): D=0",
            ull(w.words[0]), ull(dst_iova));
  });
}
