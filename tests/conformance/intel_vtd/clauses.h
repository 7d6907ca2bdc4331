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
inline constexpr Clause kContextComplete{Strength::kMust, "VT-d §11.4.7 CCMD_REG.ICC",
                                         "via the 2nd-gen Core datasheet §2.21.7 (as helper vtd-cases found it): "
                                         "Hardware clears the ICC field to indicate the invalidation request is "
                                         "complete."};
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

}  // namespace intel_vtd_tests
