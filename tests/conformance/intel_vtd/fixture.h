// Shared pieces of the intel-vtd.* cases: the unit (driver), the reference model reading the same guest memory as
// the oracle, a legacy-mode Domain (the driver's domain: DID + second-stage table) an endpoint is attached to
// through its context entry (source-id = the PCI BDF), whose table also maps the endpoint driver's own DMA memory
// at kDriverIova and a staging page at kStageIova; DMA checks by the kit's DmaProbe and fault records compared
// with the model's field by field (kit::compare_record). Translation is on (GSTS.TES) while a Domain has an
// endpoint attached, off again after the last one goes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/intel_vtd/domain.h"
#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "model/intel_vtd/iommu.h"
#include "tests/conformance/intel_vtd/clauses.h"
#include "tests/kit/dma_probe.h"
#include "tests/kit/attachment.h"
#include "tests/kit/iommu.h"

namespace intel_vtd_tests {

namespace s = ::spec::intel_vtd;
using drivers::intel_vtd::Access;
using drivers::intel_vtd::IntelVtd;
using kernel::DmaBlock;
using enum kit::Direction;  // kDeviceReads, kDeviceWrites

// IOVA layout: test buffers below 1 MiB, the endpoint driver's memory from 1 MiB (every AGAW reaches them).
inline constexpr uint64_t kDriverIova = 0x10'0000;
inline constexpr uint64_t kTestIova = 0x1'0000;   // 16 pages the cases map as they like
inline constexpr uint64_t kStageIova = 0xf'0000;  // the staging page every Domain maps
inline constexpr size_t kPage = 4096;

// The unit (abort clean-up registered) or nullptr after t.skip().
IntelVtd* need_iommu(kernel::Test& t);
// The n-th endpoint called `name` on bus 0, or nullptr after t.skip().
drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n = 0);
// True when CAP.SAGAW offers `agaw`; else t.skip() naming SAGAW.
bool need_agaw(kernel::Test& t, IntelVtd* v, unsigned agaw);
// The AGAWs the unit offers, widest last (39, 48, 57), and how many.
unsigned agaws(IntelVtd* v, unsigned out[3]);

// The model: reset to the unit's CAP/ECAP and the DMAR's HAW, the root table and TE as the unit has them.
model::intel_vtd::Iommu& model_of(IntelVtd* v);
// The model's uncached answer for a request from `sid` at iova (the state after invalidation).
model::intel_vtd::Result predict(IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction d);

// A legacy-mode domain (DID, `agaw`-bit second-stage table), and the one endpoint attached to it.
class Domain final : public kit::Domain {
 public:
  // The table with the staging page mapped at kStageIova (`stage_pa`, or a page of its own when 0). Nothing
  // attached yet. Does nothing without a unit.
  Domain(kernel::Test& t, IntelVtd* v, unsigned agaw, uint16_t did, uint64_t stage_pa = 0);
  // ... and `ep` attached.
  Domain(kernel::Test& t, IntelVtd* v, drivers::DmaEndpoint* ep, unsigned agaw, uint16_t did);
  ~Domain();
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  bool ready() const { return ready_; }    // table and staging page exist
  bool ok() const { return at_.attached; }  // ... and an endpoint is attached
  drivers::intel_vtd::Domain& drv() { return dom_; }
  drivers::intel_vtd::PageTable& pt() { return dom_.pt(); }
  drivers::DmaEndpoint* ep() const { return at_.ep; }
  uint16_t sid() const { return at_.devid; }
  uint16_t did() const { return dom_.did(); }
  unsigned agaw() const { return dom_.agaw(); }
  uint64_t stage_pa() const { return stage_; }
  kit::Staging staging() const { return {kStageIova, stage_, kPage}; }
  // What the staging page's translation rests on: GCMD.TE's sentence in legacy mode; a scalable-mode case sets the
  // clause of the PASID entry it installs (ScalableMode), so a device that blocks there is judged by that one.
  const kernel::Clause& staging_clause() const { return *staging_clause_; }
  void set_staging_clause(const kernel::Clause& c) { staging_clause_ = &c; }

  // The context entry this domain attaches its endpoint with (TT = 00b), and a rewrite of the endpoint's entry
  // (set_context_entry: context cache and IOTLB invalidated), reported as a suite problem when it fails.
  s::ContextEntry context() const { return dom_.context(); }
  [[nodiscard]] bool set_context(const s::ContextEntry& e);

