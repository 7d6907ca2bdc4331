// SMMUv3 event queue records (IHI 0070 §7.3): 32 bytes each, event type in bits [7:0].
//
// All records share the first word (type, SSV, SubstreamID, StreamID). The translation-related records
// (F_WALK_EABT, F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION and the fetch faults) share the
// positions of STAG/Stall, PnU/InD/RnW, S2, CLASS, the input address and the second address (IPA for
// stage-2 faults, FetchAddr for fetch aborts), so one record type with every field declared serves the
// model; each event then has its own named type (EvtFTranslation, ...) carrying its type code.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::smmuv3 {

enum class EventType : uint8_t {
  kNone = 0x00,
  kFUut = 0x01,
  kCBadStreamid = 0x02,
  kFSteFetch = 0x03,
  kCBadSte = 0x04,
  kFBadAtsTreq = 0x05,
  kFStreamDisabled = 0x06,
  kFTranslForbidden = 0x07,
  kCBadSubstreamid = 0x08,
  kFCdFetch = 0x09,
  kCBadCd = 0x0a,
  kFWalkEabt = 0x0b,
  kFTranslation = 0x10,
  kFAddrSize = 0x11,
  kFAccess = 0x12,
  kFPermission = 0x13,
  kFTlbConflict = 0x20,
  kFCfgConflict = 0x21,
  kEPageRequest = 0x24,
  kFVmsFetch = 0x25,
};

// CLASS (§7.3.12 onwards): what the faulting access was doing.
enum class EventClass : uint8_t {
  kCd = 0b00,  // fetching a CD (stage 2 translating the CD address)
  kTt = 0b01,  // fetching a stage-1 translation table descriptor (stage 2 translating its address)
  kIn = 0b10,  // translating the transaction's input address
};

// Names of the values of TYPE and CLASS, as §7.3 spells them.
constexpr const char* event_name(uint64_t type) {
  switch (static_cast<EventType>(type)) {
    case EventType::kNone: return "none";
    case EventType::kFUut: return "F_UUT";
    case EventType::kCBadStreamid: return "C_BAD_STREAMID";
    case EventType::kFSteFetch: return "F_STE_FETCH";
    case EventType::kCBadSte: return "C_BAD_STE";
    case EventType::kFBadAtsTreq: return "F_BAD_ATS_TREQ";
    case EventType::kFStreamDisabled: return "F_STREAM_DISABLED";
    case EventType::kFTranslForbidden: return "F_TRANSL_FORBIDDEN";
    case EventType::kCBadSubstreamid: return "C_BAD_SUBSTREAMID";
    case EventType::kFCdFetch: return "F_CD_FETCH";
    case EventType::kCBadCd: return "C_BAD_CD";
    case EventType::kFWalkEabt: return "F_WALK_EABT";
    case EventType::kFTranslation: return "F_TRANSLATION";
    case EventType::kFAddrSize: return "F_ADDR_SIZE";
    case EventType::kFAccess: return "F_ACCESS";
    case EventType::kFPermission: return "F_PERMISSION";
    case EventType::kFTlbConflict: return "F_TLB_CONFLICT";
    case EventType::kFCfgConflict: return "F_CFG_CONFLICT";
    case EventType::kEPageRequest: return "E_PAGE_REQUEST";
    case EventType::kFVmsFetch: return "F_VMS_FETCH";
  }
  return "reserved";
}
constexpr const char* class_name(uint64_t c) {
  switch (static_cast<EventClass>(c)) {
    case EventClass::kCd: return "CD";
    case EventClass::kTt: return "TT";
    case EventClass::kIn: return "IN";
  }
  return "reserved";
}

