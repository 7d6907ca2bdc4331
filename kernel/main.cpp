// After arch::init: DMA pool, PCI, then the selected test cases; the exit status says whether all passed.
#include <cstdio>

#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/dma_memory.h"
#include "kernel/pci.h"
#include "kernel/platform.h"

namespace kernel {

uint64_t heap_end();
int run_tests(const Cmdline& cmd);

namespace {
constexpr uint64_t kDmaPoolSize = 64u << 20;
constexpr uint64_t k2M = 2u << 20;
}  // namespace

void main() {
  const Platform& p = platform();
  printf("KTAP version 1\n");
  const Cmdline cmd = parse_cmdline(p.cmdline);
  printf("# viommu guest arch=%s seed=%llu filter=%s tags=%s\n", p.arch,
         static_cast<unsigned long long>(cmd.seed), cmd.filter, cmd.tags);
  if (cmd.error[0]) {
    if (cmd.error_too_long)
      printf("# error: guest argument '%s...' is too long (filter= and exclude= take %zu characters, tags= %zu)\n",
             cmd.error, sizeof cmd.filter - 1, sizeof cmd.tags - 1);
    else
      printf("# error: bad guest argument '%s' (known: filter= exclude= tags= seed= timeout= bench-ms= bench-reps= "
             "list)\n", cmd.error);
    printf("1..0\n0 passed, 1 failed, 0 skipped\n");
    arch::exit(2);
  }
  // The DMA pool sits above the heap, 2 MiB aligned, inside RAM.
  const uint64_t pool = (heap_end() + k2M - 1) & ~(k2M - 1);
  if (pool + kDmaPoolSize > p.ram_base + p.ram_size) {
    printf("# error: RAM [0x%llx, +0x%llx) too small for the DMA pool at 0x%llx\n",
           static_cast<unsigned long long>(p.ram_base), static_cast<unsigned long long>(p.ram_size),
           static_cast<unsigned long long>(pool));
    arch::exit(2);
  }
  DmaMemory::init(pool, kDmaPoolSize);
  Pci::init();
  printf("# platform: ram=0x%llx+0x%llx ecam=0x%llx buses %u-%u, %zu PCI functions\n",
         static_cast<unsigned long long>(p.ram_base), static_cast<unsigned long long>(p.ram_size),
         static_cast<unsigned long long>(p.ecam_base), p.bus_start, p.bus_end, Pci::count());
  if (p.acpi_table_count) {  // x86_64: what the firmware describes (IVRS, DMAR, VIOT appear with an IOMMU)
    printf("# acpi:");
    for (size_t i = 0; i < p.acpi_table_count; ++i) printf(" %s", p.acpi_tables[i].signature);
    printf("\n");
  }
  for (size_t i = 0; i < p.iommu_count; ++i) {
    const IommuDesc& d = p.iommus[i];
    if (d.kind == IommuKind::kSmmuV3) printf("# dt: arm,smmu-v3 at 0x%llx\n", static_cast<unsigned long long>(d.base));
    if (d.kind == IommuKind::kRiscvIommuPci)
      printf("# dt: riscv,pci-iommu at %02x:%02x.%x (phandle %u)\n", d.pci_rid >> 8, (d.pci_rid >> 3) & 0x1f,
             d.pci_rid & 7, d.phandle);
    if (d.kind == IommuKind::kIntelVtd) printf("# acpi: DMAR DRHD at 0x%llx\n", static_cast<unsigned long long>(d.base));
  }
  for (size_t i = 0; i < p.iommu_map_count; ++i) {
    const IommuMapEntry& e = p.iommu_map[i];
    printf("# dt: iommu-map rid 0x%x..0x%x -> phandle %u id 0x%x\n", e.rid_base, e.rid_base + e.length - 1,
           e.iommu_phandle, e.iommu_base);
  }
  const int status = run_tests(cmd);
  fflush(stdout);
  arch::exit(status);
}

}  // namespace kernel
