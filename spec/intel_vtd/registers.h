// Intel VT-d remapping-hardware registers (Intel Virtualization Technology for Directed I/O Architecture
// Specification, rev 4.x, chapter 11 "Register Descriptions": §11.4.x). The specification's PDF was not
// readable here: the offsets and bit positions below are cross-checked against Intel processor datasheets that
// reproduce the chapter (edc.intel.com "VTDBAR" register pages, Core/Xeon datasheets), QEMU's
// hw/i386/intel_iommu_internal.h, Linux's drivers/iommu/intel/iommu.h and VirtualBox's iommu-intel.h; the
// section numbers follow the rev 3.x/4.x table of contents as recalled (see /work/vtd-spec-notes.md).
// Bit numbers are the ones of the register figures.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

// A register of the remapping unit's MMIO page: its offset and its width in bytes (§11.4 "Register Location"
// table). The spec lets software access a 64-bit register as one 8-byte or two 4-byte accesses.
struct Mmio {
  uint32_t offset;
  uint32_t bytes;
};
namespace reg {
inline constexpr Mmio kVer{0x000, 4};
inline constexpr Mmio kCap{0x008, 8};
inline constexpr Mmio kEcap{0x010, 8};
inline constexpr Mmio kGcmd{0x018, 4};
inline constexpr Mmio kGsts{0x01c, 4};
inline constexpr Mmio kRtaddr{0x020, 8};
inline constexpr Mmio kCcmd{0x028, 8};
inline constexpr Mmio kFsts{0x034, 4};
inline constexpr Mmio kFectl{0x038, 4};
inline constexpr Mmio kFedata{0x03c, 4};
inline constexpr Mmio kFeaddr{0x040, 4};
inline constexpr Mmio kFeuaddr{0x044, 4};
inline constexpr Mmio kAflog{0x058, 8};
inline constexpr Mmio kPmen{0x064, 4};
inline constexpr Mmio kPlmbase{0x068, 4};
inline constexpr Mmio kPlmlimit{0x06c, 4};
inline constexpr Mmio kPhmbase{0x070, 8};
inline constexpr Mmio kPhmlimit{0x078, 8};
inline constexpr Mmio kIqh{0x080, 8};
inline constexpr Mmio kIqt{0x088, 8};
inline constexpr Mmio kIqa{0x090, 8};
inline constexpr Mmio kIcs{0x09c, 4};
inline constexpr Mmio kIectl{0x0a0, 4};
inline constexpr Mmio kIedata{0x0a4, 4};
inline constexpr Mmio kIeaddr{0x0a8, 4};
inline constexpr Mmio kIeuaddr{0x0ac, 4};
inline constexpr Mmio kIqercd{0x0b0, 8};
inline constexpr Mmio kIrta{0x0b8, 8};
inline constexpr Mmio kPqh{0x0c0, 8};
inline constexpr Mmio kPqt{0x0c8, 8};
inline constexpr Mmio kPqa{0x0d0, 8};
inline constexpr Mmio kPrs{0x0dc, 4};
inline constexpr Mmio kPectl{0x0e0, 4};
inline constexpr Mmio kPedata{0x0e4, 4};
inline constexpr Mmio kPeaddr{0x0e8, 4};
inline constexpr Mmio kPeuaddr{0x0ec, 4};
}  // namespace reg

// The IOTLB registers sit where ECAP.IRO says ("If the register base address is X, and the value reported in
// this field is Y, the address for the IOTLB registers is calculated as X+(16*Y)"): IVA_REG first, IOTLB_REG
// 8 bytes after it (§11.4.8).
constexpr Mmio iva_reg(uint64_t iro) { return {static_cast<uint32_t>(16 * iro), 8}; }
constexpr Mmio iotlb_reg(uint64_t iro) { return {static_cast<uint32_t>(16 * iro + 8), 8}; }
// Fault recording register n (0-based, n <= CAP.NFR) is 16 bytes at X + 16*CAP.FRO + 16*n (§11.4.2 FRO: "the
// address for the first fault recording register is calculated as X+(16*Y)"). The fault bit F lives in its
// last dword (offset +12), the one software writes 1 to clear.
constexpr Mmio fault_recording_reg(uint64_t fro, unsigned n) { return {static_cast<uint32_t>(16 * fro + 16 * n), 16}; }
inline constexpr uint32_t kRegisterPageBytes = 4096;

