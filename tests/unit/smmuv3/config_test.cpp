// Configuration: stream tables (linear, 2-level), STE and CD validity, SubstreamIDs, and the configuration
// event records (C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE, F_STREAM_DISABLED, C_BAD_SUBSTREAMID, F_CD_FETCH,
// C_BAD_CD, F_UUT, F_BAD_ATS_TREQ, F_TRANSL_FORBIDDEN), each checked field by field.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class ConfigTest : public Smmuv3Test {
 protected:
  // A 4 KiB single-page mapping IOVA 0x1000 -> 0x4900_0000 reachable from TTB0 `root`.
  uint64_t simple_tables(uint64_t out = 0x4900'0000) {
    const uint64_t l0 = alloc(), l1 = alloc(), l2 = alloc(), l3 = alloc();
    desc(l0, 0, vmsa::make_table(l1));
    desc(l1, 0, vmsa::make_table(l2));
    desc(l2, 0, vmsa::make_table(l3));
    desc(l3, 1, vmsa::make_s1_leaf(out, true));
    return l0;
  }
  Transaction ssid_rd(uint32_t sid, uint32_t ssid, uint64_t iova) {
    Transaction t = rd(sid, iova);
    t.ssv = true;
    t.ssid = ssid;
    return t;
  }
  static void expect_config_event(const Outcome& o, EventType type, uint32_t sid, bool ssv = false,
                                  uint32_t ssid = 0) {
    ASSERT_EQ(o.status, Status::kFault);
    EXPECT_TRUE(o.record);
    EXPECT_EQ(o.event.type(), static_cast<uint64_t>(type));
    EXPECT_EQ(o.event.streamid(), sid);
    EXPECT_EQ(o.event.ssv(), ssv ? 1u : 0u);
    EXPECT_EQ(o.event.substreamid(), ssid);
    EXPECT_EQ(o.event.words[1], 0u);  // no transaction attributes in configuration errors
  }
  // `s` as the STE of SID 2 is ILLEGAL: a read from SID 2 records C_BAD_STE, checked field by field.
  void expect_bad_ste(const Ste& s) {
    put_ste(2, s);
    expect_config_event(oracle(rd(2, 0)), EventType::kCBadSte, 2);
  }
  // The CD of simple_tables(), behind SID 4's stage-1 STE.
  Cd good_cd() { return cd_4k(simple_tables()); }
  // `c` as the only CD of SID 4 (stage 1) is ILLEGAL: a read records C_BAD_CD, checked field by field.
  void expect_bad_cd(const Cd& c) {
    put_ste(4, ste_s1());
    put(kCdTable, c);
    expect_config_event(oracle(rd(4, 0x1000)), EventType::kCBadCd, 4);
  }
};

// ---- stream table ----------------------------------------------------------------------------------------

TEST_F(ConfigTest, LinearSteAddressIsBasePlusSid64) {
  // SID 0x23 -> STE at kStrtab + 0x23 * 64 = kStrtab + 0x8c0.
  put(kStrtab + 0x8c0, ste_bypass());
  EXPECT_EQ(oracle(rd(0x23, 0x1234)).pa, 0x1234ull);
}

TEST_F(ConfigTest, BadStreamIdBeyondLog2Size) {
  // LOG2SIZE=8 -> 256 StreamIDs; SID 256 is out of range.
  const Outcome o = oracle(rd(256, 0x1000));
  expect_config_event(o, EventType::kCBadStreamid, 256);
}

TEST_F(ConfigTest, BadStreamIdCarriesSubstream) {
  const Outcome o = oracle(ssid_rd(300, 7, 0x1000));
  expect_config_event(o, EventType::kCBadStreamid, 300, true, 7);
}

TEST_F(ConfigTest, Log2SizeCappedBySidsize) {
  // QEMU 7.2 SIDSIZE=16: LOG2SIZE=20 behaves as 16, so SID 0x10000 is out of range even though 2^20 > SID.
  cfg = Config::qemu_7_2();
  EXPECT_EQ(oracle(rd(0x10000, 0), 20).type(), EventType::kCBadStreamid);
}

