// The memory-resident register file (reg_page.h).
#include "model/riscv_iommu/reg_page.h"

#include <initializer_list>

namespace model::riscv_iommu {

const char* to_string(Observe o) {
  switch (o) {
    case Observe::kStores: return "stores";
    case Observe::kStoresDeferred: return "deferred";
    case Observe::kValues: return "values";
  }
  return "?";
}

bool RegPageIommu::attach(uint64_t page) {
  if (page % s::kRegisterPageBytes != 0) return false;
  uint32_t probe = 0;
  if (!page_mem_.read(page, &probe, sizeof probe) || !page_mem_.read(page + s::kRegisterPageBytes - 4, &probe, 4))
    return false;
  page_ = page;
  attached_ = true;
  // Every doubleword written: whatever the memory held before is not a guest store.
  for (uint32_t& w : shadow_) w = ~0u;
  for (uint32_t& d : dirty_) d = 0;
  write_back();
  return true;
}

void RegPageIommu::stored(uint32_t offset, unsigned size) {
  if (!attached_ || observe_ == Observe::kValues || offset >= s::kRegisterPageBytes) return;
  for (uint32_t w = offset / 4; w <= (offset + (size ? size : 1) - 1) / 4 && w < kWords; ++w)
    dirty_[w / 32] |= 1u << (w % 32);
  if (observe_ == Observe::kStores) step();
}

bool RegPageIommu::load(uint32_t* image) const {
  return page_mem_.read(page_, image, s::kRegisterPageBytes);
}

void RegPageIommu::step() {
  if (!attached_) return;
  ++steps_;
  static_assert(sizeof image_ == s::kRegisterPageBytes);
  if (!load(image_)) return;  // the page is gone: nothing to act on
  // Page order, doubleword by doubleword, high half first (the order of an 8-byte write, iommu.h).
  for (unsigned dw = 0; dw < kWords / 2; ++dw) {
    for (unsigned w : {2 * dw + 1, 2 * dw}) {
      if (!dirty(w) && image_[w] == shadow_[w]) continue;
      shadow_[w] = image_[w];  // what the page holds now; write_back() puts the IOMMU's view over it
      iommu_.write(w * 4, image_[w], 4);
    }
  }
  for (uint32_t& d : dirty_) d = 0;
  write_back();
}

void RegPageIommu::write_back() {
  for (unsigned dw = 0; dw < kWords / 2; ++dw) {
    const uint32_t lo = static_cast<uint32_t>(iommu_.read(dw * 8, 4));
    const uint32_t hi = static_cast<uint32_t>(iommu_.read(dw * 8 + 4, 4));
    if (lo == shadow_[2 * dw] && hi == shadow_[2 * dw + 1]) continue;
    // One 8-byte store: a guest 8-byte load never sees half of an update.
    const uint64_t v = uint64_t{hi} << 32 | lo;
    if (!page_mem_.write(page_ + dw * 8, &v, sizeof v)) return;
    shadow_[2 * dw] = lo;
    shadow_[2 * dw + 1] = hi;
  }
}

Result RegPageIommu::translate(const Request& req) {
  step();
  const Result r = iommu_.translate(req);
  write_back();
  return r;
}

}  // namespace model::riscv_iommu
