#include "tests/conformance/riscv_iommu/adapter.h"

namespace riscv_iommu_tests {

namespace {
// PSCIDs of the kit's two domains (the other cases use 0x11..0x7f).
constexpr uint32_t kKitPscid0 = 0x81, kKitPscid1 = 0x82;
// Probe clauses: a translated access reaches the page the first stage maps; a terminated one is aborted.
constexpr kit::ProbeClauses kProbeClauses{kFirstStage, kAbort};
}  // namespace

KitAdapter::KitAdapter(kernel::Test& t)
    : TwoDomainAdapter(t, need_iommu(t), need_endpoint, {kStageIova, kTestIova},
                       [&t](unsigned i, RiscvIommu* v, uint64_t stage_pa) {
                         return Domain(t, v, first_stage(s::kSv39, i == 0 ? kKitPscid0 : kKitPscid1), stage_pa);
                       }) {}

kit::Prediction KitAdapter::predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) {
  const auto r = riscv_iommu_tests::predict(v_, drv::device_id_of(ep->rid()), iova, d);
  kit::Prediction p;
  if (r.ok()) {
    p.kind = kit::Prediction::Kind::kTranslated;
    p.pa = r.pa;
  } else {
    p.kind = r.has_fault && r.outcome == model::riscv_iommu::Outcome::kFaulted ? kit::Prediction::Kind::kFault
                                                                                 : kit::Prediction::Kind::kAbort;
  }
  return p;
}

void KitAdapter::drain_faults() { v_->drain_faults(); }

void KitAdapter::expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) {
  // The first record in the queue against the model's; the others of the same DMA (its other requests) after it.
  expect_record_of(t_, v_, drv::device_id_of(ep->rid()), iova, d, {}, len);
}

const kit::ProbeClauses& KitAdapter::clauses() const { return kProbeClauses; }

bool KitAdapter::prepare_move(drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  Domain& b = dom(to);
  // The new PSCID's address space must hold no translation of an earlier user of the same PSCID.
  drv::Inval i;
  i.pscv = true;
  i.pscid = b.drv().config().pscid;
  return b.map_driver_memory(ep) &&
         t_.check("cmd.fence", kIofence, v_->iotinval_vma(i), "IOTINVAL.VMA (PSCID 0x%x) + IOFENCE.C: %s", i.pscid,
                  v_->last_error());
}

bool KitAdapter::move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain& from, kit::Domain& to) {
  Domain& a = dom(from);
  Domain& b = dom(to);
  const uint32_t devid = drv::device_id_of(ep->rid());
  const s::DeviceContext next = b.context();
  if (i == 0) {
    // The two contexts must differ in fsc and ta only, or two stores do not make the change.
    const s::DeviceContext cur = v_->dc(devid);
    for (unsigned k = 0; k < 8; ++k)
      if (k != 2 && k != 3 && cur.words[k] != next.words[k]) {
        t_.error("the move is not two stores: DC doubleword %u differs (0x%llx, 0x%llx)", k, ull(cur.words[k]),
                 ull(next.words[k]));
        return false;
      }
  }
  if (i < 2) {
    const unsigned dw = i == 0 ? 3 : 2;  // fsc, then ta
    if (!v_->write_dc_word(devid, dw, next.words[dw])) {
      t_.error("DC doubleword %u of device 0x%x: %s", dw, devid, v_->last_error());
      return false;
    }
    return true;
  }
  drv::Inval old;
  old.pscv = true;
  old.pscid = a.drv().config().pscid;
  const bool done = v_->iodir_inval_ddt(true, devid) && v_->iotinval_vma(old);
  if (!t_.check("cmd.fence", kIofence, done, "IODIR.INVAL_DDT (DID 0x%x) / IOTINVAL.VMA (PSCID 0x%x) + IOFENCE.C: %s",
                devid, old.pscid, v_->last_error()))
    return false;
  b.take_over(a);
  return true;
}

const char* KitAdapter::move_step_name(unsigned i) const {
  static constexpr const char* kNames[3] = {
      "DC doubleword 3 stored: fsc with the new root, ta.PSCID still the old",
      "DC doubleword 2 stored: the new PSCID",
      "IODIR.INVAL_DDT (DV=1) + IOTINVAL.VMA (old PSCID) + IOFENCE.C"};
  return i < 3 ? kNames[i] : "?";
}

const kit::MoveClauses& KitAdapter::move_clauses() const {
  static constexpr kit::MoveClauses c{kDcChangeBetween, kDcChange, kDcChange};
  return c;
}

}  // namespace riscv_iommu_tests
