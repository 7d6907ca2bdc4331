// MAP / UNMAP (§5.13.6.5, §5.13.6.6), including the seven UNMAP examples of §5.13.6.6 scaled to 4 KiB
// pages: the spec's addresses 0..4, 5..9, 10..14 become pages [0x0000,0x4fff], [0x5000,0x9fff], ...
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

class ViommuMap : public ViommuModel {
 protected:
  void SetUp() override {
    ViommuModel::SetUp();
    ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  }
  size_t n() const { return dev.mapping_count(1); }
};

TEST_F(ViommuMap, MapTranslatesVaMinusStartPlusPhys) {
  EXPECT_EQ(send(map_req(1, 0x1000, 0x1fff, 0xa000, kR)), kOk);
  // PA = VA - virt_start + phys_start = 0x1abc - 0x1000 + 0xa000 = 0xaabc.
  auto t = rd(kEpA, 0x1abc);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0xaabcu);
  EXPECT_FALSE(rd(kEpA, 0x2000).ok);  // virt_end is inclusive: 0x1fff is the last mapped byte
  EXPECT_TRUE(rd(kEpA, 0x1fff).ok);
  EXPECT_FALSE(rd(kEpA, 0x0fff).ok);
}

TEST_F(ViommuMap, MisalignedStartIsRange) { EXPECT_EQ(send(map_req(1, 0x1800, 0x27ff, 0xa000, kR)), kRange); }
TEST_F(ViommuMap, MisalignedPhysIsRange) { EXPECT_EQ(send(map_req(1, 0x1000, 0x1fff, 0xa800, kR)), kRange); }
TEST_F(ViommuMap, MisalignedEndIsRange) {
  // virt_end + 1 = 0x1800 is not a multiple of 0x1000.
  EXPECT_EQ(send(map_req(1, 0x1000, 0x17ff, 0xa000, kR)), kRange);
  EXPECT_EQ(n(), 0u);
}

TEST_F(ViommuMap, ByteGranuleAllowsOneByteMapping) {
  mv::DeviceConfig c;
  c.page_size_mask = 0x1;  // bit 0: one-byte granularity
  build(c);
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x1001, 0x1001, 0x77, kR)), kOk);
  EXPECT_EQ(rd(kEpA, 0x1001).pa, 0x77u);
  EXPECT_FALSE(rd(kEpA, 0x1002).ok);
}

TEST_F(ViommuMap, GranuleIsLowestBitOfPageSizeMask) {
  mv::DeviceConfig c;
  c.page_size_mask = 0x40201000 | 0x10000;  // 4K, 64K, 2M, 1G hints: granule 4K
  build(c);
  EXPECT_EQ(dev.granule(), 0x1000u);
  c.page_size_mask = 0xffffffffffff0000ull;
  build(c);
  EXPECT_EQ(dev.granule(), 0x10000u);
}

TEST_F(ViommuMap, OutsideInputRangeIsRange) {
  mv::DeviceConfig c;
  c.input_start = 0x10000;
  c.input_end = 0xffffffffff;  // 40-bit input
  build(c);
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0xf000, 0xffff, 0x0, kR)), kRange);
  EXPECT_EQ(send(map_req(1, 0xfffffff000, 0x10000000fff, 0x0, kR)), kRange);
  EXPECT_EQ(send(map_req(1, 0xfffffff000, 0xffffffffff, 0x0, kR)), kOk);
}

TEST_F(ViommuMap, EndBeforeStartIsInval) { EXPECT_EQ(send(map_req(1, 0x2000, 0x0fff, 0x0, kR)), kInval); }

TEST_F(ViommuMap, OverlapIsInval) {
  EXPECT_EQ(send(map_req(1, 0x4000, 0x7fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(map_req(1, 0x7000, 0x8fff, 0x0, kR)), kInval);  // shares page 0x7000
  EXPECT_EQ(send(map_req(1, 0x3000, 0x4fff, 0x0, kR)), kInval);
  EXPECT_EQ(send(map_req(1, 0x8000, 0x8fff, 0x0, kR)), kOk);  // adjacent is fine
  EXPECT_EQ(n(), 2u);
}

TEST_F(ViommuMap, UnknownFlagIsInval) { EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x0, 1u << 3)), kInval); }

TEST_F(ViommuMap, MmioFlagNeedsMmioFeature) {
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x9000000, kR | kW | kMmio)), kOk);
  build(mv::DeviceConfig{}, ~sv::feature::kMmio);
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x9000000, kR | kW | kMmio)), kInval);  // C8
}

