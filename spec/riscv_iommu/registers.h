// RISC-V IOMMU memory-mapped registers (RISC-V IOMMU Architecture Specification, ratified 1.0, chapter
// "Memory-mapped register interface", riscv-non-isa/riscv-iommu src/iommu_registers.adoc; the extensions of
// src/iommu_extensions.adoc). Bit numbers are the ones of the spec's register figures.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

// A register of the 4 KiB register page: its offset and its size in bytes ("Register layout" table).
// The spec leaves accesses that are misaligned, span registers or are not 4 or 8 bytes UNSPECIFIED.
struct Mmio {
  uint32_t offset;
  uint32_t bytes;
};
namespace reg {
inline constexpr Mmio kCapabilities{0, 8};
inline constexpr Mmio kFctl{8, 4};
inline constexpr Mmio kDdtp{16, 8};
inline constexpr Mmio kCqb{24, 8};
inline constexpr Mmio kCqh{32, 4};
inline constexpr Mmio kCqt{36, 4};
inline constexpr Mmio kFqb{40, 8};
inline constexpr Mmio kFqh{48, 4};
inline constexpr Mmio kFqt{52, 4};
inline constexpr Mmio kPqb{56, 8};  // the page-request queue registers: optional "if capabilities.ATS==0"
inline constexpr Mmio kPqh{64, 4};
inline constexpr Mmio kPqt{68, 4};
inline constexpr Mmio kCqcsr{72, 4};
inline constexpr Mmio kFqcsr{76, 4};
inline constexpr Mmio kPqcsr{80, 4};
inline constexpr Mmio kIpsr{84, 4};
inline constexpr Mmio kIocountovf{88, 4};  // the HPM registers: optional "if capabilities.HPM==0"
inline constexpr Mmio kIocountinh{92, 4};
inline constexpr Mmio kIohpmcycles{96, 8};
inline constexpr Mmio kIohpmctr1{104, 8};  // iohpmctr1..31: 248 bytes
inline constexpr Mmio kIohpmevt1{352, 8};  // iohpmevt1..31: 248 bytes
inline constexpr Mmio kTrReqIova{600, 8};  // the debug interface: optional "if capabilities.DBG==0"
inline constexpr Mmio kTrReqCtl{608, 8};
inline constexpr Mmio kTrResponse{616, 8};
inline constexpr Mmio kIommuQosid{624, 4};
inline constexpr Mmio kIcvec{760, 8};
inline constexpr Mmio kMsiCfgTbl{768, 256};  // 16 entries of 16 bytes
inline constexpr unsigned kHpmCounters = 31;
constexpr Mmio iohpmctr(unsigned n) { return {kIohpmctr1.offset + 8 * (n - 1), 8}; }  // n = 1..31
constexpr Mmio iohpmevt(unsigned n) { return {kIohpmevt1.offset + 8 * (n - 1), 8}; }  // n = 1..31
// "MSI configuration table structure": entry x holds msi_addr_x at +0, msi_data_x at +8, msi_vec_ctl_x at +12.
inline constexpr unsigned kMsiVectors = 16;
constexpr Mmio msi_addr(unsigned x) { return {kMsiCfgTbl.offset + 16 * x, 8}; }
constexpr Mmio msi_data(unsigned x) { return {kMsiCfgTbl.offset + 16 * x + 8, 4}; }
constexpr Mmio msi_vec_ctl(unsigned x) { return {kMsiCfgTbl.offset + 16 * x + 12, 4}; }
}  // namespace reg
// "The memory-mapped registers of each IOMMU are located within a naturally aligned 4-KiB region".
inline constexpr uint32_t kRegisterPageBytes = 4096;

