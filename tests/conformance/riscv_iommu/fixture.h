// Shared pieces of the riscv-iommu.* cases: the IOMMU (driver); the reference model reading the same guest
// memory with the device's ddtp, the oracle; a Domain an endpoint is attached to (a device context over the
// driver's first-stage, G-stage or nested tables), whose translating stage also maps the endpoint driver's own
// DMA memory (virtqueues) at kDriverIova and a staging page at kStageIova; the DMA checks, made by the
// conformance kit's DmaProbe (tests/kit/dma_probe.h); and the field-by-field comparison of fault records with
// the model's (kit::compare_record over the spec layer's fields).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/riscv_iommu/domain.h"
#include "drivers/iommu/riscv_iommu/riscv_iommu.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "model/riscv_iommu/iommu.h"
#include "tests/conformance/riscv_iommu/clauses.h"
#include "tests/kit/dma_probe.h"
#include "tests/kit/attachment.h"
#include "tests/kit/iommu.h"

namespace riscv_iommu_tests {

namespace s = ::spec::riscv_iommu;
namespace drv = ::drivers::riscv_iommu;
using drv::DomainConfig;
using drv::Perm;
using drv::RiscvIommu;
using drv::Stages;
using enum kit::Direction;  // kDeviceReads, kDeviceWrites

// IOVA layout: test buffers below 1 MiB, the endpoint driver's rings from 1 MiB, the staging page just below.
inline constexpr uint64_t kDriverIova = 0x10'0000;
inline constexpr uint64_t kTestIova = 0x1'0000;   // 16 pages the cases map as they like
inline constexpr uint64_t kStageIova = 0xf'0000;  // the staging page every Domain maps
inline constexpr size_t kPage = 4096;
// The length of a DMA a case expects terminated: short, as QEMU records each byte-sized request of a faulting DMA
// (§3.2 permits it) and a long one would fill the fault queue.
inline constexpr size_t kBlockedLen = 64;

// The IOMMU or nullptr after t.skip() (no such PCI function) or t.error() (its bring-up failed).
RiscvIommu* need_iommu(kernel::Test& t);
// The n-th endpoint called `name` behind the IOMMU, or nullptr after t.skip().
drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n = 0);

// The model with the device's fctl and ddtp (reset first: lookup() uses no cache, so nothing is lost).
model::riscv_iommu::Iommu& model_of(RiscvIommu* iommu);
model::riscv_iommu::Request request_of(uint32_t device_id, uint64_t iova, kit::Direction d);
// What the model says a request from `device_id` at `iova` does (uncached: the state after invalidation).
model::riscv_iommu::Result predict(RiscvIommu* iommu, uint32_t device_id, uint64_t iova, kit::Direction d);

using kernel::DmaBlock;

// Who makes a DMA: the endpoint, the device_id its requests carry, the staging area it reaches (empty when the
// context under test blocks every access).
struct Requester {
  drivers::DmaEndpoint* ep = nullptr;
  uint32_t devid = 0;
  kit::Staging staging{};
};

// A fresh domain and the endpoint attached to it (its device context points at the domain's tables); the
// kit's Domain too.
class Domain final : public kit::Domain {
 public:
  // The tables (DomainConfig: stages, schemes, PSCID, GSCID) with the staging page mapped at kStageIova:
  // `stage_pa` (the caller's, shared with other domains) or, when 0, a page of its own. No endpoint yet.
  // Does nothing without an IOMMU.
  Domain(kernel::Test& t, RiscvIommu* iommu, const DomainConfig& c, uint64_t stage_pa = 0);
  // ... and `ep` attached.
  Domain(kernel::Test& t, RiscvIommu* iommu, drivers::DmaEndpoint* ep, const DomainConfig& c);
  ~Domain();
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  bool ready() const { return ready_; }     // the tables and the staging page exist
  bool ok() const { return at_.attached; }  // ... and an endpoint is attached
  drv::Domain& drv() { return dom_; }
  drv::PageTable& pt() { return dom_.translating(); }
  drivers::DmaEndpoint* ep() const { return at_.ep; }
  uint32_t devid() const { return at_.devid; }
  uint64_t stage_pa() const { return stage_; }
  kit::Staging staging() const { return {kStageIova, stage_, kPage}; }
  Requester requester() const { return {at_.ep, at_.devid, staging()}; }
  // The device context this domain attaches with (the driver domain's); tests add bits to it.
  s::DeviceContext context() const { return dom_.context(); }
  // Rewrites the endpoint's device context (set_dc: V=0 first, the §6.3.1 invalidations, IOFENCE.C).
  [[nodiscard]] bool set_context(const s::DeviceContext& dc);

  // kit::Domain: one endpoint per domain; map/unmap in 4 KiB pages of the translating stage; invalidate with
  // the stage's IOTINVAL per page and IOFENCE.C. Benchmarks: invalidate_batch queues the IOTINVAL per page (no
  // range encoding in the base architecture), invalidate_all one IOTINVAL with AV=0, each with one IOFENCE.C.
  [[nodiscard]] bool attach(drivers::DmaEndpoint* ep) override;
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) override;
  [[nodiscard]] bool unmap(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate(uint64_t iova, uint64_t len) override;
  [[nodiscard]] bool invalidate_batch(uint64_t iova, uint64_t len, kit::Inval how) override;
  [[nodiscard]] bool invalidate_all() override;

  // A live move to this domain (kit::hitless_move): first the endpoint driver's memory mapped at the IOVAs
  // every domain gives it, nothing attached; once the DC points here, this domain takes the endpoint over from
  // `from` (which then releases nothing).
  [[nodiscard]] bool map_driver_memory(drivers::DmaEndpoint* ep);
  void take_over(Domain& from);

 private:
  kernel::Test& t_;
  RiscvIommu* iommu_;
  drv::Domain dom_;
  bool ready_ = false, own_stage_ = false;
  kit::Attachment<uint32_t> at_{kDriverIova};  // the endpoint, its device ID, its driver's memory window
  uint64_t stage_ = 0;
};

