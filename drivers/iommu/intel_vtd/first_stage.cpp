#include "drivers/iommu/intel_vtd/first_stage.h"

#include "spec/intel_vtd/root_table.h"

namespace drivers::intel_vtd {

s::FlPte fs_leaf_pte(uint64_t pa, unsigned level, Access a, bool user) {
  s::FlPte e;
  e.set_addr(pa).set_p(a.r || a.w).set_rw(a.w).set_us(user).set_ps(level > 1);
  return e;
}

s::FlPte fs_table_pte(uint64_t table_pa) {
  s::FlPte e;
  e.set_addr(table_pa).set_p(1).set_rw(1).set_us(1);
  return e;
}

namespace {
s::FlPte fl(uint64_t e) {
  s::FlPte p;
  p.words[0] = e;
  return p;
}
bool fl_present(uint64_t e) { return fl(e).present(); }
bool fl_large(uint64_t e) { return fl(e).ps(); }
uint64_t fl_addr(uint64_t e) { return fl(e).addr(); }
uint64_t fl_table(uint64_t table_pa) { return fs_table_pte(table_pa).words[0]; }
uint64_t fl_leaf(uint64_t pa, unsigned level, Access a) { return fs_leaf_pte(pa, level, a).words[0]; }
}  // namespace

const PteFormat kFirstStagePtes{fl_present, fl_large, fl_addr, fl_table, fl_leaf};

bool FirstStageTable::map_supervisor(uint64_t iova, uint64_t pa, unsigned level, Access a) {
  if (!map(iova, pa, level, a)) return false;
  *entry(iova, level) = fs_leaf_pte(pa, level, a, false).words[0];
  return true;
}

bool FirstStageTable::set_not_present(uint64_t iova, uint64_t pa, unsigned level) {
  if (!map(iova, pa, level, Access::rw())) return false;
  *entry(iova, level) = fs_leaf_pte(pa, level, Access::rw()).set_p(0).words[0];
  return true;
}

s::FlPte FirstStageTable::pte(uint64_t iova, unsigned level) const {
  const volatile uint64_t* e = entry(iova, level);
  return fl(e ? *e : 0);
}

s::PasidEntry first_stage_pasid_entry(const FirstStageTable& t, uint16_t did) {
  s::PasidEntry pe;
  pe.set_p(1)
      .set_pgtt(static_cast<uint64_t>(s::Pgtt::kFirstStage))
      .set_flpm(static_cast<uint64_t>(s::Flpm::k4Level))
      .set_aw(s::aw_for_agaw(t.agaw()))
      .set_did(did)
      .set_flptptr(t.root());
  return pe;
}

}  // namespace drivers::intel_vtd
