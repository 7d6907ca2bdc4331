// SMMUv3 command queue entries (IHI 0070 §4): 16 bytes each, opcode in bits [7:0].
//
// Every command is one small type deriving from Command, with the fields §4 gives it (absolute bit numbers
// within the 128-bit entry). Range invalidation fields (§4.4.1, SMMU_IDR3.RIL): TG selects the granule of
// the range (0 = not a range), SCALE and NUM give (NUM+1) * 2^SCALE granules starting at Address, and TTL
// hints the level of the leaf entries being invalidated.
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::smmuv3 {

enum class Opcode : uint8_t {
  kPrefetchConfig = 0x01,
  kPrefetchAddr = 0x02,
  kCfgiSte = 0x03,
  kCfgiSteRange = 0x04,  // CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range = 31
  kCfgiCd = 0x05,
  kCfgiCdAll = 0x06,
  kCfgiVmsPidm = 0x07,
  kTlbiNhAll = 0x10,
  kTlbiNhAsid = 0x11,
  kTlbiNhVa = 0x12,
  kTlbiNhVaa = 0x13,
  kTlbiEl3All = 0x18,
  kTlbiEl3Va = 0x1a,
  kTlbiEl2All = 0x20,
  kTlbiEl2Asid = 0x21,
  kTlbiEl2Va = 0x22,
  kTlbiEl2Vaa = 0x23,
  kTlbiS12Vmall = 0x28,
  kTlbiS2Ipa = 0x2a,
  kTlbiNsnhAll = 0x30,
  kAtcInv = 0x40,
  kPriResp = 0x41,
  kResume = 0x44,
  kStallTerm = 0x45,
  kSync = 0x46,
};

struct Command : Words<2> {
  VIOMMU_FIELD(7, 0, opcode);
};
static_assert(sizeof(Command) == 16);

// The StreamID [63:32] and SubstreamID [31:12] operands, at the same positions in every command that has them
// (CMD_PREFETCH_*, CMD_CFGI_STE*/CD*, CMD_ATC_INV, CMD_PRI_RESP, CMD_RESUME, CMD_STALL_TERM: §4.2-§4.6), so a
// command can be read as this before its opcode is looked at.
struct CmdStreamOperands : Command {
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
};

template <Opcode Op>
struct CommandOf : Command {
  static constexpr Opcode kOpcode = Op;
  constexpr CommandOf() { set_opcode(static_cast<uint64_t>(Op)); }
};

// §4.2.1 CMD_PREFETCH_CONFIG
struct CmdPrefetchConfig : CommandOf<Opcode::kPrefetchConfig> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_BIT(11, ssv);
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
};
// §4.2.2 CMD_PREFETCH_ADDR
struct CmdPrefetchAddr : CommandOf<Opcode::kPrefetchAddr> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_BIT(11, ssv);
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_FIELD(68, 64, size);
  VIOMMU_FIELD(73, 69, stride);
  VIOMMU_BIT(75, ns);
  VIOMMU_FIELD(127, 76, address);  // VA[63:12]
};
// §4.3.1 CMD_CFGI_STE
struct CmdCfgiSte : CommandOf<Opcode::kCfgiSte> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_BIT(64, leaf);
};
// §4.3.2 CMD_CFGI_STE_RANGE: invalidates StreamIDs [SID & ~(2^(Range+1)-1), + 2^(Range+1)).
struct CmdCfgiSteRange : CommandOf<Opcode::kCfgiSteRange> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_FIELD(68, 64, range);
  // The first and last StreamID of the range (Range < 31; Range = 31 is CMD_CFGI_ALL).
  constexpr uint32_t first_sid() const { return static_cast<uint32_t>(align_down(streamid(), range() + 1)); }
  constexpr uint32_t last_sid() const { return static_cast<uint32_t>(first_sid() + low_bits(range() + 1)); }
};
// §4.3.3 CMD_CFGI_CD
struct CmdCfgiCd : CommandOf<Opcode::kCfgiCd> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_BIT(64, leaf);
};
// §4.3.4 CMD_CFGI_CD_ALL
struct CmdCfgiCdAll : CommandOf<Opcode::kCfgiCdAll> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(63, 32, streamid);
};
// §4.3.6 CMD_CFGI_ALL (encoded as CMD_CFGI_STE_RANGE with Range = 31)
struct CmdCfgiAll : CommandOf<Opcode::kCfgiSteRange> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(68, 64, range);
  constexpr CmdCfgiAll() { set_range(31); }
};
// §4.3.7 CMD_CFGI_VMS_PIDM (SMMUv3.2 VMS)
struct CmdCfgiVmsPidm : CommandOf<Opcode::kCfgiVmsPidm> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(47, 32, vmid);
};

// The TLBI-by-address layout shared by NH_VA, NH_VAA, EL2_VA, EL2_VAA, EL3_VA and S2_IPA (§4.4).
template <Opcode Op>
struct CmdTlbiByAddr : CommandOf<Op> {
  VIOMMU_FIELD(16, 12, num);
  VIOMMU_FIELD(24, 20, scale);
  VIOMMU_FIELD(47, 32, vmid);
  VIOMMU_FIELD(63, 48, asid);
  VIOMMU_BIT(64, leaf);
  VIOMMU_FIELD(73, 72, ttl);
  VIOMMU_FIELD(75, 74, tg);  // 0b00 not a range, 0b01 4 KiB, 0b10 16 KiB, 0b11 64 KiB: tlbi_tg_granule_shift()
  VIOMMU_FIELD(127, 76, address);  // address bits [63:12]
  constexpr uint64_t addr() const { return this->address() << 12; }
  constexpr auto& set_addr(uint64_t a) { return this->set_address(a >> 12); }
};
// Granule shift of a range TLBI's TG (0b01 4 KiB, 0b10 16 KiB, 0b11 64 KiB); 0 for TG = 0b00 (not a range).
constexpr unsigned tlbi_tg_granule_shift(uint64_t tg) {
  return tg == 0b01 ? 12 : tg == 0b10 ? 14 : tg == 0b11 ? 16 : 0;
}

