// Stage 2 (STE Config 0b110) and nested (0b111) translation: start levels, concatenated tables, stage-2
// permissions, and the S2/CLASS/IPA fields of faults raised while translating CDs, stage-1 tables and output.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class S2Test : public Smmuv3Test {
 protected:
  // Stage-2 root for ste_s2(): 4 KiB, 40-bit IPA, start level 1 -> IPA[39:30] = 10 bits = 2 concatenated tables.
  // Entry 1 identity-maps IPA [0x4000_0000, 0x8000_0000) (guest RAM) with a 1 GiB block.
  uint64_t s2_root_with_ram(uint64_t ram_s2ap = vmsa::kS2ApRw) {
    const uint64_t root = alloc(0x2000);
    desc(root, 1, vmsa::make_s2_leaf(0x4000'0000, false, ram_s2ap));
    return root;
  }
  // IPA 0x80_4000_1000 (L1 index [39:30] = 0x201, L2 [29:21] = 0, L3 [20:12] = 1) -> PA `pa` page.
  void map_s2_page(uint64_t root, uint64_t pa, vmsa::Descriptor leaf_template) {
    const uint64_t l2 = alloc(), l3 = alloc();
    desc(root, 0x201, vmsa::make_table(l2));
    desc(l2, 0, vmsa::make_table(l3));
    leaf_template.words[0] = (leaf_template.words[0] & ~0x0000'ffff'ffff'f000ull) | pa;
    desc(l3, 1, leaf_template);
  }
  // Nested STE for SID 6: stage 2 = ste_s2(root), stage 1 = CD 0 at kCdTable.
  void nested(uint64_t s2root) {
    Ste s = ste_s2(s2root);
    s.set_config(static_cast<uint64_t>(SteConfig::kNested)).set_s1_context_address(kCdTable);
    put_ste(6, s);
  }
  // Stage-1 tables (in RAM, IPA == PA through the 1 GiB block) mapping VA 0x3000 -> IPA `ipa`.
  uint64_t s1_tables(uint64_t ipa) {
    const uint64_t l0 = alloc(), l1 = alloc(), l2 = alloc(), l3 = alloc();
    desc(l0, 0, vmsa::make_table(l1));
    desc(l1, 0, vmsa::make_table(l2));
    desc(l2, 0, vmsa::make_table(l3));
    desc(l3, 3, vmsa::make_s1_leaf(ipa, true));
    return l0;
  }
};

TEST_F(S2Test, S2Only_4K_StartL1_Concatenated) {
  // IPA 0x80_4000_1234: L1 index = IPA[39:30] = 0x201 (second of two concatenated tables), L2 = 0, L3 = 1,
  // offset 0x234.
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, vmsa::make_s2_leaf(0, true));
  put_ste(5, ste_s2(root));
  const Outcome o = oracle(rd(5, 0x80'4000'1234));
  ASSERT_EQ(o.status, Status::kOk);
  EXPECT_EQ(o.pa, 0x4a00'0234ull);
}

TEST_F(S2Test, S2Only_4K_L1Block) {
  // IPA 0x5678_9abc: L1 index 1 -> the 1 GiB identity block: PA = 0x4000_0000 + 0x1678_9abc.
  put_ste(5, ste_s2(s2_root_with_ram()));
  EXPECT_EQ(oracle(rd(5, 0x5678'9abc)).pa, 0x5678'9abcull);
}

TEST_F(S2Test, S2Only_4K_StartL0) {
  // S2T0SZ=16 (48-bit IPA), S2SL0=0b10 -> level 0. IPA 0x1234_5678_9abc: 0x24 / 0xd1 / 0xb3 / 0x189.
  const uint64_t l0 = alloc(), l1 = alloc(), l2 = alloc(), l3 = alloc();
  desc(l0, 0x24, vmsa::make_table(l1));
  desc(l1, 0xd1, vmsa::make_table(l2));
  desc(l2, 0xb3, vmsa::make_table(l3));
  desc(l3, 0x189, vmsa::make_s2_leaf(0x4b00'0000, true));
  Ste s = ste_s2(l0);
  s.set_s2t0sz(16).set_s2sl0(2);
  put_ste(5, s);
  EXPECT_EQ(oracle(rd(5, 0x1234'5678'9abc)).pa, 0x4b00'0abcull);
}

TEST_F(S2Test, S2Only_16K_StartL2) {
  // 16 KiB, S2T0SZ=28 (36-bit IPA), S2SL0=0b01 -> level 2 (VA[35:25]).
  // IPA 0x6_789a_bcde: L2 = 0x33c, L3 = 0x26a, offset 0x3cde.
  const uint64_t l2 = alloc(), l3 = alloc();
  desc(l2, 0x33c, vmsa::make_table(l3));
  desc(l3, 0x26a, vmsa::make_s2_leaf(0x4c00'0000, true));
  Ste s = ste_s2(l2);
  s.set_s2tg(static_cast<uint64_t>(S2Tg::k16K)).set_s2t0sz(28).set_s2sl0(1);
  put_ste(5, s);
  EXPECT_EQ(oracle(rd(5, 0x6'789a'bcde)).pa, 0x4c00'3cdeull);
}

TEST_F(S2Test, S2Only_64K_StartL2) {
  // 64 KiB, S2T0SZ=22 (42-bit), S2SL0=0b01 -> level 2 (IPA[41:29]). IPA 0x234_5678_9abc: 0x11a2 / 0x1678.
  const uint64_t l2 = alloc(), l3 = alloc();
  desc(l2, 0x11a2, vmsa::make_table(l3));
  desc(l3, 0x1678, vmsa::make_s2_leaf(0x4d00'0000, true));
  Ste s = ste_s2(l2);
  s.set_s2tg(static_cast<uint64_t>(S2Tg::k64K)).set_s2t0sz(22).set_s2sl0(1);
  put_ste(5, s);
  EXPECT_EQ(oracle(rd(5, 0x234'5678'9abc)).pa, 0x4d00'9abcull);
}

TEST_F(S2Test, S2Only_64K_StartL3) {
  // 64 KiB, S2T0SZ=36 (28-bit), S2SL0=0b00 -> level 3 resolving IPA[27:16]. IPA 0xabc_def0 -> index 0xabc.
  const uint64_t l3 = alloc();
  desc(l3, 0xabc, vmsa::make_s2_leaf(0x4e00'0000, true));
  Ste s = ste_s2(l3);
  s.set_s2tg(static_cast<uint64_t>(S2Tg::k64K)).set_s2t0sz(36).set_s2sl0(0);
  put_ste(5, s);
  EXPECT_EQ(oracle(rd(5, 0xabc'def0)).pa, 0x4e00'def0ull);
}

TEST_F(S2Test, S2InputBeyondIas) {
  // 40-bit IPA space: IPA 0x100_0000_0000 (bit 40) is a stage-2 Translation fault, CLASS=IN, IPA = input.
  put_ste(5, ste_s2(s2_root_with_ram()));
  const Outcome o = oracle(rd(5, 0x100'0000'0000));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 5, 0x100'0000'0000, true, true, EventClass::kIn);
  EXPECT_EQ(o.event.ipa(), 0x100'0000'0000ull);
}

TEST_F(S2Test, S2PermissionWriteToReadOnly) {
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, vmsa::make_s2_leaf(0, true, vmsa::kS2ApRead));
  put_ste(5, ste_s2(root));
  EXPECT_TRUE(oracle(rd(5, 0x80'4000'1010)).ok());
  const Outcome o = oracle(wr(5, 0x80'4000'1010));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFPermission, 5, 0x80'4000'1010, false, true, EventClass::kIn);
  EXPECT_EQ(o.event.ipa(), 0x80'4000'1000ull);  // IPA[51:12]
}

TEST_F(S2Test, S2NoReadPermission) {
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, vmsa::make_s2_leaf(0, true, vmsa::kS2ApWrite));
  put_ste(5, ste_s2(root));
  EXPECT_EQ(oracle(rd(5, 0x80'4000'1010)).type(), EventType::kFPermission);
  EXPECT_TRUE(oracle(wr(5, 0x80'4000'1010)).ok());
}

TEST_F(S2Test, S2ExecuteNever) {
  vmsa::Descriptor leaf = vmsa::make_s2_leaf(0, true);
  leaf.set_uxn(1);  // XN (bit 54)
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, leaf);
  put_ste(5, ste_s2(root));
  Transaction t = rd(5, 0x80'4000'1000);
  t.instruction = true;
  EXPECT_EQ(oracle(t).type(), EventType::kFPermission);
}

TEST_F(S2Test, S2XnxPrivilegedOnly) {
  // FEAT_XNX (IDR3.XNX=1 in Config::full): XN[1:0] = 0b01 forbids EL1 execution but allows EL0.
  vmsa::Descriptor leaf = vmsa::make_s2_leaf(0, true);
  leaf.set_s2xn(0b01);
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, leaf);
  put_ste(5, ste_s2(root));
  Transaction t = rd(5, 0x80'4000'1000);
  t.instruction = true;
  EXPECT_TRUE(oracle(t).ok());
  t.privileged = true;
  EXPECT_EQ(oracle(t).type(), EventType::kFPermission);
}

TEST_F(S2Test, S2AccessFlag) {
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, vmsa::make_s2_leaf(0, true, vmsa::kS2ApRw, false));
  put_ste(5, ste_s2(root));
  const Outcome o = oracle(rd(5, 0x80'4000'1000));
  expect_translation_event(o.event, EventType::kFAccess, 5, 0x80'4000'1000, true, true, EventClass::kIn);
  Ste s = ste_s2(root);
  s.set_s2affd(1);
  put_ste(5, s);
  EXPECT_TRUE(oracle(rd(5, 0x80'4000'1000)).ok());
}

TEST_F(S2Test, S2RecordDisabled) {
  Ste s = ste_s2(s2_root_with_ram());
  s.set_s2r(0);
  put_ste(5, s);
  const Outcome o = oracle(rd(5, 0x80'4000'1000));
  EXPECT_EQ(o.type(), EventType::kFTranslation);
  EXPECT_FALSE(o.record);
}

TEST_F(S2Test, S2AddressSize) {
  // S2PS=0b000 (32 bits), S2T0SZ=32: a leaf output of 0x1_0000_0000 is a stage-2 Address Size fault.
  const uint64_t root = alloc();
  desc(root, 0, vmsa::make_s2_leaf(0x1'0000'0000, false));
  Ste s = ste_s2(root);
  s.set_s2ps(0).set_s2t0sz(32).set_s2sl0(1);
  put_ste(5, s);
  const Outcome o = oracle(rd(5, 0x10));
  EXPECT_EQ(o.type(), EventType::kFAddrSize);
  EXPECT_EQ(o.event.s2(), 1u);
}

TEST_F(S2Test, S2WalkAbort) {
  const uint64_t root = alloc(0x2000);
  desc(root, 0, vmsa::make_table(0x3'0000'0000));
  put_ste(5, ste_s2(root));
  const Outcome o = oracle(rd(5, 0x1000));
  expect_translation_event(o.event, EventType::kFWalkEabt, 5, 0x1000, true, true, EventClass::kIn);
  EXPECT_EQ(o.event.fetch_addr(), 0x3'0000'0000ull);  // L2 index 0
}

TEST_F(S2Test, NestedTranslation) {
  // S1: VA 0x3000 -> IPA 0x80_4000_1000; S2: that IPA -> PA 0x4a00_0000. Offset 0x56 carries through.
  const uint64_t root = s2_root_with_ram();
  map_s2_page(root, 0x4a00'0000, vmsa::make_s2_leaf(0, true));
  nested(root);
  put(kCdTable, cd_4k(s1_tables(0x80'4000'1000)));
  EXPECT_EQ(oracle(rd(6, 0x3056)).pa, 0x4a00'0056ull);
}

TEST_F(S2Test, NestedS2FaultOnOutput) {
  // S1 maps to IPA 0x80_4000_1000 but stage 2 has nothing there: S2=1, CLASS=IN, IPA = S1 output.
  nested(s2_root_with_ram());
  put(kCdTable, cd_4k(s1_tables(0x80'4000'1000)));
  const Outcome o = oracle(wr(6, 0x3010));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 6, 0x3010, false, true, EventClass::kIn);
  EXPECT_EQ(o.event.ipa(), 0x80'4000'1000ull);
}

TEST_F(S2Test, NestedS2FaultOnTableWalk) {
  // The S1 L0 table sits at IPA 0x80_0000_0000, which stage 2 does not map: fault S2=1, CLASS=TT, IPA = the
  // descriptor address (L0 index 0 -> 0x80_0000_0000), input address = the VA.
  nested(s2_root_with_ram());
  put(kCdTable, cd_4k(0x80'0000'0000));
  const Outcome o = oracle(rd(6, 0x3010));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 6, 0x3010, true, true, EventClass::kTt);
  EXPECT_EQ(o.event.ipa(), 0x80'0000'0000ull);
  // TTRnW is defined for F_PERMISSION only (§7.3.16); elsewhere the bit is RES0 (§7.3: "Portions of event records
  // that are not explicitly defined in this section are RES0").
  EXPECT_EQ(o.event.ttrnw(), 0u);
}

TEST_F(S2Test, NestedS2FaultOnCdFetch) {
  // S1ContextPtr is the IPA 0x90_0000_0040, unmapped at stage 2: S2=1, CLASS=CD, IPA = CD address.
  Ste s = ste_s2(s2_root_with_ram());
  s.set_config(static_cast<uint64_t>(SteConfig::kNested)).set_s1_context_address(0x90'0000'0040);
  put_ste(6, s);
  const Outcome o = oracle(rd(6, 0x3010));
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFTranslation, 6, 0x3010, true, true, EventClass::kCd);
  EXPECT_EQ(o.event.ipa(), 0x90'0000'0000ull);
}

TEST_F(S2Test, NestedStage1FaultReportsS2Zero) {
  nested(s2_root_with_ram());
  put(kCdTable, cd_4k(s1_tables(0x80'4000'1000)));
  const Outcome o = oracle(rd(6, 0x4000));  // L3 index 4 not mapped at stage 1
  expect_translation_event(o.event, EventType::kFTranslation, 6, 0x4000, true, false, EventClass::kIn);
  EXPECT_EQ(o.event.ipa(), 0u);
}

TEST_F(S2Test, NestedS2PtwDeviceMemory) {
  // S2PTW=1 and the stage-1 tables live in stage-2 Device memory (MemAttr 0b0000): stage-2 Permission fault on
  // the table walk, CLASS=TT.
  const uint64_t root = alloc(0x2000);
  vmsa::Descriptor dev = vmsa::make_s2_leaf(0x4000'0000, false);
  dev.set_s2_memattr(0b0000);
  desc(root, 1, dev);
  Ste s = ste_s2(root);
  s.set_config(static_cast<uint64_t>(SteConfig::kNested)).set_s1_context_address(kCdTable).set_s2ptw(1);
  put_ste(6, s);
  put(kCdTable, cd_4k(s1_tables(0x4a00'0000)));
  const Outcome o = oracle(rd(6, 0x3000));
  EXPECT_EQ(o.type(), EventType::kFPermission);
  EXPECT_EQ(o.event.class_(), static_cast<uint64_t>(EventClass::kCd));  // the CD fetch is the first access
}

TEST_F(S2Test, NestedTableWalkNeedsS2Read) {
  // RAM mapped write-only at stage 2: the CD fetch (a read) faults with CLASS=CD.
  nested(s2_root_with_ram(vmsa::kS2ApWrite));
  put(kCdTable, cd_4k(s1_tables(0x4a00'0000)));
  const Outcome o = oracle(rd(6, 0x3000));
  EXPECT_EQ(o.type(), EventType::kFPermission);
  EXPECT_EQ(o.event.s2(), 1u);
  EXPECT_EQ(o.event.class_(), static_cast<uint64_t>(EventClass::kCd));
  EXPECT_EQ(o.event.ipa(), kCdTable);
}

}  // namespace
}  // namespace smmuv3_test
