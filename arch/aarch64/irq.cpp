// Device interrupts on aarch64: a small table of handlers by GIC INTID, SPIs routed to this CPU.
#include "arch/aarch64/aarch64.h"
#include "kernel/arch.h"

namespace {
constexpr uint32_t kMaxIntid = 1020;  // SPIs end at 1019 (GICv2 IHI 0048 §2.2.1)
constexpr unsigned kSlots = 16;
struct Slot {
  uint32_t intid = 0;
  arch::IrqHandler fn = nullptr;
  void* ctx = nullptr;
};
Slot g_slots[kSlots];
}  // namespace

bool arch::irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool edge_triggered) {
  if (irq < 32 || irq >= kMaxIntid || !fn) return false;
  Slot* free_slot = nullptr;
  for (Slot& s : g_slots) {
    if (s.fn && s.intid == irq) return false;
    if (!s.fn && !free_slot) free_slot = &s;
  }
  if (!free_slot) return false;
  free_slot->intid = irq;
  free_slot->ctx = ctx;
  free_slot->fn = fn;
  aarch64::gic_enable_spi(irq, edge_triggered);
  return true;
}

void arch::irq_detach(uint32_t irq) {
  for (Slot& s : g_slots) {
    if (s.fn && s.intid == irq) {
      aarch64::gic_disable_spi(irq);
      s.fn = nullptr;
    }
  }
}

bool arch::msi_message(uint32_t, uint64_t*, uint32_t*) { return false; }

void arch::irq_trigger(uint32_t irq) { aarch64::gic_set_pending(irq); }

bool arch::aarch64::dispatch_device_irq(uint32_t intid) {
  for (Slot& s : g_slots) {
    if (s.fn && s.intid == intid) {
      s.fn(s.ctx);
      return true;
    }
  }
  return false;
}
