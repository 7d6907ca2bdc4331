// riscv-iommu.s1.*: DMA through first-stage page tables (§2.3 step 17, the Privileged walk) in every mode the
// capabilities offer, leaves at every level and Svnapot 64 KiB pages; and the page faults of the walk (CAUSE 13
// read, 15 write), each with the record checked field by field, a blocked write leaving memory untouched and a
// blocked read delivering nothing. Each outcome is first predicted by the model from the same tables.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// Two 4 KiB pages at `iova` and `iova + 4 KiB` (so a wrong index at any level misses) mapped to two separately
// allocated pages, then a round trip between them.
void walk_case(kernel::Test& t, const s::PagingScheme& scheme, uint64_t iova, uint32_t pscid) {
  RiscvIommu* v = need_iommu(t);
  if (!v || !has_scheme(t, v, scheme)) return;
  with_domain(t, first_stage(scheme, pscid), [&](RiscvIommu* iommu, Domain& a) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(iova, src.pa) || !a.pt().map_4k(iova + kPage, dst.pa))
      return t.error("no memory for page tables");
    expect_translated(t, iommu, a.requester(), iova + 0x100, src.pa + 0x100, iova + kPage + 0x200, dst.pa + 0x200, 512);
  });
}

// The IOVA the PTE cases edit: 1 GiB, so that no entry above its leaf is shared with the staging page's or the
// endpoint driver's (below 2 MiB).
constexpr uint64_t kEditIova = 0x4000'0000;

// A page mapped at kEditIova with one PTE edited by `edit` (entry at `level` for kEditIova), then a blocked access
// of direction d, the record the model's.
void pte_fault_case(kernel::Test& t, uint32_t pscid, kit::Direction d, unsigned level, uint64_t (*edit)(uint64_t),
                    const kernel::Clause& c) {
  with_domain(t, first_stage(s::kSv39, pscid), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kEditIova, page.pa)) return t.error("no memory for page tables");
    volatile uint64_t* e = a.pt().entry(kEditIova, level);
    if (!e) return t.error("no level-%u entry for iova 0x%llx", level, ull(kEditIova));
    *e = edit(*e);
    arch::mb();
    expect_fault(t, v, a.requester(), kEditIova + 0x80, d, page.pa, c);
  });
}

s::Pte pte(uint64_t raw) { return s::reg_of<s::Pte>(raw); }

}  // namespace

