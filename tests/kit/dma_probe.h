// The conformance kit's DMA probe, shared by every IOMMU's cases: moves a known pattern through an endpoint
// at an IO virtual address and judges what the IOMMU did with it, from memory alone.
//
//   translated:  the DMA completes (dma.status), the bytes arrive at the translated address or are delivered
//                to the device from it (dma.data; with Staging::preload_reads the device first holds other
//                bytes), and the bytes around the target are untouched (dma.canary).
//   terminated:  a device write leaves the memory it would have reached untouched (dma.untouched); a device
//                read delivers none of that memory's bytes to the device (dma.no_leak), seen by loading other
//                bytes into the device first and writing what it holds afterwards back out through the
//                staging area. How the device reports a terminated request is the endpoint's business
//                (QEMU's virtio devices may even report success), so the probe notes the endpoint's status
//                and never judges it.
//
// The probe needs a staging area: memory the endpoint reaches through a mapping the case keeps valid,
// used to load the endpoint's storage before a device write and to read it back after a device read. A case
// whose translation context blocks every access has none (len 0): a terminated write then writes whatever
// the device holds, and a terminated read cannot be judged (a suite error).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/test.h"

namespace kit {

// One direction type for every IOMMU: what the endpoint does to memory.
enum class Direction : uint8_t {
  kDeviceReads,   // DmaEndpoint::read: memory -> device
  kDeviceWrites,  // DmaEndpoint::write: device -> memory
};
const char* to_string(Direction d);

// The one byte pattern the kit moves; seeds differ per DMA so stale data never matches.
constexpr uint8_t pattern(uint8_t seed, size_t i) { return static_cast<uint8_t>(seed + i * 7 + (i >> 8)); }

// Memory the endpoint reaches at `iova` (identity mapped for most cases), `pa` as the CPU sees it (len 0: none,
// see above).
struct Staging {
  uint64_t iova = 0;
  uint64_t pa = 0;
  size_t len = 0;
  // The device may also read the staging area before a translated device read: it is first loaded with other
  // bytes, so that stale data never passes for what the read delivered (off for a staging area the case maps
  // write-only).
  bool preload_reads = false;
};

// The IOMMU's clauses the probe's checks rest on (references: every check names a real clause).
struct ProbeClauses {
  const kernel::Clause& translated;  // a translated access reaches the output address
  const kernel::Clause& terminated;  // a terminated access has no effect on memory and returns no data
};

class DmaProbe {
 public:
  DmaProbe(kernel::Test& t, drivers::DmaEndpoint* ep, const Staging& staging, const ProbeClauses& c)
      : t_(t), ep_(ep), staging_(staging), c_(c) {}

  // Puts `len` bytes of pattern(seed) into the endpoint's storage through the staging area.
  [[nodiscard]] bool load(size_t len, uint8_t seed);

  // The IOMMU translates [iova, iova+len) to [pa, pa+len): checks dma.status, dma.data and dma.canary (the
  // rest of the 4 KiB pages around the target keep their bytes: those pages belong to the case, and the probe
  // restores them afterwards). False when a check failed.
  bool expect_translated(Direction d, uint64_t iova, uint64_t pa, size_t len, uint8_t seed);

  // The IOMMU may translate [iova, iova+len) to either of two targets (e.g. an old and a new translation
  // before an invalidation), each inside one 4 KiB page of its own: checks dma.status, dma.data (the DMA
  // reached exactly one of them) and dma.canary (the rest of both pages, the other target included, keeps its
  // bytes), all under `translated`. For a device read the two targets hold different patterns, so the bytes
  // read back name the one read. Returns 0 or 1, the target reached, or -1 (a check failed).
  int expect_translated_either(Direction d, uint64_t iova, uint64_t pa0, uint64_t pa1, size_t len, uint8_t seed);

  // The IOMMU terminates the access at iova. `victim_pa` is the memory the access would reach were it not
  // terminated (0 when none: there is then nothing the access could change or leak, and the case judges
  // it by the fault record alone). Checks dma.untouched or dma.no_leak.
  bool expect_terminated(Direction d, uint64_t iova, uint64_t victim_pa, size_t len, uint8_t seed);

 private:
  bool read_back(size_t len, drivers::DmaStatus* back);

  kernel::Test& t_;
  drivers::DmaEndpoint* ep_;
  Staging staging_;
  ProbeClauses c_;
};

}  // namespace kit
