#include "drivers/endpoints/edu.h"

#include <cstdio>

#include "kernel/arch.h"
#include "kernel/test.h"

namespace drivers {

bool Edu::probe(kernel::PciFunction* fn) {
  fn_ = fn;
  fn->enable(true);
  const kernel::PciBar& bar0 = fn->bar(0);
  if (bar0.cpu == 0 || bar0.io || bar0.size < 0x100) {
    printf("edu: BAR0 not assigned (cpu 0x%lx size 0x%lx)\n", static_cast<unsigned long>(bar0.cpu),
           static_cast<unsigned long>(bar0.size));
    return false;
  }
  regs_ = fn->bar_mmio(0);
  return reinit();
}

bool Edu::reinit() {
  const uint32_t id = regs_.read32(kIdentification);
  if (id != kExpectedId) {
    printf("edu: identification 0x%08x, expected 0x%08x\n", id, kExpectedId);
    return false;
  }
  regs_.write32(kLiveness, 0x5aa5f00f);
  const uint32_t live = regs_.read32(kLiveness);
  if (live != ~uint32_t{0x5aa5f00f}) {
    printf("edu: liveness check read 0x%08x, expected 0x%08x\n", live, ~uint32_t{0x5aa5f00f});
    return false;
  }
  // A transfer left running (a test ended mid-wait) completes on its own; wait for it.
  return wait_idle("a transfer started earlier");
}

bool Edu::wait_idle(const char* what) {
  if (kernel::wait_until([&] { return (regs_.read64(kDmaCommand) & kCmdStart) == 0; }, kTimeoutMs)) return true;
  printf("edu: DMA command bit 0 (%s) still set after %u ms\n", what, kTimeoutMs);
  return false;
}

bool Edu::set_completion_msi(uint64_t address, uint32_t data) {
  if (!fn_ || !fn_->msi_enable(address, data)) return false;
  completion_irq_ = true;
  return true;
}

void Edu::clear_completion_msi() {
  completion_irq_ = false;
  if (fn_) fn_->msi_disable();
}

DmaStatus Edu::read(uint64_t iova, size_t len) { return transfer(iova, kBufferAddress, len, 0); }
DmaStatus Edu::write(uint64_t iova, size_t len) { return transfer(kBufferAddress, iova, len, kCmdToRam); }

DmaStatus Edu::transfer(uint64_t src, uint64_t dst, size_t len, uint64_t direction) {
  // A transfer outside the buffer (or, on QEMU <= 7.2, one ending at its last byte) aborts QEMU.
  if (len == 0 || len > kMaxLen || !regs_) return DmaStatus::kUnsupported;
  // edu ignores register writes while a transfer runs.
  if (!wait_idle("previous transfer")) return DmaStatus::kTimeout;
  regs_.write64(kDmaSource, src);
  regs_.write64(kDmaDestination, dst);
  regs_.write64(kDmaCount, len);
  // The source data must be visible to the device before the command that starts the transfer.
  arch::dma_wmb();
  regs_.write64(kDmaCommand, kCmdStart | direction | (completion_irq_ ? kCmdRaiseIrq : 0));
  if (!wait_idle(direction ? "buffer -> RAM transfer" : "RAM -> buffer transfer")) return DmaStatus::kTimeout;
  // The MSI went out with the completion (edu sends one per raise); the status bit is only bookkeeping.
  if (completion_irq_) regs_.write32(kInterruptAck, kDmaIrq);
  // Device-written RAM is read only after the completion was observed.
  arch::dma_rmb();
  return DmaStatus::kOk;
}

}  // namespace drivers
