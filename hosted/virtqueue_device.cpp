#include "hosted/virtqueue_device.h"

#include <atomic>

#include "hosted/device_bus.h"

namespace hosted {

namespace {
// §2.7.5 struct virtq_desc.
constexpr uint16_t kDescNext = 1, kDescWrite = 2, kDescIndirect = 4;
constexpr uint64_t kDescSize = 16;

bool read16(uint64_t pa, uint16_t* v) { return ram().read(pa, v, sizeof *v); }
}  // namespace

size_t Chain::readable_len() const {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) n += seg[i].device_writes ? 0 : seg[i].len;
  return n;
}

size_t Chain::writable_len() const {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) n += seg[i].device_writes ? seg[i].len : 0;
  return n;
}

void DeviceQueue::reset(uint16_t max_size) {
  size = max_size;
  enabled = false;
  desc = driver = device = 0;
  last_avail_ = used_idx_ = 0;
}

PopResult DeviceQueue::pop(Chain* out) {
  if (!enabled || size == 0) return PopResult::kEmpty;
  // §2.7.6 struct virtq_avail: flags, idx, ring[size].
  uint16_t avail_idx = 0;
  if (!read16(driver + 2, &avail_idx)) return PopResult::kBroken;
  if (avail_idx == last_avail_) return PopResult::kEmpty;
  // The ring entry is read only after the index that covers it (§2.7.13.3 from the device's side).
  std::atomic_thread_fence(std::memory_order_acquire);
  uint16_t head = 0;
  if (!read16(driver + 4 + 2 * uint64_t{static_cast<uint16_t>(last_avail_ % size)}, &head)) return PopResult::kBroken;
  ++last_avail_;
  out->head = head;
  out->count = 0;
  bool seen_writable = false;
  uint16_t i = head;
  // §2.7.5.2: a chain is at most `size` descriptors long (this also ends a looping chain).
  for (unsigned hops = 0;; ++hops) {
    if (i >= size || hops >= size || out->count == Chain::kMaxSegments) return PopResult::kBroken;
    uint64_t addr = 0;
    uint32_t len = 0;
    uint16_t flags = 0, next = 0;
    const uint64_t at = desc + kDescSize * i;
    if (!ram().read(at, &addr, 8) || !ram().read(at + 8, &len, 4) || !read16(at + 12, &flags) || !read16(at + 14, &next))
      return PopResult::kBroken;
    // VIRTIO_F_INDIRECT_DESC is not offered: the driver MUST NOT set the flag (§2.7.5.3.1).
    if (flags & kDescIndirect) return PopResult::kBroken;
    const bool writes = (flags & kDescWrite) != 0;
    // §2.7.4.2: device-writable descriptors come after every device-readable one.
    if (seen_writable && !writes) return PopResult::kBroken;
    seen_writable |= writes;
    out->seg[out->count++] = Chain::Segment{addr, len, writes};
    if (!(flags & kDescNext)) break;
    i = next;
  }
  return PopResult::kChain;
}

size_t DeviceQueue::gather(const Chain& c, uint8_t* dst, size_t cap) const {
  size_t n = 0;
  for (size_t i = 0; i < c.count && n < cap; ++i) {
    if (c.seg[i].device_writes) continue;
    const size_t take = c.seg[i].len < cap - n ? c.seg[i].len : cap - n;
    if (!ram().read(c.seg[i].addr, dst + n, take)) break;
    n += take;
  }
  return n;
}

bool DeviceQueue::scatter(const Chain& c, const uint8_t* src, size_t len) const {
  size_t n = 0;
  for (size_t i = 0; i < c.count && n < len; ++i) {
    if (!c.seg[i].device_writes) continue;
    const size_t put = c.seg[i].len < len - n ? c.seg[i].len : len - n;
    if (!ram().write(c.seg[i].addr, src + n, put)) return false;
    n += put;
  }
  return n == len;
}

bool DeviceQueue::push_used(const Chain& c, uint32_t len) {
  // §2.7.8 struct virtq_used: flags, idx, ring[size] of {le32 id, le32 len}.
  const uint64_t elem = device + 4 + 8 * uint64_t{static_cast<uint16_t>(used_idx_ % size)};
  const uint32_t id = c.head;
  if (!ram().write(elem, &id, 4) || !ram().write(elem + 4, &len, 4)) return false;
  // The element must be visible before the index that publishes it.
  std::atomic_thread_fence(std::memory_order_release);
  ++used_idx_;
  return ram().write(device + 2, &used_idx_, 2);
}

}  // namespace hosted
