// Primary fault logging (Intel VT-d rev 4.x §7.2 "Non-Recoverable Fault Reporting", §11.4.9.6 Fault Recording
// Registers [n]), the non-recoverable fault reason encodings (Appendix "Non-Recoverable Fault Reason
// Encodings") and the invalidation-queue error codes of IQERCD.IQEI (§11.4.11.9).
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

// Fault reasons (FR). Legacy-mode DMA remapping 01h..0Dh, interrupt remapping 20h..27h, scalable-mode DMA
// remapping 30h..90h. The spec labels each condition (LRT.1, LCT.1, SCT.1, ...); the enumerators paraphrase
// the condition.
enum class FaultReason : uint8_t {
  // Legacy mode.
  kRootNotPresent = 0x01,            // P of the root entry is 0
  kContextNotPresent = 0x02,         // P of the context entry is 0
  kContextInvalid = 0x03,            // context entry programmed with an unsupported value (TT, AW, ...)
  kAddressBeyondMgaw = 0x04,         // input address above 2^AGAW (or MGAW)
  kWriteDenied = 0x05,               // write to a page whose second-stage W is 0
  kReadDenied = 0x06,                // read of a page whose second-stage R is 0
  kPagingEntryAccess = 0x07,         // error reading a second-stage paging entry
  kRootTableAccess = 0x08,           // error reading the root entry
  kContextTableAccess = 0x09,        // error reading the context entry
  kRootReserved = 0x0a,              // non-zero reserved field in a present root entry
  kContextReserved = 0x0b,           // non-zero reserved field in a present context entry
  kPagingEntryReserved = 0x0c,       // non-zero reserved field in a present second-stage paging entry
  kContextTtBlocked = 0x0d,          // a request the context entry's TT does not allow (e.g. translated, TT=00b)
  // Interrupt remapping.
  kIrRequestReserved = 0x20,         // reserved field set in the remappable interrupt request
  kIrIndexBeyondSize = 0x21,         // interrupt index beyond the table size (IRTA.S)
  kIrteNotPresent = 0x22,            // P of the IRTE is 0
  kIrTableAccess = 0x23,             // error reading the interrupt remapping table
  kIrteReserved = 0x24,              // non-zero reserved field in a present IRTE
  kIrCompatibilityBlocked = 0x25,    // compatibility-format interrupt while GSTS.CFIS=0 (or EIME=1)
  kIrSourceIdMismatch = 0x26,        // source-id verification (IRTE SVT/SQ/SID) failed
  kIrPostedDescriptorAccess = 0x27,  // error accessing a posted-interrupt descriptor (rev 4.x; see notes)
  // Scalable mode.
  kSmRootTableInvalid = 0x30,        // RTADDR root-table address invalid
  kSmTtm31 = 0x31,                   // QEMU: invalid RTADDR.TTM; Linux: TTM legacy for a request with PASID
  kSmTtmPageRequest = 0x32,          // TTM legacy for a page request
  kSmRootAccess = 0x38,              // error reading a scalable-mode root entry
  kSmRootNotPresent = 0x39,          // LP/UP of the scalable-mode root entry is 0
  kSmRootReserved = 0x3a,            // non-zero reserved field in a scalable-mode root entry
  kSmContextAccess = 0x40,           // error reading a scalable-mode context entry
  kSmContextNotPresent = 0x41,       // P of the scalable-mode context entry is 0
  kSmContextReserved = 0x42,         // non-zero reserved field in a scalable-mode context entry
  kSmContextInvalid = 0x43,          // scalable-mode context entry with an unsupported value
  kSmContextDteClear = 0x44,         // translation request while DTE is 0
  kSmContextPasideClear = 0x45,      // request with PASID while PASIDE is 0
  kSmPasidBeyondPdts = 0x46,         // PASID beyond the directory size PDTS gives
  kSmContextPreClear = 0x47,         // page request while PRE is 0
  kSmRidPasidError = 0x48,           // RID_PASID field error
  kSmPasidDirAccess = 0x50,          // error reading a PASID directory entry
  kSmPasidDirNotPresent = 0x51,      // P of the PASID directory entry is 0
  kSmPasidDirReserved = 0x52,        // non-zero reserved field in a PASID directory entry
  kSmPasidAccess = 0x58,             // error reading a PASID table entry
  kSmPasidNotPresent = 0x59,         // P of the PASID table entry is 0
  kSmPasidReserved = 0x5a,           // non-zero reserved field in a PASID table entry
  kSmPasidInvalid = 0x5b,            // PASID table entry with an unsupported value (PGTT, AW, ...)
  kSmPasidEreClear = 0x5c,           // execute request while ERE is 0
  kSmPasidSreClear = 0x5d,           // supervisor request while SRE is 0
  kSmFirstStageAccess = 0x70,        // error reading a first-stage paging entry
  kSmFirstStageNotPresent = 0x71,    // P of a first-stage paging entry is 0
  kSmFirstStageReserved = 0x72,      // non-zero reserved field in a first-stage paging entry
  kSmFirstStageRootAccess = 0x73,    // nested: error reading the first-stage root (FLPTPTR) entry
  kSmNestedFirstStageBeyondMgaw = 0x74,
  kSmNestedFirstStageRootRead = 0x75,
  kSmNestedFirstStageRead = 0x76,
  kSmNestedFirstStageWrite = 0x77,
  kSmSecondStageAccess = 0x78,       // error reading a second-stage paging entry
  kSmSecondStageNotPresent = 0x79,   // second-stage entry with R and W both 0
  kSmSecondStageReserved = 0x7a,     // non-zero reserved field in a second-stage paging entry
  kSmSecondStagePointerInvalid = 0x7b,
  kSmSecondStageAdNoSnoop = 0x7c,
  kSmNonCanonical = 0x80,            // first-stage input address not canonical
  kSmUserToSupervisor = 0x81,        // user request to a page whose U/S is 0
  kSmExecuteDenied = 0x82,           // execute request without execute permission
  kSmAddressBeyondAw = 0x83,         // input address above the PASID entry's address width
  kSmSecondStageOutputBeyond = 0x84, // second-stage output address beyond the supported width
  kSmWriteDenied = 0x85,             // write / atomic without write permission
  kSmReadDenied = 0x86,              // read / atomic without read permission
  kSmInterruptAddressInvalid = 0x87, // a translated address in the interrupt range 0xFEEx_xxxx
  kSmFirstStageAdNoSnoop = 0x90,
};
inline constexpr uint8_t kLegacyFaultReasonFirst = 0x01, kLegacyFaultReasonLast = 0x0d;
inline constexpr uint8_t kIrFaultReasonFirst = 0x20, kIrFaultReasonLast = 0x27;

