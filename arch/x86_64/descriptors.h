// GDT (with the TSS that holds the double-fault IST stack) and IDT.
#pragma once

namespace x86_64 {

inline constexpr unsigned kSelCode64 = 0x08;
inline constexpr unsigned kSelData = 0x10;
inline constexpr unsigned kSelTss = 0x18;

// Vectors with their own interrupt stack (TSS IST slot numbers, 1-based as in the IDT gate).
inline constexpr unsigned kIstDoubleFault = 1;  // #DF: a stack overflow must still be reported
inline constexpr unsigned kIstNmi = 2;          // NMI / #MC may arrive on any stack
inline constexpr unsigned kIstMachineCheck = 2;

void install_gdt_and_tss();
void install_idt();

}  // namespace x86_64