// §11.4.1 Version Register: "Major Version number (MAX)" [7:4], "Minor Version number (MIN)" [3:0].
struct Ver : Reg32 {
  VIOMMU_NAMED_FIELD(3, 0, min, "MIN");
  VIOMMU_NAMED_FIELD(7, 4, max, "MAX");
};

// §11.4.2 Capability Register (read-only). Bit 23 (ISOCH in early revisions) is deprecated, 38 and 58:57
// reserved.
struct Cap : Reg64 {
  VIOMMU_NAMED_FIELD(2, 0, nd, "ND");  // number of domains: 2^(4 + 2*ND); 111b reserved
  VIOMMU_NAMED_BIT(3, afl, "AFL");
  VIOMMU_NAMED_BIT(4, rwbf, "RWBF");
  VIOMMU_NAMED_BIT(5, plmr, "PLMR");
  VIOMMU_NAMED_BIT(6, phmr, "PHMR");
  VIOMMU_NAMED_BIT(7, cm, "CM");
  VIOMMU_NAMED_FIELD(12, 8, sagaw, "SAGAW");
  VIOMMU_NAMED_FIELD(21, 16, mgaw, "MGAW");  // the maximum guest address width minus 1
  VIOMMU_NAMED_BIT(22, zlr, "ZLR");
  VIOMMU_NAMED_FIELD(33, 24, fro, "FRO");  // fault recording registers at 16*FRO
  VIOMMU_NAMED_FIELD(37, 34, sllps, "SLLPS");  // second-stage large pages: bit 0 2 MiB, bit 1 1 GiB, ...
  VIOMMU_NAMED_BIT(39, psi, "PSI");
  VIOMMU_NAMED_FIELD(47, 40, nfr, "NFR");  // number of fault recording registers minus 1
  VIOMMU_NAMED_FIELD(53, 48, mamv, "MAMV");
  VIOMMU_NAMED_BIT(54, dwd, "DWD");
  VIOMMU_NAMED_BIT(55, drd, "DRD");
  VIOMMU_NAMED_BIT(56, fl1gp, "FL1GP");
  VIOMMU_NAMED_BIT(59, pi, "PI");
  VIOMMU_NAMED_BIT(60, fl5lp, "FL5LP");
  VIOMMU_NAMED_BIT(61, ecmds, "ECMDS");
  VIOMMU_NAMED_BIT(62, esirtps, "ESIRTPS");
  VIOMMU_NAMED_BIT(63, esrtps, "ESRTPS");
  constexpr unsigned domain_id_bits() const { return 4 + 2 * static_cast<unsigned>(nd()); }
  constexpr unsigned max_guest_address_width() const { return static_cast<unsigned>(mgaw()) + 1; }
  constexpr unsigned fault_recording_registers() const { return static_cast<unsigned>(nfr()) + 1; }
  constexpr uint32_t fault_recording_offset() const { return static_cast<uint32_t>(16 * fro()); }
};
// CAP.SAGAW bits: bit 1 "39-bit AGAW (3-level page-table)", bit 2 "48-bit AGAW (4-level page-table)", bit 3
// "57-bit AGAW (5-level page-table)"; bits 0 and 4 reserved in rev 3.0 and later.
inline constexpr uint64_t kSagaw39 = 1u << 1, kSagaw48 = 1u << 2, kSagaw57 = 1u << 3;

