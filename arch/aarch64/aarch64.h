// aarch64-internal helpers shared by the files of arch/aarch64.
#pragma once

#include <cstdint>

#define AARCH64_READ_SYSREG(reg)                          \
  ({                                                      \
    uint64_t _v;                                          \
    asm volatile("mrs %0, " #reg : "=r"(_v)::"memory");   \
    _v;                                                   \
  })
#define AARCH64_WRITE_SYSREG(reg, v) asm volatile("msr " #reg ", %0" ::"r"(uint64_t(v)) : "memory")

namespace arch::aarch64 {

inline void isb() { asm volatile("isb" ::: "memory"); }

// Saved by vectors.S, in this order.
struct Frame {
  uint64_t x[31];
  uint64_t elr;
  uint64_t spsr;
  uint64_t pad;
};
static_assert(sizeof(Frame) == 272);

void uart_init(uint64_t base);
void mmu_init(uint64_t ram_base, uint64_t ram_size);
bool gic_init(uint64_t dist, uint64_t cpu, uint32_t version);
uint32_t gic_ack();             // interrupt ID, 1023 when spurious
void gic_eoi(uint32_t intid);
void gic_enable_ppi(uint32_t intid);
void gic_enable_spi(uint32_t intid, bool edge_triggered);
void gic_disable_spi(uint32_t intid);
void gic_set_pending(uint32_t intid);
bool dispatch_device_irq(uint32_t intid);  // false: nobody attached
void timer_init();
void timer_handle();            // re-arms the tick
inline constexpr uint32_t kVirtualTimerPpi = 27;  // PPI 11: EL1 virtual timer (Arm ARM D11.2.4)

}  // namespace arch::aarch64
