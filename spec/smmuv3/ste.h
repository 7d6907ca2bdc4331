// SMMUv3 Stream Table Entry (IHI 0070 §5.2) and the 2-level stream table descriptor (§5.1, §3.3.2).
//
// Bit numbers are absolute within the 64-byte STE, exactly as §5.2 numbers them (S2VMID is [143:128]).
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::smmuv3 {

// STE.Config[3:1] (§5.2): bit 0 of the value enables stage 1, bit 1 enables stage 2, and the value 0b000
// aborts. 0b001..0b011 are reserved (ILLEGAL -> C_BAD_STE).
enum class SteConfig : uint8_t {
  kAbort = 0b000,
  kBypass = 0b100,
  kS1Trans = 0b101,
  kS2Trans = 0b110,
  kNested = 0b111,
};

// STE.S1Fmt: layout of the CD table that S1ContextPtr points to.
enum class S1Fmt : uint8_t { kLinear = 0b00, k2Level4K = 0b01, k2Level64K = 0b10 };
// STE.S1DSS: what happens to a transaction without a SubstreamID when S1CDMax != 0.
enum class S1Dss : uint8_t { kTerminate = 0b00, kBypass = 0b01, kSubstream0 = 0b10 };
// STE.STRW: StreamWorld (translation regime) of stage 1.
enum class Strw : uint8_t { kNsEl1 = 0b00, kEl2 = 0b10 };
// STE.S2TG / stage-2 granule encoding (same as VTCR_EL2.TG0).
enum class S2Tg : uint8_t { k4K = 0b00, k64K = 0b01, k16K = 0b10 };
// STE.S2SL0 (the VTCR_EL2.SL0 encoding, without TTST or LPA2): the starting level of the stage-2 walk for a
// granule shift, and the encoding of a starting level. 0b11 is reserved.
constexpr unsigned s2_start_level(unsigned gshift, uint64_t sl0) {
  return (gshift == 12 ? 2u : 3u) - static_cast<unsigned>(sl0);
}
constexpr uint64_t s2_sl0(unsigned gshift, unsigned start_level) { return (gshift == 12 ? 2u : 3u) - start_level; }
static_assert(s2_start_level(12, 0) == 2 && s2_start_level(16, 2) == 1 && s2_sl0(14, 1) == 2);

struct Ste : Words<8> {
  // Word 0
  VIOMMU_BIT(0, v);
  VIOMMU_FIELD(3, 1, config);
  VIOMMU_BIT(1, config_s1);  // Config[0]: stage 1 translates (with Config[2])
  VIOMMU_BIT(2, config_s2);  // Config[1]: stage 2 translates (with Config[2])
  VIOMMU_BIT(3, config_2);   // Config[2]: 0 = abort (0b0xx), 1 = bypass or translate
  VIOMMU_FIELD(5, 4, s1fmt);
  VIOMMU_FIELD(51, 6, s1contextptr);  // CD table address bits [51:6]
  VIOMMU_FIELD(63, 59, s1cdmax);      // log2 of the number of CDs
  // Word 1
  VIOMMU_FIELD(65, 64, s1dss);
  VIOMMU_FIELD(67, 66, s1cir);
  VIOMMU_FIELD(69, 68, s1cor);
  VIOMMU_FIELD(71, 70, s1csh);
  VIOMMU_BIT(72, s2hwu59);
  VIOMMU_BIT(73, s2hwu60);
  VIOMMU_BIT(74, s2hwu61);
  VIOMMU_BIT(75, s2hwu62);
  VIOMMU_BIT(76, dre);
  VIOMMU_FIELD(80, 77, cont);
  VIOMMU_BIT(81, dcp);
  VIOMMU_BIT(82, ppar);
  VIOMMU_BIT(83, mev);
  VIOMMU_FIELD(87, 84, sw_attr);
  VIOMMU_BIT(91, s1stalld);
  VIOMMU_FIELD(93, 92, eats);
  VIOMMU_FIELD(95, 94, strw);
  VIOMMU_FIELD(99, 96, memattr);
  VIOMMU_BIT(100, mtcfg);
  VIOMMU_FIELD(104, 101, alloccfg);
  VIOMMU_FIELD(109, 108, shcfg);
  VIOMMU_FIELD(111, 110, nscfg);
  VIOMMU_FIELD(113, 112, privcfg);
  VIOMMU_FIELD(115, 114, instcfg);
  // Word 2
  VIOMMU_FIELD(143, 128, s2vmid);
  VIOMMU_FIELD(165, 160, s2t0sz);
  VIOMMU_FIELD(167, 166, s2sl0);
  VIOMMU_FIELD(169, 168, s2ir0);
  VIOMMU_FIELD(171, 170, s2or0);
  VIOMMU_FIELD(173, 172, s2sh0);
  VIOMMU_FIELD(175, 174, s2tg);
  VIOMMU_FIELD(178, 176, s2ps);
  VIOMMU_BIT(179, s2aa64);
  VIOMMU_BIT(180, s2endi);
  VIOMMU_BIT(181, s2affd);
  VIOMMU_BIT(182, s2ptw);
  VIOMMU_BIT(183, s2hd);
  VIOMMU_BIT(184, s2ha);
  VIOMMU_BIT(185, s2s);
  VIOMMU_BIT(186, s2r);
  // Word 3
  VIOMMU_FIELD(243, 196, s2ttb);  // stage-2 table base bits [51:4]
  // Words 4..7 hold Secure-state and later-extension fields (S_S2TTB, MPAM, VMSPtr); a Non-secure model
  // that advertises none of those extensions ignores them.

  constexpr uint64_t s1_context_address() const { return s1contextptr() << 6; }
  constexpr uint64_t s2_ttb_address() const { return s2ttb() << 4; }
  constexpr Ste& set_s1_context_address(uint64_t a) { return set_s1contextptr(a >> 6); }
  constexpr Ste& set_s2_ttb_address(uint64_t a) { return set_s2ttb(a >> 4); }
};
static_assert(sizeof(Ste) == 64);

// §3.3.2 2-level Stream table: StreamID[n:SPLIT] indexes the level-1 table of L1STDs, StreamID[SPLIT-1:0] the
// level-2 table of STEs it points to.
constexpr uint32_t strtab_l1_index(uint32_t sid, unsigned split) { return sid >> split; }
constexpr uint32_t strtab_l2_index(uint32_t sid, unsigned split) {
  return static_cast<uint32_t>(offset_in(sid, split));
}

// Level-1 Stream Table Descriptor (§5.1). Span: the level-2 table holds 2^(Span-1) STEs; 0 means invalid.
struct L1Std : Words<1> {
  VIOMMU_FIELD(4, 0, span);
  VIOMMU_FIELD(51, 6, l2ptr);  // level-2 table address bits [51:6]
  constexpr uint64_t l2_address() const { return l2ptr() << 6; }
  constexpr L1Std& set_l2_address(uint64_t a) { return set_l2ptr(a >> 6); }
};
static_assert(sizeof(L1Std) == 8);

}  // namespace spec::smmuv3
