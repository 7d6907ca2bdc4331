// smmuv3.regs.*: the programming interface (IHI 0070 chapter 6): ID registers consistent with each other,
// CR0/CR0ACK and IRQ_CTRL/IRQ_CTRLACK handshakes, the GBPA update protocol and its effect while SMMUEN = 0,
// GERROR/GERRORN, base register read-back.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmuv3_tests;
using namespace spec::smmuv3;

Smmu* need_smmu(kernel::Test& t) {
  Smmu* s = Smmu::get();
  if (!s) t.skip("no arm,smmu-v3 node in the device tree");
  return s;
}
}  // namespace

VIOMMU_TEST(regs_idr0, "smmuv3.regs.idr0_consistent", "smmuv3,regs") {
  Smmu* s = need_smmu(t);
  if (!s) return;
  const Idr0 i0 = s->idr0();
  t.note("IDR0=0x%08x IDR1=0x%08x IDR3=0x%08x IDR5=0x%08x AIDR=0x%08x", s->read32(RegOffset::kIdr0),
         s->read32(RegOffset::kIdr1), s->read32(RegOffset::kIdr3), s->read32(RegOffset::kIdr5),
         s->read32(RegOffset::kAidr));
  t.check("reg.IDR0.S1P_S2P", kIdStages, i0.s1p() || i0.s2p(), "IDR0: neither S1P nor S2P");
  t.check("reg.IDR0.TTF", kIdReserved, i0.ttf() != 0, "IDR0.TTF = 0b00 is Reserved");
  t.check("reg.IDR0.ST_LEVEL", kIdReserved, i0.st_level() != 0b10 && i0.st_level() != 0b11,
          "IDR0.ST_LEVEL = %u is Reserved", static_cast<unsigned>(i0.st_level()));
  t.check("reg.IDR0.STALL_MODEL", kIdReserved, i0.stall_model() != 0b11, "IDR0.STALL_MODEL = 0b11 is Reserved");
  t.check("reg.IDR0.TTENDIAN", kIdReserved, i0.ttendian() != 0b01, "IDR0.TTENDIAN = 0b01 is Reserved");
  // IDR0.VMID16 without S2P is not checked: "The value of this field is irrelevant to software unless
  // SMMU_IDR0.S2P == 1" (§6.3.1) puts no requirement on it.
  // PRI: "When SMMU_IDR0.ATS == 0 this field is RES0" (§6.3.1 PRI).
  t.check("reg.IDR0.PRI", kIdPri, !i0.pri() || i0.ats(), "IDR0.PRI = 1 with ATS = 0");
}
VIOMMU_TEST(regs_idr1, "smmuv3.regs.idr1_sizes_in_range", "smmuv3,regs") {
  Smmu* s = need_smmu(t);
  if (!s) return;
  const Idr1 i1 = s->idr1();
  t.check("reg.IDR1.SIDSIZE", kIdr1Sizes, i1.sidsize() <= 32, "IDR1.SIDSIZE = %u > 32", static_cast<unsigned>(i1.sidsize()));
  t.check("reg.IDR1.SSIDSIZE", kIdr1Sizes, i1.ssidsize() <= 20, "IDR1.SSIDSIZE = %u > 20",
          static_cast<unsigned>(i1.ssidsize()));
  t.check("reg.IDR1.CMDQS", kIdr1Sizes, i1.cmdqs() <= 19, "IDR1.CMDQS = %u > 19", static_cast<unsigned>(i1.cmdqs()));
  t.check("reg.IDR1.EVENTQS", kIdr1Sizes, i1.eventqs() <= 19, "IDR1.EVENTQS = %u > 19", static_cast<unsigned>(i1.eventqs()));
  // §6.3.2 SIDSIZE: "When SMMU_IDR1.SIDSIZE >= 7, SMMU_IDR0.ST_LEVEL != 0b00".
  t.check("reg.IDR1.SIDSIZE", kIdr1Linear, s->idr0().st_level() != 0 || i1.sidsize() < 7,
          "linear-only stream table (ST_LEVEL = 0) with SIDSIZE %u", static_cast<unsigned>(i1.sidsize()));
}
VIOMMU_TEST(regs_idr5, "smmuv3.regs.idr5_granules_and_oas", "smmuv3,regs") {
  Smmu* s = need_smmu(t);
  if (!s) return;
  const Idr5 i5 = s->idr5();
  // Translating at all needs a granule (a stage of translation is implemented, §2.2).
  t.check("reg.IDR5.GRAN", kIdStages, i5.gran4k() || i5.gran16k() || i5.gran64k(), "IDR5: no translation granule");
  t.check("reg.IDR5.OAS", kIdReserved, i5.oas() <= 0b110, "IDR5.OAS = %u is Reserved", static_cast<unsigned>(i5.oas()));
}
VIOMMU_TEST(regs_aidr, "smmuv3.regs.aidr_smmuv3", "smmuv3,regs") {
  Smmu* s = need_smmu(t);
  if (!s) return;
  const Aidr a = s->reg<Aidr>(RegOffset::kAidr);
  t.expect_eq("reg.AIDR.ArchMajorRev", kAidr, 0, a.arch_major_rev());
  t.check("reg.AIDR.ArchMinorRev", kIdReserved, a.arch_minor_rev() <= 4, "AIDR.ArchMinorRev = %u is Reserved in G.b",
          static_cast<unsigned>(a.arch_minor_rev()));
}
VIOMMU_TEST(regs_cr0ack, "smmuv3.regs.cr0_cr0ack_handshake", "smmuv3,regs") {
  Env e(t, [] { Options o; o.enable = false; return o; }());
  if (!e.ready()) return;
  // Each enable bit appears in CR0ACK once it has taken effect (§6.3.10).
  Cr0 c{};
  c.set_cmdqen(1);
  t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(c.value), "CR0ACK != CR0 after CMDQEN");
  c.set_eventqen(1);
  t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(c.value), "CR0ACK != CR0 after EVENTQEN");
  c.set_smmuen(1);
  t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(c.value), "CR0ACK != CR0 after SMMUEN");
  t.expect_eq("reg.CR0ACK", kCr0Ack, c.value, e.smmu->read32(RegOffset::kCr0Ack));
  c.set_smmuen(0);
  t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(c.value), "CR0ACK != CR0 after clearing SMMUEN");
}
VIOMMU_TEST(regs_irq_ctrl, "smmuv3.regs.irq_ctrl_irq_ctrlack_handshake", "smmuv3,regs") {
  Env e(t);
  if (!e.ready()) return;
  IrqCtrl c{};
  c.set_gerror_irqen(1).set_eventq_irqen(1);
  e.smmu->write32(RegOffset::kIrqCtrl, c.value);
  const bool ok = kernel::wait_until([&] { return e.smmu->read32(RegOffset::kIrqCtrlAck) == c.value; }, 100);
  t.check("reg.IRQ_CTRLACK", kIrqCtrlAck, ok, "IRQ_CTRLACK 0x%x, expected 0x%x", e.smmu->read32(RegOffset::kIrqCtrlAck),
          c.value);
  e.smmu->write32(RegOffset::kIrqCtrl, 0);
  t.check("reg.IRQ_CTRLACK", kIrqCtrlAck,
          kernel::wait_until([&] { return e.smmu->read32(RegOffset::kIrqCtrlAck) == 0; }, 100), "IRQ_CTRLACK did not clear");
}
VIOMMU_TEST(regs_base_readback, "smmuv3.regs.strtab_and_queue_bases_read_back", "smmuv3,regs") {
  Env e(t);
  if (!e.ready()) return;
  StrtabBase b{};
  b.set_raw(e.smmu->read64(RegOffset::kStrtabBase));
  t.expect_eq("reg.STRTAB_BASE", kRegRw, e.smmu->strtab_pa(), b.address());
  StrtabBaseCfg c{};
  c.value = e.smmu->read32(RegOffset::kStrtabBaseCfg);
  t.expect_eq("reg.STRTAB_BASE_CFG", kRegRw, e.smmu->strtab_log2(), c.log2size());
  t.expect_eq("reg.STRTAB_BASE_CFG", kRegRw, kStrtabFmtLinear, c.fmt());
  QueueBase q{};
  q.set_raw(e.smmu->read64(RegOffset::kCmdqBase));
  t.expect_eq("reg.CMDQ_BASE", kRegRw, e.smmu->options().cmdq_log2, q.log2size());
  q.set_raw(e.smmu->read64(RegOffset::kEventqBase));
  t.expect_eq("reg.EVENTQ_BASE", kRegRw, e.smmu->options().eventq_log2, q.log2size());
}
VIOMMU_TEST(regs_gbpa_update, "smmuv3.regs.gbpa_update_protocol", "smmuv3,regs") {
  Env e(t, [] { Options o; o.enable = false; return o; }());
  if (!e.ready()) return;
  // §6.3.14.1: a write with Update = 1 is applied, then Update reads 0 again, and the new value reads back.
  t.check("reg.GBPA.Update", kGbpaUpdate, e.smmu->set_gbpa(1u << 20), "GBPA.Update did not return to 0 after setting ABORT");
  Gbpa g{};
  g.value = e.smmu->read32(RegOffset::kGbpa);
  t.expect_eq("reg.GBPA.ABORT", kGbpaReadBack, 1, g.abort());
  t.expect_eq("reg.GBPA.Update", kGbpaUpdate, 0, g.update());
  // A write without Update: IGNORED in SMMUv3.2 and later; before that CONSTRAINED UNPREDICTABLE (ignored, or
  // stored and read back without effect, or taking effect at an UNPREDICTABLE point): then only the read-back
  // is observed, and each outcome is permitted.
  if (g.abort() != 1) return;  // ABORT did not stick: nothing to compare a write without Update against
  e.smmu->write32(RegOffset::kGbpa, 0);
  g.value = e.smmu->read32(RegOffset::kGbpa);
  const unsigned minor = static_cast<unsigned>(e.smmu->reg<Aidr>(RegOffset::kAidr).arch_minor_rev());
  if (minor >= 2) {
    t.expect_eq("reg.GBPA.no_update", kGbpaNoUpdate32, 1, g.abort());
  } else {
    t.choice("reg.GBPA.no_update", kGbpaNoUpdate31, g.abort() == 1,
             "SMMUv3.%u: the write without Update reads back (ABORT %u); the model ignores it", minor,
             static_cast<unsigned>(g.abort()));
  }
  t.check("reg.GBPA.Update", kGbpaUpdate, e.smmu->set_gbpa(0), "GBPA.Update did not return to 0");
}
VIOMMU_TEST(regs_gbpa_abort, "smmuv3.regs.gbpa_abort_blocks_dma_while_disabled", "smmuv3,regs") {
  Env e(t, [] { Options o; o.enable = false; return o; }());
  if (!e.ready()) return;
  if (!t.check("reg.GBPA.Update", kGbpaUpdate, e.smmu->set_gbpa(1u << 20), "GBPA update did not complete")) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  // SMMUEN = 0 and GBPA.ABORT = 1: every transaction is terminated, no event (§6.3.14). The oracle reads GBPA back
  // from the SMMU, so the memory check below does not depend on it: fill, DMA, compare.
  t.expect_eq("reg.GBPA.ABORT", kGbpaReadBack, 1, (e.smmu->read32(RegOffset::kGbpa) >> 20) & 1);
  uint8_t* m = kernel::DmaMemory::ptr<uint8_t>(e.target(0));
  for (size_t i = 0; i < kLen; ++i) m[i] = 0xa5;
  arch::dma_wmb();
  edu->write(e.target(0), kLen);
  arch::dma_rmb();
  size_t bad = kLen;
  for (size_t i = 0; i < kLen && bad == kLen; ++i)
    if (m[i] != 0xa5) bad = i;
  t.check("dma.untouched", kGbpaAbort, bad == kLen, "edu wrote physical memory (byte %lu) through GBPA.ABORT = 1",
          static_cast<unsigned long>(bad));
  // §7.2.1: "The remainder of events are related to the translation process and are not generated when
  // translation is disabled with SMMUEN == 0."
  static constexpr kernel::Clause kNoEventDisabled{kernel::Strength::kMust, "IHI0070 G.b §7.2.1",
      "The remainder of events are related to the translation process and are not generated when translation is "
      "disabled with SMMUEN == 0."};
  spec::smmuv3::EventRecord ev;
  t.check("event.none", kNoEventDisabled, !e.smmu->pop_event(ev), "event 0x%02x recorded while SMMUEN = 0",
          static_cast<unsigned>(ev.type()));
}
VIOMMU_TEST(regs_gbpa_bypass, "smmuv3.regs.gbpa_bypass_dma_while_disabled", "smmuv3,regs") {
  Env e(t, [] { Options o; o.enable = false; return o; }());
  if (!e.ready()) return;
  if (!t.check("reg.GBPA.Update", kGbpaUpdate, e.smmu->set_gbpa(0), "GBPA update did not complete")) return;
  // SMMUEN = 0, GBPA.ABORT = 0: bypass, the address is used as is; the stream table is ignored.
  expect_ok(e, e.blk, e.target(1), Dir::kDeviceWrites, e.target(1), kSmmuenBypass);
}
VIOMMU_TEST(regs_smmuen_strtab_used, "smmuv3.regs.smmuen_makes_stream_table_effective", "smmuv3,regs,fault") {
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  Env e(t);
  if (!e.ready()) return;
  // SMMUEN = 1 with edu's STE still zero (V = 0): C_BAD_STE instead of the bypass of SMMUEN = 0.
  expect_fault(e, edu, e.target(0), Dir::kDeviceWrites, EventType::kCBadSte, e.target(0), kSmmuenChecked);
}
VIOMMU_TEST(regs_gerror_ack, "smmuv3.regs.gerror_gerrorn_acknowledge", "smmuv3,regs") {
  Env e(t);
  if (!e.ready()) return;
  t.expect_eq("gerror.active", kGerror, 0, e.smmu->gerror_active());
  // An illegal command activates GERROR.CMDQ_ERR (toggles it); writing GERRORN to match deactivates it.
  Command bad;
  bad.set_opcode(0x7f);
  if (!e.smmu->submit(bad)) return t.error("the command queue stayed full");
  t.check("gerror.CMDQ_ERR", kCmdErrorGerror, kernel::wait_until([&] { return (e.smmu->gerror_active() & 1) != 0; }, 100),
          "GERROR.CMDQ_ERR not active after an undefined opcode");
  // Make the slot harmless before acknowledging, so that consumption restarts on a legal command.
  const uint32_t cons = e.smmu->cmdq_cons() & ((1u << (e.smmu->options().cmdq_log2 + 1)) - 1);
  CmdSync s;
  *e.smmu->cmdq_slot(cons) = s;
  arch::dma_wmb();
  e.smmu->ack_gerror(1);
  t.expect_eq("gerror.active", kGerrorAck, 0, e.smmu->gerror_active());
}
VIOMMU_TEST(regs_cr2_recinvsid, "smmuv3.regs.cr2_recinvsid_0_suppresses_c_bad_streamid", "smmuv3,regs") {
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  Smmu* sm = Smmu::get();
  if (!edu || !sm) return t.skip("no edu endpoint or no SMMU");
  const uint32_t sid = sm->sid_of(edu->rid());
  if (sid < 2) return t.skip("edu's StreamID is too small");
  Options o;
  o.strtab_log2 = 31 - static_cast<unsigned>(__builtin_clz(sid));
  Env e(t, o);
  if (!e.ready()) return;
  // §6.3.12 RECINVSID = 0: C_BAD_STREAMID is not recorded (the transaction is still terminated).
  e.smmu->write32(RegOffset::kCr2, 0);
  e.smmu->drain_events();
  edu->write(kIova, kLen);
  spec::smmuv3::EventRecord ev;
  const bool got = e.smmu->pop_event(ev);
  t.check("event.none", kRecinvsid0, !got, "event 0x%02x (%s) recorded with CR2.RECINVSID = 0",
          static_cast<unsigned>(ev.type()), event_name(ev.type()));
}
