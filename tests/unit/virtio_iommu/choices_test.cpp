// Choices (model/virtio_iommu/device.h): the model playing a device that takes the other permitted outcome,
// and the verdicts of the conformance cases (tests/conformance/virtio_iommu/verdict.h) on such a device.
// Each test sends the same stimulus to the suite's oracle (the model with its own choices) and to a
// "device" (the model with one choice taken the other way, as QEMU takes it where it does), and shows
// that the answer the case judges is permitted — or, for the SHOULD-level ones, that it is the warning
// and not a failure. The permitted sets are the ones the cases pass to the fixture (Permit).
#include "tests/conformance/virtio_iommu/verdict.h"
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

namespace vd = virtio_iommu_tests::verdict;

constexpr uint32_t kFR = 1, kFW = 2, kFA = 0x100;  // VIRTIO_IOMMU_FAULT_F_READ/WRITE/ADDRESS
constexpr uint32_t kRW = kR | kW;

// The oracle and a device built alike, the device with `field` taken the other way.
class ChoiceTest : public ::testing::Test {
 protected:
  void build(bool mv::Choices::*field, const mv::DeviceConfig& c = mv::DeviceConfig{}, uint64_t accept = ~uint64_t{0}) {
    mv::Choices other;
    if (field) other.*field = true;
    oracle = mv::Device(c);
    device = mv::Device(c, other);
    for (mv::Device* d : {&oracle, &device}) {
      ASSERT_TRUE(d->add_endpoint(kEpA));
      ASSERT_TRUE(d->add_endpoint(kEpB));
      ASSERT_TRUE(d->negotiate(c.features & accept));
    }
  }
  // The same request to both; the answers as the case sees them.
  struct Both {
    uint8_t oracle, device;
  };
  Both send(const std::vector<uint8_t>& req, size_t reply_len = 4) {
    std::vector<uint8_t> r1(reply_len, 0), r2(reply_len, 0);
    const auto a = oracle.handle(req.data(), req.size(), r1.data(), r1.size());
    const auto b = device.handle(req.data(), req.size(), r2.data(), r2.size());
    return {vd::answer_of(a), vd::answer_of(b)};
  }
  static vd::Allowed any() {
    vd::Allowed a;
    a.any = true;
    return a;
  }
  static vd::Allowed any_error() {
    vd::Allowed a;
    a.statuses = ~vd::bit(sv::Status::kOk);
    a.unwritten = a.needs_reset = true;
    return a;
  }
  static vd::Allowed unparsable() {
    vd::Allowed a;
    a.unwritten = a.needs_reset = true;
    return a;
  }
  mv::Device oracle, device;
};

TEST(Choices, AlternativeSetsEveryField) {
  const mv::Choices c = mv::Choices::alternative();
  for (const auto& f : mv::Choices::kFieldList) EXPECT_TRUE(c.*f.member) << f.name;
  const mv::Choices d;
  for (const auto& f : mv::Choices::kFieldList) EXPECT_FALSE(d.*f.member) << f.name;
}

// §5.13.6.3.2: an ATTACH whose bypass flag contradicts the existing domain SHOULD be INVAL; a device that
// first detaches the endpoint (as a move SHOULD behave: DETACH then ATTACH) leaves it unattached. Both
// answer INVAL (the status check passes) and the case accepts either place of the endpoint.
TEST_F(ChoiceTest, BypassMismatchDetachFirstIsPermitted) {
  build(&mv::Choices::attach_detaches_first);
  ASSERT_EQ(send(attach_req(2, kEpB, 1)).device, kOk);  // domain 2 bypasses
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  const Both b = send(attach_req(2, kEpA, 0));
  EXPECT_EQ(b.oracle, kInval);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, vd::Allowed{}));  // both INVAL
  EXPECT_TRUE(oracle.attached(kEpA));
  EXPECT_FALSE(device.attached(kEpA));  // QEMU's outcome: detached, bypassing (config.bypass 1)
  EXPECT_TRUE(device.translate(kEpA, 0x5000, mv::Access::kWrite).bypassed);
  EXPECT_FALSE(device.domain_exists(1));  // it was domain 1's last endpoint
}

