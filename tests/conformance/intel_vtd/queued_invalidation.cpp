// intel-vtd.qi.*: the queued invalidation interface (VT-d §6.5.2, registers §11.4.11): the head moving past what
// the unit accepted, invalidation waits (status write, completion interrupt, both, neither), an erroneous
// descriptor (FSTS.IQE, IQERCD, the head stopping at it, the fault event, recovery) and register-based
// invalidation while the queue is on. Each case turns queued invalidation on through the driver and leaves it
// off again (the driver's state between cases).
//
// QEMU 7.2 aborts on an invalidation wait with both SW and IF set (vtd_process_wait_desc asserts): that case
// prints the request before submitting it, so the harness's crash report names it.
#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "kernel/dma_memory.h"
#include "kernel/msi.h"
#include "kernel/test.h"
#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/fault.h"
#include "spec/intel_vtd/registers.h"
#include "tests/conformance/intel_vtd/clauses.h"
#include "tests/conformance/intel_vtd/queue_kit.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

namespace s = spec::intel_vtd;
namespace reg = spec::intel_vtd::reg;
using drivers::intel_vtd::IntelVtd;

constexpr uint32_t kWaitMs = 1000;

// A status word of the case's own for invalidation waits it builds itself.
struct StatusWord {
  kernel::DmaBlock block{4096};
  volatile uint32_t* word() const { return kernel::DmaMemory::ptr<volatile uint32_t>(block.pa); }
  bool arrived(uint32_t token, uint32_t ms) const {
    return kernel::wait_until([&] { return *word() == token; }, ms);
  }
};

// An invalidation wait with IF=1 while IECTL.IM=1 (IWC cleared first): the unit must set ICS.IWC and hold the
// message (IECTL.IP). Checked here; the caller goes on from the held message.
void masked_wait_held(kernel::Test& t, IntelVtd* v, const kernel::Msi& msi) {
  v->set_invalidation_event(msi.address(), msi.data(), true);
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  s::InvWait w;
  w.set_if_(1);
  v->queue(w);
  t.check("reg.ICS.IWC", kWaitIwc, kernel::wait_until([&] { return v->read(reg::kIcs) & s::Ics::iwc_mask; }, kWaitMs),
          "ICS.IWC not set within %u ms of a wait with IF=1 (IQH 0x%x, IQT 0x%x, FSTS 0x%08x)", kWaitMs, queue_head(v),
          v->queue_tail(), v->fsts().value);
  t.expect_eq("reg.IECTL.IP", kIectlIp, 1, spec::reg_from<s::Iectl>(static_cast<uint32_t>(v->read(reg::kIectl))).ip());
}

}  // namespace

VIOMMU_TEST(intel_vtd_qi_wait_status, "intel-vtd.qi.wait_status_write", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  StatusWord st;
  if (!st.block.pa) return t.error("no DMA memory for a status word");
  const uint32_t before = queue_head(v.get());
  *st.word() = 0;
  v->queue(status_wait(st.block.pa, 0xc0de0001));
  t.check("qi.wait.status", kQueueComplete, st.arrived(0xc0de0001, kWaitMs),
          "no status write within %u ms (word 0x%08x, IQH 0x%x, IQT 0x%x, FSTS 0x%08x)", kWaitMs, *st.word(),
          queue_head(v.get()), v->queue_tail(), v->fsts().value);
  t.expect_eq("reg.IQH", kIqhAdvances, v->queue_tail(), queue_head(v.get()));
  t.note("IQH 0x%x -> 0x%x", before, queue_head(v.get()));
  t.expect_eq("reg.FSTS.IQE", kIqe, 0, v->fsts().iqe());
}

