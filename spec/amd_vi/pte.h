// Page tables: the v1 (host) format of 48882 §2.2.3 and the v2 (guest, x86-64 long-mode) format of
// §2.2.6 with its GCR3 table (§2.2.6.2).
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::amd_vi {

// §2.2.3, Figures 10-12: v1 PDE/PTE. NextLevel 1..6 = a PDE pointing to a table of that level;
// 0 = a PTE mapping a page of this level's size; 7 = a PTE whose size is encoded in the address
// (§2.2.3.2: the run of 1s from bit 12 upwards; size = 2^(13 + run)).
struct V1Pte : Words<1> {
  VIOMMU_BIT(0, pr);
  VIOMMU_BIT(5, a);
  VIOMMU_BIT(6, d);
  VIOMMU_FIELD(11, 9, next_level);
  VIOMMU_FIELD(51, 12, addr_4k);
  VIOMMU_BIT(59, u);
  VIOMMU_BIT(60, fc);
  VIOMMU_BIT(61, ir);
  VIOMMU_BIT(62, iw);
  uint64_t addr() const { return addr_4k() << 12; }
  V1Pte& set_addr(uint64_t pa) { return set_addr_4k(pa >> 12); }  // bits [11:0] are not part of the field
};
static_assert(sizeof(V1Pte) == 8);
inline constexpr unsigned kNextLevelSized = 7;

// Page size a v1 PTE at `level` maps with NextLevel 0: 4 KiB << 9*(level-1).
constexpr uint64_t v1_level_size(unsigned level) { return uint64_t{4096} << (9 * (level - 1)); }
// Bit of the IOVA where level `level`'s 9-bit index starts: 12 + 9*(level-1).
constexpr unsigned v1_index_shift(unsigned level) { return 12 + 9 * (level - 1); }
// The slot of `iova` in a table at `level` (1 = the table of 4 KiB pages): 9 bits a level, in the v1 format and
// in the AMD64 long-mode (v2) format alike.
inline constexpr unsigned kIndexBits = 9;
constexpr uint64_t v1_index(uint64_t iova, unsigned level) {
  return offset_in(iova >> v1_index_shift(level), kIndexBits);
}
// Size encoded by a NextLevel=7 PTE's address field (§2.2.3.2, Table 14).
constexpr uint64_t v1_sized_page_size(uint64_t pte_addr) {
  unsigned run = 0;
  while (run < 40 && ((pte_addr >> (12 + run)) & 1)) ++run;
  return uint64_t{1} << (13 + run);
}
// The address field of a NextLevel=7 PTE mapping `size` bytes (a power of two, 8 KiB or more) at `pa`: the page
// base with bits [log2(size)-2:12] set and bit log2(size)-1 clear.
constexpr uint64_t v1_sized_page_address(uint64_t pa, uint64_t size) {
  return align_down_to(pa, size) | ((size >> 1) - 1 - 0xfff);
}
static_assert(v1_sized_page_size(v1_sized_page_address(0x40'0000, 0x20'0000)) == 0x20'0000 &&
              v1_index(0x4020'3000, 2) == 1);

// §2.2.6.1: v2 guest page table entries use the AMD64 long-mode format (4 or 5 levels).
struct V2Pte : Words<1> {
  VIOMMU_BIT(0, p);
  VIOMMU_BIT(1, rw);
  VIOMMU_BIT(2, us);
  VIOMMU_BIT(3, pwt);
  VIOMMU_BIT(4, pcd);
  VIOMMU_BIT(5, a);
  VIOMMU_BIT(6, d);
  VIOMMU_BIT(7, ps);
  VIOMMU_BIT(8, g);
  VIOMMU_FIELD(51, 12, addr_4k);
  VIOMMU_BIT(63, nx);
  uint64_t addr() const { return addr_4k() << 12; }
};
static_assert(sizeof(V2Pte) == 8);

// §2.2.6.2 GCR3 table entry (indexed by PASID): GCR3 base [51:12], GV valid bit [0].
struct Gcr3Entry : Words<1> {
  VIOMMU_BIT(0, gv);
  VIOMMU_FIELD(51, 12, gcr3_4k);
  uint64_t gcr3() const { return gcr3_4k() << 12; }
};
static_assert(sizeof(Gcr3Entry) == 8);
// PASIDs are 20 bits (§2.2.6); a GCR3 table level holds 512 entries: level 1 is indexed by PASID[8:0], level 2
// (DTE.GLX = 01b) by PASID[17:9].
inline constexpr unsigned kPasidBits = 20;
constexpr uint64_t gcr3_index(uint32_t pasid, unsigned level) { return offset_in(pasid >> (9 * (level - 1)), 9); }

}  // namespace spec::amd_vi
