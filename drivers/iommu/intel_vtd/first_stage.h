// First-stage page tables (Intel VT-d §9.7 First-Stage Paging Entries, the walk of §3.6): the IA-32e 4-level
// format (FLPM = 00b, 48-bit input), which a scalable-mode PASID-table entry with PGTT = 001b points at (FLPTPTR).
// Every entry the driver writes has P=1 and U/S=1: a request without PASID is a user request (the context entry's
// RID_PRIV = 0), and a user request needs U/S=1 at every level. Non-leaf entries carry R/W=1, so that the leaf
// alone decides whether a write is allowed. Leaves at level 1 (4 KiB), or with PS=1 at level 2 (2 MiB, always
// allowed) and level 3 (1 GiB, CAP.FL1GP). The table tree is PageTable's, with the first-stage entry format.
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/page_table.h"
#include "spec/intel_vtd/pasid.h"
#include "spec/intel_vtd/pte.h"

namespace drivers::intel_vtd {

// A first-stage leaf of `pa` at `level` (PS=1 above level 1): P=1 when a grants anything (reads are implied by
// P: a first-stage page cannot be write-only), R/W = a.w, U/S = user.
s::FlPte fs_leaf_pte(uint64_t pa, unsigned level, Access a, bool user = true);
// A non-leaf entry pointing at table_pa: P, R/W, U/S all 1.
s::FlPte fs_table_pte(uint64_t table_pa);
extern const PteFormat kFirstStagePtes;

class FirstStageTable : public PageTable {
 public:
  static constexpr unsigned kLevels = 4;  // FLPM = 00b
  FirstStageTable() : PageTable(s::agaw_for_levels(kLevels), kFirstStagePtes) {}

  // A supervisor-only leaf (U/S=0) for [iova, iova + level_page_size(level)) -> pa: a user request to it is
  // blocked (fault reason 81h).
  [[nodiscard]] bool map_supervisor(uint64_t iova, uint64_t pa, unsigned level, Access a);
  // The leaf at `level` for iova replaced by one with P=0 that still holds pa and the rights (a walker that
  // ignored P would reach pa). False when the walk does not reach `level`.
  [[nodiscard]] bool set_not_present(uint64_t iova, uint64_t pa, unsigned level);
  // The entry at `level` on iova's walk (0 when the walk does not reach it).
  s::FlPte pte(uint64_t iova, unsigned level) const;
};

// The PASID-table entry that translates through `t`: P=1, PGTT=001b, FLPM=00b (4-level), FLPTPTR = t's root,
// DID. AW as for 48 bits (2) too: QEMU derives its canonical-address width from the PASID entry's AW whatever
// the PGTT (vtd_iova_fl_check_canonical via vtd_get_iova_agaw), so AW=0 would make it a 30-bit space there.
s::PasidEntry first_stage_pasid_entry(const FirstStageTable& t, uint16_t did);

}  // namespace drivers::intel_vtd