// §"IOMMU capabilities (capabilities)": read-only.
struct Capabilities : Reg64 {
  VIOMMU_NAMED_FIELD(7, 0, version, "version");  // major.minor nibbles: 0x10 is 1.0
  VIOMMU_NAMED_BIT(8, sv32, "Sv32");
  VIOMMU_NAMED_BIT(9, sv39, "Sv39");
  VIOMMU_NAMED_BIT(10, sv48, "Sv48");
  VIOMMU_NAMED_BIT(11, sv57, "Sv57");
  VIOMMU_NAMED_BIT(14, svrsw60t59b, "Svrsw60t59b");
  VIOMMU_NAMED_BIT(15, svpbmt, "Svpbmt");
  VIOMMU_NAMED_BIT(16, sv32x4, "Sv32x4");
  VIOMMU_NAMED_BIT(17, sv39x4, "Sv39x4");
  VIOMMU_NAMED_BIT(18, sv48x4, "Sv48x4");
  VIOMMU_NAMED_BIT(19, sv57x4, "Sv57x4");
  VIOMMU_NAMED_BIT(21, amo_mrif, "AMO_MRIF");
  VIOMMU_NAMED_BIT(22, msi_flat, "MSI_FLAT");
  VIOMMU_NAMED_BIT(23, msi_mrif, "MSI_MRIF");
  VIOMMU_NAMED_BIT(24, amo_hwad, "AMO_HWAD");
  VIOMMU_NAMED_BIT(25, ats, "ATS");
  VIOMMU_NAMED_BIT(26, t2gpa, "T2GPA");
  VIOMMU_NAMED_BIT(27, end, "END");
  VIOMMU_NAMED_FIELD(29, 28, igs, "IGS");
  VIOMMU_NAMED_BIT(30, hpm, "HPM");
  VIOMMU_NAMED_BIT(31, dbg, "DBG");
  VIOMMU_NAMED_FIELD(37, 32, pas, "PAS");
  VIOMMU_NAMED_BIT(38, pd8, "PD8");
  VIOMMU_NAMED_BIT(39, pd17, "PD17");
  VIOMMU_NAMED_BIT(40, pd20, "PD20");
  VIOMMU_NAMED_BIT(41, qosid, "QOSID");
  VIOMMU_NAMED_BIT(42, nl, "NL");  // Non-leaf PTE invalidation extension
  VIOMMU_NAMED_BIT(43, s, "S");    // Address range invalidation extension
  VIOMMU_NAMED_FIELD(63, 56, custom, "custom");
};
// capabilities.IGS: "IOMMU interrupt generation support".
enum class Igs : uint8_t { kMsi = 0, kWsi = 1, kBoth = 2 };
inline constexpr uint8_t kVersion1_0 = 0x10;

// §"Features-control register (fctl)".
struct Fctl : Reg32 {
  VIOMMU_NAMED_BIT(0, be, "BE");
  VIOMMU_NAMED_BIT(1, wsi, "WSI");
  VIOMMU_NAMED_BIT(2, gxl, "GXL");
};

// §"Device-directory-table pointer (ddtp)".
struct Ddtp : Reg64 {
  VIOMMU_NAMED_FIELD(3, 0, iommu_mode, "iommu_mode");
  VIOMMU_NAMED_BIT(4, busy, "busy");
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
};
enum class IommuMode : uint8_t { kOff = 0, kBare = 1, k1Lvl = 2, k2Lvl = 3, k3Lvl = 4 };
// The DDT levels of a 1LVL/2LVL/3LVL mode (0 for Off, Bare and reserved encodings).
constexpr unsigned ddt_levels(uint64_t mode) { return mode >= 2 && mode <= 4 ? static_cast<unsigned>(mode) - 1 : 0; }

// §"Command-queue base (cqb)", §"Fault queue base (fqb)", §"Page-request-queue base (pqb)": one layout.
struct QueueBase : Reg64 {
  VIOMMU_NAMED_FIELD(4, 0, log2sz_1, "LOG2SZ-1");  // "A value of 0 indicates a queue of 2 entries"
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  constexpr uint64_t entries() const { return uint64_t{2} << log2sz_1(); }
  constexpr uint64_t base() const { return ppn() << 12; }
};
using Cqb = QueueBase;
using Fqb = QueueBase;
using Pqb = QueueBase;
// Entry sizes: "Each command is 16 bytes", "Each fault record is 32 bytes", "Each page-request is 16-bytes".
inline constexpr unsigned kCommandBytes = 16, kFaultRecordBytes = 32, kPageRequestBytes = 16;

// cqh, cqt, fqh, fqt, pqh, pqt: a 32-bit index ("Only LOG2SZ-1:0 bits are writable" in the writable ones).
struct QueueIndex : Reg32 {
  VIOMMU_NAMED_FIELD(31, 0, index, "index");
};