VIOMMU_TEST(intel_vtd_qi_valid_descriptors, "intel-vtd.qi.valid_descriptors", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  // Every granularity of the context-cache and IOTLB descriptors the unit offers, then a wait: the head passes
  // all of them, no queue error.
  v->queue(s::ContextCacheInv{}.set_g(1));
  v->queue(s::ContextCacheInv{}.set_g(2).set_did(1));
  v->queue(s::ContextCacheInv{}.set_g(3).set_did(1).set_sid(0x0008).set_fm(0));
  v->queue(s::IotlbInv{}.set_g(1).set_dr(v->cap().drd()).set_dw(v->cap().dwd()));
  v->queue(s::IotlbInv{}.set_g(2).set_did(1).set_dr(v->cap().drd()).set_dw(v->cap().dwd()));
  unsigned queued = 5;
  if (v->cap().psi()) {
    for (unsigned am = 0; am <= v->cap().mamv() && am <= 9; am += 9) {
      v->queue(s::IotlbInv{}.set_g(3).set_did(1).set_am(am).set_addr(0x4000'0000).set_dr(v->cap().drd()).set_dw(
          v->cap().dwd()));
      ++queued;
    }
  }
  if (v->ecap().ir()) {
    v->queue(s::IecInv{}.set_g(0));
    v->queue(s::IecInv{}.set_g(1).set_iidx(0).set_im(0));
    queued += 2;
  }
  t.check("qi.wait.status", kQueueComplete, v->queue_sync(), "%u descriptors and a wait: %s", queued,
          v->last_error());
  t.expect_eq("reg.FSTS.IQE", kIqe, 0, v->fsts().iqe());
  t.expect_eq("reg.IQH", kIqhAdvances, v->queue_tail(), queue_head(v.get()));
}

VIOMMU_TEST(intel_vtd_qi_wait_interrupt, "intel-vtd.qi.wait_interrupt_masked", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  // IF=1 with the event masked: IWC and IP set, no message.
  masked_wait_held(t, v.get(), msi);
  t.check("irq.masked", kIectlImReset, !msi.wait(50), "an invalidation event message arrived while IECTL.IM=1");
  // ICS.IWC is RW1C: a 0 leaves it.
  v->write(reg::kIcs, 0);
  t.expect_eq("reg.ICS.IWC.w0", kIwcRw1c, 1, v->read(reg::kIcs) & s::Ics::iwc_mask);
  // Unmasking sends the held message and clears IP.
  v->write(reg::kIectl, 0);
  t.check("irq.unmasked", kIectlMsi, msi.wait(kWaitMs), "no invalidation event message (data 0x%x) within %u ms of "
          "clearing IECTL.IM with IP set", msi.data(), kWaitMs);
  t.expect_eq("reg.IECTL.IP.sent", kIectlIpClear, 0, spec::reg_from<s::Iectl>(static_cast<uint32_t>(v->read(reg::kIectl))).ip());
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  t.expect_eq("reg.ICS.IWC.w1c", kIwcRw1c, 0, v->read(reg::kIcs) & s::Ics::iwc_mask);
  v->write(reg::kIectl, s::Iectl{}.set_im(1).value);
}

VIOMMU_TEST(intel_vtd_qi_wait_interrupt_unmasked, "intel-vtd.qi.wait_interrupt_unmasked", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  v->set_invalidation_event(msi.address(), msi.data(), false);
  s::InvWait w;
  w.set_if_(1);
  v->queue(w);
  t.check("irq.event", kIectlMsi, msi.wait(kWaitMs),
          "no invalidation event message (data 0x%x) within %u ms of a wait with IF=1 (ICS 0x%x, IECTL 0x%x)",
          msi.data(), kWaitMs, static_cast<unsigned>(v->read(reg::kIcs)), static_cast<unsigned>(v->read(reg::kIectl)));
  t.expect_eq("reg.ICS.IWC", kWaitIwc, 1, v->read(reg::kIcs) & s::Ics::iwc_mask);
  // The message went out: nothing is held pending.
  t.expect_eq("reg.IECTL.IP", kIectlIp, 0, spec::reg_from<s::Iectl>(static_cast<uint32_t>(v->read(reg::kIectl))).ip());
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  v->write(reg::kIectl, s::Iectl{}.set_im(1).value);
}

