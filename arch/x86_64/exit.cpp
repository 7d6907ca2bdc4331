// Ending the run through QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
// a write of value v makes QEMU exit with status (v << 1) | 1, which the harness maps back to v.
#include <cstdint>

#include "arch/x86_64/cpu.h"
#include "kernel/arch.h"

namespace {
constexpr uint16_t kDebugExitPort = 0xf4;
// (v << 1) | 1 must fit the 8-bit process exit status, so v is at most 127.
constexpr int kMaxStatus = 127;
}  // namespace

void arch::exit(int status) {
  if (status < 0 || status > kMaxStatus) status = kMaxStatus;
  x86::outb(kDebugExitPort, static_cast<uint8_t>(status));
  // No debug-exit device: stop here; the host-side timeout ends the run.
  x86::halt_forever();
}
