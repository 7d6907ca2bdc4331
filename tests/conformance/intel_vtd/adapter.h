// The conformance kit's view of Intel VT-d (kit::Iommu, tests/kit/iommu.h), for the shared property cases
// (properties.cpp), on kit::TwoDomainAdapter (virtio-blk and edu on bus 0, the case's pages, one staging page):
// two legacy-mode domains of the widest AGAW, the reference model as the oracle, fault records compared with the
// model's field by field (fixture.h).
#pragma once

#include "tests/conformance/intel_vtd/fixture.h"
#include "tests/kit/two_domain_adapter.h"

namespace intel_vtd_tests {

class KitAdapter final : public kit::TwoDomainAdapter<IntelVtd, Domain> {
 public:
  explicit KitAdapter(kernel::Test& t);

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
};

}  // namespace intel_vtd_tests
