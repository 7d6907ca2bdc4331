// SMMUv3 Context Descriptor (IHI 0070 §5.4) and the level-1 CD table descriptor (§5.3).
//
// The CD holds stage-1 translation state, laid out like the Armv8-A TCR/TTBRn/MAIR of an EL1&0 regime.
// Bit numbers are absolute within the 64-byte CD.
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::smmuv3 {

// CD.TG0 and CD.TG1 use different encodings, as TCR_EL1 does.
enum class Tg0 : uint8_t { k4K = 0b00, k64K = 0b01, k16K = 0b10 };
enum class Tg1 : uint8_t { k16K = 0b01, k4K = 0b10, k64K = 0b11 };

// Granule shift (12: 4 KiB, 14: 16 KiB, 16: 64 KiB) of a TG0 / TG1 encoding, 0 for a reserved one; and the
// encoding of a granule shift. STE.S2TG uses the TG0 encoding (VTCR_EL2.TG0).
constexpr unsigned tg0_granule_shift(uint64_t enc) {
  return enc == 0b00 ? 12 : enc == 0b01 ? 16 : enc == 0b10 ? 14 : 0;
}
constexpr unsigned tg1_granule_shift(uint64_t enc) {
  return enc == 0b01 ? 14 : enc == 0b10 ? 12 : enc == 0b11 ? 16 : 0;
}
constexpr uint64_t tg0_encoding(unsigned gshift) {
  return static_cast<uint64_t>(gshift == 12 ? Tg0::k4K : gshift == 16 ? Tg0::k64K : Tg0::k16K);
}
constexpr uint64_t tg1_encoding(unsigned gshift) {
  return static_cast<uint64_t>(gshift == 14 ? Tg1::k16K : gshift == 12 ? Tg1::k4K : Tg1::k64K);
}
static_assert(tg0_granule_shift(tg0_encoding(14)) == 14 && tg1_granule_shift(tg1_encoding(16)) == 16 &&
              tg0_granule_shift(0b11) == 0 && tg1_granule_shift(0b00) == 0);

struct ContextDescriptor : Words<8> {
  // Word 0
  VIOMMU_FIELD(5, 0, t0sz);
  VIOMMU_FIELD(7, 6, tg0);
  VIOMMU_FIELD(9, 8, ir0);
  VIOMMU_FIELD(11, 10, or0);
  VIOMMU_FIELD(13, 12, sh0);
  VIOMMU_BIT(14, epd0);
  VIOMMU_BIT(15, endi);
  VIOMMU_FIELD(21, 16, t1sz);
  VIOMMU_FIELD(23, 22, tg1);
  VIOMMU_FIELD(25, 24, ir1);
  VIOMMU_FIELD(27, 26, or1);
  VIOMMU_FIELD(29, 28, sh1);
  VIOMMU_BIT(30, epd1);
  VIOMMU_BIT(31, v);
  VIOMMU_FIELD(34, 32, ips);
  VIOMMU_BIT(35, affd);
  VIOMMU_BIT(36, wxn);
  VIOMMU_BIT(37, uwxn);
  VIOMMU_FIELD(39, 38, tbi);  // bit 38 = TBI0, bit 39 = TBI1
  VIOMMU_BIT(38, tbi0);
  VIOMMU_BIT(39, tbi1);
  VIOMMU_BIT(40, pan);
  VIOMMU_BIT(41, aa64);
  VIOMMU_BIT(42, hd);
  VIOMMU_BIT(43, ha);
  VIOMMU_BIT(44, s);
  VIOMMU_BIT(45, r);
  VIOMMU_BIT(46, a);
  VIOMMU_BIT(47, aset);
  VIOMMU_FIELD(63, 48, asid);
  // Word 1
  VIOMMU_BIT(64, nscfg0);
  VIOMMU_BIT(65, had0);
  VIOMMU_FIELD(115, 68, ttb0);  // bits [51:4] of the TTB0 address
  // Word 2
  VIOMMU_BIT(128, nscfg1);
  VIOMMU_BIT(129, had1);
  VIOMMU_FIELD(179, 132, ttb1);  // bits [51:4] of the TTB1 address
  // Word 3
  VIOMMU_FIELD(223, 192, mair0);
  VIOMMU_FIELD(255, 224, mair1);
  // Word 4
  VIOMMU_FIELD(287, 256, amair0);
  VIOMMU_FIELD(319, 288, amair1);

  constexpr uint64_t ttb0_address() const { return ttb0() << 4; }
  constexpr uint64_t ttb1_address() const { return ttb1() << 4; }
  constexpr ContextDescriptor& set_ttb0_address(uint64_t a) { return set_ttb0(a >> 4); }
  constexpr ContextDescriptor& set_ttb1_address(uint64_t a) { return set_ttb1(a >> 4); }
};
static_assert(sizeof(ContextDescriptor) == 64);
using Cd = ContextDescriptor;

// Level-1 CD table descriptor (§5.3). A 2-level CD table (STE.S1Fmt != 0) indexes it with SSID[..:6]
// (4 KiB leaf tables of 64 CDs) or SSID[..:10] (64 KiB leaf tables of 1024 CDs), the leaf table with the bits
// below.
inline constexpr unsigned kCdSplit4K = 6, kCdSplit64K = 10;
constexpr uint32_t cdtab_l1_index(uint32_t ssid, unsigned split) { return ssid >> split; }
constexpr uint32_t cdtab_l2_index(uint32_t ssid, unsigned split) {
  return static_cast<uint32_t>(offset_in(ssid, split));
}
struct L1Cd : Words<1> {
  VIOMMU_BIT(0, v);
  VIOMMU_FIELD(51, 12, l2ptr);  // level-2 CD table address bits [51:12]
  constexpr uint64_t l2_address() const { return l2ptr() << 12; }
  constexpr L1Cd& set_l2_address(uint64_t a) { return set_l2ptr(a >> 12); }
};
static_assert(sizeof(L1Cd) == 8);

}  // namespace spec::smmuv3
