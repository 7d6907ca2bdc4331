// The kit's view of SMMUv3 (tests/kit/iommu.h): the shared property cases run over an Env, so the SMMU is
// freshly initialised per case, the reference model predicts every DMA from the structures in guest memory (the
// oracle) and event records are compared field by field with expect_records (the fixture's comparison).
//
//   endpoint 0: virtio-blk, endpoint 1: edu (both on bus 0 behind the SMMU, reading and writing)
//   domain 0, 1: stage-1 domains with ASIDs 1 and 2 (4 KiB granule, 48-bit VA), each mapping the staging
//                block and the endpoint driver's memory identity when an endpoint is attached
//   map:         4 KiB pages, nG; read/write (AP = 0b01) or read-only (AP = 0b11); stage 1 has no write-only
//   invalidate:  CMD_TLBI_NH_VA (Leaf = 1) per page + CMD_SYNC; a CMD_SYNC that does not complete is a
//                failed `cmdq.sync` check
//   live move:   STE word 0 (S1ContextPtr of the other domain's CD) in one 64-bit store, then CMD_CFGI_STE +
//                CMD_SYNC
//   benchmarks:  invalidate_batch: CMD_TLBI_NH_VA per page, or ranges (TG, NUM, SCALE) when SMMU_IDR3.RIL = 1,
//                then one CMD_SYNC; invalidate_all: CMD_TLBI_NH_ASID + CMD_SYNC
#pragma once

#include <cstddef>
#include <cstdint>

#include "tests/conformance/smmuv3/fixture.h"
#include "tests/kit/iommu.h"

namespace smmuv3_tests {

class KitAdapter final : public kit::Iommu {
 public:
  // nested: the domains translate in two stages (stage 2 identity over the DMA pool, DomainConfig::stage2);
  // skips the case where SMMU_IDR0.S2P = 0.
  explicit KitAdapter(kernel::Test& t, bool nested = false);

  bool ready() const override { return ready_; }
  drivers::DmaEndpoint* endpoint(unsigned i) override { return i < 2 ? ep_[i] : nullptr; }
  kit::Domain* domain(unsigned i) override;
  kit::Staging staging() const override { return e_.staging_area(); }
  uint64_t test_iova() const override { return kIova; }
  uint64_t page(unsigned i) override;
  kit::Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) override;
  void drain_faults() override { e_.smmu->drain_events(); }
  void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) override;
  const kit::ProbeClauses& clauses() const override;
  const kernel::Clause& invalidation_clause() const override { return kTlbiComplete; }
  const kernel::Clause& isolation_clause() const override { return kOwnTables; }
  const kernel::Clause& permission_clause() const override {
    return fault_clause(spec::smmuv3::EventType::kFPermission);
  }
  // The live move: both domains' STEs differ in STE word 0 only (S1ContextPtr), so the move is one 64-bit
  // store of that word (§3.21.3), then CMD_CFGI_STE + CMD_SYNC.
  bool prepare_move(drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  unsigned move_steps() const override { return 2; }
  bool move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  const char* move_step_name(unsigned i) const override;
  const kit::MoveClauses& move_clauses() const override;

 private:
  class Dom final : public kit::Domain {
   public:
    bool attach(drivers::DmaEndpoint* ep) override;
    bool map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) override;
    bool unmap(uint64_t iova, uint64_t len) override;
    bool invalidate(uint64_t iova, uint64_t len) override;
    bool invalidate_batch(uint64_t iova, uint64_t len, kit::Inval how) override;
    bool invalidate_all() override;

   private:
    friend class KitAdapter;
    bool command(const spec::smmuv3::Command& c);
    Env* e_ = nullptr;
    drivers::smmuv3::Domain d_;
    bool ready_ = false;
  };

  Env e_;
  bool ready_ = false;
  bool nested_ = false;
  drivers::DmaEndpoint* ep_[2] = {};
  Dom dom_[2];
  uint64_t pages_ = 0;
};

}  // namespace smmuv3_tests
