#include "drivers/iommu/intel_vtd/domain.h"

namespace drivers::intel_vtd {

namespace {
constexpr uint64_t kPage = 4096;
}

s::ContextEntry Domain::context(s::TranslationType tt) const {
  s::ContextEntry e;
  e.set_p(1).set_tt(static_cast<uint64_t>(tt)).set_aw(s::aw_for_agaw(agaw())).set_did(did_);
  // A pass-through entry ignores SLPTPTR; pointing it at the table anyway changes nothing.
  e.set_slptptr(pt_.root());
  return e;
}

bool Domain::attach(uint16_t sid, s::TranslationType tt) { return iommu_->set_context_entry(sid, context(tt)); }

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, Access a) {
  for (uint64_t off = 0; off < len; off += kPage)
    if (!pt_.map_4k(iova + off, pa + off, a)) return false;
  return true;
}

bool Domain::unmap(uint64_t iova, uint64_t len) {
  bool ok = true;
  for (uint64_t off = 0; off < len; off += kPage) ok = pt_.unmap(iova + off) && ok;
  return ok;
}

bool Domain::invalidate_pages(uint64_t iova, uint64_t len) {
  if (!iommu_->flush_write_buffer()) return false;
  for (uint64_t off = 0; off < len; off += kPage)
    if (!iommu_->invalidate_iotlb(s::Granularity::kSelective, did_, iova + off, 0)) return false;
  return true;
}

bool Domain::invalidate_range(uint64_t iova, unsigned am, bool ih) {
  return iommu_->flush_write_buffer() && iommu_->invalidate_iotlb(s::Granularity::kSelective, did_, iova, am, ih);
}

bool Domain::invalidate_domain() {
  return iommu_->flush_write_buffer() && iommu_->invalidate_iotlb(s::Granularity::kDomain, did_);
}

}  // namespace drivers::intel_vtd
