#include "tests/conformance/intel_vtd/adapter.h"

namespace intel_vtd_tests {

namespace {
// Domain-ids of the kit's two domains (the other cases use 0x10..0x42).
constexpr uint16_t kKitDomain0 = 0x81;  // and 0x82
// A translated access reaches the page the second-stage table maps; a terminated one (no leaf, no permission) is
// blocked.
constexpr kit::ProbeClauses kProbeClauses{kSecondStageWalk, kPermission};

}  // namespace

KitAdapter::KitAdapter(kernel::Test& t)
    : TwoDomainAdapter(t, need_iommu(t), need_endpoint, {kStageIova, kTestIova},
                       [&](unsigned i, IntelVtd* v, uint64_t stage_pa) {
                         return Domain(t, v, widest_agaw(), static_cast<uint16_t>(kKitDomain0 + i), stage_pa);
                       }) {}

kit::Prediction KitAdapter::predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) {
  const auto r = intel_vtd_tests::predict(v_, ep->rid(), iova, d);
  kit::Prediction p;
  p.pa = r.pa;
  p.kind = r.ok() ? kit::Prediction::Kind::kTranslated
                  : (r.outcome == model::intel_vtd::Outcome::kFaulted ? kit::Prediction::Kind::kFault
                                                                      : kit::Prediction::Kind::kAbort);
  return p;
}

void KitAdapter::drain_faults() { v_->clear_faults(); }

void KitAdapter::expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t) {
  expect_fault_record_of(t_, v_, ep->rid(), iova, d);
}

const kit::ProbeClauses& KitAdapter::clauses() const { return kProbeClauses; }

bool KitAdapter::prepare_move(drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  return dom(to).map_driver_memory(ep);
}

bool KitAdapter::move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) {
  Domain& a = dom(from);
  Domain& b = dom(to);
  if (i == 0) {
    if (!v_->replace_context_entry_atomic(ep->rid(), b.context())) {
      t_.skip("no 16-byte atomic store of the context entry in this build (CMPXCHG16B)");
      return false;
    }
    return true;
  }
  const bool done = v_->flush_write_buffer() &&
                    v_->invalidate_context(s::Granularity::kSelective, a.did(), ep->rid()) &&
                    v_->invalidate_iotlb(s::Granularity::kDomain, a.did()) &&
                    v_->invalidate_iotlb(s::Granularity::kDomain, b.did());
  if (!t_.check("context.invalidate", kCcmdComplete, done, "context-cache (device %04x) / IOTLB (DID %u, %u): %s",
                ep->rid(), a.did(), b.did(), v_->last_error()))
    return false;
  b.take_over(a);
  return true;
}

const char* KitAdapter::move_step_name(unsigned i) const {
  static constexpr const char* kNames[2] = {
      "context entry replaced by one 16-byte atomic store (new SLPTPTR and DID)",
      "context-cache device-selective (the old DID, which a cached entry carries) + IOTLB domain-selective (old "
      "and new DID) invalidation"};
  return i < 2 ? kNames[i] : "?";
}

const kit::MoveClauses& KitAdapter::move_clauses() const {
  static constexpr kit::MoveClauses c{kStaleAllowed, kInvalidation, kInvalidation};
  return c;
}

}  // namespace intel_vtd_tests
