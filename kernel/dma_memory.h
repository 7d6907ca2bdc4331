// DMA memory: naturally aligned, physically contiguous blocks of 4 KiB .. 2 MiB from a reserved pool
// (a buddy allocator). Freed blocks are poisoned, so a device that keeps using a freed buffer, or a
// test that reads stale data, sees kPoison rather than plausible bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

inline constexpr uint8_t kPoison = 0x6b;
inline constexpr size_t kDmaMinBlock = 4096;
inline constexpr size_t kDmaMaxBlock = 2u << 20;

class DmaMemory {
 public:
  // A block of at least `size` bytes (rounded up to a power of two >= 4 KiB), aligned to its size,
  // zero filled. Returns 0 when the pool is exhausted or size > 2 MiB.
  static uint64_t alloc(size_t size);
  static void free(uint64_t pa, size_t size);
  template <typename T>
  static T* ptr(uint64_t pa) { return reinterpret_cast<T*>(pa); }  // identity mapped
  static size_t free_bytes();
  static void init(uint64_t base, size_t size);
  static uint64_t pool_base();
  static size_t pool_size();
};

// A buffer with canaries on both sides: [guard | payload | guard] inside one DMA block, so stray DMA
// just before or after the payload is detected rather than assumed away.
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 256;
  static constexpr uint8_t kCanary = 0xc3;
  // `offset` (0..4095) shifts the payload inside its page to test unaligned and page-crossing DMA.
  bool allocate(size_t len, size_t offset);
  ~GuardedBuffer();
  uint64_t pa() const { return payload_; }
  uint8_t* data() const { return reinterpret_cast<uint8_t*>(payload_); }
  size_t len() const { return len_; }
  // Index of the first damaged canary byte relative to the payload (negative: before), or 0 with
  // intact() true.
  bool intact(long* damaged_at = nullptr) const;
  void fill(uint8_t seed);  // deterministic pattern
  bool matches(uint8_t seed, size_t* first_bad = nullptr) const;
  static uint8_t pattern(uint8_t seed, size_t i) { return static_cast<uint8_t>(seed + i * 131 + (i >> 8)); }

 private:
  uint64_t block_ = 0;
  size_t block_size_ = 0;
  uint64_t payload_ = 0;
  size_t len_ = 0;
};

// A block of DMA memory for as long as its owner lives, e.g. one case (pa 0 when the pool had none), zero
// filled.
struct DmaBlock {
  explicit DmaBlock(size_t n) : size(n), pa(DmaMemory::alloc(n)) {}
  ~DmaBlock() {
    if (pa) DmaMemory::free(pa, size);
  }
  DmaBlock(const DmaBlock&) = delete;
  DmaBlock& operator=(const DmaBlock&) = delete;
  const size_t size;
  const uint64_t pa;
};

}  // namespace kernel
