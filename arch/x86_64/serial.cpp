// COM1 console. Register offsets and bits: the National Semiconductor PC16550D data sheet.
// "\n" is sent as-is (no "\r\n"): the consumer is the harness reading a pipe, which wants plain lines.
#include "arch/x86_64/serial.h"

#include <cstdint>

#include "arch/x86_64/cpu.h"
#include "kernel/arch.h"

namespace x86_64::serial {
namespace {

constexpr uint16_t kCom1 = 0x3f8;
// Register offsets from the base port.
constexpr uint16_t kThr = 0;  // transmit holding (DLAB=0)
constexpr uint16_t kDll = 0;  // divisor latch low (DLAB=1)
constexpr uint16_t kIer = 1;  // interrupt enable (DLAB=0)
constexpr uint16_t kDlm = 1;  // divisor latch high (DLAB=1)
constexpr uint16_t kFcr = 2;  // FIFO control
constexpr uint16_t kLcr = 3;  // line control
constexpr uint16_t kMcr = 4;  // modem control
constexpr uint16_t kLsr = 5;  // line status

constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kLcr8N1 = 0x03;
constexpr uint8_t kFcrEnableClear = 0x07;  // enable FIFOs, clear RX and TX FIFOs
constexpr uint8_t kMcrDtrRts = 0x03;       // OUT2 left clear: the UART never raises IRQ4
constexpr uint8_t kLsrThre = 0x20;         // transmit holding register empty

constexpr uint16_t kDivisor115200 = 1;  // 1.8432 MHz / 16 / 115200

bool initialized = false;

}  // namespace

void init() {
  x86::outb(kCom1 + kIer, 0);
  x86::outb(kCom1 + kLcr, kLcrDlab);
  x86::outb(kCom1 + kDll, kDivisor115200 & 0xff);
  x86::outb(kCom1 + kDlm, kDivisor115200 >> 8);
  x86::outb(kCom1 + kLcr, kLcr8N1);
  x86::outb(kCom1 + kFcr, kFcrEnableClear);
  x86::outb(kCom1 + kMcr, kMcrDtrRts);
  initialized = true;
}

void putc(char c) {
  if (!initialized) init();
  // Bounded wait: a missing or wedged UART must not hang the run (QEMU's is always ready).
  for (unsigned spins = 0; spins < 100000; ++spins) {
    if (x86::inb(kCom1 + kLsr) & kLsrThre) break;
  }
  x86::outb(kCom1 + kThr, static_cast<uint8_t>(c));
}

}  // namespace x86_64::serial

void arch::console_putc(char c) { x86_64::serial::putc(c); }