constexpr const char* fault_reason_name(uint64_t fr) {
  switch (fr) {
    case 0x01: return "root entry not present";
    case 0x02: return "context entry not present";
    case 0x03: return "context entry invalid";
    case 0x04: return "address beyond MGAW";
    case 0x05: return "write denied";
    case 0x06: return "read denied";
    case 0x07: return "paging entry access error";
    case 0x08: return "root table access error";
    case 0x09: return "context table access error";
    case 0x0a: return "root entry reserved bit";
    case 0x0b: return "context entry reserved bit";
    case 0x0c: return "paging entry reserved bit";
    case 0x0d: return "blocked by context TT";
    case 0x20: return "IR request reserved bit";
    case 0x21: return "IR index beyond table";
    case 0x22: return "IRTE not present";
    case 0x23: return "IR table access error";
    case 0x24: return "IRTE reserved bit";
    case 0x25: return "compatibility format blocked";
    case 0x26: return "IR source-id check failed";
    case 0x27: return "posted-interrupt descriptor access error";
    case 0x30: return "SM root table address invalid";
    case 0x31: return "SM RTADDR.TTM error";
    case 0x32: return "SM TTM legacy for page request";
    case 0x38: return "SM root entry access error";
    case 0x39: return "SM root entry not present";
    case 0x3a: return "SM root entry reserved bit";
    case 0x40: return "SM context entry access error";
    case 0x41: return "SM context entry not present";
    case 0x42: return "SM context entry reserved bit";
    case 0x43: return "SM context entry invalid";
    case 0x44: return "SM context DTE clear";
    case 0x45: return "SM context PASIDE clear";
    case 0x46: return "SM PASID beyond PDTS";
    case 0x47: return "SM context PRE clear";
    case 0x48: return "SM RID_PASID error";
    case 0x50: return "SM PASID directory access error";
    case 0x51: return "SM PASID directory entry not present";
    case 0x52: return "SM PASID directory entry reserved bit";
    case 0x58: return "SM PASID entry access error";
    case 0x59: return "SM PASID entry not present";
    case 0x5a: return "SM PASID entry reserved bit";
    case 0x5b: return "SM PASID entry invalid";
    case 0x5c: return "SM PASID ERE clear";
    case 0x5d: return "SM PASID SRE clear";
    case 0x70: return "SM first-stage entry access error";
    case 0x71: return "SM first-stage entry not present";
    case 0x72: return "SM first-stage entry reserved bit";
    case 0x73: return "SM nested first-stage root access error";
    case 0x74: return "SM nested first-stage address beyond MGAW";
    case 0x75: return "SM nested first-stage root read denied";
    case 0x76: return "SM nested first-stage read denied";
    case 0x77: return "SM nested first-stage write denied";
    case 0x78: return "SM second-stage entry access error";
    case 0x79: return "SM second-stage entry not present";
    case 0x7a: return "SM second-stage entry reserved bit";
    case 0x7b: return "SM second-stage pointer invalid";
    case 0x7c: return "SM second-stage A/D with no-snoop";
    case 0x80: return "SM non-canonical address";
    case 0x81: return "SM user request to supervisor page";
    case 0x82: return "SM execute denied";
    case 0x83: return "SM address beyond AW";
    case 0x84: return "SM second-stage output beyond width";
    case 0x85: return "SM write denied";
    case 0x86: return "SM read denied";
    case 0x87: return "SM interrupt address range";
    case 0x90: return "SM first-stage A/D with no-snoop";
    default: return "reserved";
  }
}
constexpr const char* to_string(FaultReason r) { return fault_reason_name(static_cast<uint64_t>(r)); }
constexpr bool is_interrupt_remapping_fault(uint64_t fr) { return fr >= kIrFaultReasonFirst && fr <= kIrFaultReasonLast; }
constexpr bool is_scalable_mode_fault(uint64_t fr) { return fr >= 0x30; }

