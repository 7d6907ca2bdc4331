// Page-table entries of the first stage (Sv32/Sv39/Sv48/Sv57) and of the G-stage (Sv32x4/Sv39x4/Sv48x4/
// Sv57x4), as the RISC-V Privileged Architecture defines them (chapter "Supervisor-Level ISA", sections
// "Sv32" .. "Sv57", and "Hypervisor Extension", "Two-Stage Address Translation"), which the RISC-V IOMMU
// uses unchanged ("The first-stage page table formats are as defined by the Privileged specification").
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

// An Sv39/Sv48/Sv57 (and x4) PTE: V R W X U G A D, RSW [9:8], PPN [53:10], reserved [60:54] (with
// Svrsw60t59b, [60:59] are for software), PBMT [62:61] (Svpbmt), N [63] (Svnapot).
struct Pte : Reg64 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_BIT(1, r, "R");
  VIOMMU_NAMED_BIT(2, w, "W");
  VIOMMU_NAMED_BIT(3, x, "X");
  VIOMMU_NAMED_BIT(4, u, "U");
  VIOMMU_NAMED_BIT(5, g, "G");
  VIOMMU_NAMED_BIT(6, a, "A");
  VIOMMU_NAMED_BIT(7, d, "D");
  VIOMMU_NAMED_FIELD(9, 8, rsw, "RSW");
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  VIOMMU_NAMED_FIELD(60, 59, rsw60t59b, "RSW60T59B");
  VIOMMU_NAMED_FIELD(62, 61, pbmt, "PBMT");
  VIOMMU_NAMED_BIT(63, n, "N");
  static constexpr uint64_t kReserved = uint64_t{0x1f} << 54;  // [58:54]; [60:59] without Svrsw60t59b
  constexpr bool leaf() const { return r() || x(); }
  constexpr uint64_t pa() const { return ppn() << 12; }
};

// An Sv32 (and Sv32x4) PTE: 32 bits, PPN [31:10] (PPN[1] [31:20], PPN[0] [19:10]); no PBMT, no N.
struct Pte32 : Reg32 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_BIT(1, r, "R");
  VIOMMU_NAMED_BIT(2, w, "W");
  VIOMMU_NAMED_BIT(3, x, "X");
  VIOMMU_NAMED_BIT(4, u, "U");
  VIOMMU_NAMED_BIT(5, g, "G");
  VIOMMU_NAMED_BIT(6, a, "A");
  VIOMMU_NAMED_BIT(7, d, "D");
  VIOMMU_NAMED_FIELD(9, 8, rsw, "RSW");
  VIOMMU_NAMED_FIELD(31, 10, ppn, "PPN");
  constexpr bool leaf() const { return r() || x(); }
  constexpr uint64_t pa() const { return uint64_t{ppn()} << 12; }
};

// Svpbmt: "PMA" 0, "NC" 1, "IO" 2, 3 reserved.
enum class Pbmt : uint8_t { kPma = 0, kNc = 1, kIo = 2 };

// A paging scheme's shape. The x4 (G-stage) schemes widen the root level's index by 2 bits (a 16 KiB root
// table) and take GPAs 2 bits wider than the base scheme's virtual addresses.
struct PagingScheme {
  const char* name;
  unsigned levels;       // 2 (Sv32), 3, 4, 5
  unsigned index_bits;   // VPN bits per level: 10 (Sv32) or 9
  unsigned pte_bytes;    // 4 or 8
  unsigned extra_root;   // 0, or 2 for the x4 schemes
  constexpr unsigned va_bits() const { return 12 + levels * index_bits + extra_root; }
  // The bit of the address where level `level`'s index starts (level 0 = the 4 KiB leaf table).
  constexpr unsigned index_shift(unsigned level) const { return 12 + level * index_bits; }
  constexpr unsigned index_width(unsigned level) const {
    return index_bits + (level == levels - 1 ? extra_root : 0);
  }
  constexpr uint64_t index(uint64_t va, unsigned level) const {
    return (va >> index_shift(level)) & ((uint64_t{1} << index_width(level)) - 1);
  }
  // The size of a leaf at `level` (4 KiB at level 0; Sv39: 2 MiB at 1, 1 GiB at 2).
  constexpr uint64_t page_size(unsigned level) const { return uint64_t{1} << index_shift(level); }
  constexpr uint64_t root_table_bytes() const { return (uint64_t{pte_bytes}) << index_width(levels - 1); }
};
inline constexpr PagingScheme kSv32{"Sv32", 2, 10, 4, 0};
inline constexpr PagingScheme kSv39{"Sv39", 3, 9, 8, 0};
inline constexpr PagingScheme kSv48{"Sv48", 4, 9, 8, 0};
inline constexpr PagingScheme kSv57{"Sv57", 5, 9, 8, 0};
inline constexpr PagingScheme kSv32x4{"Sv32x4", 2, 10, 4, 2};
inline constexpr PagingScheme kSv39x4{"Sv39x4", 3, 9, 8, 2};
inline constexpr PagingScheme kSv48x4{"Sv48x4", 4, 9, 8, 2};
inline constexpr PagingScheme kSv57x4{"Sv57x4", 5, 9, 8, 2};
static_assert(kSv39.va_bits() == 39 && kSv48.va_bits() == 48 && kSv57.va_bits() == 57 && kSv32.va_bits() == 32);
static_assert(kSv39x4.va_bits() == 41 && kSv48x4.va_bits() == 50 && kSv57x4.va_bits() == 59 &&
              kSv32x4.va_bits() == 34);
static_assert(kSv39x4.root_table_bytes() == 16384 && kSv32x4.root_table_bytes() == 16384 &&
              kSv39.root_table_bytes() == 4096);

// First stage: "Sv39 ... must have bits 63–39 all equal to bit 38" (and alike for Sv48/Sv57): a
// sign-extended IOVA. Sv32 (SXL=1): "a page fault ... if the IOVA has bits beyond bit 31 set to 1".
constexpr bool first_stage_address_ok(const PagingScheme& s, uint64_t va) {
  if (s.pte_bytes == 4) return (va >> 32) == 0;
  const int64_t sv = static_cast<int64_t>(va << (64 - s.va_bits())) >> (64 - s.va_bits());
  return static_cast<uint64_t>(sv) == va;
}
// G-stage: "bits 63:41 all be zeros" for Sv39x4 (63:50, 63:59, 63:34 for the others).
constexpr bool g_stage_address_ok(const PagingScheme& s, uint64_t gpa) { return (gpa >> s.va_bits()) == 0; }
static_assert(first_stage_address_ok(kSv39, 0xffff'ffc0'0000'0000ull) &&
              !first_stage_address_ok(kSv39, 0x0000'0040'0000'0000ull) &&
              g_stage_address_ok(kSv39x4, 0x1ff'ffff'ffffull) && !g_stage_address_ok(kSv39x4, 0x200'0000'0000ull));

// Svnapot: a leaf with N=1 and PPN[3:0] = 1000b maps a 64 KiB page ("the only NAPOT size defined").
inline constexpr uint64_t kNapot64kPpnLow = 0b1000;
inline constexpr uint64_t kNapot64kSize = 64 * 1024;

}  // namespace spec::riscv_iommu
