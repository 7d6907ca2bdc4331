// intel-vtd.scalable.*: scalable-mode DMA remapping (RTADDR.TTM = 01b, ECAP.SMTS): a scalable root entry (LP, the
// lower context table), a scalable context entry (PASID directory, RID_PASID = 0), one PASID directory entry and
// the PASID-table entry of PASID 0, which a request without PASID uses: PGTT = 010b (second stage: the domain's
// table), 100b (pass-through), or not present (a fault). Every case starts from the fixture's legacy attachment
// (edu: no ring in memory, so a blocked request breaks nothing of the endpoint's own), switches the unit to the
// scalable tables and puts the legacy table back before the domain goes (IntelVtd::recover() does it after an
// abort). These cases install fresh tables (new root pointer, then global context-cache, PASID-cache and IOTLB
// invalidation: ScalableMode) instead of editing present ones; live edits made visible by PASID-granular
// invalidation are pasid_invalidation.cpp's. PGTT = 001b (first stage): first_stage.cpp.
#include "kernel/arch.h"
#include "tests/conformance/intel_vtd/fixture.h"
#include "tests/conformance/intel_vtd/scalable_mode.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Scalable tables whose PASID-table entry for RID_PASID has P = 0 (Breakage: applied = installed, undone = the
// legacy table again).
struct PasidNotPresent final : Breakage {
  Domain& d;
  ScalableMode mode;
  PasidNotPresent(kernel::Test& t, IntelVtd* v, Domain& d_) : d(d_), mode(t, v) {}
  bool apply() override {
    s::PasidEntry pe = second_stage(d);
    pe.set_p(0);
    return mode.enter(d, pe);
  }
  bool undo() override { return mode.leave(); }
};

void pasid_not_present(kernel::Test& t, kit::Direction dir) {
  with_scalable_domain(t, 0x51, [&](IntelVtd* v, Domain& d) {
    const DmaBlock page(kPage);
    if (!page.pa || !d.map(kTestIova, page.pa, kPage, kit::Perm::kReadWrite)) return t.error("no memory");
    PasidNotPresent b(t, v, d);
    expect_blocked_while(t, v, d, b, dir, kTestIova + 0x300, page.pa, s::FaultReason::kSmPasidNotPresent,
                         kSmPasidNotPresent);
  });
}

}  // namespace

VIOMMU_TEST(intel_vtd_sm_second_stage, "intel-vtd.scalable.second_stage.rw", "intel-vtd,dma") {
  with_scalable_domain(t, 0x50, [&](IntelVtd* v, Domain& d) {
    if (!v->ecap().slts())
      return t.skip("ECAP 0x%llx: SLTS=0, no second-stage translation in scalable mode", ull(v->ecap().raw()));
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t src_iova = kTestIova, dst_iova = kTestIova + 5 * kPage;
    if (!d.map(src_iova, src.pa, kPage, kit::Perm::kReadWrite) || !d.map(dst_iova, dst.pa, kPage, kit::Perm::kReadWrite))
      return t.error("no memory for page tables");
    ScalableMode mode(t, v);
    if (!mode.enter(d, second_stage(d))) return;
    expect_translated(t, v, d, src_iova + 0x180, src.pa + 0x180, dst_iova + 0x340, dst.pa + 0x340, 512,
                      kSmSecondStage);
    // A page the second-stage table does not map: blocked with the scalable-mode reason the model gives.
    expect_fault(t, v, d, kTestIova + 9 * kPage + 0x80, kDeviceWrites, 0, kSmSecondStage, "fault.recorded_unmapped");
  });
}

VIOMMU_TEST(intel_vtd_sm_pass_through, "intel-vtd.scalable.pass_through", "intel-vtd,dma") {
  with_scalable_domain(t, 0x52, [&](IntelVtd* v, Domain& d) {
    if (!v->ecap().pt()) return t.skip("ECAP 0x%llx: PT=0, no pass-through", ull(v->ecap().raw()));
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    s::PasidEntry pe;
    // AW as for a second-stage entry (Linux sets it in its pass-through entries too), though PGTT=100b walks nothing.
    pe.set_p(1).set_pgtt(static_cast<uint64_t>(s::Pgtt::kPassThrough)).set_did(d.did()).set_aw(s::aw_for_agaw(d.agaw()));
    ScalableMode mode(t, v);
    v->clear_faults();
    if (!mode.enter(d, pe)) return;
    // Untranslated: the staging area at its own address, every address the physical one.
    const kit::Staging identity{d.stage_pa(), d.stage_pa(), kPage};
    for (kit::Direction dir : {kDeviceReads, kDeviceWrites}) {
      const uint64_t at = page.pa + (dir == kDeviceReads ? 0x200 : 0x900);
      const auto p = predict(v, d.sid(), at, dir);
      t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kPassThrough && p.pa == at,
              "model: %s at 0x%llx is %s to 0x%llx, the case expects pass-through", kit::to_string(dir), ull(at),
              model::intel_vtd::to_string(p.outcome), ull(p.pa));
      kit::DmaProbe probe(t, d.ep(), identity, kit::ProbeClauses{kSmPassThrough, kSmPassThrough});
      (void)probe.expect_translated(dir, at, at, 256, next_seed());
      expect_fault_record_of(t, v, d.sid(), at, dir);  // none: a record here names what the unit did instead
    }
  });
}

VIOMMU_TEST(intel_vtd_sm_pasid_np_write, "intel-vtd.scalable.pasid_not_present.write", "intel-vtd,dma") {
  pasid_not_present(t, kDeviceWrites);
}
VIOMMU_TEST(intel_vtd_sm_pasid_np_read, "intel-vtd.scalable.pasid_not_present.read", "intel-vtd,dma") {
  pasid_not_present(t, kDeviceReads);
}