// §11.4.9.6 Fault Recording Register (128 bits): FI [63:12]; SID [79:64], T2 [92], PRIV [93], EXE [94], PP [95],
// FR [103:96], PV [123:104], AT [125:124], T1 [126], F [127]. For a DMA fault FI holds the faulting page
// address; for an interrupt-remapping fault FI[63:48] holds the interrupt index and FI[47:12] is 0. QEMU,
// Linux and VirtualBox name only one type bit, 126 ("T"); rev 4.x splits the type into T2:T1 (see notes).
struct FaultRecord : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_FIELD(63, 12, fi, "FI");
  VIOMMU_NAMED_FIELD(79, 64, sid, "SID");
  VIOMMU_NAMED_BIT(92, t2, "T2");
  VIOMMU_NAMED_BIT(93, priv, "PRIV");
  VIOMMU_NAMED_BIT(94, exe, "EXE");
  VIOMMU_NAMED_BIT(95, pp, "PP");
  VIOMMU_NAMED_FIELD(103, 96, fr, "FR");
  VIOMMU_NAMED_FIELD(123, 104, pv, "PV");
  VIOMMU_NAMED_FIELD(125, 124, at, "AT");
  VIOMMU_NAMED_BIT(126, t1, "T1");
  VIOMMU_NAMED_BIT(127, f, "F");
  // Every field the spec defines, in record order (kit::compare_record iterates them).
  VIOMMU_FIELDS(fi, sid, t2, priv, exe, pp, fr, pv, at, t1, f);
  // The fields a record of this fault reason defines, FR named and FI as an address: PV only when PP=1;
  // the interrupt index instead of an address for interrupt-remapping faults (FI[63:48]).
  constexpr FieldList<11> defined_fields() const {
    FieldList<11> l;
    if (is_interrupt_remapping_fault(fr())) {
      l.add(interrupt_index_field);
    } else {
      l.add(fi_field.scaled(12));
    }
    l.add(sid_field).add(t2_field).add(priv_field).add(exe_field).add(pp_field);
    l.add(fr_field.described(fault_reason_name));
    if (pp()) l.add(pv_field);
    l.add(at_field).add(t1_field).add(f_field);
    return l;
  }
  // FI[63:48] of an interrupt-remapping fault, as its own descriptor.
  static constexpr spec::Field interrupt_index_field{"FI.interrupt_index", 63, 48};
  constexpr uint64_t interrupt_index() const { return words[0] >> 48; }
  constexpr uint64_t page_address() const { return fi() << 12; }
  constexpr FaultRecord& set_page_address(uint64_t a) { return set_fi(a >> 12); }
  constexpr FaultReason reason() const { return static_cast<FaultReason>(fr()); }
  // The dword of the register holding F: software clears the record by writing F (1) to it.
  static constexpr unsigned kFDwordOffset = 12;
  static constexpr uint32_t kFInDword = uint32_t{1} << 31;
};
static_assert(sizeof(FaultRecord) == FaultRecord::kBytes);
// The request type the record's T2:T1 give (rev 4.x reading; with T2 reserved-0, T1 alone: 0 write, 1 read).
enum class FaultRequestType : uint8_t { kWrite = 0, kRead = 1, kPageRequest = 2, kAtomic = 3 };
constexpr const char* request_type_name(uint64_t t2t1) {
  switch (t2t1) {
    case 0: return "write";
    case 1: return "read";
    case 2: return "page request";
    default: return "atomic";
  }
}
constexpr uint64_t request_type(const FaultRecord& r) { return (r.t2() << 1) | r.t1(); }
// FR.AT: the PCIe address type of the faulting request (00b untranslated, 01b translation request, 10b
// translated).
enum class AddressType : uint8_t { kUntranslated = 0, kTranslationRequest = 1, kTranslated = 2 };

