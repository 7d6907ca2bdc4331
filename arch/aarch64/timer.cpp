// Time from the generic timer's virtual counter; a 1 kHz tick from the EL1 virtual timer (Arm ARM D11).
#include "arch/aarch64/aarch64.h"
#include "kernel/arch.h"

namespace {
uint64_t g_freq = 0;
uint64_t g_period = 0;
uint64_t g_next = 0;
}  // namespace

void arch::aarch64::timer_init() {
  g_freq = AARCH64_READ_SYSREG(cntfrq_el0);
  if (g_freq == 0) g_freq = 62500000;  // QEMU's default; CNTFRQ is firmware-set on real hardware
  g_period = g_freq / 1000;
  g_next = AARCH64_READ_SYSREG(cntvct_el0) + g_period;
  AARCH64_WRITE_SYSREG(cntv_cval_el0, g_next);
  AARCH64_WRITE_SYSREG(cntv_ctl_el0, 1);  // ENABLE, IMASK clear
  gic_enable_ppi(kVirtualTimerPpi);
}

void arch::aarch64::timer_handle() {
  // Skip ticks missed while interrupts were masked instead of firing a burst.
  const uint64_t now = AARCH64_READ_SYSREG(cntvct_el0);
  do g_next += g_period;
  while (g_next <= now);
  AARCH64_WRITE_SYSREG(cntv_cval_el0, g_next);
}

uint64_t arch::now_ns() {
  const uint64_t t = AARCH64_READ_SYSREG(cntvct_el0);
  if (!g_freq) return 0;
  return (t / g_freq) * 1000000000ull + (t % g_freq) * 1000000000ull / g_freq;
}

uint64_t arch::cycles() { return AARCH64_READ_SYSREG(cntvct_el0); }
uint64_t arch::cycles_hz() { return g_freq; }
