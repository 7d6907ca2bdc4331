// Device interrupts on x86_64: MSIs delivered straight to this CPU's local APIC at IDT vectors
// [kFirstDeviceIrq, 0xfe]; the PIC keeps only the PIT tick.
#include "arch/x86_64/irq.h"

#include "arch/x86_64/lapic.h"
#include "kernel/arch.h"

namespace {
struct Slot {
  arch::IrqHandler fn = nullptr;
  void* ctx = nullptr;
};
Slot g_slots[256];
}  // namespace

bool arch::irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool) {
  if (irq < kFirstDeviceIrq || irq >= x86_64::lapic::kSpuriousVector || !fn || g_slots[irq].fn)
    return false;
  g_slots[irq] = {fn, ctx};
  return true;
}

void arch::irq_detach(uint32_t irq) {
  if (irq < 256) g_slots[irq] = {};
}

// MSI address 0xFEE0_0000 | destination APIC ID << 12 (physical mode); data = vector, fixed delivery,
// edge (Intel SDM 3A 11.11.1, 11.11.2).
bool arch::msi_message(uint32_t irq, uint64_t* address, uint32_t* data) {
  if (irq < kFirstDeviceIrq || irq >= x86_64::lapic::kSpuriousVector) return false;
  *address = 0xfee00000u | (uint64_t{x86_64::lapic::id()} << 12);
  *data = irq;
  return true;
}

bool x86_64::dispatch_device_irq(uint64_t vector) {
  if (vector < arch::kFirstDeviceIrq || vector >= lapic::kSpuriousVector) return false;
  const Slot& s = g_slots[vector];
  if (s.fn) s.fn(s.ctx);
  lapic::eoi();  // after the handler, which has cleared its source
  return true;
}

// Self-IPI through the ICR: fixed delivery, "self" shorthand (SDM 3A 11.6.1).
void arch::irq_trigger(uint32_t irq) { x86_64::lapic::self_ipi(static_cast<uint8_t>(irq)); }