// §11.4.3 Extended Capability Register (read-only). Bits 5, 24, 27, 28, 32 are deprecated / reserved in rev
// 3.0 and later (they held the removed extended-context features).
struct Ecap : Reg64 {
  VIOMMU_NAMED_BIT(0, c, "C");
  VIOMMU_NAMED_BIT(1, qi, "QI");
  VIOMMU_NAMED_BIT(2, dt, "DT");
  VIOMMU_NAMED_BIT(3, ir, "IR");
  VIOMMU_NAMED_BIT(4, eim, "EIM");
  VIOMMU_NAMED_BIT(6, pt, "PT");
  VIOMMU_NAMED_BIT(7, sc, "SC");
  VIOMMU_NAMED_FIELD(17, 8, iro, "IRO");  // IOTLB registers at 16*IRO
  VIOMMU_NAMED_FIELD(23, 20, mhmv, "MHMV");
  VIOMMU_NAMED_BIT(25, mts, "MTS");
  VIOMMU_NAMED_BIT(26, nest, "NEST");
  VIOMMU_NAMED_BIT(29, prs, "PRS");
  VIOMMU_NAMED_BIT(30, ers, "ERS");
  VIOMMU_NAMED_BIT(31, srs, "SRS");
  VIOMMU_NAMED_BIT(33, nwfs, "NWFS");
  VIOMMU_NAMED_BIT(34, eafs, "EAFS");
  VIOMMU_NAMED_FIELD(39, 35, pss, "PSS");  // PASID size minus 1
  VIOMMU_NAMED_BIT(40, pasid, "PASID");
  VIOMMU_NAMED_BIT(41, dit, "DIT");
  VIOMMU_NAMED_BIT(42, pds, "PDS");
  VIOMMU_NAMED_BIT(43, smts, "SMTS");
  VIOMMU_NAMED_BIT(44, vcs, "VCS");
  VIOMMU_NAMED_BIT(45, slads, "SLADS");
  VIOMMU_NAMED_BIT(46, slts, "SLTS");
  VIOMMU_NAMED_BIT(47, flts, "FLTS");
  VIOMMU_NAMED_BIT(48, smpwcs, "SMPWCS");
  VIOMMU_NAMED_BIT(49, rps, "RPS");
  VIOMMU_NAMED_BIT(51, pms, "PMS");
  VIOMMU_NAMED_BIT(52, adms, "ADMS");
  VIOMMU_NAMED_BIT(53, rprivs, "RPRIVS");
  constexpr uint32_t iotlb_offset() const { return static_cast<uint32_t>(16 * iro()); }
  constexpr unsigned pasid_bits() const { return static_cast<unsigned>(pss()) + 1; }
};

// §11.4.4 Global Command Register (write-only: reads return 0) and §11.4.5 Global Status Register (read-only):
// each command bit has its status bit at the same position.
struct Gcmd : Reg32 {
  VIOMMU_NAMED_BIT(23, cfi, "CFI");
  VIOMMU_NAMED_BIT(24, sirtp, "SIRTP");
  VIOMMU_NAMED_BIT(25, ire, "IRE");
  VIOMMU_NAMED_BIT(26, qie, "QIE");
  VIOMMU_NAMED_BIT(27, wbf, "WBF");
  VIOMMU_NAMED_BIT(28, eafl, "EAFL");
  VIOMMU_NAMED_BIT(29, sfl, "SFL");
  VIOMMU_NAMED_BIT(30, srtp, "SRTP");
  VIOMMU_NAMED_BIT(31, te, "TE");
  // The persistent enables (a write of GCMD sets all of them at once, so software writes back the ones it keeps):
  // TE, QIE, IRE, CFI (and EAFL); SRTP, SFL, WBF, SIRTP are one-shot commands.
  static constexpr uint32_t kPersistent = te_mask | eafl_mask | qie_mask | ire_mask | cfi_mask;
  static constexpr uint32_t kOneShot = srtp_mask | sfl_mask | wbf_mask | sirtp_mask;
};
struct Gsts : Reg32 {
  VIOMMU_NAMED_BIT(23, cfis, "CFIS");
  VIOMMU_NAMED_BIT(24, irtps, "IRTPS");
  VIOMMU_NAMED_BIT(25, ires, "IRES");
  VIOMMU_NAMED_BIT(26, qies, "QIES");
  VIOMMU_NAMED_BIT(27, wbfs, "WBFS");
  VIOMMU_NAMED_BIT(28, afls, "AFLS");
  VIOMMU_NAMED_BIT(29, fls, "FLS");
  VIOMMU_NAMED_BIT(30, rtps, "RTPS");
  VIOMMU_NAMED_BIT(31, tes, "TES");
};
static_assert(Gcmd::te_mask == Gsts::tes_mask && Gcmd::cfi_mask == Gsts::cfis_mask);