// IQERCD.IQEI: why FSTS.IQE was set (§11.4.11.9, as the 14th-gen Core datasheet reproduces it: "0: info not available. ... 1: hardware
// detected an invalid Tail Pointer. 2: hardware attempt to fetch descriptor resulted in error. 3: hardware detected an
// invalid descriptor type. 4: hardware detected a reserved field violation for a valid descriptor type. 5: hardware
// detected an invalid descriptor width programmed in the Invalidation Queue Add[ress register]"; the text of 6 was
// cut off there).
enum class Iqei : uint8_t {
  kInfoNotAvailable = 0,
  kInvalidTail = 1,            // e.g. IQT bit 4 set with 256-bit descriptors, or a tail beyond the queue
  kFetchError = 2,             // error fetching a descriptor
  kInvalidDescriptorType = 3,  // a type the unit does not know (or cannot take at the queue's descriptor width)
  kReservedField = 4,          // a reserved field set in a descriptor of a valid type
  kInvalidWidth = 5,           // IQA.DW names a width the unit does not support
};
constexpr const char* iqei_name(uint64_t v) {
  switch (v) {
    case 0: return "info not available";
    case 1: return "invalid tail";
    case 2: return "descriptor fetch error";
    case 3: return "invalid descriptor type";
    case 4: return "reserved field violation";
    case 5: return "invalid descriptor width";
    default: return "reserved or not found";
  }
}
constexpr const char* to_string(Iqei v) { return iqei_name(static_cast<uint64_t>(v)); }

}  // namespace spec::intel_vtd
