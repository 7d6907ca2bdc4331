// What discovery (FDT on aarch64, ACPI on x86_64) found about the machine. Filled by arch::init.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

struct AddressWindow {
  uint64_t cpu_base = 0;  // CPU physical address
  uint64_t pci_base = 0;  // the same window as seen on the PCI bus
  uint64_t size = 0;
};

struct IommuMapEntry {  // one DT iommu-map entry: RID [rid_base, rid_base+length) -> ID iommu_base + (rid - rid_base)
  uint32_t rid_base = 0;
  uint32_t iommu_phandle = 0;
  uint32_t iommu_base = 0;
  uint32_t length = 0;
};

struct AcpiTableRef {
  char signature[5] = {};
  uint64_t address = 0;
  uint32_t length = 0;
};

struct Platform {
  const char* arch = "";
  uint64_t ram_base = 0;
  uint64_t ram_size = 0;
  const char* cmdline = "";  // DT /chosen/bootargs or PVH cmdline_paddr
  uint64_t console_base = 0;  // aarch64: PL011 MMIO base (x86_64 uses COM1 ports)

  // PCIe ECAM (one host bridge).
  uint64_t ecam_base = 0;
  uint64_t ecam_size = 0;
  uint32_t bus_start = 0;
  uint32_t bus_end = 0;
  AddressWindow mmio32;  // non-prefetchable window below 4 GiB
  AddressWindow mmio64;  // 64-bit window (size 0 when none)

  // Interrupt controller (aarch64: GIC distributor/CPU interface or redistributor; x86_64: LAPIC/IOAPIC).
  uint64_t intc_dist = 0;
  uint64_t intc_cpu = 0;
  uint32_t intc_version = 0;

  // IOMMUs described by the firmware tables.
  uint64_t smmuv3_base = 0;      // DT "arm,smmu-v3"
  uint32_t smmuv3_phandle = 0;
  uint32_t smmuv3_irqs[4] = {};  // eventq, priq, cmdq-sync, gerror (SPI numbers, 0 = absent)
  uint32_t pci_msi_parent = 0;
  IommuMapEntry iommu_map[8];    // from the PCI host node's iommu-map
  size_t iommu_map_count = 0;

  // ACPI (x86_64): every table found through the RSDP's XSDT/RSDT, for IVRS/DMAR/VIOT/MCFG users.
  AcpiTableRef acpi_tables[32];
  size_t acpi_table_count = 0;
  const AcpiTableRef* find_acpi(const char* sig) const;
};

Platform& platform();

}  // namespace kernel
