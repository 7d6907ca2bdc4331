// VT-d model: scalable-mode translation (RTADDR.TTM = 01b; §9.2 scalable root entry, §9.4 scalable context entry,
// §9.5 PASID directory entry, §9.6 PASID table entry, §9.7 / §9.8 paging entries) and its fault reasons (30h..90h).
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

// ECAP of QEMU 10.0 with x-scalable-mode=on (measured 0x480080f00f4a: SRS, SMTS, SLTS) plus FLTS (bit 47), so
// one configuration offers both stages.
constexpr uint64_t kScalableEcap = 0x0000'c800'80f0'0f4aull;

class VtdModelScalable : public VtdModelTest {
 protected:
  uint64_t dir = 0, ptbl = 0, pt = 0;
  void SetUp() override {
    Config c;
    c.ecap = kScalableEcap;
    reconfigure(c);
    dir = page();
    ptbl = page();
    pt = page();
    ScalableRootEntry re;
    re.set_lp(1).set_lctp(kContext);
    w64(kRoot, re.words[0]);
    w64(kRoot + 8, re.words[1]);
    set_sm_context(false);
    PasidDirEntry de;
    de.set_p(1).set_smptblptr(ptbl);
    w64(dir, de.words[0]);
    PasidEntry pe;
    pe.set_p(1).set_aw(2).set_pgtt(static_cast<uint64_t>(Pgtt::kSecondStage)).set_slptptr(pt).set_did(kDid);
    set_pasid_entry(0, pe);
    Rtaddr rt;
    rt.set_rta(kRoot).set_ttm(static_cast<uint64_t>(Ttm::kScalable));
    iommu.write(reg::kRtaddr, rt.raw());
    gcmd(0x4000'0000);
    enable(Gcmd::te_mask);
  }
  // kSid (devfn 0x10) in the lower context table: 32-byte entries, index 0x10.
  void set_sm_context(bool paside) {
    ScalableContextEntry ce;
    ce.set_p(1).set_paside(paside).set_pasiddirptr(dir);  // PDTS 0: 2^7 directory entries; RID_PASID 0
    for (unsigned i = 0; i < 4; ++i) w64(kContext + 0x10 * 32 + i * 8, ce.words[i]);
  }
  void set_pasid_entry(unsigned index, const PasidEntry& pe) {
    for (unsigned i = 0; i < 8; ++i) w64(ptbl + index * 64 + i * 8, pe.words[i]);
  }
  Result dma_pasid(uint64_t iova, uint32_t pasid, bool write = false) {
    Request r;
    r.source_id = kSid;
    r.address = iova;
    r.write = write;
    r.has_pasid = true;
    r.pasid = pasid;
    return iommu.translate(r);
  }
};

TEST_F(VtdModelScalable, SecondStageThroughRidPasid) {
  // A request without PASID uses RID_PASID 0: PASID entry 0, PGTT 010b, a 4-level second-stage table.
  map(pt, 4, 0x5000, kData);
  const Result r = dma(0x5008);
  ASSERT_EQ(r.outcome, Outcome::kTranslated) << (r.has_fault ? fault_reason_name(r.fault.fr()) : "");
  EXPECT_EQ(r.pa, kData + 8);
}

TEST_F(VtdModelScalable, SecondStageFaultReasons) {
  // R = W = 0: not present (79h), recorded with FR 79h; a read-only leaf written: 85h.
  map(pt, 4, 0x5000, kData, 1, true, false);
  const Result np = dma(0x9000);
  EXPECT_EQ(np.fault.fr(), 0x79u);
  EXPECT_EQ(reg(kFrcd0Hi), 0xc000'0079'0000'0010ull);
  EXPECT_EQ(oracle(0x5000, true).fault.fr(), 0x85u);
  EXPECT_EQ(oracle(0x1'0000'0000'0000ull).fault.fr(), 0x83u);  // beyond the 48-bit AW
}

TEST_F(VtdModelScalable, PasidChecks) {
  // PASIDE = 0: a request with PASID is refused (45h). With PASIDE = 1, PASID 1's table entry is zero (59h), and
  // the record carries PP = 1, PV = 1: high qword = 0x10 | 1 << 31 (PP [95]) | 0x59 << 32 | 1 << 40 (PV [123:104])
  // | T 1 << 62 | F 1 << 63.
  EXPECT_EQ(dma_pasid(0x5000, 1).fault.fr(), 0x45u);
  iommu.write(kFrcd0F, 0x8000'0000);
  set_sm_context(true);
  EXPECT_EQ(dma_pasid(0x5000, 1).fault.fr(), 0x59u);
  EXPECT_EQ(reg(kFrcd0Hi), 0xc000'0159'8000'0010ull);
  // PASID 0x80: directory index 2 is beyond PDTS 0's 128 entries? No: index 2 < 128, its entry is zero (51h).
  EXPECT_EQ(oracle(0x5000).outcome, Outcome::kFaulted);  // no PASID: PASID entry 0, empty table: 79h
  Request r;
  r.source_id = kSid;
  r.address = 0x5000;
  r.has_pasid = true;
  r.pasid = 0x80;
  EXPECT_EQ(iommu.lookup(r).fault.fr(), 0x51u);
  r.pasid = 0x2000;  // directory index 0x80 = 128: beyond PDTS 0 (46h)
  EXPECT_EQ(iommu.lookup(r).fault.fr(), 0x46u);
}

TEST_F(VtdModelScalable, PassThroughPasidEntry) {
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kPassThrough)).set_did(kDid);
  set_pasid_entry(0, pe);
  const Result r = dma(0xabc'd000);
  EXPECT_EQ(r.outcome, Outcome::kPassThrough);
  EXPECT_EQ(r.pa, 0xabc'd000u);
}

TEST_F(VtdModelScalable, FirstStage) {
  // PGTT 001b, FLPM 00b (4 levels). IOVA 0x5000: indexes 0, 0, 0, 5. P | R/W | U/S = 0x7 at every level. A request
  // without PASID takes RID_PRIV = 0: a user request.
  const uint64_t l4 = page(), l3 = page(), l2 = page(), l1 = page();
  w64(l4, l3 | 7);
  w64(l3, l2 | 7);
  w64(l2, l1 | 7);
  w64(l1 + 5 * 8, kData | 7);
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kFirstStage)).set_flptptr(l4).set_did(kDid);
  set_pasid_entry(0, pe);
  const Result r = dma(0x5123, true);
  ASSERT_EQ(r.outcome, Outcome::kTranslated) << (r.has_fault ? fault_reason_name(r.fault.fr()) : "");
  EXPECT_EQ(r.pa, kData + 0x123);
  // Not canonical for 48 bits: 80h.
  EXPECT_EQ(oracle(0x8000'0000'0000ull).fault.fr(), 0x80u);
  // U/S = 0 in the leaf: a user request to a supervisor page, 81h.
  w64(l1 + 5 * 8, kData | 3);
  EXPECT_EQ(oracle(0x5000).fault.fr(), 0x81u);
  // Not present: 71h.
  EXPECT_EQ(oracle(0x6000).fault.fr(), 0x71u);
}

TEST_F(VtdModelScalable, NestedIsNotModelled) {
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kNested)).set_did(kDid);
  set_pasid_entry(0, pe);
  EXPECT_EQ(dma(0x5000).outcome, Outcome::kNotModelled);
}

TEST_F(VtdModelScalable, FirstStageLargePagesAndWriteProtect) {
  // A 2 MiB first-stage leaf (level 2, PS = 1): IOVA 0x20_1234 -> kData + 0x1234. A read-only leaf (R/W = 0):
  // a user write is denied (85h); a supervisor write (PASID with priv, SRE = 1) passes while WPE = 0.
  const uint64_t l4 = page(), l3 = page(), l2 = page();
  w64(l4, l3 | 7);
  w64(l3, l2 | 7);
  w64(l2 + 1 * 8, kData | 0x80 | 5);  // P | U/S | PS, R/W = 0
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kFirstStage)).set_flptptr(l4).set_did(kDid).set_sre(1);
  set_pasid_entry(0, pe);
  const Result r = dma(0x20'1234);
  ASSERT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, kData + 0x1234);
  EXPECT_EQ(r.page_size, 0x20'0000u);
  EXPECT_EQ(oracle(0x20'1234, true).fault.fr(), 0x85u);
  set_sm_context(true);
  Request sup;
  sup.source_id = kSid;
  sup.address = 0x20'1234;
  sup.write = true;
  sup.has_pasid = true;
  sup.priv = true;
  EXPECT_EQ(iommu.lookup(sup).outcome, Outcome::kTranslated);
  pe.set_wpe(1);
  set_pasid_entry(0, pe);
  EXPECT_EQ(iommu.lookup(sup).fault.fr(), 0x85u);
}

TEST_F(VtdModelScalable, FirstStageSetsAccessedAndDirty) {
  // SDM §4.8 (the IA-32e format of §9.7): A (bit 5) in every entry a translation uses, D (bit 6) in the leaf of a
  // write. IOVAs 0x5000 and 0x6000 share levels 4..2.
  const uint64_t l4 = page(), l3 = page(), l2 = page(), l1 = page();
  w64(l4, l3 | 7);
  w64(l3, l2 | 7);
  w64(l2, l1 | 7);
  w64(l1 + 5 * 8, kData | 7);
  w64(l1 + 6 * 8, (kData + 0x1000) | 7);
  w64(l1 + 7 * 8, (kData + 0x2000) | 5);  // R/W = 0
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kFirstStage)).set_flptptr(l4).set_did(kDid);
  set_pasid_entry(0, pe);
  // The oracle changes nothing.
  EXPECT_EQ(oracle(0x5000, true).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(l4), l3 | 7);
  EXPECT_EQ(r64(l1 + 5 * 8), kData | 7);
  // A read: A everywhere on its walk, no D.
  ASSERT_EQ(dma(0x5000).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(l4), l3 | 0x27);
  EXPECT_EQ(r64(l3), l2 | 0x27);
  EXPECT_EQ(r64(l2), l1 | 0x27);
  EXPECT_EQ(r64(l1 + 5 * 8), kData | 0x27);
  // A write through the other leaf: A and D there; the read leaf keeps D = 0, the shared entries get no D.
  ASSERT_EQ(dma(0x6000, true).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(l1 + 6 * 8), (kData + 0x1000) | 0x67);
  EXPECT_EQ(r64(l1 + 5 * 8), kData | 0x27);
  EXPECT_EQ(r64(l2), l1 | 0x27);
  // A write the leaf denies (85h) marks nothing in that leaf.
  EXPECT_EQ(dma(0x7000, true).fault.fr(), 0x85u);
  EXPECT_EQ(r64(l1 + 7 * 8), (kData + 0x2000) | 5);
}

TEST_F(VtdModelScalable, FirstStageRightsOfNonLeafEntries) {
  // A user request needs R/W = 1 (for a write) and U/S = 1 in every entry of the walk, not only the leaf.
  const uint64_t l4 = page(), l3 = page(), l2 = page(), l1 = page();
  w64(l4, l3 | 7);
  w64(l3, l2 | 5);  // level 3: R/W = 0
  w64(l2, l1 | 7);
  w64(l1 + 5 * 8, kData | 7);
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kFirstStage)).set_flptptr(l4).set_did(kDid);
  set_pasid_entry(0, pe);
  EXPECT_EQ(oracle(0x5000, true).fault.fr(), 0x85u);
  EXPECT_EQ(oracle(0x5000).outcome, Outcome::kTranslated);
  w64(l3, l2 | 3);  // level 3: U/S = 0
  EXPECT_EQ(oracle(0x5000).fault.fr(), 0x81u);
  EXPECT_EQ(oracle(0x5000, true).fault.fr(), 0x81u);
}