// §11.4.6 Root Table Address Register: RTA [63:12], TTM [11:10] (translation table mode).
struct Rtaddr : Reg64 {
  VIOMMU_NAMED_FIELD(11, 10, ttm, "TTM");
  VIOMMU_NAMED_FIELD(63, 12, rta_4k, "RTA");
  constexpr uint64_t rta() const { return rta_4k() << rta_4k_lo; }
  constexpr Rtaddr& set_rta(uint64_t pa) { return set_rta_4k(pa >> rta_4k_lo); }  // 4 KiB aligned
};
// RTADDR.TTM: 00b legacy mode, 01b scalable mode, 10b reserved, 11b abort-DMA mode (rev 3.3+, ECAP.ADMS).
// QEMU and Linux name only bit 10 ("SMT"); the two-bit field is the datasheets' and VirtualBox's reading.
enum class Ttm : uint8_t { kLegacy = 0, kScalable = 1, kReserved = 2, kAbortDma = 3 };
constexpr const char* ttm_name(uint64_t t) {
  switch (t) {
    case 0: return "legacy";
    case 1: return "scalable";
    case 3: return "abort-DMA";
    default: return "reserved";
  }
}

// Invalidation granularities shared by CCMD (CIRG/CAIG) and the context-cache descriptor, and by IOTLB_REG
// (IIRG/IAIG) and the IOTLB descriptor: 01b global, 10b domain-selective, 11b device- (context) or page-
// selective (IOTLB); 00b reserved.
enum class Granularity : uint8_t { kReserved = 0, kGlobal = 1, kDomain = 2, kSelective = 3 };
constexpr const char* granularity_name(uint64_t g) {
  switch (g) {
    case 1: return "global";
    case 2: return "domain-selective";
    case 3: return "device/page-selective";
    default: return "reserved";
  }
}

// §11.4.7 Context Command Register.
struct Ccmd : Reg64 {
  VIOMMU_NAMED_FIELD(15, 0, did, "DID");
  VIOMMU_NAMED_FIELD(31, 16, sid, "SID");
  VIOMMU_NAMED_FIELD(33, 32, fm, "FM");  // function mask: SID bits [FM-1:0] ignored (FM 0..3)
  VIOMMU_NAMED_FIELD(60, 59, caig, "CAIG");  // actual granularity, reported by hardware
  VIOMMU_NAMED_FIELD(62, 61, cirg, "CIRG");  // requested granularity
  VIOMMU_NAMED_BIT(63, icc, "ICC");
};

// §11.4.8.1 IOTLB Invalidate Register (at ECAP.IRO + 8).
struct IotlbReg : Reg64 {
  VIOMMU_NAMED_FIELD(47, 32, did, "DID");
  VIOMMU_NAMED_BIT(48, dw, "DW");  // drain writes (rev 1.x; ignored when CAP.DWD=0)
  VIOMMU_NAMED_BIT(49, dr, "DR");  // drain reads
  VIOMMU_NAMED_FIELD(58, 57, iaig, "IAIG");
  VIOMMU_NAMED_FIELD(61, 60, iirg, "IIRG");
  VIOMMU_NAMED_BIT(63, ivt, "IVT");
};

// §11.4.8.2 Invalidate Address Register (at ECAP.IRO): AM [5:0], IH [6], ADDR [63:12].
struct Iva : Reg64 {
  VIOMMU_NAMED_FIELD(5, 0, am, "AM");  // 2^AM pages, the address aligned to that size
  VIOMMU_NAMED_BIT(6, ih, "IH");       // invalidation hint: leaf entries only, keep cached non-leaf entries
  VIOMMU_NAMED_FIELD(63, 12, addr_4k, "ADDR");
  constexpr uint64_t addr() const { return addr_4k() << addr_4k_lo; }
  constexpr Iva& set_addr(uint64_t a) { return set_addr_4k(a >> addr_4k_lo); }
};

