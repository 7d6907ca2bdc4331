// riscv-iommu.s2.*: DMA through G-stage tables alone (iosatp Bare: the IOVA is a GPA, §2.3 step 19) in every x4
// mode the capabilities offer, with a 16 KiB root indexed by the 2 extra GPA bits; and the guest-page faults of
// the walk (CAUSE 21 read, 23 write, iotval2 = the GPA), each record checked field by field against the model's.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

void walk_case(kernel::Test& t, const s::PagingScheme& scheme, uint64_t gpa, uint16_t gscid) {
  RiscvIommu* v = need_iommu(t);
  if (!v || !has_scheme(t, v, scheme)) return;
  with_domain(t, g_stage(scheme, gscid), [&](RiscvIommu* iommu, Domain& a) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(gpa, src.pa) || !a.pt().map_4k(gpa + kPage, dst.pa)) return t.error("no memory for page tables");
    expect_translated(t, iommu, a.requester(), gpa + 0x300, src.pa + 0x300, gpa + kPage + 0x80, dst.pa + 0x80, 512,
                      kSecondStage);
  });
}

s::Pte pte(uint64_t raw) { return s::reg_of<s::Pte>(raw); }

void g_fault_case(kernel::Test& t, uint16_t gscid, kit::Direction d, uint64_t (*edit)(uint64_t),
                  const kernel::Clause& c) {
  with_domain(t, g_stage(s::kSv39x4, gscid), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, page.pa)) return t.error("no memory for page tables");
    volatile uint64_t* e = a.pt().entry(kTestIova, 0);
    if (!e) return t.error("no leaf for gpa 0x%llx", ull(kTestIova));
    *e = edit(*e);
    arch::mb();
    expect_fault(t, v, a.requester(), kTestIova + 0x40, d, page.pa, c);
  });
}

}  // namespace

VIOMMU_TEST(riscv_iommu_s2_sv39x4, "riscv-iommu.s2.sv39x4_4k", "riscv-iommu,dma") {
  // GPA bits 40:39 = 11b: root index 1536 and above, only in a 16 KiB root.
  walk_case(t, s::kSv39x4, 0x1ff'c020'3000ull, 0x31);
}
VIOMMU_TEST(riscv_iommu_s2_sv48x4, "riscv-iommu.s2.sv48x4_4k", "riscv-iommu,dma") {
  walk_case(t, s::kSv48x4, 0x3'ff80'4060'2000ull, 0x32);
}
VIOMMU_TEST(riscv_iommu_s2_sv57x4, "riscv-iommu.s2.sv57x4_4k", "riscv-iommu,dma") {
  walk_case(t, s::kSv57x4, 0x7'fe00'8140'6000ull, 0x33);
}

VIOMMU_TEST(riscv_iommu_s2_2m, "riscv-iommu.s2.sv39x4_leaf_2m", "riscv-iommu,dma") {
  with_domain(t, g_stage(s::kSv39x4, 0x34), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock blk(2u << 20);
    if (!blk.pa) return t.skip("no 2 MiB DMA block");
    if (!a.pt().map(0x100'4000'0000ull, blk.pa, 1, Perm::rw())) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x100'4000'0000ull + 0x3300, blk.pa + 0x3300, 0x100'4000'0000ull + 0x1f'f000,
                      blk.pa + 0x1f'f000, 512, kSecondStage);
  });
}

VIOMMU_TEST(riscv_iommu_s2_too_wide, "riscv-iommu.s2.gpa_beyond_41_bits", "riscv-iommu,dma,fault") {
  with_domain(t, g_stage(s::kSv39x4, 0x35), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    // GPA 0x200_0001_0000 has bit 41 set; its low 41 bits are kTestIova, which is mapped.
    if (!a.pt().map_4k(kTestIova, page.pa)) return t.error("no memory for page tables");
    expect_fault(t, v, a.requester(), 0x200'0000'0000ull + kTestIova, kDeviceWrites, page.pa, kGpaWidth);
  });
}

VIOMMU_TEST(riscv_iommu_s2_not_present, "riscv-iommu.s2.not_present_read", "riscv-iommu,dma,fault") {
  g_fault_case(t, 0x36, kDeviceReads, [](uint64_t) -> uint64_t { return 0; }, kSecondStageFault);
}
VIOMMU_TEST(riscv_iommu_s2_not_present_w, "riscv-iommu.s2.not_present_write", "riscv-iommu,dma,fault") {
  g_fault_case(t, 0x37, kDeviceWrites, [](uint64_t) -> uint64_t { return 0; }, kSecondStageFault);
}
VIOMMU_TEST(riscv_iommu_s2_read_only, "riscv-iommu.s2.read_only_write", "riscv-iommu,dma,fault") {
  g_fault_case(t, 0x38, kDeviceWrites, [](uint64_t e) -> uint64_t { return pte(e).set_w(0).raw(); }, kSecondStageFault);
}
VIOMMU_TEST(riscv_iommu_s2_u0, "riscv-iommu.s2.user_bit_clear", "riscv-iommu,dma,fault") {
  // "When checking the U bit in a second-stage PTE, the transaction is treated as not requesting supervisor
  // privilege": a G-stage leaf with U=0 allows no access.
  g_fault_case(t, 0x39, kDeviceReads, [](uint64_t e) -> uint64_t { return pte(e).set_u(0).raw(); }, kGStageU);
}
VIOMMU_TEST(riscv_iommu_s2_a0, "riscv-iommu.s2.accessed_clear", "riscv-iommu,dma,fault") {
  g_fault_case(t, 0x3a, kDeviceReads, [](uint64_t e) -> uint64_t { return pte(e).set_a(0).raw(); }, kGadeZero);
}
