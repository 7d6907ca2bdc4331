// The RISC-V IOMMU Architecture Specification clauses the riscv-iommu.* cases rest on.
//
// Text: the ratified 1.0 specification as released in version 20240901 (riscv-non-isa/riscv-iommu tag v1.0.1,
// src/*.adoc); section numbers are that document's (1 Introduction, 2 Data Structures, 3 In-memory queue
// interface, 5 Memory-mapped register interface, 6 Software guidelines). Every quote is the specification's
// own sentence, shortened only at sentence boundaries. The first-stage and G-stage walks follow the RISC-V
// Privileged Architecture ("Two-Stage Address Translation"), which §2.3 names; its sentences are quoted as
// such. A behaviour the text leaves to the device is OPEN; one with no sentence found is SHOULD at most.
// A reference never contains ']' (the console line is `# check ... [<ref>]: ...`).
#pragma once

#include "kernel/test.h"

namespace riscv_iommu_tests {

using kernel::Clause;
using kernel::Strength;

#define RV_REF "RISC-V IOMMU 1.0 "

// ---- Discovery and registers (§5, §7.1) ----
inline constexpr Clause kPciFunction{Strength::kMust, RV_REF "§7.1",
    "The IOMMU may be constructed as a PCIe device itself and be discoverable as a dedicated PCIe function with "
    "PCIe defined Base Class 08h, Sub-Class 06h, and Programming Interface 00h. Such IOMMU must map the IOMMU "
    "registers defined in this specification as PCIe BAR mapped registers."};
inline constexpr Clause kCapabilitiesRo{Strength::kMust, RV_REF "§5.3",
    "The capabilities register is a read-only register reporting features supported by the IOMMU."};
inline constexpr Clause kVersion{Strength::kMust, RV_REF "§5.3",
    "The version field holds the version of the specification implemented by the IOMMU. The low nibble is used to "
    "hold the minor version of the specification and the upper nibble is used to hold the major version of the "
    "specification."};
inline constexpr Clause kCapsConsistent{Strength::kMust, RV_REF "§5.3",
    "Sv48: When Sv48 is set, Sv39 must be set. Sv57: When Sv57 is set, Sv48 must be set."};
inline constexpr Clause kCapsIgs{Strength::kMust, RV_REF "§5.3",
    "IGS: IOMMU interrupt generation support. ... 3: Reserved for standard use"};
inline constexpr Clause kCapsHartExtensions{Strength::kShould, RV_REF "§5.3 (NOTE)",
    "The IOMMU must support all the virtual memory extensions that are supported by any of the harts in the "
    "system. (in a non-normative note)"};
// fctl.BE and fctl.WSI are WARL (§5.4 table); what is legal follows from capabilities (§5.3), as the spec's
// reference model reads it (BE writable only if END, WSI only if IGS is BOTH).
inline constexpr Clause kFctlBe{Strength::kMust, RV_REF "§5.3 END, §5.4 BE, §1.1 WARL",
    "END: When 0, IOMMU supports one endianness (either little or big). BE: When 0, IOMMU accesses to memory "
    "resident data structures ... and accesses to in-memory queues are performed as little-endian accesses and "
    "when 1 as big-endian accesses. WARL: ... allow any value to be written while guaranteeing to return a legal "
    "value whenever read."};
inline constexpr Clause kFctlWsi{Strength::kMust, RV_REF "§5.3 IGS, §5.4 WSI, §1.1 WARL",
    "IGS 0 MSI: IOMMU supports only message-signaled-interrupt generation. WSI: When 1, IOMMU interrupts are "
    "signaled as wire-signaled-interrupts else they are signaled as message-signaled-interrupts. WARL: ... allow "
    "any value to be written while guaranteeing to return a legal value whenever read."};
inline constexpr Clause kFctlGxl{Strength::kOpen, RV_REF "§5.4",
    "GXL WARL: Controls the address-translation schemes that may be used for guest physical addresses"};
inline constexpr Clause kDdtpBusy{Strength::kMust, RV_REF "§5.5",
    "If the busy bit reads 0 then the IOMMU has completed the operations associated with the previous write to "
    "ddtp.iommu_mode."};
// Legal values: 0-4 and an implemented custom mode (14-15, "Designated for custom use").
inline constexpr Clause kDdtpModeWarl{Strength::kMust, RV_REF "§5.5",
    "iommu_mode WARL ... 5-13 reserved: Reserved for standard use. 14-15 custom: Designated for custom use."};
inline constexpr Clause kDdtpPpn{Strength::kMust, RV_REF "§5.5",
    "PPN: Holds the PPN of the root page of the device-directory-table."};
inline constexpr Clause kQueueIndexWarl{Strength::kMust, RV_REF "§5.8",
    "Holds the index into the command-queue where software queues the next command for IOMMU. Only LOG2SZ-1:0 "
    "bits are writable."};
inline constexpr Clause kFqhIndexWarl{Strength::kMust, RV_REF "§5.10",
    "Holds the index into the fault-queue from which software reads the next fault record. Only LOG2SZ-1:0 bits "
    "are writable."};
// SHOULD: a software guideline; §5.28 only makes the fields WARL, and a WARL field with, say, 5 legal vectors
// may read back any legal value.
inline constexpr Clause kIcvecWarl{Strength::kShould, RV_REF "§6.2",
    "Determine the number of vectors supported by the IOMMU by writing 0xF to each field and reading back the "
    "number of writable bits."};

// ---- Off, Bare and the device directory (§2.1, §2.3, §2.3.1, §5.5) ----
inline constexpr Clause kOff{Strength::kMust, RV_REF "§2.3",
    "If ddtp.iommu_mode == Off then stop and report \"All inbound transactions disallowed\" (cause = 256)."};
inline constexpr Clause kBare{Strength::kMust, RV_REF "§5.5",
    "Bare: No translation or protection. All inbound memory accesses are passed through."};
inline constexpr Clause kDdtWalk{Strength::kMust, RV_REF "§2.3.1",
    "Let ddte be the value of the eight bytes at address a + DDI[i] x 8. ... Let DC be the value of DC_SIZE "
    "bytes at address a + DDI[0] * DC_SIZE."};
inline constexpr Clause kDdteNotValid{Strength::kMust, RV_REF "§2.3.1",
    "If ddte.V == 0, stop and report \"DDT entry not valid\" (cause = 258)."};
inline constexpr Clause kDdteMisconfigured{Strength::kMust, RV_REF "§2.3.1",
    "If any bits or encoding that are reserved for future standard use are set within ddte, stop and report "
    "\"DDT entry misconfigured\" (cause = 259)."};
inline constexpr Clause kDcLoadFault{Strength::kMust, RV_REF "§2.3.1",
    "If accessing DC violates a PMA or PMP check, then stop and report \"DDT entry load access fault\" "
    "(cause = 257)."};
inline constexpr Clause kDcNotValid{Strength::kMust, RV_REF "§2.3.1",
    "If DC.tc.V == 0, stop and report \"DDT entry not valid\" (cause = 258)."};
inline constexpr Clause kDcMisconfigured{Strength::kMust, RV_REF "§2.1.4",
    "A DC with DC.tc.V=1 is considered as misconfigured if any of the following conditions are true. If "
    "misconfigured then, stop and report \"DDT entry misconfigured\" (cause = 259)."};
inline constexpr Clause kDdtLevels{Strength::kMust, RV_REF "§5.5",
    "To change DDT levels, the IOMMU must first be transitioned to Bare or Off state."};
// A DDT level count whose mode does not read back is skipped: "An IOMMU is allowed to support a subset of
// directory-table levels and device-context widths." (§5.5)

// ---- Translation (§2.3, Privileged "Two-Stage Address Translation") ----
inline constexpr Clause kFirstStage{Strength::kMust, RV_REF "§2.3",
    "Use the process specified in Section \"Two-Stage Address Translation\" of the RISC-V Privileged "
    "specification to determine the GPA accessed by the transaction."};
inline constexpr Clause kSecondStage{Strength::kMust, RV_REF "§2.3",
    "Use the second-stage address translation process specified in Section \"Two-Stage Address Translation\" of "
    "the RISC-V Privileged specification to translate the GPA A to determine the SPA accessed by the "
    "transaction."};
inline constexpr Clause kFirstStageFault{Strength::kMust, RV_REF "§2.3",
    "If a fault is detected by the first stage address translation process then stop and report the fault."};
inline constexpr Clause kSecondStageFault{Strength::kMust, RV_REF "§2.3",
    "If a fault is detected by the address translation process then stop and report the fault."};
inline constexpr Clause kAbort{Strength::kMust, RV_REF "§2.3",
    "When the translation process reports a fault, and the request is an Untranslated request or a Translated "
    "request, the IOMMU requests the IO bridge to abort the transaction."};
inline constexpr Clause kGStageU{Strength::kMust, RV_REF "§2.3",
    "When checking the U bit in a second-stage PTE, the transaction is treated as not requesting supervisor "
    "privilege."};
inline constexpr Clause kLeafPermission{Strength::kMust, "RISC-V Privileged 1.12 §4.3.2 (via IOMMU 1.0 §2.3)",
    "A leaf PTE has been found. Determine if the requested memory access is allowed by the pte.r, pte.w, pte.x, and "
    "pte.u bits, given the current privilege mode and the value of the SUM and MXR fields of the mstatus "
    "register. If not, stop and raise a page-fault exception corresponding to the original access type."};
// A request without a process_id is a User-mode request, so a first-stage leaf with U=0 does not allow it.
inline constexpr Clause kUserRequest{Strength::kMust, RV_REF "§1.3; RISC-V Privileged 1.12 §4.3.2",
    "For requests without a process_id the privilege mode must be User. (Privileged:) Determine if the requested "
    "memory access is allowed by the pte.r, pte.w, pte.x, and pte.u bits, given the current privilege mode"};
inline constexpr Clause kPteInvalid{Strength::kMust, "RISC-V Privileged 1.12 §4.3.2 (via IOMMU 1.0 §2.3)",
    "If pte.v = 0, or if pte.r = 0 and pte.w = 1, or if any bits or encodings that are reserved for future "
    "standard use are set within pte, stop and raise a page-fault exception corresponding to the original access "
    "type."};
// The walk step above with the sentence that makes each bit or encoding reserved.
inline constexpr Clause kPteWriteOnly{Strength::kMust, "RISC-V Privileged 1.12 §4.3.2; IOMMU 1.0 §2.3",
    "If pte.v = 0, or if pte.r = 0 and pte.w = 1, ... stop and raise a page-fault exception corresponding to the "
    "original access type. (IOMMU:) The pte.xwr=010 encoding ... remains a reserved encoding for IO transactions."};
inline constexpr Clause kPteReservedBits{Strength::kMust, "RISC-V Privileged 1.12 §4.4.1 (via IOMMU 1.0 §2.3)",
    "Bits 60-54 are reserved for future standard use and, until their use is defined by some standard extension, "
    "must be zeroed by software for forward compatibility. If any of these bits are set, a page-fault exception is "
    "raised."};
inline constexpr Clause kPtePbmt{Strength::kMust, "RISC-V Privileged 1.12 §4.4.1 (via IOMMU 1.0 §2.3)",
    "If Svpbmt is not implemented, bits 62-61 remain reserved and must be zeroed by software for forward "
    "compatibility, or else a page-fault exception is raised."};
inline constexpr Clause kPteNonLeafReserved{Strength::kMust, "RISC-V Privileged 1.12 §4.3.1, §4.3.2 (via IOMMU 1.0 §2.3)",
    "For non-leaf PTEs, the D, A, and U bits are reserved for future standard use. ... if any bits or encodings "
    "that are reserved for future standard use are set within pte, stop and raise a page-fault exception"};
inline constexpr Clause kPteNapotReserved{Strength::kMust, "RISC-V Privileged 1.12 ch. 5 Svnapot (via IOMMU 1.0 §5.3)",
    "If the encoding in pte is reserved according to Table 5.1, then a page-fault exception must be raised."};
inline constexpr Clause kMisalignedSuperpage{Strength::kMust, "RISC-V Privileged 1.12 §4.3.2 (via IOMMU 1.0 §2.3)",
    "If i > 0 and pte.ppn[i-1:0] != 0, this is a misaligned superpage; stop and raise a page-fault exception "
    "corresponding to the original access type."};
inline constexpr Clause kCanonical{Strength::kMust, "RISC-V Privileged 1.12 §4.4.1 (via IOMMU 1.0 §2.3)",
    "Instruction fetch addresses and load and store effective addresses, which are 64 bits, must have bits 63-39 "
    "all equal to bit 38, or else a page-fault exception will occur."};
inline constexpr Clause kGpaWidth{Strength::kMust, "RISC-V Privileged 1.12 §8.5.1 (via IOMMU 1.0 §2.3)",
    "For Sv39x4, partitioning is identical to Sv39, except with 2 more bits at the high end in VPN[2]. Address "
    "bits 63:41 must all be zeros, or else a guest-page-fault exception occurs."};
inline constexpr Clause kNapot{Strength::kMust, RV_REF "§5.3",
    "IOMMU implementations must support the Svnapot standard extension for NAPOT Translation Contiguity."};
inline constexpr Clause kSadeZero{Strength::kMust, RV_REF "§2.1.3.1",
    "If SADE is 0, the IOMMU causes a page-fault corresponding to the original access type if the A bit is 0 or if "
    "the memory access is a store and the D bit is 0."};
inline constexpr Clause kGadeZero{Strength::kMust, RV_REF "§2.1.3.1",
    "If GADE is 0, the IOMMU causes a guest-page-fault corresponding to the original access type if the A bit is 0 "
    "or if the memory access is a store and the D bit is 0."};
inline constexpr Clause kNestedTables{Strength::kMust, RV_REF "§2.1.3.4",
    "When second-stage address translation is not Bare, the iosatp.PPN is a guest PPN. The GPA of the root page "
    "is then converted by guest physical address translation process, as controlled by the iohgatp, into a "
    "supervisor physical address."};

// ---- Process directory (§2.2, §2.3, §2.3.2) ----
inline constexpr Clause kDefaultProcess{Strength::kMust, RV_REF "§2.3",
    "If DPE is 1 and there is no process_id associated with the transaction then let process_id be the default "
    "value of 0."};
inline constexpr Clause kNoDefaultProcess{Strength::kMust, RV_REF "§2.3",
    "If DPE is 0 and there is no process_id associated with the transaction then then go to step 17 with the "
    "following page table information: Let iosatp.MODE be Bare"};
inline constexpr Clause kPcNotValid{Strength::kMust, RV_REF "§2.3.2",
    "If PC.ta.V == 0, stop and report \"PDT entry not valid\" (cause = 266)."};
// Its one use is a reserved bit in PC.ta, so the rule list's item 1 goes with it.
inline constexpr Clause kPcMisconfigured{Strength::kMust, RV_REF "§2.3.2, §2.2.4",
    "If the PC is misconfigured as determined by rules outlined in Process-context configuration checks then stop "
    "and report \"PDT entry misconfigured\" (cause = 267). (§2.2.4:) If any bits or encoding that are reserved "
    "for future standard use are set"};
inline constexpr Clause kPdtGpa{Strength::kMust, RV_REF "§2.3.2",
    "When DC.iohgatp.mode is not Bare, pdtp.PPN as well as pdte.PPN are Guest Physical Addresses (GPA) which must "
    "be translated into Supervisor Physical Addresses (SPA) using the second-stage page table pointed to by "
    "DC.iohgatp."};

// ---- MSI address translation (§2.1.3.6, §2.3.3) ----
inline constexpr Clause kMsiRecognise{Strength::kMust, RV_REF "§2.1.3.6",
    "An incoming memory access made by a device is recognized as an access to a virtual interrupt file if the "
    "destination guest physical page matches the supplied address pattern in all bit positions that are zeros in "
    "the supplied address mask."};
inline constexpr Clause kMsiFlat{Strength::kMust, RV_REF "§2.3.3",
    "If msipte.M == 3 the PTE is in basic translate mode ... Compute the translated address as msipte.PPN << 12 | "
    "A[11:0]."};
inline constexpr Clause kMsiRead{Strength::kMust, RV_REF "§2.3 step 18, §2.1.3.6, §2.3.3",
    "If MSI address translations using MSI page tables is enabled (i.e., DC.msiptp.MODE != Off) then the MSI "
    "address translation process specified in MSI address translation is invoked. ... An incoming memory access "
    "made by a device is recognized as an access to a virtual interrupt file if the destination guest physical "
    "page matches the supplied address pattern ... The access permissions associated with the translation determined through this process are equivalent to "
    "that of a regular RISC-V second-stage PTE with R=W=U=1 and X=0."};
inline constexpr Clause kMsiPteNotValid{Strength::kMust, RV_REF "§2.3.3",
    "If msipte.V == 0, then stop and report \"MSI PTE not valid\" (cause = 262)."};
inline constexpr Clause kMsiPteMode{Strength::kMust, RV_REF "§2.3.3",
    "If msipte.M == 0 or msipte.M == 2, then stop and report \"MSI PTE misconfigured\" (cause = 263)."};
inline constexpr Clause kMsiNotMatching{Strength::kMust, RV_REF "§2.3.3",
    "If the address is not determined to be that of a virtual interrupt file then stop this process and instead "
    "use the regular translation data structures to do the address translation."};

// ---- MSI translation in MRIF mode (§2.3.3; RISC-V AIA 1.0 "IOMMU Support for MSIs to Virtual Machines") ----
#define AIA_REF "RISC-V AIA 1.0 "
inline constexpr Clause kMrifStore{Strength::kMust, AIA_REF "\"MSI PTE, MRIF mode\"; \"Format of a memory-resident interrupt file\"",
    "Else, the original incoming write is recognized as an MSI and is replaced by one of the following memory "
    "accesses, setting the interrupt-pending bit that corresponds to the interrupt identity D in the destination "
    "MRIF to one ... In general, the pair of doublewords at address offsets k*16 and k*16+8 for integer k contain "
    "the interrupt-pending and interrupt-enable bits for external interrupt minor identities in the range k*64 to "
    "k*64+63."};
inline constexpr Clause kMrifAddress{Strength::kMust, RV_REF "§2.3.3",
    "The address of the destination MRIF is msipte.MRIF_Address[55:9] * 512."};
inline constexpr Clause kMrifNotice{Strength::kMust, AIA_REF "\"MSI PTE, MRIF mode\"",
    "Once the MRIF update operation is visible to all agents in the system, the 11-bit NID value is zero-extended "
    "to 32 bits, and this value is written to the address NPPN<<12 (i.e., physical page number NPPN, page offset "
    "zero) in little-endian byte order."};
// The normative text sends the notice unconditionally; a NOTE calls examining the enable bit "an open question"
// and says "Currently, an IOMMU is required always to send a notice MSI after storing an MSI to an MRIF, even when
// the corresponding enable bit for the interrupt identity is zero."
inline constexpr Clause kMrifNoticeDisabled{Strength::kMust, AIA_REF "\"MSI PTE, MRIF mode\"; \"Recording of incoming MSIs to memory-resident interrupt files\"",
    "After the interrupt-pending bit is set in the MRIF, the IOMMU sends the notice MSI that software has "
    "configured for the MRIF. ... Once the MRIF update operation is visible to all agents in the system, the "
    "11-bit NID value is zero-extended to 32 bits, and this value is written to the address NPPN<<12"};
inline constexpr Clause kMrifDiscard{Strength::kMust, AIA_REF "\"MSI PTE, MRIF mode\"",
    "If either A[11:3] or D[31:11] is not zero, or if bit 2 of A is one and big-endian MSIs are not supported, "
    "then the incoming write is accepted but discarded."};
inline constexpr Clause kMrifReserved{Strength::kMust, RV_REF "§2.3.3",
    "If any bits or encoding that are reserved for future standard use are set within msipte, stop and report "
    "\"MSI PTE misconfigured\" (cause = 263)."};
inline constexpr Clause kMsiFlatImsic{Strength::kMust, AIA_REF "\"MSI PTE, basic translate mode\"",
    "The original memory access from the device is then passed onward to the memory system with the new address. "
    "An MSI PTE in basic translate mode allows a hypervisor to route an MSI write intended for a virtual interrupt "
    "file to go instead to a guest interrupt file of a real IMSIC in the machine."};

// ---- Interrupts (§5.15, §5.16, §5.18, §5.28, §5.29, §6.5, §7.1) ----
inline constexpr Clause kMsixTable{Strength::kMust, RV_REF "§7.1",
    "When MSI-X is supported, the MSI-X capability block must point to the msi_cfg_tbl in BAR mapped registers "
    "such that system software can configure MSI address and data pairs for each message supported by the IOMMU."};
inline constexpr Clause kMsixRecommended{Strength::kShould, RV_REF "§7.1",
    "The IOMMU is recommended to support MSI-X capability."};
inline constexpr Clause kIcvecValues{Strength::kMust, RV_REF "§5.28, §6.2",
    "civ / fiv / pmiv / piv: WARL. ... If the number of writable bits is N then the number of supported vectors "
    "is 2^N. For each cause C associate a vector V with the cause. V is a number between 0 and (2^N - 1)."};
inline constexpr Clause kFipSet{Strength::kMust, RV_REF "§5.18",
    "The fault-queue-interrupt-pending bit is set to 1 if fqcsr.fie is 1 and any of the following are true: "
    "fqcsr.fqof is 1. fqcsr.fqmf is 1. A new record is produced in the FQ."};
inline constexpr Clause kCipSet{Strength::kMust, RV_REF "§5.18, §3.1",
    "The command-queue-interrupt-pending bit is set to 1 if cqcsr.cie is 1 and any of the following are true: "
    "cqcsr.fence_w_ip is 1. cqcsr.cmd_ill is 1. cqcsr.cmd_to is 1. cqcsr.cqmf is 1."};
inline constexpr Clause kIpNotWithoutEnable{Strength::kMust, RV_REF "§5.18",
    "The fault-queue-interrupt-pending bit is set to 1 if fqcsr.fie is 1 and any of the following are true"};
inline constexpr Clause kIrqMessage{Strength::kMust, RV_REF "§5.18",
    "When fctl.WSI is 0, the IOMMU signals interrupts using messages. MSI have edge semantics and an interrupt "
    "message is generated when an interrupt-pending bit transitions from 0 to 1. The address and data for the "
    "message are obtained from the msi_cfg_tbl entry selected by the icvec field corresponding to the "
    "interrupt-pending bit."};
inline constexpr Clause kIpsrRw1c{Strength::kMust, RV_REF "§5.18",
    "The interrupt-pending bit in the register once set to 1 stays 1 till software clears that interrupt-pending "
    "bit by writing 1 to clear it. ... If a bit in ipsr is 1 then a write of 1 to the bit transitions the bit from "
    "1->0."};
inline constexpr Clause kIpsrReassert{Strength::kMust, RV_REF "§5.18",
    "If the conditions to set that bit are still present (See IPSR_FIELD) or if they occur after the bit is "
    "cleared then that bit transitions again from 0->1. ... an interrupt message is generated when an "
    "interrupt-pending bit transitions from 0 to 1."};
inline constexpr Clause kMsiMask{Strength::kMust, RV_REF "§5.29",
    "When the mask bit M is 1, the corresponding interrupt vector is masked and the IOMMU is prohibited from "
    "sending the associated message. Pending messages for that vector are later generated if the corresponding "
    "mask bit is cleared to 0."};
// ---- Fault records (§3.2) ----
inline constexpr Clause kFaultReported{Strength::kMust, RV_REF "§3.2, §2.1.3.1",
    "Fault/Event queue is an in-memory queue data structure used to report events and faults raised when "
    "processing transactions. (DTF:) Setting DTF to 1 disables reporting of faults encountered in the address "
    "translation process."};
inline constexpr Clause kNoFaultOnSuccess{Strength::kMust, RV_REF "§3.2",
    "Fault/Event queue is an in-memory queue data structure used to report events and faults raised when "
    "processing transactions. (the suite's reading: a translated access raises none)"};
inline constexpr Clause kFaultCause{Strength::kMust, RV_REF "§3.2",
    "The CAUSE is a code indicating the cause of the fault/event."};
inline constexpr Clause kFaultTtyp{Strength::kMust, RV_REF "§3.2", "The TTYP field reports inbound transaction type."};
inline constexpr Clause kFaultDid{Strength::kMust, RV_REF "§3.2", "DID holds the device_id of the transaction."};
inline constexpr Clause kFaultPv{Strength::kMust, RV_REF "§3.2",
    "If PV is 0, then PID and PRIV are 0. If PV is 1, the PID holds a process_id of the transaction and if the "
    "privilege of the transaction was Supervisor then the PRIV bit is 1 else it's 0."};
// The page offsets: "the IOMMU may report the page offset in iotval as 0. Likewise, an IOMMU may report the page
// offset of a GPA in iotval2 as 0." (§3.2 NOTE): either value passes, a zero offset is noted.
// A request without a process_id translated with the default process_id 0 (DC.tc.DPE=1): the text does not
// settle whether 0 is then "a process_id of the transaction", so PV=0 and PV=1 with PID=0 are both accepted
// (the spec's reference model reported PV=1 until riscv-iommu PR #731/#734, 2026; the model reports PV=0).
inline constexpr Clause kFaultPvDefaultProcess{Strength::kOpen, RV_REF "§2.3 step 11, §3.2",
    "If DPE is 1 and there is no process_id associated with the transaction then let process_id be the default "
    "value of 0. ... If PV is 1, the PID holds a process_id of the transaction"};
inline constexpr Clause kFaultIotval{Strength::kMust, RV_REF "§3.2",
    "If the TTYP is a transaction with an IOVA, the IOVA is reported in iotval. (NOTE:) the IOMMU may report the "
    "page offset in iotval as 0."};
inline constexpr Clause kFaultIotval2{Strength::kMust, RV_REF "§3.2",
    "If the CAUSE is a guest-page fault then bits 63:2 of the zero-extended guest-physical-address are reported "
    "in iotval2[63:2]. If bit 0 of iotval2 is 1, then the guest-page-fault was caused by an implicit memory access "
    "for first-stage address translation."};
inline constexpr Clause kDtf{Strength::kMust, RV_REF "§2.1.3.1",
    "Setting DTF to 1 disables reporting of faults encountered in the address translation process. Setting DTF to "
    "1 does not disable error responses from being generated to the device in response to faulting transactions."};
inline constexpr Clause kDtfStillReported{Strength::kMust, RV_REF "§2.1.3.1",
    "Setting DTF to 1 does not disable reporting of faults from the IOMMU that are not related to the address "
    "translation process. The faults that are not reported when DTF is 1 are listed in Fault record CAUSE field "
    "encodings."};
inline constexpr Clause kIdenticalFaults{Strength::kOpen, RV_REF "§3.2",
    "The IOMMU may identify multiple requests as having detected an identical fault. In such cases the IOMMU may "
    "report each of those faults individually, or report the fault for a subset, including one, of requests."};

// ---- The fault queue (§3, §3.2, §5.16) ----
inline constexpr Clause kFqTail{Strength::kMust, RV_REF "§3.2",
    "The fqt is an index into the next fault record that IOMMU will write in the fault-queue. Subsequent to "
    "writing the record, the IOMMU advances the fqt by 1."};
inline constexpr Clause kQueueWrap{Strength::kMust, RV_REF "§3",
    "A queue is full if the tail is the head minus one. The head and tail wrap around when they reach the end of "
    "the circular buffer."};
inline constexpr Clause kFqOverflow{Strength::kMust, RV_REF "§3.2",
    "If the fault-queue full condition is detected, the IOMMU sets the fault-queue overflow (fqof) bit in fqcsr. "
    "While either error bit is set in fqcsr, the IOMMU discards the record that led to the fault and all further "
    "fault records."};
inline constexpr Clause kFqofClear{Strength::kMust, RV_REF "§5.16",
    "The fault-record is discarded and no more fault records are generated until software clears fqof by writing "
    "1 to the bit."};
inline constexpr Clause kFqen{Strength::kMust, RV_REF "§5.16",
    "Changing fqen from 0 to 1 sets the fqt register and the fqcsr bits fqof and fqmf to 0."};
inline constexpr Clause kFqOff{Strength::kMust, RV_REF "§5.16",
    "When fqon reads 0, the IOMMU guarantees that there are no in-flight implicit writes to the fault-queue in "
    "progress and that no new fault records will be written to the fault-queue."};

// ---- Commands (§3.1) ----
inline constexpr Clause kIofence{Strength::kMust, RV_REF "§3.1.2",
    "If AV=1, the IOMMU writes DATA to memory at a 4-byte aligned address ADDR[63:2] * 4 as a 4-byte store when "
    "the command completes."};
inline constexpr Clause kIofenceOrder{Strength::kMust, RV_REF "§3.1.2",
    "A IOFENCE.C command completion, as determined by cqh advancing past the index of the IOFENCE.C command in the "
    "CQ, guarantees that all previous commands fetched from the CQ have been completed and committed."};
inline constexpr Clause kIofenceMemoryFault{Strength::kMust, RV_REF "§3.1.2",
    "If the attempt to perform this write encounters a memory fault, the cmd_mf bit in cqcsr is set to signal "
    "this condition, and the cqh holds the index of the IOFENCE.C that encountered such a memory fault and did "
    "not complete. (cqcsr names the bit cqmf)"};
inline constexpr Clause kCqHead{Strength::kMust, RV_REF "§5.7",
    "This 32-bit register (RO) holds the index into the command-queue where the IOMMU will fetch the next "
    "command."};
inline constexpr Clause kCmdIll{Strength::kMust, RV_REF "§3.1",
    "A command is determined to be illegal if it uses a reserved encoding or if a reserved bit is set to 1. ... If "
    "an illegal or unsupported command is fetched and decoded by the command-queue then the command-queue sets the "
    "cqcsr.cmd_ill bit and stops processing commands from the command-queue."};
inline constexpr Clause kCmdIllHead{Strength::kMust, RV_REF "§5.15",
    "When cmd_ill or cqmf is 1 in cqcsr, the cqh references the command in the CQ that caused the error."};
// SHOULD: the sentence is a software "should"; nothing requires fetching to resume without a new cqt write (the
// §5.15 NOTE expects software to resubmit the commands submitted since the last IOFENCE.C).
inline constexpr Clause kCmdIllResume{Strength::kShould, RV_REF "§5.15",
    "If an illegal or unsupported command is fetched and decoded by the command-queue then the command-queue sets "
    "the cmd_ill bit and stops processing from the command-queue. To re-enable command processing software should "
    "clear this bit by writing 1."};
inline constexpr Clause kGvmaPscv{Strength::kMust, RV_REF "§3.1.1",
    "Setting PSCV to 1 with IOTINVAL.GVMA is illegal."};
inline constexpr Clause kInvalPdtDv{Strength::kMust, RV_REF "§3.1.3",
    "The DV operand must be 1 for IODIR.INVAL_PDT else the command is illegal."};
inline constexpr Clause kInvalDdtPid{Strength::kMust, RV_REF "§3.1.3, §3.1",
    "The PID operand is reserved for the IODIR.INVAL_DDT command. ... A command is determined to be illegal if "
    "... a reserved bit is set to 1."};
inline constexpr Clause kFenceWsi{Strength::kMust, RV_REF "§3.1.2, §3.1",
    "This bit is reserved if the IOMMU does not support wired-interrupts or wired-interrupts have not been "
    "enabled (i.e., fctl.WSI == 0). ... A command is determined to be illegal if ... a reserved bit is set to 1."};
inline constexpr Clause kCqen{Strength::kMust, RV_REF "§5.15",
    "Changing cqen from 0 to 1 sets the cqh register and the cqcsr bits cmd_ill,cmd_to, cqmf, fence_w_ip to 0."};

// ---- Caches and their invalidation (§2.8, §3.1.1, §3.1.3, §6.3) ----
inline constexpr Clause kIotinvalVma{Strength::kMust, RV_REF "§3.1.1",
    "IOTINVAL.VMA ensures that previous stores made to the first-stage page tables by the harts are observed by "
    "the IOMMU before all subsequent implicit reads from IOMMU to the corresponding first-stage page tables."};
inline constexpr Clause kIotinvalGvma{Strength::kMust, RV_REF "§3.1.1",
    "IOTINVAL.GVMA ensures that previous stores made to the second-stage page tables are observed before all "
    "subsequent implicit reads from IOMMU to the corresponding second-stage page tables."};
inline constexpr Clause kIotinvalGvmaAddr{Strength::kMust, RV_REF "§3.1.1 (IOTINVAL.GVMA table and NOTE)",
    "GV=1 AV=1: Invalidates information cached from leaf second-stage page table entries corresponding to the "
    "guest-physical-address in ADDR operand, but only for VM address spaces identified by the GSCID operand. "
    "(NOTE:) any entry whose guest virtual address maps to a guest physical address that matches the "
    "IOTINVAL.GVMA address and GSCID arguments must be invalidated"};
inline constexpr Clause kIodirDdt{Strength::kMust, RV_REF "§3.1.3",
    "IODIR.INVAL_DDT guarantees that any previous stores made by a RISC-V hart to the DDT are observed before all "
    "subsequent implicit reads from IOMMU to DDT."};
inline constexpr Clause kIodirPdt{Strength::kMust, RV_REF "§3.1.3",
    "IODIR.INVAL_PDT guarantees that any previous stores made by a RISC-V hart to the PDT are observed before all "
    "subsequent implicit reads from IOMMU to PDT."};
inline constexpr Clause kNoInvalidCaching{Strength::kMust, RV_REF "§2.8",
    "This specification does not allow the caching of first/second-stage PTEs whose V (valid) bit is clear, "
    "non-leaf DDT entries whose V (valid) bit is clear, Device-context whose V (valid) bit is clear"};
inline constexpr Clause kDcChangeBetween{Strength::kOpen, RV_REF "§6.3.1",
    "Between a change to the DDT entry and when an invalidation command to invalidate the cached entry is "
    "processed by the IOMMU, the IOMMU may use the old value or the new value of the entry."};
inline constexpr Clause kPteChangeBetween{Strength::kOpen, RV_REF "§6.3.5",
    "Between a change to the first-stage PTE and when an invalidation command to invalidate the cached PTE is "
    "processed by the IOMMU, the IOMMU may use the old PTE value or the new PTE value."};
inline constexpr Clause kDcChange{Strength::kMust, RV_REF "§6.3.1, §3.1.3",
    "If software changes a leaf-level DDT entry ... IODIR.INVAL_DDT with DV=1 and DID=D ... IODIR.INVAL_DDT "
    "guarantees that any previous stores made by a RISC-V hart to the DDT are observed before all subsequent "
    "implicit reads from IOMMU to DDT."};
// Isolation: each device's transactions go through its own device context (§2.3: "Use device_id to then locate
// the device-context (DC)").
inline constexpr Clause kDeviceContext{Strength::kMust, RV_REF "§2.3",
    "Use device_id to then locate the device-context (DC) as specified in Process to locate the Device-context."};

// The endpoint DMA goes through the IOMMU at all (the harness's one diagnosis for untranslated DMA).
inline constexpr Clause kDmaTranslated{Strength::kMust, RV_REF "§2.3",
    "The Device-context and Process-context provide the root PPN of the page tables, PSCID, GSCID, and other "
    "control parameters that affect the address translation and protection process."};

#undef RV_REF

}  // namespace riscv_iommu_tests