// §11.4.9.1 Fault Status Register: PFO, AFO, APF, IQE, ICE, ITE RW1C; PPF and FRI read-only (PPF is the OR
// of every fault recording register's F). Bit 7 (PRO) is deprecated in rev 3.0 and later.
struct Fsts : Reg32 {
  VIOMMU_NAMED_BIT(0, pfo, "PFO");
  VIOMMU_NAMED_BIT(1, ppf, "PPF");
  VIOMMU_NAMED_BIT(2, afo, "AFO");
  VIOMMU_NAMED_BIT(3, apf, "APF");
  VIOMMU_NAMED_BIT(4, iqe, "IQE");
  VIOMMU_NAMED_BIT(5, ice, "ICE");
  VIOMMU_NAMED_BIT(6, ite, "ITE");
  VIOMMU_NAMED_FIELD(15, 8, fri, "FRI");
  static constexpr uint32_t kRw1c = pfo_mask | afo_mask | apf_mask | iqe_mask | ice_mask | ite_mask;
  static constexpr uint32_t kRo = ppf_mask | fri_mask;
};

// §11.4.9.2 Fault Event Control Register, §11.4.11.5 Invalidation Event Control Register and §11.4.13.5 Page
// Request Event Control Register share one layout: IM [31] (mask, set at reset), IP [30] (pending, read-only).
struct EventControl : Reg32 {
  VIOMMU_NAMED_BIT(30, ip, "IP");
  VIOMMU_NAMED_BIT(31, im, "IM");
};
using Fectl = EventControl;
using Iectl = EventControl;
using Pectl = EventControl;

// §11.4.9.3 / .4 / .5 Fault Event Data / Address / Upper Address (and the IE* and PE* copies): the MSI the
// unit sends. Data IMD [15:0] (EIMD [31:16] in revisions before 2021, now reserved); address MA [31:2].
struct EventData : Reg32 {
  VIOMMU_NAMED_FIELD(15, 0, imd, "IMD");
  VIOMMU_NAMED_FIELD(31, 16, eimd, "EIMD");
};
struct EventAddress : Reg32 {
  VIOMMU_NAMED_FIELD(31, 2, ma, "MA");
  constexpr uint32_t address() const { return static_cast<uint32_t>(ma() << ma_lo); }
};
struct EventUpperAddress : Reg32 {
  VIOMMU_NAMED_FIELD(31, 0, mua, "MUA");
};

// §11.4.9.7 Advanced Fault Log Register: FLS [11:9] (log of 2^(FLS+7) records), FLA [63:12].
struct Aflog : Reg64 {
  VIOMMU_NAMED_FIELD(11, 9, fls, "FLS");
  VIOMMU_NAMED_FIELD(63, 12, fla_4k, "FLA");
};

// §11.4.10.1 Protected Memory Enable Register: EPM [31], PRS [0] (status).
struct Pmen : Reg32 {
  VIOMMU_NAMED_BIT(0, prs, "PRS");
  VIOMMU_NAMED_BIT(31, epm, "EPM");
};
// §11.4.10.2 - .5 Protected Low/High-Memory Base/Limit: the region bounds, MB-granular (low: [31:20]) and
// implementation-defined granular (high: [63:20] ... N); software reads back what sticks.
struct Plmbase : Reg32 {
  VIOMMU_NAMED_FIELD(31, 20, plmb, "PLMB");
};
struct Plmlimit : Reg32 {
  VIOMMU_NAMED_FIELD(31, 20, plml, "PLML");
};
struct Phmbase : Reg64 {
  VIOMMU_NAMED_FIELD(63, 20, phmb, "PHMB");
};
struct Phmlimit : Reg64 {
  VIOMMU_NAMED_FIELD(63, 20, phml, "PHML");
};

// §11.4.11.1 / .2 Invalidation Queue Head / Tail: QH / QT [18:4], the byte offset of a 128-bit descriptor.
// With IQA.DW=1 (256-bit descriptors) bit 4 must be 0 in IQT: the offset then counts 32-byte descriptors.
struct QueuePointer : Reg64 {
  VIOMMU_NAMED_FIELD(18, 4, q, "QH/QT");
  constexpr uint32_t byte_offset() const { return static_cast<uint32_t>(q() << q_lo); }
  constexpr QueuePointer& set_byte_offset(uint32_t off) { return set_q(off >> q_lo); }  // 16-byte aligned
};
using Iqh = QueuePointer;
using Iqt = QueuePointer;

