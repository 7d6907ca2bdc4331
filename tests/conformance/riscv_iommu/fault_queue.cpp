// riscv-iommu.fq.*: the fault queue (§3, §3.2, §5.16): records written at fqt with fqt advanced past them, the
// indices wrapping, the full queue (fqof, records discarded until software clears it), fqen clearing fqof,
// no record while the queue is off, and DC.tc.DTF suppressing the translation faults but not the others. edu
// makes the faults (no rings of its own, so a blocked DMA leaves it working); each case puts the queue back as
// the driver keeps it.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

constexpr size_t kLen = 4;  // one small write per fault

void restore_fq(kernel::Test& t, RiscvIommu* v) {
  if (!v->reset_fq()) t.error("fault queue reset: %s", v->last_error());
}

// edu attached to a first-stage domain that maps nothing at kTestIova, then body(v, a).
template <typename F>
void with_faulting_edu(kernel::Test& t, uint32_t pscid, F&& body) {
  with_domain(t, first_stage(s::kSv39, pscid), body, "edu");
}

// A distinct, never-faulted page per fault (below the staging page): §3.2 lets an IOMMU report identical faults
// once ("report the fault for a subset, including one, of requests"), so no fault may repeat an earlier one.
// Each case takes its own range of pages.
uint64_t fault_iova(unsigned i) { return kTestIova + i * kPage; }

}  // namespace

VIOMMU_TEST(riscv_iommu_fq_wrap, "riscv-iommu.fq.wrap", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x81, [&](RiscvIommu* v, Domain& a) {
    if (!v->reset_fq(3)) return t.error("an 8-record fault queue: %s", v->last_error());
    // Faults one after the other, each on its own page, the records taken as they come: past 8 records the
    // indices wrap, and every record is the one the model makes for its DMA.
    unsigned records = 0, bad = 0;
    for (unsigned i = 0; i < 40 && records < 24; ++i) {
      const uint64_t iova = fault_iova(i);
      (void)a.ep()->write(iova, kLen);
      const s::FaultRecord want = predict(v, a.devid(), iova, kDeviceWrites).fault;
      s::FaultRecord r;
      while (pop_record_of(t, v, a.devid(), r)) {
        ++records;
        // The fields that say which DMA a record is for (the record itself is judged field by field elsewhere);
        // iotval by its page, as the page offset may be reported as 0 (§3.2 NOTE).
        if (r.cause() != want.cause() || r.did() != want.did() || r.ttyp() != want.ttyp() ||
            r.iotval() / kPage != iova / kPage)
          ++bad;
      }
      if (v->fqcsr().fqof()) break;
    }
    t.check("fq.records", kQueueWrap, records >= 24, "%u records from 40 faults through an 8-record queue", records);
    t.check("fq.content", kFqTail, bad == 0, "%u of %u records do not name their DMA (CAUSE, DID, TTYP, iotval page)", bad,
            records);
    t.check("fqcsr.fqof", kQueueWrap, !v->fqcsr().fqof(), "fqof set although each record was taken at once (fqh %u, "
            "fqt %u)", v->fqh(), v->fqt());
    t.check("fqt", kQueueWrap, v->fqt() < 8, "fqt %u in an 8-record queue", v->fqt());
    restore_fq(t, v);
  });
}

VIOMMU_TEST(riscv_iommu_fq_overflow, "riscv-iommu.fq.overflow", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x82, [&](RiscvIommu* v, Domain& a) {
    if (!v->reset_fq(2)) return t.error("a 4-record fault queue: %s", v->last_error());
    // Faults with nobody taking records: 3 fill the queue ("A queue is full if the tail is the head minus one"),
    // the next sets fqof and is discarded, as is everything after it.
    for (unsigned i = 0; i < 6 && !v->fqcsr().fqof(); ++i) (void)a.ep()->write(fault_iova(40 + i), kLen);
    t.check("fqcsr.fqof", kFqOverflow, v->fqcsr().fqof(), "fqof clear after 6 faults into a 4-record queue (fqh %u, "
            "fqt %u)", v->fqh(), v->fqt());
    t.check("fqt", kQueueWrap, v->fqt() == 3, "fqt %u with fqh 0: a full 4-record queue has fqt 3", v->fqt());
    const uint32_t full = v->fqt();
    (void)a.ep()->write(fault_iova(46), kLen);
    t.check("fq.discarded", kFqOverflow, v->fqt() == full, "fqt moved to %u after a fault while fqof was set",
            v->fqt());
    // Records taken, fqof still set: still nothing recorded ("until software clears fqof by writing 1").
    s::FaultRecord r;
    while (v->pop_fault(r)) {
    }
    const uint32_t head = v->fqh();
    (void)a.ep()->write(fault_iova(47), kLen);
    t.check("fq.discarded", kFqofClear, v->fqt() == head, "a record written while fqof was still set (fqt %u, fqh %u)",
            v->fqt(), head);
    // fqof cleared: the next fault is recorded.
    s::Fqcsr c = v->fqcsr();
    v->write(s::reg::kFqcsr, (c.value & s::Fqcsr::kRw) | s::Fqcsr::fqof_mask);
    t.check("fqcsr.fqof", kFqofClear, !v->fqcsr().fqof(), "fqof still set after writing 1 to it");
    (void)a.ep()->write(fault_iova(48), kLen);
    s::FaultRecord after;
    if (next_record(t, v, a.devid(), after, kFqofClear)) {
      const s::FaultRecord want = predict(v, a.devid(), fault_iova(48), kDeviceWrites).fault;
      t.check("fault.CAUSE", kFaultCause, after.cause() == want.cause(), "CAUSE %llu, the model %llu",
              ull(after.cause()), ull(want.cause()));
      t.check("fault.iotval", kFaultIotval, after.iotval() / kPage == fault_iova(48) / kPage,
              "iotval 0x%llx, the fault was at 0x%llx", ull(after.iotval()), ull(fault_iova(48)));
    }
    restore_fq(t, v);
  });
}

