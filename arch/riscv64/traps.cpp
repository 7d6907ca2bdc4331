// Trap dispatch. An exception ends the running test case with scause (decoded), stval and sepc and the
// registers printed; a timer interrupt re-arms the tick before the kernel's tick handler runs, because
// that handler may longjmp away; an external interrupt is claimed at the IMSIC (stopei) then handled, or
// claimed at the PLIC, handled, then completed.
#include <cstdio>

#include "arch/riscv64/riscv64.h"
#include "kernel/arch.h"

namespace {

using arch::riscv64::Frame;

const char* exception_name(uint64_t code) {
  switch (code) {  // privileged spec v1.12 §4.1.9, Table 4.2
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    default: return "exception";
  }
}

// The integer registers by their ABI names (unprivileged spec ch. 25 "Calling Convention").
constexpr const char* kRegNames[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
                                       "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                                       "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

void print_registers(const Frame& f) {
  for (int i = 1; i < 32; i += 2) {
    if (i == 31) {
      printf("#   %-4s=%016llx\n", kRegNames[i], (unsigned long long)f.x[i]);
    } else {
      printf("#   %-4s=%016llx  %-4s=%016llx\n", kRegNames[i], (unsigned long long)f.x[i], kRegNames[i + 1],
             (unsigned long long)f.x[i + 1]);
    }
  }
}

[[noreturn]] void fatal(const Frame& f) {
  static char summary[arch::kExceptionTextSize];
  snprintf(summary, sizeof summary, "%s scause=0x%llx stval=0x%llx sepc=0x%llx", exception_name(f.scause),
           (unsigned long long)f.scause, (unsigned long long)f.stval, (unsigned long long)f.sepc);
  printf("# exception: %s\n", summary);
  printf("#   sstatus=0x%llx\n", (unsigned long long)f.sstatus);
  print_registers(f);
  kernel::on_exception(summary);
}

}  // namespace

extern "C" void riscv64_trap(Frame* frame) {
  namespace rv = arch::riscv64;
  const uint64_t cause = frame->scause;
  if (!(cause >> 63)) fatal(*frame);
  switch (cause & ~(1ull << 63)) {
    case rv::kIrqTimer:
      rv::timer_handle();  // first: kernel::on_tick may longjmp away
      kernel::on_tick();
      return;
    case rv::kIrqExternal:
      if (rv::imsic_present()) {
        // An MSI is an edge: claiming clears its pending bit before the handler runs, so a message sent
        // meanwhile is pending again, not lost.
        for (uint32_t id; (id = rv::imsic_claim()) != 0;)
          if (!rv::dispatch_device_irq(id)) printf("# irq: unexpected IMSIC identity %u\n", id);
        return;
      }
      // A device handler clears its source before the completion, so a level interrupt does not fire again.
      for (uint32_t src; (src = rv::plic_claim()) != 0;) {
        if (!rv::dispatch_device_irq(src)) printf("# irq: unexpected PLIC source %u\n", src);
        rv::plic_complete(src);
      }
      return;
    case rv::kIrqSoftware:
      RISCV_CLEAR_CSR(sip, rv::kSipSsip);
      rv::dispatch_software_irqs();
      return;
    default:
      printf("# irq: unexpected interrupt scause=0x%llx\n", (unsigned long long)cause);
      return;
  }
}
