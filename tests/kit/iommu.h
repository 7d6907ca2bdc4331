// The conformance kit's view of one IOMMU: what the shared property cases (tests/kit/properties.h) need from
// it, and nothing else. Each IOMMU implements it once, in tests/conformance/<iommu_ns>/adapter.{h,cpp}, over its
// own driver, its own reference model (the oracle) and its own fault records.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/test.h"
#include "tests/kit/dma_probe.h"

namespace kit {

enum class Perm : uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3 };

// What the oracle (the IOMMU's reference model, over the structures now in guest memory) predicts for one
// access by one endpoint.
struct Prediction {
  enum class Kind : uint8_t {
    kTranslated,  // reaches pa
    kFault,       // terminated, with a fault record
    kAbort,       // terminated, silently
  };
  Kind kind = Kind::kAbort;
  uint64_t pa = 0;
  bool translated() const { return kind == Kind::kTranslated; }
};
const char* to_string(Prediction::Kind k);

// The clauses of a live move (kit::hitless_move), each a real clause of the IOMMU's.
struct MoveClauses {
  // After a step but the last: the device uses the old or the new translation (the structure it reads is valid
  // between single-copy-atomic stores; before the invalidation either entry may be cached). An OPEN clause
  // (the check fails outside {old, new}), or SHOULD where no sentence of the spec says so.
  const kernel::Clause& between;
  // After the last step: the new translation is used.
  const kernel::Clause& after;
  // After the last step: the old translation is not (the old page untouched).
  const kernel::Clause& old_gone;
};

// How a driver sends the invalidation of a range (benchmarks, Domain::invalidate_batch).
enum class Inval : uint8_t {
  kPerPage,  // one command per 4 KiB page
  kRange,    // the fewest commands the IOMMU's range encoding allows (per page where it has none)
};

// A translation context endpoints are attached to.
class Domain {
 public:
  [[nodiscard]] virtual bool attach(drivers::DmaEndpoint* ep) = 0;
  [[nodiscard]] virtual bool map(uint64_t iova, uint64_t pa, uint64_t len, Perm p) = 0;
  [[nodiscard]] virtual bool unmap(uint64_t iova, uint64_t len) = 0;
  // Makes every map/unmap of [iova, iova+len) since the last call visible to the device and waits for it
  // (SMMUv3: TLBI + CMD_SYNC; AMD-Vi: INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT; virtio-iommu: nothing, a
  // MAP/UNMAP request is complete when the device answers it).
  [[nodiscard]] virtual bool invalidate(uint64_t iova, uint64_t len) = 0;

  // What the benchmarks (tests/kit/bench.h) need beyond the properties: the invalidation of a range as a
  // driver batches it, the commands `how` says and one wait at the end (by default invalidate()), and the
  // invalidation of every translation of the domain with one wait, as a flush queue does when it fills
  // (false by default: the adapter has none; virtio-iommu: true, an UNMAP is complete when answered).
  [[nodiscard]] virtual bool invalidate_batch(uint64_t iova, uint64_t len, Inval how) {
    (void)how;
    return invalidate(iova, len);
  }
  [[nodiscard]] virtual bool invalidate_all() { return false; }
  // Commands and requests this domain sent the IOMMU so far (invalidations, waits, MAP/UNMAP requests);
  // page-table writes are memory, not operations.
  uint64_t ops() const { return ops_; }

 protected:
  ~Domain() = default;
  uint64_t ops_ = 0;
};

class Iommu {
 public:
  // False when the case cannot go on (already skipped or failed with the reason).
  virtual bool ready() const = 0;
  // Test endpoints: 0 and 1 are two different read/write DMA masters on bus 0, behind this IOMMU
  // (nullptr after t.skip when the machine lacks one).
  virtual drivers::DmaEndpoint* endpoint(unsigned i) = 0;
  // A fresh domain (i = 0, 1), the staging area mapped in it, owned by the adapter.
  virtual Domain* domain(unsigned i) = 0;
  // Memory every domain maps (see Domain) where the probe stages data.
  virtual Staging staging() const = 0;
  // An IOVA range every domain can map, 16 pages long, away from the staging area.
  virtual uint64_t test_iova() const = 0;
  // A 1 GiB-aligned IOVA window of 1 GiB every domain can map, away from everything else it maps (the
  // benchmarks' buffers).
  virtual uint64_t bulk_iova() const { return (test_iova() + (4ull << 30)) & ~((1ull << 30) - 1); }
  // Case-owned 4 KiB pages (i < 8), zeroed, freed with the adapter.
  virtual uint64_t page(unsigned i) = 0;
  // The oracle's prediction for ep at iova in direction d.
  virtual Prediction predict(drivers::DmaEndpoint* ep, uint64_t iova, Direction d) = 0;
  // Before a DMA the oracle terminates: forgets older fault records. After it: the device's record (or
  // its absence) is checked against the oracle's, field by field through the spec layer.
  virtual void drain_faults() = 0;
  virtual void expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, Direction d, size_t len) = 0;
  // Benchmarks (tests/kit/bench.h): off, map/unmap/invalidate go to the device as a driver sends them, without
  // the per-operation work of the oracle and of the request checks that follow them (predict() and the fault
  // checks are then not valid any more). By default there is none to leave out.
  virtual void set_oracle(bool on) { (void)on; }
  // The clauses the property checks rest on.
  virtual const ProbeClauses& clauses() const = 0;
  virtual const kernel::Clause& invalidation_clause() const = 0;  // after invalidation the old entry is gone
  virtual const kernel::Clause& isolation_clause() const = 0;     // a domain's mappings serve its endpoints only
  // A device write through a mapping that does not permit writes is terminated (by default the
  // invalidation clause: the read/write entry it replaced is gone).
  virtual const kernel::Clause& permission_clause() const { return invalidation_clause(); }

  // A live move (kit::hitless_move): `ep`, attached to `from` and translating, is attached to `to` the way the
  // IOMMU's architecture lets software do it without a state in which ep's DMA faults. prepare_move makes `to`
  // ready for ep (what ep's own driver needs mapped, the staging area) without changing what the device uses;
  // then move_steps() steps in order, move_step(i, ...) each: one single-copy-atomic store, one request, or
  // the invalidation that ends the move. move_step_name(i) says which, for diagnostics. Default: one step,
  // to.attach(ep), for an IOMMU where attaching is itself one atomic change. A step the device may refuse
  // (a permitted answer) ends the case as skipped, with the reason, and returns false.
  [[nodiscard]] virtual bool prepare_move(drivers::DmaEndpoint*, Domain&, Domain&) { return true; }
  virtual unsigned move_steps() const { return 1; }
  [[nodiscard]] virtual bool move_step(unsigned, drivers::DmaEndpoint* ep, Domain&, Domain& to) {
    return to.attach(ep);
  }
  virtual const char* move_step_name(unsigned) const { return "attach"; }
  virtual const MoveClauses& move_clauses() const = 0;

 protected:
  ~Iommu() = default;
};

}  // namespace kit
