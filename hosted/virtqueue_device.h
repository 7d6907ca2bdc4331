// The device side of a split virtqueue (VIRTIO 1.2 §2.7): what a VMM does with the rings a driver set up.
// pop() takes the next chain from the available ring and checks it against the chain rules of §2.7.4.2 and
// §2.7.5.2 (every descriptor index inside the table, no chain longer than the queue, every device-readable
// descriptor before the first device-writable one, no VIRTQ_DESC_F_INDIRECT without the feature); gather()
// and scatter() move the bytes of its readable and writable parts; push_used() returns it (§2.7.8).
// Rings and buffers are read through hosted::ram(), by guest-physical address: a virtio device's own
// queues are not behind an IOMMU here (the device is the IOMMU, or is not translated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hosted {

// One descriptor chain taken from the available ring.
struct Chain {
  static constexpr size_t kMaxSegments = 16;
  struct Segment {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
  };
  uint16_t head = 0;
  Segment seg[kMaxSegments];
  size_t count = 0;

  size_t readable_len() const;
  size_t writable_len() const;
};

enum class PopResult : uint8_t {
  kEmpty,   // the driver has published no chain we have not taken
  kChain,   // *out holds the next chain
  kBroken,  // the chain breaks §2.7.4.2/§2.7.5.2 (or leaves guest RAM): the device must be reset
};

class DeviceQueue {
 public:
  // §4.1.4.3 queue registers, as the driver programs them through the common configuration.
  uint16_t size = 0;
  bool enabled = false;
  uint64_t desc = 0, driver = 0, device = 0;

  // Back to the state after a device reset: no rings, nothing taken or returned.
  void reset(uint16_t max_size);

  PopResult pop(Chain* out);
  // Copies up to `cap` bytes of the chain's readable part, in chain order; returns how many.
  size_t gather(const Chain& c, uint8_t* dst, size_t cap) const;
  // Writes `len` bytes into the chain's writable part, in chain order (len <= writable_len()).
  bool scatter(const Chain& c, const uint8_t* src, size_t len) const;
  // §2.7.8: the used element {head, len}, then the used index that publishes it.
  bool push_used(const Chain& c, uint32_t len);

 private:
  uint16_t last_avail_ = 0;  // available ring entries taken so far
  uint16_t used_idx_ = 0;    // used ring entries returned so far
};

}  // namespace hosted
