// Local APIC in xAPIC mode, configured only so that the 8259 PIC reaches the CPU (LINT0 = ExtINT).
#pragma once

#include <cstdint>

namespace x86_64::lapic {

inline constexpr unsigned kSpuriousVector = 0xff;

uint64_t base();  // physical base from IA32_APIC_BASE
void init_virtual_wire();
uint32_t id();  // this CPU's APIC ID (xAPIC ID register [31:24])
void eoi();
void self_ipi(uint8_t vector);

}  // namespace x86_64::lapic
