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

// An IOMMU the firmware tables describe (DT node, ACPI table), by address or, for a PCI function the DT names
// (riscv,pci-iommu: a child of the PCI host node whose reg is the function's config address), by its RID;
// its driver then maps the function's BAR. Other IOMMUs that are PCI functions (virtio-iommu, AMD-Vi's
// capability) are found on the bus by their drivers. Intel VT-d units come from the ACPI DMAR table's DRHDs
// (drivers/iommu/intel_vtd/dmar.cpp), by register base.
enum class IommuKind : uint8_t { kSmmuV3, kRiscvIommuPci, kIntelVtd };

struct IommuDesc {
  IommuKind kind = IommuKind::kSmmuV3;
  uint64_t base = 0;      // MMIO base (a PCI function's: 0 until its driver reads the BAR)
  int32_t pci_rid = -1;   // a PCI function's RequesterID (bus << 8 | devfn), -1 when the IOMMU is no PCI function
  uint32_t phandle = 0;   // DT phandle: the iommu-map entries that name it (0: every entry)
  uint32_t irqs[4] = {};  // wired interrupts in the IOMMU's own order (SMMUv3: eventq, priq, cmdq-sync, gerror;
                          // GIC INTIDs), 0 = absent
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
  uint64_t console_base = 0;  // aarch64: PL011 MMIO base; riscv64: NS16550A (x86_64 uses COM1 ports)
  uint64_t timer_hz = 0;      // riscv64: /cpus timebase-frequency, the rate of the `time` CSR
  uint64_t exit_base = 0;     // riscv64: the sifive,test0 finisher
  bool riscv_svpbmt = false;  // riscv64: the boot hart's ISA lists Svpbmt
  // riscv64 with the AIA (virt,aia=aplic-imsic): the boot hart's supervisor-level IMSIC interrupt file (its 4 KiB
  // page, the MSI target) and the interrupt identities it implements; 0 when the DT has no IMSIC.
  uint64_t riscv_imsic_file = 0;
  uint32_t riscv_imsic_ids = 0;

  // PCIe ECAM (one host bridge).
  uint64_t ecam_base = 0;
  uint64_t ecam_size = 0;
  uint32_t bus_start = 0;
  uint32_t bus_end = 0;
  AddressWindow mmio32;  // non-prefetchable window below 4 GiB
  AddressWindow mmio64;  // 64-bit window (size 0 when none)

  // Interrupt controller (aarch64: GIC distributor/CPU interface or redistributor; x86_64: LAPIC/IOAPIC;
  // riscv64: the PLIC in intc_dist, the boot hart's S-mode context and the number of sources).
  uint64_t intc_dist = 0;
  uint64_t intc_cpu = 0;
  uint32_t intc_version = 0;
  uint32_t intc_context = 0;
  uint32_t intc_sources = 0;

  // IOMMUs described by the firmware tables, in discovery order.
  IommuDesc iommus[4];
  size_t iommu_count = 0;
  const IommuDesc* find_iommu(IommuKind kind) const;
  IommuDesc* add_iommu(IommuKind kind);  // nullptr when the table is full
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
