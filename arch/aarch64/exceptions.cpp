// Exception and interrupt dispatch. A synchronous exception or SError ends the running test case with
// the syndrome (ESR_EL1 decoded, FAR_EL1, ELR_EL1) and the registers printed; an IRQ is acknowledged at
// the GIC before the kernel's tick handler runs, because that handler may longjmp away.
#include <cstdio>

#include "arch/aarch64/aarch64.h"
#include "kernel/arch.h"

namespace {

using arch::aarch64::Frame;

const char* exception_class_name(uint32_t ec) {
  switch (ec) {  // Arm ARM D17.2.37, ESR_ELx.EC
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE trap";
    case 0x07: return "SIMD/FP access trap";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "system register trap";
    case 0x20: return "instruction abort (lower EL)";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort (lower EL)";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    case 0x3c: return "BRK";
    default: return "exception";
  }
}

const char* fault_status_name(uint32_t dfsc) {
  if ((dfsc & 0x3c) == 0x04) return "translation fault";
  if ((dfsc & 0x3c) == 0x08) return "access flag fault";
  if ((dfsc & 0x3c) == 0x0c) return "permission fault";
  if ((dfsc & 0x3c) == 0x00) return "address size fault";
  if (dfsc == 0x10) return "synchronous external abort";
  if (dfsc == 0x21) return "alignment fault";
  return "fault";
}

void print_registers(const Frame& f) {
  for (int i = 0; i < 31; i += 2) {
    if (i == 30) {
      printf("#   x30=%016llx  sp =%016llx\n", (unsigned long long)f.x[30],
             (unsigned long long)(reinterpret_cast<uint64_t>(&f) + sizeof(Frame)));
    } else {
      printf("#   x%-2d=%016llx  x%-2d=%016llx\n", i, (unsigned long long)f.x[i], i + 1,
             (unsigned long long)f.x[i + 1]);
    }
  }
}

[[noreturn]] void fatal(const Frame& f, unsigned kind) {
  const uint64_t esr = AARCH64_READ_SYSREG(esr_el1);
  const uint64_t far = AARCH64_READ_SYSREG(far_el1);
  const uint32_t ec = (esr >> 26) & 0x3f;
  const bool is_abort = ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25;
  const bool serror = (kind & 3) == 3;
  const char* what = serror ? "SError" : (kind & 3) == 2 ? "FIQ" : exception_class_name(ec);

  static char summary[arch::kExceptionTextSize];
  if (is_abort) {
    snprintf(summary, sizeof summary, "%s (%s%s) ESR=0x%llx FAR=0x%llx ELR=0x%llx", what,
             fault_status_name(esr & 0x3f), (ec >= 0x24 && (esr & (1u << 6))) ? ", write" : "",
             (unsigned long long)esr, (unsigned long long)far, (unsigned long long)f.elr);
  } else {
    snprintf(summary, sizeof summary, "%s ESR=0x%llx FAR=0x%llx ELR=0x%llx", what,
             (unsigned long long)esr, (unsigned long long)far, (unsigned long long)f.elr);
  }
  printf("# exception: %s\n", summary);
  printf("#   vector slot %u, SPSR=0x%llx\n", kind, (unsigned long long)f.spsr);
  print_registers(f);
  kernel::on_exception(summary);
}

}  // namespace

extern "C" void aarch64_exception(Frame* frame, unsigned kind) {
  if ((kind & 3) == 1) {  // IRQ
    const uint32_t intid = arch::aarch64::gic_ack();
    if (intid >= 1020) return;  // spurious
    if (intid == arch::aarch64::kVirtualTimerPpi) {
      arch::aarch64::gic_eoi(intid);  // first: kernel::on_tick may longjmp away
      arch::aarch64::timer_handle();
      kernel::on_tick();
      return;
    }
    // A device handler clears its source before the EOI, so a level interrupt does not fire again.
    if (!arch::aarch64::dispatch_device_irq(intid)) printf("# irq: unexpected INTID %u\n", intid);
    arch::aarch64::gic_eoi(intid);
    return;
  }
  fatal(*frame, kind);
}
