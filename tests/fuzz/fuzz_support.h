// Pieces the fuzz targets share: the input read as typed operands, and guest RAM that counts writes (so a
// target knows when the model itself changed memory, e.g. to tell when no cache can be stale).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/guest_memory.h"

namespace fuzz {

// The fuzzer's bytes, consumed front to back; take() fails (and consumes nothing) when too few are left.
struct Reader {
  const uint8_t* p;
  size_t n;
  template <typename T>
  bool take(T& out) {
    if (sizeof out > n) return false;
    memcpy(&out, p, sizeof out);
    p += sizeof out;
    n -= sizeof out;
    return true;
  }
};

// kSize bytes of RAM at kBase; every write (the target's and the model's) is counted.
template <uint64_t kBase, size_t kSize>
class CountingMemory final : public model::GuestMemory {
 public:
  bool read(uint64_t pa, void* dst, size_t len) const override { return flat_.read(pa, dst, len); }
  bool write(uint64_t pa, const void* src, size_t len) override {
    ++writes;
    return flat_.write(pa, src, len);
  }
  void clear() { memset(bytes_, 0, sizeof bytes_); }
  unsigned writes = 0;

 private:
  uint8_t bytes_[kSize] = {};
  model::FlatGuestMemory flat_{kBase, bytes_, kSize};
};

}  // namespace fuzz
