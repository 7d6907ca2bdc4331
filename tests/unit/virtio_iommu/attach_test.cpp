// ATTACH / DETACH (§5.13.6.3, §5.13.6.4) against hand-derived outcomes.
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

TEST_F(ViommuModel, AttachCreatesDomain) {
  EXPECT_FALSE(dev.domain_exists(1));
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  uint32_t d = 0;
  EXPECT_TRUE(dev.attached(kEpA, &d));
  EXPECT_EQ(d, 1u);
  EXPECT_EQ(last.used_len, 4u);  // C4: only the tail is written
}

TEST_F(ViommuModel, AttachSecondEndpointToExistingDomain) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x10000, 0x10fff, 0x80000, kR)), kOk);
  EXPECT_EQ(send(attach_req(1, kEpB)), kOk);
  // Both see the domain's mapping: 0x10123 -> 0x80000 + 0x123.
  EXPECT_EQ(rd(kEpB, 0x10123).pa, 0x80123u);
  EXPECT_EQ(rd(kEpA, 0x10123).pa, 0x80123u);
}

TEST_F(ViommuModel, AttachUnknownEndpointIsNoent) {
  EXPECT_EQ(send(attach_req(1, 0x9999)), kNoEnt);
  EXPECT_FALSE(dev.domain_exists(1));
}

TEST_F(ViommuModel, AttachReservedNonZeroIsInvalAndChangesNothing) {
  EXPECT_EQ(send(attach_req(1, kEpA, 0, 1)), kInval);
  EXPECT_FALSE(dev.attached(kEpA));
}

TEST_F(ViommuModel, AttachUnknownFlagIsInval) {
  EXPECT_EQ(send(attach_req(1, kEpA, 1u << 1)), kInval);
  EXPECT_FALSE(dev.attached(kEpA));
}

TEST_F(ViommuModel, AttachBypassFlagNeedsBypassConfig) {
  build(mv::DeviceConfig{}, ~sv::feature::kBypassConfig);
  EXPECT_EQ(send(attach_req(1, kEpA, 1)), kInval);  // the flag bit is not recognized
}

TEST_F(ViommuModel, AttachOutsideDomainRangeIsRange) {
  mv::DeviceConfig c;
  c.domain_start = 1;
  c.domain_end = 15;
  build(c);
  EXPECT_EQ(send(attach_req(16, kEpA)), kRange);
  EXPECT_EQ(send(attach_req(0, kEpA)), kRange);
  EXPECT_EQ(send(attach_req(15, kEpA)), kOk);
}

TEST_F(ViommuModel, DomainRangeIgnoredWithoutFeature) {
  mv::DeviceConfig c;
  c.features &= ~sv::feature::kDomainRange;
  c.domain_end = 15;
  build(c);
  EXPECT_EQ(send(attach_req(1000, kEpA)), kOk);  // "any domain value is valid"
}

TEST_F(ViommuModel, MoveBetweenDomainsDestroysOldEmptyDomain) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x5000, kR | kW)), kOk);
  EXPECT_EQ(send(attach_req(2, kEpA)), kOk);
  EXPECT_FALSE(dev.domain_exists(1));  // C12
  EXPECT_EQ(dev.mapping_count(1), 0u);
  // The old mapping is gone for the endpoint: 0x0 faults in domain 2.
  auto t = rd(kEpA, 0x0);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.fault.reason, sv::Fault::kReasonMapping);
}

TEST_F(ViommuModel, MoveKeepsDomainWithOtherMembers) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(attach_req(1, kEpB)), kOk);
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x5000, kR)), kOk);
  EXPECT_EQ(send(attach_req(2, kEpA)), kOk);
  EXPECT_TRUE(dev.domain_exists(1));
  EXPECT_EQ(rd(kEpB, 0x10).pa, 0x5010u);
}

TEST_F(ViommuModel, ReattachSameDomainKeepsMappings) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x2000, 0x2fff, 0x7000, kR)), kOk);
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);  // C11
  EXPECT_EQ(rd(kEpA, 0x2004).pa, 0x7004u);
}

TEST_F(ViommuModel, BypassFlagMismatchIsInvalAndEndpointStays) {
  EXPECT_EQ(send(attach_req(2, kEpB, 1)), kOk);  // bypass domain 2
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x3000, 0x3fff, 0x9000, kR)), kOk);
  EXPECT_EQ(send(attach_req(2, kEpA, 0)), kInval);  // domain 2 is a bypass domain
  uint32_t d = 0;
  EXPECT_TRUE(dev.attached(kEpA, &d));
  EXPECT_EQ(d, 1u);
  EXPECT_EQ(rd(kEpA, 0x3000).pa, 0x9000u);
  EXPECT_EQ(send(attach_req(1, kEpC, 1)), kInval);  // domain 1 is not
}

TEST_F(ViommuModel, DetachUnknownEndpointIsNoent) { EXPECT_EQ(send(detach_req(1, 0x4242)), kNoEnt); }

TEST_F(ViommuModel, DetachWrongDomainIsInval) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(detach_req(2, kEpA)), kInval);  // C10
  EXPECT_TRUE(dev.attached(kEpA));
  EXPECT_EQ(send(detach_req(1, kEpB)), kInval);  // exists but not attached
}

TEST_F(ViommuModel, DetachIgnoresReservedAndDestroysDomain) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x0, kR)), kOk);
  EXPECT_EQ(send(detach_req(1, kEpA, 0xffffffffffffffffull)), kOk);  // reserved MUST be ignored
  EXPECT_FALSE(dev.domain_exists(1));
  EXPECT_EQ(send(map_req(1, 0x0, 0xfff, 0x0, kR)), kNoEnt);  // the ID no longer names a domain
}

TEST_F(ViommuModel, DomainsLiveOnlyWithMembers) {
  // Three endpoints pin three domains; a move frees the old one (C12) and creates the new one.
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_EQ(send(attach_req(2, kEpB)), kOk);
  EXPECT_EQ(send(attach_req(3, kEpC)), kOk);
  EXPECT_TRUE(dev.domain_exists(1) && dev.domain_exists(2) && dev.domain_exists(3));
  // Moving kEpA frees domain 1 and takes domain 4: still three domains.
  EXPECT_EQ(send(attach_req(4, kEpA)), kOk);
  EXPECT_FALSE(dev.domain_exists(1));
}

TEST_F(ViommuModel, ResetDetachesAndKeepsBypass) {
  EXPECT_EQ(send(attach_req(1, kEpA)), kOk);
  EXPECT_TRUE(dev.write_bypass(0));
  dev.reset();
  EXPECT_FALSE(dev.attached(kEpA));
  EXPECT_FALSE(dev.domain_exists(1));
  EXPECT_EQ(dev.config().bypass(), 0u);  // C16
}

}  // namespace
}  // namespace viommu_test
