// PL011 console, polled (PrimeCell UART PL011 TRM: UARTDR at 0x000, UARTFR at 0x018, TXFF = FR[5]).
#include "arch/aarch64/aarch64.h"
#include "kernel/arch.h"
#include "kernel/mmio.h"

namespace {
constexpr uint64_t kUartDr = 0x000;
constexpr uint64_t kUartFr = 0x018;
constexpr uint32_t kFrTxff = 1u << 5;
// QEMU virt's PL011 before the DTB is read; replaced by the DT value in arch::init.
kernel::Mmio g_uart{0x09000000};
}  // namespace

void arch::aarch64::uart_init(uint64_t base) {
  if (base) g_uart = kernel::Mmio(base);
}

void arch::console_putc(char c) {
  for (int spins = 0; spins < 1000000 && (g_uart.read32(kUartFr) & kFrTxff); ++spins) {
  }
  g_uart.write32(kUartDr, static_cast<uint8_t>(c));
}
