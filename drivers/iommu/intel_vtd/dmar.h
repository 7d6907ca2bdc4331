// Discovery of Intel VT-d from the ACPI DMAR table (VT-d spec chapter 8): the platform's host address width and
// flags (§8.1), each remapping hardware unit (DRHD, §8.3) with its register base and device scopes (§8.3.1), the
// reserved memory regions (RMRR, §8.4) and the root-port ATS reports (ATSR, §8.5). The parser keeps what the table
// says, including what is malformed (a structure overrunning the table, types out of order), so a case can judge
// the table instead of the parser hiding it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {
struct Platform;
}

namespace drivers::intel_vtd {

// §8.3.1 Device Scope Structure (the first path entry only: QEMU and most firmware name one hop).
struct DmarScope {
  uint8_t type = 0;  // 1 PCI endpoint, 2 PCI sub-hierarchy, 3 IOAPIC, 4 MSI-capable HPET, 5 ACPI namespace device
  uint8_t length = 0;
  uint8_t enumeration_id = 0;
  uint8_t start_bus = 0;
  uint8_t path_entries = 0;      // (length - 6) / 2
  uint8_t device = 0, function = 0;  // the first path entry
  bool well_formed = false;      // length >= 8, even, inside its parent structure
};

struct DmarDrhd {
  uint8_t flags = 0;    // bit 0 INCLUDE_PCI_ALL
  uint8_t size = 0;     // bits 3:0: the register set spans 2^N 4 KiB pages (revision 2.x+: byte 5)
  uint16_t segment = 0;
  uint64_t register_base = 0;
  size_t first_scope = 0, scope_count = 0;  // into DmarInfo::scopes
  bool include_pci_all() const { return flags & 1; }
};

struct DmarRmrr {
  uint16_t segment = 0;
  uint64_t base = 0, limit = 0;
  size_t first_scope = 0, scope_count = 0;
};

struct DmarInfo {
  bool found = false;
  uint32_t table_length = 0;
  uint8_t revision = 0;
  uint8_t host_address_width = 0;  // the field N; the width is N + 1 bits
  uint8_t flags = 0;               // bit 0 INTR_REMAP, bit 1 X2APIC_OPT_OUT, bit 2 DMA_CTRL_PLATFORM_OPT_IN_FLAG
  // Every remapping structure's type in table order (first 32), for the numerical-order rule.
  uint16_t types[32] = {};
  size_t type_count = 0;
  bool truncated = false;  // a structure length of 0, < 4 or past the table's end stopped the walk
  uint32_t truncated_at = 0;
  DmarDrhd drhds[4];
  size_t drhd_count = 0;
  DmarRmrr rmrrs[8];
  size_t rmrr_count = 0;
  size_t atsr_count = 0;
  uint8_t atsr_flags = 0;  // the first ATSR's (bit 0 ALL_PORTS)
  DmarScope scopes[64];
  size_t scope_count = 0;
  bool scopes_dropped = false;  // more structures or scopes than the arrays hold

  uint32_t host_address_bits() const { return host_address_width + 1u; }
  // The DRHD whose scope holds PCI function `rid` (bus << 8 | devfn) on segment 0, by §8.3's rule: an explicit
  // endpoint or sub-hierarchy scope first, else a unit with INCLUDE_PCI_ALL. nullptr when none covers it.
  // A sub-hierarchy scope covers the bridge's bus range, read from its config space ([secondary, subordinate]).
  const DmarDrhd* unit_for(uint16_t rid) const;
};

// Parses kernel::platform().find_acpi("DMAR") (false when there is none).
bool parse_dmar(DmarInfo& out);

// Adds every DRHD of the DMAR table to the platform's IOMMU list (kernel::IommuKind::kIntelVtd, base = its
// register base), so that a case finds VT-d like an IOMMU the DT describes. Called once the ACPI tables are listed.
void register_dmar_units(kernel::Platform& p);

}  // namespace drivers::intel_vtd
