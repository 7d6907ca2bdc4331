// Register semantics (48882 §3.4): read-only, write-1-to-clear and derived Run bits.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

TEST_F(AmdViTest, ExtendedFeatureIsReadOnly) {
  // §3.4.6: software writes are ignored; the model's default is QEMU 7.2's 0x29d3.
  iommu.write(Mmio::kExtendedFeature, 0);
  EXPECT_EQ(iommu.read(Mmio::kExtendedFeature), 0x29d3ull);
  ExtendedFeature efr;
  efr.set_raw(0x29d3);
  EXPECT_EQ(efr.host_levels(), 6u);  // HATS = (0x29d3 >> 10) & 3 = 2 -> 4 + 2
}

TEST_F(AmdViTest, StatusRunBitsFollowControl) {
  // §3.4.5: CmdBufRun [4] = IommuEn & CmdBufEn; EventLogRun [3] = IommuEn & EventLogEn.
  enable();
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x18, 0x18ull);
  iommu.write(Mmio::kControl, 0x0005);  // CmdBufEn off
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x18, 0x08ull);
  iommu.write(Mmio::kControl, 0x1001);  // EventLogEn off, CmdBufEn on
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x18, 0x10ull);
}

TEST_F(AmdViTest, StatusRunBitsAreReadOnly) {
  enable();
  iommu.write(Mmio::kStatus, 0x18);  // writing 1s to RO bits changes nothing
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x18, 0x18ull);
}

TEST_F(AmdViTest, ComWaitIntIsWriteOneToClear) {
  enable();
  CompletionWait c;
  c.set_i(1);
  submit(c);
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x4, 0x4ull);
  iommu.write(Mmio::kStatus, 0x0);  // writing 0 keeps it
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x4, 0x4ull);
  iommu.write(Mmio::kStatus, 0x4);  // writing 1 clears it
  EXPECT_EQ(iommu.read(Mmio::kStatus) & 0x4, 0x0ull);
}

TEST_F(AmdViTest, RingPointersKeepOnlyBits18To4) {
  // §3.4.9: head/tail are byte offsets of 16-byte entries in [18:4]; 0xfffff -> 0x7fff0.
  iommu.write(Mmio::kEventLogHead, 0xfffff);
  EXPECT_EQ(iommu.read(Mmio::kEventLogHead), 0x7fff0ull);
}

TEST_F(AmdViTest, DisabledIommuPassesDmaThrough) {
  // IommuEn=0: requests are not translated.
  const Result r = dma(0x10, 0x1234567, true);
  EXPECT_EQ(r.outcome, Outcome::kUntranslated);
  EXPECT_EQ(r.pa, 0x1234567ull);
}

}  // namespace
}  // namespace amd_vi_test