VIOMMU_TEST(intel_vtd_qi_wait_sw_if, "intel-vtd.qi.wait_sw_and_if", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  StatusWord st;
  if (!st.block.pa) return t.error("no DMA memory for a status word");
  v->write(reg::kIectl, s::Iectl{}.set_im(1).value);
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  *st.word() = 0;
  s::InvWait w = status_wait(st.block.pa, 0xc0de0002);
  w.set_if_(1);
  // QEMU 7.2 asserts on this descriptor (vtd_process_wait_desc): name it before the unit sees it.
  t.note("submitting an invalidation wait with SW=1 and IF=1 (lo 0x%llx, hi 0x%llx)",
         static_cast<unsigned long long>(w.words[0]), static_cast<unsigned long long>(w.words[1]));
  v->queue(w);
  t.check("qi.wait.status", kWaitFlagsIndependent, st.arrived(0xc0de0002, kWaitMs),
          "no status write within %u ms for SW=1 IF=1 (word 0x%08x, FSTS 0x%08x)", kWaitMs, *st.word(),
          v->fsts().value);
  t.check("reg.ICS.IWC", kWaitIwc, kernel::wait_until([&] { return v->read(reg::kIcs) & s::Ics::iwc_mask; }, kWaitMs),
          "ICS.IWC not set within %u ms of a wait with SW=1 IF=1", kWaitMs);
  t.expect_eq("reg.FSTS.IQE", kWaitFlagsIndependent, 0, v->fsts().iqe());
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  if (v->fsts().iqe() && !v->reset_queue()) t.note("queue not reset: %s", v->last_error());
}

VIOMMU_TEST(intel_vtd_qi_wait_fence_only, "intel-vtd.qi.wait_fence_only", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  // SW=0, IF=0, FN=1: a wait that only orders the descriptors after it. No sentence makes it invalid; QEMU
  // treats it as an unknown descriptor (IQE).
  s::InvWait w;
  w.set_fn(1);
  t.note("submitting an invalidation wait with SW=0 IF=0 FN=1 (lo 0x%llx)",
         static_cast<unsigned long long>(w.words[0]));
  const uint32_t at = v->queue_tail();
  v->queue(w);
  const bool synced = v->queue_sync();
  const s::Fsts f = v->fsts();
  t.check("qi.fence.accepted", kWaitFlagsIndependent, synced && !f.iqe(),
          "the fence-only wait at 0x%x was not accepted: FSTS 0x%08x (IQE %u), IQH 0x%x, IQERCD 0x%llx", at, f.value,
          static_cast<unsigned>(f.iqe()), queue_head(v.get()), static_cast<unsigned long long>(v->read(reg::kIqercd)));
  if (f.iqe()) {
    // The head must have stopped at it (it was not verified valid).
    t.expect_eq("reg.IQH.stopped", kIqhAdvances, at, queue_head(v.get()));
    if (!v->reset_queue()) t.note("queue not reset: %s", v->last_error());
  }
}

