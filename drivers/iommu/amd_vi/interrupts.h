// The interrupt side of the AMD-Vi driver (48882): the IOMMU's own MSI (the PCI MSI capability of the
// IOMMU function, §3.1, raised for event-log entries and COMPLETION_WAIT with I=1 when Control enables
// it, §3.4.4) and interrupt remapping tables (§2.2.5) for an endpoint's MSIs.
#pragma once

#include <cstdint>

#include "drivers/iommu/amd_vi/amd_vi.h"
#include "kernel/pci.h"
#include "spec/amd_vi/irte.h"
#include "spec/pci.h"

namespace drivers::amd_vi {

// PCI MSI capability (PCI Local Bus 3.0 §6.8.1, spec/pci.h).
inline constexpr uint8_t kPciCapMsi = spec::pci::kCapMsi;
// The IOMMU function's and an endpoint's MSI are programmed through kernel::PciFunction::msi_enable().

// An interrupt remapping table of 2^len_field 32-bit IRTEs (Control.GAEn=0 format, §2.2.5.1), 128-byte
// aligned as the DTE's IntTableRootPtr requires.
class IntRemapTable {
 public:
  explicit IntRemapTable(unsigned len_field);
  ~IntRemapTable();
  bool ok() const { return pa_ != 0; }
  uint64_t pa() const { return pa_; }
  unsigned len_field() const { return len_; }
  void set(unsigned index, const spec::amd_vi::Irte32& e);
  // Fills the DTE's interrupt fields: IV=1, IntTabLen, IntCtl=10b (remap), IntTableRootPtr.
  void attach(spec::amd_vi::Dte& d) const;

 private:
  uint64_t pa_ = 0;
  unsigned len_ = 0;
};

}  // namespace drivers::amd_vi
