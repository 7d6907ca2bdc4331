// The only way a reference model reads or writes guest memory.
//
// Every access is bounds-checked by the implementation: an access outside guest RAM returns false, which
// the models turn into the architecture's external-abort outcome (SMMUv3 F_WALK_EABT / F_STE_FETCH /
// F_CD_FETCH, AMD-Vi PAGE_TAB_HARDWARE_ERROR, ...). A model never dereferences a guest address itself.
// Freestanding-clean: no exceptions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace model {

class GuestMemory {
 public:
  // Copies len bytes at guest-physical address pa into dst. False (and dst unspecified) when any byte of
  // [pa, pa+len) is outside guest memory, including when pa+len wraps.
  virtual bool read(uint64_t pa, void* dst, size_t len) const = 0;
  virtual bool write(uint64_t pa, const void* src, size_t len) = 0;

  bool read64(uint64_t pa, uint64_t& v) const { return read(pa, &v, sizeof v); }
  bool read32(uint64_t pa, uint32_t& v) const { return read(pa, &v, sizeof v); }
  bool write64(uint64_t pa, uint64_t v) { return write(pa, &v, sizeof v); }
  bool write32(uint64_t pa, uint32_t v) { return write(pa, &v, sizeof v); }

 protected:
  ~GuestMemory() = default;
};

// Guest memory as one contiguous buffer mapped at [base, base + size): the hosted case (unit tests,
// fuzzers, hosted model runs) and the guest's own view of its RAM.
class FlatGuestMemory final : public GuestMemory {
 public:
  FlatGuestMemory(uint64_t base, uint8_t* bytes, size_t size) : base_(base), bytes_(bytes), size_(size) {}

  bool contains(uint64_t pa, size_t len) const {
    if (pa < base_) return false;
    const uint64_t off = pa - base_;
    return off <= size_ && len <= size_ - off;  // written so that no sum can wrap
  }
  bool read(uint64_t pa, void* dst, size_t len) const override {
    if (!contains(pa, len)) return false;
    std::memcpy(dst, bytes_ + (pa - base_), len);
    return true;
  }
  bool write(uint64_t pa, const void* src, size_t len) override {
    if (!contains(pa, len)) return false;
    std::memcpy(bytes_ + (pa - base_), src, len);
    return true;
  }
  uint64_t base() const { return base_; }
  size_t size() const { return size_; }
  uint8_t* bytes() const { return bytes_; }

 private:
  uint64_t base_;
  uint8_t* bytes_;
  size_t size_;
};

}  // namespace model
