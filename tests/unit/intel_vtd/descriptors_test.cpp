// VT-d invalidation descriptors (spec/intel_vtd/descriptors.h): every expected word worked out by hand from the
// bit positions of VT-d rev 4.x §6.5.2, cross-read in QEMU's reserved-bit masks and Linux's QI_* builders.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/registers.h"

namespace intel_vtd_tests {
namespace {

using namespace spec::intel_vtd;

TEST(IntelVtdDescriptors, TypeEncodings) {
  // §6.5.2: 1 context-cache, 2 IOTLB, 3 device-TLB, 4 interrupt entry cache, 5 invalidation wait, 6 PASID-based
  // IOTLB, 7 PASID cache, 8 PASID-based device-TLB; each with its own name.
  EXPECT_EQ(ContextCacheInv().words[0], 0x1ull);
  EXPECT_EQ(IotlbInv().words[0], 0x2ull);
  EXPECT_EQ(DeviceTlbInv().words[0], 0x3ull);
  EXPECT_EQ(IecInv().words[0], 0x4ull);
  EXPECT_EQ(InvWait().words[0], 0x5ull);
  EXPECT_EQ(PasidIotlbInv().words[0], 0x6ull);
  EXPECT_EQ(PasidCacheInv().words[0], 0x7ull);
  EXPECT_EQ(PasidDeviceTlbInv().words[0], 0x8ull);
  std::set<std::string> names;
  for (DescType t : kAllDescTypes) names.insert(to_string(t));
  EXPECT_EQ(names.size(), std::size(kAllDescTypes));
  EXPECT_EQ(names.count("reserved"), 0u);
  EXPECT_STREQ(desc_type_name(0), "reserved");
  EXPECT_STREQ(desc_type_name(0x5), "inv_wait_dsc");
}

TEST(IntelVtdDescriptors, SplitType) {
  // Type[3:0] in bits 3:0, Type[6:4] in bits 11:9: type 0x15 is 0x5 | 1 << 9 = 0x205.
  Descriptor d;
  d.set_type(static_cast<DescType>(0x15));
  EXPECT_EQ(d.words[0], 0x205ull);
  EXPECT_EQ(d.type(), 0x15u);
  EXPECT_TRUE(scalable_only(DescType::kPasidIotlb));
  EXPECT_FALSE(scalable_only(DescType::kInvalidationWait));
}

TEST(IntelVtdDescriptors, ContextCache) {
  // §6.5.2.1: G [5:4], DID [31:16], SID [47:32], FM [49:48]. Device-selective (11b) for DID 0x42, SID 0x00f8:
  // 0x1 | 0x30 | 0x42 << 16 | 0xf8 << 32.
  ContextCacheInv d;
  d.set_g(static_cast<uint64_t>(Granularity::kSelective)).set_did(0x42).set_sid(0x00f8);
  EXPECT_EQ(d.words[0], 0x0000'00f8'0042'0031ull);
  EXPECT_EQ(d.words[1], 0u);
  EXPECT_EQ(ContextCacheInv::fm_mask, 0x3ull << 48);
  // QEMU's VTD_INV_DESC_CC_RSVD 0xfffc_0000_0000_ffc0 less the Type[6:4] bits 11:9.
  EXPECT_EQ(ContextCacheInv::kReserved0, 0xfffc'0000'0000'f1c0ull);
}

TEST(IntelVtdDescriptors, Iotlb) {
  // §6.5.2.3: G [5:4], DW [6], DR [7], DID [31:16]; AM [69:64], IH [70], ADDR [127:76]. Page-selective for DID 1,
  // both drains, IH, one page at 0x1234_5000: low 0x2 | 0x30 | 0x40 | 0x80 | 0x1_0000, high 0x1234_5040.
  IotlbInv d;
  d.set_g(static_cast<uint64_t>(Granularity::kSelective)).set_dw(1).set_dr(1).set_did(1);
  d.set_am(0).set_ih(1).set_addr(0x1234'5000);
  EXPECT_EQ(d.words[0], 0x1'00f2ull);
  EXPECT_EQ(d.words[1], 0x1234'5040ull);
  EXPECT_EQ(d.addr(), 0x1234'5000ull);
  // QEMU: VTD_INV_DESC_IOTLB_RSVD_LO 0xffff_ffff_0000_ff00 (less Type[6:4]), RSVD_HI 0xf80.
  EXPECT_EQ(IotlbInv::kReserved0, 0xffff'ffff'0000'f100ull);
  EXPECT_EQ(IotlbInv::kReserved1, 0xf80ull);
}

TEST(IntelVtdDescriptors, DeviceTlb) {
  // §6.5.2.5: PFSID[3:0] [15:12], MIP [20:16], SID [47:32], PFSID[15:4] [63:52]; S [64], ADDR [127:76]. SID
  // 0x0100, MIP 0x1f, PFSID 0x0123, S, 0x7000: low 0x3 | 0x3 << 12 | 0x1f << 16 | 0x100 << 32 | 0x012 << 52.
  DeviceTlbInv d;
  d.set_sid(0x0100).set_mip(0x1f).set_pfsid(0x0123).set_s(1).set_addr(0x7000);
  EXPECT_EQ(d.words[0], 0x0120'0100'001f'3003ull);
  EXPECT_EQ(d.words[1], 0x7001ull);
  EXPECT_EQ(d.pfsid(), 0x0123u);
}

TEST(IntelVtdDescriptors, InterruptEntryCache) {
  // §6.5.2.7: G [4] (1: index-selective), IM [31:27], IIDX [47:32]: 4 entries (IM 2) from 0x20:
  // 0x4 | 0x10 | 2 << 27 | 0x20 << 32.
  IecInv d;
  d.set_g(1).set_im(2).set_iidx(0x20);
  EXPECT_EQ(d.words[0], 0x0000'0020'1000'0014ull);
  // QEMU's VTD_INV_DESC_IEC_RSVD.
  EXPECT_EQ(IecInv::kReserved0, 0xffff'0000'07ff'f1e0ull);
}

TEST(IntelVtdDescriptors, InvalidationWait) {
  // §6.5.2.8: IF [4], SW [5], FN [6], PD [7], Status Data [63:32]; Status Address [127:66]. Status 0x1234_5678
  // written to 0x8000_0004 with IF and FN: low 0x1234_5678_0000_0075, high 0x8000_0004.
  InvWait d;
  d.set_if_(1).set_sw(1).set_fn(1).set_status_data(0x1234'5678).set_status_addr(0x8000'0004);
  EXPECT_EQ(d.words[0], 0x1234'5678'0000'0075ull);
  EXPECT_EQ(d.words[1], 0x8000'0004ull);
  EXPECT_EQ(d.status_addr(), 0x8000'0004ull);
  EXPECT_EQ(InvWait::pd_mask, 0x80ull);
  EXPECT_EQ(InvWait::kReserved1, 0x3ull);  // QEMU's VTD_INV_DESC_WAIT_RSVD_HI
}

TEST(IntelVtdDescriptors, PasidIotlb) {
  // §6.5.2.4: G [5:4], DID [31:16], PASID [51:32]; AM [69:64], IH [70], ADDR [127:76]. Page-selective-within-
  // PASID (11b) for DID 2, PASID 0x12345, two pages (AM 1) at 0x4000.
  PasidIotlbInv d;
  d.set_g(static_cast<uint64_t>(PasidIotlbGranularity::kPageInPasid)).set_did(2).set_pasid(0x12345);
  d.set_am(1).set_addr(0x4000);
  EXPECT_EQ(d.words[0], 0x0001'2345'0002'0036ull);
  EXPECT_EQ(d.words[1], 0x4001ull);
  // QEMU's VTD_INV_DESC_PIOTLB_RSVD_VAL0 / VAL1.
  EXPECT_EQ(PasidIotlbInv::kReserved0, 0xfff0'0000'0000'f1c0ull);
  EXPECT_EQ(PasidIotlbInv::kReserved1, 0xf80ull);
}

TEST(IntelVtdDescriptors, PasidCache) {
  // §6.5.2.2: G [5:4] (00b domain, 01b PASID-selective, 11b global), DID [31:16], PASID [51:32]. PASID 7 in DID 3:
  // 0x7 | 0x10 | 0x3_0000 | 7 << 32.
  PasidCacheInv d;
  d.set_g(static_cast<uint64_t>(PasidCacheGranularity::kPasid)).set_did(3).set_pasid(7);
  EXPECT_EQ(d.words[0], 0x0000'0007'0003'0017ull);
  EXPECT_EQ(PasidCacheInv::kReserved0, 0xfff0'0000'0000'f1c0ull);  // QEMU's VTD_INV_DESC_PASIDC_RSVD_VAL0
}

TEST(IntelVtdDescriptors, PasidDeviceTlb) {
  // §6.5.2.6: MIP [8:4], SID [31:16], PASID [51:32]; G [64], S [75], ADDR [127:76]. MIP 4, SID 0x0208, PASID 1,
  // every PASID (G), sized (S), 0x1_0000: low 0x8 | 0x40 | 0x208 << 16 | 1 << 32, high 1 | 0x800 | 0x1_0000.
  PasidDeviceTlbInv d;
  d.set_mip(4).set_sid(0x0208).set_pasid(1).set_g(1).set_s(1).set_addr(0x1'0000);
  EXPECT_EQ(d.words[0], 0x0000'0001'0208'0048ull);
  EXPECT_EQ(d.words[1], 0x1'0801ull);
}

TEST(IntelVtdDescriptors, WideForm) {
  // §11.4.11.3 IQA.DW=1: 256-bit descriptors; bits 255:128 reserved for every descriptor here.
  IotlbInv d;
  d.set_g(1).set_did(9);
  Descriptor256 w = Descriptor256::of(d);
  EXPECT_EQ(w.words[0], d.words[0]);
  EXPECT_EQ(w.words[1], d.words[1]);
  EXPECT_TRUE(w.upper_reserved_clear());
  EXPECT_EQ(w.low().desc_type(), DescType::kIotlb);
  w.words[3] = 1;
  EXPECT_FALSE(w.upper_reserved_clear());
  EXPECT_EQ(sizeof(Descriptor256), 32u);
  EXPECT_EQ(sizeof(Descriptor), 16u);
}

TEST(IntelVtdDescriptors, AddressMask) {
  // §6.5.2.3 AM: 2^AM pages from an address aligned to that size. AM 9 at 0x20_0000 covers up to 0x3f_ffff.
  EXPECT_EQ(am_bytes(0), 4096u);
  EXPECT_EQ(am_bytes(9), 0x20'0000u);
  EXPECT_TRUE(am_covers(0x20'0000, 9, 0x20'0000));
  EXPECT_TRUE(am_covers(0x20'0000, 9, 0x3f'f000));
  EXPECT_FALSE(am_covers(0x20'0000, 9, 0x1f'f000));
  EXPECT_FALSE(am_covers(0x20'0000, 0, 0x20'1000));
}

TEST(IntelVtdDescriptors, SettersRefuse) {
  // A DID wider than 16 bits, or a PASID wider than 20, never reaches a descriptor.
  EXPECT_DEATH(IotlbInv().set_did(0x1'0000), "DID refuses");
  EXPECT_DEATH(PasidCacheInv().set_pasid(0x10'0000), "PASID refuses");
}

}  // namespace
}  // namespace intel_vtd_tests
