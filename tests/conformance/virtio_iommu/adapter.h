// The kit's view of virtio-iommu (tests/kit/iommu.h): the shared property cases run over a Session, so every
// ATTACH/MAP/UNMAP they send is judged like any other request (status, tail), the model predicts every DMA
// (the oracle) and fault reports are compared with Session::expect_fault, field by field with the
// permitted answers of §5.13.6.9.
//
//   endpoint 0: virtio-blk, endpoint 1: edu (both on bus 0, behind the IOMMU, reading and writing)
//   domain 0, 1: domain IDs 1 and 2; a domain exists on the device from its first ATTACH on, so the maps
//                a case asks for before that are sent right after it (with the staging mapping and the
//                endpoint driver's own memory)
//   invalidate:  nothing to do: a MAP or UNMAP is in force once the device has answered it (§5.13.6.5,
//                §5.13.6.6); so for the benchmarks invalidate_batch and invalidate_all are nothing too
//   live move:   one ATTACH of the attached endpoint to the other domain (§5.13.6.3.2), which must exist
//                with its mappings first: prepare_move attaches endpoint 1 (edu) to it, so the ATTACH shares
//                the domain (the device MAY answer UNSUPP: the case is then skipped with that reason)
#pragma once

#include <cstddef>
#include <cstdint>

#include "tests/conformance/virtio_iommu/fixture.h"
#include "tests/kit/iommu.h"

namespace virtio_iommu_tests {

class KitAdapter final : public kit::Iommu {
 public:
  explicit KitAdapter(kernel::Test& t);

  bool ready() const override { return ready_; }
  drivers::DmaEndpoint* endpoint(unsigned i) override;
  kit::Domain* domain(unsigned i) override;
  kit::Staging staging() const override;
  uint64_t test_iova() const override { return kIova; }
  uint64_t page(unsigned i) override;
  kit::Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) override;
  void drain_faults() override;
  void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) override;
  const kit::ProbeClauses& clauses() const override;
  const kernel::Clause& invalidation_clause() const override { return kUnmapRemoves; }
  const kernel::Clause& isolation_clause() const override { return kIsolation; }
  const kernel::Clause& permission_clause() const override { return kMapNoWrite; }
  bool prepare_move(drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) override;
  const kit::MoveClauses& move_clauses() const override;
  // Off: MAP and UNMAP go through the driver's typed requests (a status other than OK is still a failure),
  // not through the Session, which runs the model on each and copies its state.
  void set_oracle(bool on) override { oracle_ = on; }

 private:
  class Dom final : public kit::Domain {
   public:
    bool attach(drivers::DmaEndpoint* ep) override;
    bool map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) override;
    bool unmap(uint64_t iova, uint64_t len) override;
    bool invalidate(uint64_t, uint64_t) override { return true; }
    bool invalidate_all() override { return true; }

   private:
    friend class KitAdapter;
    struct Pending {
      uint64_t iova, pa, len;
      uint32_t flags;
    };
    static constexpr size_t kMaxPending = 8;
    KitAdapter* io_ = nullptr;
    uint32_t id_ = 0;
    bool exists_ = false;  // attached at least once: MAP/UNMAP go to the device
    bool shared_ = false;  // an endpoint is attached: another ATTACH shares the domain
    unsigned driver_mapped_ = 0;  // bit i: endpoint(i)'s driver memory is mapped here
    Pending pending_[kMaxPending] = {};
    size_t n_pending_ = 0;
  };

  const Ep* ep_of(drivers::DmaEndpoint* dma);
  // Maps e's driver memory in domain d once.
  bool map_driver_memory(Dom& d, const Ep& e);

  Session s_;
  bool ready_ = false;
  bool oracle_ = true;
  Ep ep_[2];
  Dom dom_[2];
  Buf staging_, pages_;
};

}  // namespace virtio_iommu_tests
