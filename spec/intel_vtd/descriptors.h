// Invalidation-queue descriptors (Intel VT-d rev 4.x §6.5.2 "Queued Invalidation Interface": §6.5.2.1
// Context-cache, §6.5.2.2 PASID-cache, §6.5.2.3 IOTLB, §6.5.2.4 PASID-based-IOTLB, §6.5.2.5 Device-TLB,
// §6.5.2.6 PASID-based-Device-TLB, §6.5.2.7 Interrupt Entry Cache, §6.5.2.8 Invalidation Wait). A descriptor is
// 128 bits, or 256 bits when IQA.DW=1 (§11.4.11.3): the 256-bit form of every descriptor below is the
// 128-bit one followed by 128 reserved bits. The 7-bit type is split: Type[3:0] in bits 3:0, Type[6:4] in
// bits 11:9 (zero for every type defined so far).
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

enum class DescType : uint8_t {
  kContextCache = 0x1,
  kIotlb = 0x2,
  kDeviceTlb = 0x3,
  kInterruptEntryCache = 0x4,
  kInvalidationWait = 0x5,
  kPasidIotlb = 0x6,
  kPasidCache = 0x7,
  kPasidDeviceTlb = 0x8,
  kPageGroupResponse = 0x9,
};
inline constexpr DescType kAllDescTypes[] = {
    DescType::kContextCache, DescType::kIotlb,      DescType::kDeviceTlb,     DescType::kInterruptEntryCache,
    DescType::kInvalidationWait, DescType::kPasidIotlb, DescType::kPasidCache, DescType::kPasidDeviceTlb,
    DescType::kPageGroupResponse,
};
// The spec's short names (cc_inv_dsc, iotlb_inv_dsc, ...).
constexpr const char* desc_type_name(uint64_t t) {
  switch (t) {
    case 0x1: return "cc_inv_dsc";
    case 0x2: return "iotlb_inv_dsc";
    case 0x3: return "dev_tlb_inv_dsc";
    case 0x4: return "iec_inv_dsc";
    case 0x5: return "inv_wait_dsc";
    case 0x6: return "p_iotlb_inv_dsc";
    case 0x7: return "pc_inv_dsc";
    case 0x8: return "p_dev_tlb_inv_dsc";
    case 0x9: return "pgrp_resp_dsc";
    default: return "reserved";
  }
}
constexpr const char* to_string(DescType t) { return desc_type_name(static_cast<uint64_t>(t)); }
// Types valid only in scalable mode / with 256-bit descriptors (PASID-granular), per §6.5.2: software must not
// submit them in legacy mode.
constexpr bool scalable_only(DescType t) {
  return t == DescType::kPasidIotlb || t == DescType::kPasidCache || t == DescType::kPasidDeviceTlb ||
         t == DescType::kPageGroupResponse;
}

// What every descriptor shares: the split type.
struct Descriptor : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_FIELD(3, 0, type_3_0, "Type[3:0]");
  VIOMMU_NAMED_FIELD(11, 9, type_6_4, "Type[6:4]");
  constexpr uint64_t type() const { return type_3_0() | (type_6_4() << 4); }
  constexpr DescType desc_type() const { return static_cast<DescType>(type()); }
  constexpr Descriptor& set_type(DescType t) {
    const auto v = static_cast<uint64_t>(t);
    set_type_3_0(v & 0xf);
    set_type_6_4(v >> 4);
    return *this;
  }
};
static_assert(sizeof(Descriptor) == Descriptor::kBytes);

// The 256-bit form (IQA.DW=1): the 128-bit descriptor in bits 127:0, bits 255:128 reserved.
struct Descriptor256 : Words<4> {
  static constexpr unsigned kBytes = 32;
  static constexpr Descriptor256 of(const Descriptor& d) {
    Descriptor256 w;
    w.words[0] = d.words[0];
    w.words[1] = d.words[1];
    return w;
  }
  constexpr Descriptor low() const {
    Descriptor d;
    d.words[0] = words[0];
    d.words[1] = words[1];
    return d;
  }
  constexpr bool upper_reserved_clear() const { return words[2] == 0 && words[3] == 0; }
};
static_assert(sizeof(Descriptor256) == Descriptor256::kBytes);

// §6.5.2.1 Context-cache Invalidate Descriptor: G [5:4] (the CCMD.CIRG encodings), DID [31:16], SID [47:32],
// FM [49:48].
struct ContextCacheInv : Descriptor {
  constexpr ContextCacheInv() { set_type(DescType::kContextCache); }
  VIOMMU_NAMED_FIELD(5, 4, g, "G");
  VIOMMU_NAMED_FIELD(31, 16, did, "DID");
  VIOMMU_NAMED_FIELD(47, 32, sid, "SID");
  VIOMMU_NAMED_FIELD(49, 48, fm, "FM");
  static constexpr uint64_t kReserved0 = (uint64_t{0x7} << 6) | (uint64_t{0xf} << 12) | (~uint64_t{0} << 50);
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};

