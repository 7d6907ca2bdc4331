// NS16550A console, polled (QEMU virt's "ns16550a", reg-shift 0: THR at 0, LSR at 5, LSR.THRE = bit 5).
#include "arch/riscv64/riscv64.h"
#include "kernel/arch.h"
#include "kernel/mmio.h"

namespace {
constexpr uint64_t kThr = 0;
constexpr uint64_t kLsr = 5;
constexpr uint8_t kLsrThre = 1u << 5;
// QEMU virt's UART before the DTB is read (hw/riscv/virt.c VIRT_UART0); replaced by the DT value.
kernel::Mmio g_uart{0x10000000};
}  // namespace

void arch::riscv64::uart_init(uint64_t base) {
  if (base) g_uart = kernel::Mmio(base);
}

void arch::console_putc(char c) {
  for (int spins = 0; spins < 1000000 && !(g_uart.read8(kLsr) & kLsrThre); ++spins) {
  }
  g_uart.write8(kThr, static_cast<uint8_t>(c));
}
