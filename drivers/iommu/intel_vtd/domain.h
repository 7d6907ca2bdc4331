// A VT-d translation domain in legacy mode: a domain-id (DID) and a second-stage page table of one AGAW, which
// context entries point at (TT = 00b), or a pass-through context (TT = 10b, ECAP.PT). map()/unmap() edit the
// table only; the invalidate_* calls make the change visible through whichever invalidation interface is on.
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "drivers/iommu/intel_vtd/page_table.h"

namespace drivers::intel_vtd {

class Domain {
 public:
  Domain(IntelVtd* iommu, uint16_t did, unsigned agaw) : iommu_(iommu), did_(did), pt_(agaw) {}
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  [[nodiscard]] bool init() { return pt_.init(); }
  IntelVtd* iommu() const { return iommu_; }
  uint16_t did() const { return did_; }
  unsigned agaw() const { return pt_.agaw(); }
  PageTable& pt() { return pt_; }

  // The context entry attaching a device here: P=1, TT (translated: the table; pass-through: no table), AW of
  // the AGAW, SLPTPTR, DID.
  s::ContextEntry context(s::TranslationType tt = s::TranslationType::kMultiLevel) const;
  // set_context_entry(sid, context(tt)) (context cache and IOTLB invalidated).
  [[nodiscard]] bool attach(uint16_t sid, s::TranslationType tt = s::TranslationType::kMultiLevel);
  [[nodiscard]] bool detach(uint16_t sid) { return iommu_->clear_context_entry(sid); }

  // 4 KiB pages of [iova, iova + len) -> [pa, ...).
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, Access a = Access::rw());
  [[nodiscard]] bool unmap(uint64_t iova, uint64_t len);
  // Page-selective IOTLB invalidation of every 4 KiB page of the range (domain-selective when CAP.PSI = 0).
  [[nodiscard]] bool invalidate_pages(uint64_t iova, uint64_t len);
  // One page-selective invalidation of 2^am pages at iova (aligned to that size), ih the hint.
  [[nodiscard]] bool invalidate_range(uint64_t iova, unsigned am, bool ih = false);
  [[nodiscard]] bool invalidate_domain();

 private:
  IntelVtd* iommu_;
  uint16_t did_;
  PageTable pt_;
};

}  // namespace drivers::intel_vtd
