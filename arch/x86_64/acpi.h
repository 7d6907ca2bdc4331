// ACPI discovery: RSDP -> XSDT/RSDT -> every table into kernel::platform().acpi_tables, then the
// tables the platform description needs (MCFG: ECAM; MADT: LAPIC/IOAPIC).
#pragma once

#include <cstdint>

namespace x86_64::acpi {

// rsdp_hint: hvm_start_info.rsdp_paddr (0: scan the EBDA and the BIOS area). False when no RSDP.
bool discover(uint64_t rsdp_hint);

}  // namespace x86_64::acpi
