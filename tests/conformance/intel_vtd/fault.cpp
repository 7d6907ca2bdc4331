// intel-vtd.fault.*: primary fault logging (VT-d §7.2, registers §11.4.9): the fault recording register's F,
// FSTS.PPF and FRI, overflow (PFO) with the registers CAP.NFR reports, faults of a requester whose record is
// pending (collapse: OPEN), the fault event (FECTL IM/IP and the message), and FPD. Every fault is a write (or
// read) the domain's table denies: the blocked write must leave the page untouched and the blocked read deliver
// none of it (kit::DmaProbe), and the first record of each case is compared field by field with the model's,
// then left pending (the fixture's expect_fault clears it; these cases need it). Permission and FPD faults as
// such are intel-vtd.legacy.*'s.
#include "drivers/endpoints/edu.h"
#include "kernel/msi.h"
#include "kernel/pci.h"
#include "spec/intel_vtd/irte.h"
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

namespace reg = spec::intel_vtd::reg;
constexpr uint32_t kWaitMs = 1000;
constexpr uint64_t kDenied = kTestIova + 3 * kPage;   // mapped read-only: writes fault
constexpr uint64_t kDenied2 = kTestIova + 5 * kPage;  // a second such page

// The domain of virtio-blk at the widest AGAW the unit offers, with `victim` mapped read-only at kDenied and
// kDenied2 (writes there fault, the page must stay as it is), then body(v, d).
template <typename F>
void with_denied(kernel::Test& t, uint16_t did, const DmaBlock& victim, F&& body) {
  if (!victim.pa) return t.error("no DMA memory for the victim page");
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  with_domain(t, v->max_agaw(), did, [&](IntelVtd* vv, Domain& d) {
    if (!d.map(kDenied, victim.pa, kPage, kit::Perm::kRead) || !d.map(kDenied2, victim.pa, kPage, kit::Perm::kRead) ||
        !d.invalidate(kDenied, 3 * kPage))
      return t.error("could not map the read-only victim page");
    vv->clear_faults();
    body(vv, d);
    vv->clear_faults();
  });
}

// A write the domain denies, judged from memory alone (dma.untouched): for the faults after a case's first.
void blocked_write(kernel::Test& t, Domain& d, uint64_t iova, uint64_t victim_pa) {
  kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kTranslate, kPermission});
  probe.expect_terminated(kDeviceWrites, iova, victim_pa + (iova & (kPage - 1)), 256, next_seed());
}

// A write at iova (mapped read-only to victim_pa) that the model blocks with a record: the DMA judged from memory,
// the unit's record compared with the model's field by field, and left pending. *index: its register.
bool pending_fault(kernel::Test& t, IntelVtd* v, Domain& d, uint64_t iova, uint64_t victim_pa, unsigned* index) {
  v->clear_faults();
  const model::intel_vtd::Result p = predict(v, d.sid(), iova, kDeviceWrites);
  if (!t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kFaulted && p.has_fault,
               "model: the write at iova 0x%llx from %04x is %s, the case expects a fault",
               static_cast<unsigned long long>(iova), d.sid(), model::intel_vtd::to_string(p.outcome)))
    return false;
  blocked_write(t, d, iova, victim_pa);
  s::FaultRecord o;
  if (!t.check("fault.recorded", kFaultRecorded, v->next_fault(o, index, 200),
               "no fault recording register with F=1 within 200 ms of the blocked write at iova 0x%llx (FSTS 0x%08x)",
               static_cast<unsigned long long>(iova), v->fsts().value))
    return false;
  expect_record(t, v, p.fault, o, iova);
  return true;
}

s::FaultRecord record(IntelVtd* v, unsigned n) { return v->fault_record(n); }

}  // namespace

