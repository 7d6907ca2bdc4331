// The command buffer (48882 §2.4): COMPLETION_WAIT store and interrupt, illegal commands halting the
// buffer, wrap, and the invalidation commands' effect on the IOTLB.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0018;
constexpr uint16_t kDom = 9;

TEST_F(AmdViTest, CompletionWaitStoresData) {
  enable();
  submit(completion_wait_store(kStore, 0x1122334455667788ull));
  EXPECT_EQ(r64(kStore), 0x1122334455667788ull);
  EXPECT_EQ(iommu.read(Mmio::kCommandBufferHead), 16ull);  // consumed: head == tail
}

TEST_F(AmdViTest, CompletionWaitInterruptNeedsComWaitIntEn) {
  enable(kControlOn | (1u << 4));  // ComWaitIntEn
  CompletionWait c;
  c.set_i(1);
  submit(c);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x4, 0x4ull);
  EXPECT_EQ(iommu.interrupts(), 1u);
}

TEST_F(AmdViTest, CompletionWaitWithoutIntEnSetsStatusOnly) {
  enable();
  CompletionWait c;
  c.set_i(1);
  submit(c);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x4, 0x4ull);
  EXPECT_EQ(iommu.interrupts(), 0u);
}

TEST_F(AmdViTest, UnknownOpcodeHaltsWithIllegalCommand) {
  // §2.5.6 ILLEGAL_COMMAND_ERROR: code 5, Address = the command's address (kCmdBuf + 16).
  enable();
  submit(completion_wait_store(kStore, 1));
  Command bad;
  bad.set_opcode(0xf);
  submit(bad);
  submit(completion_wait_store(kStore, 2));
  EXPECT_EQ(r64(kStore), 1ull);  // the store after the illegal command never ran
  EXPECT_EQ(iommu.read(Mmio::kCommandBufferHead), 16ull);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x10, 0ull);  // CmdBufRun cleared
  ASSERT_EQ(events_logged(), 1u);
  EXPECT_EQ(event(0).code(), EventCode::kIllegalCommandError);
  EXPECT_EQ(event(0).address(), kCmdBuf + 16);
}

TEST_F(AmdViTest, ReservedBitInCompletionWaitIsIllegal) {
  enable();
  Command c = completion_wait_store(kStore, 5);
  c.words[0] |= uint64_t{1} << 52;  // [59:52] reserved
  submit(c);
  EXPECT_EQ(r64(kStore), 0ull);
  EXPECT_EQ(event(0).code(), EventCode::kIllegalCommandError);
  EXPECT_EQ(event(0).address(), kCmdBuf);
}

TEST_F(AmdViTest, HaltedBufferRestartsAfterCmdBufEnToggle) {
  enable();
  Command bad;
  bad.set_opcode(0);
  submit(bad);
  // Software skips the bad command: CmdBufEn off, head past it, CmdBufEn on.
  iommu.write(Mmio::kControl, kControlOn & ~uint64_t{0x1000});
  iommu.write(Mmio::kCommandBufferHead, 16);
  submit(completion_wait_store(kStore, 7));
  iommu.write(Mmio::kControl, kControlOn);
  EXPECT_EQ(r64(kStore), 7ull);
}

TEST_F(AmdViTest, CommandBufferWraps) {
  // 256 entries: after 256 commands head and tail are back at 0.
  enable();
  for (unsigned i = 0; i < 256; ++i) submit(completion_wait_store(kStore, i));
  EXPECT_EQ(r64(kStore), 255ull);
  EXPECT_EQ(iommu.read(Mmio::kCommandBufferTail), 0ull);
  EXPECT_EQ(iommu.read(Mmio::kCommandBufferHead), 0ull);
}

TEST_F(AmdViTest, CommandsWaitForCmdBufEn) {
  enable(0x0005);  // IommuEn | EventLogEn, no CmdBufEn
  submit(completion_wait_store(kStore, 3));
  EXPECT_EQ(r64(kStore), 0ull);
  iommu.write(Mmio::kControl, kControlOn);
  EXPECT_EQ(r64(kStore), 3ull);
}

class AmdViIotlb : public AmdViTest {
 protected:
  uint64_t l1 = 0;
  void SetUp() override {
    enable();
    const uint64_t root = table();
    l1 = table();
    w64(root, pte(l1, 1));
    for (unsigned i = 0; i < 4; ++i) w64(l1 + i * 8, pte(0x0050'0000 + i * 0x1000, 0));
    set_dte(kDev, dte_v1(2, root, kDom));
    for (unsigned i = 0; i < 4; ++i) ASSERT_EQ(dma(kDev, i * 0x1000, false).outcome, Outcome::kTranslated);
    for (unsigned i = 0; i < 4; ++i) w64(l1 + i * 8, 0);  // unmap everything
  }
};

TEST_F(AmdViIotlb, StaleTranslationUntilInvalidated) {
  EXPECT_EQ(dma(kDev, 0x0000, false).pa, 0x0050'0000ull);  // still cached
  submit(invalidate_pages(kDom, 0x0000, false));
  EXPECT_EQ(dma(kDev, 0x0000, false).outcome, Outcome::kAborted);
  EXPECT_EQ(dma(kDev, 0x1000, false).outcome, Outcome::kTranslated);  // S=0: one 4 KiB page only
}

TEST_F(AmdViIotlb, OtherDomainInvalidationKeepsEntry) {
  submit(invalidate_pages(kDom + 1, 0x0000, false));
  EXPECT_EQ(dma(kDev, 0x0000, false).outcome, Outcome::kTranslated);
}

TEST_F(AmdViIotlb, SizeEncodedRangeInvalidation) {
  // S=1, address 0x2000 with bit 12 = 0 -> 8 KiB range 0x2000..0x3fff: pages 2, 3 go; 0, 1 stay.
  submit(invalidate_pages(kDom, 0x2000, true));
  EXPECT_EQ(dma(kDev, 0x0000, false).outcome, Outcome::kTranslated);
  EXPECT_EQ(dma(kDev, 0x1000, false).outcome, Outcome::kTranslated);
  EXPECT_EQ(dma(kDev, 0x2000, false).outcome, Outcome::kAborted);
  EXPECT_EQ(dma(kDev, 0x3000, false).outcome, Outcome::kAborted);
}

TEST_F(AmdViIotlb, InvalidateAllAddresses) {
  submit(invalidate_pages(kDom, InvalidateIommuPages::kAllAddress, true));
  EXPECT_EQ(iommu.iotlb_entries(), 0u);
}

TEST_F(AmdViIotlb, InvalidateIommuAll) {
  InvalidateIommuAll c;
  submit(c);
  EXPECT_EQ(iommu.iotlb_entries(), 0u);
  EXPECT_EQ(dma(kDev, 0x3000, false).outcome, Outcome::kAborted);
}

TEST_F(AmdViIotlb, WalkIgnoresCaches) {
  Request r;
  r.device_id = kDev;
  r.address = 0;
  EXPECT_EQ(iommu.walk(r).outcome, Outcome::kAborted);
}

}  // namespace
}  // namespace amd_vi_test
