// The boot hart's supervisor-level IMSIC interrupt file (RISC-V AIA v1.0 ch. 3), the external interrupt
// controller of a virt machine with aia=aplic-imsic: MSIs are 32-bit writes of an interrupt identity to the
// file's seteipnum_le (§3.5); software reaches the file's eidelivery, eithreshold, eip and eie registers
// through siselect/sireg (§3.7: register numbers 0x70-0xFF; §3.8) and claims the highest pending identity
// through stopei (§3.9).
// The APLIC (wired sources) stays as firmware left it: no device the kernel drives uses a wire.
#include "arch/riscv64/riscv64.h"
#include "kernel/mmio.h"

namespace {
// §3.7 register numbers through siselect.
constexpr uint64_t kEidelivery = 0x70, kEithreshold = 0x72, kEip0 = 0x80, kEie0 = 0xc0;
constexpr uint64_t kEideliveryOn = 1;  // "Interrupt delivery from the interrupt file is enabled"
constexpr unsigned kTopeiIdentityShift = 16;  // §3.9: bits 26:16 the identity
constexpr uint64_t kTopeiIdentityMask = 0x7ff;
constexpr uint64_t kSeteipnumLe = 0x000;

kernel::Mmio g_file;
uint32_t g_ids = 0;

uint64_t read_ireg(uint64_t reg) {
  RISCV_WRITE_CSR(siselect, reg);
  return RISCV_READ_CSR(sireg);
}
void write_ireg(uint64_t reg, uint64_t v) {
  RISCV_WRITE_CSR(siselect, reg);
  RISCV_WRITE_CSR(sireg, v);
}
// §3.8.3/3.8.4 with XLEN 64: identity i lives in bit i % 64 of the even register 2 * (i / 64); odd registers
// do not exist (accessing one is an illegal instruction).
uint64_t array_reg(uint64_t first, uint32_t id) { return first + 2 * (id / 64); }
uint64_t array_bit(uint32_t id) { return 1ull << (id % 64); }
void set_array_bit(uint64_t first, uint32_t id, bool on) {
  const uint64_t reg = array_reg(first, id);
  const uint64_t v = read_ireg(reg);
  write_ireg(reg, on ? (v | array_bit(id)) : (v & ~array_bit(id)));
}
}  // namespace

bool arch::riscv64::imsic_init(uint64_t file, uint32_t ids) {
  if (!file || ids < 63 || ids > 2047) return false;
  g_file = kernel::Mmio(file);
  g_ids = ids;
  // Every identity disabled and not pending; no threshold; delivery from this file (its reset value is
  // UNSPECIFIED or the PLIC/APLIC mode, §3.8.1).
  for (uint32_t id = 0; id <= ids; id += 64) {
    write_ireg(array_reg(kEie0, id), 0);
    write_ireg(array_reg(kEip0, id), 0);
  }
  write_ireg(kEithreshold, 0);
  write_ireg(kEidelivery, kEideliveryOn);
  if (read_ireg(kEidelivery) != kEideliveryOn) return false;  // WARL: the file refused
  RISCV_SET_CSR(sie, kSieSeie);
  return true;
}

bool arch::riscv64::imsic_present() { return g_ids != 0; }
uint32_t arch::riscv64::imsic_ids() { return g_ids; }
uint64_t arch::riscv64::imsic_file() { return g_file.base(); }

void arch::riscv64::imsic_enable(uint32_t id, bool on) {
  if (!on) {
    set_array_bit(kEie0, id, false);
    return;
  }
  set_array_bit(kEip0, id, false);  // a stale pending bit from before the attach is dropped
  set_array_bit(kEie0, id, true);
}

uint32_t arch::riscv64::imsic_claim() {
  // One CSRRW reads and claims together (§3.9: two instructions could clear a newer, higher-priority identity).
  uint64_t top;
  asm volatile("csrrw %0, stopei, zero" : "=r"(top)::"memory");
  return static_cast<uint32_t>((top >> kTopeiIdentityShift) & kTopeiIdentityMask);
}

// The same 32-bit write a device's MSI is (§3.5: seteipnum_le), issued by the hart.
void arch::riscv64::imsic_send(uint32_t id) { g_file.write32(kSeteipnumLe, id); }