VIOMMU_TEST(intel_vtd_fault_ppf_fri, "intel-vtd.fault.ppf_fri_and_clearing", "intel-vtd") {
  DmaBlock victim(kPage);
  with_denied(t, 21, victim, [&](IntelVtd* v, Domain& d) {
    unsigned index = 0;
    if (!pending_fault(t, v, d, kDenied + 0x40, victim.pa, &index)) return;
    const s::Fsts f = v->fsts();
    t.expect_eq("reg.FSTS.PPF", kFaultPpf, 1, f.ppf());
    const unsigned fri = static_cast<unsigned>(f.fri());
    if (!t.check("reg.FSTS.FRI", kFri, fri < v->fault_recording_registers(),
                 "FRI %u beyond the %u fault recording registers CAP.NFR reports", fri, v->fault_recording_registers()))
      return;
    t.expect_eq("fault.F.at_FRI", kFaultPpf, 1, record(v, fri).f());
    // PPF is computed from the records: writing it to FSTS changes nothing.
    v->write(reg::kFsts, s::Fsts{}.set_ppf(1).value);
    t.expect_eq("reg.FSTS.PPF.ro", kFaultPpf, 1, v->fsts().ppf());
    // Writing F back (RW1C) clears the record, and with it PPF.
    v->clear_fault_record(fri);
    t.expect_eq("fault.F.cleared", kFaultF, 0, record(v, fri).f());
    t.expect_eq("reg.FSTS.PPF.cleared", kFaultPpf, 0, v->fsts().ppf());
  });
}

VIOMMU_TEST(intel_vtd_fault_collapse, "intel-vtd.fault.same_source_pending", "intel-vtd") {
  DmaBlock victim(kPage);
  with_denied(t, 23, victim, [&](IntelVtd* v, Domain& d) {
    unsigned index = 0;
    if (!pending_fault(t, v, d, kDenied, victim.pa, &index)) return;
    const unsigned fri = static_cast<unsigned>(v->fsts().fri());
    const s::FaultRecord first = record(v, fri);
    // A second fault of the same requester while its record is pending, at another page.
    blocked_write(t, d, kDenied2, victim.pa);
    unsigned others = 0;
    for (unsigned n = 0; n < v->fault_recording_registers(); ++n) others += n != fri && record(v, n).f();
    const s::Fsts f = v->fsts();
    // Permitted: collapsed (nothing new), recorded in another register, or an overflow when none is free; the
    // pending record keeps the first fault.
    t.check("fault.first_kept", kFaultCollapse, record(v, fri) == first,
            "the pending record changed: FI 0x%llx -> 0x%llx", static_cast<unsigned long long>(first.page_address()),
            static_cast<unsigned long long>(record(v, fri).page_address()));
    const bool collapsed = others == 0 && !f.pfo();
    t.choice("fault.collapse", kFaultCollapse, collapsed, "second fault of %04x: %s", d.sid(),
             collapsed ? "collapsed (no record, no overflow)"
                       : (others ? "recorded in another register" : "primary fault overflow (PFO)"));
  });
}

VIOMMU_TEST(intel_vtd_fault_overflow, "intel-vtd.fault.overflow", "intel-vtd") {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (v->fault_recording_registers() != 1)
    return t.skip("%u fault recording registers: the overflow case fills one (CAP.NFR = 0)",
                  v->fault_recording_registers());
  drivers::DmaEndpoint* other = need_endpoint(t, "edu");
  if (!other) return;
  DmaBlock victim(kPage);
  with_denied(t, 24, victim, [&](IntelVtd* vv, Domain& d) {
    Domain d2(t, vv, other, vv->max_agaw(), 25);
    if (!d2.ok()) return;
    if (!d2.map(kDenied, victim.pa, kPage, kit::Perm::kRead) || !d2.invalidate(kDenied, kPage))
      return t.error("could not map the victim page for %s", other->name());
    // The only register takes virtio-blk's fault; edu's then overflows.
    unsigned index = 0;
    if (!pending_fault(t, vv, d, kDenied, victim.pa, &index)) return;
    const s::FaultRecord first = record(vv, 0);
    kit::DmaProbe probe(t, other, d2.staging(), kit::ProbeClauses{kTranslate, kPermission});
    probe.expect_terminated(kDeviceWrites, kDenied, victim.pa, 256, next_seed());
    t.check("reg.FSTS.PFO", kPfo, kernel::wait_until([&] { return vv->fsts().pfo(); }, kWaitMs),
            "FSTS.PFO not set when %s faulted with the only record pending (FSTS 0x%08x)", other->name(),
            vv->fsts().value);
    t.check("fault.first_kept", kPfo, record(vv, 0) == first, "the pending record was overwritten (SID %04llx)",
            static_cast<unsigned long long>(record(vv, 0).sid()));
    // With PFO set nothing is recorded, even with the register free again.
    vv->clear_fault_record(0);
    blocked_write(t, d, kDenied2, victim.pa);
    t.check("fault.none_while_pfo", kPfo, !kernel::wait_until([&] { return record(vv, 0).f(); }, 50),
            "a fault was recorded while FSTS.PFO was set (SID %04llx, FR 0x%02llx)",
            static_cast<unsigned long long>(record(vv, 0).sid()), static_cast<unsigned long long>(record(vv, 0).fr()));
    vv->clear_fault_record(0);
    // PFO is RW1C; then faults are recorded again.
    vv->write(reg::kFsts, s::Fsts{}.set_pfo(1).value);
    t.expect_eq("reg.FSTS.PFO.w1c", kPfo, 0, vv->fsts().pfo());
    blocked_write(t, d, kDenied, victim.pa);
    t.check("fault.recorded_again", kPfo, kernel::wait_until([&] { return record(vv, 0).f(); }, kWaitMs),
            "no fault recorded after FSTS.PFO was cleared (FSTS 0x%08x)", vv->fsts().value);
  });
}

