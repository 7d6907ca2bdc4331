// Stage-1 walks for every granule and starting level, blocks and pages, TTB0/TTB1, TBI, EPDx, address size and
// external abort faults. Indices are sliced from the IOVA by hand in the comments.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class S1Walk : public Smmuv3Test {
 protected:
  // Builds tables for the per-level `indices` (root first) and puts `leaf` at the last index. Returns the root.
  uint64_t chain(std::initializer_list<uint64_t> indices, const vmsa::Descriptor& leaf) {
    const uint64_t root = alloc();
    uint64_t table = root;
    size_t i = 0;
    for (uint64_t idx : indices) {
      if (++i == indices.size()) {
        desc(table, idx, leaf);
      } else {
        const uint64_t next = alloc();
        desc(table, idx, vmsa::make_table(next));
        table = next;
      }
    }
    return root;
  }
  // SID 1 uses CD 0 at kCdTable.
  void setup(const Cd& cd) {
    put_ste(1, ste_s1());
    put(kCdTable, cd);
  }
  static Cd cd_gran(uint64_t ttb0, Tg0 tg, unsigned t0sz) {
    Cd c = cd_4k(ttb0, 1, t0sz);
    c.set_tg0(static_cast<uint64_t>(tg));
    return c;
  }
};

TEST_F(S1Walk, Granule4K_StartL0_Page) {
  // T0SZ=16: 48-bit VA, 4 levels (48-12)/9 = 4 -> start level 0.
  // IOVA 0x0000_1234_5678_9abc = 0001_0010_0|011_0100_01|01_0110_011|1_1000_1001|1010_1011_1100
  //   L0 = [47:39] = 0x24, L1 = [38:30] = 0x0d1, L2 = [29:21] = 0x0b3, L3 = [20:12] = 0x189, offset 0xabc.
  const uint64_t root = chain({0x24, 0xd1, 0xb3, 0x189}, vmsa::make_s1_leaf(0x0000'0089'abcd'e000, true));
  setup(cd_4k(root));
  const Outcome o = oracle(rd(1, 0x0000'1234'5678'9abc));
  ASSERT_EQ(o.status, Status::kOk);
  EXPECT_EQ(o.pa, 0x0000'0089'abcd'eabcull);
}

TEST_F(S1Walk, Granule4K_StartL1_Page) {
  // T0SZ=25: 39-bit VA, ceil(27/9) = 3 levels -> start level 1.
  // IOVA 0x12_3456_789a: L1 = [38:30] = 0x48, L2 = [29:21] = 0x1a2, L3 = [20:12] = 0x167, offset 0x89a.
  const uint64_t root = chain({0x48, 0x1a2, 0x167}, vmsa::make_s1_leaf(0x5000'0000, true));
  setup(cd_4k(root, 1, 25));
  const Outcome o = oracle(rd(1, 0x12'3456'789a));
  ASSERT_EQ(o.status, Status::kOk);
  EXPECT_EQ(o.pa, 0x5000'089aull);
}

TEST_F(S1Walk, Granule4K_StartL2_Page) {
  // T0SZ=34: 30-bit VA, ceil(18/9) = 2 levels -> start level 2.
  // IOVA 0x3456_789a = 11_0100_010|1_0110_0111|1000_1001_1010: L2 = 0x1a2, L3 = 0x167, offset 0x89a.
  const uint64_t root = chain({0x1a2, 0x167}, vmsa::make_s1_leaf(0x6000'0000, true));
  setup(cd_4k(root, 1, 34));
  EXPECT_EQ(oracle(rd(1, 0x3456'789a)).pa, 0x6000'089aull);
}

TEST_F(S1Walk, Granule4K_T0sz39_StartL2With4Bits) {
  // T0SZ=39: 25-bit VA, ceil(13/9) = 2 levels -> start level 2 resolving VA[24:21] (4 bits).
  // IOVA 0x1ab_cdef: L2 = [24:21] = 0xd, L3 = [20:12] = 0xbc, offset 0xdef.
  const uint64_t root = chain({0xd, 0xbc}, vmsa::make_s1_leaf(0x7000'0000, true));
  setup(cd_4k(root, 1, 39));
  EXPECT_EQ(oracle(rd(1, 0x1ab'cdef)).pa, 0x7000'0defull);
}

TEST_F(S1Walk, Granule4K_L1Block1G) {
  // L0 = 0x24, L1 = 0xd1 is a 1 GiB block; offset = IOVA[29:0] = 0x1678_9abc.
  const uint64_t root = chain({0x24, 0xd1}, vmsa::make_s1_leaf(0x0000'0080'4000'0000, false));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x0000'0080'5678'9abcull);
}

TEST_F(S1Walk, Granule4K_L2Block2M) {
  // L2 = 0xb3 is a 2 MiB block; offset = IOVA[20:0] = 0x18_9abc.
  const uint64_t root = chain({0x24, 0xd1, 0xb3}, vmsa::make_s1_leaf(0x0000'0080'0020'0000, false));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x0000'0080'0038'9abcull);
}

TEST_F(S1Walk, Granule4K_BlockOutputLowBitsIgnored) {
  // A 2 MiB block whose descriptor has output bits [20:12] set: they are RES0 and do not reach the PA.
  const uint64_t root = chain({0x24, 0xd1, 0xb3}, vmsa::make_s1_leaf(0x0000'0080'0020'5000, false));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x0000'0080'0038'9abcull);
}

TEST_F(S1Walk, Granule4K_L0BlockIsTranslationFault) {
  // Level 0 blocks do not exist for 4 KiB without 52-bit addresses: 0b01 at L0 is a Translation fault.
  const uint64_t root = chain({0x24}, vmsa::make_s1_leaf(0x0, false));
  setup(cd_4k(root));
  const Outcome o = oracle(rd(1, 0x0000'1234'5678'9abc));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 1, 0x0000'1234'5678'9abc, true, false, EventClass::kIn);
}

TEST_F(S1Walk, Granule4K_L3ReservedEncoding) {
  // 0b01 at level 3 is reserved (treated as invalid): Translation fault.
  const uint64_t root = chain({0x24, 0xd1, 0xb3, 0x189}, vmsa::make_s1_leaf(0x8000'0000, false));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, Granule16K_StartL0_Page) {
  // TG0=16K, T0SZ=16: ceil((48-14)/11) = 4 levels -> start level 0 with 1 index bit.
  // IOVA 0x1234_5678_9abc: L0 = [47] = 0, L1 = [46:36] = 0x123, L2 = [35:25] = 0x22b, L3 = [24:14] = 0x1e2,
  // offset = [13:0] = 0x1abc.
  const uint64_t root = chain({0, 0x123, 0x22b, 0x1e2}, vmsa::make_s1_leaf(0x9000'4000, true));
  setup(cd_gran(root, Tg0::k16K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x9000'5abcull);
}

TEST_F(S1Walk, Granule16K_StartL1_Page) {
  // T0SZ=17: 47-bit VA, ceil(33/11) = 3 levels -> start level 1 (VA[46:36]).
  const uint64_t root = chain({0x123, 0x22b, 0x1e2}, vmsa::make_s1_leaf(0x9000'4000, true));
  setup(cd_gran(root, Tg0::k16K, 17));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x9000'5abcull);
}

TEST_F(S1Walk, Granule16K_StartL2_Page) {
  // T0SZ=28: 36-bit VA, ceil(22/11) = 2 levels -> start level 2.
  // IOVA 0x6_789a_bcde: L2 = [35:25] = 0x33c, L3 = [24:14] = 0x26a, offset [13:0] = 0x3cde.
  const uint64_t root = chain({0x33c, 0x26a}, vmsa::make_s1_leaf(0xa000'0000, true));
  setup(cd_gran(root, Tg0::k16K, 28));
  EXPECT_EQ(oracle(rd(1, 0x6'789a'bcde)).pa, 0xa000'3cdeull);
}

TEST_F(S1Walk, Granule16K_StartL3_Page) {
  // T0SZ=39: 25-bit VA, ceil(11/11) = 1 level -> start level 3. IOVA 0x1ab_cdef: L3 = [24:14] = 0x6af,
  // offset 0xdef.
  const uint64_t root = chain({0x6af}, vmsa::make_s1_leaf(0xb000'0000, true));
  setup(cd_gran(root, Tg0::k16K, 39));
  EXPECT_EQ(oracle(rd(1, 0x1ab'cdef)).pa, 0xb000'0defull);
}

TEST_F(S1Walk, Granule16K_L2Block32M) {
  // L2 block = 32 MiB: offset = IOVA[24:0] = 0x78_9abc.
  const uint64_t root = chain({0, 0x123, 0x22b}, vmsa::make_s1_leaf(0x0000'0042'0000'0000, false));
  setup(cd_gran(root, Tg0::k16K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x0000'0042'0078'9abcull);
}

TEST_F(S1Walk, Granule16K_L1BlockIsTranslationFault) {
  const uint64_t root = chain({0, 0x123}, vmsa::make_s1_leaf(0x0, false));
  setup(cd_gran(root, Tg0::k16K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, Granule64K_StartL1_Page) {
  // TG0=64K, T0SZ=16: ceil((48-16)/13) = 3 levels -> start level 1 with 6 bits.
  // IOVA 0x1234_5678_9abc: L1 = [47:42] = 0x4, L2 = [41:29] = 0x11a2, L3 = [28:16] = 0x1678, offset 0x9abc.
  const uint64_t root = chain({0x4, 0x11a2, 0x1678}, vmsa::make_s1_leaf(0xc000'0000, true));
  setup(cd_gran(root, Tg0::k64K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0xc000'9abcull);
}

TEST_F(S1Walk, Granule64K_StartL2_Page) {
  // T0SZ=22: 42-bit VA, ceil(26/13) = 2 levels -> start level 2.
  // IOVA 0x234_5678_9abc: L2 = [41:29] = 0x11a2, L3 = [28:16] = 0x1678, offset 0x9abc.
  const uint64_t root = chain({0x11a2, 0x1678}, vmsa::make_s1_leaf(0xc001'0000, true));
  setup(cd_gran(root, Tg0::k64K, 22));
  EXPECT_EQ(oracle(rd(1, 0x234'5678'9abc)).pa, 0xc001'9abcull);
}

TEST_F(S1Walk, Granule64K_StartL3_Page) {
  // T0SZ=36: 28-bit VA, ceil(12/13) = 1 level -> start level 3 resolving VA[27:16] (12 bits).
  // IOVA 0xabc_def0: L3 = 0xabc, offset 0xdef0.
  const uint64_t root = chain({0xabc}, vmsa::make_s1_leaf(0xd000'0000, true));
  setup(cd_gran(root, Tg0::k64K, 36));
  EXPECT_EQ(oracle(rd(1, 0xabc'def0)).pa, 0xd000'def0ull);
}

TEST_F(S1Walk, Granule64K_L2Block512M) {
  // L2 block = 512 MiB: offset = IOVA[28:0] = 0x1678_9abc.
  const uint64_t root = chain({0x4, 0x11a2}, vmsa::make_s1_leaf(0x0000'0040'0000'0000, false));
  setup(cd_gran(root, Tg0::k64K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).pa, 0x0000'0040'1678'9abcull);
}

TEST_F(S1Walk, Granule64K_L1BlockIsTranslationFault) {
  const uint64_t root = chain({0x4}, vmsa::make_s1_leaf(0x0, false));
  setup(cd_gran(root, Tg0::k64K, 16));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, Ttb1SelectedByVa55) {
  // IOVA 0xffff_8000_0000_1000 has bit 55 set -> TTB1 (T1SZ=16, TG1 encoding 0b10 = 4 KiB).
  // L0 = [47:39] = 0x100, L1 = 0, L2 = 0, L3 = [20:12] = 1.
  const uint64_t root = chain({0x100, 0, 0, 1}, vmsa::make_s1_leaf(0x4500'0000, true));
  Cd c = cd_4k(alloc());  // TTB0 points at an empty table
  c.set_epd1(0).set_t1sz(16).set_tg1(static_cast<uint64_t>(Tg1::k4K)).set_ttb1_address(root);
  setup(c);
  EXPECT_EQ(oracle(rd(1, 0xffff'8000'0000'1000)).pa, 0x4500'0000ull);
  // The same low bits with VA[55]=0 walk TTB0, whose table is empty: Translation fault.
  EXPECT_EQ(oracle(rd(1, 0x0000'8000'0000'1000)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, Epd1DisablesUpperRange) {
  setup(cd_4k(alloc()));  // EPD1=1 from cd_4k
  const Outcome o = oracle(rd(1, 0xffff'ffff'ffff'f000));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 1, 0xffff'ffff'ffff'f000, true, false, EventClass::kIn);
}

TEST_F(S1Walk, Epd0DisablesLowerRange) {
  const uint64_t root = chain({0, 0, 0, 0}, vmsa::make_s1_leaf(0x4500'0000, true));
  Cd c = cd_4k(root);
  c.set_epd0(1);
  setup(c);
  EXPECT_EQ(oracle(rd(1, 0x0)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, InputAboveT0szRangeFaults) {
  // T0SZ=25 covers VA[38:0]; IOVA 0x80_0000_0000 has bit 39 set and VA[55]=0: outside TTB0's range.
  const uint64_t root = chain({0, 0, 0}, vmsa::make_s1_leaf(0x4500'0000, true));
  setup(cd_4k(root, 1, 25));
  const Outcome o = oracle(wr(1, 0x80'0000'0000));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 1, 0x80'0000'0000, false, false, EventClass::kIn);
}

TEST_F(S1Walk, TopByteWithoutTbiFaults) {
  const uint64_t root = chain({0, 0, 0, 1}, vmsa::make_s1_leaf(0x4500'0000, true));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0xab00'0000'0000'1000)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, Tbi0IgnoresTopByte) {
  // TBI0 (CD bit 38): VA[63:56] are ignored for the TTB0 range, so 0xab00_0000_0000_1234 walks like 0x1234.
  const uint64_t root = chain({0, 0, 0, 1}, vmsa::make_s1_leaf(0x4500'0000, true));
  Cd c = cd_4k(root);
  c.set_tbi(0b01);
  setup(c);
  EXPECT_EQ(oracle(rd(1, 0xab00'0000'0000'1234)).pa, 0x4500'0234ull);
}

TEST_F(S1Walk, InvalidLeafFields) {
  // L3 descriptor 0 (invalid) for a write by a privileged instruction-less master with SSV=0.
  const uint64_t root = chain({0x24, 0xd1, 0xb3, 0x189}, vmsa::Descriptor{});
  setup(cd_4k(root));
  Transaction t = wr(1, 0x0000'1234'5678'9abc);
  t.privileged = true;
  const Outcome o = oracle(t);
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_TRUE(o.record);
  expect_translation_event(o.event, EventType::kFTranslation, 1, 0x0000'1234'5678'9abc, false, false, EventClass::kIn);
  EXPECT_EQ(o.event.pnu(), 1u);
  EXPECT_EQ(o.event.ind(), 0u);
  EXPECT_EQ(o.event.ssv(), 0u);
  EXPECT_EQ(o.event.ipa(), 0u);  // stage-1 fault: no IPA
}

TEST_F(S1Walk, InvalidIntermediateTable) {
  // L1 entry 0xd1 never written: the walk stops at level 1 with a Translation fault.
  const uint64_t root = chain({0x24}, vmsa::make_table(alloc()));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0000'1234'5678'9abc)).type(), EventType::kFTranslation);
}

TEST_F(S1Walk, ContiguousHintTolerated) {
  vmsa::Descriptor leaf = vmsa::make_s1_leaf(0x4600'0000, true);
  leaf.set_contiguous(1);
  const uint64_t root = chain({0, 0, 0, 2}, leaf);
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x2010)).pa, 0x4600'0010ull);
}

TEST_F(S1Walk, AddrSizeFaultOnOutputBeyondIps) {
  // IPS=0b000 (32 bits): output 0x1_0000_0000 has bit 32 set -> stage-1 Address Size fault.
  const uint64_t root = chain({0, 0, 0, 0}, vmsa::make_s1_leaf(0x1'0000'0000, true));
  Cd c = cd_4k(root);
  c.set_ips(0b000);
  setup(c);
  const Outcome o = oracle(rd(1, 0x10));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFAddrSize, 1, 0x10, true, false, EventClass::kIn);
}

TEST_F(S1Walk, AddrSizeFaultOnTableBeyondIps) {
  // IPS=0b001 (36 bits): an L0 table descriptor pointing at 0x10_0000_0000 (bit 36) -> Address Size fault.
  const uint64_t root = alloc();
  desc(root, 0, vmsa::make_table(0x10'0000'0000));
  Cd c = cd_4k(root);
  c.set_ips(0b001);
  setup(c);
  EXPECT_EQ(oracle(rd(1, 0x10)).type(), EventType::kFAddrSize);
}

TEST_F(S1Walk, IpsCappedToOas) {
  // QEMU 7.2 OAS is 44 bits (IDR5.OAS=0b100). CD.IPS=0b101 (48) is capped to 44: output bit 44 faults.
  cfg = Config::qemu_7_2();
  const uint64_t root = chain({0, 0, 0, 0}, vmsa::make_s1_leaf(0x1000'0000'0000, true));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x0)).type(), EventType::kFAddrSize);
  // Bit 43 is inside the OAS.
  desc(root + 0, 0, vmsa::Descriptor{});
  const uint64_t root2 = chain({0, 0, 0, 0}, vmsa::make_s1_leaf(0x800'0000'0000, true));
  put(kCdTable, cd_4k(root2));
  EXPECT_EQ(oracle(rd(1, 0x0)).pa, 0x800'0000'0000ull);
}

TEST_F(S1Walk, WalkExternalAbort) {
  // An L0 table descriptor points at 0x2_0000_0000, outside guest RAM but inside IPS: fetching L1[0] aborts.
  // Fetch address = 0x2_0000_0000 + L1 index 0 * 8.
  const uint64_t root = alloc();
  desc(root, 0, vmsa::make_table(0x2'0000'0000));
  setup(cd_4k(root));
  const Outcome o = oracle(rd(1, 0x123));
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_TRUE(o.record);
  // §7.3.12: "A stage 1-only table walk that encounters EABT ... is reported as S2 == 0, CLASS == TT".
  expect_translation_event(o.event, EventType::kFWalkEabt, 1, 0x123, true, false, EventClass::kTt);
  EXPECT_EQ(o.event.fetch_addr(), 0x2'0000'0000ull);
}

TEST_F(S1Walk, WalkExternalAbortFetchAddrIncludesIndex) {
  // L1 index of IOVA 0x1_4000_0000 = [38:30] = 5 -> fetch address 0x2_0000_0000 + 5 * 8 = 0x2_0000_0028.
  const uint64_t root = alloc();
  desc(root, 0, vmsa::make_table(0x2'0000'0000));
  setup(cd_4k(root));
  EXPECT_EQ(oracle(rd(1, 0x1'4000'0000)).event.fetch_addr(), 0x2'0000'0028ull);
}

TEST_F(S1Walk, UnalignedTtbLowBitsIgnored) {
  // A 4 KiB-granule level-0 table of 512 entries is 4 KiB aligned: TTB0 bits [11:4] are ignored.
  const uint64_t root = chain({0, 0, 0, 3}, vmsa::make_s1_leaf(0x4700'0000, true));
  setup(cd_4k(root + 0x40));
  EXPECT_EQ(oracle(rd(1, 0x3008)).pa, 0x4700'0008ull);
}

TEST_F(S1Walk, SmmuTranslateMatchesOracle) {
  // The same 4-level walk through the stateful SMMU.
  const uint64_t root = chain({0x24, 0xd1, 0xb3, 0x189}, vmsa::make_s1_leaf(0x0000'0089'abcd'e000, true));
  setup(cd_4k(root));
  Smmu s(mem, cfg);
  enable(s);
  const Outcome o = s.translate(rd(1, 0x0000'1234'5678'9abc));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.pa, 0x0000'0089'abcd'eabcull);
  EXPECT_EQ(s.translate(rd(1, 0x0000'1234'5678'9000)).pa, 0x0000'0089'abcd'e000ull);
  EXPECT_EQ(s.counters().tlb_hits, 1u);
}

}  // namespace
}  // namespace smmuv3_test
