// Time from the `time` CSR (rdtime; its rate is the DT's /cpus timebase-frequency); a 1 kHz tick from
// the SBI timer (SBI spec v2.0 §6 "Timer Extension", sbi_set_timer) and the supervisor timer interrupt.
// OpenSBI programs Sstc's stimecmp itself where the hart has it.
#include "arch/riscv64/riscv64.h"
#include "kernel/arch.h"

namespace {
constexpr uint64_t kSbiTime = 0x54494d45;  // "TIME"
uint64_t g_freq = 0;
uint64_t g_period = 0;
uint64_t g_next = 0;

uint64_t rdtime() {
  uint64_t t;
  asm volatile("rdtime %0" : "=r"(t)::"memory");
  return t;
}
}  // namespace

void arch::riscv64::timer_init(uint64_t timebase_hz) {
  g_freq = timebase_hz;
  g_period = g_freq / 1000 ? g_freq / 1000 : 1;
  g_next = rdtime() + g_period;
  sbi_call(kSbiTime, 0, g_next);
  RISCV_SET_CSR(sie, kSieStie);
}

void arch::riscv64::timer_handle() {
  // Skip ticks missed while interrupts were masked instead of firing a burst. Setting the next
  // deadline clears the pending timer interrupt (SBI spec §6.1).
  const uint64_t now = rdtime();
  do g_next += g_period;
  while (g_next <= now);
  sbi_call(kSbiTime, 0, g_next);
}

uint64_t arch::now_ns() {
  const uint64_t t = rdtime();
  if (!g_freq) return 0;
  return (t / g_freq) * 1000000000ull + (t % g_freq) * 1000000000ull / g_freq;
}

uint64_t arch::cycles() { return rdtime(); }
uint64_t arch::cycles_hz() { return g_freq; }
