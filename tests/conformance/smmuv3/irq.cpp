// smmuv3.irq.*: the wired interrupts through the GIC (IHI 0070 §3.18, §6.3.16): the Event queue interrupt
// announces a new record, the GERROR interrupt a newly active global error, the CMD_SYNC interrupt a
// CMD_SYNC with CS=SIG_IRQ; SMMU_IRQ_CTRL gates the first two (IRQEN, with the IRQ_CTRLACK handshake), and
// an occurrence from before the enable never raises an interrupt.
//
// Each handler snapshots the register its interrupt announces (Smmu::on_irq): §3.18 requires the new
// queue entry / GERROR change / CMD_SYNC consumption to be observable once the interrupt is, and the
// cases check that snapshot. Event cases use edu with an invalid STE (C_BAD_STE, one record per DMA:
// edu has no driver-owned rings that would fault too).
#include "kernel/platform.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmuv3_tests;
using drivers::smmuv3::IrqSource;
using spec::smmuv3::CmdSync;
using spec::smmuv3::Command;
using spec::smmuv3::EventRecord;
using spec::smmuv3::EventType;
using spec::smmuv3::IrqCtrl;
using spec::smmuv3::Ste;

// How long a case waits for an interrupt that must come, and watches for one that must not.
constexpr uint32_t kIrqTimeoutMs = 100;
constexpr uint32_t kQuietMs = 20;

const char* source_name(IrqSource s) {
  switch (s) {
    case IrqSource::kEventq: return "eventq";
    case IrqSource::kPriq: return "priq";
    case IrqSource::kCmdSync: return "cmdq-sync";
    case IrqSource::kGerror: return "gerror";
  }
  return "?";
}

using spec::smmuv3::QueuePtr;

// The SMMU in interrupt-driven mode; skips when the DT names no wired interrupt for `need`.
struct IrqEnv : Env {
  explicit IrqEnv(kernel::Test& test, IrqSource need) : Env(test, irq_options()) {
    if (!ready()) return;
    if (smmu->irq_intid(need) == 0) {
      t.skip("the DT names no %s interrupt for the SMMU (wired interrupts are discovered from the DT)",
             source_name(need));
      ok = false;
      return;
    }
    ok = smmu->irqs_attached();
    if (!ok) t.error("the SMMU's interrupts could not be attached to the GIC");
  }
  static Options irq_options() {
    Options o;
    o.irq = true;
    return o;
  }
  bool ok = false;
};

IrqCtrl irq_ctrl(bool gerror, bool eventq) {
  IrqCtrl c{};
  c.set_gerror_irqen(gerror).set_eventq_irqen(eventq);
  return c;
}

// edu's STE made invalid (V = 0): its next DMA is one C_BAD_STE record (§5.2 V, §7.3.4).
DmaEndpoint* edu_with_invalid_ste(IrqEnv& e) {
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) {
    e.t.skip("no edu endpoint");
    return nullptr;
  }
  Ste s;  // all zero: V = 0
  if (!e.write_ste(e.sid(edu), s)) return nullptr;
  return edu;
}

// The record the model predicts for edu's write to kIova, and the record the device wrote (polled).
void check_polled_record(IrqEnv& e, DmaEndpoint* edu) {
  const auto o = e.predict(e.sid(edu), kIova, true);
  e.t.check("oracle", kernel::kSuite, o.event.event_type() == EventType::kCBadSte,
            "the case expects C_BAD_STE, the model predicts %s", event_name(o.event.type()));
  EventRecord ev;
  const bool got = kernel::wait_until([&] { return e.smmu->event_pending(); }, kIrqTimeoutMs) && e.smmu->pop_event(ev);
  if (e.t.check("event.record", kSteV, got, "no event record for edu's DMA through an invalid STE"))
    expect_event(e.t, o.event, ev);
}

// An illegal command: GERROR.CMDQ_ERR becomes active. Returns the index of the bad slot.
uint32_t raise_cmdq_err(IrqEnv& e) {
  const uint32_t bad_index = e.smmu->cmdq_prod_ptr().value();
  Command bad;
  bad.set_opcode(0x7f);  // no command has this opcode: CERROR_ILL (§4.7.3 / §7.1)
  if (!e.smmu->submit(bad) || !e.smmu->submit(CmdSync{})) e.t.error("the command queue stayed full");
  return bad_index;
}

