#include "tests/conformance/intel_vtd/scalable_mode.h"

namespace intel_vtd_tests {

namespace {
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

IntelVtd* need_scalable(kernel::Test& t) {
  IntelVtd* v = need_iommu(t);
  if (v && !v->ecap().smts()) {
    t.skip("ECAP 0x%llx: SMTS=0, the unit offers no scalable mode (a legacy configuration)", ull(v->ecap().raw()));
    return nullptr;
  }
  return v;
}

bool ScalableMode::enter(Domain& d, const s::PasidEntry& pe) {
  if (!tables_.init(drivers::intel_vtd::bus_of(d.sid()))) {
    t_.error("no DMA memory for the scalable-mode tables");
    return false;
  }
  if (drivers::intel_vtd::devfn_of(d.sid()) >= s::kScalableContextEntries) {
    t_.error("%04x: devfn beyond the lower context table", d.sid());
    return false;
  }
  d_ = &d;
  tables_.set_context(drivers::intel_vtd::devfn_of(d.sid()), 0);
  tables_.set_pasid_entry(0, pe);
  t_.note("RTADDR 0x%llx TTM=01b; %04x: PASID 0 (RID_PASID) PGTT %llu (%s), P %llu, DID %llu, AW %llu",
          ull(tables_.root()), d.sid(), ull(pe.pgtt()), s::pgtt_name(pe.pgtt()), ull(pe.p()), ull(pe.did()),
          ull(pe.aw()));
  installed_ = true;
  d.set_staging_clause(translation_clause(pe));
  if (!t_.check("reg.GSTS.RTPS", kRootTablePointer, tables_.install(), "scalable root table 0x%llx: %s",
                ull(tables_.root()), v_->last_error()))
    return false;
  // Context cache, PASID cache, IOTLB: each cache before the ones filled from it.
  const bool qi = v_->queued_invalidation_enabled();
  return t_.check("invalidate.context", qi ? kQueueComplete : kCcmdComplete,
                  v_->invalidate_context(s::Granularity::kGlobal), "global context-cache invalidation after SRTP: %s",
                  v_->last_error()) &&
         t_.check("invalidate.pasid_cache", kQueueComplete,
                  drivers::intel_vtd::invalidate_pasid_cache_after_root_change(v_),
                  "global PASID-cache invalidation after SRTP (CAP.ESRTPS=0): %s", v_->last_error()) &&
         t_.check("invalidate.iotlb", v_->queued_invalidation_enabled() ? kQueueComplete : kIotlbComplete,
                  v_->invalidate_iotlb(s::Granularity::kGlobal), "global IOTLB invalidation after SRTP: %s",
                  v_->last_error());
}

const kernel::Clause& translation_clause(const s::PasidEntry& pe) {
  switch (pe.pgtt()) {
    case static_cast<uint64_t>(s::Pgtt::kFirstStage): return kSmFirstStage;
    case static_cast<uint64_t>(s::Pgtt::kPassThrough): return kSmPassThrough;
    default: return kSmSecondStage;
  }
}

bool ScalableMode::leave() {
  if (!installed_) return true;
  installed_ = false;
  if (d_) d_->set_staging_clause(kTranslate);
  d_ = nullptr;
  return t_.check("root.legacy", kernel::kSuite, drivers::intel_vtd::restore_legacy(v_),
                  "the legacy root table again: %s", v_->last_error());
}

s::PasidEntry second_stage(Domain& d) {
  s::PasidEntry pe;
  pe.set_p(1)
      .set_pgtt(static_cast<uint64_t>(s::Pgtt::kSecondStage))
      .set_aw(s::aw_for_agaw(d.agaw()))
      .set_did(d.did())
      .set_slptptr(d.pt().root());
  return pe;
}

IntelVtd* need_first_stage(kernel::Test& t) {
  IntelVtd* v = need_scalable(t);
  if (v && !v->ecap().flts()) {
    t.skip("ECAP 0x%llx: FLTS=0, no first-stage translation (QEMU 10.0 x-flts / 11.1 fsts are off in this "
           "configuration)", ull(v->ecap().raw()));
    return nullptr;
  }
  return v;
}

bool enter_first_stage(kernel::Test& t, ScalableMode& mode, Domain& d, const FirstStageTable& fs) {
  const s::PasidEntry pe = drivers::intel_vtd::first_stage_pasid_entry(fs, d.did(), mode.unit()->ecap().smpwcs());
  t.note("first stage: FLPTPTR 0x%llx, FLPM %llu, AW %llu, PWSNP %llu", ull(pe.flptptr()), ull(pe.flpm()),
         ull(pe.aw()), ull(pe.pwsnp()));
  return mode.enter(d, pe);
}

}  // namespace intel_vtd_tests