// F_READ / F_WRITE are information: a device that sets them only for permission faults passes.
TEST_F(ChoiceTest, DirectionOnlyForPermissionFaultsIsPermitted) {
  build(&mv::Choices::fault_direction_sparse);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  ASSERT_EQ(send(map_req(1, 0x10000, 0x10fff, 0x80000, kR)).device, kOk);
  const auto o = oracle.translate(kEpA, 0x20000, mv::Access::kRead);   // unmapped
  const auto d = device.translate(kEpA, 0x20000, mv::Access::kRead);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(o.fault.flags, kFA | kFR);
  EXPECT_EQ(d.fault.flags, kFA);  // QEMU: no direction for an unmapped access
  auto j = vd::judge_fault(d.fault.reason, d.fault.flags, d.fault.endpoint, d.fault.address, 0, 0, o.fault,
                           mv::Access::kRead);
  EXPECT_TRUE(j.direction_ok && j.reason_ok && j.address_ok && j.endpoint_ok);
  EXPECT_FALSE(j.direction_same);  // a note, not a failure
  // A permission fault keeps the direction; a wrong direction would fail.
  const auto p = device.translate(kEpA, 0x10000, mv::Access::kWrite);
  EXPECT_EQ(p.fault.flags, kFA | kFW);
  j = vd::judge_fault(p.fault.reason, kFA | kFR, p.fault.endpoint, p.fault.address, 0, 0, p.fault, mv::Access::kWrite);
  EXPECT_FALSE(j.direction_ok);
}

// §5.13.6.9.2: F_ADDRESS MAY be omitted.
TEST_F(ChoiceTest, NoAddressIsPermitted) {
  build(&mv::Choices::fault_no_address);
  ASSERT_TRUE(device.write_bypass(0));
  ASSERT_TRUE(oracle.write_bypass(0));
  const auto o = oracle.translate(kEpA, 0x3000, mv::Access::kWrite);
  const auto d = device.translate(kEpA, 0x3000, mv::Access::kWrite);
  EXPECT_EQ(d.fault.flags & kFA, 0u);
  const auto j = vd::judge_fault(d.fault.reason, d.fault.flags, d.fault.endpoint, d.fault.address, 0, 0, o.fault,
                                 mv::Access::kWrite);
  EXPECT_FALSE(j.address_given);
  EXPECT_TRUE(j.address_ok);
}

// A never-attached (or detached) endpoint without bypass: R_DOMAIN (model) or R_UNKNOWN (QEMU).
TEST_F(ChoiceTest, UnknownReasonForUnattachedIsPermitted) {
  build(&mv::Choices::unattached_fault_unknown);
  ASSERT_TRUE(device.write_bypass(0));
  ASSERT_TRUE(oracle.write_bypass(0));
  const auto o = oracle.translate(kEpA, 0x3000, mv::Access::kRead);
  const auto d = device.translate(kEpA, 0x3000, mv::Access::kRead);
  EXPECT_EQ(o.fault.reason, 1);
  EXPECT_EQ(d.fault.reason, 0);
  const auto j = vd::judge_fault(d.fault.reason, d.fault.flags, d.fault.endpoint, d.fault.address, 0, 0, o.fault,
                                 mv::Access::kRead);
  EXPECT_TRUE(j.reason_ok);
  EXPECT_FALSE(j.reason_same);
  // Another specific reason would state something that did not happen.
  EXPECT_FALSE(vd::judge_fault(2, d.fault.flags, kEpA, 0x3000, 0, 0, o.fault, mv::Access::kRead).reason_ok);
}

// PROBE with F_PROBE offered but not negotiated: not covered by the SHOULD (which is about a device that
// does not offer it); answering it is permitted.
TEST_F(ChoiceTest, ProbeAnsweredWithoutNegotiationIsPermitted) {
  build(&mv::Choices::probe_unnegotiated, mv::DeviceConfig{}, ~sv::feature::kProbe);
  const Both b = send(probe_req(kEpA), 512 + 4);
  EXPECT_EQ(b.oracle, vd::kNoStatus);
  EXPECT_EQ(b.device, kOk);  // QEMU
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any()));
}

