// QEMU's educational device "edu" (PCI 1234:11e8, QEMU docs/specs/edu.rst, hw/misc/edu.c) as a DMA
// master with a 4 KiB device buffer (4095 bytes usable, see kMaxLen): read(iova, len) copies RAM -> buffer, write(iova, len) copies
// buffer -> RAM. Each transfer completes on a 100 ms virtual-clock timer, so edu is slow; it reports no
// errors (a DMA the IOMMU blocks simply moves no data).
//
// edu ANDs every DMA address with its `dma_mask` property (default 28 bits): the harness passes
// dma_mask=0xffffffffffffffff, without which RAM above 256 MiB (all of it on aarch64 virt) is unreachable.
#pragma once

#include "drivers/endpoints/endpoint_base.h"
#include "kernel/mmio.h"

namespace drivers {

class Edu final : public EndpointBase {
 public:
  static constexpr uint16_t kPciVendor = 0x1234;
  static constexpr uint16_t kPciDevice = 0x11e8;
  static constexpr size_t kBufferSize = 4096;
  // QEMU up to 7.2 checks the transfer's end with `start <= end < buffer end` and calls hw_error()
  // (QEMU aborts) for a transfer that ends exactly at the end of the buffer, so the last byte of the
  // 4 KiB buffer is never used: transfers are at most 4095 bytes, starting at the buffer's first byte.
  static constexpr size_t kMaxLen = kBufferSize - 1;

  const char* name() const override { return "edu"; }
  uint16_t rid() const override { return fn_ ? fn_->rid() : 0; }
  bool can_read() const override { return true; }
  size_t max_len() const override { return kMaxLen; }
  DmaStatus read(uint64_t iova, size_t len) override;
  DmaStatus write(uint64_t iova, size_t len) override;
  bool probe(kernel::PciFunction* fn) override;
  bool reinit() override;
  // edu's MSI capability (one message); each transfer then asks for the DMA-done interrupt (command bit 2).
  bool set_completion_msi(uint64_t address, uint32_t data) override;
  void clear_completion_msi() override;

 private:
  // BAR0 registers (edu.rst).
  static constexpr uint64_t kIdentification = 0x00;  // 0xRRrr00ed: major, minor, 0xed
  static constexpr uint64_t kLiveness = 0x04;        // reads back the bitwise NOT of what was written
  static constexpr uint64_t kDmaSource = 0x80;
  static constexpr uint64_t kDmaDestination = 0x88;
  static constexpr uint64_t kDmaCount = 0x90;
  static constexpr uint64_t kDmaCommand = 0x98;
  static constexpr uint64_t kCmdStart = 1;         // set to start, cleared by the device when done
  static constexpr uint64_t kCmdToRam = 2;         // direction: 1 = device buffer -> RAM
  static constexpr uint64_t kCmdRaiseIrq = 4;      // "raise interrupt 0x100 after finishing the DMA"
  static constexpr uint64_t kInterruptAck = 0x64;  // clears the written bits of the interrupt status
  static constexpr uint32_t kDmaIrq = 0x100;
  static constexpr uint64_t kBufferAddress = 0x40000;  // the device buffer in edu's DMA address space
  static constexpr uint32_t kExpectedId = 0x010000ed;
  static constexpr uint32_t kTimeoutMs = 2000;     // 100 ms timer, TCG slack

  DmaStatus transfer(uint64_t src, uint64_t dst, size_t len, uint64_t direction);
  bool wait_idle(const char* what);

  kernel::PciFunction* fn_ = nullptr;
  kernel::Mmio regs_;
  bool completion_irq_ = false;
};

}  // namespace drivers
