// Reference model of an Intel VT-d remapping unit's observable behaviour (Intel VT-d Architecture Specification
// rev 4.x; the section numbers are the ones spec/intel_vtd uses, see /work/vtd-spec-notes.md for which sentences
// were found): the register file with the GCMD -> GSTS handshakes (TE, SRTP, QIE, IRE, SIRTP, WBF, CFI) and the
// RW1C status bits, legacy-mode translation (root and context entries, pass-through, second-stage walks of 3, 4
// and 5 levels with the large pages CAP.SLLPS offers), primary fault logging into the fault recording registers
// (PFO, PPF, FRI, FPD) with fault events, the IOTLB and context cache with register-based (CCMD, IOTLB_REG) and
// queued invalidation (context-cache, IOTLB, invalidation wait with status write and interrupt, IQE with
// IQERCD), and caching mode (CAP.CM). Reads guest memory only through model::GuestMemory. Freestanding-clean:
// no exceptions, no RTTI, no allocation.
//
// Scalable mode (RTADDR.TTM = 01b with ECAP.SMTS): a first version, uncached: second-stage, first-stage and
// pass-through PASID entries with the scalable fault reasons (translate() sets the first-stage A and D flags, as
// the SDM's §4.8 has a processor do; lookup() changes nothing); nested translation gives Outcome::kNotModelled.
// Interrupt remapping (remap_interrupt): remappable and compatibility format, the IRTE checks with the IR fault
// reasons 20h-26h, an interrupt entry cache invalidated by IEC descriptors. Posted interrupts (CAP.PI) are not
// modelled. Not modelled yet: the advanced fault log, protected memory regions, page requests,
// device-TLBs.
//
// Where the spec lets the device choose, the model's choice is a Config member whose comment says why.
//
// Readings not yet backed by a sentence found in the spec (the chapter 6/7/9 text was not available, see
// /work/vtd-spec-notes.md); a conformance check resting on one of them is at most SHOULD/OPEN:
// - register-based invalidation (CCMD, IOTLB_REG) while GSTS.QIES = 1 is ignored and ICC / IVT stay set (QEMU);
// - clearing GCMD.QIE resets IQH to 0 (QEMU); clearing FSTS.IQE resumes fetching at IQH;
// - IQA.DW is ignored without ECAP.SMTS; PASID-granular descriptors in a 128-bit queue give IQEI 3 (an invalid type for that width);
// - pc_inv_dsc G=10b and p_iotlb_inv_dsc G=00b/01b name no granularity, and a page-selective p_iotlb_inv_dsc with AM
//   beyond CAP.MAMV is invalid: IQE with IQEI 4 (QEMU 11.1 rejects the first, 10.0+ the second);
// - an invalidation wait with SW = IF = 0 is a valid fence (QEMU: IQE); PD without ECAP.PDS is ignored; a status
//   write outside guest memory is lost without an error; device-TLB and IEC descriptors are accepted as no-ops;
// - a legacy-mode request with a PASID is blocked without a record (QEMU ignores the PASID);
// - PFO is not a fault-event condition (QEMU);
// - the fault recording index restarts at 0 when TES and IRES are both clear;
// - a cached translation that lacks the requested permission is not used (the tables are walked again).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/guest_memory.h"
#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/fault.h"
#include "spec/intel_vtd/irte.h"
#include "spec/intel_vtd/pasid.h"
#include "spec/intel_vtd/pte.h"
#include "spec/intel_vtd/registers.h"
#include "spec/intel_vtd/root_table.h"

