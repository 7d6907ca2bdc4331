// 8254 PIT programming (Intel 82C54 data sheet: control word, modes 0 and 2) and the PC's port 0x61
// (bit 0: channel 2 gate, bit 1: speaker data enable, bit 5: channel 2 output, read-only).
#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"

namespace x86_64::pit {
namespace {

constexpr uint16_t kChannel0 = 0x40;
constexpr uint16_t kChannel2 = 0x42;
constexpr uint16_t kControl = 0x43;
constexpr uint16_t kPortB = 0x61;

// Control word: channel[7:6], access[5:4] (3 = low then high byte), mode[3:1], BCD[0].
constexpr uint8_t kCh0LoHiMode2 = 0x34;  // rate generator: one IRQ0 edge per period
constexpr uint8_t kCh2LoHiMode0 = 0xb0;  // interrupt on terminal count: OUT2 rises at zero

constexpr uint8_t kPortBGate2 = 0x01;
constexpr uint8_t kPortBSpeaker = 0x02;
constexpr uint8_t kPortBOut2 = 0x20;

}  // namespace

void start_periodic(uint32_t hz) {
  const uint32_t divisor = (kInputHz + hz / 2) / hz;  // 1000 Hz -> 1193 (1000.15 Hz)
  x86::outb(kControl, kCh0LoHiMode2);
  x86::outb(kChannel0, static_cast<uint8_t>(divisor));
  x86::outb(kChannel0, static_cast<uint8_t>(divisor >> 8));
}

uint64_t measure_tsc(uint16_t ticks) {
  // Gate low (channel 2 holds), speaker off, program mode 0 with the count.
  const uint8_t portb = x86::inb(kPortB) & ~(kPortBGate2 | kPortBSpeaker);
  x86::outb(kPortB, portb);
  x86::outb(kControl, kCh2LoHiMode0);
  x86::outb(kChannel2, static_cast<uint8_t>(ticks));
  x86::outb(kChannel2, static_cast<uint8_t>(ticks >> 8));
  // Raising the gate starts the count; OUT2 goes high when it reaches zero.
  const uint64_t start = x86::rdtsc();
  x86::outb(kPortB, portb | kPortBGate2);
  // Bounded: a machine without a PIT (e.g. q35,pit=off) must not hang the boot.
  bool done = false;
  for (uint32_t spins = 0; spins < 50000000 && !done; ++spins) done = (x86::inb(kPortB) & kPortBOut2) != 0;
  const uint64_t end = x86::rdtsc();
  x86::outb(kPortB, portb);
  return done ? end - start : 0;
}

}  // namespace x86_64::pit
