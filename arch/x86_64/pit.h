// 8254 PIT: channel 0 as the periodic tick (IRQ0), channel 2 as a polled reference for TSC calibration.
#pragma once

#include <cstdint>

namespace x86_64::pit {

inline constexpr uint32_t kInputHz = 1193182;  // 14.31818 MHz / 12
inline constexpr unsigned kTimerIrq = 0;        // channel 0's output is wired to IRQ0

void start_periodic(uint32_t hz);
// Busy-waits `ticks` PIT input clocks (< 65536) on channel 2 with its output polled through port 0x61;
// needs no interrupts. Returns the TSC cycles that elapsed, 0 if OUT2 never rose.
uint64_t measure_tsc(uint16_t ticks);

}  // namespace x86_64::pit
