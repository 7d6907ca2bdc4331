// intel-vtd.isolation.* and intel-vtd.invalidation.*: two endpoints in two domains, and what a page-table or
// context change does before and after its invalidation, by the register interface (IOTLB_REG page-selective with
// IVA.AM, domain-selective, global; CCMD device-selective) and once by the queued interface.
#include "kernel/arch.h"
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

enum class How : uint8_t { kPage, kDomain, kGlobal };

// iova -> A, both directions used (the IOTLB may hold it), then iova -> B and the invalidation `how`: B is used
// and A left alone.
void remap(kernel::Test& t, How how) {
  with_domain(t, widest_agaw(), 0x31, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(kPage), b(kPage);
    if (!a.pa || !b.pa || !d.map(kTestIova, a.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    expect_translated(t, v, d, kTestIova + 0x100, a.pa + 0x100, kTestIova + 0x500, a.pa + 0x500, 256, kSecondStageWalk);
    if (!d.map(kTestIova, b.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    bool done = false;
    uint64_t actual = 0;
    switch (how) {
      case How::kPage:
        done = v->register_invalidate_iotlb(s::Granularity::kSelective, d.did(), kTestIova, 0, false, &actual);
        break;
      case How::kDomain:
        done = v->register_invalidate_iotlb(s::Granularity::kDomain, d.did(), 0, 0, false, &actual);
        break;
      case How::kGlobal:
        done = v->register_invalidate_iotlb(s::Granularity::kGlobal, 0, 0, 0, false, &actual);
        break;
    }
    if (!t.check("iotlb.ivt", kIotlbComplete, done, "%s", v->last_error())) return;
    t.note("IOTLB_REG.IAIG %llu (%s)", ull(actual), s::granularity_name(actual));
    expect_translated(t, v, d, kTestIova + 0x200, b.pa + 0x200, kTestIova + 0x900, b.pa + 0x900, 256, kInvalidation);
  });
}

// The endpoint's context entry pointed at another domain (another DID and table, the same IOVA mapped elsewhere),
// then the context cache invalidated by CCMD with granularity `g` (device: the endpoint's source-id; domain: the
// old entry's DID, the one a cached copy carries; global) and the old domain's IOTLB: the new table is used.
void context_move(kernel::Test& t, s::Granularity g) {
  with_domain(t, widest_agaw(), 0x36, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(kPage), b(kPage);
    Domain other(t, v, d.agaw(), 0x37, d.stage_pa());
    if (!other.ready() || !a.pa || !b.pa || !d.map(kTestIova, a.pa, kPage, kit::Perm::kReadWrite) ||
        !other.map(kTestIova, b.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory");
    // The endpoint's own memory in the other table too, at the same IOVAs.
    for (uint64_t iova = kDriverIova; iova < kDriverIova + 64 * kPage; iova += kPage) {
      volatile uint64_t* e = d.pt().entry(iova, 1);
      if (!e || !*e) break;
      s::SlPte pte;
      pte.words[0] = *e;
      if (!other.pt().map_4k(iova, pte.addr())) return t.error("no memory");
    }
    expect_translated_one(t, v, d, kDeviceWrites, kTestIova + 0x100, a.pa + 0x100, 256, kSecondStageWalk);
    v->write_context_entry_raw(d.sid(), other.context());
    uint64_t caig = 0;
    const bool done = v->register_invalidate_context(g, d.did(), d.sid(), 0, &caig) &&
                      v->register_invalidate_iotlb(s::Granularity::kDomain, d.did(), 0, 0, false, nullptr);
    if (!t.check("ccmd.icc", kCcmdComplete, done, "%s", v->last_error())) return;
    t.note("CCMD.CIRG %s, CAIG %llu (%s)", s::granularity_name(static_cast<uint64_t>(g)), ull(caig),
           s::granularity_name(caig));
    const auto p = predict(v, d.sid(), kTestIova + 0x400, kDeviceWrites);
    t.check("oracle", kernel::kSuite, p.ok() && p.pa == b.pa + 0x400, "model: pa 0x%llx", ull(p.pa));
    kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kInvalidation, kInvalidation});
    probe.expect_translated(kDeviceWrites, kTestIova + 0x400, b.pa + 0x400, 256, next_seed());
    // Back to the domain's own entry before `other` goes.
    (void)d.set_context(d.context());
  });
}

}  // namespace

VIOMMU_TEST(intel_vtd_two_domains, "intel-vtd.isolation.two_domains", "intel-vtd,dma,isolation") {
  // virtio-blk in domain 1, edu in domain 2, the same IOVA mapped to a page of each: each endpoint reaches its own
  // page only; an IOVA only domain 1 maps faults for edu.
  IntelVtd* v = need_iommu(t);
  const unsigned agaw = widest_agaw();
  drivers::DmaEndpoint* blk = v && need_agaw(t, v, agaw) ? need_endpoint(t, "virtio-blk") : nullptr;
  drivers::DmaEndpoint* edu = blk ? need_endpoint(t, "edu") : nullptr;
  if (!edu) return;
  Domain one(t, v, blk, agaw, 0x41);
  Domain two(t, v, edu, agaw, 0x42);
  if (!one.ok() || !two.ok()) return;
  const DmaBlock p1(kPage), p2(kPage), only1(kPage);
  if (!p1.pa || !p2.pa || !only1.pa || !one.map(kTestIova, p1.pa, kPage, kit::Perm::kReadWrite) ||
      !two.map(kTestIova, p2.pa, kPage, kit::Perm::kReadWrite) ||
      !one.map(kTestIova + kPage, only1.pa, kPage, kit::Perm::kReadWrite))
    return t.error("no memory");
  t.note("%s (%04x) in DID %u, %s (%04x) in DID %u", blk->name(), one.sid(), one.did(), edu->name(), two.sid(), two.did());
  expect_translated(t, v, one, kTestIova + 0x100, p1.pa + 0x100, kTestIova + 0x300, p1.pa + 0x300, 256, kIsolation);
  expect_translated(t, v, two, kTestIova + 0x100, p2.pa + 0x100, kTestIova + 0x300, p2.pa + 0x300, 256, kIsolation);
  expect_fault(t, v, two, kTestIova + kPage + 0x80, kDeviceWrites, only1.pa, kIsolation);
  expect_fault(t, v, two, kTestIova + kPage + 0x80, kDeviceReads, only1.pa, kIsolation);
}

VIOMMU_TEST(intel_vtd_unmap_psi, "intel-vtd.invalidation.unmap_page_selective", "intel-vtd,dma,invalidation") {
  // A used mapping removed and invalidated page-selectively: the next access faults, no stale translation.
  with_domain(t, widest_agaw(), 0x32, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(kPage);
    if (!a.pa || !d.map(kTestIova, a.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    expect_translated(t, v, d, kTestIova + 0x100, a.pa + 0x100, kTestIova + 0x500, a.pa + 0x500, 256, kSecondStageWalk);
    if (!d.unmap(kTestIova, kPage) || !d.invalidate(kTestIova, kPage)) return t.error("unmap failed");
    expect_fault(t, v, d, kTestIova + 0x500, kDeviceWrites, a.pa, kInvalidation);
    expect_fault(t, v, d, kTestIova + 0x100, kDeviceReads, a.pa, kInvalidation);
  });
}

VIOMMU_TEST(intel_vtd_remap_psi, "intel-vtd.invalidation.remap_page_selective", "intel-vtd,dma,invalidation") {
  remap(t, How::kPage);
}
VIOMMU_TEST(intel_vtd_remap_dsi, "intel-vtd.invalidation.remap_domain_selective", "intel-vtd,dma,invalidation") {
  remap(t, How::kDomain);
}
VIOMMU_TEST(intel_vtd_remap_gi, "intel-vtd.invalidation.remap_global", "intel-vtd,dma,invalidation") {
  remap(t, How::kGlobal);
}

VIOMMU_TEST(intel_vtd_psi_am, "intel-vtd.invalidation.address_mask", "intel-vtd,dma,invalidation") {
  // Four pages remapped, one page-selective invalidation with IVA.AM = 2 (4 pages at an address so aligned).
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (!v0->cap().psi() || v0->cap().mamv() < 2)
    return t.skip("CAP.PSI %llu, MAMV %llu: no page-selective invalidation of 4 pages", ull(v0->cap().psi()),
                  ull(v0->cap().mamv()));
  with_domain(t, widest_agaw(), 0x33, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(4 * kPage), b(4 * kPage);
    const uint64_t base = kTestIova + 4 * kPage;  // 16 KiB aligned
    if (!a.pa || !b.pa || !d.map(base, a.pa, 4 * kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    for (unsigned i = 0; i < 4; i += 3)
      expect_translated_one(t, v, d, kDeviceReads, base + i * kPage + 0x40, a.pa + i * kPage + 0x40, 128,
                            kSecondStageWalk);
    if (!d.map(base, b.pa, 4 * kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    uint64_t actual = 0;
    if (!t.check("iotlb.ivt", kIotlbComplete,
                 v->register_invalidate_iotlb(s::Granularity::kSelective, d.did(), base, 2, false, &actual), "%s",
                 v->last_error()))
      return;
    t.note("IAIG %llu", ull(actual));
    for (unsigned i = 0; i < 4; i += 3)
      expect_translated_one(t, v, d, kDeviceReads, base + i * kPage + 0x40, b.pa + i * kPage + 0x40, 128,
                            kInvalidation);
  });
}

VIOMMU_TEST(intel_vtd_large_psi, "intel-vtd.invalidation.large_page", "intel-vtd,dma,invalidation") {
  // A used 2 MiB leaf replaced by another, invalidated page-selectively with AM = 9 ("When invalidating mappings
  // for super-pages, software must specify the appropriate mask value").
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (!v0->supports_large_page(2) || !v0->cap().psi() || v0->cap().mamv() < 9)
    return t.skip("no 2 MiB pages or no page-selective invalidation of 2 MiB (SLLPS %llu, PSI %llu, MAMV %llu)",
                  ull(v0->cap().sllps()), ull(v0->cap().psi()), ull(v0->cap().mamv()));
  with_domain(t, widest_agaw(), 0x34, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(2u << 20), b(2u << 20);
    const uint64_t iova = uint64_t{1} << 32;
    if (!a.pa || !b.pa || !d.pt().map(iova, a.pa, 2, Access::rw())) return t.error("no 2 MiB DMA blocks");
    expect_translated_one(t, v, d, kDeviceWrites, iova + 0x10'0100, a.pa + 0x10'0100, 256, kSecondStageWalk);
    if (!d.pt().map(iova, b.pa, 2, Access::rw())) return t.error("no memory");
    if (!t.check("iotlb.invalidate", kIotlbComplete, d.drv().invalidate_range(iova, 9),
                 "%s", v->last_error()))
      return;
    expect_translated_one(t, v, d, kDeviceWrites, iova + 0x10'0100, b.pa + 0x10'0100, 256, kInvalidation);
  });
}

VIOMMU_TEST(intel_vtd_before_inval, "intel-vtd.invalidation.before_invalidation", "intel-vtd,dma,invalidation") {
  // iova -> A used, then iova -> B without invalidation: the unit may use either (a cached A, or a new walk); after
  // the invalidation only B.
  with_domain(t, widest_agaw(), 0x35, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(kPage), b(kPage);
    if (!a.pa || !b.pa || !d.map(kTestIova, a.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    expect_translated_one(t, v, d, kDeviceWrites, kTestIova + 0x100, a.pa + 0x100, 256, kSecondStageWalk);
    if (!d.map(kTestIova, b.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kStaleAllowed, kStaleAllowed});
    const int which = probe.expect_translated_either(kDeviceWrites, kTestIova + 0x300, a.pa + 0x300, b.pa + 0x300, 256,
                                                     next_seed());
    if (which >= 0)
      t.choice("iotlb.stale", kStaleAllowed, which == 1, "before the invalidation the unit used %s",
               which == 0 ? "the cached (old) translation" : "the new page-table entry");
    if (!d.invalidate(kTestIova, kPage)) return;
    expect_translated_one(t, v, d, kDeviceWrites, kTestIova + 0x600, b.pa + 0x600, 256, kInvalidation);
  });
}

VIOMMU_TEST(intel_vtd_context_move, "intel-vtd.invalidation.context_device", "intel-vtd,dma,invalidation") {
  context_move(t, s::Granularity::kSelective);
}
VIOMMU_TEST(intel_vtd_context_dsi, "intel-vtd.invalidation.context_domain", "intel-vtd,dma,invalidation") {
  context_move(t, s::Granularity::kDomain);
}
VIOMMU_TEST(intel_vtd_context_gi, "intel-vtd.invalidation.context_global", "intel-vtd,dma,invalidation") {
  context_move(t, s::Granularity::kGlobal);
}

VIOMMU_TEST(intel_vtd_queued_remap, "intel-vtd.invalidation.queued_remap", "intel-vtd,dma,invalidation") {
  // The same remap with queued invalidation on (ECAP.QI): an IOTLB descriptor (page-selective) and an invalidation
  // wait whose status write says it is done.
  IntelVtd* v0 = need_iommu(t);
  if (!v0) return;
  if (!v0->ecap().qi()) return t.skip("ECAP.QI = 0: no queued invalidation");
  with_domain(t, widest_agaw(), 0x38, [&](IntelVtd* v, Domain& d) {
    const DmaBlock a(kPage), b(kPage);
    if (!a.pa || !b.pa || !d.map(kTestIova, a.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    if (!t.check("gsts.QIES", kQueueComplete, v->set_queued_invalidation(true), "%s", v->last_error())) return;
    expect_translated_one(t, v, d, kDeviceReads, kTestIova + 0x100, a.pa + 0x100, 256, kSecondStageWalk);
    if (!d.map(kTestIova, b.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    if (d.invalidate(kTestIova, kPage))
      expect_translated_one(t, v, d, kDeviceReads, kTestIova + 0x200, b.pa + 0x200, 256, kInvalidation);
    if (!v->set_queued_invalidation(false)) t.error("QIE=0: %s", v->last_error());
  });
}
