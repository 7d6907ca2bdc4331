#include "drivers/virtio/split_queue.h"

#include <cstring>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace virtio {

namespace {
constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
}  // namespace

bool SplitQueue::allocate(uint16_t size) {
  if (mem_ != 0) return size == size_;
  if (size == 0 || size > kMaxSize || (size & (size - 1)) != 0) return false;
  // §2.7 alignment: descriptor table 16, available ring 2, used ring 4.
  const size_t desc_bytes = size_t{16} * size;
  const size_t avail_bytes = 6 + size_t{2} * size;
  const size_t used_bytes = 6 + size_t{8} * size;
  avail_off_ = desc_bytes;
  used_off_ = align_up(avail_off_ + avail_bytes, 4);
  mem_len_ = used_off_ + used_bytes;
  if (mem_len_ < kernel::kDmaMinBlock) mem_len_ = kernel::kDmaMinBlock;
  mem_ = kernel::DmaMemory::alloc(mem_len_);
  if (mem_ == 0) return false;
  size_ = size;
  reset_rings();
  return true;
}

void SplitQueue::free() {
  if (mem_ != 0) kernel::DmaMemory::free(mem_, mem_len_);
  mem_ = 0;
  size_ = 0;
}

void SplitQueue::reset_rings() {
  memset(reinterpret_cast<void*>(mem_), 0, mem_len_);
  avail_idx_ = 0;
  last_used_idx_ = 0;
  head_ = 0;
  avail()->flags = interrupts_ ? 0 : AvailRingHeader::kNoInterrupt;
}

bool SplitQueue::submit_at(uint16_t first, const Buffer* bufs, size_t n) {
  if (n == 0 || first >= size_ || n > size_t{size_} - first) return false;
  Descriptor* d = desc() + first;
  for (size_t i = 0; i < n; ++i) {
    d[i].addr = bufs[i].addr;
    d[i].len = bufs[i].len;
    d[i].flags = static_cast<uint16_t>((bufs[i].device_writes ? Descriptor::kWrite : 0) |
                                       (i + 1 < n ? Descriptor::kNext : 0));
    d[i].next = static_cast<uint16_t>(i + 1 < n ? first + i + 1 : 0);
  }
  head_ = first;
  avail_ring()[avail_idx_ % size_] = head_;
  // §2.7.13.3: the ring entry (and the descriptors) must be visible before the index that publishes them.
  arch::dma_wmb();
  ++avail_idx_;
  avail()->idx = avail_idx_;
  // The index must be visible before the doorbell the caller writes next (§2.7.13.4).
  arch::mb();
  return true;
}

bool SplitQueue::has_used() const { return *used_idx() != last_used_idx_; }

UsedElem SplitQueue::pop_used() {
  // §2.7.14: read the element only after observing the index that covers it.
  arch::dma_rmb();
  volatile UsedElem& e = used_ring()[last_used_idx_ % size_];
  UsedElem out{e.id, e.len};
  ++last_used_idx_;
  return out;
}

}  // namespace virtio
