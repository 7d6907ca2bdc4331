// The event log (48882 §2.5): placement at the tail, wrap, overflow, interrupts, disabled logging.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0028;

class AmdViEvents : public AmdViTest {
 protected:
  void SetUp() override {
    Dte d;
    d.set_v(1);  // TV=0: every DMA is an IO_PAGE_FAULT
    set_dte(kDev, d);
  }
  void fault(uint64_t iova) { dma(kDev, iova, false); }
};

TEST_F(AmdViEvents, EventsAdvanceTailAndSetEventLogInt) {
  enable();
  fault(0x1000);
  fault(0x2000);
  EXPECT_EQ(iommu.read(Mmio::kEventLogTail), 32ull);
  EXPECT_EQ(event(1).address(), 0x2000ull);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x2, 0x2ull);  // EventLogInt
}

TEST_F(AmdViEvents, FullLogOverflows) {
  // 256 entries, full when one more would make tail == head: 255 events fit, the 256th overflows.
  enable();
  for (unsigned i = 0; i < 255; ++i) fault(i * 0x1000);
  EXPECT_EQ(iommu.read(Mmio::kEventLogTail), 255u * 16);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x1, 0ull);
  fault(0xfff000);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x1, 0x1ull);  // EventOverflow
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x8, 0ull);    // EventLogRun stopped
  EXPECT_EQ(iommu.read(Mmio::kEventLogTail), 255u * 16);
}

TEST_F(AmdViEvents, LoggingResumesAfterOverflowHandling) {
  enable();
  for (unsigned i = 0; i < 256; ++i) fault(i * 0x1000);
  // Software: EventLogEn off, head = tail (drained), clear EventOverflow, EventLogEn on.
  iommu.write(Mmio::kControl, kControlOn & ~uint64_t{4});
  iommu.write(Mmio::kEventLogHead, 255u * 16);
  iommu.write(Mmio::kStatus, 1);
  iommu.write(Mmio::kControl, kControlOn);
  fault(0xabc000);
  EXPECT_EQ(iommu.read(Mmio::kEventLogTail), 0ull);  // wrapped from 0xff0 to 0
  EXPECT_EQ(event(255).address(), 0xabc000ull);
}

TEST_F(AmdViEvents, EventLogDisabledLogsNothing) {
  enable(0x1001);  // IommuEn | CmdBufEn
  fault(0x1000);
  EXPECT_EQ(iommu.read(Mmio::kEventLogTail), 0ull);
  EXPECT_EQ(r64(kEvtLog), 0ull);
}

TEST_F(AmdViEvents, EventInterruptWithEventIntEn) {
  enable(kControlOn | (1u << 3));
  fault(0x1000);
  EXPECT_EQ(iommu.interrupts(), 1u);
}

TEST_F(AmdViEvents, CommandFetchOutsideMemoryIsCommandHardwareError) {
  // §2.5.7 COMMAND_HARDWARE_ERROR: Address = the command's address 0x3000_0000.
  enable();
  iommu.write(Mmio::kControl, 0x0005);
  iommu.write(Mmio::kCommandBufferBase, 0x3000'0000 | (uint64_t{8} << 56));
  iommu.write(Mmio::kCommandBufferHead, 0);
  iommu.write(Mmio::kCommandBufferTail, 16);
  iommu.write(Mmio::kControl, kControlOn);
  EXPECT_EQ(event(0).code(), EventCode::kCommandHardwareError);
  EXPECT_EQ(event(0).address(), 0x3000'0000ull);
}

}  // namespace
}  // namespace amd_vi_test
