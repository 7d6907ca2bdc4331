// Split virtqueue (VIRTIO 1.2 §2.7): descriptor table, available (driver) ring, used (device) ring, all
// in one naturally aligned DmaMemory block that the driver owns for the life of the device.
//
// The drivers here keep one request in flight: submit() a chain, notify, wait_used(). A benchmark keeps
// several (submit_at(): each request owns a fixed run of descriptors, its head names it in the used ring).
// A request that timed out may still be pending in the device, so the queue is only reused after a device
// reset and reset_rings().
#pragma once

#include <cstddef>
#include <cstdint>

namespace virtio {

// §2.7.5 The Virtqueue Descriptor Table.
struct Descriptor {
  uint64_t addr;  // le64, a bus address (IOVA)
  uint32_t len;   // le32
  uint16_t flags; // le16
  uint16_t next;  // le16
  static constexpr uint16_t kNext = 1;
  static constexpr uint16_t kWrite = 2;     // device writes (otherwise device reads)
  static constexpr uint16_t kIndirect = 4;  // not used here
};
static_assert(sizeof(Descriptor) == 16);

// §2.7.6 The Virtqueue Available Ring: flags, idx, ring[size], used_event.
struct AvailRingHeader {
  uint16_t flags;
  uint16_t idx;
  static constexpr uint16_t kNoInterrupt = 1;  // VIRTQ_AVAIL_F_NO_INTERRUPT: we poll (unless asked otherwise)
};
// §2.7.8 The Virtqueue Used Ring: flags, idx, ring[size] of {id, len}, avail_event.
struct UsedElem {
  uint32_t id;   // head of the completed descriptor chain
  uint32_t len;  // bytes the device wrote into the chain's device-writable buffers
};
static_assert(sizeof(UsedElem) == 8);

// One buffer of a chain, with its address already as the device must see it.
struct Buffer {
  uint64_t addr;
  uint32_t len;
  bool device_writes;
};

class SplitQueue {
 public:
  static constexpr uint16_t kMaxSize = 64;  // enough for one request at a time; fits one 4 KiB block

  // Allocates the rings for `size` entries (a power of two <= kMaxSize). Once per queue.
  bool allocate(uint16_t size);
  void free();
  // Zeroes the rings and the driver's indices (after a device reset, before queue setup). The available ring's
  // flags ask for used buffer notifications only when set_interrupts(true) was called (§2.7.7: flags 0, "the
  // device MUST send a notification"); the default is VIRTQ_AVAIL_F_NO_INTERRUPT: the driver polls.
  void reset_rings();
  void set_interrupts(bool on) { interrupts_ = on; }

  uint16_t size() const { return size_; }
  uint64_t desc_pa() const { return mem_; }
  uint64_t driver_pa() const { return mem_ + avail_off_; }
  uint64_t device_pa() const { return mem_ + used_off_; }
  // The whole block the device reads and writes (for mapping it through an IOMMU).
  uint64_t mem_pa() const { return mem_; }
  size_t mem_len() const { return mem_len_; }

  // Writes `n` buffers as one descriptor chain from the free descriptors and publishes its head in the
  // available ring (§2.7.13). False when n is 0 or exceeds the free descriptors.
  bool submit(const Buffer* bufs, size_t n) { return submit_at(0, bufs, n); }
  // The same with the chain in descriptors [first, first + n), which the caller keeps apart from those of
  // every other request in flight.
  bool submit_at(uint16_t first, const Buffer* bufs, size_t n);
  // True once the device has returned a used element not yet consumed.
  bool has_used() const;
  // Consumes the next used element (call only after has_used()); reads it after arch::dma_rmb().
  UsedElem pop_used();
  uint16_t last_submitted_head() const { return head_; }

  // Notification address for this queue (§4.1.4.4), set by the transport at queue setup.
  void set_notify_addr(uint64_t a) { notify_addr_ = a; }
  uint64_t notify_addr() const { return notify_addr_; }

 private:
  Descriptor* desc() const { return reinterpret_cast<Descriptor*>(mem_); }
  volatile AvailRingHeader* avail() const { return reinterpret_cast<volatile AvailRingHeader*>(mem_ + avail_off_); }
  volatile uint16_t* avail_ring() const { return reinterpret_cast<volatile uint16_t*>(mem_ + avail_off_ + 4); }
  volatile uint16_t* used_idx() const { return reinterpret_cast<volatile uint16_t*>(mem_ + used_off_ + 2); }
  volatile UsedElem* used_ring() const { return reinterpret_cast<volatile UsedElem*>(mem_ + used_off_ + 4); }

  uint64_t mem_ = 0;
  size_t mem_len_ = 0;
  size_t avail_off_ = 0, used_off_ = 0;
  uint16_t size_ = 0;
  uint16_t avail_idx_ = 0;      // driver's copy of avail->idx
  uint16_t last_used_idx_ = 0;  // used elements consumed so far
  uint16_t head_ = 0;
  uint64_t notify_addr_ = 0;
  bool interrupts_ = false;
};

}  // namespace virtio
