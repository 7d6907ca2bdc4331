// Legacy 8259A pair: remapped to vectors 0x20..0x2f, everything masked except what unmask() allows.
#pragma once

#include <cstdint>

namespace x86_64::pic {

inline constexpr unsigned kVectorBase = 0x20;  // IRQ n -> vector 0x20 + n
inline constexpr unsigned kIrqCount = 16;

void init();             // remap and mask every IRQ
void unmask(unsigned irq);
// True when the IRQ7 / IRQ15 that was just delivered is spurious (its ISR bit is clear). The caller
// must then not acknowledge it, except that a spurious IRQ15 still needs an EOI on the master
// (which did see the cascade on IRQ2).
bool is_spurious(unsigned irq);
void eoi(unsigned irq);
void eoi_master();

}  // namespace x86_64::pic
