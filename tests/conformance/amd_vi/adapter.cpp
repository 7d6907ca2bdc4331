#include "tests/conformance/amd_vi/adapter.h"

namespace amd_vi_tests {

namespace {
// DomainIDs of the kit's two domains (the other cases use 0x11..0x72).
constexpr uint16_t kKitDomain0 = 0x81, kKitDomain1 = 0x82;
// Probe clauses: a translated access reaches the page the v1 table maps; a terminated one (no present
// entry, no permission) is target aborted.
constexpr kit::ProbeClauses kProbeClauses{kTranslate, kPermission};

}  // namespace

KitAdapter::KitAdapter(kernel::Test& t)
    : TwoDomainAdapter(t, need_iommu(t), need_endpoint, {kStageIova, kTestIova},
                       [&t](unsigned i, AmdVi* v, uint64_t stage_pa) {
                         return Domain(t, v, 3, i == 0 ? kKitDomain0 : kKitDomain1, stage_pa);
                       }) {}

kit::Prediction KitAdapter::predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) {
  const auto r = amd_vi_tests::predict(v_, drivers::amd_vi::device_id_of(ep->rid()), iova, d);
  kit::Prediction p;
  if (r.ok()) {
    p.kind = kit::Prediction::Kind::kTranslated;
    p.pa = r.pa;
  } else {
    p.kind = r.has_event ? kit::Prediction::Kind::kFault : kit::Prediction::Kind::kAbort;
  }
  return p;
}

void KitAdapter::drain_faults() { v_->drain_events(); }

void KitAdapter::expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t) {
  // One access, one event (or none): the first event in the log against the model's.
  expect_event_of(t_, v_, drivers::amd_vi::device_id_of(ep->rid()), iova, d);
}

const kit::ProbeClauses& KitAdapter::clauses() const { return kProbeClauses; }

bool KitAdapter::prepare_move(drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  return dom(to).map_driver_memory(ep);
}

bool KitAdapter::move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) {
  Domain& a = dom(from);
  Domain& b = dom(to);
  const uint16_t devid = drivers::amd_vi::device_id_of(ep->rid());
  const s::Dte next = b.base_dte();
  if (i == 0) {
    // The two DTEs must differ in quadwords 0 and 1 only (translation fields; DomainID), or two stores do not
    // make the change.
    const s::Dte cur = v_->dte(devid);
    for (unsigned k = 2; k < 4; ++k)
      if (cur.words[k] != next.words[k]) {
        t_.error("the move is not two stores: DTE quadword %u differs (0x%llx, 0x%llx)", k,
                 static_cast<unsigned long long>(cur.words[k]), static_cast<unsigned long long>(next.words[k]));
        return false;
      }
  }
  if (i < 2) {
    v_->write_dte_qword(devid, i, next.words[i]);
    return true;
  }
  const bool done = v_->invalidate_devtab(devid) &&
                    v_->invalidate_pages(a.id(), s::InvalidateIommuPages::kAllAddress, true);
  if (!t_.check("cmd.sync", kCompletionWait, done,
                "INVALIDATE_DEVTAB_ENTRY (DeviceID 0x%04x) / INVALIDATE_IOMMU_PAGES (DomainID 0x%x) + "
                "COMPLETION_WAIT store missing",
                devid, a.id()))
    return false;
  b.take_over(a);
  return true;
}

const char* KitAdapter::move_step_name(unsigned i) const {
  static constexpr const char* kNames[3] = {
      "DTE quadword 0 stored: the new Page Table Root, DomainID still the old",
      "DTE quadword 1 stored: the new DomainID",
      "INVALIDATE_DEVTAB_ENTRY + INVALIDATE_IOMMU_PAGES (old DomainID) + COMPLETION_WAIT"};
  return i < 3 ? kNames[i] : "?";
}

const kit::MoveClauses& KitAdapter::move_clauses() const {
  static constexpr kit::MoveClauses c{kDteLiveStep, kDteChange, kDteChange};
  return c;
}

}  // namespace amd_vi_tests
