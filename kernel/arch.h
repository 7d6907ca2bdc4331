// What the portable kernel needs from an architecture (arch/aarch64, arch/x86_64, arch/riscv64). Nothing else in the
// kernel, drivers or tests is architecture specific.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arch {

// Called once from the entry code with the boot argument (aarch64: x0 = DTB; x86_64: ebx = PVH
// hvm_start_info; riscv64: a1 = DTB). Brings up console, exceptions, MMU, timer tick, and fills kernel::platform().
void init(uint64_t boot_arg);

void console_putc(char c);

// Ends the run: QEMU exits with a status the harness maps back to `status` (0 = all passed).
[[noreturn]] void exit(int status);

// Monotonic time since boot, usable with interrupts masked.
uint64_t now_ns();
// The raw counter now_ns() is derived from (aarch64: CNTVCT_EL0; x86_64: the TSC; riscv64: the `time` CSR) and its frequency in
// Hz, for benchmarks that report cycles of one operation.
uint64_t cycles();
uint64_t cycles_hz();

// A periodic tick (1 kHz) calls kernel::on_tick() with interrupts masked, after the interrupt
// controller was acknowledged. kernel::on_tick may longjmp away (watchdog).
void irq_enable();
void irq_disable();
void wait_for_interrupt();  // returns after the next interrupt (or at once if one is pending)

// Device interrupts. `irq` is the architecture's number: on aarch64 a GIC INTID (an SPI is 32 + the
// DT interrupt number); on x86_64 an IDT vector in [kFirstDeviceIrq, 0xfe], reached by MSI; on riscv64
// an interrupt identity of the boot hart's S-level IMSIC file (reached by MSI) where the DT has an IMSIC, else a
// PLIC source (the DT interrupt number).
// Handlers run with interrupts masked and must return (no longjmp); the interrupt is acknowledged
// after the handler; attaching drops any stale pending state. False if the number is out of range or
// already taken.
using IrqHandler = void (*)(void* ctx);
bool irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool edge_triggered);
void irq_detach(uint32_t irq);
// The MSI address/data that deliver `irq` to this CPU: x86_64 a vector (Intel SDM 3A 11.11); riscv64 with an
// IMSIC the interrupt file's address and the identity (AIA §3.2). False elsewhere (aarch64: no MSI controller
// driven yet; riscv64 with a PLIC only). kernel::Msi hands out free ones.
bool msi_message(uint32_t irq, uint64_t* address, uint32_t* data);
// Makes `irq` pending from software (aarch64: GICD_ISPENDR; x86_64: a self-IPI; riscv64: the IMSIC's
// seteipnum_le write, or with a PLIC, whose pending bits are read-only, a software pending bit and sip.SSIP),
// so the dispatch path can be proved without a device.
void irq_trigger(uint32_t irq);
// The first interrupt number a device may use: x86_64 IDT vector 0x30 (below: exceptions and the
// remapped 8259); aarch64 INTID 32, the first SPI (below: SGIs and PPIs); riscv64 PLIC source or IMSIC
// identity 1 (0 means "no interrupt" to both).
#if defined(VIOMMU_ARCH_x86_64)
inline constexpr uint32_t kFirstDeviceIrq = 0x30;
#elif defined(VIOMMU_ARCH_riscv64)
inline constexpr uint32_t kFirstDeviceIrq = 1;
#else
inline constexpr uint32_t kFirstDeviceIrq = 32;
#endif

// Ordering between CPU accesses to DMA memory and device accesses (MMIO doorbells, DMA completion).
void dma_wmb();  // prior normal-memory writes visible to devices before later MMIO writes
void dma_rmb();  // device-written data read only after the completion was observed
void mb();       // full barrier

// An exception that ended a test is recorded as text (syndrome, faulting address, registers);
// arch handlers fill it then call kernel::on_exception(), which does not return.
constexpr size_t kExceptionTextSize = 1024;

}  // namespace arch

namespace kernel {
// Implemented by the kernel, called by arch code.
[[noreturn]] void on_exception(const char* summary);  // summary: one line, e.g. "data abort ESR=..."
void on_tick();
void main();  // after arch::init
}  // namespace kernel