VIOMMU_TEST(riscv_iommu_s1_sv39, "riscv-iommu.s1.sv39_4k", "riscv-iommu,dma") {
  walk_case(t, s::kSv39, 0x3f'c020'3000ull, 0x31);  // bit 38 clear: the lower half
}
VIOMMU_TEST(riscv_iommu_s1_sv39_upper, "riscv-iommu.s1.sv39_upper_half", "riscv-iommu,dma") {
  // Bits 63:39 equal to bit 38 = 1: a canonical address in the upper half (VPN[2] index 256..511).
  walk_case(t, s::kSv39, 0xffff'ffc0'4060'1000ull, 0x32);
}
VIOMMU_TEST(riscv_iommu_s1_sv48, "riscv-iommu.s1.sv48_4k", "riscv-iommu,dma") {
  walk_case(t, s::kSv48, 0x7f80'4060'2000ull, 0x33);
}
VIOMMU_TEST(riscv_iommu_s1_sv57, "riscv-iommu.s1.sv57_4k", "riscv-iommu,dma") {
  walk_case(t, s::kSv57, 0xfe'0081'4060'4000ull, 0x34);
}

VIOMMU_TEST(riscv_iommu_s1_2m, "riscv-iommu.s1.sv39_leaf_2m", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x35), [&](RiscvIommu* v, Domain& a) {
    // A level-1 leaf maps 2 MiB: IOVA 0x4000_0000 -> a 2 MiB aligned block.
    const DmaBlock blk(2u << 20);
    if (!blk.pa) return t.skip("no 2 MiB DMA block");
    if (!a.pt().map(0x4000'0000, blk.pa, 1, Perm::rw())) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x4000'0000 + 0x1'2300, blk.pa + 0x1'2300, 0x4000'0000 + 0x1f'e000,
                      blk.pa + 0x1f'e000, 512);
  });
}

VIOMMU_TEST(riscv_iommu_s1_1g, "riscv-iommu.s1.sv39_leaf_1g", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x36), [&](RiscvIommu* v, Domain& a) {
    // A level-2 leaf maps 1 GiB: IOVA 0x40_0000_0000 + x -> the 1 GiB-aligned range of RAM holding both buffers.
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t gib = src.pa & ~uint64_t{0x3fff'ffff};
    if ((dst.pa & ~uint64_t{0x3fff'ffff}) != gib) return t.skip("DMA buffers in different 1 GiB ranges");
    constexpr uint64_t kBase = 0x20'0000'0000ull;  // 128 GiB: canonical for Sv39 (bit 38 = 0)
    if (!a.pt().map(kBase, gib, 2, Perm::rw())) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kBase + (src.pa - gib), src.pa, kBase + (dst.pa - gib) + 0x800,
                      dst.pa + 0x800, 512);
  });
}

VIOMMU_TEST(riscv_iommu_s1_napot, "riscv-iommu.s1.napot_64k", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x37), [&](RiscvIommu* v, Domain& a) {
    // Svnapot: 16 leaves with N=1 and PPN[3:0] = 1000b map one 64 KiB page; offsets in different 4 KiB parts of
    // it translate by the 64 KiB page's base, not by each PTE's own PPN bits.
    const DmaBlock blk(64u << 10);
    if (!blk.pa) return t.error("no DMA memory");
    if (!a.pt().map_napot_64k(0x20'0000, blk.pa, Perm::rw())) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x20'0000 + 0x1100, blk.pa + 0x1100, 0x20'0000 + 0xf200, blk.pa + 0xf200,
                      512, kNapot);
  });
}

// ---- page faults ----

VIOMMU_TEST(riscv_iommu_s1_not_present_read, "riscv-iommu.s1.not_present_read", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x38, kDeviceReads, 0, [](uint64_t) -> uint64_t { return 0; }, kPteInvalid);
}
VIOMMU_TEST(riscv_iommu_s1_not_present_write, "riscv-iommu.s1.not_present_write", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x39, kDeviceWrites, 0, [](uint64_t) -> uint64_t { return 0; }, kPteInvalid);
}
VIOMMU_TEST(riscv_iommu_s1_nonleaf_invalid, "riscv-iommu.s1.nonleaf_not_present", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x3a, kDeviceWrites, 1, [](uint64_t e) -> uint64_t { return pte(e).set_v(0).raw(); }, kPteInvalid);
}
VIOMMU_TEST(riscv_iommu_s1_read_only, "riscv-iommu.s1.read_only_write", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x3b, kDeviceWrites, 0, [](uint64_t e) -> uint64_t { return pte(e).set_w(0).raw(); },
                 kLeafPermission);
}
VIOMMU_TEST(riscv_iommu_s1_exec_only, "riscv-iommu.s1.execute_only_read", "riscv-iommu,dma,fault") {
  // X=1, R=W=0: a leaf that does not allow a data read.
  pte_fault_case(t, 0x3c, kDeviceReads, 0, [](uint64_t e) -> uint64_t { return pte(e).set_r(0).set_w(0).set_x(1).raw(); },
                 kLeafPermission);
}
VIOMMU_TEST(riscv_iommu_s1_write_only, "riscv-iommu.s1.write_only_reserved", "riscv-iommu,dma,fault") {
  // R=0, W=1 is a reserved encoding: no access at all, a write neither.
  pte_fault_case(t, 0x3d, kDeviceWrites, 0, [](uint64_t e) -> uint64_t { return pte(e).set_r(0).raw(); }, kPteWriteOnly);
}
VIOMMU_TEST(riscv_iommu_s1_u0, "riscv-iommu.s1.supervisor_page_user_request", "riscv-iommu,dma,fault") {
  // A request without a process_id requests no supervisor privilege: a leaf with U=0 does not allow it.
  pte_fault_case(t, 0x3e, kDeviceReads, 0, [](uint64_t e) -> uint64_t { return pte(e).set_u(0).raw(); }, kUserRequest);
}
VIOMMU_TEST(riscv_iommu_s1_a0, "riscv-iommu.s1.accessed_clear", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x3f, kDeviceReads, 0, [](uint64_t e) -> uint64_t { return pte(e).set_a(0).raw(); }, kSadeZero);
}
VIOMMU_TEST(riscv_iommu_s1_d0, "riscv-iommu.s1.dirty_clear_write", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x40, kDeviceWrites, 0, [](uint64_t e) -> uint64_t { return pte(e).set_d(0).raw(); }, kSadeZero);
}
VIOMMU_TEST(riscv_iommu_s1_reserved_bits, "riscv-iommu.s1.reserved_bits", "riscv-iommu,dma,fault") {
  pte_fault_case(t, 0x41, kDeviceReads, 0, [](uint64_t e) -> uint64_t { return e | uint64_t{1} << 55; }, kPteReservedBits);
}
VIOMMU_TEST(riscv_iommu_s1_pbmt, "riscv-iommu.s1.pbmt_without_svpbmt", "riscv-iommu,dma,fault") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  if (v->caps().svpbmt()) return t.skip("capabilities.Svpbmt=1: PBMT is a field, not reserved bits");
  pte_fault_case(t, 0x42, kDeviceReads, 0, [](uint64_t e) -> uint64_t { return pte(e).set_pbmt(1).raw(); },
                 kPtePbmt);
}
VIOMMU_TEST(riscv_iommu_s1_napot_bad, "riscv-iommu.s1.napot_reserved_size", "riscv-iommu,dma,fault") {
  // N=1 with PPN[3:0] other than 1000b: a NAPOT size the Svnapot extension leaves reserved.
  pte_fault_case(t, 0x43, kDeviceReads, 0, [](uint64_t e) -> uint64_t {
    s::Pte p = pte(e);
    return p.set_ppn((p.ppn() & ~uint64_t{0xf}) | 0x4).set_n(1).raw();
  }, kPteNapotReserved);
}
VIOMMU_TEST(riscv_iommu_s1_nonleaf_a, "riscv-iommu.s1.nonleaf_accessed_bit", "riscv-iommu,dma,fault") {
  // "For non-leaf PTEs, the D, A, and U bits are reserved for future standard use."
  pte_fault_case(t, 0x44, kDeviceReads, 1, [](uint64_t e) -> uint64_t { return pte(e).set_a(1).raw(); }, kPteNonLeafReserved);
}

