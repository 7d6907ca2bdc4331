// Layouts of §5.13 structures: byte offsets of every field, computed by hand from the spec's structs.
#include "tests/unit/virtio_iommu/fixture.h"

namespace viommu_test {
namespace {

template <typename T>
std::vector<uint8_t> bytes(const T& v) {
  std::vector<uint8_t> b(sizeof v);
  std::memcpy(b.data(), v.words.data(), sizeof v);
  return b;
}

TEST(ViommuLayout, ConfigFieldOffsets) {
  // struct virtio_iommu_config: le64 page_size_mask @0, range_64 {start @8, end @16},
  // range_32 {start @24, end @28}, le32 probe_size @32, u8 bypass @36, reserved[3] -> 40 bytes.
  sv::Config c;
  c.set_page_size_mask(0x1111).set_input_range_start(0x2222).set_input_range_end(0x3333);
  c.set_domain_range_start(0x44).set_domain_range_end(0x55).set_probe_size(0x200).set_bypass(1);
  auto b = bytes(c);
  ASSERT_EQ(b.size(), 40u);
  EXPECT_EQ(get64(&b[0]), 0x1111u);
  EXPECT_EQ(get64(&b[8]), 0x2222u);
  EXPECT_EQ(get64(&b[16]), 0x3333u);
  EXPECT_EQ(get32(&b[24]), 0x44u);
  EXPECT_EQ(get32(&b[28]), 0x55u);
  EXPECT_EQ(get32(&b[32]), 0x200u);
  EXPECT_EQ(b[36], 1);
  EXPECT_EQ(sv::Config::kBypassOff, 36u);
}

TEST(ViommuLayout, MapRequestOffsets) {
  // head(4) domain @4, virt_start @8, virt_end @16, phys_start @24, flags @32, tail @36 -> 40 bytes.
  sv::ReqMap m;
  m.set_domain(7).set_virt_start(0x1000).set_virt_end(0x1fff).set_phys_start(0xa000).set_flags(3);
  auto b = bytes(m);
  EXPECT_EQ(b[0], 3);  // VIRTIO_IOMMU_T_MAP
  EXPECT_EQ(get32(&b[4]), 7u);
  EXPECT_EQ(get64(&b[8]), 0x1000u);
  EXPECT_EQ(get64(&b[16]), 0x1fffu);
  EXPECT_EQ(get64(&b[24]), 0xa000u);
  EXPECT_EQ(get32(&b[32]), 3u);
  EXPECT_EQ(sv::ReqMap::kReadable + sv::kTailSize, sizeof(sv::ReqMap));
}

TEST(ViommuLayout, AttachDetachUnmapOffsets) {
  sv::ReqAttach a;
  a.set_domain(1).set_endpoint(8).set_flags(1).set_reserved(0xdeadbeef);
  auto b = bytes(a);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(get32(&b[4]), 1u);
  EXPECT_EQ(get32(&b[8]), 8u);
  EXPECT_EQ(get32(&b[12]), 1u);
  EXPECT_EQ(get32(&b[16]), 0xdeadbeefu);  // u8 reserved[4] @16, tail @20
  sv::ReqDetach d;
  d.set_reserved_lo(0x11).set_reserved_hi(0x22);
  b = bytes(d);
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(get32(&b[12]), 0x11u);  // u8 reserved[8] @12..19
  EXPECT_EQ(get32(&b[16]), 0x22u);
  sv::ReqUnmap u;
  u.set_virt_start(0x5000).set_virt_end(0x5fff).set_reserved(9);
  b = bytes(u);
  EXPECT_EQ(b[0], 4);
  EXPECT_EQ(get64(&b[8]), 0x5000u);
  EXPECT_EQ(get64(&b[16]), 0x5fffu);
  EXPECT_EQ(get32(&b[24]), 9u);  // reserved @24, tail @28 -> 32 bytes
  EXPECT_EQ(sizeof(sv::ReqUnmap), 32u);
}

TEST(ViommuLayout, ProbeFaultAndResvMem) {
  sv::ReqProbe p;
  p.set_endpoint(0x18);
  auto b = bytes(p);
  EXPECT_EQ(b.size(), 72u);  // head 4 + endpoint 4 + reserved[64]
  EXPECT_EQ(b[0], 5);
  EXPECT_EQ(get32(&b[4]), 0x18u);
  sv::ProbeResvMem r;
  r.set_type(1).set_length(20).set_subtype(1).set_start(0xfee00000).set_end(0xfeefffff);
  b = bytes(r);
  EXPECT_EQ(b[0] | (b[1] & 0x0f) << 8, 1);  // type:12
  EXPECT_EQ(b[2] | b[3] << 8, 20);          // length
  EXPECT_EQ(b[4], 1);                       // subtype
  EXPECT_EQ(get64(&b[8]), 0xfee00000u);
  EXPECT_EQ(get64(&b[16]), 0xfeefffffu);
  sv::Fault f;
  f.set_reason(2).set_flags(0x102).set_endpoint(0x10).set_address(0x1234);
  b = bytes(f);
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(get32(&b[4]), 0x102u);
  EXPECT_EQ(get32(&b[8]), 0x10u);
  EXPECT_EQ(get64(&b[16]), 0x1234u);  // reserved1 @12, address @16
}

TEST(ViommuLayout, FeatureAndStatusNumbers) {
  // §5.13.3 bit numbers and §5.13.6 status values.
  EXPECT_EQ(sv::feature::kInputRange, 1u << 0);
  EXPECT_EQ(sv::feature::kDomainRange, 1u << 1);
  EXPECT_EQ(sv::feature::kMapUnmap, 1u << 2);
  EXPECT_EQ(sv::feature::kBypass, 1u << 3);
  EXPECT_EQ(sv::feature::kProbe, 1u << 4);
  EXPECT_EQ(sv::feature::kMmio, 1u << 5);
  EXPECT_EQ(sv::feature::kBypassConfig, 1u << 6);
  EXPECT_EQ(static_cast<int>(sv::Status::kNoEnt), 6);
  EXPECT_EQ(static_cast<int>(sv::Status::kNoMem), 8);
  EXPECT_EQ(sv::kPciDeviceId, 0x1040 + 23);
}

}  // namespace
}  // namespace viommu_test
