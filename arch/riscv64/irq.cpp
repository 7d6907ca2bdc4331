// Device interrupts on riscv64: a small table of handlers by number. The number is what the machine's
// external interrupt controller names: an IMSIC interrupt identity (reached by MSI) where the DT has an IMSIC,
// else a PLIC source. irq_trigger makes the number pending from software: with an IMSIC by the same write
// a device's MSI is (seteipnum_le); with a PLIC, whose pending bits are read-only (PLIC spec §3.6), by a
// software pending bit and the supervisor software interrupt (sip.SSIP, writable from S-mode), as the
// self-IPI does on x86_64.
#include "arch/riscv64/riscv64.h"
#include "kernel/arch.h"

namespace {
constexpr unsigned kSlots = 16;
constexpr uint32_t kSoftIrqs = 1024;  // PLIC sources end at 1023
struct Slot {
  uint32_t irq = 0;
  arch::IrqHandler fn = nullptr;
  void* ctx = nullptr;
};
Slot g_slots[kSlots];
volatile uint64_t g_soft_pending[kSoftIrqs / 64];

namespace rv = arch::riscv64;
uint32_t highest_irq() { return rv::imsic_present() ? rv::imsic_ids() : rv::plic_sources(); }
void enable(uint32_t irq, bool on) {
  if (rv::imsic_present()) {
    rv::imsic_enable(irq, on);
  } else {
    rv::plic_enable(irq, on);
  }
}
}  // namespace

bool arch::irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool edge_triggered) {
  (void)edge_triggered;  // PLIC gateways are configured by the platform; MSIs are edges
  if (irq < kFirstDeviceIrq || irq > highest_irq() || !fn) return false;
  Slot* free_slot = nullptr;
  for (Slot& s : g_slots) {
    if (s.fn && s.irq == irq) return false;
    if (!s.fn && !free_slot) free_slot = &s;
  }
  if (!free_slot) return false;
  if (irq < kSoftIrqs) g_soft_pending[irq / 64] &= ~(1ull << (irq % 64));
  free_slot->irq = irq;
  free_slot->ctx = ctx;
  free_slot->fn = fn;
  enable(irq, true);
  return true;
}

void arch::irq_detach(uint32_t irq) {
  for (Slot& s : g_slots) {
    if (s.fn && s.irq == irq) {
      enable(irq, false);
      s.fn = nullptr;
    }
  }
}

// AIA §3.2: the address of the target interrupt file, the identity as data.
bool arch::msi_message(uint32_t irq, uint64_t* address, uint32_t* data) {
  if (!rv::imsic_present() || irq < kFirstDeviceIrq || irq > rv::imsic_ids()) return false;
  *address = rv::imsic_file();
  *data = irq;
  return true;
}

void arch::irq_trigger(uint32_t irq) {
  if (rv::imsic_present()) {
    if (irq >= kFirstDeviceIrq && irq <= rv::imsic_ids()) rv::imsic_send(irq);
    return;
  }
  if (irq >= kSoftIrqs) return;
  g_soft_pending[irq / 64] |= 1ull << (irq % 64);
  RISCV_SET_CSR(sip, rv::kSipSsip);
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
  for (uint32_t w = 0; w < kSoftIrqs / 64; ++w) {
    uint64_t bits = g_soft_pending[w];
    g_soft_pending[w] = 0;
    for (; bits; bits &= bits - 1) {
      const uint32_t irq = w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits));
      dispatch_device_irq(irq);  // a detached source is dropped, as the PLIC would not deliver it
    }
  }
}