namespace model::intel_vtd {

namespace s = ::spec::intel_vtd;

// One untranslated DMA access (AT = 00b).
struct Request {
  uint16_t source_id = 0;  // requester id: bus [15:8], device [7:3], function [2:0]
  uint64_t address = 0;
  bool write = false;      // else a read
  bool has_pasid = false;
  uint32_t pasid = 0;
  bool exec = false, priv = false;  // PASID TLP attributes (scalable mode)
};

enum class Outcome : uint8_t {
  kTranslated,    // through the second-stage tables
  kPassThrough,   // GSTS.TES = 0, or context TT = 10b: the address is used as is
  kFaulted,       // blocked, a fault record made (translate(): `recorded` says whether a register took it)
  kBlocked,       // blocked silently: FPD = 1 for a qualified fault, abort-DMA mode, a PASID in legacy mode
  kNotModelled,   // a mode this model does not implement yet (scalable mode): never use as an expectation
};
const char* to_string(Outcome o);

struct Result {
  Outcome outcome = Outcome::kBlocked;
  uint64_t pa = 0;
  uint64_t page_size = 0;  // the translation's size (one IOTLB entry)
  bool r = false, w = false;
  bool has_fault = false;  // the request hit a fault condition: `fault` is the record the spec defines for it
  s::FaultRecord fault{};
  bool recorded = false;   // translate(): the record went into a fault recording register
  bool from_iotlb = false; // translate(): served by a cached translation
  bool ok() const { return outcome == Outcome::kTranslated || outcome == Outcome::kPassThrough; }
};

// What QEMU 10.0's intel-iommu reports with default properties (measured, /work/vtd-qemu-notes.md): CAP ND=6,
// SAGAW 39+48, MGAW 47, FRO 0x22, SLLPS 2M+1G, PSI, NFR 0, MAMV 18, DWD, DRD; ECAP QI, IR, PT, IRO 0x0f, MHMV 15.
inline constexpr uint64_t kQemu10Cap = 0x00d2'008c'222f'0606ull;
inline constexpr uint64_t kQemu10Ecap = 0x0000'0000'00f0'0f4aull;
inline constexpr uint32_t kVersion = 0x10;  // VER: 1.0, what QEMU reports in every mode

// One interrupt request (an endpoint's DWORD write into 0xFEEx_xxxx) through interrupt remapping (chapter 5).
struct InterruptResult {
  bool delivered = false;   // the interrupt goes on (remapped or passed through); false: blocked
  bool remapped = false;    // delivered through an IRTE: the fields below hold the IRTE's interrupt
  // The message as it leaves the unit when passed through (IRES = 0, or compatibility format with CFIS = 1).
  uint64_t address = 0;
  uint32_t data = 0;
  uint32_t index = 0;       // the interrupt index a remappable request selected
  uint8_t vector = 0;
  uint32_t destination = 0; // APIC ID: IRTE.DST[15:8] with IRTA.EIME = 0, the full DST with EIME = 1
  uint8_t delivery_mode = 0;  // s::DeliveryMode
  bool dest_mode_logical = false, redirection_hint = false, trigger_level = false;
  bool has_fault = false;   // a fault condition: `fault` is its record (FI[63:48] the index, FI[47:12] 0)
  s::FaultRecord fault{};
  bool recorded = false;    // the record went into a fault recording register
  bool from_cache = false;  // served by a cached IRTE
};

struct Config {
  uint64_t cap = kQemu10Cap;
  uint64_t ecap = kQemu10Ecap;
  // The host address width (the DMAR table's HAW; QEMU: aw-bits). Paging-entry address bits at and above it are
  // reserved (FR 0Ch).
  unsigned haw = 48;
  // FRCD.F: "When this field is set, hardware may collapse additional faults from the same requestor (SID)."
  // The model collapses (as QEMU): a fault from a SID with a pending record is dropped, PFO untouched.
  bool collapse_same_sid = true;
  // FPD of a context entry whose P is 0: QEMU applies it (its qualified-fault table makes "context entry not
  // present" qualified and reads FPD from the not-present entry). The appendix text was not found.
  bool fpd_of_not_present_context = true;
  // CAP.CM: "0 = Hardware does not cache not present and erroneous entries in the context-cache and IOTLB." With
  // CM = 1 the device may cache them; the model does (not-present context entries, and the not-present leaf or
  // table entry a walk stopped at, tagged with the context's DID) so a missing invalidation is visible. QEMU
  // never does either way: conformance cases accept both.
  bool cache_not_present = true;
  // Cache sizes (0 disables a cache: a device may cache nothing).
  unsigned iotlb_entries = 64;
  unsigned context_cache_entries = 16;
  // The interrupt entry cache (IEC): IRTEs with P = 1 are cached by index until an IEC invalidation (global, or
  // index-selective over 2^IM entries) or SIRTP, so a changed IRTE is not seen before its invalidation. The spec
  // lets a unit cache IRTEs or not (QEMU does not: it reads the table on every interrupt); the cases accept both
  // before the invalidation. 0 disables the cache.
  unsigned iec_entries = 16;
};

class Iommu {
 public:
  explicit Iommu(GuestMemory& mem, const Config& config = {}) : mem_(mem) { reset(config); }
  void reset(const Config& config);
  const Config& config() const { return config_; }

