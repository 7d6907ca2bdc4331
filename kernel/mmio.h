// Device register access: one typed view over a physical MMIO window (identity mapped, device memory).
//
// Hosted runner (hosted/, compiled with VIOMMU_HOSTED): an access inside a device window the runner
// registered goes to that device's model instead (hosted::mmio_read/mmio_write return false outside every
// window, and the access then dereferences as in the guest). The guest build has no such branch.
#pragma once

#include <cstdint>

#if defined(VIOMMU_HOSTED)
namespace hosted {
// size: 1, 2, 4 or 8 bytes. True when `addr` is in a registered device window (the model handled it).
bool mmio_read(uint64_t addr, unsigned size, uint64_t* value);
bool mmio_write(uint64_t addr, unsigned size, uint64_t value);
}  // namespace hosted
#endif

namespace kernel {

class Mmio {
 public:
  Mmio() = default;
  explicit Mmio(uint64_t base) : base_(base) {}

  uint8_t read8(uint64_t off) const { return load<uint8_t>(off); }
  uint16_t read16(uint64_t off) const { return load<uint16_t>(off); }
  uint32_t read32(uint64_t off) const { return load<uint32_t>(off); }
  uint64_t read64(uint64_t off) const { return load<uint64_t>(off); }
  void write8(uint64_t off, uint8_t v) const { store<uint8_t>(off, v); }
  void write16(uint64_t off, uint16_t v) const { store<uint16_t>(off, v); }
  void write32(uint64_t off, uint32_t v) const { store<uint32_t>(off, v); }
  void write64(uint64_t off, uint64_t v) const { store<uint64_t>(off, v); }

  uint64_t base() const { return base_; }
  explicit operator bool() const { return base_ != 0; }

 private:
  template <typename T>
  T load(uint64_t off) const {
#if defined(VIOMMU_HOSTED)
    uint64_t v = 0;
    if (hosted::mmio_read(base_ + off, sizeof(T), &v)) return static_cast<T>(v);
#endif
    return *reinterpret_cast<volatile T*>(base_ + off);
  }
  template <typename T>
  void store(uint64_t off, T v) const {
#if defined(VIOMMU_HOSTED)
    if (hosted::mmio_write(base_ + off, sizeof(T), v)) return;
#endif
    *reinterpret_cast<volatile T*>(base_ + off) = v;
  }

  uint64_t base_ = 0;
};

}  // namespace kernel