VIOMMU_TEST(intel_vtd_fault_event_unmasked, "intel-vtd.fault.event_unmasked", "intel-vtd") {
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  DmaBlock victim(kPage);
  with_denied(t, 26, victim, [&](IntelVtd* v, Domain& d) {
    v->set_fault_event(msi.address(), msi.data(), false);
    unsigned index = 0;
    if (!pending_fault(t, v, d, kDenied, victim.pa, &index)) return;
    t.check("irq.fault_event", kFaultEventMsi, msi.wait(kWaitMs),
            "no fault event message (data 0x%x) within %u ms of a recorded fault (FSTS 0x%08x, FECTL 0x%08x)",
            msi.data(), kWaitMs, v->fsts().value, static_cast<unsigned>(v->read(reg::kFectl)));
    t.expect_eq("reg.FECTL.IP", kFaultEventIpClear, 0, spec::reg_from<s::Fectl>(v->read(reg::kFectl)).ip());
    // PPF still set: another fault is no new interrupt condition.
    blocked_write(t, d, kDenied2, victim.pa);
    t.check("irq.no_second_event", kFaultEvent, !msi.wait(50),
            "a second fault event message while FSTS.PPF was already set");
    v->write(reg::kFectl, s::Fectl{}.set_im(1).value);
  });
}

VIOMMU_TEST(intel_vtd_fault_event_masked, "intel-vtd.fault.event_masked", "intel-vtd") {
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  DmaBlock victim(kPage);
  with_denied(t, 27, victim, [&](IntelVtd* v, Domain& d) {
    v->set_fault_event(msi.address(), msi.data(), true);
    unsigned index = 0;
    if (!pending_fault(t, v, d, kDenied, victim.pa, &index)) return;
    t.expect_eq("reg.FECTL.IP", kFaultEvent, 1, spec::reg_from<s::Fectl>(v->read(reg::kFectl)).ip());
    t.check("irq.masked", kFaultEventMsi, !msi.wait(50), "a fault event message arrived while FECTL.IM=1");
    // Clearing IM sends the held message.
    v->write(reg::kFectl, 0);
    t.check("irq.unmasked", kFaultEventIpClear, msi.wait(kWaitMs),
            "no fault event message within %u ms of clearing FECTL.IM with IP set", kWaitMs);
    t.expect_eq("reg.FECTL.IP.sent", kFaultEventIpClear, 0, spec::reg_from<s::Fectl>(v->read(reg::kFectl)).ip());
    v->write(reg::kFectl, s::Fectl{}.set_im(1).value);
  });
}

