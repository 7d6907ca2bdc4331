// Device directory table and device context (RISC-V IOMMU 1.0, chapter "Data Structures", src/
// iommu_data_structures.adoc: "Device-Directory-Table (DDT)", "Non-leaf DDT entry", "Leaf DDT entry",
// "Device-context fields"). The DC is a sequence of 64-bit doublewords (tc, iohgatp, ta, fsc in the base
// format; + msiptp, msi_addr_mask, msi_addr_pattern, reserved in the extended format); each doubleword has
// its own type here, with the bit numbers of its figure.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

template <class R>
constexpr R reg_of(uint64_t raw) {
  R r;
  r.set_raw(raw);
  return r;
}

// "Non-leaf device-directory-table entry": V [0], PPN [53:10]; [9:1] and [63:54] reserved.
struct DdtEntry : Reg64 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  static constexpr uint64_t kReserved = ~(v_mask | ppn_mask);
};

// "Translation control (tc)".
struct Tc : Reg64 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_BIT(1, en_ats, "EN_ATS");
  VIOMMU_NAMED_BIT(2, en_pri, "EN_PRI");
  VIOMMU_NAMED_BIT(3, t2gpa, "T2GPA");
  VIOMMU_NAMED_BIT(4, dtf, "DTF");
  VIOMMU_NAMED_BIT(5, pdtv, "PDTV");
  VIOMMU_NAMED_BIT(6, prpr, "PRPR");
  VIOMMU_NAMED_BIT(7, gade, "GADE");
  VIOMMU_NAMED_BIT(8, sade, "SADE");
  VIOMMU_NAMED_BIT(9, dpe, "DPE");
  VIOMMU_NAMED_BIT(10, sbe, "SBE");
  VIOMMU_NAMED_BIT(11, sxl, "SXL");
  VIOMMU_NAMED_FIELD(31, 24, custom, "custom");
  // [23:12] and [63:32] "reserved" (the custom [31:24] are not "reserved for future standard use").
  static constexpr uint64_t kReserved = (uint64_t{0xfff} << 12) | (uint64_t{0xffff'ffff} << 32);
};

// "IO hypervisor guest address translation and protection (iohgatp)".
struct Iohgatp : Reg64 {
  VIOMMU_NAMED_FIELD(43, 0, ppn, "PPN");
  VIOMMU_NAMED_FIELD(59, 44, gscid, "GSCID");
  VIOMMU_NAMED_FIELD(63, 60, mode, "MODE");
};
// "Encodings of iohgatp.MODE field when fctl.GXL=0" (8..10) and "... when fctl.GXL=1" (8 = Sv32x4).
enum class IohgatpMode : uint8_t { kBare = 0, kSv39x4 = 8, kSv48x4 = 9, kSv57x4 = 10, kSv32x4 = 8 };

// "Translation attributes (ta)" of the DC.
struct DcTa : Reg64 {
  VIOMMU_NAMED_FIELD(31, 12, pscid, "PSCID");
  VIOMMU_NAMED_FIELD(51, 40, rcid, "RCID");  // QoS ID extension; reserved when capabilities.QOSID is 0
  VIOMMU_NAMED_FIELD(63, 52, mcid, "MCID");
  static constexpr uint64_t kReserved = (uint64_t{0xfff}) | (uint64_t{0xff} << 32);
};

// "First-Stage context (fsc)": iosatp (PDTV=0) and pdtp (PDTV=1) share one layout; the PC's fsc too.
struct Fsc : Reg64 {
  VIOMMU_NAMED_FIELD(43, 0, ppn, "PPN");
  VIOMMU_NAMED_FIELD(63, 60, mode, "MODE");
  static constexpr uint64_t kReserved = uint64_t{0xffff} << 44;  // [59:44]
};
using Iosatp = Fsc;
using Pdtp = Fsc;
// "Encodings of iosatp.MODE field when DC.tc.SXL=0" (8..10) and "... when DC.tc.SXL=1" (8 = Sv32);
// 14-15 "Designated for custom use" when SXL=0.
enum class IosatpMode : uint8_t { kBare = 0, kSv39 = 8, kSv48 = 9, kSv57 = 10, kSv32 = 8 };
// "Encodings of pdtp.MODE field".
enum class PdtpMode : uint8_t { kBare = 0, kPd8 = 1, kPd17 = 2, kPd20 = 3 };

// "MSI page table pointer (msiptp)".
struct Msiptp : Reg64 {
  VIOMMU_NAMED_FIELD(43, 0, ppn, "PPN");
  VIOMMU_NAMED_FIELD(63, 60, mode, "MODE");
  static constexpr uint64_t kReserved = uint64_t{0xffff} << 44;
};
enum class MsiptpMode : uint8_t { kOff = 0, kFlat = 1 };

// "MSI address mask (msi_addr_mask) and pattern (msi_addr_pattern)": 52 bits, [63:52] reserved.
struct MsiAddrMask : Reg64 {
  VIOMMU_NAMED_FIELD(51, 0, mask, "mask");
  static constexpr uint64_t kReserved = uint64_t{0xfff} << 52;
};
struct MsiAddrPattern : Reg64 {
  VIOMMU_NAMED_FIELD(51, 0, pattern, "pattern");
  static constexpr uint64_t kReserved = uint64_t{0xfff} << 52;
};

// "Leaf DDT entry": the base format is 32 bytes (doublewords 0..3), the extended format 64 bytes (0..7);
// "If capabilities.MSI_FLAT is 1 then the Extended Format is used else the Base Format is used."
struct DeviceContext : Words<8> {
  static constexpr unsigned kBaseBytes = 32, kExtendedBytes = 64;
  static constexpr unsigned bytes(bool extended) { return extended ? kExtendedBytes : kBaseBytes; }

  constexpr Tc tc() const { return reg_of<Tc>(words[0]); }
  constexpr Iohgatp iohgatp() const { return reg_of<Iohgatp>(words[1]); }
  constexpr DcTa ta() const { return reg_of<DcTa>(words[2]); }
  constexpr Fsc fsc() const { return reg_of<Fsc>(words[3]); }
  constexpr Msiptp msiptp() const { return reg_of<Msiptp>(words[4]); }
  constexpr MsiAddrMask msi_addr_mask() const { return reg_of<MsiAddrMask>(words[5]); }
  constexpr MsiAddrPattern msi_addr_pattern() const { return reg_of<MsiAddrPattern>(words[6]); }
  constexpr uint64_t reserved_dw7() const { return words[7]; }

  constexpr DeviceContext& set_tc(const Tc& v) { return set_dw(0, v.raw()); }
  constexpr DeviceContext& set_iohgatp(const Iohgatp& v) { return set_dw(1, v.raw()); }
  constexpr DeviceContext& set_ta(const DcTa& v) { return set_dw(2, v.raw()); }
  constexpr DeviceContext& set_fsc(const Fsc& v) { return set_dw(3, v.raw()); }
  constexpr DeviceContext& set_msiptp(const Msiptp& v) { return set_dw(4, v.raw()); }
  constexpr DeviceContext& set_msi_addr_mask(const MsiAddrMask& v) { return set_dw(5, v.raw()); }
  constexpr DeviceContext& set_msi_addr_pattern(const MsiAddrPattern& v) { return set_dw(6, v.raw()); }

 private:
  constexpr DeviceContext& set_dw(unsigned i, uint64_t v) {
    words[i] = v;
    return *this;
  }
};
static_assert(sizeof(DeviceContext) == DeviceContext::kExtendedBytes && sizeof(DdtEntry) == 8);

// "Base format device_id partitioning": DDI[0] = device_id[6:0], DDI[1] = [15:7], DDI[2] = [23:16];
// "Extended format device_id partitioning": DDI[0] = [5:0], DDI[1] = [14:6], DDI[2] = [23:15].
inline constexpr unsigned kDeviceIdBits = 24;
constexpr unsigned ddi_width(unsigned i, bool extended) {
  return i == 0 ? (extended ? 6 : 7) : i == 1 ? 9 : (extended ? 9 : 8);
}
constexpr unsigned ddi_shift(unsigned i, bool extended) {
  return i == 0 ? 0 : i == 1 ? ddi_width(0, extended) : ddi_width(0, extended) + 9;
}
constexpr uint64_t ddi(uint32_t device_id, unsigned i, bool extended) {
  return (device_id >> ddi_shift(i, extended)) & ((uint64_t{1} << ddi_width(i, extended)) - 1);
}
// The device_id bits a DDT of `levels` levels decodes: wider ids are "wider than that supported by the IOMMU
// mode" (cause 260).
constexpr unsigned device_id_bits(unsigned levels, bool extended) {
  unsigned b = 0;
  for (unsigned i = 0; i < levels; ++i) b += ddi_width(i, extended);
  return b;
}
static_assert(device_id_bits(3, false) == 24 && device_id_bits(3, true) == 24 && device_id_bits(1, true) == 6);

}  // namespace spec::riscv_iommu
