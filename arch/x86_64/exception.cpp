// Exception reports. Vector names and error-code meaning: SDM 3A 6.15 "Exception and Interrupt
// Reference"; the #PF error-code bits: SDM 3A 4.7.
//
// The dump is formatted with snprintf into a local buffer and written straight to the console, not
// through stdout: the exception may have interrupted stdio itself. stdout is flushed first so the
// dump follows everything printed before it.
#include "arch/x86_64/exception.h"

#include <cstdarg>
#include <cstdio>

#include "arch/x86_64/cpu.h"
#include "kernel/arch.h"

namespace x86_64 {
namespace {

constexpr const char* kNames[32] = {
    "#DE divide error",       "#DB debug",
    "NMI",                    "#BP breakpoint",
    "#OF overflow",           "#BR bound range",
    "#UD invalid opcode",     "#NM device not available",
    "#DF double fault",       "coprocessor segment overrun",
    "#TS invalid TSS",        "#NP segment not present",
    "#SS stack fault",        "#GP general protection",
    "#PF page fault",         "reserved vector 15",
    "#MF x87 FP error",       "#AC alignment check",
    "#MC machine check",      "#XM SIMD FP exception",
    "#VE virtualization",     "#CP control protection",
    "reserved vector 22",     "reserved vector 23",
    "reserved vector 24",     "reserved vector 25",
    "reserved vector 26",     "reserved vector 27",
    "#HV hypervisor injection", "#VC VMM communication",
    "#SX security",           "reserved vector 31",
};

constexpr unsigned kPageFault = 14;
constexpr unsigned kDoubleFault = 8;

char summary[arch::kExceptionTextSize];
volatile bool reporting = false;  // set while formatting: a fault inside the reporter is fatal

void put(const char* s) {
  while (*s) arch::console_putc(*s++);
}

void line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void line(const char* fmt, ...) {
  char buf[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  put(buf);
}

// Last resort for a fault while reporting a fault: no stdio at all.
[[noreturn]] void die_nested(uint64_t vector, uint64_t rip) {
  put("# x86_64: exception while reporting an exception: vector 0x");
  for (int s = 4; s >= 0; s -= 4) arch::console_putc("0123456789abcdef"[(vector >> s) & 15]);
  put(" RIP=0x");
  for (int s = 60; s >= 0; s -= 4) arch::console_putc("0123456789abcdef"[(rip >> s) & 15]);
  put("\nBail out! nested exception\n");
  arch::exit(2);
}

const char* name_of(uint64_t vector) {
  return vector < 32 ? kNames[vector] : "unexpected interrupt";
}

void page_fault_reason(char* buf, size_t len, uint64_t err) {
  // Error code bits (SDM 3A 4.7): P, W/R, U/S, RSVD, I/D, PK, SS.
  snprintf(buf, len, "%s %s%s%s%s", err & 1 ? "protection" : "not-present", err & 2 ? "write" : "read",
           err & 8 ? " reserved-bit" : "", err & 16 ? " instruction-fetch" : "", err & 4 ? " user" : "");
}

}  // namespace

[[noreturn]] void report_exception(const TrapFrame& f) {
  if (reporting) die_nested(f.vector, f.rip);
  reporting = true;
  fflush(stdout);
  using ul = unsigned long;  // 64-bit on x86_64; newlib-nano printf need not support %ll

  const bool has_cr2 = f.vector == kPageFault || f.vector == kDoubleFault;
  const uint64_t cr2 = has_cr2 ? x86::read_cr2() : 0;
  if (has_cr2) {
    snprintf(summary, sizeof summary, "%s err=0x%lx RIP=0x%lx CR2=0x%lx", name_of(f.vector),
             ul(f.error), ul(f.rip), ul(cr2));
  } else {
    snprintf(summary, sizeof summary, "%s (vector %lu) err=0x%lx RIP=0x%lx", name_of(f.vector),
             ul(f.vector), ul(f.error), ul(f.rip));
  }

  line("# x86_64 exception: %s (vector %lu) error code 0x%lx\n", name_of(f.vector), ul(f.vector),
       ul(f.error));
  if (f.vector == kPageFault) {
    char reason[80];
    page_fault_reason(reason, sizeof reason, f.error);
    line("#   CR2=%016lx (%s)\n", ul(cr2), reason);
  } else if (f.vector == kDoubleFault) {
    line("#   CR2=%016lx (last page-fault address; a stack overflow shows the guard page)\n", ul(cr2));
  }
  line("#   RIP=%016lx CS=%04lx RFLAGS=%016lx\n", ul(f.rip), ul(f.cs), ul(f.rflags));
  line("#   RSP=%016lx SS=%04lx\n", ul(f.rsp), ul(f.ss));
  line("#   RAX=%016lx RBX=%016lx RCX=%016lx\n", ul(f.rax), ul(f.rbx), ul(f.rcx));
  line("#   RDX=%016lx RSI=%016lx RDI=%016lx\n", ul(f.rdx), ul(f.rsi), ul(f.rdi));
  line("#   RBP=%016lx R8 =%016lx R9 =%016lx\n", ul(f.rbp), ul(f.r8), ul(f.r9));
  line("#   R10=%016lx R11=%016lx R12=%016lx\n", ul(f.r10), ul(f.r11), ul(f.r12));
  line("#   R13=%016lx R14=%016lx R15=%016lx\n", ul(f.r13), ul(f.r14), ul(f.r15));

  // Interrupts stay masked (interrupt gate); kernel::on_exception leaves this frame by longjmp and
  // re-enables them when it wants the tick back.
  reporting = false;
  kernel::on_exception(summary);
}

}  // namespace x86_64
