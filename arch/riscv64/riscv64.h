// riscv64-internal helpers shared by the files of arch/riscv64.
#pragma once

#include <cstdint>

#define RISCV_READ_CSR(csr)                               \
  ({                                                      \
    uint64_t _v;                                          \
    asm volatile("csrr %0, " #csr : "=r"(_v)::"memory");  \
    _v;                                                   \
  })
#define RISCV_WRITE_CSR(csr, v) asm volatile("csrw " #csr ", %0" ::"r"(uint64_t(v)) : "memory")
#define RISCV_SET_CSR(csr, v) asm volatile("csrs " #csr ", %0" ::"r"(uint64_t(v)) : "memory")
#define RISCV_CLEAR_CSR(csr, v) asm volatile("csrc " #csr ", %0" ::"r"(uint64_t(v)) : "memory")

namespace arch::riscv64 {

// Privileged spec v1.12 §4.1.1 sstatus, §4.1.3 sip/sie.
inline constexpr uint64_t kSstatusSie = 1u << 1;
inline constexpr uint64_t kSipSsip = 1u << 1;  // supervisor software interrupt pending
inline constexpr uint64_t kSieSsie = 1u << 1;  // ... and enabled
inline constexpr uint64_t kSieStie = 1u << 5;  // supervisor timer interrupt
inline constexpr uint64_t kSieSeie = 1u << 9;  // supervisor external interrupt
// scause interrupt codes (§4.1.9, Table 4.2).
inline constexpr uint64_t kIrqSoftware = 1;
inline constexpr uint64_t kIrqTimer = 5;
inline constexpr uint64_t kIrqExternal = 9;

// Saved by trap.S, in this order: x[0] holds nothing (x0 is zero), x[2] is the interrupted sp.
struct Frame {
  uint64_t x[32];
  uint64_t sepc;
  uint64_t sstatus;
  uint64_t scause;
  uint64_t stval;
};
static_assert(sizeof(Frame) == 288);

// SBI calls (RISC-V SBI spec v2.0 §3): a7 = extension, a6 = function; returns (error, value).
struct SbiRet {
  long error;
  long value;
};
SbiRet sbi_call(uint64_t ext, uint64_t fid, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0);

void uart_init(uint64_t base);
// Returns the paging mode turned on: 48 (Sv48) where satp takes it, else 39 (Sv39).
unsigned mmu_init(uint64_t ram_base, uint64_t ram_size, bool svpbmt);
// The external interrupt controller is the IMSIC where the DT has one (imsic_*), else the PLIC (plic_*).
bool imsic_init(uint64_t file, uint32_t ids);
bool imsic_present();
uint32_t imsic_ids();
uint64_t imsic_file();
void imsic_enable(uint32_t id, bool on);
uint32_t imsic_claim();  // 0: nothing pending and enabled
void imsic_send(uint32_t id);  // an MSI written by the hart itself
bool plic_init(uint64_t base, uint32_t context, uint32_t sources);
void plic_enable(uint32_t source, bool on);
uint32_t plic_claim();  // 0: nothing pending
void plic_complete(uint32_t source);
uint32_t plic_sources();
bool dispatch_device_irq(uint32_t irq);   // false: nobody attached
void dispatch_software_irqs();            // the irqs irq_trigger made pending
void timer_init(uint64_t timebase_hz);
void timer_handle();                      // re-arms the tick

}  // namespace arch::riscv64
