// The conformance kit's view of Intel VT-d (kit::Iommu, tests/kit/iommu.h), for the shared property cases
// (properties.cpp): endpoints virtio-blk (0) and edu (1) on bus 0, two legacy-mode domains of the widest AGAW
// sharing one staging page, the reference model as the oracle, fault records compared with the model's field by
// field (fixture.h).
#pragma once

#include "tests/conformance/intel_vtd/fixture.h"
#include "tests/kit/iommu.h"

namespace intel_vtd_tests {

class KitAdapter final : public kit::Iommu {
 public:
  explicit KitAdapter(kernel::Test& t);
  KitAdapter(const KitAdapter&) = delete;
  KitAdapter& operator=(const KitAdapter&) = delete;

  bool ready() const override;
  drivers::DmaEndpoint* endpoint(unsigned i) override;
  kit::Domain* domain(unsigned i) override;
  kit::Staging staging() const override { return {kStageIova, stage_.pa, kPage}; }
  uint64_t test_iova() const override { return kTestIova; }
  uint64_t page(unsigned i) override;
  kit::Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) override;
  void drain_faults() override;
  void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) override;
  const kit::ProbeClauses& clauses() const override;
  const kernel::Clause& invalidation_clause() const override { return kInvalidation; }
  const kernel::Clause& isolation_clause() const override { return kIsolation; }
  const kernel::Clause& permission_clause() const override { return kPermission; }
  // The live move: the endpoint's 128-bit context entry replaced by one 16-byte atomic store (CMPXCHG16B: the new
  // SLPTPTR and DID together), then the device's context-cache entry and both domains' IOTLB entries invalidated.
  bool prepare_move(drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  unsigned move_steps() const override { return 2; }
  bool move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  const char* move_step_name(unsigned i) const override;
  const kit::MoveClauses& move_clauses() const override;

 private:
  static constexpr unsigned kPages = 8;
  kernel::Test& t_;
  IntelVtd* v_;
  // Declared before the domains, so freed after the domains detached the endpoints.
  DmaBlock stage_{kPage};           // the staging page, mapped at kStageIova in both domains
  DmaBlock pages_{kPages * kPage};  // the case's pages, contiguous
  drivers::DmaEndpoint* eps_[2] = {};
  Domain dom_[2];
};

}  // namespace intel_vtd_tests
