// smmuv3.queues.*: command and event queues (IHI 0070 §3.5, §4.7, §7.2, §7.4): wrap, full, CMD_SYNC
// completion and ordering, an illegal command (GERROR.CMDQ_ERR, CMDQ_CONS.ERR = CERROR_ILL, CONS on the
// offending slot) and recovery, event queue wrap and overflow.
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmuv3_tests;
using namespace spec::smmuv3;

using spec::smmuv3::QueuePtr;

// A domain with blk attached and nothing mapped at kIova: every DMA there is a recorded Translation fault.
struct Faulting {
  Domain d;
  bool ok = false;
  explicit Faulting(Env& e) { ok = e.ready() && e.init_domain(d, DomainConfig{}) && e.attach(d, e.blk); }
};

// An event queue of two entries and virtio-blk attached to an empty domain (ok false: skip or failure said).
struct SmallEventq {
  Options o = small();
  Env e;
  Faulting f;
  bool ok;
  explicit SmallEventq(kernel::Test& t) : e(t, o), f(e), ok(e.ready() && f.ok) {}
  static Options small() {
    Options o;
    o.eventq_log2 = 1;  // 2 entries
    return o;
  }
};

// An illegal command (`why` says why it is): GERROR.CMDQ_ERR, CONS on it with ERR = CERROR_ILL, recovery.
void illegal_command_case(kernel::Test& t, Command bad, const char* what, const kernel::Clause& why) {
  Env e(t);
  if (!e.ready()) return;
  if (!e.smmu->submit(CmdCfgiAll{})) return t.error("the command queue stayed full");
  const uint32_t bad_index = e.smmu->cmdq_prod_ptr().value();
  if (!e.smmu->submit(bad) || !e.smmu->submit(CmdSync{})) return t.error("the command queue stayed full");
  const bool err = kernel::wait_until([&] { return (e.smmu->gerror_active() & 1) != 0; }, 100);
  // The command being illegal is the case's claim (`why`); GERROR, CONS and ERR are how §7.1 reports it.
  if (!t.check("gerror.CMDQ_ERR", why, err, "GERROR.CMDQ_ERR not active after %s (CONS 0x%x PROD 0x%x)", what,
               e.smmu->cmdq_cons(), e.smmu->cmdq_prod()))
    return;
  CmdqCons c{};
  c.value = e.smmu->cmdq_cons();
  // §7.1: CONS stops on the erroneous command and ERR says why.
  t.check("cmdq.CONS", kCmdError, QueuePtr(e.smmu->options().cmdq_log2, c.rd()).value() == bad_index, "CMDQ_CONS.RD 0x%x, the illegal command is at 0x%x",
          QueuePtr(e.smmu->options().cmdq_log2, c.rd()).value(), bad_index);
  t.check("cmdq.ERR", kCmdError, c.err() == static_cast<uint64_t>(CmdError::kIll), "CMDQ_CONS.ERR %u, expected %u (CERROR_ILL)",
          static_cast<unsigned>(c.err()), static_cast<unsigned>(CmdError::kIll));
  // Recovery: replace the command, acknowledge; the SMMU resumes at CONS and completes the CMD_SYNC.
  *e.smmu->cmdq_slot(bad_index) = CmdSync{};
  arch::dma_wmb();
  e.smmu->ack_gerror(1);
  const bool drained = kernel::wait_until(
      [&] { return (e.smmu->cmdq_cons_ptr().value()) == (e.smmu->cmdq_prod_ptr().value()); }, 100);
  t.check("cmdq.recovery", kCmdErrorRecovery, drained, "queue did not drain after acknowledging CMDQ_ERR (PROD 0x%x CONS 0x%x)",
          e.smmu->cmdq_prod(), e.smmu->cmdq_cons());
  e.synced(e.smmu->sync(), "CMD_SYNC after recovery");
}
}  // namespace

