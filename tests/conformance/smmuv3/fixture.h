// Shared machinery of the smmuv3.* cases: a freshly initialised SMMU per case, the reference model as
// oracle over guest RAM, and "DMA then compare with the model" checks.
//
// Every DMA check asks the oracle (model::smmuv3::walk) for the outcome from the SMMU's live registers and
// the structures now in guest memory, runs the DMA from the endpoint through the kit's DmaProbe
// (tests/kit/dma_probe.h), and compares: the output address, the bytes and the canaries around them for a
// translation, the complete event record field by field for a fault (each field its own check ID, so that
// one wrong field does not hide the others), silence for an abort; a blocked write must leave memory
// untouched and a blocked read must deliver nothing.
//
// Check IDs (clauses in clauses.h): oracle (the case's own derivation vs the model, kSuite), dma.status,
// dma.data, dma.canary, dma.untouched, dma.no_leak, event.record, event.none, event.extra, event.<field> (event.type,
// event.StreamID, event.SSV, event.SubstreamID, event.Stall, event.PnU, event.InD, event.RnW, event.S2,
// event.CLASS, event.InputAddr, event.FetchAddr, event.IPA, event.NSIPA, event.TTRnW), cmdq.sync (a CMD_SYNC
// behind a configuration change or invalidation did not complete).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/iommu/smmuv3/domain.h"
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "kernel/test.h"
#include "model/guest_memory.h"
#include "model/smmuv3/walk.h"
#include "tests/conformance/smmuv3/clauses.h"
#include "tests/kit/dma_probe.h"

namespace smmuv3_tests {

using drivers::DmaEndpoint;
using drivers::smmuv3::Domain;
using drivers::smmuv3::DomainConfig;
using drivers::smmuv3::Options;
using drivers::smmuv3::RegOffset;
using drivers::smmuv3::Smmu;

// Test IOVAs live far from guest RAM (which is identity mapped for the endpoint drivers' rings).
inline constexpr uint64_t kIova = 0x10'0000'0000ull;  // 64 GiB
inline constexpr size_t kLen = 512;                    // one virtio-blk sector

class Env {
 public:
  // Skips the case (and ready() is false) without an SMMU or a virtio-blk endpoint; fails it when the
  // SMMU does not initialise.
  Env(kernel::Test& t, const Options& o = Options{});
  ~Env();
  bool ready() const { return ready_; }

  kernel::Test& t;
  Smmu* smmu = nullptr;
  DmaEndpoint* blk = nullptr;
  uint32_t blk_sid = 0;

  // A 64 KiB block: [0, 32K) staging for loading/unloading the endpoint's data, [32K, 64K) scratch targets.
  uint64_t staging = 0;
  // The IOVA the endpoint reaches the staging block at (identity unless a case relocates it, e.g. when its
  // input range excludes guest RAM).
  uint64_t staging_iova = 0;
  uint64_t target(unsigned i) const { return staging + 0x8000 + uint64_t{i} * 0x1000; }
  // A fresh 64 KiB-aligned 64 KiB buffer (freed with the Env); 0 (and an error reported) when out of memory.
  uint64_t page64k();
  // The staging block's first half as the kit's DmaProbe sees it.
  kit::Staging staging_area() const;
  // Whether the oracle lets sid's endpoint load from and write back to the staging block (false when the
  // case blocks the whole stream: the probe then has no staging area).
  bool reaches_staging(uint32_t sid, const model::smmuv3::Config& c) const;

  // Identity-maps in d what ep needs before its STE may point there: the endpoint driver's memory and the
  // staging block.
  bool prepare(Domain& d, DmaEndpoint* ep);
  // Attaches ep to d after prepare(d, ep).
  bool attach(Domain& d, DmaEndpoint* ep);
  bool init_domain(Domain& d, const DomainConfig& c);
  // Writes an STE (CFGI_STE + CMD_SYNC); a CMD_SYNC that does not complete is a failed `cmdq.sync` check.
  bool write_ste(uint32_t sid, const spec::smmuv3::Ste& s);
  // `ok` of a configuration/invalidation command sequence ending in CMD_SYNC, as the `cmdq.sync` check.
  bool synced(bool ok, const char* what);
  // A map/unmap the driver could not do (out of page-table memory): a suite error.
  bool mapped(bool ok, const char* what);

