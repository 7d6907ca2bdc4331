// The virtio-iommu.* cases' common ground: a Session resets the device, builds the reference model from
// what the device advertises and what the platform says (endpoint IDs, reserved regions), and then sends
// every request to both, checking the device's answer against the model's. DMA goes through an endpoint
// and its outcome (completion, data at the translated address, fault report field by field) is checked
// against model.translate_range().
//
// Test IOVAs live at kIova (64 GiB), far above guest RAM, so the identity mappings of the endpoint
// drivers' own memory (rings, request headers) never collide with them, and inside a 39-bit input_range
// (QEMU 10.0's default on q35).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/virtio-iommu/endpoint_id.h"
#include "drivers/iommu/virtio-iommu/virtio_iommu.h"
#include "kernel/test.h"
#include "model/virtio_iommu/device.h"

namespace viommu_tests {

namespace vi = drivers::virtio_iommu;
namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

inline constexpr uint64_t kIova = 0x10'0000'0000;
// Cases use domain IDs 1..kCaseDomains only (the session detaches every endpoint from them at its end).
inline constexpr uint32_t kCaseDomains = 9;
inline constexpr uint32_t kR = sv::ReqMap::kFlagRead, kW = sv::ReqMap::kFlagWrite, kMmio = sv::ReqMap::kFlagMmio;
inline constexpr uint32_t kRW = kR | kW;
inline constexpr mv::Access kDevReads = mv::Access::kRead;    // DmaEndpoint::read: the device reads memory
inline constexpr mv::Access kDevWrites = mv::Access::kWrite;  // DmaEndpoint::write: the device writes memory

// An endpoint behind the IOMMU with its endpoint ID.
struct Ep {
  drivers::DmaEndpoint* dma = nullptr;
  uint32_t id = 0;
  explicit operator bool() const { return dma != nullptr; }
};

// A DMA buffer of whole granules (zeroed at allocation, freed with the object).
class Buf {
 public:
  Buf() = default;
  ~Buf();
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  bool alloc(size_t len);
  uint64_t pa() const { return pa_; }
  size_t len() const { return len_; }
  uint8_t* data() const { return reinterpret_cast<uint8_t*>(pa_); }
  void fill(uint8_t seed) const;
  // Index of the first byte that differs from fill(seed) within [off, off+n), or -1.
  long mismatch(uint8_t seed, size_t off, size_t n) const;
  static uint8_t pattern(uint8_t seed, size_t i) { return static_cast<uint8_t>(seed ^ (i * 37 + (i >> 7))); }

 private:
  uint64_t pa_ = 0;
  size_t len_ = 0;
};

class Session {
 public:
  explicit Session(kernel::Test& t) : t_(t) {}
  ~Session();  // leaves the device reset with its boot bypass value: other groups see the boot state

  // Resets and initializes the device with `want` (device-specific features), builds the model. False
  // (after t.skip or a failed check) when the case cannot go on.
  bool begin(uint64_t want = vi::VirtioIommu::kWanted);
  // The endpoint called `name` (virtio-blk, virtio-rng, edu) with its ID; skips the case when absent.
  Ep need(const char* name);

  // Requests, each sent to the device and the model; the device's answer is checked against the
  // model's (completion, used length, status). Returns the device's status (0xff: none written).
  uint8_t attach(uint32_t domain, uint32_t ep, uint32_t flags = 0);
  uint8_t detach(uint32_t domain, uint32_t ep);
  uint8_t map(uint32_t domain, uint64_t va, uint64_t size, uint64_t pa, uint32_t flags);  // [va, va+size)
  uint8_t unmap(uint32_t domain, uint64_t va, uint64_t size);
  // Any request: `len` readable bytes already in dev().request_page(), a writable part of reply_len
  // bytes with the status at status_off. `what` names it in diagnostics.
  uint8_t exchange(const char* what, size_t len, uint32_t reply_len, uint32_t status_off);
  // Hand-built chains (descriptor split as given); the model sees the concatenated parts.
  uint8_t exchange_chain(const char* what, const vi::ChainPart* parts, size_t n, uint32_t status_off);

  // Attaches `ep` to `domain` and maps its driver's own DMA memory there at iova == pa (read/write),
  // checking every status. False when something failed (already reported).
  bool attach_with_driver_memory(const Ep& ep, uint32_t domain);
  // Maps the driver memory of `ep` into `domain` (iova == pa).
  bool map_driver_memory(const Ep& ep, uint32_t domain);

  // One DMA of `len` bytes at iova by `ep`, in direction `a`, checked against the model: completion when
  // the model allows every byte, otherwise an error completion and a fault report whose reason,
  // endpoint, address, F_ADDRESS and reserved fields match (direction flags too when check_direction).
  // Returns true when the DMA completed.
  bool dma(const Ep& ep, uint64_t iova, size_t len, mv::Access a, bool check_direction = false);
  // dma() of a device read of `src` (prefilled with seed) followed by a device write of the same bytes
  // at dst_iova; when both are allowed, the bytes must arrive at the model's translation of dst_iova.
  bool roundtrip(const Ep& ep, uint64_t src_iova, const Buf& src, uint64_t dst_iova, size_t len, uint8_t seed);
  // Checks that the next fault report matches `expected` (the model's), field by field.
  bool expect_fault(const mv::FaultRecord& expected, bool check_direction);
  // Checks no fault report is pending.
  bool expect_no_fault(const char* after);

  // Config write of `bypass` on device and model.
  void set_bypass(uint8_t v);

  vi::VirtioIommu& dev() { return *dev_; }
  mv::Device& model() { return model_; }
  uint64_t granule() const { return model_.granule(); }
  // Size of a test buffer: one granule (at least 4 KiB).
  size_t page() const { return granule() < 4096 ? 4096 : static_cast<size_t>(granule()); }
  kernel::Test& t() { return t_; }

 private:
  void resync_after_reset();  // the driver reset the device: reset the model to match

  kernel::Test& t_;
  vi::VirtioIommu* dev_ = nullptr;
  mv::Device model_;
  uint64_t want_ = 0;
  bool begun_ = false;
  static constexpr size_t kMaxNamed = 8;
  uint32_t named_[kMaxNamed] = {};  // endpoint IDs passed to attach(), detached again at the end
  size_t n_named_ = 0;
  uint32_t needed_[kMaxNamed] = {};  // endpoint IDs the case took with need(): its DMA masters
  size_t n_needed_ = 0;
  bool under_test(uint32_t endpoint) const;
};

// Boot value of config.bypass, read once before any case changed it.
uint8_t boot_bypass();

}  // namespace viommu_tests