// §6.5.2.3 IOTLB Invalidate Descriptor: G [5:4] (global / domain / page-selective), DW [6], DR [7],
// DID [31:16]; AM [69:64], IH [70], ADDR [127:76].
struct IotlbInv : Descriptor {
  constexpr IotlbInv() { set_type(DescType::kIotlb); }
  VIOMMU_NAMED_FIELD(5, 4, g, "G");
  VIOMMU_NAMED_BIT(6, dw, "DW");
  VIOMMU_NAMED_BIT(7, dr, "DR");
  VIOMMU_NAMED_FIELD(31, 16, did, "DID");
  VIOMMU_NAMED_FIELD(69, 64, am, "AM");
  VIOMMU_NAMED_BIT(70, ih, "IH");
  VIOMMU_NAMED_FIELD(127, 76, addr_4k, "ADDR");
  constexpr uint64_t addr() const { return addr_4k() << 12; }
  constexpr IotlbInv& set_addr(uint64_t a) { return set_addr_4k(a >> 12); }
  static constexpr uint64_t kReserved0 = (uint64_t{1} << 8) | (uint64_t{0xf} << 12) | (~uint64_t{0} << 32);
  static constexpr uint64_t kReserved1 = uint64_t{0x1f} << 7;                             // [75:71]
};

// §6.5.2.5 Device-TLB Invalidate Descriptor: PFSID[3:0] [15:12], MIP [20:16], SID [47:32], PFSID[15:4]
// [63:52]; S [64], ADDR [127:76]. QEMU treats both PFSID parts as reserved (its masks reject them); Linux
// fills them for SR-IOV virtual functions. The spec (rev 2.5+) defines PFSID.
struct DeviceTlbInv : Descriptor {
  constexpr DeviceTlbInv() { set_type(DescType::kDeviceTlb); }
  VIOMMU_NAMED_FIELD(15, 12, pfsid_3_0, "PFSID[3:0]");
  VIOMMU_NAMED_FIELD(20, 16, mip, "MIP");
  VIOMMU_NAMED_FIELD(47, 32, sid, "SID");
  VIOMMU_NAMED_FIELD(63, 52, pfsid_15_4, "PFSID[15:4]");
  VIOMMU_NAMED_BIT(64, s, "S");
  VIOMMU_NAMED_FIELD(127, 76, addr_4k, "ADDR");
  constexpr uint64_t addr() const { return addr_4k() << 12; }
  constexpr DeviceTlbInv& set_addr(uint64_t a) { return set_addr_4k(a >> 12); }
  constexpr uint64_t pfsid() const { return pfsid_3_0() | (pfsid_15_4() << 4); }
  constexpr DeviceTlbInv& set_pfsid(uint16_t v) { return set_pfsid_3_0(v & 0xf).set_pfsid_15_4(v >> 4); }
};

// §6.5.2.7 Interrupt Entry Cache Invalidate Descriptor: G [4] (0 global, 1 index-selective), IM [31:27] (2^IM
// entries from IIDX), IIDX [47:32].
struct IecInv : Descriptor {
  constexpr IecInv() { set_type(DescType::kInterruptEntryCache); }
  VIOMMU_NAMED_BIT(4, g, "G");
  VIOMMU_NAMED_FIELD(31, 27, im, "IM");
  VIOMMU_NAMED_FIELD(47, 32, iidx, "IIDX");
  static constexpr uint64_t kReserved0 = (uint64_t{0xf} << 5) | (uint64_t{0x7fff} << 12) | (~uint64_t{0} << 48);
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};

// §6.5.2.8 Invalidation Wait Descriptor: IF [4] (set ICS.IWC, raise the invalidation event), SW [5] (write
// Status Data to Status Address), FN [6] (fence: later descriptors wait for this one), PD [7] (page-request
// drain, ECAP.PDS), Status Data [63:32]; Status Address [127:66] (a dword-aligned address).
struct InvWait : Descriptor {
  constexpr InvWait() { set_type(DescType::kInvalidationWait); }
  VIOMMU_NAMED_BIT(4, if_, "IF");
  VIOMMU_NAMED_BIT(5, sw, "SW");
  VIOMMU_NAMED_BIT(6, fn, "FN");
  VIOMMU_NAMED_BIT(7, pd, "PD");
  VIOMMU_NAMED_FIELD(63, 32, status_data, "Status Data");
  VIOMMU_NAMED_FIELD(127, 66, status_addr_2, "Status Address");
  constexpr uint64_t status_addr() const { return status_addr_2() << 2; }
  constexpr InvWait& set_status_addr(uint64_t pa) { return set_status_addr_2(pa >> 2); }  // 4-byte aligned
  static constexpr uint64_t kReserved0 = (uint64_t{0x1} << 8) | (uint64_t{0xfffff} << 12);  // [8], [31:12]
  static constexpr uint64_t kReserved1 = uint64_t{0x3};                                     // [65:64]
};

