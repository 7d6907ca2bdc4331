// The conformance kit's view of AMD-Vi (kit::Iommu, tests/kit/iommu.h), for the shared property cases
// (properties.cpp): endpoints virtio-blk (0) and edu (1), both on bus 0, so that isolation is judged on
// DeviceIDs the IOMMU looks up like any other (the bridged endpoint has its own amd-vi.bridge.* cases); two v1
// Mode-3 domains sharing one staging page; the reference model as the oracle; events compared with the
// model's field by field (fixture.h: expect_event_of).
#pragma once

#include "tests/conformance/amd_vi/fixture.h"
#include "tests/kit/two_domain_adapter.h"

namespace amd_vi_tests {

// Endpoints, pages, staging page and the two domains: kit::TwoDomainAdapter.
class KitAdapter final : public kit::TwoDomainAdapter<AmdVi, Domain> {
 public:
  explicit KitAdapter(kernel::Test& t);

  kit::Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) override;
  void drain_faults() override;
  void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) override;
  const kit::ProbeClauses& clauses() const override;
  const kernel::Clause& invalidation_clause() const override { return kInvalidatePages; }
  const kernel::Clause& isolation_clause() const override { return kDeviceId; }
  const kernel::Clause& permission_clause() const override { return kPermission; }
  // The live move: DTE quadword 0 (Page Table Root, under the old DomainID), quadword 1 (DomainID), then
  // INVALIDATE_DEVTAB_ENTRY, INVALIDATE_IOMMU_PAGES of the old DomainID (it cached walks of the new table
  // between the two stores) and COMPLETION_WAIT.
  bool prepare_move(drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  unsigned move_steps() const override { return 3; }
  bool move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  const char* move_step_name(unsigned i) const override;
  const kit::MoveClauses& move_clauses() const override;
};

}  // namespace amd_vi_tests
