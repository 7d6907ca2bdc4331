// Paging entries (Intel VT-d rev 4.x §9.7 First-Stage Paging Entries, §9.8 Second-Stage Paging Entries; the
// walks of chapter 3: §3.6 first-stage, §3.7 second-stage translation). Both formats use 4 KiB tables of 512
// 8-byte entries, 9 index bits a level above a 12-bit page offset: 3 levels cover 39 bits, 4 levels 48, 5
// levels 57 (the AGAW, CAP.SAGAW / context AW).
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::intel_vtd {

inline constexpr unsigned kPageShift = 12;
inline constexpr unsigned kLevelBits = 9;
inline constexpr unsigned kTableEntries = 512;

// Level 1 is the table of 4 KiB pages; a level-L entry translates IOVA bits [12+9L-1 : 12+9(L-1)].
constexpr unsigned level_shift(unsigned level) { return kPageShift + kLevelBits * (level - 1); }
constexpr uint64_t level_index(uint64_t iova, unsigned level) { return offset_in(iova >> level_shift(level), kLevelBits); }
// Bytes a leaf at `level` maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB.
constexpr uint64_t level_page_size(unsigned level) { return uint64_t{1} << level_shift(level); }
// Levels of a walk over an `agaw`-bit address space (39 -> 3, 48 -> 4, 57 -> 5), and the reverse.
constexpr unsigned levels_for_agaw(unsigned agaw) { return (agaw - kPageShift) / kLevelBits; }
constexpr unsigned agaw_for_levels(unsigned levels) { return kPageShift + kLevelBits * levels; }
static_assert(levels_for_agaw(39) == 3 && levels_for_agaw(48) == 4 && levels_for_agaw(57) == 5 &&
              agaw_for_levels(4) == 48 && level_page_size(2) == 0x20'0000 && level_page_size(3) == 0x4000'0000);
// CAP.SLLPS bit (level - 2) says a level-`level` second-stage leaf (PS=1) is supported: bit 0 2 MiB, bit 1 1 GiB.
constexpr bool sllps_allows(uint64_t sllps, unsigned level) { return level >= 2 && ((sllps >> (level - 2)) & 1); }

// §9.8 Second-stage paging entry: R [0], W [1], X [2] (with SLEE), EMT [5:3], IPAT [6], PS [7], A [8], D [9]
// (with SLADE), SNP [11], ADDR [51:12], TM [62]. EMT, IPAT, TM apply to leaves only, PS to levels 2 and 3.
// QEMU treats SNP as reserved (it reports ECAP.SC=0: "treated as reserved(0) by hardware implementations
// not supporting Snoop Control"), Linux sets it when SC=1; VirtualBox (an older rev) lists bit 11 reserved
// and bits 6:3 ignored.
struct SlPte : Words<1> {
  VIOMMU_NAMED_BIT(0, r, "R");
  VIOMMU_NAMED_BIT(1, w, "W");
  VIOMMU_NAMED_BIT(2, x, "X");
  VIOMMU_NAMED_FIELD(5, 3, emt, "EMT");
  VIOMMU_NAMED_BIT(6, ipat, "IPAT");
  VIOMMU_NAMED_BIT(7, ps, "PS");
  VIOMMU_NAMED_BIT(8, a, "A");
  VIOMMU_NAMED_BIT(9, d, "D");
  VIOMMU_NAMED_BIT(11, snp, "SNP");
  VIOMMU_NAMED_FIELD(51, 12, addr_4k, "ADDR");
  VIOMMU_NAMED_BIT(62, tm, "TM");
  constexpr uint64_t addr() const { return addr_4k() << kPageShift; }
  constexpr SlPte& set_addr(uint64_t pa) { return set_addr_4k(pa >> kPageShift); }  // 4 KiB aligned
  // "present" for a second-stage entry: any of R, W (X only counts with SLEE=1).
  constexpr bool present() const { return r() || w(); }
};
static_assert(sizeof(SlPte) == 8);

// §9.7 First-stage paging entry (the IA-32e / 5-level paging format of the Intel SDM): P [0], R/W [1],
// U/S [2], PWT [3], PCD [4], A [5], D [6], PS [7] (PAT in a 4 KiB leaf), G [8], EA [10] (with EAFE), ADDR
// [51:12], XD [63].
struct FlPte : Words<1> {
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, rw, "R/W");
  VIOMMU_NAMED_BIT(2, us, "U/S");
  VIOMMU_NAMED_BIT(3, pwt, "PWT");
  VIOMMU_NAMED_BIT(4, pcd, "PCD");
  VIOMMU_NAMED_BIT(5, a, "A");
  VIOMMU_NAMED_BIT(6, d, "D");
  VIOMMU_NAMED_BIT(7, ps, "PS");
  VIOMMU_NAMED_BIT(8, g, "G");
  VIOMMU_NAMED_BIT(10, ea, "EA");
  VIOMMU_NAMED_FIELD(51, 12, addr_4k, "ADDR");
  VIOMMU_NAMED_BIT(63, xd, "XD");
  constexpr uint64_t addr() const { return addr_4k() << kPageShift; }
  constexpr FlPte& set_addr(uint64_t pa) { return set_addr_4k(pa >> kPageShift); }
  constexpr bool present() const { return p(); }
};
static_assert(sizeof(FlPte) == 8);
// A first-stage leaf above level 1 (PS=1): 2 MiB pages at level 2 always (IA-32e paging has them unconditionally),
// 1 GiB pages at level 3 only with CAP.FL1GP (rev 4.x: FS1GP), never higher.
constexpr bool fl_large_page_allowed(bool fl1gp, unsigned level) { return level == 2 || (level == 3 && fl1gp); }
static_assert(fl_large_page_allowed(false, 2) && !fl_large_page_allowed(false, 3) && fl_large_page_allowed(true, 3) &&
              !fl_large_page_allowed(true, 4));
// A first-stage input address must be canonical: bits 63:N-1 all equal (N = 48 or 57).
constexpr bool is_canonical(uint64_t va, unsigned width) {
  const uint64_t top = va >> (width - 1);
  return top == 0 || top == (~uint64_t{0} >> (width - 1));
}
static_assert(is_canonical(0x7fff'ffff'f000, 48) && !is_canonical(0x8000'0000'0000, 48) &&
              is_canonical(0xffff'8000'0000'0000, 48));

}  // namespace spec::intel_vtd