  // kit::Domain: one endpoint per domain; map/unmap in 4 KiB pages; invalidate: page-selective IOTLB
  // invalidation per page (whichever interface is on).
  [[nodiscard]] bool attach(drivers::DmaEndpoint* ep) override;
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) override;
  [[nodiscard]] bool unmap(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate_all() override;

  // A live move to this domain (kit::hitless_move): first the endpoint driver's memory mapped at the IOVAs every
  // domain gives it (kDriverIova on), nothing attached; once the endpoint's context entry points here, this domain
  // takes the endpoint over from `from` (which then releases nothing).
  [[nodiscard]] bool map_driver_memory(drivers::DmaEndpoint* ep);
  void take_over(Domain& from);

 private:
  kernel::Test& t_;
  IntelVtd* v_;
  drivers::intel_vtd::Domain dom_;
  kit::Attachment<uint16_t> at_{kDriverIova};  // the endpoint, its source-id, its driver's memory window
  bool ready_ = false, own_stage_ = false;
  uint64_t stage_ = 0;
  const kernel::Clause* staging_clause_ = &kTranslate;
};

// Endpoint `name` attached to a fresh domain (AGAW `agaw`, DID `did`), then body(v, dom). Nothing more when the
// unit, the endpoint or the AGAW is missing (skipped) or the attachment failed (reported). virtio-blk by default;
// edu (no ring in memory: its DMA engine is programmed through registers) where a case breaks the endpoint's own
// root or context entry.
template <typename F>
void with_domain(kernel::Test& t, unsigned agaw, uint16_t did, F&& body, const char* name = "virtio-blk") {
  IntelVtd* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v && need_agaw(t, v, agaw) ? need_endpoint(t, name) : nullptr;
  if (!ep) return;
  Domain d(t, v, ep, agaw, did);
  if (d.ok()) body(v, d);
}
// The widest AGAW the unit offers (0 when none: callers skip through need_agaw).
unsigned widest_agaw();

// What a case changes to block the endpoint's every access (its root or context entry) and how it puts it back:
// each returns false (after reporting) when the change could not be made.
struct Breakage {
  virtual bool apply() = 0;
  virtual bool undo() = 0;

 protected:
  ~Breakage() = default;
};
// A DMA the model blocks (fault reason `reason`) while `b` is applied, when the staging area is unreachable too: the
// device is loaded through the staging area first, then `b` applied, the access made and the fault record compared
// with the model's, `b` undone, and then judged from memory: a blocked write left the victim page untouched
// (dma.untouched), a blocked read delivered none of its bytes (dma.no_leak: what the device holds, written back
// through the staging area, is not the victim's pattern).
void expect_blocked_while(kernel::Test& t, IntelVtd* v, Domain& d, Breakage& b, kit::Direction dir, uint64_t iova,
                          uint64_t victim_page, s::FaultReason reason, const kernel::Clause& c);

// The device reads len bytes at src_iova and writes len bytes at dst_iova, which the model and the case say reach
// src_pa and dst_pa (oracle), then DmaProbe::expect_translated each way (dma.status, dma.data, dma.canary) under `c`.
bool expect_translated(kernel::Test& t, IntelVtd* v, Domain& d, uint64_t src_iova, uint64_t src_pa, uint64_t dst_iova,
                       uint64_t dst_pa, size_t len, const kernel::Clause& c = kTranslate);
// One direction of the above.
bool expect_translated_one(kernel::Test& t, IntelVtd* v, Domain& d, kit::Direction dir, uint64_t iova, uint64_t pa,
                           size_t len, const kernel::Clause& c = kTranslate);

// A read or write at iova that the model says is blocked with a fault record: the DMA is terminated (dma.untouched /
// dma.no_leak against victim_page, the page the IOVA would reach, same offset) under `c`, then the unit's fault
// record is compared with the model's field by field (fault.*). Fault records are cleared first.
// `recorded_id` names the check that a record was made (a case that repeats a fault in another state names it apart).
void expect_fault(kernel::Test& t, IntelVtd* v, Domain& d, uint64_t iova, kit::Direction dir, uint64_t victim_page,
                  const kernel::Clause& c, const char* recorded_id = "fault.recorded");
// The unit's next fault record against the model's for a request from sid at iova (fault.recorded, then one check
// per field); `reason` names the fault reason the case derived, checked against the model first (oracle).
void expect_fault_record(kernel::Test& t, IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction dir,
                         s::FaultReason reason, const char* recorded_id = "fault.recorded");
// The unit's fault record (or its absence) after a request from sid at iova, against the model's: fault.recorded and
// the fields when the model records one, fault.none when it does not.
void expect_fault_record_of(kernel::Test& t, IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction dir);
// Field-by-field comparison (kit::compare_record over FaultRecord::defined_fields()); for a request `address` at or
// above CAP.MGAW bits also fault.FI.reserved (FI bits 63:MGAW are 0). In scalable mode PP=1 is accepted for a
// request without PASID (kFaultPpRidPasid).
void expect_record(kernel::Test& t, IntelVtd* v, const s::FaultRecord& expected, const s::FaultRecord& observed,
                   uint64_t address);

// Every probe moves a pattern of its own.
uint8_t next_seed();

}  // namespace intel_vtd_tests
