// VT-d model: legacy-mode translation (§3.4 legacy mode address translation, §9.1 root entry, §9.3 context
// entry, §9.8 second-stage paging entries) and the fault reasons each step reports (legacy 01h..0Dh).
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

using VtdModelWalk = VtdModelTest;

TEST_F(VtdModelWalk, TranslationOffPassesThrough) {
  // GSTS.TES = 0: requests are not remapped (QEMU: untranslated until TE, measured).
  const Result r = dma(0x1234'5678);
  EXPECT_EQ(r.outcome, Outcome::kPassThrough);
  EXPECT_EQ(r.pa, 0x1234'5678u);
  EXPECT_FALSE(r.has_fault);
}

TEST_F(VtdModelWalk, FourLevelWalkByHand) {
  // AW = 2: 48-bit AGAW, 4 levels. IOVA 0x1234_5678: level-4 index [47:39] = 0, level-3 [38:30] = 0,
  // level-2 [29:21] = 0x91, level-1 [20:12] = 0x145, offset 0x678.
  const uint64_t l4 = setup(2), l3 = page(), l2 = page(), l1 = page();
  w64(l4 + 0 * 8, l3 | 3);          // R | W, ADDR = l3
  w64(l3 + 0 * 8, l2 | 3);
  w64(l2 + 0x91 * 8, l1 | 3);
  w64(l1 + 0x145 * 8, kData | 3);
  const Result r = dma(0x1234'5678);
  ASSERT_EQ(r.outcome, Outcome::kTranslated) << (r.has_fault ? fault_reason_name(r.fault.fr()) : "");
  EXPECT_EQ(r.pa, 0x0180'0678u);
  EXPECT_EQ(r.page_size, 0x1000u);
  EXPECT_TRUE(r.r);
  EXPECT_TRUE(r.w);
}

TEST_F(VtdModelWalk, ThreeLevelWalkAndItsReach) {
  // AW = 1: 39-bit AGAW, 3 levels (SAGAW bit 1). IOVA 0x40_0000_0000 (2^38) is inside, 2^39 is beyond: "address
  // beyond MGAW" (04h), the limit being min(AGAW, MGAW+1) = 39.
  const uint64_t pt = setup(1);
  map(pt, 3, 0x40'0000'0000ull, kData);
  EXPECT_EQ(dma(0x40'0000'0abcull).pa, 0x0180'0abcu);
  const Result r = dma(0x80'0000'0000ull);
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(r.fault.fr(), 0x04u);
}

TEST_F(VtdModelWalk, FiveLevelWalkWhereSagawOffersIt) {
  // SAGAW bit 3 (57-bit, 5 levels) and MGAW 56: AW = 3 walks 5 levels. IOVA 2^56 + 0x5000: level-5 index
  // [56:48] = 0x100.
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_sagaw(0xe).set_mgaw(56);
  reconfigure(with_cap(cap.raw()));
  const uint64_t pt = setup(3);
  map(pt, 5, 0x0100'0000'0000'5000ull, kData);
  EXPECT_NE(r64(pt + 0x100 * 8), 0u);  // the helper used the level-5 slot worked out above
  const Result r = dma(0x0100'0000'0000'5010ull);
  ASSERT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0180'0010u);
}

TEST_F(VtdModelWalk, MgawLimitsAFourLevelTable) {
  // MGAW = 47 (48 bits), AGAW 48: 2^48 - 1 is reachable (not mapped: read denied), 2^48 is beyond (04h).
  setup(2);
  EXPECT_EQ(dma(0xffff'ffff'f000ull).fault.fr(), 0x06u);
  EXPECT_EQ(dma(0x1'0000'0000'0000ull).fault.fr(), 0x04u);
}

TEST_F(VtdModelWalk, FaultAddressBeyondMgawKeepsOnlyBitsBelowIt) {
  // FRCD.FI: "Hardware treats bits 63:N as reserved (0), where N is the maximum guest address width (MGAW)
  // supported." MGAW 48 bits: a request at 2^48 + 0x1_0000 records FI 0x1_0000, both in the register and in the
  // oracle's record.
  setup(2);
  const Result r = dma(0x1'0000'0001'0abcull);
  ASSERT_TRUE(r.has_fault);
  EXPECT_EQ(r.fault.fr(), 0x04u);
  EXPECT_EQ(r.fault.page_address(), 0x1'0000u);
  EXPECT_EQ(frcd().page_address(), 0x1'0000u);
}

TEST_F(VtdModelWalk, TwoMegabytePage) {
  // CAP.SLLPS bit 0: 21-bit offset pages. A level-2 leaf (PS=1) at 0x0180_0000: IOVA 0x1234_5678 keeps its low 21
  // bits 0x14_5678 -> 0x0194_5678, one 2 MiB translation.
  const uint64_t pt = setup(2);
  map(pt, 4, 0x1234'5678, kData, 2);
  const Result r = dma(0x1234'5678);
  ASSERT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0194'5678u);
  EXPECT_EQ(r.page_size, 0x20'0000u);
}

TEST_F(VtdModelWalk, OneGigabytePage) {
  // SLLPS bit 1: a level-3 leaf at 0x4000_0000 maps IOVA 0x1234_5678 (offset in 1 GiB = itself) to 0x5234_5678.
  const uint64_t pt = setup(2);
  map(pt, 4, 0x1234'5678, 0x4000'0000, 3);
  const Result r = dma(0x1234'5678);
  ASSERT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x5234'5678u);
  EXPECT_EQ(r.page_size, 0x4000'0000u);
}

TEST_F(VtdModelWalk, LargePageWithoutSllpsIsReserved) {
  // SLLPS = 0: PS in a level-2 entry names an unsupported page size: paging entry reserved field (0Ch).
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_sllps(0);
  reconfigure(with_cap(cap.raw()));
  const uint64_t pt = setup(2);
  map(pt, 4, 0x20'0000, kData, 2);
  EXPECT_EQ(dma(0x20'0000).fault.fr(), 0x0cu);
}

TEST_F(VtdModelWalk, MisalignedLargePageIsReserved) {
  // A 2 MiB leaf whose address has bits 20:12 set (0x0180_1000): reserved (0Ch).
  const uint64_t pt = setup(2);
  map(pt, 4, 0x20'0000, kData + 0x1000, 2);
  EXPECT_EQ(dma(0x20'0000).fault.fr(), 0x0cu);
}

TEST_F(VtdModelWalk, SnpWithoutSnoopControlIsReserved) {
  // ECAP.SC = 0: SNP (bit 11) is reserved (QEMU counts it in every reserved mask).
  const uint64_t pt = setup(2);
  const uint64_t slot = map(pt, 4, 0x5000, kData);
  w64(slot, r64(slot) | 0x800);
  EXPECT_EQ(dma(0x5000).fault.fr(), 0x0cu);
}

TEST_F(VtdModelWalk, AddressAboveHawIsReserved) {
  // HAW 48 (QEMU aw-bits=48): a leaf address with bit 48 set is a reserved-field fault (0Ch).
  const uint64_t pt = setup(2);
  const uint64_t slot = map(pt, 4, 0x5000, kData);
  w64(slot, r64(slot) | (uint64_t{1} << 48));
  EXPECT_EQ(dma(0x5000).fault.fr(), 0x0cu);
}

TEST_F(VtdModelWalk, PermissionsAreCumulative) {
  // R/W of every entry on the walk: a read-only leaf denies writes (05h) and allows reads; a directory entry with
  // R = 0 (W = 1) denies reads (06h) below it.
  const uint64_t pt = setup(2);
  map(pt, 4, 0x5000, kData, 1, true, false);
  const Result ro = dma(0x5000);
  EXPECT_EQ(ro.outcome, Outcome::kTranslated);
  EXPECT_TRUE(ro.r);
  EXPECT_FALSE(ro.w);
  EXPECT_EQ(dma(0x5000, true).fault.fr(), 0x05u);
  map(pt, 4, 0x4000'0000, kData);
  const uint64_t l3 = r64(pt) & ~uint64_t{0xfff};  // level-4 slot 0 (R|W) points at the level-3 table
  w64(l3 + 1 * 8, r64(l3 + 1 * 8) & ~uint64_t{1});  // level-3 slot 1 (IOVA [38:30] = 1): R cleared, W kept
  EXPECT_EQ(oracle(0x4000'0000).fault.fr(), 0x06u);
  EXPECT_EQ(oracle(0x4000'0000, true).outcome, Outcome::kTranslated);
}

TEST_F(VtdModelWalk, NotPresentLeafDeniesTheAccess) {
  // Legacy mode has no separate not-present reason: R = W = 0 gives read denied (06h) or write denied (05h).
  setup(2);
  EXPECT_EQ(dma(0x7000).fault.fr(), 0x06u);
  EXPECT_EQ(dma(0x7000, true, kSid).fault.fr(), 0x05u);
}

TEST_F(VtdModelWalk, RootEntryNotPresent) {
  setup(2);
  const Result r = dma(0x1000, false, 0x0310);  // bus 3: its root entry is zero
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(r.fault.fr(), 0x01u);
}

TEST_F(VtdModelWalk, RootTableOutsideMemoryIsAnAccessError) {
  // A root table at 0x1000 (outside guest RAM): root table access error (08h).
  iommu.write(reg::kRtaddr, 0x1000);
  gcmd(0x4000'0000);
  gcmd(0x8000'0000);
  EXPECT_EQ(dma(0x1000).fault.fr(), 0x08u);
}

TEST_F(VtdModelWalk, RootReservedBit) {
  setup(2);
  w64(kRoot, r64(kRoot) | 0x2);  // bit 1 of the root entry is reserved [11:1]
  EXPECT_EQ(dma(0x1000).fault.fr(), 0x0au);
}

TEST_F(VtdModelWalk, ContextTableOutsideMemory) {
  setup(2);
  RootEntry re;
  re.set_p(1).set_ctp(0x2000);
  w64(kRoot, re.words[0]);
  EXPECT_EQ(dma(0x1000).fault.fr(), 0x09u);
}

TEST_F(VtdModelWalk, ContextEntryChecks) {
  const uint64_t pt = setup(2);
  // Not present: 02h.
  EXPECT_EQ(dma(0x1000, false, 0x0018).fault.fr(), 0x02u);
  // Reserved bit 4 (of [11:4]): 0Bh.
  ContextEntry ce = ctx(pt, 2, kDid);
  ce.words[0] |= 0x10;
  set_context(kSid, ce);
  EXPECT_EQ(oracle(0x1000).fault.fr(), 0x0bu);
  // TT = 11b (reserved): context entry invalid, 03h.
  set_context(kSid, ctx(pt, 2, kDid, TranslationType::kReserved));
  EXPECT_EQ(oracle(0x1000).fault.fr(), 0x03u);
  // TT = 01b without ECAP.DT: 03h.
  set_context(kSid, ctx(pt, 2, kDid, TranslationType::kMultiLevelDeviceTlb));
  EXPECT_EQ(oracle(0x1000).fault.fr(), 0x03u);
  // AW = 3 (57-bit) while SAGAW = 0x6 offers 39 and 48 only: 03h.
  set_context(kSid, ctx(pt, 3, kDid));
  EXPECT_EQ(oracle(0x1000).fault.fr(), 0x03u);
  // AW = 1 is offered: a walk (read denied on the empty table).
  set_context(kSid, ctx(pt, 1, kDid));
  EXPECT_EQ(oracle(0x1000).fault.fr(), 0x06u);
}

TEST_F(VtdModelWalk, PassThroughWithEcapPt) {
  // TT = 10b with ECAP.PT = 1: the request's address is used untranslated.
  const uint64_t pt = setup(2);
  set_context(kSid, ctx(pt, 2, kDid, TranslationType::kPassThrough));
  const Result r = dma(0xdead'b000);
  EXPECT_EQ(r.outcome, Outcome::kPassThrough);
  EXPECT_EQ(r.pa, 0xdead'b000u);
}

TEST_F(VtdModelWalk, PassThroughWithoutEcapPtIsInvalid) {
  Config c;
  c.ecap = 0x00f0'0f0aull;  // the default ECAP without PT (bit 6)
  reconfigure(c);
  const uint64_t pt = setup(2);
  set_context(kSid, ctx(pt, 2, kDid, TranslationType::kPassThrough));
  EXPECT_EQ(dma(0x1000).fault.fr(), 0x03u);
}

TEST_F(VtdModelWalk, PagingEntryOutsideMemory) {
  // A level-4 entry pointing at 0x3000 (outside RAM): the level-3 read fails: 07h.
  const uint64_t pt = setup(2);
  w64(pt, pte(0x3000));
  EXPECT_EQ(dma(0x1000).fault.fr(), 0x07u);
}

TEST_F(VtdModelWalk, AbortDmaModeWithoutAdmsIsNotModelled) {
  // TTM = 11b is abort-DMA only with ECAP.ADMS (0 here): the model does not pretend to know the outcome.
  setup(2);
  iommu.write(reg::kRtaddr, kRoot | 0xc00);
  gcmd(0xc000'0000);  // TE kept, SRTP
  EXPECT_EQ(dma(0x1000).outcome, Outcome::kNotModelled);
}

TEST_F(VtdModelWalk, LookupMatchesTranslateAndRecordsNothing) {
  const uint64_t pt = setup(2);
  map(pt, 4, 0x9000, kData);
  EXPECT_EQ(oracle(0x9004).pa, 0x0180'0004u);
  EXPECT_EQ(oracle(0xa000).fault.fr(), 0x06u);
  EXPECT_EQ(reg(reg::kFsts), 0u);  // the oracle recorded nothing
  EXPECT_EQ(iommu.iotlb_valid_entries(), 0u);
}

}  // namespace
}  // namespace intel_vtd_model_test