struct EventRecord : Words<4> {
  // Word 0: common to every record
  VIOMMU_NAMED_FIELD(7, 0, type, "type");
  VIOMMU_NAMED_BIT(11, ssv, "SSV");
  VIOMMU_NAMED_FIELD(31, 12, substreamid, "SubstreamID");
  VIOMMU_NAMED_FIELD(63, 32, streamid, "StreamID");
  // Word 1
  VIOMMU_NAMED_FIELD(79, 64, stag, "STAG");
  VIOMMU_NAMED_BIT(95, stall, "Stall");
  VIOMMU_NAMED_BIT(97, pnu, "PnU");    // 1 = privileged
  VIOMMU_NAMED_BIT(98, ind, "InD");    // 1 = instruction
  VIOMMU_NAMED_BIT(99, rnw, "RnW");    // 1 = read
  VIOMMU_NAMED_BIT(100, nsipa, "NSIPA");
  VIOMMU_NAMED_BIT(103, s2, "S2");    // 1 = the fault is from stage 2
  VIOMMU_NAMED_FIELD(105, 104, class_, "CLASS");
  VIOMMU_NAMED_BIT(108, ttrnw, "TTRnW");  // CLASS=TT: 1 = the table access was a read
  // Word 2: the transaction's input address (all 64 bits)
  VIOMMU_NAMED_FIELD(191, 128, input_addr, "InputAddr");
  // Word 3: IPA[51:12] for stage-2 faults, or FetchAddr[51:3] for fetch/walk aborts
  VIOMMU_NAMED_FIELD(243, 204, ipa_51_12, "IPA");
  VIOMMU_NAMED_FIELD(243, 195, fetch_addr_51_3, "FetchAddr");

  constexpr EventType event_type() const { return static_cast<EventType>(type()); }
  constexpr EventClass event_class() const { return static_cast<EventClass>(class_()); }
  constexpr uint64_t ipa() const { return ipa_51_12() << 12; }
  constexpr uint64_t fetch_addr() const { return fetch_addr_51_3() << 3; }
  // The record holds address bits [51:12] and [51:3]: the bits of an address beyond 52 bits (an
  // out-of-range IPA or fetch address) have no place in it.
  constexpr EventRecord& set_ipa(uint64_t a) { return set_ipa_51_12(spec::bits_of(a, 51, 12)); }
  constexpr EventRecord& set_fetch_addr(uint64_t a) { return set_fetch_addr_51_3(spec::bits_of(a, 51, 3)); }

  // The fields §7.3 defines in a record like this one, in record order (the others are RES0 here, or
  // UNKNOWN: IPA of a stage-1 fault, SubstreamID when SSV == 0).
  constexpr FieldList<16> defined_fields() const {
    FieldList<16> l;
    l.add(type_field.described(event_name)).add(ssv_field);
    if (ssv()) l.add(substreamid_field);
    l.add(streamid_field);
    switch (event_type()) {
      case EventType::kFWalkEabt:  // §7.3.12-16: the whole transaction
      case EventType::kFTranslation:
      case EventType::kFAddrSize:
      case EventType::kFAccess:
      case EventType::kFPermission:
        l.add(stall_field).add(pnu_field).add(ind_field).add(rnw_field).add(s2_field);
        l.add(class__field.described(class_name)).add(input_addr_field);
        if (event_type() == EventType::kFWalkEabt) {
          l.add(fetch_addr_51_3_field.scaled(3));
        } else if (s2()) {
          l.add(ipa_51_12_field.scaled(12)).add(nsipa_field);
          if (event_type() == EventType::kFPermission && event_class() == EventClass::kTt) l.add(ttrnw_field);
        }
        break;
      case EventType::kFSteFetch:  // §7.3.4, §7.3.10
      case EventType::kFCdFetch:
        l.add(fetch_addr_51_3_field.scaled(3));
        break;
      case EventType::kFTranslForbidden:  // §7.3.8
        l.add(rnw_field).add(input_addr_field);
        break;
      default:  // C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, C_BAD_SUBSTREAMID, F_STREAM_DISABLED: word 0 only
        break;
    }
    return l;
  }
};
static_assert(sizeof(EventRecord) == 32);

