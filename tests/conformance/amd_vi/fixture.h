// Shared pieces of the amd-vi.* cases: the IOMMU (driver); the reference model mirroring its registers and
// reading the same guest memory; a v1 Domain (page table + DomainID) an endpoint is attached to, whose table
// also maps the endpoint driver's own DMA memory (virtqueues) at kDriverIova and a staging page at
// kStageIova; the DMA checks, made by the conformance kit's DmaProbe (tests/kit/dma_probe.h); and the
// field-by-field comparison of events with the model's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/amd_vi/amd_vi.h"
#include "drivers/iommu/amd_vi/page_table.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "model/amd_vi/iommu.h"
#include "tests/conformance/amd_vi/clauses.h"
#include "tests/kit/dma_probe.h"
#include "tests/kit/attachment.h"
#include "tests/kit/iommu.h"

namespace amd_vi_tests {

namespace s = ::spec::amd_vi;
using drivers::amd_vi::AmdVi;
using drivers::amd_vi::PageTable;
using enum kit::Direction;  // kDeviceReads, kDeviceWrites

// IOVA layout: test buffers below 1 MiB, the endpoint driver's rings from 1 MiB (all within Mode 1's
// 2 MiB reach, so every mode can map them).
inline constexpr uint64_t kDriverIova = 0x10'0000;
inline constexpr uint64_t kTestIova = 0x1'0000;   // 16 pages the cases map as they like
inline constexpr uint64_t kStageIova = 0xf'0000;  // the staging page every Domain maps
inline constexpr size_t kPage = 4096;

// The IOMMU or nullptr after t.skip().
AmdVi* need_iommu(kernel::Test& t);
// The n-th endpoint called `name` on bus 0, or nullptr after t.skip().
drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n = 0);

// The model, its registers mirrored from the device's (device table base, control) on every call.
model::amd_vi::Iommu& model_of(AmdVi* iommu);
// What the model says a request from `devid` at `iova` does (uncached walk: the state after invalidation).
model::amd_vi::Result predict(AmdVi* iommu, uint16_t devid, uint64_t iova, kit::Direction d);

using kernel::DmaBlock;

// Who makes a DMA: the endpoint, the DeviceID its requests carry, and the staging area it reaches (the
// DmaProbe loads the device and reads it back through it; empty when the DTE under test blocks every
// access: a blocked write then writes whatever the device holds).
struct Requester {
  drivers::DmaEndpoint* ep = nullptr;
  uint16_t devid = 0;
  kit::Staging staging{};
};

// A fresh v1 domain, and the endpoint attached to it (its DTE points at the table). The kit's Domain too.
class Domain final : public kit::Domain {
 public:
  // The table (Mode `mode`, DomainID `id`) with the staging page mapped at kStageIova: `stage_pa` (the
  // caller's, shared with other domains) or, when 0, a page of its own. No endpoint yet. Does nothing
  // without an IOMMU.
  Domain(kernel::Test& t, AmdVi* iommu, unsigned mode, uint16_t id, uint64_t stage_pa = 0);
  // ... and `ep` attached.
  Domain(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, unsigned mode, uint16_t id);
  ~Domain();
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  bool ready() const { return ready_; }           // the table and the staging page exist
  bool ok() const { return at_.attached; }        // ... and an endpoint is attached
  PageTable& pt() { return pt_; }
  drivers::DmaEndpoint* ep() const { return at_.ep; }
  uint16_t devid() const { return at_.devid; }
  uint16_t id() const { return id_; }
  uint64_t stage_pa() const { return stage_; }
  kit::Staging staging() const { return {kStageIova, stage_, kPage}; }
  Requester requester() const { return {at_.ep, at_.devid, staging()}; }
  // Rewrites the DTE (e.g. V/TV/IR/IW experiments) and invalidates it and the domain's pages.
  bool set_dte(const s::Dte& d);
  s::Dte base_dte() const;