TEST_F(ViommuMap, UnknownDomainIsNoent) {
  EXPECT_EQ(send(map_req(9, 0x0, 0xfff, 0x0, kR)), kNoEnt);
  EXPECT_EQ(send(unmap_req(9, 0x0, 0xfff)), kNoEnt);
}

TEST_F(ViommuMap, BypassDomainRejectsMapAndUnmap) {
  ASSERT_EQ(send(attach_req(5, kEpB, 1)), kOk);
  EXPECT_EQ(send(map_req(5, 0x0, 0xfff, 0x0, kR)), kInval);
  EXPECT_EQ(send(unmap_req(5, 0x0, 0xfff)), kInval);
}

TEST_F(ViommuMap, PhysWrapIsRange) {
  EXPECT_EQ(send(map_req(1, 0x0, 0x1fff, 0xfffffffffffff000ull, kR)), kRange);
}

TEST_F(ViommuMap, OverlapWithReservedRegionIsInval) {
  ASSERT_TRUE(dev.add_reserved_region({0xfee00000, 0xfeefffff, sv::ProbeResvMem::kSubtypeMsi}));
  EXPECT_EQ(send(map_req(1, 0xfeeff000, 0xfef00fff, 0x0, kR)), kInval);
  EXPECT_EQ(send(map_req(1, 0xfef00000, 0xfef00fff, 0x0, kR)), kOk);
}

TEST_F(ViommuMap, MappingTableFullIsNomem) {
  for (uint64_t i = 0; i < mv::Device::kMaxMappings; ++i)
    ASSERT_EQ(send(map_req(1, i * 0x1000, i * 0x1000 + 0xfff, 0, kR)), kOk) << i;
  EXPECT_EQ(send(map_req(1, 0x10000000, 0x10000fff, 0, kR)), kNoMem);
}

// §5.13.6.6 examples (1)..(7).
TEST_F(ViommuMap, UnmapExample1NothingMapped) { EXPECT_EQ(send(unmap_req(1, 0x0, 0x4fff)), kOk); }
TEST_F(ViommuMap, UnmapExample2Exact) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x9fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x9fff)), kOk);
  EXPECT_EQ(n(), 0u);
}
TEST_F(ViommuMap, UnmapExample3TwoAdjacent) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x4fff, 0x0, kR)), kOk);
  ASSERT_EQ(send(map_req(1, 0x5000, 0x9fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x9fff)), kOk);
  EXPECT_EQ(n(), 0u);
}
TEST_F(ViommuMap, UnmapExample4SplitFailsAndKeeps) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x9fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x4fff)), kRange);
  EXPECT_EQ(n(), 1u);
  EXPECT_TRUE(rd(kEpA, 0x0).ok);
}
TEST_F(ViommuMap, UnmapExample5FirstOfTwo) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x4fff, 0x0, kR)), kOk);
  ASSERT_EQ(send(map_req(1, 0x5000, 0x9fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x4fff)), kOk);
  EXPECT_EQ(n(), 1u);
  EXPECT_FALSE(rd(kEpA, 0x0).ok);
  EXPECT_TRUE(rd(kEpA, 0x5000).ok);
}
TEST_F(ViommuMap, UnmapExample6SpillsOver) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x4fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x9fff)), kOk);
  EXPECT_EQ(n(), 0u);
}
TEST_F(ViommuMap, UnmapExample7WithHole) {
  ASSERT_EQ(send(map_req(1, 0x0, 0x4fff, 0x0, kR)), kOk);
  ASSERT_EQ(send(map_req(1, 0xa000, 0xefff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0xefff)), kOk);
  EXPECT_EQ(n(), 0u);
}
TEST_F(ViommuMap, UnmapSplitOfSecondRemovesNothing) {
  // a = [0,0x4fff], b = [0x5000,0x9fff]; unmap [0,0x6fff] covers a but splits b: RANGE, a stays too.
  ASSERT_EQ(send(map_req(1, 0x0, 0x4fff, 0x0, kR)), kOk);
  ASSERT_EQ(send(map_req(1, 0x5000, 0x9fff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0x6fff)), kRange);
  EXPECT_EQ(n(), 2u);
}
TEST_F(ViommuMap, UnmapIgnoresReserved) {
  ASSERT_EQ(send(map_req(1, 0x0, 0xfff, 0x0, kR)), kOk);
  EXPECT_EQ(send(unmap_req(1, 0x0, 0xfff, 0xffffffff)), kOk);  // C9
  EXPECT_EQ(n(), 0u);
}

}  // namespace
}  // namespace viommu_test
