// 8259A programming (Intel 8259A data sheet: ICW1..ICW4 initialization, OCW2 EOI, OCW3 ISR read).
#include "arch/x86_64/pic.h"

#include "arch/x86_64/cpu.h"

namespace x86_64::pic {
namespace {

constexpr uint16_t kMasterCmd = 0x20, kMasterData = 0x21;
constexpr uint16_t kSlaveCmd = 0xa0, kSlaveData = 0xa1;

constexpr uint8_t kIcw1Init = 0x11;      // ICW1: init, edge triggered, cascade, ICW4 follows
constexpr uint8_t kIcw3MasterHasSlaveOnIrq2 = 1u << 2;
constexpr uint8_t kIcw3SlaveId = 2;
constexpr uint8_t kIcw4_8086 = 0x01;     // 8086 mode, normal (not auto) EOI
constexpr uint8_t kOcw2Eoi = 0x20;       // non-specific EOI
constexpr uint8_t kOcw3ReadIsr = 0x0b;
constexpr unsigned kCascadeIrq = 2;

uint16_t mask = 0xffff;  // bit n set: IRQ n masked

void write_masks() {
  x86::outb(kMasterData, static_cast<uint8_t>(mask));
  x86::outb(kSlaveData, static_cast<uint8_t>(mask >> 8));
}

uint8_t read_isr(uint16_t cmd_port) {
  x86::outb(cmd_port, kOcw3ReadIsr);
  return x86::inb(cmd_port);
}

}  // namespace

void init() {
  x86::outb(kMasterCmd, kIcw1Init);
  x86::outb(kSlaveCmd, kIcw1Init);
  x86::outb(kMasterData, kVectorBase);      // ICW2: vector base
  x86::outb(kSlaveData, kVectorBase + 8);
  x86::outb(kMasterData, kIcw3MasterHasSlaveOnIrq2);
  x86::outb(kSlaveData, kIcw3SlaveId);
  x86::outb(kMasterData, kIcw4_8086);
  x86::outb(kSlaveData, kIcw4_8086);
  mask = 0xffff;
  write_masks();
}

void unmask(unsigned irq) {
  mask &= static_cast<uint16_t>(~(1u << irq));
  if (irq >= 8) mask &= static_cast<uint16_t>(~(1u << kCascadeIrq));
  write_masks();
}

bool is_spurious(unsigned irq) {
  if (irq == 7) return (read_isr(kMasterCmd) & 0x80) == 0;
  if (irq == 15) return (read_isr(kSlaveCmd) & 0x80) == 0;
  return false;
}

void eoi_master() { x86::outb(kMasterCmd, kOcw2Eoi); }

void eoi(unsigned irq) {
  if (irq >= 8) x86::outb(kSlaveCmd, kOcw2Eoi);
  eoi_master();
}

}  // namespace x86_64::pic
