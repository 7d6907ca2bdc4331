// The endpoint driver's own DMA memory (its virtqueues, request headers) as a fixture's domain maps it: the
// driver's ranges one after another from one IOVA, and the driver told those IOVAs (drivers::set_driver_iova),
// so that the endpoint keeps working behind the IOMMU while a case maps what it likes elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"

namespace kit {

class DriverWindow {
 public:
  explicit DriverWindow(uint64_t base) : base_(base) {}
  DriverWindow(const DriverWindow&) = delete;
  DriverWindow& operator=(const DriverWindow&) = delete;

  // Reads ep's driver ranges and hands each to map_range(iova, pa, len) (len a multiple of 4 KiB); false as
  // soon as one returns false (map_range reports why).
  template <typename MapRange>
  [[nodiscard]] bool map(drivers::DmaEndpoint* ep, MapRange&& map_range) {
    n_ = drivers::driver_dma_ranges(ep, ranges_, kMaxRanges);
    uint64_t iova = base_;
    for (size_t i = 0; i < n_ && i < kMaxRanges; ++i) {
      if (!map_range(iova, ranges_[i].pa, ranges_[i].len)) return false;
      iova += ranges_[i].len;
    }
    return true;
  }
  // From now on ep's driver gives the device this window's IOVAs (at once for descriptors, at the next
  // drivers::reset_endpoint for ring addresses).
  void use(drivers::DmaEndpoint* ep) { drivers::set_driver_iova(ep, iova_of, this); }
  // The IOVA of driver memory at pa; pa itself when it is not driver memory (the device then faults, which the
  // case reports).
  uint64_t iova(uint64_t pa) const;

 private:
  static constexpr size_t kMaxRanges = 8;
  static uint64_t iova_of(void* ctx, uint64_t pa) { return static_cast<const DriverWindow*>(ctx)->iova(pa); }
  uint64_t base_;
  drivers::DmaRange ranges_[kMaxRanges] = {};
  size_t n_ = 0;
};

}  // namespace kit