VIOMMU_TEST(intel_vtd_qi_invalid_descriptor, "intel-vtd.qi.invalid_descriptor", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  StatusWord st;
  if (!st.block.pa) return t.error("no DMA memory for a status word");
  v->write(reg::kFectl, s::Fectl{}.set_im(1).value);
  v->clear_faults();
  // Type 0Fh is no descriptor type of any revision; a status wait after it.
  const uint32_t bad = v->queue_tail();
  v->queue_raw(0xf, 0);
  *st.word() = 0;
  v->queue(status_wait(st.block.pa, 0xc0de0003));
  t.check("reg.FSTS.IQE", kIqe, kernel::wait_until([&] { return v->fsts().iqe(); }, kWaitMs),
          "FSTS.IQE not set within %u ms of a descriptor of type 0Fh (FSTS 0x%08x, IQH 0x%x)", kWaitMs,
          v->fsts().value, queue_head(v.get()));
  t.expect_eq("reg.IQH.stopped", kIqhAdvances, bad, queue_head(v.get()));
  const unsigned iqei = static_cast<unsigned>(spec::reg_from<s::Iqercd>(v->read(reg::kIqercd)).iqei());
  t.check("reg.IQERCD.IQEI", kIqei, iqei == 0 || iqei == static_cast<unsigned>(s::Iqei::kInvalidDescriptorType),
          "IQEI %u (%s) for an invalid descriptor type", iqei, s::iqei_name(iqei));
  t.choice("reg.IQERCD.IQEI.detail", kIqei, iqei == static_cast<unsigned>(s::Iqei::kInvalidDescriptorType),
           "IQEI %u (%s)", iqei, s::iqei_name(iqei));
  t.expect_eq("reg.FECTL.IP", kFaultEvent, 1, spec::reg_from<s::Fectl>(static_cast<uint32_t>(v->read(reg::kFectl))).ip());
  t.check("qi.stopped", kIqeStopsFetching, !st.arrived(0xc0de0003, 50),
          "the wait after the erroneous descriptor completed while FSTS.IQE was set");
  // IQE is RW1C: a 0 leaves it.
  v->write(reg::kFsts, 0);
  t.expect_eq("reg.FSTS.IQE.w0", kIqeRw1c, 1, v->fsts().iqe());

  // Recovery as Linux does it: the erroneous slot overwritten with a wait, IQE cleared; the unit resumes at the
  // head without another IQT write.
  const s::InvWait fix = status_wait(st.block.pa, 0xc0de0004);
  volatile uint64_t* q = queue_slot(v.get(), bad);
  q[0] = fix.words[0];
  q[1] = fix.words[1];
  v->write(reg::kFsts, s::Fsts{}.set_iqe(1).value);
  t.expect_eq("reg.FSTS.IQE.w1c", kIqeRw1c, 0, v->fsts().iqe());
  t.expect_eq("reg.FECTL.IP.cleared", kFaultEventIpClear, 0,
              spec::reg_from<s::Fectl>(static_cast<uint32_t>(v->read(reg::kFectl))).ip());
  const bool resumed = st.arrived(0xc0de0003, kWaitMs);
  t.check("qi.resumed", kIqeResumes, resumed, "no status write within %u ms of clearing FSTS.IQE (IQH 0x%x, IQT 0x%x)",
          kWaitMs, queue_head(v.get()), v->queue_tail());
  if (!resumed) {
    // Fetching again needs an IQT write on this unit: the same tail once more.
    v->write(reg::kIqt, s::Iqt{}.set_byte_offset(v->queue_tail()).raw());
    t.check("qi.resumed.iqt", kQueueComplete, st.arrived(0xc0de0003, kWaitMs),
            "no status write within %u ms of rewriting IQT after the recovery (IQH 0x%x, FSTS 0x%08x)", kWaitMs,
            queue_head(v.get()), v->fsts().value);
  }
  t.check("qi.sync", kQueueComplete, v->queue_sync(), "the queue does not complete after the recovery: %s",
          v->last_error());
}

VIOMMU_TEST(intel_vtd_qi_iqe_event, "intel-vtd.qi.iqe_fault_event", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  v->clear_faults();
  v->set_fault_event(msi.address(), msi.data(), false);
  const uint32_t bad = v->queue_tail();
  v->queue_raw(0xf, 0);
  t.check("irq.fault_event", kFaultEventMsi, msi.wait(kWaitMs),
          "no fault event message (data 0x%x) within %u ms of FSTS.IQE (FSTS 0x%08x, FECTL 0x%08x)", msi.data(),
          kWaitMs, v->fsts().value, static_cast<unsigned>(v->read(reg::kFectl)));
  t.expect_eq("reg.FSTS.IQE", kIqe, 1, v->fsts().iqe());
  t.expect_eq("reg.FECTL.IP", kFaultEventMsi, 0, spec::reg_from<s::Fectl>(static_cast<uint32_t>(v->read(reg::kFectl))).ip());
  v->write(reg::kFectl, s::Fectl{}.set_im(1).value);
  (void)recover_at(t, v.get(), bad);
}

