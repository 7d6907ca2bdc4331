// Device register access: one typed view over a physical MMIO window (identity mapped, device memory).
#pragma once

#include <cstdint>

namespace kernel {

class Mmio {
 public:
  Mmio() = default;
  explicit Mmio(uint64_t base) : base_(base) {}

  uint8_t read8(uint64_t off) const { return *reinterpret_cast<volatile uint8_t*>(base_ + off); }
  uint16_t read16(uint64_t off) const { return *reinterpret_cast<volatile uint16_t*>(base_ + off); }
  uint32_t read32(uint64_t off) const { return *reinterpret_cast<volatile uint32_t*>(base_ + off); }
  uint64_t read64(uint64_t off) const { return *reinterpret_cast<volatile uint64_t*>(base_ + off); }
  void write8(uint64_t off, uint8_t v) const { *reinterpret_cast<volatile uint8_t*>(base_ + off) = v; }
  void write16(uint64_t off, uint16_t v) const { *reinterpret_cast<volatile uint16_t*>(base_ + off) = v; }
  void write32(uint64_t off, uint32_t v) const { *reinterpret_cast<volatile uint32_t*>(base_ + off) = v; }
  void write64(uint64_t off, uint64_t v) const { *reinterpret_cast<volatile uint64_t*>(base_ + off) = v; }

  uint64_t base() const { return base_; }
  explicit operator bool() const { return base_ != 0; }

 private:
  uint64_t base_ = 0;
};

}  // namespace kernel