TEST_F(VtdModelScalable, FirstStage1GNeedsFl1gpAnd512GIsReserved) {
  // PS = 1 at level 3 (IOVA 0x4000_1234: level-3 index 1) with CAP.FL1GP = 0 (QEMU 10.0's default CAP): 72h. PS = 1
  // at level 4 is reserved whatever the CAP says: 72h. A 2 MiB leaf needs no capability.
  const uint64_t l4 = page(), l3 = page(), l2 = page();
  w64(l4, l3 | 7);
  w64(l3 + 1 * 8, 0x4000'0000 | 0x87);
  w64(l3, l2 | 7);
  w64(l2 + 1 * 8, kData | 0x87);
  PasidEntry pe;
  pe.set_p(1).set_pgtt(static_cast<uint64_t>(Pgtt::kFirstStage)).set_flptptr(l4).set_did(kDid);
  set_pasid_entry(0, pe);
  ASSERT_EQ(spec::reg_from<Cap>(model::intel_vtd::kQemu10Cap).fl1gp(), 0u);
  EXPECT_EQ(oracle(0x4000'1234).fault.fr(), 0x72u);
  const Result r = oracle(0x20'0abc);
  ASSERT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, kData + 0xabc);
  w64(l4 + 1 * 8, 0x87);  // IOVA 512 GiB: level-4 index 1, a leaf of frame 0
  EXPECT_EQ(oracle(0x80'0000'1000ull).fault.fr(), 0x72u);
}

TEST_F(VtdModelScalable, FpdInThePasidEntrySuppresses) {
  // FPD = 1 in the PASID table entry: a not-present second-stage fault (79h) blocks without a record.
  PasidEntry pe;
  pe.set_p(1).set_fpd(1).set_aw(2).set_pgtt(static_cast<uint64_t>(Pgtt::kSecondStage)).set_slptptr(pt);
  set_pasid_entry(0, pe);
  const Result r = dma(0x5000);
  EXPECT_EQ(r.outcome, Outcome::kBlocked);
  EXPECT_EQ(r.fault.fr(), 0x79u);
  EXPECT_EQ(reg(reg::kFsts), 0u);
}

TEST_F(VtdModelScalable, ScalableModeWithoutSmtsIsNotGuessed) {
  // TTM = 01b on a unit without ECAP.SMTS: the model gives no outcome rather than invent one.
  reconfigure(Config{});
  Rtaddr rt;
  rt.set_rta(kRoot).set_ttm(static_cast<uint64_t>(Ttm::kScalable));
  iommu.write(reg::kRtaddr, rt.raw());
  gcmd(0x4000'0000);
  gcmd(0x8000'0000);
  EXPECT_EQ(dma(0x5000).outcome, Outcome::kNotModelled);
}

}  // namespace
}  // namespace intel_vtd_model_test
