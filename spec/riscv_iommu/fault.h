// The fault-queue record and the page-request-queue record (RISC-V IOMMU 1.0, "Fault/Event-Queue (FQ)",
// "Page-Request-Queue (PQ)", src/iommu_in_memory_queues.adoc), with every CAUSE ("Fault record CAUSE field
// encodings") and TTYP ("Fault record TTYP field encodings").
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

// The CAUSE encodings the spec lists (the others between 0 and 275 are "reserved for future standard use",
// 275..2047 reserved, 2048..4095 custom).
enum class Cause : uint16_t {
  kInstructionAccessFault = 1,
  kReadAddressMisaligned = 4,
  kReadAccessFault = 5,
  kWriteAddressMisaligned = 6,  // "Write/AMO address misaligned"
  kWriteAccessFault = 7,        // "Write/AMO access fault"
  kInstructionPageFault = 12,
  kReadPageFault = 13,
  kWritePageFault = 15,  // "Write/AMO page fault"
  kInstructionGuestPageFault = 20,
  kReadGuestPageFault = 21,
  kWriteGuestPageFault = 23,  // "Write/AMO guest-page fault"
  kAllInboundDisallowed = 256,
  kDdtLoadAccessFault = 257,
  kDdtNotValid = 258,
  kDdtMisconfigured = 259,
  kTransactionTypeDisallowed = 260,
  kMsiPteLoadAccessFault = 261,
  kMsiPteNotValid = 262,
  kMsiPteMisconfigured = 263,
  kMrifAccessFault = 264,
  kPdtLoadAccessFault = 265,
  kPdtNotValid = 266,
  kPdtMisconfigured = 267,
  kDdtDataCorruption = 268,
  kPdtDataCorruption = 269,
  kMsiPtDataCorruption = 270,
  kMsiMrifDataCorruption = 271,
  kInternalDatapathError = 272,
  kMsiWriteAccessFault = 273,  // "IOMMU MSI write access fault"
  kPtDataCorruption = 274,     // "First/second-stage PT data corruption"
};
inline constexpr Cause kAllCauses[] = {
    Cause::kInstructionAccessFault, Cause::kReadAddressMisaligned, Cause::kReadAccessFault,
    Cause::kWriteAddressMisaligned, Cause::kWriteAccessFault, Cause::kInstructionPageFault,
    Cause::kReadPageFault, Cause::kWritePageFault, Cause::kInstructionGuestPageFault,
    Cause::kReadGuestPageFault, Cause::kWriteGuestPageFault, Cause::kAllInboundDisallowed,
    Cause::kDdtLoadAccessFault, Cause::kDdtNotValid, Cause::kDdtMisconfigured,
    Cause::kTransactionTypeDisallowed, Cause::kMsiPteLoadAccessFault, Cause::kMsiPteNotValid,
    Cause::kMsiPteMisconfigured, Cause::kMrifAccessFault, Cause::kPdtLoadAccessFault, Cause::kPdtNotValid,
    Cause::kPdtMisconfigured, Cause::kDdtDataCorruption, Cause::kPdtDataCorruption,
    Cause::kMsiPtDataCorruption, Cause::kMsiMrifDataCorruption, Cause::kInternalDatapathError,
    Cause::kMsiWriteAccessFault, Cause::kPtDataCorruption,
};

// The description column of the CAUSE table (nullptr for an encoding the table does not list).
constexpr const char* cause_description(uint64_t c) {
  switch (c) {
    case 1: return "Instruction access fault";
    case 4: return "Read address misaligned";
    case 5: return "Read access fault";
    case 6: return "Write/AMO address misaligned";
    case 7: return "Write/AMO access fault";
    case 12: return "Instruction page fault";
    case 13: return "Read page fault";
    case 15: return "Write/AMO page fault";
    case 20: return "Instruction guest page fault";
    case 21: return "Read guest-page fault";
    case 23: return "Write/AMO guest-page fault";
    case 256: return "All inbound transactions disallowed";
    case 257: return "DDT entry load access fault";
    case 258: return "DDT entry not valid";
    case 259: return "DDT entry misconfigured";
    case 260: return "Transaction type disallowed";
    case 261: return "MSI PTE load access fault";
    case 262: return "MSI PTE not valid";
    case 263: return "MSI PTE misconfigured";
    case 264: return "MRIF access fault";
    case 265: return "PDT entry load access fault";
    case 266: return "PDT entry not valid";
    case 267: return "PDT entry misconfigured";
    case 268: return "DDT data corruption";
    case 269: return "PDT data corruption";
    case 270: return "MSI PT data corruption";
    case 271: return "MSI MRIF data corruption";
    case 272: return "Internal data path error";
    case 273: return "IOMMU MSI write access fault";
    case 274: return "First/second-stage PT data corruption";
    default: return nullptr;
  }
}
// A name for any value (the table's, or a range's), for diagnostics and kit::compare_record.
constexpr const char* cause_name(uint64_t c) {
  if (const char* d = cause_description(c)) return d;
  return c >= 2048 && c <= 4095 ? "custom" : "reserved";
}
constexpr const char* to_string(Cause c) { return cause_name(static_cast<uint64_t>(c)); }
// The "Reported if DTF is 1?" column: only these causes are still reported when DC.tc.DTF is 1.
constexpr bool reported_when_dtf(Cause c) {
  switch (c) {
    case Cause::kAllInboundDisallowed:
    case Cause::kDdtLoadAccessFault:
    case Cause::kDdtNotValid:
    case Cause::kDdtMisconfigured:
    case Cause::kDdtDataCorruption:
    case Cause::kInternalDatapathError:
    case Cause::kMsiWriteAccessFault:
      return true;
    default:
      return false;
  }
}
constexpr bool is_guest_page_fault(uint64_t c) { return c == 20 || c == 21 || c == 23; }