  // The register file: a register's own width (Mmio::bytes), a 32-bit half of a 64-bit register, or an 8-byte
  // access at an 8-aligned offset of two 32-bit registers (taken as two 32-bit accesses, low first). Offsets
  // that hold no register read 0 and ignore writes.
  uint64_t read(s::Mmio r) const;
  void write(s::Mmio r, uint64_t value);

  // Consumes the invalidation queue from IQH to IQT (done by IQT writes and by enabling QI).
  void process_queue();

  // A DMA request: the context cache and IOTLB where they hold an entry, else a walk that fills them; a fault is
  // logged into the fault recording registers (§7.2.1).
  Result translate(const Request& req);
  // What the tables say now: no cache read or filled, nothing recorded (the oracle once caches are invalidated).
  Result lookup(const Request& req) const;

  // An interrupt request from `source_id` (§5.1): passed through while GSTS.IRES = 0; with IRES = 1 a
  // remappable-format request (address bit 4 = 1) is remapped through the IRTE its index selects, a
  // compatibility-format one passes when GSTS.CFIS = 1 and is blocked (FR 25h) otherwise. A fault is logged as
  // translate() logs one.
  InterruptResult remap_interrupt(uint16_t source_id, uint64_t msi_address, uint32_t msi_data);
  size_t iec_valid_entries() const;

  // For tests and the hosted machine.
  s::FaultRecord fault_record(unsigned n) const { return n < kMaxFrcd ? frcd_[n] : s::FaultRecord{}; }
  unsigned fault_events_sent() const { return fault_events_; }
  unsigned invalidation_events_sent() const { return inv_events_; }
  size_t iotlb_valid_entries() const;
  size_t context_cache_valid_entries() const;

 private:
  struct IotlbEntry {
    bool valid = false;
    uint16_t did = 0, sid = 0;  // a lookup matches its own requester as well as the DID
    uint64_t base = 0, size = 0, pa = 0;
    bool r = false, w = false;
    bool not_present = false;   // CM = 1: a cached not-present entry
  };
  struct ContextCacheEntry {
    bool valid = false;
    uint16_t sid = 0;
    s::ContextEntry ce{};
  };
  struct IecEntry {
    bool valid = false;
    uint32_t index = 0;
    s::Irte irte{};
  };
  static constexpr unsigned kMaxIotlb = 64, kMaxContextCache = 16, kMaxFrcd = 256, kMaxIec = 16;

