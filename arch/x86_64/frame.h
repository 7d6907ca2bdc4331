// The stack image built by vectors.S on every interrupt or exception: saved general registers
// (pushed by isr_common), then the vector and error code (pushed by the stub), then the frame the CPU
// pushed (SDM 3A 6.14.2, figure 6-9 "IA-32e Mode Stack Usage After Privilege Level Change").
#pragma once

#include <cstdint>

namespace x86_64 {

struct TrapFrame {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t vector;
  uint64_t error;  // the CPU's error code, or 0 for vectors that have none
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8, "must match isr_common in vectors.S");

}  // namespace x86_64

extern "C" void x86_64_isr_dispatch(x86_64::TrapFrame* frame);