// §"Command-queue CSR (cqcsr)": cqmf, cmd_to, cmd_ill, fence_w_ip RW1C; cqon, busy RO.
struct Cqcsr : Reg32 {
  VIOMMU_NAMED_BIT(0, cqen, "cqen");
  VIOMMU_NAMED_BIT(1, cie, "cie");
  VIOMMU_NAMED_BIT(8, cqmf, "cqmf");
  VIOMMU_NAMED_BIT(9, cmd_to, "cmd_to");
  VIOMMU_NAMED_BIT(10, cmd_ill, "cmd_ill");
  VIOMMU_NAMED_BIT(11, fence_w_ip, "fence_w_ip");
  VIOMMU_NAMED_BIT(16, cqon, "cqon");
  VIOMMU_NAMED_BIT(17, busy, "busy");
  static constexpr uint32_t kRw = cqen_mask | cie_mask;
  static constexpr uint32_t kRw1c = cqmf_mask | cmd_to_mask | cmd_ill_mask | fence_w_ip_mask;
  static constexpr uint32_t kRo = cqon_mask | busy_mask;
};

// §"Fault queue CSR (fqcsr)": fqmf, fqof RW1C; fqon, busy RO.
struct Fqcsr : Reg32 {
  VIOMMU_NAMED_BIT(0, fqen, "fqen");
  VIOMMU_NAMED_BIT(1, fie, "fie");
  VIOMMU_NAMED_BIT(8, fqmf, "fqmf");
  VIOMMU_NAMED_BIT(9, fqof, "fqof");
  VIOMMU_NAMED_BIT(16, fqon, "fqon");
  VIOMMU_NAMED_BIT(17, busy, "busy");
  static constexpr uint32_t kRw = fqen_mask | fie_mask;
  static constexpr uint32_t kRw1c = fqmf_mask | fqof_mask;
  static constexpr uint32_t kRo = fqon_mask | busy_mask;
};

// §"Page-request-queue CSR (pqcsr)": pqmf, pqof RW1C; pqon, busy RO.
struct Pqcsr : Reg32 {
  VIOMMU_NAMED_BIT(0, pqen, "pqen");
  VIOMMU_NAMED_BIT(1, pie, "pie");
  VIOMMU_NAMED_BIT(8, pqmf, "pqmf");
  VIOMMU_NAMED_BIT(9, pqof, "pqof");
  VIOMMU_NAMED_BIT(16, pqon, "pqon");
  VIOMMU_NAMED_BIT(17, busy, "busy");
  static constexpr uint32_t kRw = pqen_mask | pie_mask;
  static constexpr uint32_t kRw1c = pqmf_mask | pqof_mask;
  static constexpr uint32_t kRo = pqon_mask | busy_mask;
};

// §"Interrupt pending status register (ipsr)": every bit RW1C.
struct Ipsr : Reg32 {
  VIOMMU_NAMED_BIT(0, cip, "cip");
  VIOMMU_NAMED_BIT(1, fip, "fip");
  VIOMMU_NAMED_BIT(2, pmip, "pmip");
  VIOMMU_NAMED_BIT(3, pip, "pip");
  static constexpr uint32_t kRw1c = cip_mask | fip_mask | pmip_mask | pip_mask;
};

// §"Performance-monitoring counter overflow status (iocountovf)" (RO) and "... inhibits (iocountinh)" (RW):
// bit 0 the cycles counter, bit X counter X.
struct Iocountovf : Reg32 {
  VIOMMU_NAMED_BIT(0, cy, "CY");
  VIOMMU_NAMED_FIELD(31, 1, hpm, "HPM");
};
using Iocountinh = Iocountovf;

// §"Performance-monitoring cycles counter (iohpmcycles)".
struct Iohpmcycles : Reg64 {
  VIOMMU_NAMED_FIELD(62, 0, counter, "counter");
  VIOMMU_NAMED_BIT(63, of, "OF");
};

// §"Performance-monitoring event counters (iohpmctr1-31)".
struct Iohpmctr : Reg64 {
  VIOMMU_NAMED_FIELD(63, 0, counter, "counter");
};