  Result run(const Request& req, bool live) const;
  Result with_fi_below_mgaw(Result r) const;
  bool fetch_context(const Request& req, s::ContextEntry& ce, Result& fault, bool live) const;
  uint8_t context_error(const s::ContextEntry& ce) const;
  bool pte_reserved(const s::SlPte& pte, unsigned level) const;
  Result walk(const Request& req, const s::ContextEntry& ce, bool live) const;
  Result run_scalable(const Request& req, bool live) const;
  Result walk_second_stage_sm(const Request& req, const s::PasidEntry& pe) const;
  Result walk_first_stage(const Request& req, const s::PasidEntry& pe, bool priv, bool live) const;
  void set_accessed_dirty(const uint64_t* used, unsigned n, bool dirty) const;
  void record(const Result& r, Result& out);
  void fault_condition(bool was_pending);
  bool fault_status_pending() const;
  void invalidation_complete_event();

  uint32_t read32(uint32_t offset) const;
  void write32(uint32_t offset, uint32_t value);
  bool is_reg64(uint32_t offset) const;
  uint64_t read64(uint32_t offset) const;
  void write64(uint32_t offset, uint64_t value);
  void write_gcmd(uint32_t value);
  void write_fectl(uint32_t value);
  void write_iectl(uint32_t value);
  void context_command(uint64_t value);
  void iotlb_command(uint64_t value);
  bool frcd_offset(uint32_t offset, unsigned& index, unsigned& byte) const;

  enum class Desc : uint8_t { kDone, kError };
  Desc execute(const s::Descriptor& d, bool wide, s::Iqei& why);
  void invalidate_context(uint64_t g, uint16_t did, uint16_t sid, uint64_t fm);
  uint64_t invalidate_iotlb(uint64_t g, uint16_t did, uint64_t addr, uint64_t am);
  void queue_error(s::Iqei why);
  bool fetch_irte(uint32_t index, s::Irte& e, bool& from_cache);
  uint8_t irte_error(const s::Irte& e, uint16_t source_id) const;
  void invalidate_iec(bool index_selective, uint32_t index, unsigned im);

  GuestMemory& mem_;
  Config config_{};
  s::Cap cap_{};
  s::Ecap ecap_{};
  uint32_t gsts_ = 0, fsts_ = 0, fectl_ = 0, fedata_ = 0, feaddr_ = 0, feuaddr_ = 0;
  uint32_t ics_ = 0, iectl_ = 0, iedata_ = 0, ieaddr_ = 0, ieuaddr_ = 0, pmen_ = 0, plmbase_ = 0, plmlimit_ = 0;
  uint32_t prs_ = 0, pectl_ = 0, pedata_ = 0, peaddr_ = 0, peuaddr_ = 0;
  uint64_t rtaddr_ = 0, root_ = 0, ccmd_ = 0, iotlb_reg_ = 0, iva_ = 0, aflog_ = 0, phmbase_ = 0, phmlimit_ = 0;
  uint64_t iqh_ = 0, iqt_ = 0, iqa_ = 0, iqercd_ = 0, irta_ = 0, irta_active_ = 0, pqh_ = 0, pqt_ = 0, pqa_ = 0;
  s::Ttm ttm_ = s::Ttm::kLegacy;  // latched with the root table pointer by SRTP
  unsigned fri_ = 0, next_fr_ = 0;
  unsigned fault_events_ = 0, inv_events_ = 0;
  s::FaultRecord frcd_[kMaxFrcd]{};
  mutable IotlbEntry iotlb_[kMaxIotlb]{};
  mutable ContextCacheEntry cc_[kMaxContextCache]{};
  mutable unsigned iotlb_next_ = 0, cc_next_ = 0;
  IecEntry iec_[kMaxIec]{};
  unsigned iec_next_ = 0;
};

// The fault record the spec defines for a request and a reason (§11.4.9.6): FI the page address, SID, T1 = 1 for
// a read (T2 = 0), AT = 00b, PP/PV with a PASID, F = 1. Shared by the model and the tests.
s::FaultRecord fault_for(const Request& req, s::FaultReason reason);
// Whether FPD suppresses a fault of this reason ("qualified" faults; root-table and context-fetch conditions
// are not qualified: the FPD that would suppress them is not known yet).
bool qualified(s::FaultReason reason);

}  // namespace model::intel_vtd
