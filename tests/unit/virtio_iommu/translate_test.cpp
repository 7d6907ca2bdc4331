// translate(): bypass modes, permissions, reserved regions and fault records (§5.13.6, §5.13.6.9).
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

constexpr uint32_t kFR = 1, kFW = 2, kFA = 0x100;  // VIRTIO_IOMMU_FAULT_F_READ/WRITE/ADDRESS

TEST_F(ViommuModel, UnattachedInBypassIsIdentity) {
  auto t = wr(kEpA, 0x12345678);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0x12345678u);
}

TEST_F(ViommuModel, UnattachedWithoutBypassFaultsDomain) {
  ASSERT_TRUE(dev.write_bypass(0));
  auto t = rd(kEpB, 0x4000);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.reason, 1);  // R_DOMAIN
  EXPECT_EQ(t.fault.flags, kFA | kFR);
  EXPECT_EQ(t.fault.endpoint, kEpB);
  EXPECT_EQ(t.fault.address, 0x4000u);
}

TEST_F(ViommuModel, BypassAppliesEvenIfDriverRefusedBypassConfig) {
  // "This applies even if the driver does not accept the VIRTIO_IOMMU_F_BYPASS_CONFIG feature and the
  // device initializes field bypass to 1."
  build(mv::DeviceConfig{}, ~sv::feature::kBypassConfig);
  EXPECT_TRUE(rd(kEpA, 0x1000).ok);
  EXPECT_FALSE(dev.write_bypass(0));  // not writable without the feature
}

TEST_F(ViommuModel, LegacyBypassFeature) {
  mv::DeviceConfig c;
  c.features = sv::feature::kMapUnmap | sv::feature::kBypass;
  c.bypass = 0;
  build(c);
  EXPECT_TRUE(rd(kEpA, 0x1000).ok);  // F_BYPASS negotiated, not attached
  build(c, ~sv::feature::kBypass);
  EXPECT_FALSE(rd(kEpA, 0x1000).ok);
}

TEST_F(ViommuModel, BypassConfigRejectsValuesAboveOne) {
  EXPECT_FALSE(dev.write_bypass(2));
  EXPECT_EQ(dev.config().bypass(), 1u);
}

TEST_F(ViommuModel, AttachedBypassDomainIsIdentity) {
  ASSERT_TRUE(dev.write_bypass(0));
  ASSERT_EQ(send(attach_req(3, kEpA, 1)), kOk);
  EXPECT_EQ(wr(kEpA, 0xabc000).pa, 0xabc000u);
}

TEST_F(ViommuModel, AttachedEmptyDomainFaultsMappingEvenWithBypass) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  auto t = wr(kEpA, 0x8000);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.reason, 2);  // R_MAPPING
  EXPECT_EQ(t.fault.flags, kFA | kFW);
  EXPECT_EQ(t.fault.address, 0x8000u);
}

TEST_F(ViommuModel, ReadOnlyMappingRefusesWrites) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x5000, kR)), kOk);
  EXPECT_TRUE(rd(kEpA, 0x1000).ok);
  auto t = wr(kEpA, 0x1008);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.reason, 2);
  EXPECT_EQ(t.fault.flags, kFA | kFW);
  EXPECT_EQ(t.fault.address, 0x1008u);
}

TEST_F(ViommuModel, WriteOnlyMappingRefusesReads) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x5000, kW)), kOk);
  EXPECT_TRUE(wr(kEpA, 0x1000).ok);
  auto t = rd(kEpA, 0x1000);
  ASSERT_FALSE(t.ok);  // C13
  EXPECT_EQ(t.fault.flags, kFA | kFR);
}

TEST_F(ViommuModel, MappingWithoutPermissionsAllowsNothing) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x5000, 0)), kOk);
  EXPECT_FALSE(rd(kEpA, 0x1000).ok);
  EXPECT_FALSE(wr(kEpA, 0x1000).ok);
}

TEST_F(ViommuModel, MsiRegionPassesThroughReservedFaults) {
  ASSERT_TRUE(dev.add_reserved_region({0xfee00000, 0xfeefffff, sv::ProbeResvMem::kSubtypeMsi}));
  ASSERT_TRUE(dev.add_reserved_region({0x8000000, 0x800ffff, sv::ProbeResvMem::kSubtypeReserved}));
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  auto m = wr(kEpA, 0xfee00004);
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.pa, 0xfee00004u);
  auto r = wr(kEpA, 0x8000010);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.fault.reason, 2);
  EXPECT_EQ(r.fault.address, 0x8000010u);
}

TEST_F(ViommuModel, IsolationBetweenDomains) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(attach_req(2, kEpB)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x5000, kR | kW)), kOk);
  ASSERT_EQ(send(map_req(2, 0x2000, 0x2fff, 0x6000, kR | kW)), kOk);
  EXPECT_TRUE(rd(kEpA, 0x1000).ok);
  EXPECT_FALSE(rd(kEpA, 0x2000).ok);
  EXPECT_FALSE(rd(kEpB, 0x1000).ok);
  EXPECT_EQ(rd(kEpB, 0x2000).pa, 0x6000u);
}

TEST_F(ViommuModel, RangeFaultIsFirstUnmappedByte) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x2fff, 0x5000, kR | kW)), kOk);
  // A DMA of 0x3000 bytes from 0x1800 runs to 0x47ff: first unmapped byte 0x3000.
  auto t = dev.translate_range(kEpA, 0x1800, 0x3000, mv::Access::kWrite);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.address, 0x3000u);
  auto ok = dev.translate_range(kEpA, 0x1800, 0x1800, mv::Access::kWrite);
  ASSERT_TRUE(ok.ok);
  EXPECT_EQ(ok.pa, 0x5800u);
}

TEST_F(ViommuModel, RangeAcrossTwoMappings) {
  ASSERT_EQ(send(attach_req(1, kEpA)), kOk);
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x5000, kR)), kOk);
  ASSERT_EQ(send(map_req(1, 0x2000, 0x2fff, 0x9000, kR)), kOk);
  EXPECT_TRUE(dev.translate_range(kEpA, 0x1000, 0x2000, mv::Access::kRead).ok);
  auto t = dev.translate_range(kEpA, 0x1000, 0x2000, mv::Access::kWrite);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.address, 0x1000u);
}

TEST_F(ViommuModel, UnknownEndpointFaultsUnknown) {
  ASSERT_TRUE(dev.write_bypass(0));
  auto t = rd(0x7777, 0x0);
  ASSERT_FALSE(t.ok);
  EXPECT_EQ(t.fault.reason, 0);
}

TEST_F(ViommuModel, NegotiationRefusesUnofferedFeature) {
  mv::DeviceConfig c;
  c.features = sv::feature::kMapUnmap;
  dev = mv::Device(c);
  EXPECT_FALSE(dev.negotiate(sv::feature::kMapUnmap | sv::feature::kProbe));
  EXPECT_TRUE(dev.negotiate(sv::feature::kMapUnmap));
  EXPECT_TRUE(dev.negotiate(0));  // any subset of the offered bits
}

TEST_F(ViommuModel, ConfigHidesFieldsOfAbsentFeatures) {
  mv::DeviceConfig c;
  c.features = sv::feature::kMapUnmap;
  c.probe_size = 512;
  dev = mv::Device(c);
  EXPECT_EQ(dev.config().probe_size(), 0u);
  EXPECT_EQ(dev.config().page_size_mask(), ~uint64_t{0xfff});
}

}  // namespace
}  // namespace viommu_test
