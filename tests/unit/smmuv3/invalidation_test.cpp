// Caches and invalidation: a cached STE/CD/translation stays in use until the command the specification names
// removes it, and every CMD_CFGI_* / CMD_TLBI_* (including range invalidation) removes exactly that.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class Inval : public Smmuv3Test {
 protected:
  Smmu s{mem, cfg};
  uint64_t l0_ = 0, l2_ = 0, l3_ = 0;

  // SID 1: stage 1, CD 0, ASID 1, VMID 1. VA [0, 2 MiB) via the L3 table l3_; VA [2 MiB, 4 MiB) is a 2 MiB
  // block at L2 index 1.
  void SetUp() override {
    l0_ = alloc();
    const uint64_t l1 = alloc();
    l2_ = alloc();
    l3_ = alloc();
    desc(l0_, 0, vmsa::make_table(l1));
    desc(l1, 0, vmsa::make_table(l2_));
    desc(l2_, 0, vmsa::make_table(l3_));
    Ste st = ste_s1();
    st.set_s2vmid(1);
    put_ste(1, st);
    put(kCdTable, cd_4k(l0_, 1));
    enable(s);
  }
  // VA page n -> PA 0x4a00_0000 + gen * 0x10_0000 + n * 0x1000 (gen distinguishes old and new mappings).
  void map_pages(unsigned first, unsigned count, unsigned gen, bool global = false) {
    for (unsigned n = first; n < first + count; ++n) {
      vmsa::Descriptor d = vmsa::make_s1_leaf(0x4a00'0000 + gen * 0x10'0000 + n * 0x1000, true);
      d.set_ng(global ? 0 : 1);
      desc(l3_, n, d);
    }
  }
  uint64_t pa_of(uint64_t va, uint32_t sid = 1) { return s.translate(rd(sid, va)).pa; }
  // Generation (0 or 1) the SMMU currently uses for page n.
  unsigned gen_of(unsigned n) { return static_cast<unsigned>((pa_of(n * 0x1000ull) - 0x4a00'0000 - n * 0x1000) >> 20); }
  // Fill the TLB with generation 0 of pages [0, 32), then rewrite them all as generation 1 without invalidation.
  void fill_and_remap() {
    map_pages(0, 32, 0);
    for (unsigned n = 0; n < 32; ++n) ASSERT_EQ(gen_of(n), 0u);
    map_pages(0, 32, 1);
  }
  static CmdTlbiNhVa va_cmd(uint64_t va, uint16_t asid = 1, uint16_t vmid = 1) {
    CmdTlbiNhVa c;
    c.set_addr(va).set_asid(asid).set_vmid(vmid);
    return c;
  }
  static CmdTlbiNhVa range_cmd(uint64_t va, unsigned tg, unsigned scale, unsigned num, unsigned ttl = 0) {
    CmdTlbiNhVa c = va_cmd(va);
    c.set_tg(tg).set_scale(scale).set_num(num).set_ttl(ttl);
    return c;
  }
  // Which of pages [0, 32) now translate to generation 1, as a bit mask.
  uint32_t refreshed() {
    uint32_t m = 0;
    for (unsigned n = 0; n < 32; ++n) m |= gen_of(n) << n;
    return m;
  }
};

TEST_F(Inval, TlbEntryStaleUntilInvalidated) {
  fill_and_remap();
  EXPECT_EQ(gen_of(5), 0u);  // cached
  EXPECT_EQ(s.predict(rd(1, 0x5000)).pa, 0x4a10'5000ull);  // the oracle reads memory
  submit(s, {va_cmd(0x5000), CmdSync{}});
  EXPECT_EQ(gen_of(5), 1u);
  EXPECT_EQ(gen_of(6), 0u);
}

TEST_F(Inval, NhVaOtherAsidKeepsEntry) {
  fill_and_remap();
  submit(s, {va_cmd(0x5000, 2)});
  EXPECT_EQ(gen_of(5), 0u);
}

TEST_F(Inval, NhVaOtherVmidKeepsEntry) {
  fill_and_remap();
  submit(s, {va_cmd(0x5000, 1, 2)});
  EXPECT_EQ(gen_of(5), 0u);
}

TEST_F(Inval, NhVaaIgnoresAsid) {
  fill_and_remap();
  CmdTlbiNhVaa c;
  c.set_addr(0x5000).set_vmid(1).set_asid(0x77);
  submit(s, {c});
  EXPECT_EQ(gen_of(5), 1u);
}

TEST_F(Inval, NhAsidKeepsGlobalEntries) {
  map_pages(0, 2, 0, /*global=*/true);
  map_pages(2, 2, 0);
  for (unsigned n = 0; n < 4; ++n) ASSERT_EQ(gen_of(n), 0u);
  map_pages(0, 2, 1, true);
  map_pages(2, 2, 1);
  CmdTlbiNhAsid c;
  c.set_asid(1).set_vmid(1);
  submit(s, {c});
  EXPECT_EQ(gen_of(0), 0u);  // global: not tagged with the ASID
  EXPECT_EQ(gen_of(1), 0u);
  EXPECT_EQ(gen_of(2), 1u);
  EXPECT_EQ(gen_of(3), 1u);
}

TEST_F(Inval, NhVaCoversGlobalEntries) {
  map_pages(0, 1, 0, true);
  ASSERT_EQ(gen_of(0), 0u);
  map_pages(0, 1, 1, true);
  submit(s, {va_cmd(0x0, 9)});  // any ASID: global entries match every ASID
  EXPECT_EQ(gen_of(0), 1u);
}

TEST_F(Inval, GlobalEntryHitsFromOtherAsid) {
  // A global entry filled under ASID 1 serves a CD with ASID 2.
  map_pages(0, 1, 0, true);
  ASSERT_EQ(gen_of(0), 0u);
  map_pages(0, 1, 1, true);
  put(kCdTable, cd_4k(l0_, 2));
  submit(s, {CmdCfgiCd{}});  // SID 0 / SSID 0 is not SID 1: use CFGI_ALL instead
  submit(s, {CmdCfgiAll{}});
  EXPECT_EQ(gen_of(0), 0u);
}

TEST_F(Inval, NewAsidMissesOldEntries) {
  fill_and_remap();
  put(kCdTable, cd_4k(l0_, 2));
  CmdCfgiCd c;
  c.set_streamid(1).set_substreamid(0);
  submit(s, {c});
  EXPECT_EQ(gen_of(5), 1u);  // non-global entries were tagged with ASID 1
}

TEST_F(Inval, NhAllByVmid) {
  fill_and_remap();
  CmdTlbiNhAll other;
  other.set_vmid(2);
  submit(s, {other});
  EXPECT_EQ(refreshed(), 0u);
  CmdTlbiNhAll mine;
  mine.set_vmid(1);
  submit(s, {mine});
  EXPECT_EQ(refreshed(), 0xffff'ffffu);
}

TEST_F(Inval, NsnhAll) {
  fill_and_remap();
  submit(s, {CmdTlbiNsnhAll{}});
  EXPECT_EQ(refreshed(), 0xffff'ffffu);
}

TEST_F(Inval, S12VmallByVmid) {
  fill_and_remap();
  CmdTlbiS12Vmall c;
  c.set_vmid(1);
  submit(s, {c});
  EXPECT_EQ(refreshed(), 0xffff'ffffu);
}

TEST_F(Inval, VmidIgnoredWithoutStage2) {
  // QEMU 7.2 has no stage 2: entries carry VMID 0 and the command's VMID field does not matter.
  Smmu q(mem, Config::qemu_7_2());
  enable(q);
  map_pages(0, 1, 0);
  ASSERT_EQ(q.translate(rd(1, 0)).pa, 0x4a00'0000ull);
  map_pages(0, 1, 1);
  submit(q, {va_cmd(0x0, 1, 0x55)});
  EXPECT_EQ(q.translate(rd(1, 0)).pa, 0x4a10'0000ull);
}

TEST_F(Inval, LeafInvalidatesLeafEntry) {
  fill_and_remap();
  CmdTlbiNhVa c = va_cmd(0x7000);
  c.set_leaf(1);
  submit(s, {c});
  EXPECT_EQ(gen_of(7), 1u);
}

TEST_F(Inval, AddressInsideBlockInvalidatesBlock) {
  // 2 MiB block at VA 0x20_0000 -> PA 0x6000_0000; a TLBI for any page inside it removes the entry.
  desc(l2_, 1, vmsa::make_s1_leaf(0x6000'0000, false));
  ASSERT_EQ(pa_of(0x21'2345), 0x6001'2345ull);
  desc(l2_, 1, vmsa::make_s1_leaf(0x6200'0000, false));
  EXPECT_EQ(pa_of(0x21'2345), 0x6001'2345ull);
  submit(s, {va_cmd(0x3f'f000)});
  EXPECT_EQ(pa_of(0x21'2345), 0x6201'2345ull);
}

// ---- range invalidation (SMMU_IDR3.RIL) -------------------------------------------------------------------

TEST_F(Inval, RangeNum0Scale0IsOnePage) {
  // (NUM+1) * 2^SCALE = 1 page of 4 KiB at 0x4000.
  fill_and_remap();
  submit(s, {range_cmd(0x4000, 1, 0, 0)});
  EXPECT_EQ(refreshed(), 1u << 4);
}

TEST_F(Inval, RangeNum3Scale0) {
  // 4 pages: 0x4000..0x7fff -> pages 4..7.
  fill_and_remap();
  submit(s, {range_cmd(0x4000, 1, 0, 3)});
  EXPECT_EQ(refreshed(), 0xf0u);
}

TEST_F(Inval, RangeNum1Scale1) {
  // (1+1) * 2^1 = 4 pages from 0x8000: pages 8..11.
  fill_and_remap();
  submit(s, {range_cmd(0x8000, 1, 1, 1)});
  EXPECT_EQ(refreshed(), 0xf00u);
}

TEST_F(Inval, RangeNum31Scale0) {
  // 32 pages from 0: all of pages 0..31.
  fill_and_remap();
  submit(s, {range_cmd(0x0, 1, 0, 31)});
  EXPECT_EQ(refreshed(), 0xffff'ffffu);
}

TEST_F(Inval, RangeScale31CoversEverythingAbove) {
  // (31+1) * 2^31 pages of 4 KiB = 2^48 bytes from 0x10000: pages 16..31 (and beyond), not 0..15.
  fill_and_remap();
  submit(s, {range_cmd(0x10000, 1, 31, 31)});
  EXPECT_EQ(refreshed(), 0xffff'0000u);
}

TEST_F(Inval, RangeEndIsExclusive) {
  // 2 pages from 0x1000: pages 1 and 2; page 3 (which starts exactly at the end) stays.
  fill_and_remap();
  submit(s, {range_cmd(0x1000, 1, 0, 1)});
  EXPECT_EQ(refreshed(), 0b110u);
}

TEST_F(Inval, RangeAddressAlignedDownToGranule) {
  // TG=4K with Address 0x5000 (bits below the granule are zero anyway): the range starts at page 5.
  fill_and_remap();
  submit(s, {range_cmd(0x5000, 1, 0, 0)});
  EXPECT_EQ(refreshed(), 1u << 5);
}

TEST_F(Inval, RangeTtl3MatchesPages) {
  fill_and_remap();
  submit(s, {range_cmd(0x0, 1, 0, 1, 3)});  // TTL=3: level-3 entries
  EXPECT_EQ(refreshed(), 0b11u);
}

TEST_F(Inval, RangeTtl2SkipsPages) {
  // TTL=2 says the leaves are level-2 blocks: level-3 page entries need not be invalidated (the model keeps them).
  fill_and_remap();
  submit(s, {range_cmd(0x0, 1, 0, 1, 2)});
  EXPECT_EQ(refreshed(), 0u);
}

TEST_F(Inval, RangeTtl2MatchesBlock) {
  desc(l2_, 1, vmsa::make_s1_leaf(0x6000'0000, false));
  ASSERT_EQ(pa_of(0x20'0000), 0x6000'0000ull);
  desc(l2_, 1, vmsa::make_s1_leaf(0x6200'0000, false));
  submit(s, {range_cmd(0x20'0000, 1, 0, 0, 2)});
  EXPECT_EQ(pa_of(0x20'0000), 0x6200'0000ull);
}

TEST_F(Inval, RangeTtl1SkipsBlockAtLevel2) {
  desc(l2_, 1, vmsa::make_s1_leaf(0x6000'0000, false));
  ASSERT_EQ(pa_of(0x20'0000), 0x6000'0000ull);
  desc(l2_, 1, vmsa::make_s1_leaf(0x6200'0000, false));
  submit(s, {range_cmd(0x20'0000, 1, 9, 0, 1)});
  EXPECT_EQ(pa_of(0x20'0000), 0x6000'0000ull);
}

TEST_F(Inval, RangeOverlappingPartOfBlock) {
  // One 4 KiB page in the middle of a 2 MiB block overlaps the block entry: it goes.
  desc(l2_, 1, vmsa::make_s1_leaf(0x6000'0000, false));
  ASSERT_EQ(pa_of(0x20'0000), 0x6000'0000ull);
  desc(l2_, 1, vmsa::make_s1_leaf(0x6200'0000, false));
  submit(s, {range_cmd(0x28'0000, 1, 0, 0)});
  EXPECT_EQ(pa_of(0x20'0000), 0x6200'0000ull);
}

TEST_F(Inval, RangeWrongGranuleKeepsEntries) {
  // TG=16K for entries created with a 4 KiB granule: not covered.
  fill_and_remap();
  submit(s, {range_cmd(0x0, 2, 0, 7)});
  EXPECT_EQ(refreshed(), 0u);
}

TEST_F(Inval, Range64KGranule) {
  // A 64 KiB-granule CD; (NUM+1) = 2 pages of 64 KiB from 0x10000 -> [0x10000, 0x30000).
  const uint64_t l1 = alloc(), l2 = alloc(), l3 = alloc();
  // 64K, T0SZ=16: L1 [47:42], L2 [41:29], L3 [28:16]; VA 0x10000 -> L3 index 1.
  desc(l1, 0, vmsa::make_table(l2));
  desc(l2, 0, vmsa::make_table(l3));
  for (unsigned n = 0; n < 4; ++n) desc(l3, n, vmsa::make_s1_leaf(0x5000'0000 + n * 0x10000, true));
  Cd c = cd_4k(l1, 1);
  c.set_tg0(static_cast<uint64_t>(Tg0::k64K));
  put(kCdTable, c);
  submit(s, {CmdCfgiAll{}});
  for (unsigned n = 0; n < 4; ++n) ASSERT_EQ(pa_of(n * 0x10000ull), 0x5000'0000ull + n * 0x10000);
  for (unsigned n = 0; n < 4; ++n) desc(l3, n, vmsa::make_s1_leaf(0x5800'0000 + n * 0x10000, true));
  submit(s, {range_cmd(0x10000, 3, 0, 1, 3)});
  EXPECT_EQ(pa_of(0x00000), 0x5000'0000ull);
  EXPECT_EQ(pa_of(0x10000), 0x5801'0000ull);
  EXPECT_EQ(pa_of(0x20000), 0x5802'0000ull);
  EXPECT_EQ(pa_of(0x30000), 0x5003'0000ull);
}

TEST_F(Inval, Range16KTtl1IsNoHint) {
  // For 16 KiB, TTL=0b01 is reserved and behaves as "no level hint".
  const uint64_t l0 = alloc(), l1 = alloc(), l2 = alloc(), l3 = alloc();
  desc(l0, 0, vmsa::make_table(l1));
  desc(l1, 0, vmsa::make_table(l2));
  desc(l2, 0, vmsa::make_table(l3));
  desc(l3, 1, vmsa::make_s1_leaf(0x5000'0000, true));
  Cd c = cd_4k(l0, 1);
  c.set_tg0(static_cast<uint64_t>(Tg0::k16K));
  put(kCdTable, c);
  submit(s, {CmdCfgiAll{}});
  ASSERT_EQ(pa_of(0x4000), 0x5000'0000ull);
  desc(l3, 1, vmsa::make_s1_leaf(0x5800'0000, true));
  submit(s, {range_cmd(0x4000, 2, 0, 0, 1)});
  EXPECT_EQ(pa_of(0x4000), 0x5800'0000ull);
}

TEST_F(Inval, NoRilIgnoresRangeFields) {
  // Without SMMU_IDR3.RIL the TG/NUM/SCALE fields are RES0: the command invalidates the one address.
  Config c = cfg;
  c.idr3 &= ~(1u << 10);
  Smmu q(mem, c);
  enable(q);
  map_pages(0, 32, 0);
  for (unsigned n = 0; n < 32; ++n) ASSERT_EQ(q.translate(rd(1, n * 0x1000ull)).pa, 0x4a00'0000ull + n * 0x1000);
  map_pages(0, 32, 1);
  submit(q, {range_cmd(0x4000, 1, 0, 3)});
  EXPECT_EQ(q.translate(rd(1, 0x4000)).pa, 0x4a10'4000ull);
  EXPECT_EQ(q.translate(rd(1, 0x5000)).pa, 0x4a00'5000ull);
}

TEST_F(Inval, S2IpaInvalidatesStage2OnlyEntries) {
  // SID 5, stage 2 only (VMID 7): IPA 0x4000_0000.. mapped by a 1 GiB block (L1 index 1).
  const uint64_t root = alloc(0x2000);
  desc(root, 1, vmsa::make_s2_leaf(0x4000'0000, false));
  put_ste(5, ste_s2(root, 7));
  ASSERT_EQ(s.translate(rd(5, 0x4123'4000)).pa, 0x4123'4000ull);
  desc(root, 1, vmsa::make_s2_leaf(0x8000'0000, false));
  CmdTlbiS2Ipa wrong;
  wrong.set_vmid(8).set_addr(0x4123'4000);
  submit(s, {wrong});
  EXPECT_EQ(s.translate(rd(5, 0x4123'4000)).pa, 0x4123'4000ull);
  CmdTlbiS2Ipa c;
  c.set_vmid(7).set_addr(0x4000'0000);
  submit(s, {c});
  EXPECT_EQ(s.translate(rd(5, 0x4123'4000)).pa, 0x8123'4000ull);
}

TEST_F(Inval, S2IpaLeavesNestedEntries) {
  // Nested SID 6 (VMID 7): combined stage 1+2 entries are not required to go on CMD_TLBI_S2_IPA; the model
  // keeps them until CMD_TLBI_NH_* or CMD_TLBI_S12_VMALL.
  // Stage 2: L1 index 1 -> an L2 table of 2 MiB identity blocks for [0x4000_0000, 0x8000_0000). The stage-1
  // output page 0x4a00_3000 is in L2 block 0x50 (IPA[29:21]); only that block is later moved to 0x8a00_0000.
  const uint64_t root = alloc(0x2000), s2l2 = alloc();
  desc(root, 1, vmsa::make_table(s2l2));
  for (uint64_t i = 0; i < 512; ++i) desc(s2l2, i, vmsa::make_s2_leaf(0x4000'0000 + (i << 21), false));
  Ste st = ste_s2(root, 7);
  st.set_config(static_cast<uint64_t>(SteConfig::kNested)).set_s1_context_address(kCdTable);
  put_ste(6, st);
  map_pages(3, 1, 0);
  ASSERT_EQ(pa_of(0x3000, 6), 0x4a00'3000ull);
  desc(s2l2, 0x50, vmsa::make_s2_leaf(0x8a00'0000, false));
  CmdTlbiS2Ipa c;
  c.set_vmid(7).set_addr(0x4a00'3000);
  submit(s, {c});
  EXPECT_EQ(pa_of(0x3000, 6), 0x4a00'3000ull);
  CmdTlbiS12Vmall v;
  v.set_vmid(7);
  submit(s, {v});
  EXPECT_EQ(pa_of(0x3000, 6), 0x8a00'3000ull);
}

// ---- configuration cache -------------------------------------------------------------------------------------

TEST_F(Inval, SteStaleUntilCfgiSte) {
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  Ste abort_ste;
  abort_ste.set_v(1).set_config(0);
  put_ste(1, abort_ste);
  EXPECT_TRUE(s.translate(rd(1, 0)).ok());  // cached STE still in use
  CmdCfgiSte other;
  other.set_streamid(2);
  submit(s, {other});
  EXPECT_TRUE(s.translate(rd(1, 0)).ok());
  CmdCfgiSte c;
  c.set_streamid(1).set_leaf(1);
  submit(s, {c, CmdSync{}});
  EXPECT_EQ(s.translate(rd(1, 0)).status, Status::kAbort);
}

TEST_F(Inval, CfgiSteRange) {
  // Range=1 covers 2^(1+1) = 4 StreamIDs aligned: SID 2 with Range 1 -> [0, 3], which includes SID 1.
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  put_ste(1, Ste{});
  CmdCfgiSteRange miss;
  miss.set_streamid(4).set_range(1);  // [4, 7]
  submit(s, {miss});
  EXPECT_TRUE(s.translate(rd(1, 0)).ok());
  CmdCfgiSteRange hit;
  hit.set_streamid(2).set_range(1);
  submit(s, {hit});
  EXPECT_EQ(s.translate(rd(1, 0)).type(), EventType::kCBadSte);
}

TEST_F(Inval, CfgiAll) {
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  put_ste(1, Ste{});
  submit(s, {CmdCfgiAll{}});
  EXPECT_EQ(s.translate(rd(1, 0)).type(), EventType::kCBadSte);
}

TEST_F(Inval, CdStaleUntilCfgiCd) {
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  put(kCdTable, Cd{});  // CD V=0
  CmdCfgiCd other;
  other.set_streamid(1).set_substreamid(3);
  submit(s, {other});
  EXPECT_TRUE(s.translate(rd(1, 0)).ok());
  CmdCfgiCd c;
  c.set_streamid(1).set_substreamid(0).set_leaf(1);
  submit(s, {c});
  EXPECT_EQ(s.translate(rd(1, 0)).type(), EventType::kCBadCd);
}

TEST_F(Inval, CfgiCdAll) {
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  put(kCdTable, Cd{});
  CmdCfgiCdAll c;
  c.set_streamid(1);
  submit(s, {c});
  EXPECT_EQ(s.translate(rd(1, 0)).type(), EventType::kCBadCd);
}

TEST_F(Inval, CfgiDoesNotTouchTlb) {
  fill_and_remap();
  submit(s, {CmdCfgiAll{}});
  EXPECT_EQ(gen_of(5), 0u);  // same ASID/VMID after re-reading the unchanged STE/CD: the TLB entry still hits
}

TEST_F(Inval, TlbiDoesNotTouchConfig) {
  map_pages(0, 1, 0);
  ASSERT_TRUE(s.translate(rd(1, 0)).ok());
  put_ste(1, Ste{});
  submit(s, {CmdTlbiNsnhAll{}});
  EXPECT_TRUE(s.translate(rd(1, 0)).ok());
}

TEST_F(Inval, FaultsAreNotCached) {
  // A failed walk leaves no TLB entry: fixing the table makes the next access succeed without a TLBI.
  ASSERT_EQ(s.translate(rd(1, 0x9000)).type(), EventType::kFTranslation);
  map_pages(9, 1, 0);
  EXPECT_EQ(pa_of(0x9000), 0x4a00'9000ull);
}

TEST_F(Inval, InvalidConfigIsNotCached) {
  ASSERT_EQ(s.translate(rd(3, 0)).type(), EventType::kCBadSte);
  put_ste(3, ste_bypass());
  EXPECT_TRUE(s.translate(rd(3, 0)).ok());
}

}  // namespace
}  // namespace smmuv3_test