// MAP with virt_end < virt_start: only the driver is bound.
TEST_F(ChoiceTest, InvertedMapAnsweredOkIsPermitted) {
  build(&mv::Choices::map_inverted_ok);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  const Both b = send(map_req(1, 0x20000, 0x1ffff - 0x1000, 0x80000, kRW));
  EXPECT_EQ(b.oracle, kInval);
  EXPECT_EQ(b.device, kOk);  // QEMU
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any()));
  EXPECT_EQ(device.mapping_count(1), 0u);
}

// MAP_F_MMIO without F_MMIO negotiated, by a device that offers F_MMIO (so knows the bit).
TEST_F(ChoiceTest, MmioFlagWithoutFeatureAcceptedIsPermitted) {
  build(&mv::Choices::mmio_flag_unnegotiated, mv::DeviceConfig{}, ~sv::feature::kMmio);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  const Both b = send(map_req(1, 0x0, 0xfff, 0x0, kRW | kMmio));
  EXPECT_EQ(b.oracle, kInval);
  EXPECT_EQ(b.device, kOk);  // QEMU
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any()));
}

// A chain too short for head or tail: returned unwritten (model) or DEVICE_NEEDS_RESET (QEMU, §2.1.2).
TEST_F(ChoiceTest, NeedsResetForUnparsableChainIsPermitted) {
  build(&mv::Choices::malformed_needs_reset);
  const Both b = send(attach_req(1, kEpA), 2);
  EXPECT_EQ(b.oracle, vd::kNoStatus);
  EXPECT_EQ(b.device, vd::kReset);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, unparsable()));
  EXPECT_FALSE(vd::answer_permitted(vd::kLost, b.oracle, unparsable()));  // never returning it fails
}

// C3: a short body returned unwritten, a long one INVAL: both permitted by the cases.
TEST_F(ChoiceTest, StrictRequestSizeIsPermitted) {
  build(&mv::Choices::strict_request_size);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  auto shortmap = map_req(1, 0x0, 0xfff, 0x0, kR);
  shortmap.resize(20);
  Both b = send(shortmap);
  EXPECT_EQ(b.oracle, kInval);
  EXPECT_EQ(b.device, vd::kNoStatus);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any_error()));
  EXPECT_FALSE(vd::answer_permitted(kOk, b.oracle, any_error()));
  auto longattach = attach_req(2, kEpB);
  longattach.resize(64, 0xee);
  b = send(longattach);
  EXPECT_EQ(b.oracle, kOk);
  EXPECT_EQ(b.device, kInval);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any()));
}

// MAP beyond input_range "fails": any error status is permitted (the model says RANGE), OK is not.
TEST_F(ChoiceTest, OutOfRangeInvalIsPermittedOkIsNot) {
  mv::DeviceConfig c;
  c.input_end = (uint64_t{1} << 39) - 1;
  build(&mv::Choices::range_errors_inval, c);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  const Both b = send(map_req(1, uint64_t{1} << 39, (uint64_t{1} << 39) + 0xfff, 0x0, kRW));
  EXPECT_EQ(b.oracle, kRange);
  EXPECT_EQ(b.device, kInval);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any_error()));
  EXPECT_FALSE(vd::answer_permitted(kOk, b.oracle, any_error()));  // QEMU 10.0's answer stays a deviation
}

// C9: UNMAP with reserved != 0 MAY be INVAL, with or without the UNMAP performed.
TEST_F(ChoiceTest, UnmapReservedInvalIsPermitted) {
  build(&mv::Choices::unmap_reserved_inval);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  ASSERT_EQ(send(map_req(1, 0x0, 0xfff, 0x80000, kRW)).device, kOk);
  const Both b = send(unmap_req(1, 0x0, 0xfff, 0xffffffff));
  EXPECT_EQ(b.oracle, kOk);
  EXPECT_EQ(b.device, kInval);
  vd::Allowed a;
  a.statuses = vd::bit(sv::Status::kOk) | vd::bit(sv::Status::kInval);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, a));
  EXPECT_TRUE(device.translate(kEpA, 0x0, mv::Access::kRead).ok);  // not performed
  EXPECT_FALSE(oracle.translate(kEpA, 0x0, mv::Access::kRead).ok);
}

