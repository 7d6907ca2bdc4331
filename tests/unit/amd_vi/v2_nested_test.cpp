// v2 (guest, x86-64 format) translation through the GCR3 table (48882 §2.2.6) and nested v2-over-v1
// translation, where every guest table pointer and the final GPA go through the host v1 table (the
// model's view of AMD's hardware-assisted vIOMMU). QEMU 7.2 implements neither: these run hosted only.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0030;
constexpr uint32_t kPasid = 5;

uint64_t v2(uint64_t addr, bool rw = true, bool us = true, bool ps = false) {
  V2Pte p;
  p.set_p(1).set_rw(rw).set_us(us).set_ps(ps).set_addr_4k(addr >> 12);
  return p.words[0];
}
uint64_t gcr3_entry(uint64_t cr3) {
  Gcr3Entry g;
  g.set_gv(1).set_gcr3_4k(cr3 >> 12);
  return g.words[0];
}

class AmdViV2 : public AmdViTest {
 protected:
  // GVA 0x4000_1000 -> 0x0070_0000: PML4[0] -> PDPT[1] -> PD[0] -> PT[1].
  uint64_t gcr3_table = 0, pml4 = 0, pdpt = 0, pd = 0, pt = 0;
  void build(uint64_t offset = 0) {  // offset: table addresses as the guest sees them = SPA - offset
    gcr3_table = table(), pml4 = table(), pdpt = table(), pd = table(), pt = table();
    w64(gcr3_table + kPasid * 8, gcr3_entry(pml4 - offset));
    w64(pml4 + 0, v2(pdpt - offset));
    w64(pdpt + 1 * 8, v2(pd - offset));
    w64(pd + 0, v2(pt - offset));
    // The read-only leaf at SPA 0x0070_0000: below a nested case's offset it has no GPA, so those cases
    // map their own leaf.
    if (offset == 0) w64(pt + 1 * 8, v2(0x0070'0000, false));
  }
  Dte guest_dte(unsigned mode, uint64_t host_root, uint64_t gcr3_as_seen) {
    Dte d;
    d.set_v(1).set_tv(1).set_ir(1).set_iw(1).set_mode(mode).set_page_table_root_4k(host_root >> 12);
    d.set_gv(1).set_glx(0).set_gcr3_table_root(gcr3_as_seen).set_domain_id(4);
    return d;
  }
  Result pasid_dma(uint64_t gva, bool write, bool user = false) {
    Request r;
    r.device_id = kDev;
    r.address = gva;
    r.write = write;
    r.has_pasid = true;
    r.pasid = kPasid;
    r.user = user;
    return iommu.translate(r);
  }
};

TEST_F(AmdViV2, GuestWalk4KiB) {
  enable();
  build();
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  const Result r = pasid_dma(0x4000'1abc, false);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0070'0abcull);
}

TEST_F(AmdViV2, GuestWalk2MiBPage) {
  // PD entry with PS=1: 2 MiB page; GVA 0x4020_1234 -> PD[1] -> 0x0080_0000 | 0x1234.
  enable();
  build();
  w64(pd + 1 * 8, v2(0x0080'0000, true, true, true));
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  const Result r = pasid_dma(0x4020'1234, true);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0080'1234ull);
  EXPECT_EQ(r.page_size, 0x20'0000ull);
}

TEST_F(AmdViV2, GuestNotPresentFaultCarriesPasid) {
  // IO_PAGE_FAULT with GN=1: PASID[15:0] in [47:32], PASID[19:16] in [19:16], Address = GVA.
  enable();
  build();
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  const Result r = pasid_dma(0x4000'3000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.gn(), 1u);
  EXPECT_EQ(r.event.domain_or_pasid(), kPasid);
  EXPECT_EQ(r.event.pr(), 0u);
  EXPECT_EQ(r.event.address(), 0x4000'3000ull);
  // 0x30 | 5 << 32 | GN 1 << 48 | code 2 << 60.
  EXPECT_EQ(r.event.words[0], 0x2001000500000030ull);
}

TEST_F(AmdViV2, GuestFaultSplitsTwentyBitPasid) {
  // Moved from the guest case amd-vi.model.v2_not_present_event (model-only). PASID 0x12345 with a
  // one-level GCR3 table (GLX=00b) takes slot PASID[8:0] = 0x145; GVA 0x4000_2000 (PT[2]) is not mapped:
  // IO_PAGE_FAULT with GN=1, PASID[15:0] = 0x2345 in [47:32], PASID[19:16] = 1 in [19:16], Address = GVA.
  enable();
  build();
  w64(gcr3_table + 0x145 * 8, gcr3_entry(pml4));
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  Request r;
  r.device_id = kDev;
  r.address = 0x4000'2000;
  r.has_pasid = true;
  r.pasid = 0x1'2345;
  const Result res = iommu.translate(r);
  EXPECT_EQ(res.outcome, Outcome::kAborted);
  EXPECT_EQ(res.event.event_code(), 2u);
  EXPECT_EQ(res.event.gn(), 1u);
  EXPECT_EQ(res.event.domain_or_pasid(), 0x2345u);
  EXPECT_EQ(res.event.pasid_19_16(), 0x1u);
  EXPECT_EQ(res.event.address(), 0x4000'2000ull);
  // The same PASID reaches the mapped GVA 0x4000_1abc through that slot (the read-only leaf).
  r.address = 0x4000'1abc;
  const Result ok = iommu.translate(r);
  EXPECT_EQ(ok.outcome, Outcome::kTranslated);
  EXPECT_EQ(ok.pa, 0x0070'0abcull);
}

TEST_F(AmdViV2, GuestWriteToReadOnlyIsPresentFault) {
  enable();
  build();
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  const Result r = pasid_dma(0x4000'1000, true);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.pr(), 1u);
  EXPECT_EQ(r.event.rw(), 1u);
}

TEST_F(AmdViV2, GuestUserAccessToSupervisorPageFaults) {
  enable();
  build();
  w64(pt + 1 * 8, v2(0x0070'0000, true, false));  // U/S=0: supervisor only
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  EXPECT_EQ(pasid_dma(0x4000'1000, false, false).outcome, Outcome::kTranslated);
  const Result r = pasid_dma(0x4000'1000, false, true);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.us(), 1u);
}

TEST_F(AmdViV2, InvalidGcr3EntryFaults) {
  enable();
  build();
  w64(gcr3_table + kPasid * 8, 0);  // GV=0
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  EXPECT_EQ(pasid_dma(0x4000'1000, false).outcome, Outcome::kAborted);
}

TEST_F(AmdViV2, RequestWithoutPasidUsesHostTable) {
  // GV=1 but GIoV=0: a request without PASID takes the v1 path (Mode 0 here: untranslated).
  enable();
  build();
  set_dte(kDev, guest_dte(0, 0, gcr3_table));
  Request r;
  r.device_id = kDev;
  r.address = 0x4000'1000;
  const Result res = iommu.translate(r);
  EXPECT_EQ(res.outcome, Outcome::kUntranslated);
  EXPECT_EQ(res.pa, 0x4000'1000ull);
}

TEST_F(AmdViV2, PasidsDifferingAboveBit15AreNotConfusedByTheIotlb) {
  // PASIDs are 20 bits (§2.2.6). Two-level GCR3 table (GLX=01b): PASID[17:9] indexes the first level,
  // PASID[8:0] the second. PASID 5 -> L1[0] -> the built table's entry 5 (valid); PASID 0x1_0005 ->
  // L1[0x1_0005 >> 9 = 0x80], which is empty: after PASID 5's translation was cached, a request with
  // PASID 0x1_0005 must still fault (an IOTLB tagged with PASID[15:0] only would answer it).
  enable();
  build();
  const uint64_t l1 = table();
  w64(l1 + 0, gcr3_entry(gcr3_table));
  Dte d = guest_dte(0, 0, l1);
  d.set_glx(1);
  set_dte(kDev, d);
  const Result ok = pasid_dma(0x4000'1abc, false);
  EXPECT_EQ(ok.outcome, Outcome::kTranslated);
  EXPECT_EQ(ok.pa, 0x0070'0abcull);
  Request r;
  r.device_id = kDev;
  r.address = 0x4000'1abc;
  r.has_pasid = true;
  r.pasid = 0x1'0005;
  EXPECT_EQ(iommu.translate(r).outcome, Outcome::kAborted);
}

class AmdViNested : public AmdViV2 {
 protected:
  // Host v1 table (Mode 3): GPA [0, 16 MiB) -> SPA [kRamBase, kRamBase + 16 MiB) as 2 MiB pages,
  // so guest-physical = SPA - kRamBase.
  uint64_t host_root = 0;
  void build_host() {
    host_root = table();
    const uint64_t l2 = table();
    w64(host_root, pte(l2, 2));
    for (unsigned i = 0; i < 8; ++i) w64(l2 + i * 8, pte(kRamBase + i * 0x20'0000ull, 0));
  }
};

TEST_F(AmdViNested, GuestTablesTranslatedThroughHostTable) {
  // build(kRamBase) stores every table pointer as SPA - kRamBase and leaves the leaf to the case:
  // leaf GPA 0x0030_0000 -> SPA 0x0130_0000; GVA 0x4000_1abc -> SPA 0x0130_0abc.
  enable();
  build_host();
  build(kRamBase);
  w64(pt + 1 * 8, v2(0x0030'0000, true));
  set_dte(kDev, guest_dte(3, host_root, gcr3_table - kRamBase));
  const Result r = pasid_dma(0x4000'1abc, true);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0130'0abcull);
}

TEST_F(AmdViNested, GuestTableOutsideHostMappingFaults) {
  // The PDPT pointer (GPA 0x0100_0000 + ...) is beyond the host table's 16 MiB: fault.
  enable();
  build_host();
  build(kRamBase);
  w64(pml4 + 0, v2(0x0200'0000));  // GPA 32 MiB: no host mapping
  set_dte(kDev, guest_dte(3, host_root, gcr3_table - kRamBase));
  EXPECT_EQ(pasid_dma(0x4000'1abc, false).outcome, Outcome::kAborted);
}

TEST_F(AmdViNested, HostPermissionsApplyToFinalAddress) {
  // Host leaf for GPA [2 MiB, 4 MiB) read-only: a guest-writable page there is still not writable.
  enable();
  build_host();
  build(kRamBase);
  w64(pt + 1 * 8, v2(0x0030'0000, true));
  const uint64_t l2 = r64(host_root) & 0x000ffffffffff000ull;
  w64(l2 + 1 * 8, pte(kRamBase + 0x20'0000, 0, true, false));
  set_dte(kDev, guest_dte(3, host_root, gcr3_table - kRamBase));
  EXPECT_EQ(pasid_dma(0x4000'1abc, false).outcome, Outcome::kTranslated);
  EXPECT_EQ(pasid_dma(0x4000'1abc, true).outcome, Outcome::kAborted);
}

TEST_F(AmdViNested, CachedSizeIsTheSmallerOfGuestAndHostPage) {
  // Found by reading while writing amd_vi_fuzz: a nested translation is one IOTLB entry only as large
  // as both pages allow (§2.2.6: the cached GVA->SPA mapping covers min(guest page, host page)).
  // Guest 4 KiB pages PT[1] -> GPA 0x0030_0000 and PT[2] -> GPA 0x0050_0000 inside host 2 MiB pages
  // (GPA + 0x0100_0000 = SPA). GVA 0x4000_1abc -> SPA 0x0130_0abc, size 4 KiB; then GVA 0x4000_2abc
  // must walk to SPA 0x0150_0abc, not reuse the first entry (which as a 2 MiB entry would give
  // 0x0120_0000 | 0x2abc = 0x0120_2abc).
  enable();
  build_host();
  build(kRamBase);
  w64(pt + 1 * 8, v2(0x0030'0000, true));
  w64(pt + 2 * 8, v2(0x0050'0000, true));
  set_dte(kDev, guest_dte(3, host_root, gcr3_table - kRamBase));
  const Result first = pasid_dma(0x4000'1abc, false);
  EXPECT_EQ(first.outcome, Outcome::kTranslated);
  EXPECT_EQ(first.pa, 0x0130'0abcull);
  EXPECT_EQ(first.page_size, 0x1000ull);
  const Result second = pasid_dma(0x4000'2abc, false);
  EXPECT_EQ(second.outcome, Outcome::kTranslated);
  EXPECT_EQ(second.pa, 0x0150'0abcull);
}

}  // namespace
}  // namespace amd_vi_test