// Recovery from raise_cmdq_err: replace the bad command, acknowledge, let the queue drain (§7.1).
void recover_cmdq(IrqEnv& e, uint32_t bad_index) {
  *e.smmu->cmdq_slot(bad_index) = CmdSync{};
  arch::dma_wmb();
  e.smmu->ack_gerror(e.smmu->gerror_active() & 1u);
  const bool drained = kernel::wait_until([&] { return (e.smmu->cmdq_cons_ptr().value()) == (e.smmu->cmdq_prod_ptr().value()); }, 100);
  e.t.check("cmdq.recovery", kCmdErrorRecovery, drained,
            "command queue did not drain after acknowledging CMDQ_ERR (PROD 0x%x CONS 0x%x)", e.smmu->cmdq_prod(),
            e.smmu->cmdq_cons());
}

}  // namespace

VIOMMU_TEST(irq_dt, "smmuv3.irq.dt_describes_wired_interrupts", "smmuv3,irq") {
  Smmu* s = Smmu::get();
  if (!s) return t.skip("no arm,smmu-v3 node in the device tree");
  unsigned named = 0;
  for (unsigned i = 0; i < drivers::smmuv3::kIrqSources; ++i) {
    const uint32_t intid = s->irq_intid(static_cast<IrqSource>(i));
    if (intid == 0) continue;
    ++named;
    // A wired SMMU interrupt is an SPI: INTIDs 32..1019 (GIC architecture).
    t.check("irq.spi", kIrqSpi, intid >= 32 && intid < 1020, "%s interrupt INTID %u is not an SPI",
            source_name(static_cast<IrqSource>(i)), static_cast<unsigned>(intid));
    for (unsigned k = 0; k < i; ++k)
      t.check("irq.unique", kIrqUnique, s->irq_intid(static_cast<IrqSource>(k)) != intid, "%s and %s share INTID %u",
              source_name(static_cast<IrqSource>(k)), source_name(static_cast<IrqSource>(i)), static_cast<unsigned>(intid));
  }
  // §3.18: an SMMU supports wired interrupts, MSIs, or both. Without MSIs (IDR0.MSI = 0) the wired outputs
  // are the only notification: at least the Event queue and GERROR ones must be described.
  if (!s->idr0().msi()) {
    t.check("irq.wired", kIrqWiredNeeded, s->irq_intid(IrqSource::kEventq) != 0, "SMMU_IDR0.MSI = 0 and the DT names no eventq interrupt");
    t.check("irq.wired", kIrqWiredNeeded, s->irq_intid(IrqSource::kGerror) != 0, "SMMU_IDR0.MSI = 0 and the DT names no gerror interrupt");
  } else {
    t.note("SMMU_IDR0.MSI = 1; %u wired interrupts named in the DT", named);
  }
}

VIOMMU_TEST(irq_ctrl_handshake_each, "smmuv3.irq.irq_ctrl_ack_each_enable", "smmuv3,irq") {
  Env e(t);
  if (!e.ready()) return;
  // §6.3.16: every IRQEN field has CR0/CR0ACK Update semantics; set and clear each on its own.
  IrqCtrl all{};
  all.set_gerror_irqen(1).set_eventq_irqen(1);
  if (e.smmu->idr0().pri()) all.set_priq_irqen(1);
  for (uint32_t bit = 1; bit <= 4; bit <<= 1) {
    if ((all.value & bit) == 0) continue;
    t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(bit), "IRQ_CTRL = 0x%x: IRQ_CTRLACK reads 0x%x", bit,
            e.smmu->read32(RegOffset::kIrqCtrlAck));
    t.expect_eq("reg.IRQ_CTRL", kIrqCtrlAck, bit, e.smmu->read32(RegOffset::kIrqCtrl));
  }
  t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(all.value), "IRQ_CTRL = 0x%x: IRQ_CTRLACK reads 0x%x",
          all.value, e.smmu->read32(RegOffset::kIrqCtrlAck));
  t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(0), "IRQ_CTRL = 0: IRQ_CTRLACK reads 0x%x",
          e.smmu->read32(RegOffset::kIrqCtrlAck));
}