// virtio-blk attached to a fresh domain of configuration `c`, then body(iommu, domain). Nothing more when the
// IOMMU or the endpoint is missing (skipped) or the attachment failed (reported).
template <typename F>
void with_domain(kernel::Test& t, const DomainConfig& c, F&& body, const char* endpoint = "virtio-blk") {
  RiscvIommu* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, endpoint) : nullptr;
  if (!ep) return;
  Domain a(t, v, ep, c);
  if (a.ok()) body(v, a);
}

// A DomainConfig in one expression.
DomainConfig first_stage(const s::PagingScheme& scheme, uint32_t pscid);
DomainConfig g_stage(const s::PagingScheme& scheme, uint16_t gscid);
DomainConfig nested(const s::PagingScheme& first, const s::PagingScheme& second, uint32_t pscid, uint16_t gscid);
// The scheme a case needs, or nullptr after t.skip() when capabilities lacks it.
bool has_scheme(kernel::Test& t, RiscvIommu* iommu, const s::PagingScheme& scheme);

// The device reads `len` bytes at src_iova and writes `len` bytes at dst_iova, which the model and the case say
// reach src_pa and dst_pa: DmaProbe::expect_translated each way (dma.status, dma.data, dma.canary) against `c`,
// the clause that says the IOVAs reach those pages, after the oracle checks; then fault.none.
bool expect_translated(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t src_iova, uint64_t src_pa,
                       uint64_t dst_iova, uint64_t dst_pa, size_t len, const kernel::Clause& c = kFirstStage);

// A device read or write at iova the model says is terminated, `c` being the clause that says so: up to 512
// bytes (to the end of iova's page). `victim_page` is the page the IOVA would reach were it not blocked (the
// same offset in it; 0: none): DmaProbe::expect_terminated (dma.untouched, dma.no_leak).
void expect_blocked(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                    uint64_t victim_page, const kernel::Clause& c = kAbort);

// What a case accepts of a record besides the model's own (where the spec lets the device choose).
struct RecordLeeway {
  const kernel::Clause* cause_clause = &kFaultCause;  // the clause the CAUSE check rests on
  bool default_process_id = false;  // DC.tc.DPE supplied process_id 0: PV=1 (PID=0) accepted as well as PV=0
};

// expect_blocked plus: the first new record in the fault queue equals the model's field by field, then no
// more records but identical ones (fault.extra).
void expect_fault(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                  uint64_t victim_page, const kernel::Clause& c, const RecordLeeway& leeway = {});
// The queue after a request from devid at iova (records drained before it): the model's record, field by
// field (fault.logged + expect_record), or no record at all when the model reports none (fault.none).
void expect_record_of(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, uint64_t iova, kit::Direction d,
                      const RecordLeeway& leeway = {}, size_t len = kBlockedLen);
// Field-by-field comparison: fault.CAUSE, fault.TTYP, fault.DID, fault.PV, fault.PID, fault.PRIV, fault.iotval
// (page offset OPEN), fault.iotval2 for guest-page faults (page offset OPEN).
void expect_record(kernel::Test& t, const s::FaultRecord& expected, const s::FaultRecord& observed,
                   const RecordLeeway& leeway = {});
// The next record of `devid` in the queue, records of other devices taken and noted on the way (a device not
// under test may have made a DMA its context blocks: no evidence about the one under test). False when none.
bool pop_record_of(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, s::FaultRecord& r);
// Waits (bounded) for a record and pops it; fault.logged fails when none came.
bool next_record(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, s::FaultRecord& r,
                 const kernel::Clause& c = kFaultReported);
// After a record was checked: the rest of the queue holds only records of the same DMA, [iova, iova + len): the
// same fields but iotval, which names another request's address in it (a device splits a DMA into requests as
// it likes; §3.2 lets the IOMMU report an identical fault once or per request); fault.extra otherwise. Drains
// the queue.
void expect_only_same_dma(kernel::Test& t, RiscvIommu* iommu, const s::FaultRecord& first, uint64_t iova, size_t len);
// ddtp in `mode` (through Off, keeping the DDT root) for the life of the object; the driver's mode restored on
// the way out (through Off again) with every cache invalidated. ok() false after t.error when a switch failed.
class DdtpMode {
 public:
  DdtpMode(kernel::Test& t, RiscvIommu* iommu, s::IommuMode mode);
  ~DdtpMode();
  DdtpMode(const DdtpMode&) = delete;
  DdtpMode& operator=(const DdtpMode&) = delete;
  bool ok() const { return ok_; }

 private:
  kernel::Test& t_;
  RiscvIommu* iommu_;
  bool ok_ = false;
};

// The IOMMU Off with both queues off (what §5.4 asks before fctl changes) for the life of the object; queues and
// mode back on the way out.
class Quiesced {
 public:
  Quiesced(kernel::Test& t, RiscvIommu* iommu);
  ~Quiesced();
  Quiesced(const Quiesced&) = delete;
  Quiesced& operator=(const Quiesced&) = delete;
  bool ok() const { return ok_; }

 private:
  kernel::Test& t_;
  RiscvIommu* iommu_;
  bool ok_ = false;
};

// The command-queue state in one line, for diagnostics.
const char* cq_state(RiscvIommu* iommu);

unsigned long long ull(uint64_t v);
// A fresh pattern seed per probe, so that data left behind by an earlier DMA never matches.
uint8_t next_seed();

}  // namespace riscv_iommu_tests