// §11.4.11.3 Invalidation Queue Address Register: QS [2:0] (2^QS 4 KiB pages), DW [11], IQA [63:12].
struct Iqa : Reg64 {
  VIOMMU_NAMED_FIELD(2, 0, qs, "QS");
  VIOMMU_NAMED_BIT(11, dw, "DW");
  VIOMMU_NAMED_FIELD(63, 12, iqa_4k, "IQA");
  constexpr uint64_t base() const { return iqa_4k() << iqa_4k_lo; }
  constexpr Iqa& set_base(uint64_t pa) { return set_iqa_4k(pa >> iqa_4k_lo); }  // 4 KiB aligned
  constexpr uint64_t bytes() const { return uint64_t{4096} << qs(); }
  // "The number of entries in the invalidation queue is 2^(X + 8)" for 128-bit descriptors; half as many
  // 256-bit ones fit the same pages.
  constexpr uint64_t entries() const { return (uint64_t{1} << (qs() + 8)) >> dw(); }
  constexpr unsigned descriptor_bytes() const { return dw() ? 32 : 16; }
};
// IQA.DW: descriptor width.
enum class DescriptorWidth : uint8_t { k128 = 0, k256 = 1 };

// §11.4.11.4 Invalidation Completion Status Register: IWC [0] RW1C.
struct Ics : Reg32 {
  VIOMMU_NAMED_BIT(0, iwc, "IWC");
};

// §11.4.11.9 Invalidation Queue Error Record Register: IQEI [3:0], ITESID [47:32], ICESID [63:48].
struct Iqercd : Reg64 {
  VIOMMU_NAMED_FIELD(3, 0, iqei, "IQEI");
  VIOMMU_NAMED_FIELD(47, 32, itesid, "ITESID");
  VIOMMU_NAMED_FIELD(63, 48, icesid, "ICESID");
};

// §11.4.12 Interrupt Remapping Table Address Register: S [3:0] (2^(S+1) entries), EIME [11], IRTA [63:12].
struct Irta : Reg64 {
  VIOMMU_NAMED_FIELD(3, 0, s, "S");
  VIOMMU_NAMED_BIT(11, eime, "EIME");
  VIOMMU_NAMED_FIELD(63, 12, irta_4k, "IRTA");
  constexpr uint64_t base() const { return irta_4k() << irta_4k_lo; }
  constexpr Irta& set_base(uint64_t pa) { return set_irta_4k(pa >> irta_4k_lo); }
  constexpr uint64_t entries() const { return uint64_t{2} << s(); }
};

// §11.4.13.1 / .2 Page Request Queue Head / Tail: PQH / PQT [18:5] (32-byte page requests).
struct PageQueuePointer : Reg64 {
  VIOMMU_NAMED_FIELD(18, 5, q, "PQH/PQT");
  constexpr uint32_t byte_offset() const { return static_cast<uint32_t>(q() << q_lo); }
};
using Pqh = PageQueuePointer;
using Pqt = PageQueuePointer;
// §11.4.13.3 Page Request Queue Address Register: PQS [2:0], PQA [63:12].
struct Pqa : Reg64 {
  VIOMMU_NAMED_FIELD(2, 0, pqs, "PQS");
  VIOMMU_NAMED_FIELD(63, 12, pqa_4k, "PQA");
};
// §11.4.13.4 Page Request Status Register: PPR [0], PRO [1], both RW1C.
struct Prs : Reg32 {
  VIOMMU_NAMED_BIT(0, ppr, "PPR");
  VIOMMU_NAMED_BIT(1, pro, "PRO");
};

static_assert(sizeof(Cap) == 8 && sizeof(Ecap) == 8 && sizeof(Gcmd) == 4 && sizeof(Gsts) == 4 &&
              sizeof(Rtaddr) == 8 && sizeof(Ccmd) == 8 && sizeof(IotlbReg) == 8 && sizeof(Iva) == 8 &&
              sizeof(Fsts) == 4 && sizeof(EventControl) == 4 && sizeof(Iqa) == 8 && sizeof(Iqercd) == 8 &&
              sizeof(Irta) == 8 && sizeof(Ver) == 4);
static_assert(reg::kPeuaddr.offset + reg::kPeuaddr.bytes <= 0x100 && iotlb_reg(0xf).offset == 0xf8);

}  // namespace spec::intel_vtd