  uint32_t sid(DmaEndpoint* ep) const { return smmu->sid_of(ep->rid()); }
  // The oracle's inputs. The model's configuration: this SMMU's ID registers, so that the oracle obeys what the
  // SMMU advertises. The register state a translation depends on: what the driver wrote (Smmu::written), each
  // field the oracle uses checked against the device's read-back (reg.CR0, reg.CR2, reg.GBPA, reg.STRTAB_BASE,
  // reg.STRTAB_BASE_CFG) at every prediction, so that the oracle never judges a state the device does not have
  // without saying so.
  model::smmuv3::Config model_config() const;
  model::smmuv3::GlobalState global_state() const;
  model::smmuv3::Outcome predict(uint32_t sid, uint64_t iova, bool write) const;
  // The same under another model configuration (an OPEN choice taken the other way).
  model::smmuv3::Outcome predict(uint32_t sid, uint64_t iova, bool write, const model::smmuv3::Config& c) const;

  // Puts `len` bytes of pattern(seed) into the endpoint's storage (device reads staging). `quiet`: a failure
  // is returned, not reported.
  bool load(DmaEndpoint* ep, size_t len, uint8_t seed, bool quiet = false, const kernel::Clause& why = kTranslate);

 private:
  bool ready_ = false;
  uint64_t extra_[8] = {};
};

// The kit's one direction type (kDeviceWrites, kDeviceReads).
using Dir = kit::Direction;

// The clause a fault of this type rests on when a case names no more specific one (§7.3.x).
const kernel::Clause& fault_clause(spec::smmuv3::EventType type);

// Runs one DMA of `len` bytes at iova and checks it against the oracle (see the file comment). `why` is the
// clause that makes the predicted outcome required (the translation, the abort, the fault).
// `mapped_pa`: the address the test itself mapped iova to (0: the test expects no translation), checked
// against the oracle's output address so driver, test and model agree before the device is asked.
// Returns the oracle's outcome.
model::smmuv3::Outcome check_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa,
                                 const kernel::Clause& why, size_t len = kLen, uint8_t seed = 0x3c);

// OPEN: the specification permits each of `permitted[0..n)` (permitted[0] is the model's choice, predicted
// under configs[0], and so on; configs == nullptr: every outcome under the SMMU's own configuration). The
// device's outcome, seen from one DMA, must be one of them (check `id` under `c`, an OPEN clause), a pick other
// than the model's is a note, and the picked outcome is then checked in full as check_dma does, with a second
// DMA. `names[i]` describes permitted[i].
void check_dma_open(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa,
                    const model::smmuv3::Outcome* permitted, const model::smmuv3::Config* configs,
                    const char* const* names, size_t n, const char* id, const kernel::Clause& c);

// After a DMA the oracle says ends as `o`: the device's event records, compared field by field with the
// predicted one (event.record, event.<field>, event.extra), or none (event.none, under `why` for a
// termination without a record and kNoEventOnSuccess for a translation). `len`: the DMA's length (a device may
// split it and record each access). `sid`: the DMA's StreamID; another StreamID's record is another endpoint's
// access, noted and not judged.
void expect_records(Env& e, uint32_t sid, const model::smmuv3::Outcome& o, const kernel::Clause& why, size_t len);

// The event record comparison, field by field (only the fields the record type defines).
void expect_event(kernel::Test& t, const spec::smmuv3::EventRecord& expected,
                  const spec::smmuv3::EventRecord& observed);

// Expects exactly one fault of type `type` (the device's DMA fails): `oracle` checks that the model predicts
// it (the test's own hand derivation), then check_dma. Without `why`, fault_clause(type).
void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, spec::smmuv3::EventType type,
                  uint64_t mapped_pa, const kernel::Clause& why);
void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, spec::smmuv3::EventType type,
                  uint64_t mapped_pa = 0);
// Expects a translation to mapped_pa.
void expect_ok(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa,
               const kernel::Clause& why = kTranslate);
// Expects a silent termination (no event): STE.Config abort, GBPA.ABORT, CD.R = 0.
void expect_abort(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const kernel::Clause& why,
                  size_t len = kLen);

using spec::smmuv3::event_name;

}  // namespace smmuv3_tests
