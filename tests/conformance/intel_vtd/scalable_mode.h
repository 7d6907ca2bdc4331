// Scalable mode for the intel-vtd.scalable.* cases (RTADDR.TTM = 01b, ECAP.SMTS): the unit switched from the
// fixture's legacy tables to scalable root, context and PASID tables for one domain's endpoint, and back. Every
// case that uses it starts from the fixture's legacy attachment and puts the legacy table back before the domain
// goes (IntelVtd::recover() does it after an abort).
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/first_stage.h"
#include "drivers/iommu/intel_vtd/scalable.h"
#include "tests/conformance/intel_vtd/fixture.h"

namespace intel_vtd_tests {

// The unit, when it offers scalable mode; else t.skip() naming the ECAP.
IntelVtd* need_scalable(kernel::Test& t);

// Scalable tables for the domain's endpoint, PASID 0's (RID_PASID's) entry = `pe`, installed; the legacy table
// back on destruction (before the Domain detaches its endpoint).
class ScalableMode {
 public:
  ScalableMode(kernel::Test& t, IntelVtd* v) : t_(t), v_(v), tables_(v) {}
  ~ScalableMode() { (void)leave(); }
  ScalableMode(const ScalableMode&) = delete;
  ScalableMode& operator=(const ScalableMode&) = delete;
  [[nodiscard]] bool enter(Domain& d, const s::PasidEntry& pe);
  [[nodiscard]] bool leave();
  const drivers::intel_vtd::ScalableTables& tables() const { return tables_; }
  IntelVtd* unit() const { return v_; }

 private:
  kernel::Test& t_;
  IntelVtd* v_;
  drivers::intel_vtd::ScalableTables tables_;
  Domain* d_ = nullptr;  // its staging clause follows the PASID entry while the tables are installed
  bool installed_ = false;
};

// The clause a translation through PASID entry `pe` rests on (first-stage, pass-through or second-stage).
const kernel::Clause& translation_clause(const s::PasidEntry& pe);

// PASID-table entry: PGTT = 010b through the domain's second-stage table.
s::PasidEntry second_stage(Domain& d);

// edu in a fresh domain at the widest AGAW, then body(v, d) when the unit offers scalable mode (edu: no ring in
// memory, so a blocked request breaks nothing of the endpoint's own).
template <typename F>
void with_scalable_domain(kernel::Test& t, uint16_t did, F&& body) {
  if (!need_scalable(t)) return;
  with_domain(t, widest_agaw(), did, body, "edu");
}

// ---- First stage (PGTT = 001b, ECAP.FLTS) ----
using drivers::intel_vtd::FirstStageTable;

// The unit, when it offers first-stage translation in scalable mode; else t.skip() naming the ECAP.
IntelVtd* need_first_stage(kernel::Test& t);

// RID_PASID's entry = PGTT 001b through fs, installed.
[[nodiscard]] bool enter_first_stage(kernel::Test& t, ScalableMode& mode, Domain& d, const FirstStageTable& fs);

// edu in a fresh domain, a first-stage table with the domain's staging page mapped (user, read-write), then
// body(v, d, fs). The body maps its pages and enters scalable mode (enter_first_stage).
template <typename F>
void with_first_stage(kernel::Test& t, uint16_t did, F&& body) {
  if (!need_first_stage(t)) return;
  with_domain(
      t, widest_agaw(), did,
      [&](IntelVtd* v, Domain& d) {
        FirstStageTable fs;
        if (!fs.init() || !fs.map_4k(kStageIova, d.stage_pa()))
          return t.error("no memory for the first-stage table");
        body(v, d, fs);
      },
      "edu");
}

}  // namespace intel_vtd_tests