VIOMMU_TEST(intel_vtd_qi_register_invalidation, "intel-vtd.qi.register_invalidation_while_enabled", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  // Context cache, global, through CCMD; IOTLB, global, through IOTLB_REG.
  v->write(reg::kCcmd, s::Ccmd{}.set_icc(1).set_cirg(1).raw());
  const bool cc_done = kernel::wait_until([&] { return !spec::reg_from<s::Ccmd>(v->read(reg::kCcmd)).icc(); }, 100);
  v->write(v->iotlb_reg(), s::IotlbReg{}.set_ivt(1).set_iirg(1).raw());
  const bool tlb_done = kernel::wait_until([&] { return !spec::reg_from<s::IotlbReg>(v->read(v->iotlb_reg())).ivt(); }, 100);
  t.choice("reg.CCMD.while_qi", kRegisterInvalidationWhileQi, !cc_done, "CCMD.ICC %s",
           cc_done ? "cleared: the invalidation was performed" : "left set: the request was ignored");
  t.choice("reg.IOTLB.while_qi", kRegisterInvalidationWhileQi, !tlb_done, "IOTLB_REG.IVT %s",
           tlb_done ? "cleared: the invalidation was performed" : "left set: the request was ignored");
  t.check("qi.sync", kQueueUnaffectedByRegisterInvalidation, v->queue_sync(),
          "the queue does not complete after register-based requests: %s", v->last_error());
  t.expect_eq("reg.FSTS.IQE", kQueueUnaffectedByRegisterInvalidation, 0, v->fsts().iqe());
}

VIOMMU_TEST(intel_vtd_qi_iwc_pending, "intel-vtd.qi.wait_interrupt_iwc_pending", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  v->set_invalidation_event(msi.address(), msi.data(), false);
  s::InvWait w;
  w.set_if_(1);
  v->queue(w);
  t.check("irq.first", kIectlMsi, msi.wait(kWaitMs), "no invalidation event message within %u ms of a wait with IF=1",
          kWaitMs);
  // IWC left set: the next IF=1 completion is no new interrupt condition.
  v->queue(w);
  t.check("qi.sync", kQueueComplete, v->queue_sync(), "the queue does not complete: %s", v->last_error());
  t.check("irq.not_new", kIectlIp, !msi.wait(50), "a second invalidation event message while ICS.IWC was still set");
  // Once software clears IWC, the next one is.
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  v->queue(w);
  t.check("irq.after_clear", kIectlMsi, msi.wait(kWaitMs),
          "no invalidation event message within %u ms of a wait with IF=1 after ICS.IWC was cleared", kWaitMs);
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  v->write(reg::kIectl, s::Iectl{}.set_im(1).value);
}

VIOMMU_TEST(intel_vtd_qi_tail_beyond_queue, "intel-vtd.qi.tail_beyond_queue", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  v->clear_faults();
  // The driver's queue is 2^QS 4 KiB pages: a tail at its end points at no descriptor.
  const uint32_t end = static_cast<uint32_t>(spec::reg_from<s::Iqa>(v->read(reg::kIqa)).bytes());
  const uint32_t head_before = queue_head(v.get());
  t.note("IQT written with 0x%x, the queue's size", end);
  v->write(reg::kIqt, s::Iqt{}.set_byte_offset(end).raw());
  const bool iqe = kernel::wait_until([&] { return v->fsts().iqe(); }, kWaitMs);
  const unsigned iqei = static_cast<unsigned>(spec::reg_from<s::Iqercd>(v->read(reg::kIqercd)).iqei());
  t.check("reg.FSTS.IQE", kIqeTailBeyondQueue, iqe, "a tail at the queue's end (0x%x) was taken: FSTS 0x%08x", end,
          v->fsts().value);
  if (iqe)
    t.check("reg.IQERCD.IQEI", kIqei, iqei == 0 || iqei == static_cast<unsigned>(s::Iqei::kInvalidTail),
            "IQEI %u (%s) for a tail at the queue's end", iqei, s::iqei_name(iqei));
  t.choice("reg.IQERCD.IQEI.detail", kIqei, iqei == static_cast<unsigned>(s::Iqei::kInvalidTail), "IQEI %u (%s)", iqei,
           s::iqei_name(iqei));
  t.expect_eq("reg.IQH.kept", kIqhAdvances, head_before, queue_head(v.get()));
  // The tail back where the driver has it, IQE cleared: the queue works again.
  v->write(reg::kIqt, s::Iqt{}.set_byte_offset(v->queue_tail()).raw());
  v->write(reg::kFsts, s::Fsts{}.set_iqe(1).value);
  if (!v->queue_sync() && !v->reset_queue()) t.note("queue not recovered: %s", v->last_error());
}