template <EventType T>
struct EventOf : EventRecord {
  static constexpr EventType kType = T;
  constexpr EventOf() { set_type(static_cast<uint64_t>(T)); }
};

// §7.3.2 F_UUT: unsupported upstream transaction. Fields: SID, SSV/SSID, InputAddr, RnW, InD, PnU.
using EvtFUut = EventOf<EventType::kFUut>;
// §7.3.3 C_BAD_STREAMID: StreamID out of range of the stream table. Fields: SID, SSV/SSID.
using EvtCBadStreamid = EventOf<EventType::kCBadStreamid>;
// §7.3.4 F_STE_FETCH: external abort fetching an STE or L1STD. Fields: SID, SSV/SSID, FetchAddr.
using EvtFSteFetch = EventOf<EventType::kFSteFetch>;
// §7.3.5 C_BAD_STE: STE (V=0 or ILLEGAL). Fields: SID, SSV/SSID.
using EvtCBadSte = EventOf<EventType::kCBadSte>;
// §7.3.6 F_BAD_ATS_TREQ: ATS translation request not allowed. Fields: SID, SSV/SSID, InputAddr.
using EvtFBadAtsTreq = EventOf<EventType::kFBadAtsTreq>;
// §7.3.7 F_STREAM_DISABLED: non-substream transaction with STE.S1DSS == Terminate. Fields: SID.
using EvtFStreamDisabled = EventOf<EventType::kFStreamDisabled>;
// §7.3.8 F_TRANSL_FORBIDDEN: ATS-Translated transaction not permitted. Fields: SID, InputAddr, RnW.
using EvtFTranslForbidden = EventOf<EventType::kFTranslForbidden>;
// §7.3.9 C_BAD_SUBSTREAMID: SubstreamID out of range or not permitted. Fields: SID, SSID.
using EvtCBadSubstreamid = EventOf<EventType::kCBadSubstreamid>;
// §7.3.10 F_CD_FETCH: external abort fetching a CD or L1CD. Fields: SID, SSV/SSID, FetchAddr.
using EvtFCdFetch = EventOf<EventType::kFCdFetch>;
// §7.3.11 C_BAD_CD: CD (V=0 or ILLEGAL). Fields: SID, SSV/SSID.
using EvtCBadCd = EventOf<EventType::kCBadCd>;
// §7.3.12 F_WALK_EABT: external abort on a translation table walk. Fields: full set + FetchAddr.
using EvtFWalkEabt = EventOf<EventType::kFWalkEabt>;
// §7.3.13 F_TRANSLATION, §7.3.14 F_ADDR_SIZE, §7.3.15 F_ACCESS, §7.3.16 F_PERMISSION: full set + IPA when S2.
using EvtFTranslation = EventOf<EventType::kFTranslation>;
using EvtFAddrSize = EventOf<EventType::kFAddrSize>;
using EvtFAccess = EventOf<EventType::kFAccess>;
using EvtFPermission = EventOf<EventType::kFPermission>;
// §7.3.17 F_TLB_CONFLICT, §7.3.18 F_CFG_CONFLICT: IMPLEMENTATION DEFINED conflicts. Fields: SID, SSV/SSID,
// InputAddr (TLB conflict).
using EvtFTlbConflict = EventOf<EventType::kFTlbConflict>;
using EvtFCfgConflict = EventOf<EventType::kFCfgConflict>;
// §7.3.19 E_PAGE_REQUEST: PRI-like page request from a stalled transaction. Fields: SID, SSV/SSID,
// InputAddr, RnW/InD/PnU.
using EvtEPageRequest = EventOf<EventType::kEPageRequest>;
// §7.3.20 F_VMS_FETCH: external abort fetching a VMS (SMMUv3.2). Fields: SID, FetchAddr.
using EvtFVmsFetch = EventOf<EventType::kFVmsFetch>;

}  // namespace spec::smmuv3
