// Final GDT (replacing boot.S's boot GDT with the same selectors), 64-bit TSS, and a 256-entry IDT
// pointing at the stubs in vectors.S. Layouts: SDM 3A 3.4.5 (segment descriptors), 7.2.3 (TSS
// descriptor in 64-bit mode), 7.7 (64-bit TSS), 6.14.1 (64-bit IDT gate descriptors).
#include "arch/x86_64/descriptors.h"

#include <cstdint>

extern "C" const char x86_64_isr_stubs[];

namespace x86_64 {
namespace {

struct __attribute__((packed)) Tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];  // stacks for privilege changes; unused (everything runs at CPL0)
  uint64_t reserved1;
  uint64_t ist[7];  // IST1..IST7
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;  // >= limit: no I/O permission bitmap
};
static_assert(sizeof(Tss64) == 104);

struct __attribute__((packed)) DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};

struct IdtGate {
  uint16_t offset_lo;
  uint16_t selector;
  uint8_t ist;         // bits 2:0
  uint8_t type_attr;   // P | DPL | type
  uint16_t offset_mid;
  uint32_t offset_hi;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

constexpr uint8_t kInterruptGate = 0x8e;  // P=1, DPL=0, type 0xE: 64-bit interrupt gate (clears IF)
constexpr uint64_t kCode64 = 0x00af9a000000ffff;  // P, DPL0, code exec/read, L=1, D=0
constexpr uint64_t kData = 0x00cf92000000ffff;    // P, DPL0, data read/write

constexpr unsigned kIstStackSize = 16 * 1024;
alignas(16) uint8_t ist_stacks[2][kIstStackSize];

Tss64 tss;
uint64_t gdt[5];
IdtGate idt[256];

uint64_t tss_descriptor_low(uint64_t base, uint32_t limit) {
  return (limit & 0xffffu) | (base & 0xffffffu) << 16 | uint64_t{0x89} << 40  // P=1, type 9: available TSS
         | uint64_t{(limit >> 16) & 0xfu} << 48 | ((base >> 24) & 0xffu) << 56;
}

}  // namespace

void install_gdt_and_tss() {
  tss.ist[kIstDoubleFault - 1] = reinterpret_cast<uint64_t>(&ist_stacks[0][kIstStackSize]);
  tss.ist[kIstNmi - 1] = reinterpret_cast<uint64_t>(&ist_stacks[1][kIstStackSize]);
  tss.iomap_base = sizeof(Tss64);

  const uint64_t base = reinterpret_cast<uint64_t>(&tss);
  gdt[0] = 0;
  gdt[kSelCode64 / 8] = kCode64;
  gdt[kSelData / 8] = kData;
  gdt[kSelTss / 8] = tss_descriptor_low(base, sizeof(Tss64) - 1);
  gdt[kSelTss / 8 + 1] = base >> 32;

  const DescriptorPointer gdtr{sizeof(gdt) - 1, reinterpret_cast<uint64_t>(gdt)};
  // CS (0x08) and the data selectors keep their values and identical descriptors, so the cached
  // segment state stays valid; only TR is new.
  asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
  asm volatile("ltr %w0" : : "r"(kSelTss) : "memory");
}

void install_idt() {
  const uint64_t stubs = reinterpret_cast<uint64_t>(x86_64_isr_stubs);
  for (unsigned v = 0; v < 256; ++v) {
    const uint64_t handler = stubs + 16 * v;
    uint8_t ist = 0;
    if (v == 8) ist = kIstDoubleFault;
    if (v == 2) ist = kIstNmi;
    if (v == 18) ist = kIstMachineCheck;
    idt[v] = IdtGate{static_cast<uint16_t>(handler), kSelCode64, ist, kInterruptGate,
                     static_cast<uint16_t>(handler >> 16), static_cast<uint32_t>(handler >> 32), 0};
  }
  const DescriptorPointer idtr{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
  asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

}  // namespace x86_64
