#include "tests/kit/driver_window.h"

namespace kit {

uint64_t DriverWindow::iova(uint64_t pa) const {
  uint64_t iova = base_;
  for (size_t i = 0; i < n_ && i < kMaxRanges; ++i) {
    const drivers::DmaRange& r = ranges_[i];
    if (pa >= r.pa && pa < r.pa + r.len) return iova + (pa - r.pa);
    iova += r.len;
  }
  return pa;
}

}  // namespace kit
