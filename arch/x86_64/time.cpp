// arch::now_ns from the TSC, calibrated against PIT channel 2. Under TCG both the TSC and the PIT
// follow QEMU's clocks (with -icount both follow the instruction count), so the TSC measured in PIT
// time gives a time base consistent with the 1 kHz tick and with device timers.
#include "arch/x86_64/time.h"

#include <cstdio>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "kernel/arch.h"

namespace x86_64::timebase {
namespace {

// 5 ms of PIT clocks: short for boot time, and the PIT's 0.84 us granularity still gives 0.02%.
constexpr uint16_t kCalibrationTicks = pit::kInputHz / 200;
constexpr uint64_t kFallbackHz = 1000000000;  // when the PIT is absent: assume 1 GHz, and say so

uint64_t hz = 0;
uint64_t epoch = 0;
uint64_t ns_per_cycle_q32 = 0;  // nanoseconds per TSC cycle, 32.32 fixed point

}  // namespace

void calibrate() {
  const uint64_t cycles = pit::measure_tsc(kCalibrationTicks);
  if (cycles == 0) {
    hz = kFallbackHz;
    printf("# x86_64: PIT channel 2 did not count; assuming a %llu Hz TSC\n",
           static_cast<unsigned long long>(hz));
  } else {
    hz = cycles * pit::kInputHz / kCalibrationTicks;
  }
  ns_per_cycle_q32 = (uint64_t{1000000000} << 32) / hz;
  epoch = x86::rdtsc();
}

uint64_t tsc_hz() { return hz; }

}  // namespace x86_64::timebase

uint64_t arch::now_ns() {
  using namespace x86_64::timebase;
  if (ns_per_cycle_q32 == 0) return 0;  // before calibration
  const uint64_t cycles = x86::rdtsc() - epoch;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(cycles) * ns_per_cycle_q32) >> 32);
}

uint64_t arch::cycles() { return x86::rdtsc(); }
// The boot's calibration is one 5 ms sample, which a busy host can stretch (the vCPU thread descheduled
// between reading the TSC and starting the PIT) by tens of percent. A benchmark converting cycles to
// seconds asks once for better: the shortest of 7 samples of 10 ms, the one least disturbed.
uint64_t arch::cycles_hz() {
  static uint64_t hz = 0;
  if (hz) return hz;
  constexpr uint16_t kTicks = x86_64::pit::kInputHz / 100;
  uint64_t best = 0;
  for (int i = 0; i < 7; ++i) {
    const uint64_t c = x86_64::pit::measure_tsc(kTicks);
    if (c && (!best || c < best)) best = c;
  }
  hz = best ? best * x86_64::pit::kInputHz / kTicks : x86_64::timebase::tsc_hz();
  return hz;
}
