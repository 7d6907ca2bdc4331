// x86_64 instructions the arch layer needs, as typed inline functions: port I/O, control registers,
// TSC, descriptor-table loads. Register bit names follow the Intel SDM Vol. 3A, 2.5 "Control Registers".
#pragma once

#include <cstdint>

namespace x86 {

// CR0 (SDM 3A 2.5).
inline constexpr uint64_t kCr0Mp = 1u << 1;   // monitor coprocessor: WAIT/FWAIT honour TS
inline constexpr uint64_t kCr0Em = 1u << 2;   // emulation: x87/SSE instructions fault (#UD/#NM) when set
inline constexpr uint64_t kCr0Ne = 1u << 5;   // native x87 error reporting (#MF instead of IRQ13)
// CR4 (SDM 3A 2.5).
inline constexpr uint64_t kCr4OsFxsr = 1u << 9;        // FXSAVE/FXRSTOR + SSE instructions enabled
inline constexpr uint64_t kCr4OsXmmExcpt = 1u << 10;   // unmasked SIMD FP exceptions raise #XM

inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

inline uint64_t read_cr0() {
  uint64_t v;
  asm volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
inline uint64_t read_cr2() {
  uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr3() {
  uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline uint64_t read_cr4() {
  uint64_t v;
  asm volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

// RDTSC is not ordered against earlier loads; LFENCE before it keeps a timestamp from being taken
// ahead of the work it measures (SDM 2B "RDTSC").
inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return uint64_t{hi} << 32 | lo;
}

inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return uint64_t{hi} << 32 | lo;
}

inline uint64_t read_rflags() {
  uint64_t v;
  asm volatile("pushfq; popq %0" : "=r"(v));
  return v;
}
inline constexpr uint64_t kRflagsIf = 1u << 9;

[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt");
}

}  // namespace x86