TEST_F(ConfigTest, SteFetchAbort) {
  // Stream table at the top of RAM - 0x1000 with 256 entries: SID 64 -> base + 0x1000 = kRamEnd (outside).
  GlobalState g = gs();
  g.strtab_base = kRamEnd - 0x1000;
  g.strtab_base_cfg = 6;  // 64 entries: the table is 4 KiB, aligned
  EXPECT_EQ(model::smmuv3::walk(mem, cfg, g, rd(63, 0)).type(), EventType::kCBadSte);  // in RAM, V=0
  g.strtab_base = kRamEnd;
  const Outcome o = model::smmuv3::walk(mem, cfg, g, rd(5, 0));
  expect_config_event(o, EventType::kFSteFetch, 5);
  // FetchAddr = base + 5 * 64 = kRamEnd + 0x140
  ASSERT_EQ(o.event.fetch_addr(), kRamEnd + 0x140);
}

class TwoLevel : public ConfigTest {
 protected:
  // 2-level table: LOG2SIZE=16, SPLIT=8 -> 256 L1 descriptors at kStrtab.
  GlobalState g2(unsigned split = 8) const {
    GlobalState g = gs();
    g.strtab_base_cfg = 16 | (split << 6) | (1u << 16);
    return g;
  }
  Outcome run(const Transaction& t, unsigned split = 8) const { return model::smmuv3::walk(mem, cfg, g2(split), t); }
};

TEST_F(TwoLevel, SteThroughL1Descriptor) {
  // SID 0x1234, SPLIT 8: L1 index = 0x12 -> L1STD at kStrtab + 0x90; L2 index = 0x34 -> STE at L2Ptr + 0xd00.
  const uint64_t l2 = alloc();
  L1Std d;
  d.set_span(9).set_l2_address(l2);  // 2^(9-1) = 256 STEs
  w64(kStrtab + 0x90, d.words[0]);
  put(l2 + 0xd00, ste_bypass());
  EXPECT_EQ(run(rd(0x1234, 0xabc)).pa, 0xabcull);
}

TEST_F(TwoLevel, Split6) {
  // SPLIT 6: SID 0x1234 -> L1 index 0x48 (kStrtab + 0x240), L2 index 0x34 (L2Ptr + 0xd00).
  const uint64_t l2 = alloc();
  L1Std d;
  d.set_span(7).set_l2_address(l2);
  w64(kStrtab + 0x240, d.words[0]);
  put(l2 + 0xd00, ste_bypass());
  EXPECT_EQ(run(rd(0x1234, 0x77), 6).pa, 0x77ull);
}

TEST_F(TwoLevel, Split10) {
  // SPLIT 10: SID 0x1234 -> L1 index 4 (kStrtab + 0x20), L2 index 0x234 (L2Ptr + 0x8d00).
  const uint64_t l2 = alloc();
  L1Std d;
  d.set_span(11).set_l2_address(l2);
  w64(kStrtab + 0x20, d.words[0]);
  put(l2 + 0x8d00, ste_bypass());
  EXPECT_EQ(run(rd(0x1234, 0x99), 10).pa, 0x99ull);
}

TEST_F(TwoLevel, SpanZeroIsBadStreamId) {
  expect_config_event(run(rd(0x1234, 0)), EventType::kCBadStreamid, 0x1234);
}

TEST_F(TwoLevel, IndexBeyondSpanIsBadStreamId) {
  // Span 3 -> 2^(3-1) = 4 STEs; L2 index 0x34 is beyond it. §5.1.1: such StreamIDs "are deemed invalid", and
  // §7.3.3 condition 2d (StreamID[SPLIT-1:0] >= 2^(Span-1)) records C_BAD_STREAMID, not C_BAD_STE.
  L1Std d;
  d.set_span(3).set_l2_address(alloc());
  w64(kStrtab + 0x90, d.words[0]);
  expect_config_event(run(rd(0x1234, 0)), EventType::kCBadStreamid, 0x1234);
}

