// The hosted runner's entry: the process arguments are the guest command line (filter= seed= tags=
// timeout= list) plus `model=NAME`, which picks the machine (machine.h: model=smmuv3 for the model-smmuv3
// configuration; none: the runner's self-tests only). Guest RAM is mapped at its guest-physical address
// (device_bus.h) and holds the DMA pool (pa == pointer, as in the guest's identity map); then the same
// runner and KTAP output as the guest. Usage: viommu-hosted [model=NAME] [model-KEY=VALUE ...] [filter=GLOB ...]
// (model-KEY=VALUE words are options of the machine, machine.h machine_option()).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "hosted/device_bus.h"
#include "hosted/machine.h"
#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"

namespace kernel {
int run_tests(const Cmdline& cmd);
}

// The machines' VIOMMU_HOSTED_MACHINE entries (machine.h), gathered by the linker.
extern "C" {
extern const hosted::Machine* const __start_viommu_machines[];
extern const hosted::Machine* const __stop_viommu_machines[];
}

namespace hosted {
namespace {
constexpr size_t kMaxOptions = 8;
const char* g_options[kMaxOptions] = {};
size_t g_noptions = 0;
}  // namespace

const char* machine_option(const char* key) {
  const size_t n = strlen(key);
  for (size_t i = 0; i < g_noptions; ++i)
    if (strncmp(g_options[i], key, n) == 0 && g_options[i][n] == '=') return g_options[i] + n + 1;
  return nullptr;
}

const Machine* find_machine(const char* name) {
  for (const Machine* const* m = __start_viommu_machines; m != __stop_viommu_machines; ++m)
    if (strcmp((*m)->name, name) == 0) return *m;
  return nullptr;
}
}  // namespace hosted

namespace {
// In guest RAM above where the guest image sits (the guest places its pool above its heap, 2 MiB aligned).
constexpr uint64_t kDmaPoolBase = hosted::kRamBase + (64u << 20);
constexpr size_t kDmaPoolSize = 64u << 20;
constexpr char kModelWord[] = "model=";
}  // namespace

int main(int argc, char** argv) {
  static char line[1024];
  const char* model = nullptr;
  bool filtered = false;
  for (int i = 1; i < argc; ++i) {
    // model=NAME is the runner's own word, not the guest's.
    if (strncmp(argv[i], kModelWord, sizeof kModelWord - 1) == 0) {
      model = argv[i] + sizeof kModelWord - 1;
      continue;
    }
    // model-KEY=VALUE: an option of the machine, not the guest's either.
    if (strncmp(argv[i], "model-", 6) == 0 && strchr(argv[i], '=')) {
      if (hosted::g_noptions == hosted::kMaxOptions) {
        fprintf(stderr, "viommu-hosted: too many model- options\n");
        return 2;
      }
      hosted::g_options[hosted::g_noptions++] = argv[i];
      continue;
    }
    if (strncmp(argv[i], "filter=", 7) == 0) filtered = true;
    if (strlen(line) + strlen(argv[i]) + 2 > sizeof line) {
      fprintf(stderr, "viommu-hosted: command line too long\n");
      return 2;
    }
    if (line[0]) strcat(line, " ");
    strcat(line, argv[i]);
  }
  arch::init(0);
  const hosted::Machine* machine = nullptr;
  if (model && model[0]) {
    machine = hosted::find_machine(model);
    if (!machine) {
      // A known configuration whose model is not hosted yet runs the self-tests only.
      printf("# hosted: no machine for model=%s yet; runner self-tests only\n", model);
    }
  }
  // Without filter=, a machine runs its own groups (the cases of other IOMMUs would only SKIP here).
  if (!filtered) {
    const char* groups = machine ? machine->groups : "selftest.*";
    const size_t n = strlen(line);
    snprintf(line + n, sizeof line - n, "%sfilter=%s", n ? " " : "", groups);
  }
  printf("KTAP version 1\n");
  const kernel::Cmdline cmd = kernel::parse_cmdline(line);
  printf("# viommu guest arch=host seed=%llu filter=%s tags=%s\n", static_cast<unsigned long long>(cmd.seed),
         cmd.filter, cmd.tags);
  if (cmd.error[0]) {
    printf("# error: bad guest argument '%s' (known: model= filter= exclude= tags= seed= timeout= bench-ms= bench-reps= list)\n", cmd.error);
    printf("1..0\n0 passed, 1 failed, 0 skipped\n");
    arch::exit(2);
  }
  if (!hosted::map_ram()) {
    printf("# error: cannot map guest RAM at 0x%llx on this host\n", static_cast<unsigned long long>(hosted::kRamBase));
    arch::exit(2);
  }
  kernel::Platform& p = kernel::platform();
  p.arch = "host";
  p.ram_base = hosted::kRamBase;
  p.ram_size = hosted::kRamSize;
  p.cmdline = line;
  kernel::DmaMemory::init(kDmaPoolBase, kDmaPoolSize);
  if (machine) {
    if (!machine->init()) {
      printf("# error: the %s machine could not be built\n", machine->name);
      arch::exit(2);
    }
    hosted::set_endpoint_translation(machine->translate);
    printf("# hosted: %s\n", machine->description);
  } else if (!model || !model[0]) {
    printf("# hosted: runner self-tests only (no model=)\n");
  }
  arch::exit(kernel::run_tests(cmd));
}
