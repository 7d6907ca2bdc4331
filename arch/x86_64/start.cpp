// The first C++ code: called by boot.S in 64-bit mode on the boot stack, with .bss zeroed and
// x87/SSE enabled. Console and exception vectors first (so constructors may print, and a fault in
// one is reported instead of triple-faulting), then constructors, arch::init, and the kernel.
#include <cstdint>
#include <cstdio>

#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/serial.h"
#include "kernel/arch.h"

extern "C" {
using Constructor = void (*)();
extern const Constructor __init_array_start[];
extern const Constructor __init_array_end[];

[[noreturn]] void x86_64_boot_main(uint32_t start_info);
}

void x86_64_boot_main(uint32_t start_info) {
  x86_64::serial::init();
  x86_64::install_gdt_and_tss();
  x86_64::install_idt();
  for (const Constructor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
  arch::init(start_info);
  kernel::main();
  // kernel::main ends the run itself through arch::exit with the suite's status; returning means it
  // could not, so the run is reported as failed rather than as passed.
  fflush(stdout);
  printf("# x86_64: kernel::main returned\n");
  fflush(stdout);
  arch::exit(1);
}
