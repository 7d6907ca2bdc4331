// intel-vtd.translation.*: legacy-mode DMA remapping through a context entry (TT = 00b) and a second-stage table at
// each AGAW the unit offers (CAP.SAGAW), large pages (CAP.SLLPS), pass-through (TT = 10b, ECAP.PT) and
// translation off (GSTS.TES = 0). Every translated access is checked against the model's walk first (oracle).
#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Two case pages mapped at kTestIova and kTestIova + 5 pages, read and written at an offset inside each.
void rw_at(kernel::Test& t, unsigned agaw) {
  with_domain(t, agaw, 0x11, [&](IntelVtd* v, Domain& d) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t src_iova = kTestIova, dst_iova = kTestIova + 5 * kPage;
    if (!d.map(src_iova, src.pa, kPage, kit::Perm::kReadWrite) || !d.map(dst_iova, dst.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory for page tables");
    t.note("AGAW %u (%u levels, context AW %llu), DID %u", agaw, d.pt().levels(), ull(d.context().aw()), d.did());
    expect_translated(t, v, d, src_iova + 0x180, src.pa + 0x180, dst_iova + 0x340, dst.pa + 0x340, 512,
                      kSecondStageWalk);
  });
}

// The last 4 KiB page an `agaw`-bit table reaches: every level's last entry.
void top_page_at(kernel::Test& t, unsigned agaw) {
  with_domain(t, agaw, 0x12, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    const uint64_t iova = (uint64_t{1} << agaw) - kPage;
    if (!page.pa || !d.map(iova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    expect_translated(t, v, d, iova, page.pa, iova + 0x800, page.pa + 0x800, 256, kSecondStageWalk);
  });
}

// A leaf at `level` (2: 2 MiB, 3: 1 GiB) where CAP.SLLPS offers it: an IOVA inside it reaches the same offset from
// the leaf's output address.
void large_page_at(kernel::Test& t, unsigned agaw, unsigned level) {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (!v->supports_large_page(level))
    return t.skip("CAP.SLLPS 0x%llx does not offer %s second-stage pages", ull(v->cap().sllps()),
                  level == 2 ? "2 MiB" : "1 GiB");
  with_domain(t, agaw, 0x13, [&](IntelVtd* v, Domain& d) {
    const uint64_t size = s::level_page_size(level);
    // 2 MiB: a 2 MiB block of DMA memory (naturally aligned); 1 GiB: the 1 GiB frame holding a DMA page.
    const DmaBlock block(level == 2 ? size : kPage);
    if (!block.pa) return t.error("no DMA memory");
    const uint64_t frame = block.pa & ~(size - 1);
    const uint64_t iova = uint64_t{1} << 32;  // 4 GiB: 1 GiB aligned, away from everything else the domain maps
    if (!d.pt().map(iova, frame, level, Access::rw())) return t.error("no memory for page tables");
    const uint64_t at = block.pa - frame + (level == 2 ? size - 2 * kPage : 0);
    t.note("%s leaf at level %u: iova 0x%llx -> pa 0x%llx; DMA at iova 0x%llx", level == 2 ? "2 MiB" : "1 GiB", level,
           ull(iova), ull(frame), ull(iova + at));
    expect_translated(t, v, d, iova + at + 0x100, frame + at + 0x100, iova + at + 0x900, frame + at + 0x900, 256,
                      kSecondStageWalk);
  });
}

}  // namespace

VIOMMU_TEST(intel_vtd_dma_translated, "intel-vtd.translation.dma_is_translated", "intel-vtd,dma") {
  // virtio-blk's rings mapped at IOVA == PA (so that it works whether or not its DMA is translated), page S mapped
  // at IOVA == its own address, page A's address mapped to another page B. The device loads a pattern from S and
  // writes it at IOVA A: it must land in B and leave A alone. The pattern in A instead means the unit does not
  // translate this endpoint's DMA at all: every other translation case then fails for that one reason.
  with_domain(t, widest_agaw(), 0x10, [&](IntelVtd* v, Domain& d) {
    drivers::DmaEndpoint* ep = d.ep();
    drivers::DmaRange rings[8] = {};
    const size_t nrings = drivers::driver_dma_ranges(ep, rings, 8);
    for (size_t i = 0; i < nrings && i < 8; ++i)
      for (uint64_t off = 0; off < rings[i].len; off += kPage)
        if (!d.pt().map_4k(rings[i].pa + off, rings[i].pa + off)) return t.error("no memory for page tables");
    drivers::set_driver_iova(ep, nullptr, nullptr);
    if (!t.check("dma.status", kTranslate, drivers::reset_endpoint(ep),
                 "%s did not re-initialise with its rings at IOVA == PA (identity mapped)", ep->name()))
      return;
    uint64_t held[8] = {}, pages[2] = {};
    unsigned nheld = 0, npages = 0;
    while (npages < 2 && nheld < 8) {
      const uint64_t p = kernel::DmaMemory::alloc(kPage);
      if (!p) break;
      volatile uint64_t* e = d.pt().entry(p, 1);
      // Away from the IOVAs the domain uses (test pages, staging, the endpoint's memory from kDriverIova).
      if (p >= kDriverIova + (1u << 20) && (e == nullptr || *e == 0)) pages[npages++] = p;
      else held[nheld++] = p;
    }
    const DmaBlock b(kPage);
    const uint64_t pa_s = pages[0], pa_a = pages[1];
    if (npages < 2 || !b.pa) {
      t.error("no DMA pages usable as IOVAs outside the domain's own mappings");
    } else if (!d.pt().map_4k(pa_s, pa_s) || !d.pt().map_4k(pa_a, b.pa)) {
      t.error("no memory for page tables");
    } else {
      t.expect_eq("oracle", kernel::kSuite, b.pa, predict(v, d.sid(), pa_a, kDeviceWrites).pa);
      volatile uint8_t* sa = reinterpret_cast<volatile uint8_t*>(pa_s);
      volatile uint8_t* pa = reinterpret_cast<volatile uint8_t*>(pa_a);
      volatile uint8_t* pb = reinterpret_cast<volatile uint8_t*>(b.pa);
      for (unsigned i = 0; i < kPage; ++i) {
        pa[i] = 0x3c;
        pb[i] = 0x3c;
      }
      for (unsigned i = 0; i < 512; ++i) sa[i] = kit::pattern(0xa7, i);
      arch::dma_wmb();
      const drivers::DmaStatus r = ep->read(pa_s, 512);
      const drivers::DmaStatus w = ep->write(pa_a, 512);
      arch::dma_rmb();
      unsigned in_a = 0, in_b = 0, a_changed = 0;
      for (unsigned i = 0; i < 512; ++i) {
        in_a += pa[i] == kit::pattern(0xa7, i);
        in_b += pb[i] == kit::pattern(0xa7, i);
      }
      for (unsigned i = 0; i < kPage; ++i) a_changed += pa[i] != 0x3c;
      if (in_a == 512 && in_b != 512)
        t.check("dma.translated", kTranslate, false,
                "DMA is not translated by the IOMMU: %s's write at IOVA 0x%llx (mapped to pa 0x%llx) landed at pa "
                "0x%llx, the IOVA taken as a physical address (GSTS 0x%x)",
                ep->name(), ull(pa_a), ull(b.pa), ull(pa_a), v->gsts().value);
      else
        t.check("dma.translated", kTranslate, in_b == 512 && a_changed == 0,
                "%s's write at IOVA 0x%llx: %u of 512 bytes reached pa 0x%llx (mapped), %u bytes of pa 0x%llx (the "
                "IOVA as a physical address) changed; load from iova 0x%llx %s, write %s",
                ep->name(), ull(pa_a), in_b, ull(b.pa), a_changed, ull(pa_a), ull(pa_s), drivers::to_string(r),
                drivers::to_string(w));
    }
    for (unsigned i = 0; i < nheld; ++i) kernel::DmaMemory::free(held[i], kPage);
    for (unsigned i = 0; i < npages; ++i) kernel::DmaMemory::free(pages[i], kPage);
  });
}

VIOMMU_TEST(intel_vtd_rw_aw39, "intel-vtd.translation.rw.aw39", "intel-vtd,dma") { rw_at(t, 39); }
VIOMMU_TEST(intel_vtd_rw_aw48, "intel-vtd.translation.rw.aw48", "intel-vtd,dma") { rw_at(t, 48); }
VIOMMU_TEST(intel_vtd_rw_aw57, "intel-vtd.translation.rw.aw57", "intel-vtd,dma") { rw_at(t, 57); }
VIOMMU_TEST(intel_vtd_top_aw39, "intel-vtd.translation.top_page.aw39", "intel-vtd,dma") { top_page_at(t, 39); }
VIOMMU_TEST(intel_vtd_top_aw48, "intel-vtd.translation.top_page.aw48", "intel-vtd,dma") { top_page_at(t, 48); }
VIOMMU_TEST(intel_vtd_2m_aw39, "intel-vtd.translation.large_2m.aw39", "intel-vtd,dma") { large_page_at(t, 39, 2); }
VIOMMU_TEST(intel_vtd_2m_aw48, "intel-vtd.translation.large_2m.aw48", "intel-vtd,dma") { large_page_at(t, 48, 2); }
VIOMMU_TEST(intel_vtd_1g_aw39, "intel-vtd.translation.large_1g.aw39", "intel-vtd,dma") { large_page_at(t, 39, 3); }
VIOMMU_TEST(intel_vtd_1g_aw48, "intel-vtd.translation.large_1g.aw48", "intel-vtd,dma") { large_page_at(t, 48, 3); }

VIOMMU_TEST(intel_vtd_page_crossing, "intel-vtd.translation.page_crossing", "intel-vtd,dma") {
  // Two IOVA-contiguous pages mapped to pages that are not contiguous: an access across the boundary is split
  // by the translation.
  with_domain(t, widest_agaw(), 0x14, [&](IntelVtd* v, Domain& d) {
    const DmaBlock lo(kPage), gap(kPage), hi(kPage);
    if (!lo.pa || !hi.pa || !d.map(kTestIova, hi.pa, kPage, kit::Perm::kReadWrite) ||
        !d.map(kTestIova + kPage, lo.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory");
    const uint64_t at = kTestIova + kPage - 0x100;
    t.check("oracle", kernel::kSuite, predict(v, d.sid(), at + 0x100, kDeviceReads).pa == lo.pa,
            "the model does not put iova 0x%llx in pa 0x%llx", ull(at + 0x100), ull(lo.pa));
    // The probe works on one target; read 512 bytes across: the first half from hi's end, the rest from lo.
    volatile uint8_t* h = reinterpret_cast<volatile uint8_t*>(hi.pa + kPage - 0x100);
    volatile uint8_t* l = reinterpret_cast<volatile uint8_t*>(lo.pa);
    volatile uint8_t* stage = reinterpret_cast<volatile uint8_t*>(d.stage_pa());
    for (unsigned i = 0; i < 0x100; ++i) {
      h[i] = kit::pattern(0x51, i);
      l[i] = kit::pattern(0x51, i + 0x100);
    }
    for (unsigned i = 0; i < 0x200; ++i) stage[i] = 0;
    arch::dma_wmb();
    const drivers::DmaStatus r = d.ep()->read(at, 0x200);
    const drivers::DmaStatus w = d.ep()->write(kStageIova, 0x200);
    arch::dma_rmb();
    unsigned same = 0;
    for (unsigned i = 0; i < 0x200; ++i) same += stage[i] == kit::pattern(0x51, i);
    t.check("dma.data", kSecondStageWalk, same == 0x200,
            "read of 512 bytes at iova 0x%llx across two pages (pa 0x%llx end, pa 0x%llx start): %u bytes right "
            "(read %s, write-back %s)",
            ull(at), ull(hi.pa), ull(lo.pa), same, drivers::to_string(r), drivers::to_string(w));
  });
}

VIOMMU_TEST(intel_vtd_pass_through, "intel-vtd.translation.pass_through", "intel-vtd,dma") {
  // A context entry with TT = 10b: requests are not translated (the domain's table, which maps the test IOVA
  // elsewhere, is not used). The endpoint's own memory at IOVA == PA.
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (!v->ecap().pt()) return t.skip("ECAP.PT = 0: no pass-through context entries");
  with_domain(t, widest_agaw(), 0x15, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage), other(kPage), stage(kPage);
    if (!page.pa || !other.pa || !stage.pa || !d.map(page.pa, other.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory");
    s::ContextEntry ce = d.context();
    ce.set_tt(static_cast<uint64_t>(s::TranslationType::kPassThrough));
    drivers::set_driver_iova(d.ep(), nullptr, nullptr);
    if (!d.set_context(ce)) return;
    if (!t.check("dma.status", kPassThrough, drivers::reset_endpoint(d.ep()),
                 "%s did not re-initialise with a pass-through context entry (rings at IOVA == PA)", d.ep()->name()))
      return;
    const auto p = predict(v, d.sid(), page.pa, kDeviceWrites);
    t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kPassThrough && p.pa == page.pa,
            "model: %s for pa 0x%llx", model::intel_vtd::to_string(p.outcome), ull(page.pa));
    kit::DmaProbe probe(t, d.ep(), kit::Staging{stage.pa, stage.pa, kPage}, kit::ProbeClauses{kPassThrough, kPassThrough});
    probe.expect_translated(kDeviceReads, page.pa + 0x200, page.pa + 0x200, 512, next_seed());
    probe.expect_translated(kDeviceWrites, page.pa + 0x600, page.pa + 0x600, 512, next_seed());
  });
}

VIOMMU_TEST(intel_vtd_disabled, "intel-vtd.translation.disabled_untranslated", "intel-vtd,dma") {
  // Translation off (GSTS.TES = 0, as after reset and init): the root table is set but DMA is not remapped; an
  // address reaches the same physical address.
  IntelVtd* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  if (!t.check("gsts.TES", kTranslationStatus, v->set_translation(false) && !v->gsts().tes(), "%s (GSTS 0x%x)",
               v->last_error(), v->gsts().value))
    return;
  const DmaBlock page(kPage), stage(kPage);
  if (!page.pa || !stage.pa) return t.error("no DMA memory");
  const auto p = predict(v, ep->rid(), page.pa, kDeviceReads);
  t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kPassThrough,
          "model: %s with TES = 0", model::intel_vtd::to_string(p.outcome));
  kit::DmaProbe probe(t, ep, kit::Staging{stage.pa, stage.pa, kPage}, kit::ProbeClauses{kTranslate, kTranslate});
  probe.expect_translated(kDeviceReads, page.pa + 0x100, page.pa + 0x100, 512, next_seed());
  probe.expect_translated(kDeviceWrites, page.pa + 0x900, page.pa + 0x900, 512, next_seed());
}