VIOMMU_TEST(irq_eventq, "smmuv3.irq.eventq_interrupt_announces_record", "smmuv3,irq,fault,edu") {
  IrqEnv e(t, IrqSource::kEventq);
  if (!e.ok) return;
  DmaEndpoint* edu = edu_with_invalid_ste(e);
  if (!edu) return;
  e.smmu->drain_events();
  const uint32_t cons0 = e.smmu->eventq_cons_ptr().value();
  const uint32_t n_ev = e.smmu->irq_count(IrqSource::kEventq), n_ge = e.smmu->irq_count(IrqSource::kGerror);
  // The record is taken only after the interrupt (Options::irq: wait_event waits for it), and compared
  // with the model's field by field.
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadSte, e.target(0), kSteV);
  t.check("irq.eventq", kIrqEventq, e.smmu->irq_count(IrqSource::kEventq) != n_ev,
          "no Event queue interrupt (INTID %u) for a new record", static_cast<unsigned>(e.smmu->irq_intid(IrqSource::kEventq)));
  // §3.18: the new entry is observable to EVENTQ_PROD reads once the interrupt is.
  const uint32_t prod_at_irq = QueuePtr(e.smmu->options().eventq_log2, e.smmu->irq_record(IrqSource::kEventq).snapshot).value();
  t.check("irq.observable", kIrqObservable, prod_at_irq != cons0,
          "EVENTQ_PROD read in the interrupt handler (0x%x) still equals CONS (0x%x)", prod_at_irq, cons0);
  // A GERROR interrupt whose only active error is EVENTQ_ABT_ERR belongs to another endpoint's event that could
  // not be written: this case's record was (event.record). QEMU 7.2 aborts an event that arrives while the Event
  // queue is disabled, and a virtio device touches its rings late, from QEMU's main loop, while the case sets the
  // SMMU up (seen once in CI under load). Noted, not judged.
  const uint32_t n_ge_now = e.smmu->irq_count(IrqSource::kGerror);
  const auto active = spec::reg_from<spec::smmuv3::Gerror>(e.smmu->gerror_active());
  spec::smmuv3::Gerror abort_only;
  abort_only.set_eventq_abt_err(1);
  if (n_ge_now != n_ge && active == abort_only) {
    t.note("a GERROR interrupt for EVENTQ_ABT_ERR (GERROR ^ GERRORN 0x%x): another endpoint's event was not written; "
           "not judged", static_cast<unsigned>(active.value));
    e.smmu->ack_gerror(active.value);
    return;
  }
  t.expect_eq("irq.gerror", kIrqGerror, n_ge, n_ge_now);
}

VIOMMU_TEST(irq_eventq_disabled, "smmuv3.irq.eventq_irqen_0_no_interrupt", "smmuv3,irq,fault,edu") {
  IrqEnv e(t, IrqSource::kEventq);
  if (!e.ok) return;
  if (!t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(irq_ctrl(true, false).value),
               "IRQ_CTRLACK did not follow EVENTQ_IRQEN = 0"))
    return;
  DmaEndpoint* edu = edu_with_invalid_ste(e);
  if (!edu) return;
  e.smmu->drain_events();
  const uint32_t n_ev = e.smmu->irq_count(IrqSource::kEventq);
  edu->write(kIova, kLen);
  // The record is written (EVENTQEN = 1) but EVENTQ_IRQEN = 0 inhibits the interrupt (§6.3.16).
  check_polled_record(e, edu);
  kernel::wait_until([] { return false; }, kQuietMs);
  t.expect_eq("irq.eventq", kIrqDisabled, n_ev, e.smmu->irq_count(IrqSource::kEventq));
}

VIOMMU_TEST(irq_eventq_before_enable, "smmuv3.irq.eventq_no_interrupt_for_record_before_enable", "smmuv3,irq,fault,edu") {
  IrqEnv e(t, IrqSource::kEventq);
  if (!e.ok) return;
  if (!t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(irq_ctrl(true, false).value),
               "IRQ_CTRLACK did not follow EVENTQ_IRQEN = 0"))
    return;
  DmaEndpoint* edu = edu_with_invalid_ste(e);
  if (!edu) return;
  e.smmu->drain_events();
  edu->write(kIova, kLen);
  const bool recorded = kernel::wait_until([&] { return e.smmu->event_pending(); }, kIrqTimeoutMs);
  if (!t.check("event.record", kSteV, recorded, "no event record for edu's DMA through an invalid STE")) return;
  // §6.3.16 (Additional information): "It is not permitted to trigger an interrupt that relates to an
  // occurrence that happened before the source was enabled". The record stays unconsumed meanwhile.
  const uint32_t n_ev = e.smmu->irq_count(IrqSource::kEventq);
  if (!t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(irq_ctrl(true, true).value),
               "IRQ_CTRLACK did not follow EVENTQ_IRQEN = 1"))
    return;
  kernel::wait_until([] { return false; }, kQuietMs);
  t.expect_eq("irq.eventq", kIrqBeforeEnable, n_ev, e.smmu->irq_count(IrqSource::kEventq));
  check_polled_record(e, edu);
}

