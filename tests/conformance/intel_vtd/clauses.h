// The Intel Virtualization Technology for Directed I/O Architecture Specification clauses the intel-vtd.* cases
// rest on.
//
// Where the text comes from. The specification PDF is not stored where the suite's authors could read it. The
// ACPI chapter's sentences (chapter 8, "BIOS Considerations") are reproduced in the comments of EDK2's
// MdePkg/Include/IndustryStandard/DmaRemappingReportingTable.h (Intel, from spec revision 2.4, June 2016): a
// quote marked "verbatim via EDK2" is the spec's sentence as reproduced there. The register chapter's field
// descriptions are reproduced in Intel chipset datasheets (the Intel 4 Series Chipset Family datasheet §12.2.1
// VER_REG, as transcribed on datasheetandpdf.com): "verbatim via the 4 Series datasheet". A behaviour with no
// such sentence is at most SHOULD (the suite's reading, reported as a warning).
// A reference never contains ']' (the console line is `# check ... [<ref>]: ...`).
#pragma once

#include "kernel/test.h"

namespace intel_vtd_tests {

using kernel::Clause;
using kernel::Strength;

// ---- ACPI DMAR (chapter 8) ----
inline constexpr Clause kDmarOrder{Strength::kMust, "VT-d §8.1",
                                   "verbatim via EDK2: These structure types must by reported in numerical order. i.e., "
                                   "All remapping structures of type 0 (DRHD) enumerated before remapping structures "
                                   "of type 1 (RMRR), and so forth."};
inline constexpr Clause kDrhdPerSegment{Strength::kMust, "VT-d §8.3",
                                        "verbatim via EDK2: There must be at least one instance of this structure for "
                                        "each PCI segment in the platform."};
inline constexpr Clause kDrhdScope{Strength::kMust, "VT-d §8.3 (Flags, INCLUDE_PCI_ALL)",
                                   "verbatim via EDK2: If Clear, this remapping hardware unit has under its scope only "
                                   "devices in the specified Segment that are explicitly identified through the "
                                   "DeviceScope field."};
inline constexpr Clause kDrhdBase{Strength::kMust, "VT-d §8.3 (Register Base Address)",
                                  "verbatim via EDK2: Base address of remapping hardware register-set for this unit."};
inline constexpr Clause kRmrrRange{Strength::kMust, "VT-d §8.4",
                                   "verbatim via EDK2: Base address of 4KB-aligned reserved memory region ... Value in "
                                   "this field must be greater than the value in Reserved Memory Region Base Address "
                                   "field. The reserved memory region size (Limit - Base + 1) must be an integer "
                                   "multiple of 4KB."};
inline constexpr Clause kStructureLength{Strength::kShould, "VT-d §8.2, §8.3.1 (suite's reading)",
                                         "no sentence found: each remapping structure's Length covers its fields and "
                                         "scopes and ends inside the table; a device scope is 6 bytes plus 2 per "
                                         "path entry"};
inline constexpr Clause kRegisterPage{Strength::kShould, "VT-d §8.3 (suite's reading)",
                                      "no sentence found: the register set occupies whole 4 KiB pages (DRHD Size: "
                                      "2^N 4 KiB pages), so its base is 4 KiB aligned"};

// ---- Registers (chapter 10) ----
inline constexpr Clause kVersion{Strength::kMust, "VT-d §10.4.1 VER_REG (section unverified)",
                                 "verbatim via the 4 Series datasheet: Major Version number (MAX): This field indicates "
                                 "supported architecture version."};
inline constexpr Clause kVersionReserved{Strength::kShould, "VT-d §10.4.1 VER_REG (section unverified; suite's reading)",
                                         "no sentence found: bits 31:8 are Reserved (the datasheet gives their default "
                                         "as 0)"};

// ---- Translation, fault recording, invalidation (helper vtd-guest). Register text via Intel datasheets that
// reproduce the VT-d register chapter: "via the B940 datasheet" = Celeron B940 datasheet vol. 2 (p. 227
// GCMD_REG, p. 251 FRCD_REG); "via the 2nd-gen Core datasheet" = 2nd Generation Core desktop datasheet vol. 2
// (p. 247/248 FRCDL/FRCDH_REG, p. 266 GCMD_REG); "via the 4 Series datasheet" as above (p. 458 CAP_REG). The
// chapter 3 (translation), chapter 9 (entry formats) and the fault-reason appendix were not found: what rests on
// them alone is SHOULD. ----
inline constexpr Clause kTranslate{Strength::kMust, "VT-d §11.4.4 GCMD_REG.TE",
                                   "verbatim via the B940 datasheet: Translation Enable (TE): Software writes to this "
                                   "field to request hardware to enable/disable DMA-remapping hardware. 0 = Disable "
                                   "DMA-remapping 1 = Enable DMA-remapping"};
inline constexpr Clause kTranslationStatus{Strength::kMust, "VT-d §11.4.4 GCMD_REG.TE",
                                           "verbatim via the B940 datasheet: Hardware reports the status of the "
                                           "translation enable operation through the TES field in the Global Status "
                                           "register."};
inline constexpr Clause kRootTablePointer{Strength::kMust, "VT-d §11.4.4 GCMD_REG.SRTP",
                                          "verbatim via the B940 datasheet: Hardware reports the status of the root "
                                          "table pointer set operation through the RTPS field in the Global Status "
                                          "register."};
inline constexpr Clause kSecondStageWalk{Strength::kShould, "VT-d §3.7, §9.8 (suite's reading)",
                                         "no sentence found: a request is translated through the second-stage table "
                                         "of the device's context entry, a leaf at level 1 mapping 4 KiB, with PS=1 "
                                         "at level 2 or 3 (where CAP.SLLPS reports it) 2 MiB or 1 GiB"};
inline constexpr Clause kPermission{Strength::kShould, "VT-d §3.7, §9.8 R/W (suite's reading)",
                                    "no sentence found: a write through a second-stage leaf with W=0, or a read with "
                                    "R=0, is blocked and reported as a non-recoverable fault"};
inline constexpr Clause kNotPresent{Strength::kShould, "VT-d §9.1, §9.3 P (suite's reading)",
                                    "no sentence found: a request whose root or context entry has P=0 is blocked and "
                                    "reported as a non-recoverable fault"};
inline constexpr Clause kReservedField{Strength::kShould, "VT-d §9.3, §9.8 (suite's reading)",
                                       "no sentence found: a present context or paging entry with a reserved field set "
                                       "blocks the request with a fault"};
inline constexpr Clause kPassThrough{Strength::kShould, "VT-d §9.3 TT=10b (suite's reading)",
                                     "no sentence found: with ECAP.PT=1 a context entry with TT=10b passes untranslated "
                                     "requests through unchanged"};
inline constexpr Clause kMgaw{Strength::kMust, "VT-d §11.4.2 CAP_REG.MGAW",
                              "verbatim via the 4 Series datasheet: Guest addressability for a given DMA request is "
                              "limited to the minimum of the value reported through this field and the adjusted guest "
                              "address width of the corresponding page-table structure."};
inline constexpr Clause kIsolation{Strength::kShould, "VT-d §3.7, §9.3 DID (suite's reading)",
                                   "no sentence found: a device translates through its own context entry's tables "
                                   "only, never through another domain's"};
inline constexpr Clause kInvalidation{Strength::kShould, "VT-d §6.5.1, §11.4.8 (suite's reading)",
                                      "no sentence found: after a completed IOTLB invalidation covering an address, "
                                      "requests to it use the page tables as they are now"};
inline constexpr Clause kIotlbComplete{Strength::kMust, "VT-d §11.4.8.1 IOTLB_REG.IVT",
                                       "verbatim via the Xeon E7 v2 datasheet: Hardware clears the IVT field to "
                                       "indicate the invalidation request is complete."};
inline constexpr Clause kQueueComplete{Strength::kShould, "VT-d §6.5.2.8 (suite's reading)",
                                       "no sentence found: an invalidation wait descriptor with SW=1 writes its Status "
                                       "Data to its Status Address once the descriptors before it are complete"};
inline constexpr Clause kStaleAllowed{Strength::kOpen, "VT-d §6.1 (suite's reading)",
                                      "no sentence found: before the invalidation the hardware may use a cached "
                                      "translation or walk the tables again; either outcome is permitted"};
// Fault recording register fields (FRCD, §11.4.9.6).
inline constexpr Clause kFaultF{Strength::kMust, "VT-d §11.4.9.6 FRCD.F",
                                "verbatim via the 2nd-gen Core datasheet: Hardware sets this bit to indicate a fault "
                                "is logged in this Fault Recording register. The F field is set by hardware after the "
                                "details of the fault is recorded in other fields."};
inline constexpr Clause kFaultType{Strength::kMust, "VT-d §11.4.9.6 FRCD.T",
                                   "verbatim via the 2nd-gen Core datasheet: Type of the faulted request: 0 = Write "
                                   "request 1 = Read request or AtomicOp request"};
inline constexpr Clause kFaultSid{Strength::kMust, "VT-d §11.4.9.6 FRCD.SID",
                                  "verbatim via the 2nd-gen Core datasheet: Source Identifier (SID) Requester-id "
                                  "associated with the fault condition."};
inline constexpr Clause kFaultInfo{Strength::kMust, "VT-d §11.4.9.6 FRCD.FI",
                                   "verbatim via the 2nd-gen Core datasheet: When the Fault Reason (FR) field indicates "
                                   "one of the DMA-remapping fault conditions, bits 63:12 of this field contain the "
                                   "page address in the faulted DMA request."};
inline constexpr Clause kFaultAt{Strength::kMust, "VT-d §11.4.9.6 FRCD.AT",
                                 "verbatim via the 2nd-gen Core datasheet: This field captures the AT field from the "
                                 "faulted DMA request."};
inline constexpr Clause kFaultReason{Strength::kShould, "VT-d §11.4.9.6 FRCD.FR, Appendix (fault reasons; suite's "
                                     "reading)",
                                     "via the B940 datasheet: Reason for the fault. VTd specification 1.2 Appendix "
                                     "enumerates the various translation fault reason encodings. (the appendix text was "
                                     "not found: codes as QEMU and Linux read them)"};
inline constexpr Clause kFaultPasid{Strength::kShould, "VT-d §11.4.9.6 FRCD.PP/PV/EXE/PRIV/T2 (suite's reading)",
                                    "no sentence found: a request without PASID leaves PP, PV, EXE, PRIV clear; T2 "
                                    "(rev 4.x) is 0 for a read or write"};
inline constexpr Clause kFaultPpRidPasid{
    Strength::kOpen, "VT-d §11.4.9.6 FRCD.PP, §9.4 RID_PASID (suite's reading)",
    "PP: When set, indicates the faulted request has a PASID tag. (A request without PASID is processed with the "
    "RID_PASID of its scalable-mode context entry; no sentence says whether its record reports that PASID.)"};
inline constexpr Clause kFaultRecorded{Strength::kShould, "VT-d §7.2 (suite's reading)",
                                       "no sentence found for the recording itself (chapter 7 not found): a blocked "
                                       "request whose context entry has FPD=0 is recorded in a fault recording "
                                       "register and FSTS.PPF set"};
inline constexpr Clause kFaultPpf{Strength::kMust, "VT-d §11.4.9.1 FSTS.PPF",
                                  "verbatim via the 2760QM datasheet: Hardware computes this field as the logical OR of "
                                  "Fault (F) fields across all the fault recording registers of this DMA-remap "
                                  "hardware unit."};
inline constexpr Clause kFaultInfoReserved{Strength::kMust, "VT-d §11.4.9.6 FRCD.FI",
                                           "verbatim via the 2nd-gen Core datasheet: Hardware treats bits 63:N as "
                                           "reserved (0), where N is the maximum guest address width (MGAW) supported."};
inline constexpr Clause kFpd{Strength::kShould, "VT-d §9.3 FPD (suite's reading)",
                             "no sentence found: FPD=1 in the context entry suppresses the recording of the faults "
                             "its requests cause; the requests are still blocked"};
inline constexpr Clause kNonLeafPermission{Strength::kShould, "VT-d §3.7, §9.8 (suite's reading)",
                                           "no sentence found: the access rights of a second-stage translation are "
                                           "those every entry of the walk grants (R and W of non-leaf entries too)"};

// ---- Registers, queued invalidation, fault recording, caching mode (helper vtd-cases) ----
// Register descriptions as Intel processor datasheets reproduce the register chapter (§10.4 in rev 2/3, §11.4 in
// rev 4; the section given is the rev 4 one): "2nd-gen Core" = 2nd Generation Intel Core Processor Family Desktop
// Datasheet vol. 2 (manualshive.com), "B940" = Celeron B940 datasheet vol. 2, "7700K" = Core i7-7700K datasheet
// vol. 2, "2760QM" = Core i7-2760QM datasheet vol. 2 (38.142.81.21 mirror), "4 Series" = Intel 4 Series Chipset
// datasheet (datasheetandpdf.com), "12th-gen EDC" / "14th-gen EDC" = edc.intel.com register pages. Chapter 6 text
// (§6.1 Caching Mode) is the rev 4.x sentence as transcribed in cai-fuqiang.github.io _posts/spec/vt-d.
// Where these were found and what is still missing: /work/vtd-spec-notes.md. The TE status, IVT completion, the
// wait's status write, PPF, FPD and the fault record's fields are judged under vtd-guest's clauses above
// (kTranslationStatus, kIotlbComplete, kQueueComplete, kFaultPpf, kFpd, kFault*).

// Global command and status (§11.4.4, §11.4.5).
inline constexpr Clause kGcmdOneAtATime{Strength::kMust, "VT-d §11.4.4 GCMD_REG (via 2nd-gen Core §2.21.4, 12th-gen EDC)",
                                        "If multiple control fields in this register need to be modified, software "
                                        "must serialize the modifications through multiple writes to this register. "
                                        "... 5. Wait until GSTS_REG[X] indicates command is serviced."};
inline constexpr Clause kRtpsStatus{Strength::kMust, "VT-d §11.4.5 GSTS_REG.RTPS (via 7700K §10.5)",
                                    "This field is cleared by hardware when software sets the SRTP field in the Global "
                                    "Command register. This field is set by hardware when hardware completes the 'Set "
                                    "Root Table Pointer' operation using the value provided in the Root-Entry Table "
                                    "Address register."};
inline constexpr Clause kSrtpClearNoEffect{Strength::kMust, "VT-d §11.4.4 GCMD_REG.SRTP (via B940 §2.18.4)",
                                           "Clearing this bit has no effect."};
inline constexpr Clause kRtaddrReadback{Strength::kMust, "VT-d §11.4.6 RTADDR_REG.RTA (via B940 §2.16.6)",
                                        "Software specifies the base address of the root-entry table through this "
                                        "register, and programs it in hardware through the SRTP field in the Global "
                                        "Command register. Reads of this register returns value that was last "
                                        "programmed to it."};
inline constexpr Clause kQiesStatus{Strength::kMust, "VT-d §11.4.5 GSTS_REG.QIES (via 7700K §10.5)",
                                    "QIES: This field indicates queued invalidation enable status. 0: queued "
                                    "invalidation is not enabled 1: queued invalidation is enabled"};
inline constexpr Clause kWbfsStatus{Strength::kMust, "VT-d §11.4.5 GSTS_REG.WBFS (via 7700K §10.5)",
                                    "This field is valid only for implementations requiring write buffer flushing. ... "
                                    "Set by hardware when software sets the WBF field in the Global Command register. "
                                    "Cleared by hardware when hardware completes the write buffer flushing operation."};
inline constexpr Clause kGstsReset{Strength::kShould, "VT-d §11.4.5 GSTS_REG (suite's reading)",
                                   "no sentence found: the datasheets give GSTS a default of 0h (nothing enabled, no "
                                   "root table pointer set) after reset"};
inline constexpr Clause kReadOnlyRegs{Strength::kShould, "VT-d §11.4.1-11.4.3, §11.4.5 (suite's reading)",
                                      "no sentence found: VER, CAP, ECAP and GSTS are read-only (access RO in every "
                                      "datasheet): a write leaves them as they were"};

// Capability consistency (§11.4.2, §11.4.3).
// Quoted by a source comment (Barrelfish), not yet from an Intel copy: SHOULD until one is found.
inline constexpr Clause kEcapIrNeedsQi{Strength::kShould, "VT-d §11.4.3 ECAP_REG.IR (quoted in Barrelfish intel_vtd.c)",
                                       "IR: Interrupt Remapping support. Implementations reporting this field as Set "
                                       "must also support Queued Invalidation (QI)"};
inline constexpr Clause kEcapDtNeedsQi{Strength::kMust, "VT-d §11.4.3 ECAP_REG.DT (via B940 §2.15.3)",
                                       "1 = Hardware supports Device-IOTLBs. Implementations reporting this field as "
                                       "Set must also support Queued Invalidation (QI = 1b)."};
inline constexpr Clause kCapSagaw{Strength::kShould, "VT-d §11.4.2 CAP_REG.SAGAW (via 4 Series §12.2.2; suite's reading)",
                                  "1 = 39-bit AGAW (3-level page table) 2 = 48-bit AGAW (4-level page table) ... "
                                  "Software must ensure that the adjusted guest address width used to setup the page "
                                  "tables is one of the supported guest address widths reported in this field. "
                                  "(reading: at least one width is reported, and only defined ones)"};
inline constexpr Clause kCapMgaw{Strength::kShould, "VT-d §11.4.2 CAP_REG.MGAW (via 4 Series §12.2.2; suite's reading)",
                                 "Guest addressability for a given DMA request is limited to the minimum of the value "
                                 "reported through this field and the adjusted guest address width of the "
                                 "corresponding page-table structure. (reading: MGAW lies between the narrowest and "
                                 "the widest reported AGAW)"};
inline constexpr Clause kCapNd{Strength::kShould, "VT-d §11.4.2 CAP_REG.ND (via 7700K §10.2; suite's reading)",
                               "000b: Hardware supports 4-bit domain-ids with support for up to 16 domains ... 111b: "
                               "Reserved. (reading: a unit does not report the reserved encoding)"};
inline constexpr Clause kRegisterOffsets{Strength::kShould, "VT-d §11.4.2 CAP_REG.FRO, §11.4.3 ECAP_REG.IRO (suite's reading)",
                                         "If the register base address is X, and the value reported in this field is "
                                         "Y, the address for the first fault recording register is calculated as "
                                         "X+(16*Y). (reading: the fault recording and IOTLB registers lie inside the "
                                         "register set the DRHD reports, 2^Size 4 KiB pages)"};

// Event control (§11.4.9.2, §11.4.11.5).
inline constexpr Clause kFectlImReset{Strength::kMust, "VT-d §11.4.9.2 FECTL_REG.IM (via 2nd-gen Core §2.21.9)",
                                      "1 = This is the value on reset. Software may mask interrupt message generation by "
                                      "setting this field. Hardware is prohibited from sending the interrupt message "
                                      "when this field is set."};
inline constexpr Clause kIectlImReset{Strength::kMust, "VT-d §11.4.11.5 IECTL_REG.IM (via 2760QM §3.3.8.21)",
                                      "1 = This is the value on reset. Software may mask interrupt message generation by "
                                      "setting this field. Hardware is prohibited from sending the interrupt message "
                                      "when this field is set."};
inline constexpr Clause kEventRegsRw{Strength::kShould, "VT-d §11.4.9.2-11.4.9.5 (suite's reading)",
                                     "no sentence found: FECTL.IM, FEDATA, FEADDR (and the IE* copies) are RW in every "
                                     "datasheet: software reads back what it wrote; IP is RO"};

// Register-based invalidation (§6.5.1, §11.4.7, §11.4.8). ICC completion is also what the translation cases' context
// moves rely on.
inline constexpr Clause kCcmdComplete{Strength::kMust, "VT-d §11.4.7 CCMD_REG.ICC (via 2nd-gen Core §2.21.7)",
                                      "Hardware clears the ICC field to indicate the invalidation request is complete. "
                                      "Hardware also indicates the granularity at which the invalidation operation was "
                                      "performed through the CAIG field."};
inline constexpr Clause kCaig{Strength::kOpen, "VT-d §11.4.7 CCMD_REG.CIRG, CAIG (via 4 Series §12.2.7)",
                              "Hardware implementations may process an invalidation request by performing invalidation "
                              "at a coarser granularity than requested. ... 01 = Global Invalidation performed. This "
                              "could be in response to a global, domain-selective or device-selective invalidation "
                              "request. 10 = Domain-selective ... 11 = Device-selective ... This can only be in "
                              "response to a device-selective invalidation request."};
inline constexpr Clause kIaig{Strength::kOpen, "VT-d §11.4.8.1 IOTLB_REG.IAIG (via B940 §2.16.x)",
                              "001 = Global Invalidation performed. This could be in response to a global, domain-"
                              "selective, or page-selective invalidation request. 010 = Domain-selective ... in "
                              "response to a domain-selective or page-selective invalidation request. 011 = Domain-"
                              "page-selective ... in response to a domain-page-selective invalidation request."};
inline constexpr Clause kIaigIncorrect{Strength::kOpen, "VT-d §11.4.8.1 IOTLB_REG.IAIG (via B940 §2.16.x)",
                                       "000 = Reserved. This indicates hardware detected an incorrect invalidation "
                                       "request and ignored the request. Examples of incorrect invalidation requests "
                                       "include detecting an unsupported address mask value in Invalidate Address "
                                       "register for page-selective invalidation requests."};
inline constexpr Clause kIirgReserved{Strength::kMust, "VT-d §11.4.8.1 IOTLB_REG.IIRG (via 4 Series p. 519)",
                                      "000 = Reserved. Hardware ignores the invalidation request and reports "
                                      "invalidation complete by clearing the IVT field and reporting 000 in the IAIG "
                                      "field."};

// Queued invalidation (§6.5.2, §11.4.11).
// Only the Celeron B940 datasheet has this sentence; the 12th-gen EDC, 7700K and other copies of IQA_REG leave it out
// (dropped from later revisions, it seems): SHOULD.
inline constexpr Clause kIqaResetsPointers{Strength::kShould, "VT-d §11.4.11.3 IQA_REG (via B940 §2.16.21 only)",
                                           "When supported, writing to this register causes the Invalidation Queue Head "
                                           "and Invalidation Queue Tail registers to be reset to 0h."};
inline constexpr Clause kIqaReadback{Strength::kMust, "VT-d §11.4.11.3 IQA_REG.IQA (via 12th-gen EDC)",
                                     "This field points to the base of 4KB aligned invalidation request queue. ... Reads "
                                     "of this field return the value that was last programmed to it."};
inline constexpr Clause kIqhAdvances{Strength::kMust, "VT-d §11.4.11.1 IQH_REG (via 2760QM p. 272)",
                                     "This field specifies the offset (128-bit aligned) to the invalidation queue for "
                                     "the command that will be fetched next by hardware. This field is incremented after "
                                     "the command has been fetched successfully and has been verified to be a "
                                     "valid/supported command."};
inline constexpr Clause kIqhResetOnDisable{Strength::kMust, "VT-d §11.4.11.1 IQH_REG (via B940 §2.16.19)",
                                           "Hardware resets this field to 0 whenever the queued invalidation is "
                                           "disabled (QIES field Clear in the Global Status register)."};
inline constexpr Clause kIqe{Strength::kMust, "VT-d §11.4.9.1 FSTS_REG.IQE (via B940 §2.15.8)",
                             "Hardware detected an error associated with the invalidation queue. This could be due to "
                             "either a hardware error while fetching a descriptor from the invalidation queue, or "
                             "hardware detecting an erroneous or invalid descriptor in the invalidation queue."};
inline constexpr Clause kIqei{Strength::kOpen, "VT-d §11.4.11.9 IQERCD_REG.IQEI (via 14th-gen EDC)",
                              "This field is valid only when the IQE field is set. ... 0: info not available. (This is "
                              "an older version of DMA Remapping hardware which does not provide additional details "
                              "about IQ errors.) 1: hardware detected an invalid Tail Pointer. ... 3: hardware "
                              "detected an invalid descriptor type."};
// No sentence makes a unit check a descriptor's reserved fields (IQEI 0, "info not available", is allowed too).
inline constexpr Clause kIqeReservedField{Strength::kShould, "VT-d §11.4.9.1 FSTS_REG.IQE, §6.5.2 (suite's reading)",
                                          "no sentence found that reserved fields of a descriptor must be checked; "
                                          "IQE reports \"hardware detecting an erroneous or invalid descriptor\""};
inline constexpr Clause kIqeTailBeyondQueue{Strength::kShould, "VT-d §11.4.11.2 IQT_REG, §11.4.11.9 (suite's reading)",
                                            "no sentence found that a tail beyond the queue must raise IQE; IQEI 1 "
                                            "names the code for \"an invalid Tail Pointer\" when it is detected"};
inline constexpr Clause kIqeiReserved{Strength::kOpen, "VT-d §11.4.11.9 IQERCD_REG.IQEI (via 14th-gen EDC)",
                                      "0: info not available. ... 4: hardware detected a reserved field violation for "
                                      "a valid descriptor type."};
inline constexpr Clause kDescAmBeyondMamv{Strength::kOpen, "VT-d §6.5.2.3, §11.4.2 CAP_REG.MAMV (via 4 Series p. 456; suite's reading)",
                                          "The value in this field indicates the maximum supported value for the "
                                          "Address Mask (AM) field ... (no sentence found for a descriptor whose AM "
                                          "exceeds it: the unit may reject it with IQE or perform a coarser "
                                          "invalidation)"};
inline constexpr Clause kIqeRw1c{Strength::kShould, "VT-d §11.4.9.1 FSTS_REG.IQE (via B940 §2.15.8; suite's reading)",
                                 "4 RW1C-S 0b Invalidation Queue Error (IQE) (reading of the access type: writing 1 "
                                 "clears the bit, writing 0 leaves it)"};
inline constexpr Clause kIqeStopsFetching{Strength::kShould, "VT-d §6.5.2 (Linux dmar.c qi_check_fault comment; suite's reading)",
                                          "no spec sentence found; Linux: If IQE happens, the head points to the "
                                          "descriptor associated with the error. No new descriptors are fetched until "
                                          "the IQE is cleared."};
inline constexpr Clause kIqeResumes{Strength::kShould, "VT-d §6.5.2 (suite's reading, as Linux relies on it)",
                                    "no sentence found: once software has replaced the erroneous descriptor and cleared "
                                    "FSTS.IQE, hardware fetches again from the head (Linux's qi_check_fault waits for "
                                    "that without writing IQT again)"};
inline constexpr Clause kWaitIwc{Strength::kMust, "VT-d §11.4.11.4 ICS_REG.IWC (via 7700K §8.22, 2760QM §3.3.8.20)",
                                 "IWC: Indicates completion of Invalidation Wait Descriptor with Interrupt Flag (IF) "
                                 "field Set. ... Hardware clears this field when it is executing a wait descriptor "
                                 "with IF field set and sets this bit when the descriptor is complete."};
inline constexpr Clause kIwcRw1c{Strength::kShould, "VT-d §11.4.11.4 ICS_REG.IWC (via 7700K §8.22; suite's reading)",
                                 "0 0h RW1CS IWC (reading of the access type: writing 1 clears the bit, writing 0 "
                                 "leaves it)"};
inline constexpr Clause kIectlIp{Strength::kMust, "VT-d §11.4.11.5 IECTL_REG.IP (via 2760QM §3.3.8.21)",
                                 "Hardware sets the IP field when it detects an interrupt condition. Interrupt "
                                 "condition is defined as: An Invalidation Wait Descriptor with Interrupt Flag (IF) "
                                 "field set completed, setting the IWC field ... If the IWC field in the Invalidation "
                                 "Event Status register was already set at the time of setting this field, it is not "
                                 "treated as a new interrupt condition. The IP field is kept set by hardware while the "
                                 "interrupt message is held pending. The interrupt message could be held pending due "
                                 "to interrupt mask (IM field) being set"};
inline constexpr Clause kIectlMsi{Strength::kMust, "VT-d §11.4.11.5 IECTL_REG.IM (via 2760QM §3.3.8.21)",
                                  "0 = No masking of interrupt. When a invalidation event condition is detected, "
                                  "hardware issues an interrupt message (using the Invalidation Event Data & "
                                  "Invalidation Event Address register values)."};
inline constexpr Clause kIectlIpClear{Strength::kMust, "VT-d §11.4.11.5 IECTL_REG.IP (via Xeon 5500 IIO datasheet §3.5.2.22)",
                                      "The IP field is cleared by hardware as soon as the interrupt message pending "
                                      "condition is serviced. This could be due to either: 1. Hardware issuing the "
                                      "interrupt message due to either change in the transient hardware condition that "
                                      "caused interrupt message to be held pending or due to software clearing the IM "
                                      "field. 2. Software servicing the IWC field in the Fault Status register."};
inline constexpr Clause kWaitFlagsIndependent{Strength::kShould, "VT-d §6.5.2.9 Invalidation Wait Descriptor (suite's reading)",
                                              "no sentence found: IF, SW and FN are independent flags of one "
                                              "descriptor (both SW and IF: the status is written and the completion "
                                              "event raised; neither: a wait that only orders, with FN a fence)"};
inline constexpr Clause kRegisterInvalidationWhileQi{Strength::kOpen, "VT-d §6.5.2 (suite's reading)",
                                                     "no sentence found on register-based invalidation while queued "
                                                     "invalidation is enabled: the unit may perform or ignore it"};
inline constexpr Clause kQueueUnaffectedByRegisterInvalidation{
    Strength::kShould, "VT-d §6.5.2 (suite's reading)",
    "no sentence found: a register-based invalidation request while queued invalidation is enabled does not stop the "
    "queue or raise IQE"};

// Fault recording (§7.2, §11.4.9); the record's fields are judged under vtd-guest's kFault* clauses.
inline constexpr Clause kFri{Strength::kMust, "VT-d §11.4.9.1 FSTS_REG.FRI (via B940 §2.15.8)",
                             "The FRI field indicates the index (from base) of the fault recording register to which "
                             "the first pending fault was recorded when the PPF field was set by hardware. Valid values "
                             "for this field are from 0 to N, where N is the value reported through NFR field in the "
                             "Capability register."};
inline constexpr Clause kPfo{Strength::kMust, "VT-d §11.4.9.1 FSTS_REG.PFO (via 7700K §8.8)",
                             "PFO: Hardware sets this field to indicate overflow of fault recording registers. Software "
                             "writing 1 clears this field. When this field is Set, hardware does not record any new "
                             "faults until software clears this field."};
inline constexpr Clause kFaultCollapse{Strength::kOpen, "VT-d §11.4.9.6 FRCD_REG.F (via 2nd-gen Core §2.18.30)",
                                       "When this field is Set, hardware may collapse additional faults from the same "
                                       "source-id (SID)."};
inline constexpr Clause kFaultEvent{Strength::kMust, "VT-d §11.4.9.2 FECTL_REG.IP (via 2nd-gen Core §2.21.9)",
                                    "When primary fault logging is active, an interrupt condition occurs when hardware "
                                    "records a fault through one of the Fault Recording registers and sets the PPF "
                                    "field in Fault Status register. ... Hardware detected error associated with the "
                                    "Invalidation Queue, setting the IQE field in the Fault Status register. ... If any "
                                    "of the status fields in the Fault Status register was already set at the time of "
                                    "setting any of these fields, it is not treated as a new interrupt condition."};
inline constexpr Clause kFaultEventMsi{Strength::kMust, "VT-d §11.4.9.2 FECTL_REG.IM (via 2nd-gen Core §2.21.9)",
                                       "0 = No masking of interrupt. When an interrupt condition is detected, hardware "
                                       "issues an interrupt message (using the Fault Event Data and Fault Event Address "
                                       "register values). 1 = ... Hardware is prohibited from sending the interrupt "
                                       "message when this field is set."};
inline constexpr Clause kFaultEventIpClear{Strength::kMust, "VT-d §11.4.9.2 FECTL_REG.IP (via Xeon 5500 IIO datasheet §3.5.2.9)",
                                           "The IP field is cleared by hardware as soon as the interrupt message "
                                           "pending condition is serviced. This could be due to either: 1. Hardware "
                                           "issuing the interrupt message due to ... software clearing the IM ... 2. "
                                           "Software servicing all the pending interrupt status fields in the Fault "
                                           "Status register."};

inline constexpr Clause kFaultIrIndex{Strength::kMust, "VT-d §11.4.9.6 FRCD_REG.FI (via 7700K §8.28)",
                                      "When the Fault Reason (FR) field indicates one of the interrupt-remapping fault "
                                      "conditions, bits 63:48 of this field indicate the interrupt_index computed for "
                                      "the faulted interrupt request, and bits 47:12 are cleared."};

// Caching mode (§6.1).
// The sentence binds software; what the unit does after the invalidation has no sentence of its own (as kInvalidation
// with CM=0): SHOULD.
inline constexpr Clause kCmInvalidation{Strength::kShould, "VT-d §6.1 Caching Mode (rev 4.x, via cai-fuqiang.github.io)",
                                        "When the CM field is reported as Set, any software updates to remapping "
                                        "structures other than first-stage mapping (including updates to not- present "
                                        "entries or present entries whose programming resulted in translation faults) "
                                        "requires explicit invalidation of the caches."};
inline constexpr Clause kCmMayCache{Strength::kOpen, "VT-d §6.1 Caching Mode (rev 4.x, via cai-fuqiang.github.io)",
                                    "The Caching Mode (CM) field in Capability Register indicates if the hardware "
                                    "implementation caches not-present or erroneous translation-structure entries."};
inline constexpr Clause kCmNotPresentUncached{Strength::kMust, "VT-d §11.4.2 CAP_REG.CM (via 4 Series p. 458)",
                                              "0 = Hardware does not cache not present and erroneous entries in the "
                                              "context-cache and IOTLB."};

// ---- Interrupt remapping (helper vtd-ir; intel-vtd.ir.*). Register text via the datasheets that reproduce the
// VT-d register chapter: "via the i7-2600 datasheet" = 2nd Generation Core datasheet vol. 2 §2.18.4 GCMD_REG
// (manualsbrain 241590 p. 229; also manualshive 2071523 p. 268), "via the B940 datasheet" = Celeron B940 vol. 2
// (p. 229 GCMD_REG, p. 264 GSTS_REG, p. 282 IRTA_REG), "via the 7700K datasheet" = 7th-gen Core vol. 2 §8.28
// FRCD_REG. The IRTE format (§9.10), the remapping rules (§5.1.3/§5.1.4) and the fault-reason appendix were not
// found: what rests on them is the suite's reading (SHOULD), the codes as QEMU and Linux read them.
inline constexpr Clause kIrEnableStatus{Strength::kMust, "VT-d §11.4.4 GCMD_REG.IRE/SIRTP",
                                        "verbatim via the i7-2600 datasheet: Hardware reports the status of the "
                                        "interrupt remapping enable operation through the IRES field in the Global "
                                        "Status register. / Hardware reports the status of the 'Set Interrupt Remap "
                                        "Table Pointer' operation through the IRTPS field in the Global Status "
                                        "register."};
inline constexpr Clause kIrtaReadback{Strength::kMust, "VT-d §11.4.12 IRTA_REG.IRTA",
                                      "verbatim via the B940 datasheet: Reads of this field returns value that was "
                                      "last programmed to it."};
inline constexpr Clause kIrRemap{Strength::kShould, "VT-d §5.1.3, §9.10 IRTE (suite's reading)",
                                 "no sentence found: a remappable-format request (address bit 4 = 1) is delivered "
                                 "with the Vector and Destination ID of the IRTE its interrupt_index selects "
                                 "(handle, plus the subhandle in data[15:0] when SHV=1); IRTA_REG.S via the B940 "
                                 "datasheet: The number of entries in the interrupt remapping table is 2^^(X+1), "
                                 "where X is the value programmed in this field."};
inline constexpr Clause kIrBlocked{Strength::kShould, "VT-d §5.1.4 interrupt-remapping fault conditions (suite's "
                                   "reading)",
                                   "no sentence found: a request whose IRTE is not present, has a reserved field "
                                   "set, lies beyond 2^(IRTA.S+1) entries, or fails source-id verification is "
                                   "blocked (no interrupt is delivered) and, unless the IRTE's FPD qualifies it "
                                   "away, recorded"};
inline constexpr Clause kIrRecorded{Strength::kShould, "VT-d §5.1.4.1, §7.2 (suite's reading)",
                                    "no sentence found for the recording itself: an interrupt request blocked for a "
                                    "remapping fault condition (FR 20h-26h) is recorded in a fault recording "
                                    "register and FSTS.PPF set, unless the IRTE's FPD qualifies it away"};
inline constexpr Clause kIrFpd{Strength::kShould, "VT-d §9.10 IRTE.FPD (suite's reading)",
                               "no sentence found: FPD=1 in a present IRTE suppresses the recording of the "
                               "qualified faults (reserved field, source-id) of requests that use it; the request "
                               "is still blocked"};
inline constexpr Clause kIrCompatBlock{Strength::kMust, "VT-d §11.4.4 GCMD_REG.CFI",
                                       "verbatim via the B940 datasheet: The value in this field is effective only "
                                       "when interrupt-remapping is enabled and Extended Interrupt Mode (x2APIC mode) "
                                       "is disabled. 0 = Block Compatibility format interrupts. 1 = Process "
                                       "Compatibility format interrupts as pass-through (bypass interrupt "
                                       "remapping)."};
inline constexpr Clause kIrCfiStatus{Strength::kMust, "VT-d §11.4.4 GCMD_REG.CFI",
                                     "verbatim via the B940 datasheet: Hardware reports the status of updating this "
                                     "field through the CFIS field in the Global Status register."};
inline constexpr Clause kIecStale{Strength::kOpen, "VT-d §6.5.2.7, §11.4.4 SIRTP (suite's reading)",
                                  "no sentence found for a changed IRTE before its invalidation: the unit may use "
                                  "the cached old entry or the new one (the SIRTP text requires an IEC invalidation "
                                  "to avoid \"stale cached entries\", so caching is permitted)"};
inline constexpr Clause kIecInvalidated{Strength::kShould, "VT-d §6.5.2.7 IEC invalidation (suite's reading)",
                                        "no descriptor sentence found; via the i7-2600 datasheet (SIRTP): software "
                                        "must globally invalidate the interrupt entry cache. This is required to "
                                        "ensure hardware uses only the interrupt-remapping entries referenced by the "
                                        "new interrupt remap table pointer, and not any stale cached entries. (read: "
                                        "after a global or index-selective IEC invalidation the changed IRTE is used)"};

// ---- Scalable mode (tests/conformance/intel_vtd/scalable.cpp). The chapter 3 / 9 text on scalable-mode
// translation was not found: everything here is the suite's reading (SHOULD). ----
inline constexpr Clause kSmSecondStage{Strength::kShould, "VT-d §3.4.3, §9.6 PGTT=010b (suite's reading)",
                                       "no sentence found: with RTADDR.TTM=01b a request-without-PASID is translated "
                                       "through the PASID-table entry the context entry's RID_PASID selects; PGTT=010b "
                                       "walks the second-stage table at SLPTPTR with the entry's AW"};
inline constexpr Clause kSmPassThrough{Strength::kShould, "VT-d §3.4.3, §9.6 PGTT=100b (suite's reading)",
                                       "no sentence found: with ECAP.PT=1 a PASID-table entry with PGTT=100b passes the "
                                       "request's address through unchanged"};
inline constexpr Clause kSmPasidNotPresent{Strength::kShould, "VT-d §9.6 P, fault reason 59h (suite's reading)",
                                           "no sentence found: a request whose PASID-table entry has P=0 is blocked "
                                           "and reported as a non-recoverable fault (reason 59h: the code QEMU's "
                                           "VTD_FR_PASID_ENTRY_P and the model use)"};

// ---- PASID-granular invalidation (tests/conformance/intel_vtd/pasid_invalidation.cpp). The chapter 6 text on the
// PASID cache and the PASID-based IOTLB (§6.2.x, §6.5.2.2, §6.5.2.4, §6.5.3.3 "Guidance to Software for
// Invalidations") was not found: everything here is the suite's reading (SHOULD) or an allowed choice (OPEN). Linux's
// commit 'iommu/vt-d: Clear Present bit before tearing down PASID entry' (2026) names §6.5.3.3 for the sequence: P
// cleared, then PASID-cache, IOTLB and device-TLB invalidation. ----
inline constexpr Clause kSmPasidCacheInvalidated{
    Strength::kShould, "VT-d §6.5.2.2 pc_inv_dsc, §6.5.3.3 (suite's reading)",
    "no sentence found: after a PASID-selective PASID-cache invalidation with the entry's old DID, an IOTLB "
    "invalidation of that DID and an invalidation wait, requests through the PASID use its PASID-table entry as it is "
    "now in memory (a new DID and second-stage table, or P=0)"};
inline constexpr Clause kSmPiotlbInvalidated{
    Strength::kShould, "VT-d §6.5.2.4 p_iotlb_inv_dsc G=10b (suite's reading)",
    "no sentence found: after a PASID-based-IOTLB invalidation of every entry of the PASID in the domain (G=10b) and "
    "an invalidation wait, requests through the PASID use the second-stage table as it is now (QEMU 10.0+ reads "
    "§6.5.2.4 so: only its page granularity leaves second-stage mappings alone)"};
inline constexpr Clause kSmPiotlbPageSecondStage{
    Strength::kOpen, "VT-d §6.5.2.4 p_iotlb_inv_dsc G=11b (as QEMU's hw/i386/intel_iommu.c quotes it)",
    "According to spec, PASID-based-IOTLB Invalidation in page granularity doesn't invalidate IOTLB entries caching "
    "second-stage (PGTT=010b) or pass-through (PGTT=100b) mappings. (QEMU's comment, not the spec's text: the unit "
    "may keep or drop the page's second-stage translation)"};
inline constexpr Clause kSmPiotlbPageFirstStage{
    Strength::kShould, "VT-d §6.5.2.4 p_iotlb_inv_dsc G=11b (suite's reading)",
    "no sentence found: after a page-selective PASID-based-IOTLB invalidation (2^AM pages at ADDR, aligned to that "
    "size) and an invalidation wait, requests through the PASID to the covered addresses use the first-stage table "
    "as it is now (QEMU reads §6.5.2.4 so: its page granularity drops first-stage mappings)"};
inline constexpr Clause kSmStaleAllowed{Strength::kOpen, "VT-d §6.2 (suite's reading)",
                                        "no sentence found: before the invalidation the unit may use a cached PASID "
                                        "entry or translation, or the tables as they are now; either is permitted"};
inline constexpr Clause kQueueWide{Strength::kShould, "VT-d §11.4.11.3 IQA_REG.DW, §6.5.2 (suite's reading)",
                                   "no sentence found: with IQA.DW=1 (ECAP.SMTS=1) the unit fetches 256-bit "
                                   "descriptors, IQH and IQT advancing by 32 bytes, and completes an invalidation "
                                   "wait as in a 128-bit queue"};
inline constexpr Clause kPasidDescNarrowQueue{Strength::kOpen, "VT-d §6.5.2, §11.4.11.3 IQA_REG.DW (suite's reading)",
                                              "no sentence found on a PASID-granular descriptor in a 128-bit queue "
                                              "(IQA.DW=0) of a unit with ECAP.SMTS: the unit may reject it (FSTS.IQE; "
                                              "the model: IQEI 3, a type this width cannot take) or perform it"};
inline constexpr Clause kPasidDescGranularity{Strength::kShould, "VT-d §6.5.2.2, §6.5.2.4 G (suite's reading)",
                                              "no sentence found: a PASID-cache descriptor with G=10b, or a PASID-based "
                                              "IOTLB descriptor with G=00b or 01b, names no granularity (reserved "
                                              "encodings): an invalid descriptor, reported with FSTS.IQE"};

// ---- First-stage translation in scalable mode (tests/conformance/intel_vtd/first_stage.cpp; PGTT=001b). The VT-d
// chapter 3.6 / 9.7 text was not found: §9.7 gives first-stage entries the IA-32e paging format of the Intel SDM,
// and the rights below are the SDM's for that format, applied to a request without PASID as a user request (the
// context entry's RID_PRIV=0). What rests on that reading is SHOULD; the fault reasons are the codes QEMU
// (VTD_FR_FS_*, VTD_FR_SM_WRITE) and the model use. ----
inline constexpr Clause kSmFirstStage{Strength::kShould, "VT-d §3.6, §9.6 PGTT=001b, §9.7 (suite's reading)",
                                      "no sentence found: with ECAP.FLTS=1 a request-without-PASID whose RID_PASID "
                                      "entry has PGTT=001b and FLPM=00b is translated through the 4-level first-stage "
                                      "table at FLPTPTR (IA-32e format), a leaf at level 1 mapping 4 KiB"};
inline constexpr Clause kSmFirstStageLarge{Strength::kShould, "VT-d §9.7 PS, §11.4.2 CAP_REG.FL1GP (suite's reading)",
                                           "no sentence found: a first-stage entry at level 2 with PS=1 maps a 2 MiB "
                                           "page (IA-32e paging has 2 MiB pages unconditionally; only 1 GiB pages "
                                           "depend on CAP.FL1GP)"};
inline constexpr Clause kSmFirstStageNotPresent{Strength::kShould, "VT-d §9.7 P, fault reason 71h (suite's reading)",
                                                "no sentence found: a request whose first-stage walk meets an entry "
                                                "with P=0 is blocked and reported as a non-recoverable fault (71h)"};
inline constexpr Clause kSmFirstStageWrite{Strength::kShould, "VT-d §9.7 R/W, fault reason 85h (suite's reading)",
                                           "no sentence found: a write by a user request through a first-stage "
                                           "translation with R/W=0 in its leaf is blocked and reported as a "
                                           "non-recoverable fault (85h); reads of that page are translated"};
inline constexpr Clause kSmFirstStageUser{Strength::kShould, "VT-d §9.7 U/S, fault reason 81h (suite's reading)",
                                          "no sentence found: a user request (a request without PASID, RID_PRIV=0) "
                                          "to a first-stage page whose leaf has U/S=0 is blocked and reported as a "
                                          "non-recoverable fault (81h)"};
inline constexpr Clause kSmFirstStageNonLeaf{Strength::kShould, "VT-d §3.6, §9.7 R/W, U/S (suite's reading)",
                                             "no sentence found: the rights of a first-stage translation are those "
                                             "every entry of the walk grants: R/W=0 or U/S=0 in a non-leaf entry "
                                             "denies a user write (85h) or every user access (81h) below it, as "
                                             "in the leaf"};
// The SDM's sentences, verbatim from the Intel 64 and IA-32 Architectures SDM vol. 3A §4.8 (order no. 253668-032US,
// as reproduced on manualsbrain.com); that the remapping hardware follows them for first-stage entries is the
// suite's reading (Linux commit a8ce9ebbecdf, by Intel, says the same: "The Access/Dirty bits in the first level
// page table entry will be set whenever a page table entry was used for address translation or write permission
// was successfully translated."): SHOULD.
inline constexpr Clause kSmFirstStageAccessed{Strength::kShould, "Intel SDM vol. 3A §4.8 via VT-d §9.7 (suite's reading)",
                                              "Whenever the processor uses a paging-structure entry as part of "
                                              "linear-address translation, it sets the accessed flag in that entry (if "
                                              "it is not already set)."};
inline constexpr Clause kSmFirstStageDirty{Strength::kShould, "Intel SDM vol. 3A §4.8 via VT-d §9.7 (suite's reading)",
                                           "Whenever there is a write to a linear address, the processor sets the "
                                           "dirty flag (if it is not already set) in the paging-structure entry that "
                                           "identifies the final physical address for the linear address (either a "
                                           "PTE or a PDE in which the PS flag is 1)."};
inline constexpr Clause kSmFirstStageAdNoSnoop{
    Strength::kOpen, "VT-d fault reason 90h (via Linux dmar.c's transcription of rev 3), §11.4.3 ECAP_REG.SMPWCS",
    "A/D bit update needed in first-level entry when set up in no snoop; SMPWCS 0: Hardware access to paging "
    "structures accessed through the PASID Table Entry are not snooped."};

}  // namespace intel_vtd_tests