// §4.4.1 CMD_TLBI_NH_ALL
struct CmdTlbiNhAll : CommandOf<Opcode::kTlbiNhAll> {
  VIOMMU_FIELD(47, 32, vmid);
};
// §4.4.2 CMD_TLBI_NH_ASID
struct CmdTlbiNhAsid : CommandOf<Opcode::kTlbiNhAsid> {
  VIOMMU_FIELD(47, 32, vmid);
  VIOMMU_FIELD(63, 48, asid);
};
// §4.4.3 CMD_TLBI_NH_VA
using CmdTlbiNhVa = CmdTlbiByAddr<Opcode::kTlbiNhVa>;
// §4.4.4 CMD_TLBI_NH_VAA (ASID field RES0)
using CmdTlbiNhVaa = CmdTlbiByAddr<Opcode::kTlbiNhVaa>;
// §4.4.5-6 CMD_TLBI_EL3_ALL / CMD_TLBI_EL3_VA (Secure only)
struct CmdTlbiEl3All : CommandOf<Opcode::kTlbiEl3All> {};
using CmdTlbiEl3Va = CmdTlbiByAddr<Opcode::kTlbiEl3Va>;
// §4.4.7-10 CMD_TLBI_EL2_* (SMMU_IDR0.HYP)
struct CmdTlbiEl2All : CommandOf<Opcode::kTlbiEl2All> {};
struct CmdTlbiEl2Asid : CommandOf<Opcode::kTlbiEl2Asid> {
  VIOMMU_FIELD(63, 48, asid);
};
using CmdTlbiEl2Va = CmdTlbiByAddr<Opcode::kTlbiEl2Va>;
using CmdTlbiEl2Vaa = CmdTlbiByAddr<Opcode::kTlbiEl2Vaa>;
// §4.4.11 CMD_TLBI_S12_VMALL
struct CmdTlbiS12Vmall : CommandOf<Opcode::kTlbiS12Vmall> {
  VIOMMU_FIELD(47, 32, vmid);
};
// §4.4.12 CMD_TLBI_S2_IPA (Address is IPA[51:12]; ASID field RES0)
using CmdTlbiS2Ipa = CmdTlbiByAddr<Opcode::kTlbiS2Ipa>;
// §4.4.13 CMD_TLBI_NSNH_ALL
struct CmdTlbiNsnhAll : CommandOf<Opcode::kTlbiNsnhAll> {};

// §4.5.1 CMD_ATC_INV
struct CmdAtcInv : CommandOf<Opcode::kAtcInv> {
  VIOMMU_BIT(9, global);
  VIOMMU_BIT(11, ssv);
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_FIELD(69, 64, size);
  VIOMMU_FIELD(127, 76, address);  // address bits [63:12]
};
// §4.6.1 CMD_PRI_RESP
struct CmdPriResp : CommandOf<Opcode::kPriResp> {
  VIOMMU_BIT(11, ssv);
  VIOMMU_FIELD(31, 12, substreamid);
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_FIELD(72, 64, prgindex);
  VIOMMU_FIELD(77, 76, resp);  // 0b00 Denied, 0b01 Failure, 0b10 Success
};
// §4.6.2 CMD_RESUME
struct CmdResume : CommandOf<Opcode::kResume> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_BIT(12, ac);  // 1 = retry, 0 = terminate
  VIOMMU_BIT(13, ab);  // with Ac=0: 1 = abort the transaction, 0 = terminate with RAZ/WI
  VIOMMU_FIELD(63, 32, streamid);
  VIOMMU_FIELD(79, 64, stag);
};
// §4.6.3 CMD_STALL_TERM
struct CmdStallTerm : CommandOf<Opcode::kStallTerm> {
  VIOMMU_BIT(10, ssec);
  VIOMMU_FIELD(63, 32, streamid);
};
// §4.7.3 CMD_SYNC. CS: 0b00 no signal, 0b01 SIG_IRQ (MSI write of MSIData to MSIAddress when SMMU_IDR0.MSI
// and MSIAddress != 0, else the wired interrupt), 0b10 SIG_SEV.
struct CmdSync : CommandOf<Opcode::kSync> {
  VIOMMU_FIELD(13, 12, cs);
  VIOMMU_FIELD(23, 22, msh);
  VIOMMU_FIELD(27, 24, msiattr);
  VIOMMU_FIELD(63, 32, msidata);
  VIOMMU_FIELD(115, 66, msiaddress);  // address bits [51:2]
  constexpr uint64_t msi_address() const { return msiaddress() << 2; }
  constexpr CmdSync& set_msi_address(uint64_t a) {
    set_msiaddress(a >> 2);
    return *this;
  }
};
inline constexpr uint64_t kSyncCsNone = 0b00, kSyncCsIrq = 0b01, kSyncCsSev = 0b10;

static_assert(sizeof(CmdTlbiNhVa) == 16 && sizeof(CmdSync) == 16 && sizeof(CmdCfgiSte) == 16);

}  // namespace spec::smmuv3