// §6.5.2.4 PASID-based-IOTLB Invalidate Descriptor: G [5:4], DID [31:16], PASID [51:32]; AM [69:64], IH [70],
// ADDR [127:76].
struct PasidIotlbInv : Descriptor {
  constexpr PasidIotlbInv() { set_type(DescType::kPasidIotlb); }
  VIOMMU_NAMED_FIELD(5, 4, g, "G");
  VIOMMU_NAMED_FIELD(31, 16, did, "DID");
  VIOMMU_NAMED_FIELD(51, 32, pasid, "PASID");
  VIOMMU_NAMED_FIELD(69, 64, am, "AM");
  VIOMMU_NAMED_BIT(70, ih, "IH");
  VIOMMU_NAMED_FIELD(127, 76, addr_4k, "ADDR");
  constexpr uint64_t addr() const { return addr_4k() << 12; }
  constexpr PasidIotlbInv& set_addr(uint64_t a) { return set_addr_4k(a >> 12); }
  static constexpr uint64_t kReserved0 = (uint64_t{0x7} << 6) | (uint64_t{0xf} << 12) | (~uint64_t{0} << 52);
  static constexpr uint64_t kReserved1 = uint64_t{0x1f} << 7;
};
// p_iotlb_inv_dsc G: 10b every entry of the PASID in the domain, 11b page-selective within the PASID (QEMU and
// Linux agree; 00b/01b are not used by either).
enum class PasidIotlbGranularity : uint8_t { kPasid = 2, kPageInPasid = 3 };

// §6.5.2.2 PASID-cache Invalidate Descriptor: G [5:4], DID [31:16], PASID [51:32].
struct PasidCacheInv : Descriptor {
  constexpr PasidCacheInv() { set_type(DescType::kPasidCache); }
  VIOMMU_NAMED_FIELD(5, 4, g, "G");
  VIOMMU_NAMED_FIELD(31, 16, did, "DID");
  VIOMMU_NAMED_FIELD(51, 32, pasid, "PASID");
  static constexpr uint64_t kReserved0 = (uint64_t{0x7} << 6) | (uint64_t{0xf} << 12) | (~uint64_t{0} << 52);
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};
// pc_inv_dsc G: 00b domain-selective, 01b PASID-selective within the domain, 11b global; 10b reserved.
enum class PasidCacheGranularity : uint8_t { kDomain = 0, kPasid = 1, kGlobal = 3 };

// §6.5.2.6 PASID-based-Device-TLB Invalidate Descriptor: MIP [8:4], PFSID[3:0] [15:12], SID [31:16], PASID
// [51:32], PFSID[15:4] [63:52]; G [64] (all PASIDs), S [75], ADDR [127:76]. QEMU rejects non-zero PFSID bits,
// as for the device-TLB descriptor.
struct PasidDeviceTlbInv : Descriptor {
  constexpr PasidDeviceTlbInv() { set_type(DescType::kPasidDeviceTlb); }
  VIOMMU_NAMED_FIELD(8, 4, mip, "MIP");
  VIOMMU_NAMED_FIELD(15, 12, pfsid_3_0, "PFSID[3:0]");
  VIOMMU_NAMED_FIELD(31, 16, sid, "SID");
  VIOMMU_NAMED_FIELD(51, 32, pasid, "PASID");
  VIOMMU_NAMED_FIELD(63, 52, pfsid_15_4, "PFSID[15:4]");
  VIOMMU_NAMED_BIT(64, g, "G");
  VIOMMU_NAMED_BIT(75, s, "S");
  VIOMMU_NAMED_FIELD(127, 76, addr_4k, "ADDR");
  constexpr uint64_t addr() const { return addr_4k() << 12; }
  constexpr PasidDeviceTlbInv& set_addr(uint64_t a) { return set_addr_4k(a >> 12); }
};

static_assert(sizeof(ContextCacheInv) == 16 && sizeof(IotlbInv) == 16 && sizeof(DeviceTlbInv) == 16 &&
              sizeof(IecInv) == 16 && sizeof(InvWait) == 16 && sizeof(PasidIotlbInv) == 16 &&
              sizeof(PasidCacheInv) == 16 && sizeof(PasidDeviceTlbInv) == 16);

// An address-mask invalidation (IVA.AM, descriptors' AM) covers 2^AM 4 KiB pages at the address aligned down to
// that size; the spec requires software to pass an address so aligned.
constexpr uint64_t am_bytes(uint64_t am) { return uint64_t{4096} << am; }
constexpr bool am_covers(uint64_t base, uint64_t am, uint64_t iova) {
  return am < 52 && (iova & ~(am_bytes(am) - 1)) == (base & ~(am_bytes(am) - 1));
}
static_assert(am_bytes(9) == 0x20'0000 && am_covers(0x20'0000, 9, 0x3f'f000) && !am_covers(0x20'0000, 9, 0x40'0000));

}  // namespace spec::intel_vtd
