// Root and context tables (Intel VT-d rev 4.x chapter 9 "Translation Structure Formats": §9.1 Root Entry, §9.2
// Scalable-Mode Root Entry, §9.3 Context Entry, §9.4 Scalable-Mode Context-Entry). A root table is one 4 KiB
// page of 256 entries indexed by bus; a legacy context table 256 entries of 16 bytes indexed by devfn, a
// scalable-mode context table 128 entries of 32 bytes, the lower table for devfn 0..127, the upper for 128..255.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

inline constexpr unsigned kRootEntries = 256;
inline constexpr unsigned kLegacyContextEntries = 256;
inline constexpr unsigned kScalableContextEntries = 128;  // per half-table

// §9.1 Root Entry (legacy mode, RTADDR.TTM=00b): P [0], CTP [63:12]; bits 127:64 reserved.
struct RootEntry : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_FIELD(63, 12, ctp_4k, "CTP");
  constexpr uint64_t ctp() const { return ctp_4k() << ctp_4k_lo; }
  constexpr RootEntry& set_ctp(uint64_t pa) { return set_ctp_4k(pa >> ctp_4k_lo); }
  static constexpr uint64_t kReserved0 = uint64_t{0xffe};  // [11:1]; bits above HAW are reserved as well
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};
static_assert(sizeof(RootEntry) == RootEntry::kBytes);

// §9.2 Scalable-Mode Root Entry (TTM=01b): LP [0], LCTP [63:12] (devfn 0..127), UP [64], UCTP [127:76]
// (devfn 128..255).
struct ScalableRootEntry : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, lp, "LP");
  VIOMMU_NAMED_FIELD(63, 12, lctp_4k, "LCTP");
  VIOMMU_NAMED_BIT(64, up, "UP");
  VIOMMU_NAMED_FIELD(127, 76, uctp_4k, "UCTP");
  constexpr uint64_t lctp() const { return lctp_4k() << 12; }
  constexpr uint64_t uctp() const { return uctp_4k() << 12; }
  constexpr ScalableRootEntry& set_lctp(uint64_t pa) { return set_lctp_4k(pa >> 12); }
  constexpr ScalableRootEntry& set_uctp(uint64_t pa) { return set_uctp_4k(pa >> 12); }
  // The half a devfn's context entry lives in, and its index there.
  static constexpr bool upper_half(uint8_t devfn) { return devfn >= 128; }
  static constexpr unsigned index_in_half(uint8_t devfn) { return devfn & 0x7f; }
};
static_assert(sizeof(ScalableRootEntry) == ScalableRootEntry::kBytes);

// §9.3 Context Entry (legacy): P [0], FPD [1], TT [3:2], SLPTPTR [63:12]; AW [66:64], AVAIL [70:67],
// DID [87:72]. QEMU rejects a non-zero bit 71 ("RSVD_HI 0xffffffffff000080"), as VirtualBox does; Linux
// never sets it.
struct ContextEntry : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_FIELD(3, 2, tt, "TT");
  VIOMMU_NAMED_FIELD(63, 12, slptptr_4k, "SLPTPTR");
  VIOMMU_NAMED_FIELD(66, 64, aw, "AW");
  VIOMMU_NAMED_FIELD(70, 67, avail, "AVAIL");
  VIOMMU_NAMED_FIELD(87, 72, did, "DID");
  constexpr uint64_t slptptr() const { return slptptr_4k() << 12; }
  constexpr ContextEntry& set_slptptr(uint64_t pa) { return set_slptptr_4k(pa >> 12); }
  static constexpr uint64_t kReserved0 = uint64_t{0xff0};  // [11:4]
  static constexpr uint64_t kReserved1 = (uint64_t{1} << 7) | (~uint64_t{0} << 24);  // [71], [127:88]
};
static_assert(sizeof(ContextEntry) == ContextEntry::kBytes);
// Context-entry TT: 00b untranslated requests translated through the second-stage tables, device-TLB off;
// 01b the same with device-TLB (ATS) allowed; 10b pass-through (ECAP.PT); 11b reserved.
enum class TranslationType : uint8_t { kMultiLevel = 0, kMultiLevelDeviceTlb = 1, kPassThrough = 2, kReserved = 3 };
constexpr const char* translation_type_name(uint64_t tt) {
  switch (tt) {
    case 0: return "untranslated-only";
    case 1: return "all-requests (device-TLB)";
    case 2: return "pass-through";
    default: return "reserved";
  }
}
// AW (and the PASID-table entry's AW) encodes the adjusted guest address width: 1 = 39-bit (3-level),
// 2 = 48-bit (4-level), 3 = 57-bit (5-level); the matching CAP.SAGAW bit is 1 << AW.
constexpr unsigned agaw_bits(uint64_t aw) { return 30 + 9 * static_cast<unsigned>(aw); }
constexpr unsigned aw_levels(uint64_t aw) { return static_cast<unsigned>(aw) + 2; }
constexpr uint64_t aw_for_agaw(unsigned agaw) { return (agaw - 30) / 9; }
static_assert(agaw_bits(1) == 39 && agaw_bits(2) == 48 && agaw_bits(3) == 57 && aw_levels(2) == 4 &&
              aw_for_agaw(48) == 2);

// §9.4 Scalable-Mode Context-Entry (256 bits): P [0], FPD [1], DTE [2], PASIDE [3], PRE [4], PDTS [11:9],
// PASIDDIRPTR [63:12]; RID_PASID [83:64], RID_PRIV [84]; bits 255:85 reserved.
struct ScalableContextEntry : Words<4> {
  static constexpr unsigned kBytes = 32;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_BIT(2, dte, "DTE");
  VIOMMU_NAMED_BIT(3, paside, "PASIDE");
  VIOMMU_NAMED_BIT(4, pre, "PRE");
  VIOMMU_NAMED_FIELD(11, 9, pdts, "PDTS");
  VIOMMU_NAMED_FIELD(63, 12, pasiddirptr_4k, "PASIDDIRPTR");
  VIOMMU_NAMED_FIELD(83, 64, rid_pasid, "RID_PASID");
  VIOMMU_NAMED_BIT(84, rid_priv, "RID_PRIV");
  constexpr uint64_t pasiddirptr() const { return pasiddirptr_4k() << 12; }
  constexpr ScalableContextEntry& set_pasiddirptr(uint64_t pa) { return set_pasiddirptr_4k(pa >> 12); }
  // "PDTS: a value of X in this field indicates a PASID directory with 2^(X+7) entries".
  constexpr uint64_t pasid_directory_entries() const { return uint64_t{1} << (pdts() + 7); }
  static constexpr uint64_t kReserved0 = uint64_t{0x1e0};              // [8:5]
  static constexpr uint64_t kReserved1 = ~uint64_t{0} << 21;           // [127:85]
};
static_assert(sizeof(ScalableContextEntry) == ScalableContextEntry::kBytes);

}  // namespace spec::intel_vtd