VIOMMU_TEST(riscv_iommu_fq_fqen, "riscv-iommu.fq.fqen_clears_overflow", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x83, [&](RiscvIommu* v, Domain& a) {
    if (!v->reset_fq(1)) return t.error("a 2-record fault queue: %s", v->last_error());
    for (unsigned i = 0; i < 4 && !v->fqcsr().fqof(); ++i) (void)a.ep()->write(fault_iova(50 + i), kLen);
    if (!t.check("fqcsr.fqof", kFqOverflow, v->fqcsr().fqof(), "fqof clear after 4 faults into a 2-record queue"))
      return restore_fq(t, v);
    // fqen 1 -> 0 -> 1: "sets the fqt register and the fqcsr bits fqof and fqmf to 0".
    if (!v->disable_fq()) return t.error("%s", v->last_error());
    v->write(s::reg::kFqh, 0);
    s::Fqcsr on;
    on.set_fqen(1);
    v->write(s::reg::kFqcsr, on.value);
    const bool up = kernel::wait_until([&] { return v->fqcsr().fqon() && !v->fqcsr().busy(); }, 200);
    t.check("fqcsr.fqon", kFqen, up, "fqcsr 0x%x after fqen 0 then 1", v->fqcsr().value);
    t.check("fqcsr.fqof", kFqen, !v->fqcsr().fqof(), "fqof still set after fqen 0 -> 1 (fqcsr 0x%x)", v->fqcsr().value);
    t.check("fqt", kFqen, v->fqt() == 0, "fqt %u after fqen 0 -> 1", v->fqt());
    restore_fq(t, v);
  });
}

VIOMMU_TEST(riscv_iommu_fq_off, "riscv-iommu.fq.off_no_record", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x84, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    if (!v->disable_fq()) return t.error("%s", v->last_error());
    // The queue's memory poisoned: a record written while the queue is off would show.
    uint8_t* q = kernel::DmaMemory::ptr<uint8_t>(v->fq_pa());
    for (size_t i = 0; i < v->fq_entries() * s::kFaultRecordBytes; ++i) q[i] = 0xcd;
    arch::dma_wmb();
    // The write is still terminated (the target untouched)...
    if (!a.pt().map_4k(kTestIova, victim.pa, Perm::ro())) return t.error("no memory for page tables");
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kFirstStage, kLeafPermission});
    probe.expect_terminated(kDeviceWrites, kTestIova + 0x40, victim.pa + 0x40, 64, next_seed());
    // ... and nothing is written to the queue.
    arch::dma_rmb();
    size_t changed = 0;
    for (size_t i = 0; i < v->fq_entries() * s::kFaultRecordBytes; ++i) changed += q[i] != 0xcd;
    t.check("fq.untouched", kFqOff, changed == 0, "%zu bytes of the fault queue changed while fqon read 0", changed);
    restore_fq(t, v);
  });
}

VIOMMU_TEST(riscv_iommu_fq_dtf, "riscv-iommu.fq.dtf_suppresses_page_faults", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x85, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    s::DeviceContext dc = a.context();
    s::Tc tc = dc.tc();
    tc.set_dtf(1);
    dc.set_tc(tc);
    if (!a.set_context(dc)) return;
    if (!a.pt().map_4k(kTestIova, victim.pa, Perm::ro())) return t.error("no memory for page tables");
    // A write page fault (CAUSE 15, "Reported if DTF is 1? No"): the write still terminated, no record.
    v->drain_faults();
    expect_blocked(t, v, a.requester(), kTestIova + 0x80, kDeviceWrites, victim.pa, kDtf);
    expect_record_of(t, v, a.devid(), kTestIova + 0x80, kDeviceWrites);
  });
}

VIOMMU_TEST(riscv_iommu_fq_dtf_ddt, "riscv-iommu.fq.dtf_reports_ddt_faults", "riscv-iommu,dma,fault") {
  with_faulting_edu(t, 0x86, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    // DTF=1 in a misconfigured context (DPE without PDTV): CAUSE 259 is "Reported if DTF is 1? Yes".
    s::DeviceContext dc = a.context();
    s::Tc tc = dc.tc();
    tc.set_dtf(1).set_dpe(1);
    dc.set_tc(tc);
    if (!a.set_context(dc)) return;
    expect_fault(t, v, Requester{a.ep(), a.devid(), {}}, victim.pa + 0x10, kDeviceWrites, victim.pa,
                 kDtfStillReported, RecordLeeway{&kDtfStillReported});
  });
}
