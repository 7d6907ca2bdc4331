// Shared pieces of the amd-vi.* cases: the IOMMU (driver), the reference model mirroring its registers
// and reading the same guest memory, and an RAII attachment of an endpoint to a v1 domain whose table
// also maps the endpoint driver's own DMA memory (virtqueues) at IOVA kDriverIova.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/amd-vi/amd_vi.h"
#include "drivers/iommu/amd-vi/page_table.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "model/amd_vi/iommu.h"
#include "tests/conformance/amd-vi/clauses.h"

namespace amdvi_tests {

namespace s = ::spec::amd_vi;
using drivers::amd_vi::AmdVi;
using drivers::amd_vi::PageTable;

// IOVA layout: test buffers below 1 MiB, the endpoint driver's rings from 1 MiB (all within Mode 1's
// 2 MiB reach, so every mode can map them).
inline constexpr uint64_t kDriverIova = 0x10'0000;
inline constexpr uint64_t kTestIova = 0x1'0000;
inline constexpr uint64_t kStageIova = 0xf'0000;  // a page every Attach maps, for staging data

// The IOMMU or nullptr after t.skip().
AmdVi* need_iommu(kernel::Test& t);
// The endpoint or nullptr after t.skip().
drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n = 0);

// The model, its registers mirrored from the device's (device table base, control) on every call.
model::amd_vi::Iommu& model_of(AmdVi* iommu);
// What the model says a request from `devid` at `iova` does (uncached walk: the state after invalidation).
model::amd_vi::Result predict(AmdVi* iommu, uint16_t devid, uint64_t iova, bool write);

// Endpoint attached to a fresh v1 domain.
class Attach {
 public:
  Attach(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, unsigned mode, uint16_t domain);
  ~Attach();
  bool ok() const { return ok_; }
  PageTable& pt() { return pt_; }
  uint16_t devid() const { return devid_; }
  uint16_t domain() const { return domain_; }
  // Rewrites the DTE (e.g. V/TV/IR/IW experiments) and invalidates it.
  bool set_dte(const s::Dte& d);
  s::Dte base_dte() const;
  uint64_t stage_pa() const { return stage_; }

 private:
  kernel::Test& t_;
  AmdVi* iommu_;
  drivers::DmaEndpoint* ep_;
  PageTable pt_;
  uint16_t devid_ = 0, domain_ = 0;
  bool ok_ = false;
  drivers::DmaRange ranges_[8] = {};
  size_t nranges_ = 0;
  uint64_t stage_ = 0;
  friend uint64_t driver_iova(void* ctx, uint64_t pa);
};

// Device reads `len` bytes at src_iova (from memory at src_pa) into its storage, then writes them to
// dst_iova (memory at dst_pa). Checks (dma.status, dma.data) both DMAs succeed and dst holds the pattern,
// against `c` (the clause that says the IOVAs reach those pages). The model's predicted PAs for both
// IOVAs are checked first (oracle).
bool translated_roundtrip(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid,
                          uint64_t src_iova, uint64_t src_pa, uint64_t dst_iova, uint64_t dst_pa, size_t len,
                          const kernel::Clause& c = kTranslate);

// A device read (write=false) or write (write=true) of 512 bytes at iova that the model says is target
// aborted, `c` being the clause that says so. `victim_pa` is the memory the IOVA would reach were it not
// blocked: a blocked write must leave it unchanged (dma.untouched), a blocked read must not deliver its
// bytes to the device (dma.no_leak: checked by writing what the device read to the staging page through
// a valid mapping). Needs an Attach (staging page).
void expect_blocked(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid, uint64_t iova,
                    bool write, uint64_t victim_pa, uint64_t stage_pa, const kernel::Clause& c = kPermission);

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
void expect_fault(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid, uint64_t iova,
                  bool write, uint64_t victim_pa, uint64_t stage_pa, const kernel::Clause& c = kPermission,
                  const EventLeeway& leeway = {});

// Field-by-field comparison of an event with the expected one: event.type, event.DeviceID,
// event.DomainID, event.PASID_19_16, event.Address (MUST), event.flags.<F> (SHOULD; RW of a not-present
// IO_PAGE_FAULT is open).
void expect_event(kernel::Test& t, const s::Event& expected, const s::Event& observed, const EventLeeway& leeway = {});
// Waits (bounded) for an event to appear and pops it; event.logged fails when none came.
bool next_event(kernel::Test& t, AmdVi* iommu, s::Event& e);

}  // namespace amdvi_tests
