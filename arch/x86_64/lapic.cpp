// "Virtual wire" mode (SDM 3A 11.5.1 Local Vector Table; MP spec 3.6.2.2): the 8259's INTR goes in
// through LINT0 programmed as ExtINT, NMI through LINT1. Firmware usually does this; qboot does not
// promise it, and KVM's in-kernel LAPIC only passes PIC interrupts through when LINT0 is an unmasked
// ExtINT, so we program it ourselves.
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "kernel/mmio.h"

namespace x86_64::lapic {
namespace {

constexpr uint32_t kMsrApicBase = 0x1b;
constexpr uint64_t kApicBaseEnable = 1u << 11;
constexpr uint64_t kApicBaseMask = 0x000ffffffffff000;

// Register offsets (SDM 3A table 11-1).
constexpr uint64_t kId = 0x20;
constexpr uint64_t kTpr = 0x80;
constexpr uint64_t kEoi = 0xb0;
constexpr uint64_t kIcrLow = 0x300;
constexpr uint32_t kIcrShorthandSelf = 1u << 18;
constexpr uint64_t kSvr = 0xf0;
constexpr uint64_t kLvtLint0 = 0x350;
constexpr uint64_t kLvtLint1 = 0x360;

constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kLvtDeliveryExtInt = 7u << 8;
constexpr uint32_t kLvtDeliveryNmi = 4u << 8;

}  // namespace

uint64_t base() { return x86::rdmsr(kMsrApicBase) & kApicBaseMask; }

void init_virtual_wire() {
  if ((x86::rdmsr(kMsrApicBase) & kApicBaseEnable) == 0) return;  // globally disabled: PIC goes straight in
  const kernel::Mmio apic(base());
  apic.write32(kSvr, kSvrEnable | kSpuriousVector);  // software-enable: LVT masks become writable
  apic.write32(kTpr, 0);
  apic.write32(kLvtLint0, kLvtDeliveryExtInt);
  apic.write32(kLvtLint1, kLvtDeliveryNmi);
}

uint32_t id() { return kernel::Mmio(base()).read32(kId) >> 24; }

void eoi() { kernel::Mmio(base()).write32(kEoi, 0); }

void self_ipi(uint8_t vector) { kernel::Mmio(base()).write32(kIcrLow, kIcrShorthandSelf | vector); }

}  // namespace x86_64::lapic
