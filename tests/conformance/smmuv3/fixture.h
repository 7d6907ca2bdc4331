// Shared machinery of the smmuv3.* cases: a freshly initialised SMMU per case, the reference model as
// oracle over guest RAM, and "DMA then compare with the model" checks.
//
// Every DMA check asks the oracle (model::smmuv3::walk) for the outcome from the SMMU's live registers and
// the structures now in guest memory, runs the DMA from the endpoint, and compares: the output address and
// the bytes for a translation, the complete event record field by field for a fault, silence for an abort.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/iommu/smmuv3/domain.h"
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "kernel/test.h"
#include "model/guest_memory.h"
#include "model/smmuv3/walk.h"

namespace smmu_tests {

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
  // A fresh 64 KiB-aligned 64 KiB buffer (freed with the Env).
  uint64_t page64k();

  // Attaches ep to d with the endpoint driver's memory and the staging block identity mapped.
  bool attach(Domain& d, DmaEndpoint* ep);
  bool init_domain(Domain& d, const DomainConfig& c);

  uint32_t sid(DmaEndpoint* ep) const { return smmu->sid_of(ep->rid()); }
  model::smmuv3::Outcome predict(uint32_t sid, uint64_t iova, bool write) const;

  // Puts `len` bytes of pattern(seed) into the endpoint's storage (device reads staging). False + failure.
  bool load(DmaEndpoint* ep, size_t len, uint8_t seed);

 private:
  bool ready_ = false;
  uint64_t extra_[8] = {};
};

enum class Dir : uint8_t { kDeviceWrites, kDeviceReads };

// Runs one DMA of `len` bytes at iova and checks it against the oracle (see the file comment).
// `mapped_pa`: the address the test itself mapped iova to (0: the test expects no translation), checked
// against the oracle's output address so driver, test and model agree before the device is asked.
// Returns the oracle's outcome.
model::smmuv3::Outcome check_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa,
                                 size_t len = kLen, uint8_t seed = 0x3c);

// The event record comparison, field by field (only the fields the record type defines).
bool expect_event(kernel::Test& t, const spec::smmuv3::EventRecord& expected,
                  const spec::smmuv3::EventRecord& observed);

// Expects exactly one fault of the oracle's type (the device's DMA fails); convenience for the many
// fault cases: asserts the oracle predicts `type` first (the test's own hand derivation).
void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, spec::smmuv3::EventType type,
                  uint64_t mapped_pa = 0);
// Expects a translation to mapped_pa.
void expect_ok(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa);

const char* event_name(uint64_t type);

}  // namespace smmu_tests
