// Local APIC in xAPIC mode, configured only so that the 8259 PIC reaches the CPU (LINT0 = ExtINT).
#pragma once

#include <cstdint>

namespace x86_64::lapic {

inline constexpr unsigned kSpuriousVector = 0xff;

uint64_t base();  // physical base from IA32_APIC_BASE
void init_virtual_wire();

}  // namespace x86_64::lapic
