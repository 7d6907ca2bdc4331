// Interrupt dispatch (called by vectors.S with interrupts masked) and the arch.h interrupt API.
#include <cstdint>

#include "arch/x86_64/exception.h"
#include "arch/x86_64/frame.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "kernel/arch.h"

namespace {


void handle_pic_irq(unsigned irq) {
  if ((irq == 7 || irq == 15) && x86_64::pic::is_spurious(irq)) {
    // A spurious IRQ15 was still a real cascade request on the master's IRQ2.
    if (irq == 15) x86_64::pic::eoi_master();
    return;
  }
  // Acknowledge first: kernel::on_tick may longjmp away and never come back here.
  x86_64::pic::eoi(irq);
  if (irq == x86_64::pit::kTimerIrq) {
    kernel::on_tick();
  }
  // Every other IRQ is masked at the PIC; one that arrives anyway was acknowledged and is ignored.
}

}  // namespace

extern "C" void x86_64_isr_dispatch(x86_64::TrapFrame* frame) {
  const uint64_t v = frame->vector;
  if (v >= x86_64::pic::kVectorBase && v < x86_64::pic::kVectorBase + x86_64::pic::kIrqCount) {
    handle_pic_irq(static_cast<unsigned>(v - x86_64::pic::kVectorBase));
    return;
  }
  if (v == x86_64::lapic::kSpuriousVector) return;  // LAPIC spurious: no EOI (SDM 3A 11.9)
  if (x86_64::dispatch_device_irq(v)) return;
  x86_64::report_exception(*frame);  // exceptions 0..31 and any vector nobody programmed
}

void arch::irq_enable() { asm volatile("sti" ::: "memory"); }
void arch::irq_disable() { asm volatile("cli" ::: "memory"); }

// STI delays interrupt recognition until after the next instruction (SDM 2B "STI"), so an interrupt
// that becomes pending between the check and the HLT still wakes the HLT: no lost wake-up. The
// caller's interrupt state is restored afterwards.
void arch::wait_for_interrupt() { asm volatile("pushfq; sti; hlt; popfq" ::: "memory"); }

// Barriers. x86 is TSO (SDM 3A 9.2.2): loads are not reordered with other loads and stores not with
// other stores, including across memory types (a WB store to a descriptor stays ahead of the UC
// store to the doorbell; a UC status load stays ahead of the WB loads of the data). Only two things need
// more than a compiler barrier: non-temporal stores (newlib's memcpy/memset use MOVNTI for large
// sizes) are weakly ordered and need SFENCE before the doorbell, and a store followed by a load can
// pass it, which only MFENCE prevents.
void arch::dma_wmb() { asm volatile("sfence" ::: "memory"); }
void arch::dma_rmb() { asm volatile("" ::: "memory"); }
void arch::mb() { asm volatile("mfence" ::: "memory"); }
