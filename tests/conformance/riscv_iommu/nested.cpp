// riscv-iommu.nested.*: both stages (§2.3 steps 17 and 19): the first stage maps IOVA -> GPA and its own tables
// are GPAs (§2.1.3.5), the G-stage maps GPA -> SPA. The domains map guest RAM GPA == SPA in the G-stage (1 GiB
// leaves) unless a case maps a GPA elsewhere; faults of either stage, and of the G-stage walk of a first-stage
// table (an implicit access: iotval2 bit 0), with the records checked against the model's.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// A GPA outside guest RAM that the identity G-stage does not map (4 GiB: RAM is 0x8000_0000 + 512 MiB).
constexpr uint64_t kUnmappedGpa = 0x1'0000'0000ull;
// A GPA the cases map to a page of their choosing (G-stage leaf at level 0, outside RAM's 1 GiB leaves).
constexpr uint64_t kOffsetGpa = 0x1'4000'0000ull;

void walk_case(kernel::Test& t, const s::PagingScheme& first, const s::PagingScheme& second, uint32_t pscid,
               uint16_t gscid) {
  RiscvIommu* v = need_iommu(t);
  if (!v || !has_scheme(t, v, first) || !has_scheme(t, v, second)) return;
  with_domain(t, nested(first, second, pscid, gscid), [&](RiscvIommu* iommu, Domain& a) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(0x3f'c020'3000ull, src.pa) || !a.pt().map_4k(0x3f'c020'4000ull, dst.pa))
      return t.error("no memory for page tables");
    expect_translated(t, iommu, a.requester(), 0x3f'c020'3040ull, src.pa + 0x40, 0x3f'c020'4800ull, dst.pa + 0x800, 512,
                      kNestedTables);
  });
}

}  // namespace

VIOMMU_TEST(riscv_iommu_nested_39, "riscv-iommu.nested.sv39_over_sv39x4", "riscv-iommu,dma") {
  walk_case(t, s::kSv39, s::kSv39x4, 0x51, 0x51);
}
VIOMMU_TEST(riscv_iommu_nested_48, "riscv-iommu.nested.sv48_over_sv48x4", "riscv-iommu,dma") {
  walk_case(t, s::kSv48, s::kSv48x4, 0x52, 0x52);
}

VIOMMU_TEST(riscv_iommu_nested_gpa, "riscv-iommu.nested.gpa_not_spa", "riscv-iommu,dma") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x53, 0x53), [&](RiscvIommu* v, Domain& a) {
    // IOVA -> GPA kOffsetGpa (first stage) -> a page elsewhere (G-stage): the data is at the SPA only.
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.drv().first().map_4k(kTestIova, kOffsetGpa) || !a.drv().first().map_4k(kTestIova + kPage, kOffsetGpa + kPage) ||
        !a.drv().second().map_4k(kOffsetGpa, src.pa) || !a.drv().second().map_4k(kOffsetGpa + kPage, dst.pa))
      return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova + 0x10, src.pa + 0x10, kTestIova + kPage + 0x400, dst.pa + 0x400,
                      512, kSecondStage);
  });
}

VIOMMU_TEST(riscv_iommu_nested_s1_fault, "riscv-iommu.nested.first_stage_fault", "riscv-iommu,dma,fault") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x54, 0x54), [&](RiscvIommu* v, Domain& a) {
    // Nothing at kTestIova in the first stage: a page fault (not a guest-page fault).
    expect_fault(t, v, a.requester(), kTestIova + 0x20, kDeviceWrites, 0, kFirstStageFault);
  });
}

VIOMMU_TEST(riscv_iommu_nested_leaf_gpf, "riscv-iommu.nested.g_stage_fault_on_data", "riscv-iommu,dma,fault") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x55, 0x55), [&](RiscvIommu* v, Domain& a) {
    // IOVA -> a GPA the G-stage does not map: a guest-page fault, iotval2 the GPA, bit 0 clear (not implicit).
    if (!a.drv().first().map_4k(kTestIova, kUnmappedGpa)) return t.error("no memory for page tables");
    expect_fault(t, v, a.requester(), kTestIova + 0x48, kDeviceReads, 0, kSecondStageFault);
  });
}

VIOMMU_TEST(riscv_iommu_nested_leaf_ro, "riscv-iommu.nested.g_stage_read_only_write", "riscv-iommu,dma,fault") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x56, 0x56), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    if (!a.drv().first().map_4k(kTestIova, kOffsetGpa) || !a.drv().second().map_4k(kOffsetGpa, page.pa, Perm::ro()))
      return t.error("no memory for page tables");
    expect_fault(t, v, a.requester(), kTestIova + 0x100, kDeviceWrites, page.pa, kSecondStageFault);
  });
}

VIOMMU_TEST(riscv_iommu_nested_implicit, "riscv-iommu.nested.first_stage_table_not_in_g_stage",
            "riscv-iommu,dma,fault") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x57, 0x57), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    // The level-1 entry for 1 GiB (shared with nothing the endpoint uses) points at a level-0 table at a GPA the
    // G-stage does not map: the walk's read of that table is an implicit access that takes a guest-page fault
    // (iotval2 bit 0 set).
    constexpr uint64_t kIova = 0x4000'0000;
    if (!a.pt().map_4k(kIova, page.pa)) return t.error("no memory for page tables");
    volatile uint64_t* e = a.pt().entry(kIova, 1);
    if (!e) return t.error("no level-1 entry");
    *e = drv::table_pte(kUnmappedGpa);
    arch::mb();
    expect_fault(t, v, a.requester(), kIova + 0x8, kDeviceReads, page.pa, kFaultIotval2);
  });
}
