#include "drivers/iommu/intel_vtd/scalable.h"

#include "kernel/dma_memory.h"

namespace drivers::intel_vtd {

namespace {
constexpr uint64_t kPageBytes = 4096;
}

ScalableTables::~ScalableTables() {
  for (uint64_t pa : {root_, ctx_, dir_, table_})
    if (pa) kernel::DmaMemory::free(pa, kPageBytes);
}

bool ScalableTables::init(uint8_t bus) {
  bus_ = bus;
  root_ = kernel::DmaMemory::alloc(kPageBytes);
  ctx_ = kernel::DmaMemory::alloc(kPageBytes);
  dir_ = kernel::DmaMemory::alloc(kPageBytes);
  table_ = kernel::DmaMemory::alloc(kPageBytes);
  if (!root_ || !ctx_ || !dir_ || !table_) return false;
  s::PasidDirEntry de;
  de.set_p(1).set_smptblptr(table_);
  *kernel::DmaMemory::ptr<volatile uint64_t>(dir_ + s::pasid_directory_index(0) * s::PasidDirEntry::kBytes) =
      de.words[0];
  s::ScalableRootEntry re;
  re.set_lp(1).set_lctp(ctx_);
  volatile uint64_t* r = kernel::DmaMemory::ptr<volatile uint64_t>(root_ + bus * s::ScalableRootEntry::kBytes);
  r[1] = re.words[1];
  r[0] = re.words[0];
  return true;
}

void ScalableTables::set_context(uint8_t devfn, uint32_t rid_pasid) const {
  s::ScalableContextEntry ce;
  ce.set_p(1).set_pdts(0).set_pasiddirptr(dir_).set_rid_pasid(rid_pasid);
  volatile uint64_t* c = kernel::DmaMemory::ptr<volatile uint64_t>(
      ctx_ + s::ScalableRootEntry::index_in_half(devfn) * s::ScalableContextEntry::kBytes);
  for (unsigned i = 4; i-- > 0;) c[i] = ce.words[i];
}

void ScalableTables::set_pasid_entry(uint32_t pasid, const s::PasidEntry& e) const {
  volatile uint64_t* p =
      kernel::DmaMemory::ptr<volatile uint64_t>(table_ + s::pasid_table_index(pasid) * s::PasidEntry::kBytes);
  for (unsigned i = 8; i-- > 0;) p[i] = e.words[i];
}

s::PasidEntry ScalableTables::pasid_entry(uint32_t pasid) const {
  const volatile uint64_t* p =
      kernel::DmaMemory::ptr<volatile uint64_t>(table_ + s::pasid_table_index(pasid) * s::PasidEntry::kBytes);
  s::PasidEntry e;
  for (unsigned i = 0; i < 8; ++i) e.words[i] = p[i];
  return e;
}

bool ScalableTables::install() const {
  return v_->flush_write_buffer() && v_->set_root_table(root_, s::Ttm::kScalable);
}

bool invalidate_after_root_change(IntelVtd* v) {
  return v->invalidate_context(s::Granularity::kGlobal) && v->invalidate_iotlb(s::Granularity::kGlobal);
}

bool invalidate_pasid_cache_after_root_change(IntelVtd* v) {
  if (v->cap().esrtps()) return true;
  const bool was_on = v->queued_invalidation_enabled(), was_wide = v->queue_wide();
  const auto width = [&](s::DescriptorWidth w, bool on) {
    return (!v->queued_invalidation_enabled() || v->set_queued_invalidation(false)) && v->set_queue_width(w) &&
           (!on || v->set_queued_invalidation(true));
  };
  if (!(was_on && was_wide) && !width(s::DescriptorWidth::k256, true)) return false;
  const bool ok = v->invalidate_pasid_cache(s::PasidCacheGranularity::kGlobal);
  if (!(was_on && was_wide) && !width(was_wide ? s::DescriptorWidth::k256 : s::DescriptorWidth::k128, was_on))
    return false;
  return ok;
}

bool restore_legacy(IntelVtd* v) {
  return v->flush_write_buffer() && v->set_root_table(v->root_table(), s::Ttm::kLegacy) &&
         invalidate_after_root_change(v);
}

}  // namespace drivers::intel_vtd
