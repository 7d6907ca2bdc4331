// The conformance kit's view of the RISC-V IOMMU (kit::Iommu, tests/kit/iommu.h), for the shared property cases
// (properties.cpp): endpoints virtio-blk (0) and edu (1), two first-stage Sv39 domains (PSCIDs of their own)
// sharing one staging page, the reference model as the oracle (Iommu::lookup over the guest's tables), fault
// records compared with the model's field by field (fixture.h: expect_record_of).
#pragma once

#include "tests/conformance/riscv_iommu/fixture.h"
#include "tests/kit/two_domain_adapter.h"

namespace riscv_iommu_tests {

// Endpoints, pages, staging page and the two domains: kit::TwoDomainAdapter.
class KitAdapter final : public kit::TwoDomainAdapter<RiscvIommu, Domain> {
 public:
  explicit KitAdapter(kernel::Test& t);

  kit::Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) override;
  void drain_faults() override;
  void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) override;
  const kit::ProbeClauses& clauses() const override;
  const kernel::Clause& invalidation_clause() const override { return kIotinvalVma; }
  const kernel::Clause& isolation_clause() const override { return kDeviceContext; }
  const kernel::Clause& permission_clause() const override { return kLeafPermission; }
  // The live move: DC doubleword 3 (fsc: the new root, the PSCID still the old), doubleword 2 (ta: the new
  // PSCID), then IODIR.INVAL_DDT for the device, IOTINVAL.VMA for the old PSCID (it may have cached walks of the
  // new table between the two stores) and IOFENCE.C.
  bool prepare_move(drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  unsigned move_steps() const override { return 3; }
  bool move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  const char* move_step_name(unsigned i) const override;
  const kit::MoveClauses& move_clauses() const override;
};

}  // namespace riscv_iommu_tests