// §"Performance-monitoring event selectors (iohpmevt1-31)".
struct Iohpmevt : Reg64 {
  VIOMMU_NAMED_FIELD(14, 0, event_id, "eventID");
  VIOMMU_NAMED_BIT(15, dmask, "DMASK");
  VIOMMU_NAMED_FIELD(35, 16, pid_pscid, "PID_PSCID");
  VIOMMU_NAMED_FIELD(59, 36, did_gscid, "DID_GSCID");
  VIOMMU_NAMED_BIT(60, pv_pscv, "PV_PSCV");
  VIOMMU_NAMED_BIT(61, dv_gscv, "DV_GSCV");
  VIOMMU_NAMED_BIT(62, idt, "IDT");
  VIOMMU_NAMED_BIT(63, of, "OF");
};
// "Standard Events list".
enum class HpmEvent : uint16_t {
  kNone = 0,
  kUntranslatedRequests = 1,
  kTranslatedRequests = 2,
  kAtsTranslationRequests = 3,
  kTlbMiss = 4,
  kDeviceDirectoryWalks = 5,
  kProcessDirectoryWalks = 6,
  kFirstStageWalks = 7,
  kSecondStageWalks = 8,
};

// §"Translation-request IOVA (tr_req_iova)".
struct TrReqIova : Reg64 {
  VIOMMU_NAMED_FIELD(63, 12, vpn, "vpn");
};

// §"Translation-request control (tr_req_ctl)": Go/Busy is RW1S.
struct TrReqCtl : Reg64 {
  VIOMMU_NAMED_BIT(0, go_busy, "Go/Busy");
  VIOMMU_NAMED_BIT(1, priv, "Priv");
  VIOMMU_NAMED_BIT(2, exe, "Exe");
  VIOMMU_NAMED_BIT(3, nw, "NW");
  VIOMMU_NAMED_FIELD(31, 12, pid, "PID");
  VIOMMU_NAMED_BIT(32, pv, "PV");
  VIOMMU_NAMED_FIELD(39, 36, custom, "custom");
  VIOMMU_NAMED_FIELD(63, 40, did, "DID");
};

// §"Translation-response (tr_response)": with S=1 the size is encoded in PPN (the first 0 bit from bit 0 at
// position X gives 2^(X+1) * 4 KiB).
struct TrResponse : Reg64 {
  VIOMMU_NAMED_BIT(0, fault, "fault");
  VIOMMU_NAMED_FIELD(8, 7, pbmt, "PBMT");
  VIOMMU_NAMED_BIT(9, s, "S");
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  VIOMMU_NAMED_FIELD(63, 60, custom, "custom");
};

// §"IOMMU QoS ID (iommu_qosid)".
struct IommuQosid : Reg32 {
  VIOMMU_NAMED_FIELD(11, 0, rcid, "RCID");
  VIOMMU_NAMED_FIELD(27, 16, mcid, "MCID");
};

// §"Interrupt-cause-to-vector register (icvec)".
struct Icvec : Reg64 {
  VIOMMU_NAMED_FIELD(3, 0, civ, "civ");
  VIOMMU_NAMED_FIELD(7, 4, fiv, "fiv");
  VIOMMU_NAMED_FIELD(11, 8, pmiv, "pmiv");
  VIOMMU_NAMED_FIELD(15, 12, piv, "piv");
};

// §"MSI configuration table (msi_cfg_tbl)": message address (bits 1:0 fixed 0), data, vector control.
struct MsiAddr : Reg64 {
  VIOMMU_NAMED_FIELD(55, 2, addr_55_2, "ADDR");
  constexpr uint64_t addr() const { return addr_55_2() << 2; }
};
struct MsiData : Reg32 {
  VIOMMU_NAMED_FIELD(31, 0, data, "data");
};
struct MsiVecCtl : Reg32 {
  VIOMMU_NAMED_BIT(0, m, "M");
};

static_assert(sizeof(Capabilities) == 8 && sizeof(Ddtp) == 8 && sizeof(QueueBase) == 8 && sizeof(Cqcsr) == 4 &&
              sizeof(Fqcsr) == 4 && sizeof(Ipsr) == 4 && sizeof(Icvec) == 8 && sizeof(TrReqCtl) == 8);
static_assert(reg::iohpmctr(31).offset + 8 == reg::kIohpmevt1.offset &&
              reg::iohpmevt(31).offset + 8 == reg::kTrReqIova.offset &&
              reg::msi_vec_ctl(15).offset + 4 == reg::kMsiCfgTbl.offset + reg::kMsiCfgTbl.bytes);

}  // namespace spec::riscv_iommu