// C10: DETACH from a domain the endpoint is not in MAY be INVAL; OK is permitted.
TEST_F(ChoiceTest, DetachElsewhereOkIsPermitted) {
  build(&mv::Choices::detach_elsewhere_ok);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  const Both b = send(detach_req(2, kEpA));
  EXPECT_EQ(b.oracle, kInval);
  EXPECT_EQ(b.device, kOk);
  EXPECT_TRUE(vd::answer_permitted(b.device, b.oracle, any()));
  EXPECT_TRUE(device.attached(kEpA));  // still in domain 1
}

// C13: a write-only mapping MAY allow reads.
TEST_F(ChoiceTest, WriteOnlyReadableIsTheOtherChoice) {
  build(&mv::Choices::write_only_readable);
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  ASSERT_EQ(send(map_req(1, 0x0, 0xfff, 0x80000, kW)).device, kOk);
  EXPECT_FALSE(oracle.translate(kEpA, 0x10, mv::Access::kRead).ok);
  EXPECT_TRUE(device.translate(kEpA, 0x10, mv::Access::kRead).ok);
  // A mapping with no flags stays closed to reads either way.
  ASSERT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x80000, 0)).device, kOk);
  EXPECT_FALSE(device.translate(kEpA, 0x1010, mv::Access::kRead).ok);
}

// C16: the driver accepting an unoffered feature: FEATURES_OK refused (model) or kept, bits masked (QEMU).
TEST(Choices, UnofferedFeatureMaskedIsTheOtherChoice) {
  mv::DeviceConfig c;
  c.features &= ~sv::feature::kBypassConfig;
  mv::Choices other;
  other.accept_unoffered = true;
  mv::Device oracle(c), device(c, other);
  const uint64_t driver = c.features | sv::feature::kBypassConfig;
  EXPECT_FALSE(oracle.negotiate(driver));
  EXPECT_TRUE(device.negotiate(driver));
  EXPECT_EQ(device.negotiated(), c.features);
}

// SHOULD-level alternatives are warnings: the cases judge them under a SHOULD clause, so the answer is
// "not permitted" (a warn line) yet the case passes. QEMU answers an unknown type UNSUPP.
TEST_F(ChoiceTest, UnknownTypeUnsuppIsOnlyAWarning) {
  build(&mv::Choices::unknown_type_unsupp);
  auto req = attach_req(1, kEpA);
  req[0] = 0x42;
  const Both b = send(req);
  EXPECT_EQ(b.oracle, vd::kNoStatus);
  EXPECT_EQ(b.device, kUnsupp);
  vd::Allowed a;
  a.needs_reset = true;
  EXPECT_FALSE(vd::answer_permitted(b.device, b.oracle, a));  // warns under §5.13.6.2 SHOULD
}

// QEMU 10.0's answer to a short PROBE: OK in the first bytes, used length 4.
TEST_F(ChoiceTest, ShortProbeOkFirstIsTheOtherChoice) {
  build(&mv::Choices::probe_short_ok_first);
  std::vector<uint8_t> reply(256 + 4, 0x5a);
  auto req = probe_req(kEpA);
  const auto c = device.handle(req.data(), req.size(), reply.data(), reply.size());
  EXPECT_EQ(c.used_len, 4u);
  EXPECT_EQ(reply[0], kOk);
  EXPECT_EQ(reply[256], 0x5a);  // nothing where the case reads the status: SHOULD INVAL there, a warning
}

TEST_F(ChoiceTest, UncheckedMapIsTheOtherChoice) {
  build(&mv::Choices::map_unchecked);
  ASSERT_TRUE(device.add_reserved_region({0xfee00000, 0xfeefffff, 1}));
  ASSERT_EQ(send(attach_req(1, kEpA)).device, kOk);
  EXPECT_EQ(send(map_req(1, 0x800, 0x17ff, 0x0, kRW)).device, kOk);               // misaligned (SHOULD RANGE)
  EXPECT_EQ(send(map_req(1, 0xfee00000, 0xfee00fff, 0x0, kRW)).device, kOk);      // over RESV_MEM (SHOULD INVAL)
  EXPECT_EQ(send(map_req(1, 0x1000, 0x1fff, 0x0, kRW)).device, kInval);          // overlap still INVAL
}

}  // namespace
}  // namespace viommu_test