// "Fault record TTYP field encodings": 4 and 10..31 reserved, 32..63 custom.
enum class Ttyp : uint8_t {
  kNone = 0,  // "Fault not caused by an inbound transaction"
  kUntranslatedExec = 1,
  kUntranslatedRead = 2,
  kUntranslatedWrite = 3,  // "Untranslated write/AMO transaction"
  kTranslatedExec = 5,
  kTranslatedRead = 6,
  kTranslatedWrite = 7,
  kAtsTranslationRequest = 8,
  kPcieMessage = 9,
};
constexpr const char* ttyp_name(uint64_t t) {
  switch (t) {
    case 0: return "None";
    case 1: return "Untranslated read for execute transaction";
    case 2: return "Untranslated read transaction";
    case 3: return "Untranslated write/AMO transaction";
    case 5: return "Translated read for execute transaction";
    case 6: return "Translated read transaction";
    case 7: return "Translated write/AMO transaction";
    case 8: return "PCIe ATS Translation Request";
    case 9: return "PCIe Message Request";
    default: return t >= 32 ? "custom" : "reserved";
  }
}
constexpr const char* to_string(Ttyp t) { return ttyp_name(static_cast<uint64_t>(t)); }

// "Fault-queue record": CAUSE [11:0], PID [31:12], PV [32], PRIV [33], TTYP [39:34], DID [63:40], custom
// [95:64], reserved [127:96], iotval [191:128], iotval2 [255:192].
struct FaultRecord : Words<4> {
  static constexpr unsigned kBytes = 32;
  VIOMMU_NAMED_FIELD(11, 0, cause, "CAUSE");
  VIOMMU_NAMED_FIELD(31, 12, pid, "PID");
  VIOMMU_NAMED_BIT(32, pv, "PV");
  VIOMMU_NAMED_BIT(33, priv, "PRIV");
  VIOMMU_NAMED_FIELD(39, 34, ttyp, "TTYP");
  VIOMMU_NAMED_FIELD(63, 40, did, "DID");
  VIOMMU_NAMED_FIELD(95, 64, custom, "custom");
  VIOMMU_NAMED_FIELD(127, 96, reserved, "reserved");
  VIOMMU_NAMED_FIELD(191, 128, iotval, "iotval");
  VIOMMU_NAMED_FIELD(255, 192, iotval2, "iotval2");
  // "If the CAUSE is a guest-page fault then bits 63:2 of the zero-extended guest-physical-address are
  // reported in iotval2[63:2]. If bit 0 of iotval2 is 1, then the guest-page-fault was caused by an implicit
  // memory access for first-stage address translation. If bit 0 of iotval2 is 1, and the implicit access was
  // a write then bit 1 of iotval2 is set to 1".
  static constexpr uint64_t kIotval2Implicit = 1, kIotval2ImplicitWrite = 2;
  static constexpr uint64_t iotval2_of(uint64_t gpa, bool implicit, bool implicit_write) {
    return spec::bits_of(gpa, 63, 2) << 2 | (implicit ? kIotval2Implicit : 0) |
           (implicit && implicit_write ? kIotval2ImplicitWrite : 0);
  }
  constexpr Cause cause_code() const { return static_cast<Cause>(cause()); }
  constexpr Ttyp transaction_type() const { return static_cast<Ttyp>(ttyp()); }

  // Every field the spec defines (not the custom and reserved words), in record order.
  VIOMMU_FIELDS(cause, pid, pv, priv, ttyp, did, iotval, iotval2);
  // The fields a record with this CAUSE defines, CAUSE and TTYP named: iotval2 is defined for guest-page
  // faults only (the spec says nothing of it otherwise).
  constexpr FieldList<8> defined_fields() const {
    FieldList<8> l;
    l.add(cause_field.described(cause_name)).add(pid_field).add(pv_field).add(priv_field);
    l.add(ttyp_field.described(ttyp_name)).add(did_field).add(iotval_field);
    if (is_guest_page_fault(cause())) l.add(iotval2_field);
    return l;
  }
};
static_assert(sizeof(FaultRecord) == FaultRecord::kBytes);

// "Page-request-queue record": PID [31:12], PV [32], PRIV [33], EXEC [34], DID [63:40], PAYLOAD [127:64].
struct PageRequestRecord : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_FIELD(31, 12, pid, "PID");
  VIOMMU_NAMED_BIT(32, pv, "PV");
  VIOMMU_NAMED_BIT(33, priv, "PRIV");
  VIOMMU_NAMED_BIT(34, exec, "EXEC");
  VIOMMU_NAMED_FIELD(63, 40, did, "DID");
  VIOMMU_NAMED_FIELD(127, 64, payload, "PAYLOAD");
};
static_assert(sizeof(PageRequestRecord) == PageRequestRecord::kBytes);

// "PAYLOAD of a "Page request" message": R [0], W [1], L [2], PRG index [11:3], Page Address[63:12].
struct PageRequestPayload : Reg64 {
  VIOMMU_NAMED_BIT(0, r, "R");
  VIOMMU_NAMED_BIT(1, w, "W");
  VIOMMU_NAMED_BIT(2, l, "L");
  VIOMMU_NAMED_FIELD(11, 3, prg_index, "Page Request Group Index");
  VIOMMU_NAMED_FIELD(63, 12, page_addr_63_12, "Page Address");
};

}  // namespace spec::riscv_iommu
