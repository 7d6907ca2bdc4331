// DMA pool: naturally aligned power-of-two blocks found by scanning a page bitmap. The pool is small
// (64 MiB = 16384 pages), so a linear scan is cheap and there is no free-list state inside freed
// blocks to disturb the poison.
#include "kernel/dma_memory.h"

#include <cstdio>
#include <cstring>

namespace kernel {

namespace {
constexpr size_t kPage = 4096;
constexpr size_t kMaxPages = 16384;
uint8_t g_used[kMaxPages];  // 1 = page belongs to an allocated block
uint64_t g_base = 0;
size_t g_pages = 0;
size_t g_free = 0;

size_t round_pow2(size_t v) {
  size_t r = kDmaMinBlock;
  while (r < v) r <<= 1;
  return r;
}
}  // namespace

void DmaMemory::init(uint64_t base, size_t size) {
  g_base = base;
  g_pages = size / kPage < kMaxPages ? size / kPage : kMaxPages;
  g_free = g_pages * kPage;
  memset(g_used, 0, sizeof g_used);
  // Not poisoned here: alloc() zeroes each block anyway, and touching 64 MiB under TCG costs more
  // than the rest of the boot.
}

uint64_t DmaMemory::alloc(size_t size) {
  if (size == 0 || size > kDmaMaxBlock) return 0;
  const size_t bytes = round_pow2(size);
  const size_t pages = bytes / kPage;
  // Blocks are aligned to their size in physical address space; the pool base is 2 MiB aligned.
  for (size_t first = 0; first + pages <= g_pages; first += pages) {
    size_t i = 0;
    while (i < pages && !g_used[first + i]) ++i;
    if (i != pages) continue;
    memset(&g_used[first], 1, pages);
    g_free -= bytes;
    const uint64_t pa = g_base + first * kPage;
    memset(reinterpret_cast<void*>(pa), 0, bytes);
    return pa;
  }
  return 0;
}

void DmaMemory::free(uint64_t pa, size_t size) {
  if (!pa) return;
  const size_t bytes = round_pow2(size);
  if (pa < g_base || pa + bytes > g_base + g_pages * kPage || (pa - g_base) % bytes) {
    printf("# DmaMemory::free: bad block 0x%llx size 0x%zx\n", static_cast<unsigned long long>(pa), size);
    return;
  }
  memset(reinterpret_cast<void*>(pa), kPoison, bytes);
  memset(&g_used[(pa - g_base) / kPage], 0, bytes / kPage);
  g_free += bytes;
}

size_t DmaMemory::free_bytes() { return g_free; }
uint64_t DmaMemory::pool_base() { return g_base; }
size_t DmaMemory::pool_size() { return g_pages * kPage; }

bool GuardedBuffer::allocate(size_t len, size_t offset) {
  offset %= kPage;
  // [guard >= 4 KiB (one page + offset) | payload | guard >= kGuard]
  block_size_ = round_pow2(kPage + offset + len + kGuard);
  if (block_size_ > kDmaMaxBlock) return false;
  block_ = DmaMemory::alloc(block_size_);
  if (!block_) return false;
  payload_ = block_ + kPage + offset;
  len_ = len;
  memset(reinterpret_cast<void*>(block_), kCanary, block_size_);
  memset(reinterpret_cast<void*>(payload_), 0, len_);
  return true;
}

GuardedBuffer::~GuardedBuffer() { DmaMemory::free(block_, block_size_); }

bool GuardedBuffer::intact(long* damaged_at) const {
  const auto* b = reinterpret_cast<const uint8_t*>(block_);
  const size_t before = payload_ - block_;
  for (size_t i = 0; i < block_size_; ++i) {
    if (i >= before && i < before + len_) continue;
    if (b[i] != kCanary) {
      if (damaged_at) *damaged_at = static_cast<long>(i) - static_cast<long>(before);
      return false;
    }
  }
  return true;
}

void GuardedBuffer::fill(uint8_t seed) {
  for (size_t i = 0; i < len_; ++i) data()[i] = pattern(seed, i);
}

bool GuardedBuffer::matches(uint8_t seed, size_t* first_bad) const {
  for (size_t i = 0; i < len_; ++i) {
    if (data()[i] != pattern(seed, i)) {
      if (first_bad) *first_bad = i;
      return false;
    }
  }
  return true;
}

}  // namespace kernel