TEST_F(TwoLevel, IndexBeyondSpanNotRecordedWithoutRecinvsid) {
  // The same StreamID with SMMU_CR2.RECINVSID = 0: terminated, nothing recorded (§6.3.12 RECINVSID 0b0).
  L1Std d;
  d.set_span(3).set_l2_address(alloc());
  w64(kStrtab + 0x90, d.words[0]);
  GlobalState g = g2();
  g.recinvsid = false;
  const Outcome o = model::smmuv3::walk(mem, cfg, g, rd(0x1234, 0));
  EXPECT_EQ(o.status, Status::kFault);
  EXPECT_FALSE(o.record);
  EXPECT_EQ(o.event.type(), static_cast<uint64_t>(EventType::kCBadStreamid));
}

TEST_F(TwoLevel, IndexAtSpanTwoToTheSpanIsBeyond) {
  // A device that sized the level-2 table as 2^Span STEs would read the STE at index 2^(Span-1) (QEMU does);
  // the architecture's table ends before it. Span 3, index 4 (SID 0x1204), a valid STE placed at index 4:
  // still C_BAD_STREAMID.
  const uint64_t l2 = alloc();
  L1Std d;
  d.set_span(3).set_l2_address(l2);
  w64(kStrtab + 0x90, d.words[0]);
  put(l2 + 4 * 64, ste_bypass());
  expect_config_event(run(rd(0x1204, 0)), EventType::kCBadStreamid, 0x1204);
  put(l2 + 3 * 64, ste_bypass());
  EXPECT_TRUE(run(rd(0x1203, 0x10)).ok());  // index 3, the last STE of 4
}

TEST_F(TwoLevel, L1FetchAbort) {
  GlobalState g = g2();
  g.strtab_base = kRamEnd;  // L1 table outside RAM: F_STE_FETCH at base + 0x12 * 8
  const Outcome o = model::smmuv3::walk(mem, cfg, g, rd(0x1234, 0));
  expect_config_event(o, EventType::kFSteFetch, 0x1234);
  EXPECT_EQ(o.event.fetch_addr(), kRamEnd + 0x90);
}

TEST_F(TwoLevel, L2FetchAbort) {
  L1Std d;
  d.set_span(9).set_l2_address(kRamEnd + 0x10000);
  w64(kStrtab + 0x90, d.words[0]);
  const Outcome o = run(rd(0x1234, 0));
  expect_config_event(o, EventType::kFSteFetch, 0x1234);
  EXPECT_EQ(o.event.fetch_addr(), kRamEnd + 0x10000 + 0xd00);
}

TEST_F(TwoLevel, IgnoredWithoutStLevel) {
  // SMMU_IDR0.ST_LEVEL=0b00: FMT is treated as linear, so SID 3 reads the STE at kStrtab + 0xc0.
  cfg.idr0 &= ~(3u << 27);
  put(kStrtab + 0xc0, ste_bypass());
  EXPECT_TRUE(run(rd(3, 0x10)).ok());
}

// ---- STE validity ----------------------------------------------------------------------------------------

TEST_F(ConfigTest, SteInvalid) { expect_config_event(oracle(rd(2, 0)), EventType::kCBadSte, 2); }

TEST_F(ConfigTest, SteReservedConfigBehavesAsAbort) {
  // §5.2 Config "0b0xx ... Reserved (behaves as 0b000 )": abort, no event (not C_BAD_STE), for each of 0b001..0b011,
  // even when the other fields would make a translating STE ILLEGAL (S1CDMax beyond SSIDSIZE here).
  for (uint64_t c : {0b001u, 0b010u, 0b011u}) {
    Ste s = ste_s1(kCdTable, 31);
    s.set_config(c);
    put_ste(2, s);
    const Outcome o = oracle(wr(2, 0x1000));
    EXPECT_EQ(o.status, Status::kAbort) << "Config " << c;
    EXPECT_FALSE(o.record) << "Config " << c;
  }
}

TEST_F(ConfigTest, SteAbortIsSilent) {
  Ste s;
  s.set_v(1).set_config(0b000);
  put_ste(2, s);
  const Outcome o = oracle(rd(2, 0));
  EXPECT_EQ(o.status, Status::kAbort);
  EXPECT_FALSE(o.record);
}

