// The clauses the smmuv3.* cases rest on: IHI 0070 G.b (SMMUv3) and the Arm ARM (DDI 0487 M.a.a) translation
// chapter, each with the sentence relied on, quoted as the specification says it (read from the G.b and M.a.a
// texts; an ellipsis marks a cut). Strength:
//   MUST   a normative statement (MUST / ILLEGAL / "is" in a requirement, a field's defined meaning);
//   SHOULD a recommendation ("Arm recommends");
//   OPEN   the specification lets the device choose (CONSTRAINED UNPREDICTABLE with several permitted outcomes,
//          "permitted but not required", a Reserved value whose behaviour "must not be relied upon").
#pragma once

#include "kernel/test.h"

namespace smmuv3_tests {

using kernel::Clause;
using kernel::Strength;

#define SMMU_REF "IHI0070 G.b "
#define ARM_REF "DDI0487 M.a.a "

// ---- translation ----------------------------------------------------------------------------------------------
inline constexpr Clause kTranslate{Strength::kMust, SMMU_REF "§3.21.1",
    "Translation table walks, caching, TLB invalidation, and invalidation completion semantics match those of "
    "Armv8-A"};
inline constexpr Clause kSteBypass{Strength::kMust, SMMU_REF "§5.2 Config",
    "0b100 | Yes | Bypass | Bypass"};
inline constexpr Clause kSmmuenBypass{Strength::kMust, SMMU_REF "§6.3.9 SMMUEN",
    "0b0 | All Non-secure streams bypass SMMU, with attributes determined from SMMU_GBPA."};
inline constexpr Clause kSmmuenChecked{Strength::kMust, SMMU_REF "§6.3.9 SMMUEN",
    "0b1 | All Non-secure streams are checked against configuration structures, and might undergo translation."};
inline constexpr Clause kPcieUnprivData{Strength::kMust, SMMU_REF "§13.7",
    "The SMMU interprets the INST and PRIV attributes of a normal transaction without a PASID TLP prefix as 'Data' "
    "and 'Unprivileged', respectively."};
inline constexpr Clause kApTable{Strength::kMust, ARM_REF "D8.4.1.2.1 Table D8-63",
    "00 | PrivRead, PrivWrite ... 10 | PrivRead ... 11 | PrivRead, UnprivRead"};
inline constexpr Clause kApUnpriv{Strength::kMust, SMMU_REF "§13.7, " ARM_REF "D8.4.1.2.1 Table D8-63",
    "a normal transaction without a PASID TLP prefix as 'Data' and 'Unprivileged' ... 00 | PrivRead, PrivWrite ... "
    "10 | PrivRead"};
inline constexpr Clause kApTableHier{Strength::kMust, ARM_REF "D8.4.1.2.1 R_YTXKB",
    "the Table descriptor APTable[1:0] field limits the data access permissions of subsequent stage 1 translation "
    "lookup levels"};
inline constexpr Clause kS2Ap{Strength::kMust, ARM_REF "D8.4.2 R_FQNDX",
    "If an attempt is made to access memory that is not permitted by the value of the S2AP field, then a stage 2 "
    "Permission fault is generated."};
inline constexpr Clause kAffd{Strength::kMust, SMMU_REF "§5.4 AFFD",
    "0b0 | An Access flag fault occurs (behavior controlled by ARS bits)"};
inline constexpr Clause kAffdSet{Strength::kMust, SMMU_REF "§5.4 AFFD",
    "0b1 | An Access flag fault never occurs. The TTD.AF bit is considered to be always 1."};
inline constexpr Clause kS2Affd{Strength::kMust, SMMU_REF "§7.3.15",
    "Access flag fault due to AF == 0 in a Page or Block descriptor."};
inline constexpr Clause kInvalidDesc{Strength::kMust, ARM_REF "D8.15.1.1 R_DYNYQ",
    "When a translation table lookup returns an invalid descriptor, a Translation fault is generated"};
inline constexpr Clause kL3Reserved{Strength::kMust, ARM_REF "D8.3.1",
    "For lookup level 3 ... If bit[1] is 0, then the descriptor is reserved, and treated as invalid."};
inline constexpr Clause kBlockLevel{Strength::kMust, ARM_REF "D8.15.1.1 R_KRMJZ",
    "If descriptor bit[1] is 0 at a lookup level that does not support Block descriptors, then the descriptor "
    "encoding is reserved. When a translation table lookup returns that descriptor, a Translation fault is "
    "generated."};
inline constexpr Clause kIaRange{Strength::kMust, ARM_REF "D8.15.1.1 R_VZZSZ",
    "a level 0 Translation fault is generated ... If the IA maps onto the TTBR0_ELx address range and the IA "
    "contains any one bits above the configured IA size"};
inline constexpr Clause kVaRanges{Strength::kMust, ARM_REF "D8.15.1.1 R_VZZSZ",
    "a level 0 Translation fault is generated ... The IA does not map onto a TTBR_ELx address range."};
inline constexpr Clause kEpd{Strength::kMust, SMMU_REF "§5.4 EPD0",
    "0b1 | A TLB miss on an address that is translated using TTB0 causes a Translation fault. No translation table "
    "walk is performed."};
inline constexpr Clause kTtbSelect{Strength::kMust, SMMU_REF "§5.4.1.1",
    "0xFFFFXXXXXXXXXXXX | 0 | 0 | Valid | Valid | Translates through TTB1"};
inline constexpr Clause kIpsCheck{Strength::kMust, SMMU_REF "§5.4 IPS",
    "This check applies to stage 1 next-level table addresses in Table descriptors, as well as stage 1 output "
    "addresses in Block and Page descriptors."};
inline constexpr Clause kS2Range{Strength::kMust, SMMU_REF "§7.3.13",
    "The address provided to a stage of translation failed the range check defined by TxSZ/SLx"};
inline constexpr Clause kCdR{Strength::kMust, SMMU_REF "§5.5 R",
    "When clear, the fault record is suppressed."};
inline constexpr Clause kTerminate{Strength::kMust, SMMU_REF "§3.12.1",
    "When stage 1 is configured to terminate faults, a transaction that faults at stage 1 is either terminated "
    "with an abort reported to the client device that is making the access, or ... (RAZ/WI)"};

// ---- stream table, STE, CD ------------------------------------------------------------------------------------
inline constexpr Clause kSteV{Strength::kMust, SMMU_REF "§5.2 V",
    "Device transactions that select an STE with this field configured to 0 are terminated with an abort reported "
    "back to the device and a C_BAD_STE event is recorded."};
inline constexpr Clause kSteAbort{Strength::kMust, SMMU_REF "§5.2 Config",
    "0b000 | No | - | - | Report abort to device, no event recorded."};
inline constexpr Clause kSteConfigReserved{Strength::kMust, SMMU_REF "§5.2 Config",
    "0b0xx | No | - | - | Reserved (behaves as 0b000 )"};
inline constexpr Clause kSteS2Absent{Strength::kMust, SMMU_REF "§5.2 Config",
    "If stage 2 is not implemented (SMMU_IDR0.S2P == 0), it is ILLEGAL to set STE.Config == 0b11x ."};
inline constexpr Clause kSteStrwRes0{Strength::kOpen, SMMU_REF "§5.2 STRW, §5.2.2, §1.2",
    "If SMMU_IDR0.Hyp == 0 and the STE is in the Non-secure Stream table this field is RES0. ... For a field that "
    "is provided to the SMMU, Reserved values must not be used and their behavior must not be relied upon."};
inline constexpr Clause kSteCdMax{Strength::kMust, SMMU_REF "§5.2.2",
    "The allowable range is 0 to SMMU_IDR1.SSIDSIZE if SMMU_IDR1.SSIDSIZE != '00000' then if UInt(STE.S1CDMax) > "
    "UInt(SMMU_IDR1.SSIDSIZE) then return TRUE;"};
inline constexpr Clause kSteCdMaxIgnored{Strength::kMust, SMMU_REF "§5.2 S1CDMax, §1.2 ILLEGAL",
    "If SMMU_IDR1.SSIDSIZE == 0, this field is IGNORED. ... A field in a structure can make the structure ILLEGAL "
    "... only if the field was not IGNORED for other reasons."};
inline constexpr Clause kStreamIdRange{Strength::kMust, SMMU_REF "§7.3.3",
    "Recorded when SMMU_(*_)CR2.RECINVSID == 1 and any of the following conditions arises: 1. Incoming StreamID "
    ">= 2 (SMMU_(*_)STRTAB_BASE_CFG.LOG2SIZE)"};
inline constexpr Clause kL1StdSpan0{Strength::kMust, SMMU_REF "§5.1 Span",
    "0 | L1STD.L2Ptr is invalid. The StreamIDs matching this descriptor are all invalid."};
inline constexpr Clause kL1StdBeyondSpan{Strength::kMust, SMMU_REF "§5.1.1, §7.3.3",
    "those that select a valid Level 1 descriptor but are outside of the level 2 range described by Span, are "
    "deemed invalid ... C_BAD_STREAMID ... d) The given StreamID[SPLIT - 1:0] >= 2^(L1STD.Span-1)"};
inline constexpr Clause kSteFetch{Strength::kMust, SMMU_REF "§7.3.4",
    "Fetch of STE caused external abort ... FetchAddr is the Physical Address used for the fetch."};
inline constexpr Clause kCdFetch{Strength::kMust, SMMU_REF "§7.3.10",
    "Fetch of CD caused external abort ... FetchAddr is the Physical Address used for the fetch."};
inline constexpr Clause kCdV{Strength::kMust, SMMU_REF "§7.3.11",
    "Fetched CD invalid (V == 0, or V == 1 but ILLEGAL configuration)."};
inline constexpr Clause kCdTxsz{Strength::kMust, SMMU_REF "§5.4 T0SZ",
    "In implementations of SMMUv3.1 and later, a CD is treated as ILLEGAL if it contains a TxSZ value outside the "
    "range of these maximum and minimum values."};
inline constexpr Clause kCdTg{Strength::kMust, SMMU_REF "§5.4 TG0",
    "Use of an unsupported size or Reserved value is ILLEGAL"};
inline constexpr Clause kCdAa64{Strength::kMust, SMMU_REF "§5.4.2",
    "AArch32 tables not supported by system ... if using_vmsa32 && ((SMMU_IDR0.TTF == 'x0') ... return TRUE;"};
inline constexpr Clause kCdTtbRange{Strength::kMust, SMMU_REF "§5.4 TTB0",
    "it is ILLEGAL for the address in this field to be outside the range described by the CD's effective IPS "
    "value."};
inline constexpr Clause kS1Dss{Strength::kMust, SMMU_REF "§5.2 S1DSS",
    "0b00 | Terminate. An abort is reported to the device and the F_STREAM_DISABLED event is recorded."};
inline constexpr Clause kS1DssSub0{Strength::kMust, SMMU_REF "§5.2 S1DSS",
    "0b10 | Transactions that do not include a substream are translated using the CD associated with Substream 0"};
inline constexpr Clause kS1DssBypass{Strength::kMust, SMMU_REF "§5.2 S1DSS",
    "0b01 | Bypass stage 1 as though STE.Config == 0b1x0"};
inline constexpr Clause kL1CdInvalid{Strength::kMust, SMMU_REF "§5.3 V",
    "If a CD fetch for a transaction with SubstreamID encounters an L1CD with V == 0, L2Ptr is IGNORED, the "
    "transaction is terminated with abort and a C_BAD_SUBSTREAMID event is recorded."};
inline constexpr Clause kCd2Level{Strength::kMust, SMMU_REF "§5.2 S1Fmt",
    "0b01 | 2-level table with 4KB L2 leaf tables. ... If STE.S1CDMax <= 6, only index #0 of the L1 table is used."};

// ---- invalidation and hitless update --------------------------------------------------------------------------
inline constexpr Clause kTlbiComplete{Strength::kMust, SMMU_REF "§4.7.3",
    "TLB invalidates and ATS Invalidations are guaranteed to be complete (all matching TLB entries are "
    "invalidated)"};
inline constexpr Clause kCfgiComplete{Strength::kMust, SMMU_REF "§4.7.3",
    "Configuration invalidations are guaranteed to be complete (matching cached configuration entries are "
    "invalidated)"};
inline constexpr Clause kCfgiSteRange{Strength::kMust, SMMU_REF "§4.3.2",
    "Invalidation is performed for an aligned range of 2^(Range+1) StreamIDs."};
inline constexpr Clause kHitless{Strength::kMust, SMMU_REF "§3.21.3",
    "to change the ASID in a CD, the ASID field can be written directly, followed by CMD_CFGI_CD and CMD_SYNC. "
    "However, if there are two fields separated so that one single-copy atomic write cannot atomically alter both"};
// A live STE changed by one single-copy-atomic store, before its CMD_CFGI_STE + CMD_SYNC: the SMMU may read the
// new STE at any time or keep using a cached copy of the old one, and each is a valid STE.
inline constexpr Clause kStePending{Strength::kOpen, SMMU_REF "§3.21.3",
    "An SMMU might read any entry at any time, for any reason. ... An implementation is permitted to cache any "
    "successfully fetched or prefetched configuration structure ... any single field within an aligned span of that "
    "size can be altered without first making the structure invalid."};

// ---- command queue --------------------------------------------------------------------------------------------
inline constexpr Clause kCmdSync{Strength::kMust, SMMU_REF "§4.7.3",
    "This command waits for completion of all prior commands and ensures observability of any related "
    "transactions through and from the SMMU."};
inline constexpr Clause kQueueWrap{Strength::kMust, SMMU_REF "§3.5.1",
    "The indexes must always increment and wrap to the bottom when they pass the top entry of the queue"};
inline constexpr Clause kCmdqen{Strength::kMust, SMMU_REF "§6.3.9 CMDQEN",
    "0b0 | Processing of commands from the Non-secure Command queue is disabled."};
inline constexpr Clause kCmdError{Strength::kMust, SMMU_REF "§7.1",
    "SMMU_(*_)CMDQ_CONS.RD remains pointing to the erroneous command in the Command queue. ... The "
    "SMMU_(*_)CMDQ_CONS.ERR field is updated to provide an error code."};
inline constexpr Clause kCmdErrorGerror{Strength::kMust, SMMU_REF "§7.1",
    "The global Command queue Error is triggered: SMMU_(*_)GERROR.CMDQ_ERR is activated"};
inline constexpr Clause kCmdErrorRecovery{Strength::kMust, SMMU_REF "§7.1",
    "Commands at or after the CMDQ_CONS.RD position are fetched or re-fetched after command processing is "
    "restarted by acknowledging CMDQ_ERR."};
inline constexpr Clause kCmdErrorNoConsume{Strength::kMust, SMMU_REF "§7.5",
    "Commands are not consumed from the Command queue while CMDQ_ERR is active."};
inline constexpr Clause kIllOpcode{Strength::kMust, SMMU_REF "§7.1 CERROR_ILL",
    "Command illegal and cannot be correctly consumed because of an: • Unknown command opcode"};
inline constexpr Clause kSyncCsReserved{Strength::kMust, SMMU_REF "§4.7.3 CS",
    "0b11 : Reserved: Causes a CERROR_ILL."};
inline constexpr Clause kTlbiEl2NoHyp{Strength::kMust, SMMU_REF "§4.4.2.7",
    "When SMMU_IDR0.Hyp == 0, this command causes a CERROR_ILL."};
inline constexpr Clause kS12VmallNoS2{Strength::kMust, SMMU_REF "§4.4.3.2",
    "When issued on an SMMU without stage 2 support, a CERROR_ILL is raised."};
inline constexpr Clause kAtcInvNoAts{Strength::kMust, SMMU_REF "§4.5.1",
    "This command is ILLEGAL if any of the following are true: • SMMU_IDR0.ATS == 0 and this command is issued on a "
    "Non-secure or Secure Command queue."};
inline constexpr Clause kSyncMsi{Strength::kMust, SMMU_REF "§4.7.3 SIG_IRQ",
    "On implementations supporting MSIs, a write containing MSIData is made to the physical address given by "
    "MSIAddress, if MSIAddress is non-zero"};
inline constexpr Clause kSyncMsiOrder{Strength::kMust, SMMU_REF "§4.7.3",
    "Observation of the interrupt or event means that the consumption of the CMD_SYNC is observable."};
inline constexpr Clause kSyncMsiIgnored{Strength::kMust, SMMU_REF "§4.7.3 SIG_IRQ",
    "On implementations that do not support MSIs, MSIAddress and MSIData are IGNORED."};

// ---- event queue and event records ----------------------------------------------------------------------------
inline constexpr Clause kEventStreamId{Strength::kMust, SMMU_REF "§7.3",
    "StreamID: The StreamID of the requester that issued the incoming transaction that led to the event"};
inline constexpr Clause kEventSsv{Strength::kMust, SMMU_REF "§7.3",
    "SSV: The SubstreamID validity flag -0: No SubstreamID was provided with the transaction"};
inline constexpr Clause kEventSubstreamId{Strength::kMust, SMMU_REF "§7.3",
    "SubstreamID: The SubstreamID provided with the transaction that led to the event"};
inline constexpr Clause kEventRnW{Strength::kMust, SMMU_REF "§7.3",
    "RnW: The Read/Write nature of the incoming transaction that led to the event -0: Write -1: Read"};
inline constexpr Clause kEventPnU{Strength::kMust, SMMU_REF "§7.3, §13.7",
    "PnU: Privileged/Unprivileged (post-STE override)"};
inline constexpr Clause kEventInD{Strength::kMust, SMMU_REF "§7.3.13",
    "The InD/PnU attributes are the post-STE override values. InD == 0 when RnW == 0."};
inline constexpr Clause kEventInputAddr{Strength::kMust, SMMU_REF "§7.3",
    "InputAddr: The 64-bit address input to the SMMU for the transaction that led to the event."};
inline constexpr Clause kEventStall{Strength::kMust, SMMU_REF "§3.12.1",
    "When stage 1 is configured to terminate faults, a transaction that faults at stage 1 is either terminated"};
inline constexpr Clause kEventS1{Strength::kMust, SMMU_REF "§7.3.13",
    "If fault occurs at stage 1, S2 == 0 and: • CLASS == IN, IPA is UNKNOWN."};
inline constexpr Clause kEventS2{Strength::kMust, SMMU_REF "§7.3.13",
    "If fault occurs at stage 2, S2 == 1 and: • If fetching a CD, CLASS == CD ... • If walking stage 1 translation "
    "table, CLASS == TT, IPA is the stage 1 translation table descriptor address • If translating an IPA for a "
    "transaction ... CLASS == IN, and IPA is provided."};
inline constexpr Clause kEventWalkEabt{Strength::kMust, SMMU_REF "§7.3.12",
    "A stage 1-only table walk that encounters EABT on physical access to a descriptor is reported as S2 == 0 "
    "(stage 1), CLASS == TT."};
inline constexpr Clause kEventFetchAddr{Strength::kMust, SMMU_REF "§7.3",
    "This STE, CD, VMS or TTD address is as was calculated by a Stream table, CD table or VMS access or "
    "translation table walk."};
inline constexpr Clause kEventNsipa{Strength::kMust, SMMU_REF "§7.3",
    "This bit is zero unless the event is recorded on the Secure event queue and S2 == 1"};
inline constexpr Clause kEventTtrnw{Strength::kMust, SMMU_REF "§7.3.16",
    "The TTRnW field is valid when CLASS == TT ... 1 Translation table descriptor Read caused S2 Permission fault."};
inline constexpr Clause kOneEvent{Strength::kMust, SMMU_REF "§7.2",
    "Any incoming transaction might cause at most one event report"};
inline constexpr Clause kNoEventOnSuccess{Strength::kMust, SMMU_REF "§3.12, §7.2",
    "The SMMU only records fault events that are generated by its own accesses or by client device accesses that "
    "encounter an internal translation issue. / A fault from translation is reported only when a transaction "
    "attempts a translation."};
inline constexpr Clause kEventqDisabled{Strength::kMust, SMMU_REF "§7.2.1",
    "When the queue is not writable, events not associated with stalled faults are silently discarded."};
inline constexpr Clause kEventqOverflow{Strength::kMust, SMMU_REF "§7.4",
    "When an overflow occurs, the SMMU toggles the SMMU_EVENTQ_PROD.OVFLG flag if the overflow condition is not "
    "already present."};
inline constexpr Clause kEventqFull{Strength::kMust, SMMU_REF "§7.4",
    "A configuration error record or fault record from a terminated transaction is discarded when the SMMU "
    "attempts to insert it into a full Event queue."};
inline constexpr Clause kRecinvsid0{Strength::kMust, SMMU_REF "§6.3.12 RECINVSID",
    "0b0 | C_BAD_STREAMID events are not recorded for the Non-secure programming interface."};

// ---- registers ------------------------------------------------------------------------------------------------
inline constexpr Clause kIdReserved{Strength::kMust, SMMU_REF "§1.2 Reserved",
    "For an identification, or otherwise read-only register field, a Reserved encoding is never given by the "
    "SMMU."};
// The three configurations the sentence lists are the permitted ones: neither stage is not among them.
inline constexpr Clause kIdStages{Strength::kMust, SMMU_REF "§2.2",
    "Implementations might support only stage 1, only stage 2 or both stages of translation."};
inline constexpr Clause kIdPri{Strength::kMust, SMMU_REF "§6.3.1 PRI",
    "When SMMU_IDR0.ATS == 0 this field is RES0."};
inline constexpr Clause kIdr1Sizes{Strength::kMust, SMMU_REF "§6.3.2",
    "SSIDSIZE ... Valid range 0 to 20 inclusive ... SIDSIZE ... This value is between 0 and 32 inclusive. ... "
    "CMDQS ... Maximum value 19."};
inline constexpr Clause kIdr1Linear{Strength::kMust, SMMU_REF "§6.3.2 SIDSIZE",
    "When SMMU_IDR1.SIDSIZE >= 7, SMMU_IDR0.ST_LEVEL != 0b00 ."};
inline constexpr Clause kAidr{Strength::kMust, SMMU_REF "§6.3.8",
    "ArchMajorRev | 0b0000 | SMMUv3.x. ... ArchMinorRev | 0b0000 SMMUv3.0 ... 0b0100 SMMUv3.4."};
inline constexpr Clause kCr0Ack{Strength::kMust, SMMU_REF "§6.3.9",
    "An individual field is described as Updated after the value of the field observed in SMMU_CR0ACK matches the "
    "value that was written to the field in SMMU_CR0."};
inline constexpr Clause kIrqCtrlAck{Strength::kMust, SMMU_REF "§6.3.16",
    "Each field in this register has a corresponding field in SMMU_IRQ_CTRLACK, with the same Update observability "
    "semantics as fields in SMMU_CR0 versus SMMU_CR0ACK."};
inline constexpr Clause kRegRw{Strength::kMust, SMMU_REF "§6.3.24-§6.3.29",
    "Accesses to this register use the following encodings: ... RW"};
inline constexpr Clause kGbpaUpdate{Strength::kMust, SMMU_REF "§6.3.14.1",
    "This register must be written with a single 32-bit write that simultaneously sets the Update bit to 1. "
    "Software must then poll the Update bit which is cleared when the attribute update has completed."};
inline constexpr Clause kGbpaReadBack{Strength::kMust, SMMU_REF "§6.3.14.1",
    "When this register is written (correctly observing the requirements in this section), the new value is "
    "observable to future reads of the register even if they occur before the Update has completed."};
inline constexpr Clause kGbpaNoUpdate32{Strength::kMust, SMMU_REF "§6.3.14.1",
    "If this register is written without simultaneously setting Update to 1 ... The write is IGNORED. This is the "
    "only permitted behavior in SMMUv3.2 and later."};
inline constexpr Clause kGbpaNoUpdate31{Strength::kOpen, SMMU_REF "§6.3.14.1",
    "If this register is written without simultaneously setting Update to 1, the effect is CONSTRAINED "
    "UNPREDICTABLE ... The written value is stored and is visible to future reads of the register, but does not "
    "affect transactions."};
inline constexpr Clause kGbpaAbort{Strength::kMust, SMMU_REF "§6.3.14 ABORT",
    "0b1 | Abort all incoming transactions."};
inline constexpr Clause kGerror{Strength::kMust, SMMU_REF "§7.5",
    "An error is active when: SMMU_(*_)GERROR[x] != SMMU_(*_)GERRORN[x]"};
inline constexpr Clause kGerrorAck{Strength::kMust, SMMU_REF "§7.5",
    "The presence of a Global Error is acknowledged by the agent controlling the SMMU by toggling the equivalent "
    "field in the GERRORN register."};

// ---- interrupts -----------------------------------------------------------------------------------------------
inline constexpr Clause kIrqSpi{Strength::kShould, "Devicetree arm,smmu-v3 binding (not verified here)",
    "interrupts: wired SMMU outputs are SPIs (the GIC architecture, IHI 0069, is not among the readable sources)"};
inline constexpr Clause kIrqUnique{Strength::kMust, SMMU_REF "§3.18.2",
    "Depending on the implementation, each interrupt source asserts a wired interrupt output that is unique to the "
    "source, or sends an MSI, or both."};
inline constexpr Clause kIrqWiredNeeded{Strength::kMust, SMMU_REF "§3.18",
    "An implementation must support one of, or optionally both of, wired interrupts and MSIs."};
inline constexpr Clause kIrqEventq{Strength::kMust, SMMU_REF "§3.18.2",
    "Event queue | Event queue transitions from empty to non-empty ... If enabled, a pulse is asserted on a unique "
    "wired interrupt output, if this is implemented."};
inline constexpr Clause kIrqGerror{Strength::kMust, SMMU_REF "§7.5.1",
    "A GERROR interrupt is triggered when the SMMU activates an error"};
inline constexpr Clause kIrqDisabled{Strength::kMust, SMMU_REF "§6.3.16",
    "Completion of this Update guarantees that no new MSI writes or wired edge events from source x become visible "
    "until the source is re-enabled."};
inline constexpr Clause kIrqGerrorDisabled{Strength::kMust, SMMU_REF "§7.5.1",
    "The GERROR interrupt is triggered only when SMMU_(*_)IRQ_CTRL.GERROR_IRQEN == 1."};
inline constexpr Clause kIrqBeforeEnable{Strength::kMust, SMMU_REF "§6.3.16",
    "It is not permitted to trigger an interrupt that relates to an occurrence that happened before the source was "
    "enabled"};
inline constexpr Clause kIrqObservable{Strength::kMust, SMMU_REF "§3.18",
    "It is not permitted for an interrupt notification of the presence of new information to be observable before "
    "the new information is also observable."};
inline constexpr Clause kSyncIrq{Strength::kMust, SMMU_REF "§4.7.3 SIG_IRQ",
    "On implementations that support wired interrupts, an event on a unique wired interrupt output is asserted on "
    "this signal, regardless of the value of MSIAddress."};
inline constexpr Clause kSyncNone{Strength::kMust, SMMU_REF "§4.7.3 SIG_NONE",
    "The command takes no further action on its completion."};

// ---- the identity test: is DMA translated at all ---------------------------------------------------------------
inline constexpr Clause kOwnTables{Strength::kMust, SMMU_REF "§3.3",
    "The StreamID of an incoming transaction locates an STE."};
inline constexpr Clause kDmaTranslated{Strength::kMust, SMMU_REF "§5.2 Config",
    "0b101 | Yes | Translate | Bypass | S1* valid"};

// The clause of each event type's check (fault_clause in fixture.cpp): what the record reports (§7.3).
inline constexpr Clause kTypeTranslation{Strength::kMust, SMMU_REF "§7.3.13",
    "Translation fault: The address provided to a stage of translation failed the range check defined by "
    "TxSZ/SLx, the address was within a disabled TTBx, or a valid translation table descriptor was not found"};
inline constexpr Clause kTypePermission{Strength::kMust, SMMU_REF "§7.3.16",
    "Permission fault occurred on page access."};
inline constexpr Clause kTypeAccess{Strength::kMust, SMMU_REF "§7.3.15",
    "Access flag fault due to AF == 0 in a Page or Block descriptor."};
inline constexpr Clause kTypeAddrSize{Strength::kMust, SMMU_REF "§7.3.14",
    "Address Size fault: Output address of a translation stage caused Address Size fault."};
inline constexpr Clause kTypeWalkEabt{Strength::kMust, SMMU_REF "§7.3.12",
    "An external abort occurred fetching (or updating) a translation table descriptor"};
inline constexpr Clause kTypeBadSte{Strength::kMust, SMMU_REF "§7.3.5",
    "Used STE invalid (V == 0, Reserved field, incorrect configuration)."};
inline constexpr Clause kTypeBadSubstream{Strength::kMust, SMMU_REF "§5.2 S1CDMax, §5.3 V",
    "Transactions with SSV=1 and a SubstreamID that is greater than or equal to 2^STE.S1CDMax are terminated with "
    "an abort, and a C_BAD_SUBSTREAMID event is generated. / If a CD fetch for a transaction with SubstreamID "
    "encounters an L1CD with V == 0, L2Ptr is IGNORED, the transaction is terminated with abort and a "
    "C_BAD_SUBSTREAMID event is recorded."};
inline constexpr Clause kTypeStreamDisabled{Strength::kMust, SMMU_REF "§5.2 S1DSS",
    "Terminate. An abort is reported to the device and the F_STREAM_DISABLED event is recorded."};

#undef SMMU_REF
#undef ARM_REF

}  // namespace smmuv3_tests
