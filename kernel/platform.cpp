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

}  // namespace kernel
