#include "kernel/platform.h"

#include <cstring>

namespace kernel {

Platform& platform() {
  static Platform p;
  return p;
}

const AcpiTableRef* Platform::find_acpi(const char* sig) const {
  for (size_t i = 0; i < acpi_table_count; ++i)
    if (memcmp(acpi_tables[i].signature, sig, 4) == 0) return &acpi_tables[i];
  return nullptr;
}

const IommuDesc* Platform::find_iommu(IommuKind kind) const {
  for (size_t i = 0; i < iommu_count; ++i)
    if (iommus[i].kind == kind) return &iommus[i];
  return nullptr;
}

IommuDesc* Platform::add_iommu(IommuKind kind) {
  if (iommu_count == sizeof iommus / sizeof iommus[0]) return nullptr;
  IommuDesc& d = iommus[iommu_count++];
  d = IommuDesc{};
  d.kind = kind;
  return &d;
}

}  // namespace kernel
