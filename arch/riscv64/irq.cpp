// Device interrupts on riscv64: a small table of handlers by PLIC source number. irq_trigger marks a
// source pending in software and raises the supervisor software interrupt (sip.SSIP, writable from
// S-mode): the PLIC's pending bits are read-only (PLIC spec §3.6), so this proves the dispatch path
// without a device, as the self-IPI does on x86_64.
#include "arch/riscv64/riscv64.h"
#include "kernel/arch.h"

namespace {
constexpr unsigned kSlots = 16;
struct Slot {
  uint32_t irq = 0;
  arch::IrqHandler fn = nullptr;
  void* ctx = nullptr;
};
Slot g_slots[kSlots];
volatile uint64_t g_soft_pending[1024 / 64];  // PLIC sources end at 1023
}  // namespace

bool arch::irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool edge_triggered) {
  (void)edge_triggered;  // the PLIC's gateways are configured by the platform, not by software
  if (irq < kFirstDeviceIrq || irq > riscv64::plic_sources() || !fn) return false;
  Slot* free_slot = nullptr;
  for (Slot& s : g_slots) {
    if (s.fn && s.irq == irq) return false;
    if (!s.fn && !free_slot) free_slot = &s;
  }
  if (!free_slot) return false;
  g_soft_pending[irq / 64] &= ~(1ull << (irq % 64));
  free_slot->irq = irq;
  free_slot->ctx = ctx;
  free_slot->fn = fn;
  riscv64::plic_enable(irq, true);
  return true;
}

void arch::irq_detach(uint32_t irq) {
  for (Slot& s : g_slots) {
    if (s.fn && s.irq == irq) {
      riscv64::plic_enable(irq, false);
      s.fn = nullptr;
    }
  }
}

bool arch::msi_message(uint32_t, uint64_t*, uint32_t*) { return false; }

void arch::irq_trigger(uint32_t irq) {
  if (irq >= 1024) return;
  g_soft_pending[irq / 64] |= 1ull << (irq % 64);
  RISCV_SET_CSR(sip, riscv64::kSipSsip);
}

bool arch::riscv64::dispatch_device_irq(uint32_t irq) {
  for (Slot& s : g_slots) {
    if (s.fn && s.irq == irq) {
      s.fn(s.ctx);
      return true;
    }
  }
  return false;
}

void arch::riscv64::dispatch_software_irqs() {
  for (uint32_t w = 0; w < 1024 / 64; ++w) {
    uint64_t bits = g_soft_pending[w];
    g_soft_pending[w] = 0;
    for (; bits; bits &= bits - 1) {
      const uint32_t irq = w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits));
      dispatch_device_irq(irq);  // a detached source is dropped, as the PLIC would not deliver it
    }
  }
}