TEST_F(ConfigTest, SteBypassPassesAddress) {
  put_ste(2, ste_bypass());
  EXPECT_EQ(oracle(wr(2, 0x1'2345'6789)).pa, 0x1'2345'6789ull);
}

TEST_F(ConfigTest, SteBypassBeyondOasIsAddressSize) {
  put_ste(2, ste_bypass());
  const Outcome o = oracle(rd(2, 0x1'0000'0000'0000));  // bit 48, OAS 48 bits
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFAddrSize, 2, 0x1'0000'0000'0000, true, false, EventClass::kIn);
}

TEST_F(ConfigTest, SteStage2OnQemu72IsIllegal) {
  cfg = Config::qemu_7_2();  // S2P=0
  expect_bad_ste(ste_s2(alloc()));
}

TEST_F(ConfigTest, SteStage1WithoutS1pIsIllegal) {
  cfg.idr0 &= ~2u;
  expect_bad_ste(ste_s1());
}

TEST_F(ConfigTest, SteCdMaxBeyondSsidsize) {
  // SSIDSIZE 20 (Config::full): S1CDMax 21 is ILLEGAL (§5.2.2 "The allowable range is 0 to SMMU_IDR1.SSIDSIZE").
  expect_bad_ste(ste_s1(kCdTable, 21));
}

TEST_F(ConfigTest, SteCdMaxIgnoredWithoutSubstreams) {
  // SSIDSIZE 0 (QEMU's IDR1): "If SMMU_IDR1.SSIDSIZE == 0, this field is IGNORED" (§5.2 S1CDMax), and an IGNORED
  // field cannot make the STE ILLEGAL (§1.2): S1ContextPtr points at one CD and the read translates. S1Fmt and
  // S1DSS are IGNORED too (a 2-level S1Fmt without CD2L, and S1DSS Terminate, change nothing).
  cfg = Config::qemu_7_2();
  put_ste(2, ste_s1(kCdTable, 1).set_s1fmt(0b01).set_s1dss(0b00));
  put(kCdTable, good_cd());
  const Outcome o = oracle(rd(2, 0x1234));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.pa, 0x4900'0234ull);
}

TEST_F(ConfigTest, SteStrwEl2WithoutHypIsIgnoredByDefault) {
  // §5.2 STRW: "If SMMU_IDR0.Hyp == 0 and the STE is in the Non-secure Stream table this field is RES0"; the
  // §5.2.2 pseudocode skips the STRW checks (IgnoreSTESTRW() is TRUE): the STE translates as NS-EL1 (the
  // model's default choice).
  put_ste(2, ste_s1().set_strw(0b10));
  put(kCdTable, good_cd());
  const Outcome o = oracle(rd(2, 0x1234));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.pa, 0x4900'0234ull);
  put_ste(2, ste_s1().set_strw(0b01));  // 0bx1 is "Reserved, ILLEGAL" only where STRW is used (Hyp == 1)
  EXPECT_TRUE(oracle(rd(2, 0x1234)).ok());
}

TEST_F(ConfigTest, SteStrwEl2WithoutHypInvalidWhenConfigured) {
  // The other permitted reading (§1.2: Reserved values "must not be used and their behavior must not be relied
  // upon"; §5: an implementation may deem a structure with non-zero Reserved bits invalid): C_BAD_STE.
  cfg.strw_res0_nonzero_invalid = true;
  put(kCdTable, good_cd());
  expect_bad_ste(ste_s1().set_strw(0b10));
  put_ste(2, ste_s1());  // STRW 0 is unaffected by the choice
  EXPECT_TRUE(oracle(rd(2, 0x1234)).ok());
}

TEST_F(ConfigTest, SteS1FmtReservedBehavesAsLinear) {
  // §5.2 S1Fmt "0b11 | Reserved (behaves as 0b00 )": with S1CDMax 1 the CD of SubstreamID 1 is the second CD of
  // a linear table.
  put_ste(2, ste_s1(kCdTable, 1).set_s1fmt(0b11));
  put(kCdTable + 64, good_cd());
  const Outcome o = oracle(ssid_rd(2, 1, 0x1234));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.pa, 0x4900'0234ull);
}

TEST_F(ConfigTest, SteS1StalldWithoutStallAndTerminate) {
  // §5.5: "an STE is considered ILLEGAL if: SMMU_(S_)IDR0.STALL_MODEL != 0b00 and STE.S1STALLD == 1". QEMU's
  // IDR0 (like Config::full's) says STALL_MODEL = 0b01 (terminate only); with 0b00 S1STALLD is legal.
  cfg = Config::qemu_7_2();
  put(kCdTable, good_cd());
  expect_bad_ste(ste_s1().set_s1stalld(1));
  cfg = Config::full();
  cfg.idr0 &= ~(3u << 24);  // STALL_MODEL = 0b00: stall and terminate
  put_ste(2, ste_s1().set_s1stalld(1));
  EXPECT_TRUE(oracle(rd(2, 0x1234)).ok());
}

TEST_F(ConfigTest, SteS1Fmt2LevelWithoutCd2l) {
  cfg.idr0 &= ~(1u << 19);
  expect_bad_ste(ste_s1(kCdTable, 4).set_s1fmt(0b01));
}

TEST_F(ConfigTest, SteS1FmtIgnoredWithoutSubstreamsEnabled) {
  // S1CDMax 0: "this field is IGNORED and STE.S1ContextPtr points to one CD" (§5.2 S1Fmt), even without CD2L.
  cfg.idr0 &= ~(1u << 19);
  put_ste(2, ste_s1(kCdTable, 0).set_s1fmt(0b01));
  put(kCdTable, good_cd());
  EXPECT_TRUE(oracle(rd(2, 0x1234)).ok());
}

TEST_F(ConfigTest, SteS1DssReservedBehavesAsTerminate) {
  // §5.2 S1DSS "0b11 | Reserved (behaves as 0b00 )": Terminate, F_STREAM_DISABLED for non-substream traffic.
  put_ste(2, ste_s1(kCdTable, 2).set_s1dss(0b11));
  expect_config_event(oracle(rd(2, 0)), EventType::kFStreamDisabled, 2);
}

TEST_F(ConfigTest, SteS2T0szTooLarge) {
  expect_bad_ste(ste_s2(alloc()).set_s2t0sz(40));  // max 39 without STT
}

TEST_F(ConfigTest, SteS2T0szBelowOas) {
  // OAS 48 bits: S2T0SZ 15 would be a 49-bit IPA space.
  expect_bad_ste(ste_s2(alloc()).set_s2t0sz(15).set_s2sl0(2));
}

TEST_F(ConfigTest, SteS2Sl0Reserved) {
  expect_bad_ste(ste_s2(alloc()).set_s2sl0(3));
}

TEST_F(ConfigTest, SteS2Sl0InconsistentWithT0sz) {
  // 4 KiB, S2T0SZ=24 (40-bit IPA), S2SL0=0b00 (start level 2): level 2 resolves bits [29:21], so the start level
  // would need 40 - 21 = 19 bits > 9 + 4 (16 concatenated tables).
  expect_bad_ste(ste_s2(alloc()).set_s2sl0(0));
}

TEST_F(ConfigTest, SteS2Sl0TooDeepForSmallIpa) {
  // 4 KiB, S2T0SZ=34 (30-bit IPA), S2SL0=0b10 (start level 0): level 0 resolves bits [47:39], above the IPA.
  expect_bad_ste(ste_s2(alloc()).set_s2t0sz(34).set_s2sl0(2));
}

TEST_F(ConfigTest, SteS2TgReserved) {
  expect_bad_ste(ste_s2(alloc()).set_s2tg(0b11));
}

TEST_F(ConfigTest, SteS2GranuleNotSupported) {
  cfg.idr5 &= ~(1u << 4);  // no 4 KiB granule
  expect_bad_ste(ste_s2(alloc()));
}

TEST_F(ConfigTest, SteS2Aa64Zero) {
  expect_bad_ste(ste_s2(alloc()).set_s2aa64(0));
}

TEST_F(ConfigTest, SteS2TtbBeyondS2ps) {
  // S2PS=0b000 (32 bits): S2TTB 0x1_0000_0000 is outside it.
  expect_bad_ste(ste_s2(0x1'0000'0000).set_s2ps(0).set_s2t0sz(32).set_s2sl0(1));
}

TEST_F(ConfigTest, SteS2BigEndianOnLittleOnlySmmu) {
  expect_bad_ste(ste_s2(alloc()).set_s2endi(1));
}

TEST_F(ConfigTest, SteS2StallWithoutStallSupport) {
  expect_bad_ste(ste_s2(alloc()).set_s2s(1));
}

// ---- CD --------------------------------------------------------------------------------------------------

TEST_F(ConfigTest, CdFetchAddressLinear) {
  // CD table at kCdTable, S1CDMax=2 (4 CDs), SSID 3 -> CD at kCdTable + 3 * 64 = kCdTable + 0xc0.
  put_ste(4, ste_s1(kCdTable, 2));
  put(kCdTable + 0xc0, cd_4k(simple_tables()));
  EXPECT_EQ(oracle(ssid_rd(4, 3, 0x1008)).pa, 0x4900'0008ull);
}

TEST_F(ConfigTest, CdTwoLevel4K) {
  // S1Fmt=0b01 (4 KiB leaf tables, 64 CDs each): SSID 0x85 -> L1CD index 2 at ptr + 0x10, CD index 5 at
  // L2Ptr + 0x140.
  Ste s = ste_s1(kCdTable, 8);
  s.set_s1fmt(0b01);
  put_ste(4, s);
  const uint64_t l2 = alloc();
  L1Cd d;
  d.set_v(1).set_l2_address(l2);
  w64(kCdTable + 0x10, d.words[0]);
  put(l2 + 0x140, cd_4k(simple_tables()));
  EXPECT_EQ(oracle(ssid_rd(4, 0x85, 0x1000)).pa, 0x4900'0000ull);
}

TEST_F(ConfigTest, CdTwoLevel64K) {
  // S1Fmt=0b10 (64 KiB leaf tables, 1024 CDs each): SSID 0x805 -> L1CD index 2, CD index 5.
  Ste s = ste_s1(kCdTable, 12);
  s.set_s1fmt(0b10);
  put_ste(4, s);
  const uint64_t l2 = alloc();
  L1Cd d;
  d.set_v(1).set_l2_address(l2);
  w64(kCdTable + 0x10, d.words[0]);
  put(l2 + 0x140, cd_4k(simple_tables()));
  EXPECT_EQ(oracle(ssid_rd(4, 0x805, 0x1000)).pa, 0x4900'0000ull);
}

TEST_F(ConfigTest, CdTwoLevelInvalidL1IsBadSubstream) {
  Ste s = ste_s1(kCdTable, 8);
  s.set_s1fmt(0b01);
  put_ste(4, s);
  expect_config_event(oracle(ssid_rd(4, 0x85, 0)), EventType::kCBadSubstreamid, 4, true, 0x85);
}

TEST_F(ConfigTest, CdFetchAbort) {
  // S1ContextPtr outside RAM: F_CD_FETCH with FetchAddr = ptr + 0.
  put_ste(4, ste_s1(kRamEnd + 0x40));
  const Outcome o = oracle(rd(4, 0));
  expect_config_event(o, EventType::kFCdFetch, 4);
  EXPECT_EQ(o.event.fetch_addr(), kRamEnd + 0x40);
}

TEST_F(ConfigTest, CdFetchAbortOnL1Cd) {
  Ste s = ste_s1(kRamEnd, 8);
  s.set_s1fmt(0b01);
  put_ste(4, s);
  // SSID 0x85 -> L1CD at ptr + 2 * 8.
  const Outcome o = oracle(ssid_rd(4, 0x85, 0));
  expect_config_event(o, EventType::kFCdFetch, 4, true, 0x85);
  EXPECT_EQ(o.event.fetch_addr(), kRamEnd + 0x10);
}

TEST_F(ConfigTest, CdInvalid) {
  put_ste(4, ste_s1());
  expect_config_event(oracle(rd(4, 0)), EventType::kCBadCd, 4);
}

TEST_F(ConfigTest, CdBadCarriesSubstream) {
  put_ste(4, ste_s1(kCdTable, 2));
  expect_config_event(oracle(ssid_rd(4, 1, 0)), EventType::kCBadCd, 4, true, 1);
}

TEST_F(ConfigTest, CdT0szTooSmall) {
  expect_bad_cd(cd_4k(simple_tables(), 1, 15));
}

TEST_F(ConfigTest, CdT0szTooLarge) {
  expect_bad_cd(cd_4k(simple_tables(), 1, 40));
}

TEST_F(ConfigTest, CdT1szCheckedOnlyWhenEnabled) {
  put_ste(4, ste_s1());
  Cd c = cd_4k(simple_tables());
  c.set_t1sz(63);  // out of range, but EPD1=1
  put(kCdTable, c);
  EXPECT_TRUE(oracle(rd(4, 0x1000)).ok());
  c.set_epd1(0);
  put(kCdTable, c);
  EXPECT_EQ(oracle(rd(4, 0x1000)).type(), EventType::kCBadCd);
}

TEST_F(ConfigTest, CdAArch32Format) {
  expect_bad_cd(good_cd().set_aa64(0));
}

TEST_F(ConfigTest, CdUnsupportedGranule) {
  cfg.idr5 &= ~(1u << 5);  // no 16 KiB
  expect_bad_cd(good_cd().set_tg0(static_cast<uint64_t>(Tg0::k16K)));
}

TEST_F(ConfigTest, CdReservedTg0) {
  expect_bad_cd(good_cd().set_tg0(0b11));
}

TEST_F(ConfigTest, CdTtbBeyondIps) {
  expect_bad_cd(cd_4k(0x1'0000'0000).set_ips(0));  // 32 bits
}

TEST_F(ConfigTest, CdBigEndianOnLittleOnly) {
  expect_bad_cd(good_cd().set_endi(1));
}

TEST_F(ConfigTest, CdStallWithoutStallModel) {
  expect_bad_cd(good_cd().set_s(1));
}

TEST_F(ConfigTest, CdAbortBitRequiredByTermModel) {
  expect_bad_cd(good_cd().set_a(0));
}

TEST_F(ConfigTest, CdHttuBitsIgnoredWithoutHttu) {
  put_ste(4, ste_s1());
  Cd c = cd_4k(simple_tables());
  c.set_ha(1).set_hd(1);
  put(kCdTable, c);
  EXPECT_TRUE(oracle(rd(4, 0x1000)).ok());
}

// ---- SubstreamIDs ------------------------------------------------------------------------------------------

TEST_F(ConfigTest, SsidWithoutSubstreamsIsBad) {
  put_ste(4, ste_s1());  // S1CDMax = 0
  put(kCdTable, cd_4k(simple_tables()));
  expect_config_event(oracle(ssid_rd(4, 0, 0x1000)), EventType::kCBadSubstreamid, 4, true, 0);
}

TEST_F(ConfigTest, SsidBeyondCdMax) {
  put_ste(4, ste_s1(kCdTable, 2));  // 4 CDs
  expect_config_event(oracle(ssid_rd(4, 4, 0)), EventType::kCBadSubstreamid, 4, true, 4);
}

TEST_F(ConfigTest, SsidOnBypassStreamIsBad) {
  put_ste(4, ste_bypass());
  EXPECT_EQ(oracle(ssid_rd(4, 1, 0)).type(), EventType::kCBadSubstreamid);
}

TEST_F(ConfigTest, S1DssTerminate) {
  Ste s = ste_s1(kCdTable, 2);
  s.set_s1dss(static_cast<uint64_t>(S1Dss::kTerminate));
  put_ste(4, s);
  expect_config_event(oracle(rd(4, 0x1000)), EventType::kFStreamDisabled, 4);
}

TEST_F(ConfigTest, S1DssBypass) {
  Ste s = ste_s1(kCdTable, 2);
  s.set_s1dss(static_cast<uint64_t>(S1Dss::kBypass));
  put_ste(4, s);
  EXPECT_EQ(oracle(rd(4, 0x1234)).pa, 0x1234ull);  // no CD needed
}

TEST_F(ConfigTest, S1DssSubstream0UsesCd0) {
  Ste s = ste_s1(kCdTable, 2);
  s.set_s1dss(static_cast<uint64_t>(S1Dss::kSubstream0));
  put_ste(4, s);
  put(kCdTable, cd_4k(simple_tables()));
  EXPECT_EQ(oracle(rd(4, 0x1004)).pa, 0x4900'0004ull);
  // ... and a transaction that carries SubstreamID 0 is then illegal.
  expect_config_event(oracle(ssid_rd(4, 0, 0x1004)), EventType::kCBadSubstreamid, 4, true, 0);
}

TEST_F(ConfigTest, NoCdMaxUsesCd0) {
  put_ste(4, ste_s1());
  put(kCdTable, cd_4k(simple_tables()));
  EXPECT_EQ(oracle(rd(4, 0x1ffc)).pa, 0x4900'0ffcull);
}

TEST_F(ConfigTest, VmidAndAsidTagsDoNotAffectOracle) {
  put_ste(4, ste_s1());
  put(kCdTable, cd_4k(simple_tables(), 0xffff));
  EXPECT_TRUE(oracle(rd(4, 0x1000)).ok());
}

// ---- transaction kinds -------------------------------------------------------------------------------------

TEST_F(ConfigTest, UnsupportedTransaction) {
  Transaction t = rd(4, 0xdead'0000);
  t.kind = TxnKind::kUnsupported;
  t.privileged = true;
  const Outcome o = oracle(t);
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_EQ(o.type(), EventType::kFUut);
  EXPECT_EQ(o.event.streamid(), 4u);
  EXPECT_EQ(o.event.input_addr(), 0xdead'0000ull);
  EXPECT_EQ(o.event.rnw(), 1u);
  EXPECT_EQ(o.event.pnu(), 1u);
}

TEST_F(ConfigTest, AtsTranslatedForbiddenWithoutAts) {
  put_ste(4, ste_s1());
  put(kCdTable, cd_4k(simple_tables()));
  Transaction t = wr(4, 0x8000);
  t.kind = TxnKind::kAtsTranslated;
  const Outcome o = oracle(t);
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_EQ(o.type(), EventType::kFTranslForbidden);
  EXPECT_EQ(o.event.input_addr(), 0x8000ull);
  EXPECT_EQ(o.event.rnw(), 0u);
}

TEST_F(ConfigTest, AtsTranslatedAllowedWithEats) {
  cfg.idr0 |= 1u << 10;  // ATS
  Ste s = ste_s1();
  s.set_eats(1);
  put_ste(4, s);
  put(kCdTable, cd_4k(simple_tables()));
  Transaction t = wr(4, 0x4900'0000);
  t.kind = TxnKind::kAtsTranslated;
  EXPECT_EQ(oracle(t).pa, 0x4900'0000ull);
}

TEST_F(ConfigTest, AtsRequestWithoutEatsIsBadTreq) {
  put_ste(4, ste_s1());
  put(kCdTable, cd_4k(simple_tables()));
  Transaction t = rd(4, 0x1000);
  t.kind = TxnKind::kAtsRequest;
  const Outcome o = oracle(t);
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_EQ(o.type(), EventType::kFBadAtsTreq);
  EXPECT_EQ(o.event.streamid(), 4u);
  EXPECT_EQ(o.event.input_addr(), 0x1000ull);
}

TEST_F(ConfigTest, GbpaWhenDisabled) {
  GlobalState g = gs();
  g.smmuen = false;
  EXPECT_EQ(model::smmuv3::walk(mem, cfg, g, rd(999, 0x1234)).pa, 0x1234ull);  // bypass, no STE consulted
  g.gbpa = 1u << 20;  // ABORT
  EXPECT_EQ(model::smmuv3::walk(mem, cfg, g, rd(999, 0x1234)).status, Status::kAbort);
}

}  // namespace
}  // namespace smmuv3_test
