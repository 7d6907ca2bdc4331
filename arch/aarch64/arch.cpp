// aarch64 virt bring-up: discovery from the DTB, console, MMU, GIC and tick, exit through semihosting.
#include <cstdio>

#include "arch/aarch64/aarch64.h"
#include "kernel/arch.h"
#include "kernel/fdt.h"
#include "kernel/platform.h"

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

extern "C" [[noreturn]] void aarch64_start(uint64_t dtb) {
  for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();
  arch::init(dtb);
  kernel::main();
  arch::exit(1);  // kernel::main exits itself; reaching here is a bug
}

void arch::init(uint64_t boot_arg) {
  kernel::Platform& p = kernel::platform();
  p.arch = "aarch64";
  // The DTB is read with the MMU still off (all accesses Device-nGnRnE: code is -mstrict-align).
  // QEMU 7.2 enters an ELF image with x0 = 0 (measured), not the DTB; it still places the DTB at the
  // start of RAM when the image leaves room (the image is linked 2 MiB above it for that reason).
  constexpr uint64_t kVirtDtb = 0x40000000;
  if (boot_arg == 0) boot_arg = kVirtDtb;
  if (!kernel::fdt_discover(reinterpret_cast<const void*>(boot_arg), p)) {
    printf("# boot: no valid DTB at 0x%llx\n", (unsigned long long)boot_arg);
    arch::exit(2);
  }
  aarch64::uart_init(p.console_base);
  aarch64::mmu_init(p.ram_base, p.ram_size);
  if (!aarch64::gic_init(p.intc_dist, p.intc_cpu, p.intc_version)) {
    printf("# boot: no usable GIC in the DTB\n");
    arch::exit(2);
  }
  aarch64::timer_init();
}

void arch::irq_enable() { asm volatile("msr daifclr, #2" ::: "memory"); }
void arch::irq_disable() { asm volatile("msr daifset, #2" ::: "memory"); }
void arch::wait_for_interrupt() { asm volatile("dsb sy; wfi" ::: "memory"); }

// DMA ordering (Arm ARM B2.3): DSB orders normal-memory writes before a later Device write (doorbell),
// and a device-written completion before later reads of the data it guards.
void arch::dma_wmb() { asm volatile("dsb st" ::: "memory"); }
void arch::dma_rmb() { asm volatile("dsb ld" ::: "memory"); }
void arch::mb() { asm volatile("dsb sy" ::: "memory"); }

void arch::exit(int status) {
  fflush(stdout);
  // Semihosting SYS_EXIT (0x18) with the AArch64 parameter block {ADP_Stopped_ApplicationExit, code};
  // QEMU (-semihosting) exits with `code`.
  static volatile uint64_t block[2];
  block[0] = 0x20026;
  block[1] = static_cast<uint64_t>(status);
  register uint64_t w0 asm("x0") = 0x18;
  register uint64_t x1 asm("x1") = reinterpret_cast<uint64_t>(block);
  asm volatile("hlt #0xf000" : : "r"(w0), "r"(x1) : "memory");
  // No semihosting: PSCI SYSTEM_OFF (exits 0, so the harness sees no status and reports it).
  register uint64_t fn asm("x0") = 0x84000008;
  asm volatile("hvc #0" : : "r"(fn) : "memory");
  for (;;) asm volatile("wfi");
}
