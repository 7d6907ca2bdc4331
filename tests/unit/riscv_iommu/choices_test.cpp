// The model's choices where the spec lets the device choose (model::riscv_iommu::Config), each shown both ways.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvChoices : public RvTest {
 protected:
  uint64_t root = 0;
  void setup(const Config& c) {
    reconfigure(c);
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    root = page();
    put_dc(1, dc_first_stage(8, root, 1));
  }
};

TEST_F(RvChoices, PageOffsetInIotval) {
  // "the IOMMU may report the page offset in iotval as 0": the model reports it by default.
  setup(Config{});
  io.translate(rd(1, 0x5678));
  EXPECT_EQ(fq(0).iotval(), 0x5678u);
}

TEST_F(RvChoices, PageOffsetReportedAsZero) {
  Config c;
  c.report_page_offset = false;
  setup(c);
  io.translate(rd(1, 0x5678));
  EXPECT_EQ(fq(0).iotval(), 0x5000u);
}

TEST_F(RvChoices, WithoutIoatcEveryRequestWalks) {
  // "A simpler implementation may not implement IOATC": a remapped page is seen at once.
  Config c;
  c.ioatc_entries = 0;
  c.dc_cache_entries = 0;
  setup(c);
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0x1000)).pa, 0x8040'0000u);
  map(kSv39, root, 0x1000, 0x8050'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0x1000)).pa, 0x8050'0000u);
  EXPECT_EQ(io.ioatc_valid_entries(), 0u);
}

TEST_F(RvChoices, SharedPscidDoesNotLeakBetweenDevices) {
  // Two devices with PSCID 1 over different tables: "it is unpredictable whether the IOMMU uses the PTEs from
  // the first page table or the second"; the model always uses the requester's own.
  setup(Config{});
  const uint64_t root2 = page();
  put_dc(2, dc_first_stage(8, root2, 1));
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  map(kSv39, root2, 0x1000, 0x8060'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0x1000)).pa, 0x8040'0000u);
  EXPECT_EQ(io.translate(rd(2, 0x1000)).pa, 0x8060'0000u);
}

TEST_F(RvChoices, CachesSurviveAModeChange) {
  // "When an IOMMU is transitioned to Bare or Off state, the IOMMU may retain information cached from in-memory
  // data structures": the model retains it; software invalidates.
  setup(Config{});
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  io.translate(rd(1, 0x1000));
  set_ddtp(IommuMode::kOff);
  set_ddtp(IommuMode::k1Lvl);
  EXPECT_EQ(io.ioatc_valid_entries(), 1u);
  EXPECT_EQ(io.dc_cache_valid_entries(), 1u);
}

TEST_F(RvChoices, ResetEmptiesTheCaches) {
  // "After a reset the caches must have no valid entries."
  setup(Config{});
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  io.translate(rd(1, 0x1000));
  io.reset(Config{});
  EXPECT_EQ(io.ioatc_valid_entries(), 0u);
  EXPECT_EQ(io.dc_cache_valid_entries(), 0u);
}

}  // namespace
}  // namespace riscv_iommu_tests
