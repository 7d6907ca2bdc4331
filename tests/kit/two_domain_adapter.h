// The part of a kit::Iommu (iommu.h) that is the same on every IOMMU whose adapter is two named endpoints in
// two fixture domains: endpoint 0 virtio-blk and endpoint 1 edu (found by the fixture's need_endpoint, once,
// on first use), the case's kPages pages (zeroed, contiguous), one staging page that both domains map at the
// same IOVA, the two domains themselves, and the error path of every index out of range. What stays the
// IOMMU's: its clauses, predict, the fault-record comparison, the move steps, and how a domain is made.
//
//   class KitAdapter final : public kit::TwoDomainAdapter<AmdVi, Domain> {
//    public:
//     explicit KitAdapter(kernel::Test& t)
//         : TwoDomainAdapter(t, need_iommu(t), need_endpoint, {kStageIova, kTestIova},
//                            [&](unsigned i, AmdVi* v, uint64_t stage_pa) { return Domain(t, v, 3, 0x81 + i, stage_pa); }) {}
//     ... predict, drain_faults, expect_fault_record, clauses, the move ...
//   };
//
// Dom is the fixture's domain (a kit::Domain with ready(): its tables and the staging page exist), built in
// place from what make_domain returns, so it need be neither copyable nor movable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "tests/kit/iommu.h"

namespace kit {

// Where the adapter's IOMMU puts the staging page and the test range in every domain (Iommu::staging,
// Iommu::test_iova).
struct AdapterIovas {
  uint64_t stage;
  uint64_t test;
};

// The fixture's "the n-th endpoint called `name`, or nullptr after t.skip()".
using NeedEndpoint = drivers::DmaEndpoint* (*)(kernel::Test& t, const char* name, unsigned n);

// Where need_endpoint looks: every endpoint, or those on bus 0 only (the configuration's own; endpoints behind a
// root port have cases of their own).
enum class Buses : uint8_t { kAll, kBus0 };
// The n-th endpoint called `name` whose DMA goes through the platform IOMMU, or nullptr after t.skip() saying why.
drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n, Buses where);

// What does not depend on the IOMMU's types: the endpoints, the pages, the staging page.
class AdapterResources : public Iommu {
 public:
  static constexpr unsigned kEndpoints = 2;  // also the number of domains
  static constexpr unsigned kPages = 8;      // Iommu::page: i < 8
  static constexpr size_t kPage = 4096;

  AdapterResources(const AdapterResources&) = delete;
  AdapterResources& operator=(const AdapterResources&) = delete;

  // Endpoint 0 is virtio-blk, 1 is edu; t.error for any other index.
  drivers::DmaEndpoint* endpoint(unsigned i) override;
  Staging staging() const override { return {iovas_.stage, stage_.pa, kPage}; }
  uint64_t test_iova() const override { return iovas_.test; }
  uint64_t page(unsigned i) override;

 protected:
  AdapterResources(kernel::Test& t, NeedEndpoint need, AdapterIovas iovas)
      : t_(t), need_(need), iovas_(iovas) {}
  ~AdapterResources() = default;
  // Once the domains exist: t.error when the staging page or the pages are missing (with an IOMMU: without
  // one the case is already skipped), the pages zeroed.
  void check_memory(bool have_iommu);
  bool memory_ready() const { return stage_.pa && pages_.pa; }
  // t.error for a domain index out of range.
  bool domain_index(unsigned i) const;

  kernel::Test& t_;
  // Declared before the derived class's domains, so freed after the domains detached the endpoints.
  kernel::DmaBlock stage_{kPage};           // the staging page, mapped at iovas.stage in both domains
  kernel::DmaBlock pages_{kPages * kPage};  // the case's pages, contiguous

 private:
  NeedEndpoint need_;
  AdapterIovas iovas_;
  drivers::DmaEndpoint* eps_[kEndpoints] = {};
};

template <typename Driver, typename Dom>
class TwoDomainAdapter : public AdapterResources {
 public:
  bool ready() const override { return v_ && memory_ready() && dom_[0].ready() && dom_[1].ready(); }
  Domain* domain(unsigned i) override { return domain_index(i) ? &dom_[i] : nullptr; }

 protected:
  // make_domain(i, iommu, stage_pa) returns domain i (by value) with the staging page stage_pa mapped;
  // iommu is nullptr (the domain does nothing) when there is no IOMMU or no staging page.
  template <typename MakeDomain>
  TwoDomainAdapter(kernel::Test& t, Driver* v, NeedEndpoint need, AdapterIovas iovas, MakeDomain&& make_domain)
      : AdapterResources(t, need, iovas),
        v_(v),
        dom_{make_domain(0u, usable(), stage_.pa), make_domain(1u, usable(), stage_.pa)} {
    check_memory(v_ != nullptr);
  }
  ~TwoDomainAdapter() = default;

  // The fixture's domain behind a kit::Domain the kit hands back (move steps).
  static Dom& dom(Domain& d) { return static_cast<Dom&>(d); }

  Driver* const v_;
  Dom dom_[kEndpoints];

 private:
  Driver* usable() const { return v_ && stage_.pa ? v_ : nullptr; }
};

}  // namespace kit
