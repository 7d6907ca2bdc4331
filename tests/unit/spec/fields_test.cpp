// spec/bitfield.h as data: field descriptors, the lists structures declare, and setters that refuse a value
// that does not fit (hand-derived from the field widths the specifications give).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spec/amd_vi/events.h"
#include "spec/bitfield.h"
#include "spec/smmuv3/events.h"
#include "spec/smmuv3/ste.h"
#include "spec/virtio_iommu/virtio_iommu.h"

namespace {

template <class Fields>
std::vector<std::string> names(const Fields& fields) {
  std::vector<std::string> v;
  for (const spec::Field& f : fields) v.emplace_back(f.name);
  return v;
}

// No two listed fields share a bit, and each lies inside the structure.
template <class S>
void expect_disjoint_and_inside() {
  std::vector<bool> used(S::kBytes * 8, false);
  for (const spec::Field& f : S::kFields) {
    ASSERT_LT(f.hi, S::kBytes * 8) << f.name;
    for (unsigned b = f.lo; b <= f.hi; ++b) {
      EXPECT_FALSE(used[b]) << f.name << " overlaps at bit " << b;
      used[b] = true;
    }
  }
}

TEST(SpecFields, DescriptorReadsTheSameBitsAsTheAccessor) {
  spec::smmuv3::EventRecord e;
  e.set_streamid(0x1234'5678).set_class_(2).set_input_addr(0xffff'0000'0000'1000).set_fetch_addr(0x8'0000'0048);
  EXPECT_EQ(spec::smmuv3::EventRecord::streamid_field.get(e), 0x1234'5678u);
  EXPECT_EQ(spec::smmuv3::EventRecord::class__field.get(e), 2u);
  EXPECT_EQ(spec::smmuv3::EventRecord::input_addr_field.get(e), 0xffff'0000'0000'1000u);
  EXPECT_EQ(spec::smmuv3::EventRecord::fetch_addr_51_3_field.get(e), 0x8'0000'0048u >> 3);
  EXPECT_EQ(std::string(spec::smmuv3::EventRecord::streamid_field.name), "StreamID");
  EXPECT_EQ(spec::smmuv3::EventRecord::streamid_field.width(), 32u);
}

TEST(SpecFields, ListsAreDisjointAndInside) {
  expect_disjoint_and_inside<spec::amd_vi::Event>();
  expect_disjoint_and_inside<spec::virtio_iommu::Fault>();
  // AMD-Vi event: everything but EventCode; virtio-iommu fault: every byte.
  unsigned amd_bits = 0, virtio_bits = 0;
  for (const spec::Field& f : spec::amd_vi::Event::kFields) amd_bits += f.width();
  for (const spec::Field& f : spec::virtio_iommu::Fault::kFields) virtio_bits += f.width();
  EXPECT_EQ(amd_bits, 128u - 4u - 12u);  // minus EventCode [63:60] and the reserved [31:20]
  EXPECT_EQ(virtio_bits, 192u);
}

// IHI 0070 §7.3.13: a stage-1 F_TRANSLATION carries the transaction but no IPA; a stage-2 F_PERMISSION on a
// table fetch (CLASS=TT) adds IPA, NSIPA and TTRnW; §7.3.10 F_CD_FETCH carries FetchAddr only.
TEST(SpecFields, SmmuEventDefinesFieldsByType) {
  using spec::smmuv3::EventType;
  spec::smmuv3::EventOf<EventType::kFTranslation> s1;
  EXPECT_EQ(names(s1.defined_fields()), (std::vector<std::string>{"type", "SSV", "StreamID", "Stall", "PnU", "InD",
                                                                   "RnW", "S2", "CLASS", "InputAddr"}));
  spec::smmuv3::EventOf<EventType::kFPermission> s2;
  s2.set_ssv(1).set_s2(1).set_class_(static_cast<uint64_t>(spec::smmuv3::EventClass::kTt));
  EXPECT_EQ(names(s2.defined_fields()),
            (std::vector<std::string>{"type", "SSV", "SubstreamID", "StreamID", "Stall", "PnU", "InD", "RnW", "S2",
                                      "CLASS", "InputAddr", "IPA", "NSIPA", "TTRnW"}));
  spec::smmuv3::EventOf<EventType::kFCdFetch> cd;
  cd.set_fetch_addr(0x4000'0040);
  const auto l = cd.defined_fields();
  EXPECT_EQ(names(l), (std::vector<std::string>{"type", "SSV", "StreamID", "FetchAddr"}));
  // FetchAddr's value is the address, named type's value is named.
  EXPECT_EQ(l.fields[3].get(cd) << l.fields[3].scale, 0x4000'0040u);
  ASSERT_NE(l.fields[0].describe, nullptr);
  EXPECT_EQ(std::string(l.fields[0].describe(l.fields[0].get(cd))), "F_CD_FETCH");
}

TEST(SpecFields, SettersAcceptTheWidestValue) {
  spec::smmuv3::EventRecord e;
  e.set_streamid(0xffff'ffff).set_substreamid(0xf'ffff).set_ssv(1);
  EXPECT_EQ(e.streamid(), 0xffff'ffffu);
  EXPECT_EQ(e.substreamid(), 0xf'ffffu);
}

using SpecFieldsDeathTest = ::testing::Test;

// A value one bit too wide is refused, naming the field (spec::refuse's host default stops the program).
TEST_F(SpecFieldsDeathTest, SettersRefuseAValueThatDoesNotFit) {
  EXPECT_DEATH(spec::smmuv3::EventRecord().set_substreamid(0x10'0000), "SubstreamID refuses 0x100000: it is 20 bits");
  EXPECT_DEATH(spec::smmuv3::EventRecord().set_ssv(2), "SSV refuses 0x2: it is 1 bits");
  EXPECT_DEATH(spec::amd_vi::Event().set_device_id(0x1'0000), "DeviceID refuses");
  EXPECT_DEATH(spec::smmuv3::Ste().set_config(8), "config refuses");
}

}  // namespace
