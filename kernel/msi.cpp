#include "kernel/msi.h"

#include "kernel/test.h"

namespace kernel {

namespace {
// Above every architecture's range (an IMSIC interrupt file implements at most 2047 identities, AIA §3.1): the
// search starts here and msi_message() refuses what the machine lacks.
constexpr uint32_t kHighestMsiIrq = 2047;

struct Slot {
  uint32_t irq = 0;  // 0: free
  uint32_t generation = 0;
  Msi::Scope scope = Msi::Scope::kCase;
  volatile unsigned count = 0;
  arch::IrqHandler fn = nullptr;
  void* ctx = nullptr;
};
constexpr unsigned kSlots = 16;
Slot g_slots[kSlots];

void on_irq(void* ctx) {
  Slot* s = static_cast<Slot*>(ctx);
  s->count = s->count + 1;
  if (s->fn) s->fn(s->ctx);
}

void free_slot(Slot& s) {
  arch::irq_detach(s.irq);
  s.irq = 0;
  ++s.generation;
}

// After an abandoned case: the messages its Msi objects held are released (their objects are gone).
void release_case_scoped() {
  for (Slot& s : g_slots)
    if (s.irq && s.scope == Msi::Scope::kCase) free_slot(s);
}
}  // namespace

bool Msi::allocate(Scope scope, arch::IrqHandler fn, void* ctx) {
  release();
  register_abort_cleanup(release_case_scoped);
  Slot* slot = nullptr;
  for (Slot& s : g_slots) {
    if (!s.irq) {
      slot = &s;
      break;
    }
  }
  if (!slot) return false;
  slot->count = 0;
  slot->scope = scope;
  slot->fn = fn;
  slot->ctx = ctx;
  for (uint32_t irq = kHighestMsiIrq; irq >= arch::kFirstDeviceIrq && irq > 0; --irq) {
    uint64_t address = 0;
    uint32_t data = 0;
    if (!arch::msi_message(irq, &address, &data)) continue;
    if (!arch::irq_attach(irq, on_irq, slot, true)) continue;  // taken
    slot->irq = irq;
    slot_ = static_cast<unsigned>(slot - g_slots) + 1;
    generation_ = slot->generation;
    irq_ = irq;
    address_ = address;
    data_ = data;
    consumed_ = 0;
    return true;
  }
  return false;
}

bool Msi::allocated() const {
  return slot_ && g_slots[slot_ - 1].irq && g_slots[slot_ - 1].generation == generation_;
}

void Msi::release() {
  if (allocated()) free_slot(g_slots[slot_ - 1]);
  slot_ = 0;
}

unsigned Msi::count() const { return allocated() ? g_slots[slot_ - 1].count : 0; }

bool Msi::wait(uint32_t timeout_ms) {
  if (!allocated() || !wait_until([&] { return count() != consumed_; }, timeout_ms)) return false;
  ++consumed_;
  return true;
}

}  // namespace kernel
