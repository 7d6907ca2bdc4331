// Interrupt remapping (Intel VT-d rev 4.x chapter 5: §5.1.2 interrupt request formats, §5.1.3 the interrupt
// remapping table; §9.10 IRTE for Remapped Interrupts, §9.11 IRTE for Posted Interrupts). The table (IRTA)
// holds 2^(IRTA.S+1) entries of 16 bytes, indexed by the handle of a remappable-format request.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

// The MSI address window interrupt requests use ("interrupt requests ... are DWORD writes to 0xFEEx_xxxx").
inline constexpr uint64_t kInterruptAddressBase = 0xfee0'0000, kInterruptAddressLast = 0xfeef'ffff;

// §9.10 IRTE, remapped format (IM=0): P [0], FPD [1], DM [2], RH [3], TM [4], DLM [7:5], AVAIL [11:8], IM [15],
// V [23:16], DST [63:32]; SID [79:64], SQ [81:80], SVT [83:82]. DST holds the APIC ID in bits 15:8 in xAPIC
// mode (IRTA.EIME=0) and the full 32-bit x2APIC ID with EIME=1.
struct Irte : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_BIT(2, dm, "DM");
  VIOMMU_NAMED_BIT(3, rh, "RH");
  VIOMMU_NAMED_BIT(4, tm, "TM");
  VIOMMU_NAMED_FIELD(7, 5, dlm, "DLM");
  VIOMMU_NAMED_FIELD(11, 8, avail, "AVAIL");
  VIOMMU_NAMED_BIT(15, im, "IM");
  VIOMMU_NAMED_FIELD(23, 16, vector, "V");
  VIOMMU_NAMED_FIELD(63, 32, dst, "DST");
  VIOMMU_NAMED_FIELD(79, 64, sid, "SID");
  VIOMMU_NAMED_FIELD(81, 80, sq, "SQ");
  VIOMMU_NAMED_FIELD(83, 82, svt, "SVT");
  // xAPIC destination: DST[15:8].
  static constexpr uint64_t xapic_dst(uint8_t apic_id) { return uint64_t{apic_id} << 8; }
  constexpr uint8_t xapic_id() const { return static_cast<uint8_t>(dst() >> 8); }
  static constexpr uint64_t kReserved0 = uint64_t{0x7} << 12 | uint64_t{0xff} << 24;  // [14:12], [31:24]
  static constexpr uint64_t kReserved1 = ~uint64_t{0} << 20;                           // [127:84]
};
static_assert(sizeof(Irte) == Irte::kBytes);

// §9.11 IRTE, posted format (IM=1): P, FPD as above, AVAIL [11:8], URG [14], IM [15], VV [23:16],
// PDA_L [63:38] (posted-descriptor address bits 31:6); SID, SQ, SVT as above; PDA_H [127:96] (address bits
// 63:32). Only with CAP.PI=1 (QEMU reports PI=0).
struct PostedIrte : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_FIELD(11, 8, avail, "AVAIL");
  VIOMMU_NAMED_BIT(14, urg, "URG");
  VIOMMU_NAMED_BIT(15, im, "IM");
  VIOMMU_NAMED_FIELD(23, 16, vv, "VV");
  VIOMMU_NAMED_FIELD(63, 38, pda_l, "PDA_L");
  VIOMMU_NAMED_FIELD(79, 64, sid, "SID");
  VIOMMU_NAMED_FIELD(81, 80, sq, "SQ");
  VIOMMU_NAMED_FIELD(83, 82, svt, "SVT");
  VIOMMU_NAMED_FIELD(127, 96, pda_h, "PDA_H");
  constexpr uint64_t pda() const { return (pda_h() << 32) | (pda_l() << 6); }
  constexpr PostedIrte& set_pda(uint64_t pa) {  // 64-byte aligned
    return set_pda_l(spec::bits_of(pa, 31, 6)).set_pda_h(spec::bits_of(pa, 63, 32));
  }
};
static_assert(sizeof(PostedIrte) == PostedIrte::kBytes);

// IRTE.SVT: 00b no check, 01b SID/SQ check of the requester id, 10b the requester's bus within SID[15:8]..SID[7:0]
// (bridges), 11b reserved. SQ (with SVT=01b) masks SID's function bits: 00b all 16 bits, 01b ignore bit 2,
// 10b ignore bits 2:1, 11b ignore bits 2:0.
enum class Svt : uint8_t { kNone = 0, kRequesterId = 1, kBusRange = 2, kReserved = 3 };
// IRTE.DLM: 000b fixed, 001b lowest priority, 010b SMI, 100b NMI, 101b INIT, 111b ExtINT.
enum class DeliveryMode : uint8_t { kFixed = 0, kLowestPriority = 1, kSmi = 2, kNmi = 4, kInit = 5, kExtInt = 7 };

// §5.1.2.2 Remappable-format interrupt request, address: 0xFEE [31:20], HANDLE[14:0] [19:5], Interrupt Format
// [4] (1: remappable), SHV [3], HANDLE[15] [2]; bits 1:0 don't care. With SHV=1 the data's bits 15:0 are the
// subhandle and the index is handle + subhandle; with SHV=0 the index is the handle.
struct RemappableMsiAddress : Reg32 {
  VIOMMU_NAMED_BIT(2, handle_15, "HANDLE[15]");
  VIOMMU_NAMED_BIT(3, shv, "SHV");
  VIOMMU_NAMED_BIT(4, interrupt_format, "Interrupt Format");
  VIOMMU_NAMED_FIELD(19, 5, handle_14_0, "HANDLE[14:0]");
  VIOMMU_NAMED_FIELD(31, 20, fee, "FEEh");
  static constexpr uint32_t kFee = 0xfee;
  constexpr uint32_t handle() const { return static_cast<uint32_t>(handle_14_0() | (handle_15() << 15)); }
  constexpr RemappableMsiAddress& set_handle(uint32_t h) { return set_handle_14_0(h & 0x7fff).set_handle_15(h >> 15); }
  // An address in remappable format for `handle` (SHV as given).
  static constexpr RemappableMsiAddress of(uint32_t handle, bool shv) {
    RemappableMsiAddress a;
    a.set_fee(kFee).set_interrupt_format(1).set_shv(shv).set_handle(handle);
    return a;
  }
};
struct RemappableMsiData : Reg32 {
  VIOMMU_NAMED_FIELD(15, 0, subhandle, "SUBHANDLE");
};
// The interrupt index a remappable request selects (§5.1.3: "if SHV is 1, interrupt_index = handle +
// subhandle", else the handle alone).
constexpr uint32_t interrupt_index(const RemappableMsiAddress& a, const RemappableMsiData& d) {
  return a.shv() ? a.handle() + static_cast<uint32_t>(d.subhandle()) : a.handle();
}
// A compatibility-format request has Interrupt Format 0 (the plain x86 MSI address: destination ID [19:12]).
constexpr bool is_remappable_format(uint32_t msi_address) { return (msi_address >> 4) & 1; }

}  // namespace spec::intel_vtd
