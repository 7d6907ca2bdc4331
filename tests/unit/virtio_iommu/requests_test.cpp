// PROBE (§5.13.6.7, §5.13.6.8) and malformed request chains (§5.13.6 device requirements, C1..C5).
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

TEST_F(ViommuModel, ProbeReportsResvMemProperties) {
  ASSERT_TRUE(dev.add_reserved_region({0xfee00000, 0xfeefffff, 1}));
  ASSERT_TRUE(dev.add_reserved_region({0x8000000, 0x800ffff, 0}));
  std::vector<uint8_t> reply(512 + 4, 0xaa);
  auto req = probe_req(kEpA);
  auto c = dev.handle(req.data(), req.size(), reply.data(), reply.size());
  ASSERT_TRUE(c.written);
  EXPECT_EQ(c.used_len, 516u);
  EXPECT_EQ(reply[512], kOk);  // tail after probe_size bytes of properties
  // First property at 0: type 1, length 20, subtype MSI, [0xfee00000, 0xfeefffff].
  EXPECT_EQ(reply[0], 1);
  EXPECT_EQ(reply[2], 20);
  EXPECT_EQ(reply[4], 1);
  EXPECT_EQ(get64(&reply[8]), 0xfee00000u);
  EXPECT_EQ(get64(&reply[16]), 0xfeefffffu);
  // Second property exactly length + 4 = 24 bytes later.
  EXPECT_EQ(reply[24], 1);
  EXPECT_EQ(reply[28], 0);  // subtype RESERVED
  EXPECT_EQ(get64(&reply[32]), 0x8000000u);
  // The rest is zero: an empty property (type 0) ends the list.
  for (size_t i = 48; i < 512; ++i) ASSERT_EQ(reply[i], 0) << i;
}

TEST_F(ViommuModel, ProbeUnknownEndpointIsNoent) {
  std::vector<uint8_t> reply(516, 0);
  auto req = probe_req(0x5555);
  auto c = dev.handle(req.data(), req.size(), reply.data(), reply.size());
  ASSERT_TRUE(c.written);
  EXPECT_EQ(reply[512], kNoEnt);
}

TEST_F(ViommuModel, ProbeShortBufferIsInvalWithoutProperties) {
  ASSERT_TRUE(dev.add_reserved_region({0xfee00000, 0xfeefffff, 1}));
  std::vector<uint8_t> reply(256 + 4, 0x5a);  // properties[256] < probe_size 512
  auto req = probe_req(kEpA);
  auto c = dev.handle(req.data(), req.size(), reply.data(), reply.size());
  ASSERT_TRUE(c.written);
  EXPECT_EQ(c.status, kInval);
  EXPECT_EQ(reply[256], kInval);  // C5: tail = last 4 bytes
  EXPECT_EQ(reply[0], 0x5a);      // no property written
}

TEST_F(ViommuModel, ProbeWithoutFeatureIsNotWritten) {
  build(mv::DeviceConfig{}, ~sv::feature::kProbe);
  std::vector<uint8_t> reply(516, 0x5a);
  auto req = probe_req(kEpA);
  auto c = dev.handle(req.data(), req.size(), reply.data(), reply.size());
  EXPECT_FALSE(c.written);
  EXPECT_EQ(c.used_len, 0u);
  EXPECT_EQ(reply[512], 0x5a);
}

TEST_F(ViommuModel, UnknownTypeIsNotWritten) {
  std::vector<uint8_t> req(20, 0);
  req[0] = 0x42;
  EXPECT_EQ(send(req), 0xff);
  EXPECT_EQ(last.used_len, 0u);
  req[0] = 0;  // type 0 is not a request either
  EXPECT_EQ(send(req), 0xff);
}

TEST_F(ViommuModel, NoTailRoomIsNotWritten) {
  auto req = attach_req(1, kEpA);
  uint8_t tail[2] = {0x77, 0x77};
  auto c = dev.handle(req.data(), req.size(), tail, sizeof tail);
  EXPECT_FALSE(c.written);
  EXPECT_EQ(tail[0], 0x77);
  EXPECT_FALSE(dev.attached(kEpA));  // C1: not executed either
}

TEST_F(ViommuModel, HeadTooShortIsNotWritten) {
  std::vector<uint8_t> req{1, 0};
  EXPECT_EQ(send(req), 0xff);
}

TEST_F(ViommuModel, TruncatedBodyIsInval) {
  auto req = map_req(1, 0x0, 0xfff, 0x0, kR);
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  req.resize(20);  // domain and virt_start only
  EXPECT_EQ(send(req), kInval);  // C3
  EXPECT_EQ(dev.mapping_count(1), 0u);
}

TEST_F(ViommuModel, OversizedBodyIgnoresTrailingBytes) {
  auto req = attach_req(1, kEpA);
  req.resize(64, 0xff);  // C3: bytes past the structure are ignored
  EXPECT_EQ(send(req), kOk);
  EXPECT_TRUE(dev.attached(kEpA));
}

TEST_F(ViommuModel, HeadReservedIgnored) {
  auto req = attach_req(1, kEpA);
  req[1] = req[2] = req[3] = 0xff;  // §5.13.6: the device MUST ignore head.reserved
  EXPECT_EQ(send(req), kOk);
}

TEST_F(ViommuModel, MapWithoutMapUnmapNegotiatedIsNotWritten) {
  build(mv::DeviceConfig{}, ~sv::feature::kMapUnmap);
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x0, kR)), 0xff);  // C2
}

}  // namespace
}  // namespace viommu_test