  // kit::Domain: one endpoint per domain; map/unmap in 4 KiB pages; invalidate with INVALIDATE_IOMMU_PAGES
  // per page and COMPLETION_WAIT. Benchmarks: invalidate_batch queues INVALIDATE_IOMMU_PAGES per page, or
  // (kRange) one with S = 1 over the naturally aligned power of two covering the range, then one
  // COMPLETION_WAIT; invalidate_all: INVALIDATE_IOMMU_PAGES S = 1 over every address + COMPLETION_WAIT.
  [[nodiscard]] bool attach(drivers::DmaEndpoint* ep) override;
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) override;
  [[nodiscard]] bool unmap(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate_batch(uint64_t iova, uint64_t len, kit::Inval how) override;
  [[nodiscard]] bool invalidate_all() override;

  // A live move to this domain (kit::hitless_move): first the endpoint driver's memory mapped at the IOVAs
  // every domain gives it (kDriverIova on), nothing attached; once the DTE points here, this domain takes the
  // endpoint over from `from` (which then releases nothing).
  [[nodiscard]] bool map_driver_memory(drivers::DmaEndpoint* ep);
  void take_over(Domain& from);

 private:
  void queue_pages(uint64_t address, bool s_bit);
  kernel::Test& t_;
  AmdVi* iommu_;
  PageTable pt_;
  uint16_t id_ = 0;
  bool ready_ = false, own_stage_ = false;
  kit::Attachment<uint16_t> at_{kDriverIova};  // the endpoint, its device ID, its driver's memory window
  uint64_t stage_ = 0;
};

// virtio-blk (bus 0) attached to a fresh v1 domain of Mode `mode`, DomainID `id`, then body(v, a). Nothing
// more when the IOMMU or the endpoint is missing (skipped) or the attachment failed (reported).
template <typename F>
void with_domain(kernel::Test& t, unsigned mode, uint16_t id, F&& body) {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Domain a(t, v, ep, mode, id);
  if (a.ok()) body(v, a);
}

// The device reads `len` bytes at src_iova and writes `len` bytes at dst_iova, which the model and the case
// say reach src_pa and dst_pa: DmaProbe::expect_translated each way (dma.status, dma.data, dma.canary)
// against `c`, the clause that says the IOVAs reach those pages, after the oracle checks.
bool expect_translated(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t src_iova, uint64_t src_pa,
                       uint64_t dst_iova, uint64_t dst_pa, size_t len, const kernel::Clause& c = kTranslate);

// A device read or write at iova that the model says is target aborted, `c` being the clause that says so:
// up to 512 bytes (to the end of iova's page). `victim_page` is the page the IOVA would reach were it not
// blocked (the same offset in it): DmaProbe::expect_terminated (dma.untouched, dma.no_leak).
void expect_blocked(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                    uint64_t victim_page, const kernel::Clause& c = kPermission);

// What a case accepts of an event besides the model's own: another EventCode the spec leaves open
// (then only DeviceID is compared), another Address (e.g. the request's address instead of the DTE's).
struct EventLeeway {
  s::EventCode alt_code = static_cast<s::EventCode>(0);
  const kernel::Clause* code_clause = &kEventTypeOpen;
  bool has_alt_address = false;
  uint64_t alt_address = 0;
  const kernel::Clause* address_clause = &kIllegalDteAddress;
};
// The leeway every ILLEGAL_DEV_TABLE_ENTRY gets: Address may be the request's (VirtualBox) or the DTE's
// (QEMU, the model).
inline EventLeeway illegal_dte_leeway(uint64_t request_address) {
  EventLeeway l;
  l.has_alt_address = true;
  l.alt_address = request_address;
  return l;
}

// expect_blocked plus: the first new event in the log equals the model's prediction field by field.
void expect_fault(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                  uint64_t victim_page, const kernel::Clause& c = kPermission, const EventLeeway& leeway = {});
// The log after a request from devid at iova (events drained before it): the model's event, field by
// field (event.logged + expect_event), or no event at all when the model logs none (event.none).
void expect_event_of(kernel::Test& t, AmdVi* iommu, uint16_t devid, uint64_t iova, kit::Direction d,
                     const EventLeeway& leeway = {});

// Field-by-field comparison of an event with the expected one: event.type, event.DeviceID,
// event.DomainID, event.PASID_19_16, event.Address (MUST), event.flags.<F> (SHOULD; RW of a not-present
// IO_PAGE_FAULT is open).
void expect_event(kernel::Test& t, const s::Event& expected, const s::Event& observed, const EventLeeway& leeway = {});
// Waits (bounded) for an event to appear and pops it; event.logged fails when none came.
bool next_event(kernel::Test& t, AmdVi* iommu, s::Event& e);

}  // namespace amd_vi_tests