VIOMMU_TEST(q_sync_completes, "smmuv3.queues.cmd_sync_completes", "smmuv3,queues") {
  Env e(t);
  if (!e.ready()) return;
  e.synced(e.smmu->sync(), "CMD_SYNC");
  t.expect_eq("cmdq.CONS", kCmdSync, e.smmu->cmdq_prod_ptr().value(), e.smmu->cmdq_cons_ptr().value());
}
VIOMMU_TEST(q_cmdq_wrap, "smmuv3.queues.cmdq_wraps", "smmuv3,queues") {
  Options o;
  o.cmdq_log2 = 2;  // 4 entries
  Env e(t, o);
  if (!e.ready()) return;
  // 3 rounds of the queue: PROD/CONS wrap bits toggle and every CMD_SYNC still completes (§3.5.1).
  const uint32_t cons0 = e.smmu->cmdq_cons_ptr().value();
  unsigned ok = 0;
  for (unsigned i = 0; i < 12; ++i) ok += e.smmu->command(CmdCfgiAll{}) ? 1 : 0;
  t.check("cmdq.sync", kCmdSync, ok == 12, "%u of 12 CFGI_ALL + CMD_SYNC pairs completed", ok);
  t.check("cmdq.CONS", kQueueWrap, e.smmu->cmdq_cons_ptr().value() == ((QueuePtr(2, cons0) + 24).value()),
          "CMDQ_CONS (index + wrap bit) 0x%x after 24 more commands from 0x%x, expected 0x%x",
          e.smmu->cmdq_cons_ptr().value(), cons0, (QueuePtr(2, cons0) + 24).value());
}
VIOMMU_TEST(q_cmdq_full, "smmuv3.queues.cmdq_full_while_disabled_then_drains", "smmuv3,queues") {
  Options o;
  o.cmdq_log2 = 3;
  Env e(t, o);
  if (!e.ready()) return;
  // With CMDQEN = 0 nothing is consumed: fill all 8 slots (PROD = CONS with the wrap bit flipped: full).
  const uint32_t cr0 = e.smmu->read32(RegOffset::kCr0);
  if (!t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0 & ~(1u << 3)), "CMDQEN did not clear in CR0ACK")) return;
  const uint32_t cons0 = e.smmu->cmdq_cons_ptr().value();
  for (unsigned i = 0; i < 8; ++i) *e.smmu->cmdq_slot(cons0 + i) = CmdSync{};
  arch::dma_wmb();
  e.smmu->write32(RegOffset::kCmdqProd, (QueuePtr(3, cons0) + 8).value());
  t.check("cmdq.CONS", kCmdqen, (e.smmu->cmdq_cons_ptr().value()) == cons0, "CMDQ_CONS 0x%x moved from 0x%x while CMDQEN = 0",
          e.smmu->cmdq_cons_ptr().value(), cons0);
  if (!t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0), "CMDQEN did not set in CR0ACK")) return;
  const bool drained = kernel::wait_until([&] { return (e.smmu->cmdq_cons_ptr().value()) == ((QueuePtr(3, cons0) + 8).value()); }, 100);
  t.check("cmdq.drain", kQueueWrap, drained, "full queue not drained after CMDQEN: CONS 0x%x, PROD 0x%x",
          e.smmu->cmdq_cons(), e.smmu->cmdq_prod());
}
VIOMMU_TEST(q_sync_after_error, "smmuv3.queues.cmd_sync_not_completed_past_an_error", "smmuv3,queues") {
  Env e(t);
  if (!e.ready()) return;
  Command bad;
  bad.set_opcode(0x7e);
  if (!e.smmu->submit(bad) || !e.smmu->submit(CmdSync{})) return t.error("the command queue stayed full");
  const uint32_t prod = e.smmu->cmdq_prod_ptr().value();
  kernel::wait_until([&] { return (e.smmu->gerror_active() & 1) != 0; }, 100);
  // A CMD_SYNC behind a failed command must not complete (§4.7.3: it completes only when all prior
  // commands have; §7.5: nothing is consumed while CMDQ_ERR is active): CONS stays short of PROD.
  t.check("cmdq.CONS", kCmdErrorNoConsume, (e.smmu->cmdq_cons_ptr().value()) != prod,
          "CONS reached PROD although an earlier command failed");
  *e.smmu->cmdq_slot(e.smmu->cmdq_cons_ptr().value()) = CmdSync{};
  arch::dma_wmb();
  e.smmu->ack_gerror(1);
}
VIOMMU_TEST(q_illegal_opcode, "smmuv3.queues.illegal_opcode_cerror_ill_and_recovery", "smmuv3,queues") {
  Command bad;
  bad.set_opcode(0x7f);
  illegal_command_case(t, bad, "an undefined opcode", kIllOpcode);
}
VIOMMU_TEST(q_sync_cs_reserved, "smmuv3.queues.cmd_sync_cs_reserved_cerror_ill", "smmuv3,queues") {
  // §4.7.3: CMD_SYNC.CS = 0b11 is Reserved and "Causes a CERROR_ILL".
  CmdSync bad;
  bad.set_cs(0b11);
  illegal_command_case(t, bad, "CMD_SYNC with CS = 0b11", kSyncCsReserved);
}
VIOMMU_TEST(q_illegal_el2, "smmuv3.queues.tlbi_el2_without_hyp_cerror_ill", "smmuv3,queues") {
  Smmu* s = Smmu::get();
  if (s && s->idr0().hyp()) return t.skip("SMMU_IDR0.HYP = 1: CMD_TLBI_EL2_ALL is legal");
  illegal_command_case(t, CmdTlbiEl2All{}, "CMD_TLBI_EL2_ALL without SMMU_IDR0.HYP", kTlbiEl2NoHyp);
}
VIOMMU_TEST(q_illegal_s2_tlbi, "smmuv3.queues.tlbi_s12_vmall_without_s2_cerror_ill", "smmuv3,queues") {
  Smmu* s = Smmu::get();
  if (s && s->idr0().s2p()) return t.skip("SMMU_IDR0.S2P = 1: CMD_TLBI_S12_VMALL is legal");
  // §4.4.3.2: CMD_TLBI_S12_VMALL raises CERROR_ILL when stage 2 is not implemented.
  illegal_command_case(t, CmdTlbiS12Vmall{}, "CMD_TLBI_S12_VMALL without S2P", kS12VmallNoS2);
}
VIOMMU_TEST(q_illegal_atc, "smmuv3.queues.atc_inv_without_ats_cerror_ill", "smmuv3,queues") {
  Smmu* s = Smmu::get();
  if (s && s->idr0().ats()) return t.skip("SMMU_IDR0.ATS = 1: CMD_ATC_INV is legal");
  illegal_command_case(t, CmdAtcInv{}, "CMD_ATC_INV without ATS", kAtcInvNoAts);
}
VIOMMU_TEST(q_eventq_record, "smmuv3.queues.eventq_record_and_cons", "smmuv3,queues,fault") {
  Env e(t);
  if (!e.ready()) return;
  Faulting f(e);
  if (!f.ok) return;
  const uint32_t cons0 = e.smmu->eventq_cons();
  expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFTranslation);
  t.check("eventq.CONS", kQueueWrap, e.smmu->eventq_cons() != cons0, "EVENTQ_CONS did not advance after consuming");
}
VIOMMU_TEST(q_eventq_wrap, "smmuv3.queues.eventq_wraps", "smmuv3,queues,fault") {
  SmallEventq q(t);
  if (!q.ok) return;
  Env& e = q.e;
  // Five faults one at a time, each consumed: PROD/CONS wrap twice and each record is the right one.
  for (unsigned i = 0; i < 5; ++i) expect_fault(e, e.blk, kIova + i * 0x1000, Dir::kDeviceWrites, EventType::kFTranslation);
  t.check("eventq.PROD", kQueueWrap, queue_empty(e.smmu->eventq_prod_ptr(), e.smmu->eventq_cons_ptr()),
          "EVENTQ_PROD 0x%x, EVENTQ_CONS 0x%x: not empty after consuming every record", e.smmu->eventq_prod(),
          e.smmu->eventq_cons());
}
VIOMMU_TEST(q_eventq_overflow, "smmuv3.queues.eventq_overflow_ovflg", "smmuv3,queues,fault") {
  SmallEventq q(t);
  if (!q.ok) return;
  Env& e = q.e;
  e.smmu->drain_events();
  const uint32_t prod0 = e.smmu->eventq_prod();
  // Four faults, none consumed: the queue fills after two; later events are lost and PROD.OVFLG toggles
  // (§7.4). The two records in the queue are the first two faults.
  for (unsigned i = 0; i < 4; ++i) e.blk->write(kIova + i * 0x1000, kLen);
  const uint32_t prod = e.smmu->eventq_prod();
  t.check("eventq.OVFLG", kEventqOverflow, EventqProd{prod}.ovflg() != EventqProd{prod0}.ovflg(),
          "EVENTQ_PROD.OVFLG did not toggle (PROD 0x%x before 0x%x)", prod, prod0);
  t.check("eventq.PROD", kEventqFull, queue_full(QueuePtr(e.smmu->options().eventq_log2, prod), e.smmu->eventq_cons_ptr()),
          "queue not full: PROD 0x%x CONS 0x%x",
          prod, e.smmu->eventq_cons());
  // The queue keeps the first records; the later ones are the discarded ones (§7.4). A device may record one
  // DMA more than once (a retried access), so the second record is the first DMA's or the second's.
  EventRecord ev;
  uint64_t prev = kIova;
  for (unsigned i = 0; i < 2; ++i) {
    if (!t.check("event.record", fault_clause(EventType::kFTranslation), e.smmu->pop_event(ev), "record %u missing", i))
      break;
    t.check("event.InputAddr", kEventqFull, ev.input_addr() >= prev && ev.input_addr() <= kIova + i * 0x1000,
            "record %u has InputAddr 0x%lx: not one of the first two faults (0x%lx, 0x%lx) in order", i,
            static_cast<unsigned long>(ev.input_addr()), static_cast<unsigned long>(kIova),
            static_cast<unsigned long>(kIova + 0x1000));
    prev = ev.input_addr();
  }
  // Acknowledge: copy OVFLG into CONS.OVACKFLG.
  e.smmu->write32(RegOffset::kEventqCons, (e.smmu->eventq_cons() & 0x7fffffffu) | (prod & (1u << 31)));
}
VIOMMU_TEST(q_eventq_disabled, "smmuv3.queues.eventq_disabled_records_nothing", "smmuv3,queues,fault") {
  Env e(t);
  if (!e.ready()) return;
  Faulting f(e);
  if (!f.ok) return;
  const uint32_t cr0 = e.smmu->read32(RegOffset::kCr0);
  if (!t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0 & ~(1u << 2)), "EVENTQEN did not clear in CR0ACK")) return;
  const uint32_t prod0 = e.smmu->eventq_prod();
  e.blk->write(kIova, kLen);
  // §7.2.1: with EVENTQEN = 0 the queue is not writable and events are discarded: PROD does not move.
  t.check("eventq.PROD", kEventqDisabled, e.smmu->eventq_prod() == prod0, "EVENTQ_PROD 0x%x moved from 0x%x with EVENTQEN = 0",
          e.smmu->eventq_prod(), prod0);
  t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0), "EVENTQEN did not set in CR0ACK");
}
