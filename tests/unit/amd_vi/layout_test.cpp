// Spec layouts (AMD 48882): field positions checked against the bit numbers of the spec's figures.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

TEST(AmdViLayout, DteModeRootAndPermissions) {
  // §2.2.2.1: V [0], TV [1], Mode [11:9], root [51:12], IR [61], IW [62].
  Dte d;
  d.set_v(1).set_tv(1).set_mode(4).set_page_table_root_4k(0x12345).set_ir(1).set_iw(1);
  // 1 | 2 | 4<<9 (0x800) | 0x12345<<12 (0x12345000) | 1<<61 | 1<<62
  EXPECT_EQ(d.words[0], 0x6000000012345803ull);
}

TEST(AmdViLayout, DteDomainAndInterruptFields) {
  // DomainID [79:64] -> word 1 bits 15:0; IV [128], IntTabLen [132:129], root [179:134], IntCtl [189:188].
  Dte d;
  d.set_domain_id(0xbeef).set_iv(1).set_int_tab_len(8).set_int_table_root_64(0x12340000 >> 6).set_int_ctl(2);
  EXPECT_EQ(d.words[1], 0xbeefull);
  // word 2: 1 | 8<<1 (0x10) | (0x12340000>>6)<<6 = 0x12340000 | 2<<60
  EXPECT_EQ(d.words[2], 0x2000000012340011ull);
  EXPECT_EQ(d.int_table_root(), 0x12340000ull);
}

TEST(AmdViLayout, DteGcr3RootSplitsIntoThreeFields) {
  // GCR3 root 0x0000_0123_4567_8000: [14:12]=0 -> DTE[60:58]; [30:15]=0x8acf -> DTE[94:80]; [51:31]=0x246.
  Dte d;
  d.set_gcr3_table_root(0x0000012345678000ull);
  EXPECT_EQ(d.gcr3_trp_14_12(), 0u);
  EXPECT_EQ(d.gcr3_trp_30_15(), 0x45678000ull >> 15 & 0xffff);  // 0x8acf
  EXPECT_EQ(d.gcr3_trp_51_31(), 0x0000012345678000ull >> 31);   // 0x246
  EXPECT_EQ(d.gcr3_table_root(), 0x0000012345678000ull);
}

TEST(AmdViLayout, V1PteFields) {
  // §2.2.3: PR [0], NextLevel [11:9], address [51:12], IR [61], IW [62].
  V1Pte p;
  p.set_pr(1).set_next_level(7).set_addr_4k(0xabcde).set_iw(1);
  EXPECT_EQ(p.words[0], 0x40000000abcdee01ull);
}

TEST(AmdViLayout, EventIoPageFaultFields) {
  // §2.5.3: DeviceID 0x0010, DomainID 5 at [47:32], PR [52], RW [53], code 2 at [63:60], address word 1.
  const Event e = model::amd_vi::io_page_fault(0x10, 5, 0xdead000, true, true);
  EXPECT_EQ(e.words[0], 0x2030000500000010ull);
  EXPECT_EQ(e.words[1], 0xdead000ull);
}

TEST(AmdViLayout, CompletionWaitFields) {
  // §2.4.1: S [0], I [1], StoreAddress [51:3], opcode 1 at [63:60], data word 1.
  CompletionWait c;
  c.set_s(1).set_i(1).set_store_addr_8(0x1030008 >> 3).set_store_data(0x55);
  EXPECT_EQ(c.words[0], 0x100000000103000bull);
  EXPECT_EQ(c.store_addr(), 0x1030008ull);
}

TEST(AmdViLayout, InvalidateIommuPagesFields) {
  // §2.4.3: DomainID [47:32], S [64], PDE [65], address [127:76] (= addr[63:12] at word-1 bit 12).
  InvalidateIommuPages c;
  c.set_domain_id(7).set_s(1).set_pde(1).set_address_4k(0x5000 >> 12);
  EXPECT_EQ(c.words[0], 0x3000000700000000ull);
  EXPECT_EQ(c.words[1], 0x5003ull);
}

TEST(AmdViLayout, SizeEncodings) {
  // §2.4.3 Table: S=1, address bit 12 = 0 -> 8 KiB; bits 12..14 = 1, 15 = 0 -> 2^(13+3) = 64 KiB.
  EXPECT_EQ(s_encoded_size(0x0000), 0x2000ull);
  EXPECT_EQ(s_encoded_size(0x7000), 0x10000ull);
  EXPECT_EQ(s_encoded_size(InvalidateIommuPages::kAllAddress), 0ull);  // all addresses
  // §2.2.3.2 NextLevel=7: bits 12..19 = 1, bit 20 = 0 -> 2^(13+8) = 2 MiB... written as 0x...ff000.
  EXPECT_EQ(v1_sized_page_size(0x000ff000), 0x200000ull);
  EXPECT_EQ(v1_sized_page_size(0x00003000), 0x8000ull);  // run of 2 -> 2^15 = 32 KiB
}

TEST(AmdViLayout, Irte32Fields) {
  // §2.2.5.1: RemapEn [0], IntType [4:2], DM [6], Destination [15:8], Vector [23:16].
  Irte32 i;
  i.set_remap_en(1).set_destination(3).set_vector(0x41);
  EXPECT_EQ(i.value, 0x00410301u);
}

TEST(AmdViLayout, NamedAddressesAndIndices) {
  // §2.2.3.2: a NextLevel=7 PTE for 2 MiB at 4 MiB carries bits [19:12] set; its size decodes back.
  EXPECT_EQ(v1_sized_page_address(0x400000, 0x200000), 0x4ff000ull);
  // Level L's 9-bit index starts at bit 12 + 9(L-1); GCR3 levels take PASID[8:0] and PASID[17:9].
  EXPECT_EQ(v1_index(0x0000'0040'2060'3000ull, 2), 0x103u);
  EXPECT_EQ(gcr3_index(0x2'0601, 1), 0x001u);
  EXPECT_EQ(gcr3_index(0x2'0601, 2), 0x103u);
  // §2.5: a 20-bit PASID goes to PASID[19:16] [19:16] and PASID[15:0] [47:32].
  Event e;
  e.set_pasid(0xa'bcde);
  EXPECT_EQ(e.pasid_19_16(), 0xau);
  EXPECT_EQ(e.domain_or_pasid(), 0xbcdeu);
  // MSI data[10:0] indexes the IRTEs; delivery mode is data[10:8].
  MsiData m;
  m.value = 0x5f1;
  EXPECT_EQ(m.irte_index(), 0x5f1u);
  EXPECT_EQ(m.delivery_mode(), 0b101u);
  Irte128 i;
  i.set_destination_23_0(0x12'3456).set_destination_31_24(0x78);
  EXPECT_EQ(i.destination(), 0x7812'3456u);
  // §3.4.9: head/tail pointers keep only bits [18:4].
  EXPECT_EQ(RingPointer::offset_of(0xffff'ffff'ffff'fff5ull), 0x7fff0ull);
}

}  // namespace
}  // namespace amd_vi_test
