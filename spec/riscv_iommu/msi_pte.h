// MSI page-table entries (RISC-V Advanced Interrupt Architecture, chapter "IOMMU Support for MSIs to Virtual
// Machines", "MSI page tables"; used by RISC-V IOMMU 1.0 "Process to translate addresses of MSIs"). 16 bytes:
// V [0], M [2:1], C [63]; the rest depends on the mode M: 3 = basic translate ("flat"), 1 = MRIF.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

enum class MsiPteMode : uint8_t { kMrif = 1, kBasic = 3 };  // 0 and 2 are "MSI PTE misconfigured"

struct MsiPte : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_FIELD(2, 1, m, "M");
  VIOMMU_NAMED_BIT(63, c, "C");
  // Basic translate mode (M=3): PPN [53:10]; [9:3] and [62:54] reserved, the second doubleword ignored.
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  static constexpr uint64_t kBasicReserved0 = (uint64_t{0x7f} << 3) | (uint64_t{0x1ff} << 54);
  // MRIF mode (M=1): MRIF Address[55:9] in [53:7]; [6:3] and [62:54] reserved. Second doubleword: N[9:0]
  // [73:64], NPPN [117:74], N10 [124]; [123:118] and [127:125] reserved.
  VIOMMU_NAMED_FIELD(53, 7, mrif_addr_55_9, "MRIF_Address");
  VIOMMU_NAMED_FIELD(73, 64, n_9_0, "N");
  VIOMMU_NAMED_FIELD(117, 74, nppn, "NPPN");
  VIOMMU_NAMED_BIT(124, n10, "N10");
  static constexpr uint64_t kMrifReserved0 = (uint64_t{0xf} << 3) | (uint64_t{0x1ff} << 54);
  static constexpr uint64_t kMrifReserved1 = (uint64_t{0x3f} << 54) | (uint64_t{0x7} << 61);

  constexpr uint64_t mrif_address() const { return mrif_addr_55_9() * 512; }
  constexpr uint64_t notice_address() const { return nppn() << 12; }
  // "Let NID be (msipte.N10 << 10) | msipte.N[9:0]".
  constexpr uint32_t nid() const { return static_cast<uint32_t>((n10() << 10) | n_9_0()); }
};
static_assert(sizeof(MsiPte) == MsiPte::kBytes);

// "extract(x, y)": the bits of x where y has ones, packed at the low end in order.
constexpr uint64_t extract(uint64_t x, uint64_t y) {
  uint64_t out = 0;
  unsigned n = 0;
  for (unsigned i = 0; i < 64; ++i) {
    if ((y >> i) & 1) out |= ((x >> i) & 1) << n++;
  }
  return out;
}
// The spec's example: x = abcdefgh, y = 10100110 -> 0000acfg.
static_assert(extract(0b1011'0110, 0b1010'0110) == 0b1111 && extract(0b1000'0100, 0b1010'0110) == 0b1010);

// "MSI address mask ... and pattern": a GPA A is an access to a virtual interrupt file when
// (A >> 12) & ~mask == pattern & ~mask.
constexpr bool is_msi_address(uint64_t gpa, uint64_t mask, uint64_t pattern) {
  return ((gpa >> 12) & ~mask) == (pattern & ~mask);
}
// The interrupt file number I = extract(A >> 12, mask), whose MSI PTE is at msiptp.PPN * 4096 | I * 16.
constexpr uint64_t interrupt_file_number(uint64_t gpa, uint64_t mask) { return extract(gpa >> 12, mask); }

}  // namespace spec::riscv_iommu
