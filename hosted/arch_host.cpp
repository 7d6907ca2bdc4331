// kernel/arch.h for the hosted runner: a Linux process stands in for the machine. The console is stdout,
// the 1 kHz tick is SIGALRM (setitimer), a synchronous exception is SIGSEGV/SIGBUS/SIGILL/SIGFPE, the exit
// status is the process's. Handlers run with SA_NODEFER because the runner longjmps out of them (watchdog,
// faulting case) and plain setjmp/longjmp do not restore the signal mask.
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "hosted/device_bus.h"
#include "kernel/arch.h"

namespace arch {

namespace {
uint64_t g_start_ns = 0;

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Device interrupts: a vector table; irq_trigger() marks a vector pending and raises SIGALRM, whose
// handler (run only while "interrupts" are unmasked) dispatches pending vectors before the tick.
struct Vector {
  IrqHandler fn = nullptr;
  void* ctx = nullptr;
  volatile sig_atomic_t pending = 0;
};
constexpr uint32_t kVectors = 256;
Vector g_vectors[kVectors];
volatile sig_atomic_t g_dispatching = 0;

void dispatch_pending() {
  if (g_dispatching) return;  // SA_NODEFER: a nested SIGALRM must not re-enter the handlers
  if (hosted::in_device()) return;  // a device model is mid-access: DeviceScope dispatches when it ends
  g_dispatching = 1;
  for (uint32_t v = 0; v < kVectors; ++v) {
    if (!g_vectors[v].pending) continue;
    g_vectors[v].pending = 0;
    if (g_vectors[v].fn) g_vectors[v].fn(g_vectors[v].ctx);
  }
  g_dispatching = 0;
}

void on_alarm(int) {
  if (!g_dispatching) hosted::run_clocks();  // devices that work at their own pace (device_bus.h)
  dispatch_pending();
  kernel::on_tick();  // may longjmp away (watchdog): after the device handlers, as on the guest
}

void on_fault(int sig, siginfo_t* info, void*) {
  static char text[kExceptionTextSize];
  snprintf(text, sizeof text, "exception %s addr=0x%llx", sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS"
           : sig == SIGILL ? "SIGILL" : "SIGFPE", static_cast<unsigned long long>(
               reinterpret_cast<uintptr_t>(info->si_addr)));
  kernel::on_exception(text);
}

void install(int sig, void (*fn)(int, siginfo_t*, void*)) {
  struct sigaction sa {};
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

sigset_t alarm_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGALRM);
  return s;
}
}  // namespace

void init(uint64_t) {
  g_start_ns = monotonic_ns();
  setvbuf(stdout, nullptr, _IOLBF, 0);  // KTAP streams line by line, as on a UART
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) install(sig, on_fault);
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_NODEFER | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
  irq_disable();
  itimerval tick{{0, 1000}, {0, 1000}};  // 1 kHz, like the guest's timer
  setitimer(ITIMER_REAL, &tick, nullptr);
}

void console_putc(char c) { putchar(c); }

void exit(int status) {
  fflush(stdout);
  _exit(status);
}

uint64_t now_ns() { return monotonic_ns() - g_start_ns; }
// The host has no guest counter: nanoseconds stand in for it.
uint64_t cycles() { return monotonic_ns(); }
uint64_t cycles_hz() { return 1000000000u; }

// After a device model ran (DeviceScope): vectors it made pending are dispatched now when interrupts are
// unmasked, with SIGALRM blocked as in the signal handler; when masked they wait for irq_enable's next tick.
void host_dispatch_deferred() {
  bool any = false;
  for (uint32_t v = 0; v < kVectors && !any; ++v) any = g_vectors[v].pending != 0;
  if (!any) return;
  const sigset_t s = alarm_set();
  sigset_t old;
  sigprocmask(SIG_BLOCK, &s, &old);
  if (!sigismember(&old, SIGALRM)) {
    dispatch_pending();
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }
}

void irq_enable() {
  const sigset_t s = alarm_set();
  sigprocmask(SIG_UNBLOCK, &s, nullptr);
}

void irq_disable() {
  const sigset_t s = alarm_set();
  sigprocmask(SIG_BLOCK, &s, nullptr);
}

void wait_for_interrupt() {
  // Waits for the next signal with SIGALRM unblocked, then restores the caller's mask.
  sigset_t old;
  sigprocmask(SIG_SETMASK, nullptr, &old);
  sigdelset(&old, SIGALRM);
  sigsuspend(&old);
}

bool irq_attach(uint32_t irq, IrqHandler fn, void* ctx, bool) {
  if (irq < kFirstDeviceIrq || irq >= kVectors || !fn || g_vectors[irq].fn) return false;
  g_vectors[irq].ctx = ctx;
  g_vectors[irq].fn = fn;
  return true;
}

void irq_detach(uint32_t irq) {
  if (irq >= kVectors) return;
  g_vectors[irq].fn = nullptr;
  g_vectors[irq].pending = 0;
}

// The host numbers interrupts as x86 vectors: the x86 message (address 0xFEE0_0000, LAPIC 0; data =
// vector, Intel SDM 3A 11.11). A hosted machine delivers such a write to its vector (amd_vi_machine.cpp).
bool msi_message(uint32_t irq, uint64_t* address, uint32_t* data) {
  if (irq < kFirstDeviceIrq || irq >= kVectors) return false;
  *address = 0xfee00000u;
  *data = irq;
  return true;
}

void irq_trigger(uint32_t irq) {
  if (irq >= kVectors || !g_vectors[irq].fn) return;  // an unattached vector is dropped, as on the guest
  g_vectors[irq].pending = 1;
  raise(SIGALRM);  // delivered now if unmasked, else when the runner unmasks
}

// Host memory is coherent with the "devices" (the model runs in this process): compiler and CPU
// ordering is all that is needed.
void dma_wmb() { std::atomic_thread_fence(std::memory_order_release); }
void dma_rmb() { std::atomic_thread_fence(std::memory_order_acquire); }
void mb() { std::atomic_thread_fence(std::memory_order_seq_cst); }

}  // namespace arch