VIOMMU_TEST(intel_vtd_qi_reserved_field, "intel-vtd.qi.reserved_field", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  // A global context-cache invalidation with reserved bit 6 set.
  s::ContextCacheInv cc;
  cc.set_g(1);
  unsigned iqei = 0;
  const bool iqe = rejected(t, v.get(), cc.words[0] | (uint64_t{1} << 6), cc.words[1], &iqei);
  t.check("reg.FSTS.IQE", kIqeReservedField, iqe, "a context-cache descriptor with reserved bit 6 set was accepted");
  if (!iqe) return;
  t.check("reg.IQERCD.IQEI", kIqeiReserved, iqei == 0 || iqei == static_cast<unsigned>(s::Iqei::kReservedField),
          "IQEI %u (%s) for a reserved field", iqei, s::iqei_name(iqei));
  t.choice("reg.IQERCD.IQEI.detail", kIqeiReserved, iqei == static_cast<unsigned>(s::Iqei::kReservedField), "IQEI %u", iqei);
}

VIOMMU_TEST(intel_vtd_qi_am_beyond_mamv, "intel-vtd.qi.iotlb_am_beyond_mamv", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  if (!v->cap().psi()) return t.skip("CAP.PSI=0: no page-selective IOTLB invalidation");
  const unsigned am = static_cast<unsigned>(v->cap().mamv()) + 1;
  s::IotlbInv d;
  d.set_g(3).set_did(1).set_am(am).set_addr(0).set_dr(v->cap().drd()).set_dw(v->cap().dwd());
  unsigned iqei = 0;
  const bool iqe = rejected(t, v.get(), d.words[0], d.words[1], &iqei);
  t.check("reg.IQERCD.IQEI", kDescAmBeyondMamv,
          !iqe || iqei == 0 || iqei == static_cast<unsigned>(s::Iqei::kReservedField), "IQEI %u (%s)", iqei,
          s::iqei_name(iqei));
  t.choice("qi.am_beyond_mamv", kDescAmBeyondMamv, iqe, "a page-selective IOTLB descriptor with AM %u > MAMV %u %s",
           am, am - 1, iqe ? "was rejected (IQE)" : "was performed");
  t.expect_eq("reg.GSTS.QIES", kQiesStatus, 1, v->gsts().qies());
}

VIOMMU_TEST(intel_vtd_qi_wait_serviced, "intel-vtd.qi.wait_interrupt_serviced_while_masked", "intel-vtd") {
  QueueOn v(t);
  if (!v) return;
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  masked_wait_held(t, v.get(), msi);
  // Software services IWC while the message is held: IP clears, and unmasking then sends nothing.
  v->write(reg::kIcs, s::Ics{}.set_iwc(1).value);
  t.expect_eq("reg.IECTL.IP.serviced", kIectlIpClear, 0,
              spec::reg_from<s::Iectl>(static_cast<uint32_t>(v->read(reg::kIectl))).ip());
  v->write(reg::kIectl, 0);
  t.check("irq.none", kIectlIpClear, !msi.wait(50), "an invalidation event message after IWC was serviced while masked");
  v->write(reg::kIectl, s::Iectl{}.set_im(1).value);
}
