// Scalable-mode translation structures for one bus (Intel VT-d §9.2 scalable-mode root entry, §9.4 scalable-mode
// context entry, §9.5 PASID directory entry, §9.6 PASID table entry): a root table whose entry for `bus` points at
// a lower context table (devfn 0..127), and per endpoint one PASID directory of 128 entries (PDTS = 0) with one
// PASID table (PASIDs 0..63). install() makes them the unit's (RTADDR.TTM = 01b, SRTP); IntelVtd::recover() and
// restore_legacy() put the driver's legacy table back. Every structure is a 4 KiB page of DMA memory.
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "spec/intel_vtd/pasid.h"

namespace drivers::intel_vtd {

class ScalableTables {
 public:
  explicit ScalableTables(IntelVtd* v) : v_(v) {}
  ~ScalableTables();
  ScalableTables(const ScalableTables&) = delete;
  ScalableTables& operator=(const ScalableTables&) = delete;

  // The root table with `bus`'s lower context table present (LP), the PASID directory entry of PASIDs 0..63
  // present; every context and PASID entry not present. False when DMA memory ran out.
  [[nodiscard]] bool init(uint8_t bus);
  // The context entry of devfn (< 128): P, PASIDDIRPTR, PDTS = 0 (128 directory entries), RID_PASID = rid_pasid.
  void set_context(uint8_t devfn, uint32_t rid_pasid) const;
  // PASID table entry `pasid` (< 64): words 7..1 first, word 0 (P) last.
  void set_pasid_entry(uint32_t pasid, const s::PasidEntry& e) const;
  s::PasidEntry pasid_entry(uint32_t pasid) const;
  uint64_t root() const { return root_; }

  // RTADDR = root with TTM = 01b, SRTP (a write-buffer flush first where CAP.RWBF asks for one).
  [[nodiscard]] bool install() const;

 private:
  IntelVtd* v_;
  uint8_t bus_ = 0;
  uint64_t root_ = 0, ctx_ = 0, dir_ = 0, table_ = 0;
};

// After SRTP: the context cache and the IOTLB invalidated globally (the SRTP text: "software must globally
// invalidate the context cache and then globally invalidate of IOTLB").
[[nodiscard]] bool invalidate_after_root_change(IntelVtd* v);

// After SRTP to a scalable root: the PASID cache invalidated globally too (a PASID entry cached under the previous
// root table may carry the same SID and PASID), unless CAP.ESRTPS says SRTP invalidated every cache. Linux's
// iommu_set_root_entry does the same. A pc_inv_dsc needs a 256-bit queue: QI is switched to one for the
// invalidation and put back as it was.
[[nodiscard]] bool invalidate_pasid_cache_after_root_change(IntelVtd* v);

// The driver's legacy root table again (TTM = 00b), then invalidate_after_root_change.
[[nodiscard]] bool restore_legacy(IntelVtd* v);

}  // namespace drivers::intel_vtd
