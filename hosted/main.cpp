// The hosted runner's entry: the process arguments are the guest command line (filter= seed= tags=
// timeout= list), a 2 MiB aligned host buffer is the DMA pool (pa == pointer, as in the guest's identity
// map), then the same runner and KTAP output as the guest. Usage: viommu-hosted [filter=GLOB ...]
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/dma_memory.h"

namespace kernel {
int run_tests(const Cmdline& cmd);
}

namespace {
constexpr size_t kDmaPoolSize = 64u << 20;
constexpr size_t k2M = 2u << 20;
}  // namespace

int main(int argc, char** argv) {
  static char line[1024];
  for (int i = 1; i < argc; ++i) {
    if (strlen(line) + strlen(argv[i]) + 2 > sizeof line) {
      fprintf(stderr, "viommu-hosted: command line too long\n");
      return 2;
    }
    if (i > 1) strcat(line, " ");
    strcat(line, argv[i]);
  }
  arch::init(0);
  printf("KTAP version 1\n");
  const kernel::Cmdline cmd = kernel::parse_cmdline(line);
  printf("# viommu guest arch=host seed=%llu filter=%s tags=%s\n", static_cast<unsigned long long>(cmd.seed),
         cmd.filter, cmd.tags);
  if (cmd.error[0]) {
    printf("# error: bad guest argument '%s' (known: filter= tags= seed= timeout= list)\n", cmd.error);
    printf("1..0\n0 passed, 1 failed, 0 skipped\n");
    arch::exit(2);
  }
  void* pool = aligned_alloc(k2M, kDmaPoolSize);
  if (!pool) {
    printf("# error: no memory for the DMA pool\n");
    arch::exit(2);
  }
  kernel::DmaMemory::init(reinterpret_cast<uint64_t>(pool), kDmaPoolSize);
  printf("# hosted: runner self-tests only; no IOMMU case is routed to the model yet\n");
  arch::exit(kernel::run_tests(cmd));
}