VIOMMU_TEST(riscv_iommu_s1_misaligned, "riscv-iommu.s1.misaligned_superpage", "riscv-iommu,dma,fault") {
  with_domain(t, first_stage(s::kSv39, 0x45), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    // A level-1 (2 MiB) leaf whose PPN is 4 KiB but not 2 MiB aligned.
    if (!a.pt().map(0x4000'0000, page.pa | 0x1000, 1, Perm::rw())) return t.error("no memory for page tables");
    expect_fault(t, v, a.requester(), 0x4000'0000, kDeviceWrites, 0, kMisalignedSuperpage);
  });
}

VIOMMU_TEST(riscv_iommu_s1_noncanonical, "riscv-iommu.s1.non_canonical_iova", "riscv-iommu,dma,fault") {
  with_domain(t, first_stage(s::kSv39, 0x46), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    // 0x40_0000_1000 has bit 38 set and bits 63:39 clear; were only bits 38:0 used it would alias the upper-half
    // address 0xffff_ffc0_0000_1000, which is mapped.
    if (!a.pt().map_4k(0xffff'ffc0'0000'1000ull, page.pa)) return t.error("no memory for page tables");
    expect_fault(t, v, a.requester(), 0x40'0000'1000ull, kDeviceReads, page.pa, kCanonical);
  });
}