VIOMMU_TEST(intel_vtd_fault_event_serviced, "intel-vtd.fault.event_serviced_while_masked", "intel-vtd") {
  kernel::Msi msi;
  if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  DmaBlock victim(kPage);
  with_denied(t, 28, victim, [&](IntelVtd* v, Domain& d) {
    v->set_fault_event(msi.address(), msi.data(), true);
    unsigned index = 0;
    if (!pending_fault(t, v, d, kDenied, victim.pa, &index)) return;
    t.expect_eq("reg.FECTL.IP", kFaultEvent, 1, spec::reg_from<s::Fectl>(v->read(reg::kFectl)).ip());
    // Software services every pending status field (the record's F, then PPF follows): IP clears, and
    // unmasking afterwards sends nothing.
    v->clear_faults();
    t.expect_eq("reg.FSTS.PPF", kFaultPpf, 0, v->fsts().ppf());
    t.expect_eq("reg.FECTL.IP.serviced", kFaultEventIpClear, 0, spec::reg_from<s::Fectl>(v->read(reg::kFectl)).ip());
    v->write(reg::kFectl, 0);
    t.check("irq.none", kFaultEventIpClear, !msi.wait(50),
            "a fault event message after the fault was serviced while masked");
    v->write(reg::kFectl, s::Fectl{}.set_im(1).value);
  });
}

// Interrupt-remapping faults go through the same fault recording registers (FR 20h-27h, FI[63:48] the
// interrupt index). edu sends one remappable-format MSI (QEMU docs/specs/edu.rst: raised by writing 60h) whose
// handle selects an entry of a table of 256 not-present IRTEs, then one whose handle is beyond the table.
VIOMMU_TEST(intel_vtd_fault_ir, "intel-vtd.fault.interrupt_remapping_record", "intel-vtd") {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (!v->ecap().ir()) return t.skip("ECAP.IR=0: no interrupt remapping");
  kernel::PciFunction* fn = kernel::Pci::find(drivers::Edu::kPciVendor, drivers::Edu::kPciDevice);
  if (!fn) return t.skip("no edu device");
  DmaBlock table(kPage);  // 256 IRTEs, all P=0
  if (!table.pa) return t.error("no DMA memory for the interrupt remapping table");
  s::Irta irta;
  irta.set_base(table.pa).set_s(7);
  if (!t.check("reg.GSTS.IRTPS", kIrEnableStatus, v->set_interrupt_remap_table(irta.raw()), "%s", v->last_error()))
    return;
  if (!t.check("reg.GSTS.IRES", kIrEnableStatus, v->set_interrupt_remapping(true), "%s", v->last_error())) return;
  fn->enable(true);
  struct Try {
    uint32_t handle;
    s::FaultReason reason;
  };
  const Try tries[] = {{5, s::FaultReason::kIrteNotPresent}, {0x1ff, s::FaultReason::kIrIndexBeyondSize}};
  for (const Try& k : tries) {
    v->clear_faults();
    const uint32_t address = s::RemappableMsiAddress::of(k.handle, false).value;
    t.note("edu MSI at 0x%08x (remappable, handle 0x%x): expecting FR 0x%02x (%s)", address, k.handle,
           static_cast<unsigned>(k.reason), s::to_string(k.reason));
    if (!fn->msi_enable(address, 0)) {
      t.error("edu has no MSI capability");
      break;
    }
    fn->bar_mmio(0).write32(0x60, 1);  // raise
    s::FaultRecord r;
    unsigned index = 0;
    const bool got = v->next_fault(r, &index, 200);
    fn->bar_mmio(0).write32(0x64, 1);  // acknowledge
    fn->msi_disable();
    if (!t.check("fault.recorded", kFaultRecorded, got, "no fault recorded for handle 0x%x (FSTS 0x%08x)", k.handle,
                 v->fsts().value))
      continue;
    t.expect_eq("fault.FR", kFaultReason, static_cast<uint64_t>(k.reason), r.fr());
    t.expect_eq("fault.SID", kFaultSid, fn->rid(), r.sid());
    t.expect_eq("fault.FI.interrupt_index", kFaultIrIndex, k.handle, r.interrupt_index());
    t.expect_eq("fault.FI.47_12", kFaultIrIndex, 0, (r.words[0] >> 12) & ((uint64_t{1} << 36) - 1));
  }
  v->clear_faults();
  if (!v->set_interrupt_remapping(false)) t.note("interrupt remapping not turned off: %s", v->last_error());
}
