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

}  // namespace intel_vtd_tests