VIOMMU_TEST(irq_gerror, "smmuv3.irq.gerror_interrupt_on_cmdq_err", "smmuv3,irq") {
  IrqEnv e(t, IrqSource::kGerror);
  if (!e.ok) return;
  const uint32_t n_ge = e.smmu->irq_count(IrqSource::kGerror);
  const uint32_t bad = raise_cmdq_err(e);
  const bool active = kernel::wait_until([&] { return (e.smmu->gerror_active() & 1u) != 0; }, kIrqTimeoutMs);
  if (t.check("gerror.CMDQ_ERR", kIllOpcode, active, "GERROR.CMDQ_ERR not active after an illegal command")) {
    t.check("irq.gerror", kIrqGerror, e.smmu->wait_irq(IrqSource::kGerror, n_ge, kIrqTimeoutMs),
            "no GERROR interrupt (INTID %u) for CMDQ_ERR", static_cast<unsigned>(e.smmu->irq_intid(IrqSource::kGerror)));
    // §3.18: the GERROR change is observable once the interrupt is.
    if (e.smmu->irq_count(IrqSource::kGerror) != n_ge)
      t.expect_eq("irq.observable", kIrqObservable, 1u, e.smmu->irq_record(IrqSource::kGerror).snapshot & 1u);
  }
  recover_cmdq(e, bad);
  e.synced(e.smmu->sync(), "CMD_SYNC after recovery");
  t.expect_eq("gerror.active", kGerrorAck, 0u, e.smmu->gerror_active());
}

VIOMMU_TEST(irq_gerror_disabled, "smmuv3.irq.gerror_irqen_0_no_interrupt", "smmuv3,irq") {
  IrqEnv e(t, IrqSource::kGerror);
  if (!e.ok) return;
  if (!t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, e.smmu->set_irq_ctrl(irq_ctrl(false, true).value),
               "IRQ_CTRLACK did not follow GERROR_IRQEN = 0"))
    return;
  const uint32_t n_ge = e.smmu->irq_count(IrqSource::kGerror);
  const uint32_t bad = raise_cmdq_err(e);
  const bool active = kernel::wait_until([&] { return (e.smmu->gerror_active() & 1u) != 0; }, kIrqTimeoutMs);
  t.check("gerror.CMDQ_ERR", kIllOpcode, active, "GERROR.CMDQ_ERR not active after an illegal command");
  kernel::wait_until([] { return false; }, kQuietMs);
  // §7.5.1: GERROR_IRQEN = 0 disables the GERROR interrupt; the error itself is still recorded.
  t.expect_eq("irq.gerror", kIrqGerrorDisabled, n_ge, e.smmu->irq_count(IrqSource::kGerror));
  recover_cmdq(e, bad);
}

VIOMMU_TEST(irq_cmd_sync, "smmuv3.irq.cmd_sync_sig_irq_raises_wired_interrupt", "smmuv3,irq") {
  IrqEnv e(t, IrqSource::kCmdSync);
  if (!e.ok) return;
  const uint32_t n = e.smmu->irq_count(IrqSource::kCmdSync);
  CmdSync s;
  s.set_cs(spec::smmuv3::kSyncCsIrq);  // MSIAddress = 0: no MSI even where MSIs exist
  if (!e.synced(e.smmu->submit(s), "submitting CMD_SYNC")) return;
  const uint32_t target = e.smmu->cmdq_prod_after_last();
  // §4.7.3 SIG_IRQ: "an event on a unique wired interrupt output is asserted", and its consumption is
  // observable (CMDQ_CONS) once the interrupt is.
  if (!t.check("irq.cmd_sync", kSyncIrq, e.smmu->wait_irq(IrqSource::kCmdSync, n, kIrqTimeoutMs),
               "no CMD_SYNC interrupt (INTID %u)", static_cast<unsigned>(e.smmu->irq_intid(IrqSource::kCmdSync))))
    return;
  t.expect_eq("irq.observable", kSyncMsiOrder, target, QueuePtr(e.smmu->options().cmdq_log2, e.smmu->irq_record(IrqSource::kCmdSync).snapshot).value());
}

VIOMMU_TEST(irq_cmd_sync_none, "smmuv3.irq.cmd_sync_sig_none_no_interrupt", "smmuv3,irq") {
  IrqEnv e(t, IrqSource::kCmdSync);
  if (!e.ok) return;
  const uint32_t n = e.smmu->irq_count(IrqSource::kCmdSync);
  // §4.7.3 SIG_NONE: "The command takes no further action on its completion".
  e.synced(e.smmu->sync(), "CMD_SYNC (SIG_NONE)");
  kernel::wait_until([] { return false; }, kQuietMs);
  t.expect_eq("irq.cmd_sync", kSyncNone, n, e.smmu->irq_count(IrqSource::kCmdSync));
}
