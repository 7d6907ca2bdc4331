// The stateful SMMU: register file semantics, command queue processing and errors, CMD_SYNC completion, event
// queue writes, wrap and overflow.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class Device : public Smmuv3Test {
 protected:
  Smmu s{mem, cfg};
  void SetUp() override { enable(s); }
  void fault_sid(uint32_t sid) { s.translate(rd(sid, 0)); }  // STE V=0 -> C_BAD_STE record
};

// ---- registers -------------------------------------------------------------------------------------------

TEST_F(Device, IdRegistersMirrorConfig) {
  Smmu q(mem, Config::qemu_7_2());
  EXPECT_EQ(q.mmio_read32(RegOffset::kIdr0), 0x0d40101au);
  EXPECT_EQ(q.mmio_read32(RegOffset::kIdr1), 0x02730010u);
  EXPECT_EQ(q.mmio_read32(RegOffset::kIdr3), 0x1404u);
  EXPECT_EQ(q.mmio_read32(RegOffset::kIdr5), 0x74u);
  EXPECT_EQ(q.mmio_read32(RegOffset::kAidr), 0x1u);
  Smmu q10(mem, Config::qemu_10_0());
  EXPECT_EQ(q10.mmio_read32(RegOffset::kIdr0), 0x0d44101bu);
  EXPECT_TRUE(q10.caps().s2p);
  EXPECT_TRUE(q10.caps().vmid16);
}

TEST_F(Device, Cr0AckFollowsCr0) {
  Smmu q(mem, cfg);
  q.mmio_write32(RegOffset::kCr0, 0b0101);
  EXPECT_EQ(q.mmio_read32(RegOffset::kCr0Ack), 0b0101u);
  q.mmio_write32(RegOffset::kCr0, 0);
  EXPECT_EQ(q.mmio_read32(RegOffset::kCr0Ack), 0u);
}

TEST_F(Device, Cr0UnimplementedBitsRead0) {
  Smmu q(mem, cfg);  // no PRI, no ATS
  q.mmio_write32(RegOffset::kCr0, 0xffffffffu);
  EXPECT_EQ(q.mmio_read32(RegOffset::kCr0Ack), 0b1101u);
}

TEST_F(Device, GbpaUpdateProtocol) {
  Smmu q(mem, cfg);
  q.mmio_write32(RegOffset::kGbpa, 1u << 20);  // ABORT without UPDATE: ignored
  EXPECT_EQ(q.mmio_read32(RegOffset::kGbpa), 0u);
  q.mmio_write32(RegOffset::kGbpa, (1u << 31) | (1u << 20));  // with UPDATE: applied, UPDATE reads 0
  EXPECT_EQ(q.mmio_read32(RegOffset::kGbpa), 1u << 20);
}

TEST_F(Device, GbpaAbortWhileDisabled) {
  Smmu q(mem, cfg);
  EXPECT_EQ(q.translate(rd(1, 0x1234)).pa, 0x1234ull);  // reset GBPA: bypass
  q.mmio_write32(RegOffset::kGbpa, (1u << 31) | (1u << 20));
  EXPECT_EQ(q.translate(rd(1, 0x1234)).status, Status::kAbort);
  EXPECT_EQ(q.counters().events_written + q.counters().events_dropped, 0u);  // no events while disabled
}

TEST_F(Device, Cr2RecinvsidGatesBadStreamidRecord) {
  // enable(): LOG2SIZE 8 -> 256 StreamIDs, SID 256 is out of range (C_BAD_STREAMID, §7.3.2). CR2 resets to 0:
  // RECINVSID = 0 terminates the transaction without a record (§6.3.12); RECINVSID (CR2 bit 1) = 1 records it.
  const Outcome quiet = s.translate(rd(256, 0x1000));
  EXPECT_EQ(quiet.status, Status::kFault);
  EXPECT_FALSE(quiet.record);
  EXPECT_EQ(s.counters().events_written, 0u);
  s.mmio_write32(RegOffset::kCr2, 0b010);
  const Outcome loud = s.translate(rd(256, 0x1000));
  EXPECT_TRUE(loud.record);
  EXPECT_EQ(s.counters().events_written, 1u);
  EXPECT_EQ(event_at(0).type(), 0x02u);  // C_BAD_STREAMID
  EXPECT_EQ(event_at(0).streamid(), 256u);
}

TEST_F(Device, GbpaResetValueFromConfig) {
  Config c = cfg;
  c.gbpa_reset = 1u << 20;
  Smmu q(mem, c);
  EXPECT_EQ(q.translate(rd(1, 0)).status, Status::kAbort);
}

TEST_F(Device, Register64BitHalves) {
  Smmu q(mem, cfg);
  q.mmio_write32(RegOffset::kStrtabBase, 0x4000'0040);
  q.mmio_write32(RegOffset::kStrtabBase + 4, 0x4000'0001);  // RA (bit 62) and address bit 32
  EXPECT_EQ(q.mmio_read64(RegOffset::kStrtabBase), 0x4000'0001'4000'0040ull);
}

TEST_F(Device, StrtabBaseIgnoredWhileEnabled) {
  s.mmio_write64(RegOffset::kStrtabBase, 0x5000'0000);
  EXPECT_EQ(s.mmio_read64(RegOffset::kStrtabBase), kStrtab);
}

TEST_F(Device, QueueBaseIgnoredWhileQueueEnabled) {
  s.mmio_write64(RegOffset::kCmdqBase, 0x5000'0000 | 4);
  EXPECT_EQ(s.mmio_read64(RegOffset::kCmdqBase), kCmdq | 8);
}

TEST_F(Device, StrtabBaseMasksRes0Bits) {
  Smmu q(mem, cfg);
  q.mmio_write64(RegOffset::kStrtabBase, 0xffff'ffff'ffff'ffffull);
  // RA [62] and ADDR [51:6] survive.
  EXPECT_EQ(q.mmio_read64(RegOffset::kStrtabBase), (1ull << 62) | 0x000f'ffff'ffff'ffc0ull);
}

TEST_F(Device, EventqProdIsOnPage1) {
  fault_sid(3);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 1u);
  EXPECT_EQ(s.mmio_read32(0xa8), 0u);  // Page 0 offset 0xA8 is not EVENTQ_PROD
}

TEST_F(Device, IrqCtrlAck) {
  s.mmio_write32(RegOffset::kIrqCtrl, 0b111);
  EXPECT_EQ(s.mmio_read32(RegOffset::kIrqCtrlAck), 0b101u);  // PRIQ_IRQEN is RES0 without PRI
}

// ---- GERROR toggle protocol ------------------------------------------------------------------------------

TEST_F(Device, GerrorToggleAndAcknowledge) {
  submit(s, {Command{}});  // opcode 0: CERROR_ILL
  EXPECT_EQ(s.mmio_read32(RegOffset::kGerror), 1u);
  EXPECT_EQ(s.mmio_read32(RegOffset::kGerrorn), 0u);
  EXPECT_TRUE(s.gerror_active(1));
  put(kCmdq, CmdSync{});                   // fix the command, then acknowledge: GERRORN now equals GERROR
  s.mmio_write32(RegOffset::kGerrorn, 1);
  EXPECT_FALSE(s.gerror_active(1));
  EXPECT_EQ(s.mmio_read32(RegOffset::kGerror), 1u);  // GERROR keeps its value; activity is the difference
}

TEST_F(Device, GerrorSecondErrorTogglesBack) {
  submit(s, {Command{}});
  s.mmio_write32(RegOffset::kGerrorn, 1);  // ack; the bad command is still at CONS and fails again
  EXPECT_EQ(s.mmio_read32(RegOffset::kGerror), 0u);  // toggled from 1 back to 0: active again (0 != 1)
  EXPECT_TRUE(s.gerror_active(1));
}

TEST_F(Device, GerrorIsReadOnly) {
  s.mmio_write32(RegOffset::kGerror, 0x7ff);
  EXPECT_EQ(s.mmio_read32(RegOffset::kGerror), 0u);
}

TEST_F(Device, GerrorIrqCounted) {
  s.mmio_write32(RegOffset::kIrqCtrl, 1);
  submit(s, {Command{}});
  EXPECT_EQ(s.counters().gerror_irqs, 1u);
}

TEST_F(Device, GerrorMsiWrite) {
  s.mmio_write32(RegOffset::kIrqCtrl, 1);
  s.mmio_write64(RegOffset::kGerrorIrqCfg0, kMsi + 8);
  s.mmio_write32(RegOffset::kGerrorIrqCfg1, 0x1234);
  submit(s, {Command{}});
  EXPECT_EQ(r32(kMsi + 8), 0x1234u);
}

// ---- command queue ---------------------------------------------------------------------------------------

TEST_F(Device, CommandsConsumedToProd) {
  submit(s, {CmdTlbiNsnhAll{}, CmdCfgiAll{}, CmdSync{}});
  EXPECT_EQ(s.mmio_read32(RegOffset::kCmdqCons), 3u);
  EXPECT_EQ(s.counters().commands, 3u);
  EXPECT_EQ(s.counters().syncs, 1u);
}

TEST_F(Device, CerrorIllStopsAtBadCommand) {
  Command bad;
  bad.set_opcode(0x7f);
  submit(s, {CmdSync{}, bad, CmdSync{}});
  // CONS stops at index 1 with ERR = CERROR_ILL (1) in [30:24].
  EXPECT_EQ(s.mmio_read32(RegOffset::kCmdqCons), (1u << 24) | 1u);
  EXPECT_EQ(s.counters().syncs, 1u);
}

TEST_F(Device, QueueResumesAfterFixAndAck) {
  Command bad;
  bad.set_opcode(0x7f);
  submit(s, {bad, CmdSync{}});
  put(kCmdq, CmdSync{});                    // software replaces the failing command
  s.mmio_write32(RegOffset::kGerrorn, 1);   // and acknowledges
  EXPECT_EQ(s.mmio_read32(RegOffset::kCmdqCons) & 0xfffff, 2u);
  EXPECT_EQ(s.counters().syncs, 2u);
}

TEST_F(Device, CerrorAbtOnQueueReadAbort) {
  Smmu q(mem, cfg);
  q.mmio_write64(RegOffset::kCmdqBase, (kRamEnd - 0x20) | 8);  // entries 2.. are outside RAM
  q.mmio_write32(RegOffset::kCr0, 0b1000);
  q.mmio_write32(RegOffset::kCmdqProd, 3);
  // Entries 0 and 1 (zeroes in RAM) are opcode 0 -> ILL at entry 0. Fix them to CMD_SYNC first.
  put(kRamEnd - 0x20, CmdSync{});
  put(kRamEnd - 0x10, CmdSync{});
  q.mmio_write32(RegOffset::kGerrorn, 1);
  EXPECT_EQ(q.mmio_read32(RegOffset::kCmdqCons), (2u << 24) | 2u);  // CERROR_ABT at entry 2
}

TEST_F(Device, CommandQueueWraps) {
  // 256 entries: submitting 300 syncs in two batches wraps CONS to index 44 with the wrap bit (bit 8) set.
  for (int batch = 0; batch < 2; ++batch) {
    uint32_t prod = s.mmio_read32(RegOffset::kCmdqProd);
    for (int i = 0; i < 150; ++i) {
      put(kCmdq + (prod & 0xff) * 16, CmdSync{});
      prod = (prod + 1) & 0x1ff;
    }
    s.mmio_write32(RegOffset::kCmdqProd, prod);
  }
  EXPECT_EQ(s.mmio_read32(RegOffset::kCmdqCons), 0x100u | 44u);
  EXPECT_EQ(s.counters().syncs, 300u);
}

TEST_F(Device, CmdqNotProcessedWhileDisabled) {
  s.mmio_write32(RegOffset::kCr0, 0b0101);  // CMDQEN off
  submit(s, {CmdSync{}});
  EXPECT_EQ(s.counters().syncs, 0u);
  s.mmio_write32(RegOffset::kCr0, kCr0All);  // enabling starts consumption
  EXPECT_EQ(s.counters().syncs, 1u);
}

TEST_F(Device, SyncMsiCompletion) {
  CmdSync c;
  c.set_cs(kSyncCsIrq).set_msidata(0xfeed'beef).set_msi_address(kMsi);
  submit(s, {c});
  EXPECT_EQ(r32(kMsi), 0xfeed'beefu);
  EXPECT_EQ(s.counters().msi_writes, 1u);
}

TEST_F(Device, SyncMsiAbortIsGerror) {
  CmdSync c;
  c.set_cs(kSyncCsIrq).set_msidata(1).set_msi_address(kRamEnd);
  submit(s, {c});
  EXPECT_TRUE(s.gerror_active(1u << 4));  // MSI_CMDQ_ABT_ERR
  EXPECT_EQ(s.mmio_read32(RegOffset::kCmdqCons), 1u);  // the command itself completed
}

TEST_F(Device, SyncWithoutMsiSupportUsesWiredIrq) {
  Smmu q(mem, Config::qemu_7_2());  // IDR0.MSI = 0
  enable(q);
  CmdSync c;
  c.set_cs(kSyncCsIrq).set_msidata(7).set_msi_address(kMsi + 0x10);
  submit(q, {c});
  EXPECT_EQ(r32(kMsi + 0x10), 0u);
  EXPECT_EQ(q.counters().sync_irqs, 1u);
}

TEST_F(Device, SyncCsNoneAndSev) {
  CmdSync none, sev;
  sev.set_cs(kSyncCsSev).set_msi_address(kMsi + 0x20).set_msidata(5);
  submit(s, {none, sev});
  EXPECT_EQ(s.counters().syncs, 2u);
  EXPECT_EQ(r32(kMsi + 0x20), 0u);  // SEV never writes the MSI
}

TEST_F(Device, SyncReservedCs) {
  CmdSync c;
  c.set_cs(3);
  EXPECT_EQ(s.execute(c), CmdError::kIll);
}

struct IllCase {
  const char* name;
  uint8_t opcode;
};
class IllegalCommand : public Device, public ::testing::WithParamInterface<IllCase> {};
TEST_P(IllegalCommand, IsCerrorIll) {
  Command c;
  c.set_opcode(GetParam().opcode);
  EXPECT_EQ(s.execute(c), CmdError::kIll) << GetParam().name;
}
INSTANTIATE_TEST_SUITE_P(
    Unsupported, IllegalCommand,
    ::testing::Values(IllCase{"opcode_0", 0x00}, IllCase{"reserved_0x08", 0x08}, IllCase{"vms_pidm", 0x07},
                      IllCase{"el3_all", 0x18}, IllCase{"el3_va", 0x1a}, IllCase{"el2_all", 0x20},
                      IllCase{"el2_asid", 0x21}, IllCase{"el2_va", 0x22}, IllCase{"el2_vaa", 0x23},
                      IllCase{"atc_inv_no_ats", 0x40}, IllCase{"pri_resp_no_pri", 0x41},
                      IllCase{"resume_no_stall", 0x44}, IllCase{"stall_term_no_stall", 0x45},
                      IllCase{"reserved_0xff", 0xff}),
    [](const ::testing::TestParamInfo<IllCase>& i) { return std::string(i.param.name); });

TEST_F(Device, CfgiSteSidOutOfRange) {
  CmdCfgiSte c;
  c.set_streamid(0x10000);  // SIDSIZE 16
  EXPECT_EQ(s.execute(c), CmdError::kIll);
}

TEST_F(Device, CfgiCdSsidOutOfRange) {
  Smmu q(mem, Config::qemu_7_2());  // SSIDSIZE 0: only SubstreamID 0
  CmdCfgiCd c;
  c.set_streamid(1).set_substreamid(1);
  EXPECT_EQ(q.execute(c), CmdError::kIll);
  c.set_substreamid(0);
  EXPECT_EQ(q.execute(c), CmdError::kNone);
}

TEST_F(Device, Stage2CommandsIllegalWithoutS2p) {
  Smmu q(mem, Config::qemu_7_2());
  EXPECT_EQ(q.execute(CmdTlbiS12Vmall{}), CmdError::kIll);
  EXPECT_EQ(q.execute(CmdTlbiS2Ipa{}), CmdError::kIll);
  EXPECT_EQ(q.execute(CmdTlbiNhAll{}), CmdError::kNone);
}

TEST_F(Device, PrefetchAccepted) {
  EXPECT_EQ(s.execute(CmdPrefetchConfig{}), CmdError::kNone);
  EXPECT_EQ(s.execute(CmdPrefetchAddr{}), CmdError::kNone);
}

TEST_F(Device, AtcInvWithAts) {
  Config c = cfg;
  c.idr0 |= 1u << 10;
  Smmu q(mem, c);
  EXPECT_EQ(q.execute(CmdAtcInv{}), CmdError::kNone);
}

// ---- event queue -----------------------------------------------------------------------------------------

TEST_F(Device, EventWrittenAtProd) {
  fault_sid(3);
  const EventRecord e = event_at(0);
  EXPECT_EQ(e.type(), 0x04u);  // C_BAD_STE
  EXPECT_EQ(e.streamid(), 3u);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 1u);
}

TEST_F(Device, EventQueueWrapBit) {
  // Queue of 2^2 = 4 entries: 4 events fill it; after the consumer reads all, 2 more land at indices 0, 1 with
  // the wrap bit (bit 2) set: PROD = 0b110.
  s.mmio_write32(RegOffset::kCr0, 0b1001);
  s.mmio_write64(RegOffset::kEventqBase, kEventq | 2);
  s.mmio_write32(RegOffset::kCr0, kCr0All);
  for (uint32_t i = 0; i < 4; ++i) fault_sid(10 + i);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0b100u);
  s.mmio_write32(RegOffset::kEventqCons, 0b100);
  fault_sid(20);
  fault_sid(21);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0b110u);
  EXPECT_EQ(event_at(0).streamid(), 20u);
  EXPECT_EQ(event_at(1).streamid(), 21u);
}

TEST_F(Device, EventQueueOverflow) {
  s.mmio_write32(RegOffset::kCr0, 0b1001);
  s.mmio_write64(RegOffset::kEventqBase, kEventq | 1);  // 2 entries
  s.mmio_write32(RegOffset::kCr0, kCr0All);
  fault_sid(10);
  fault_sid(11);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0b10u);  // full: index 0, wrap 1
  fault_sid(12);                                             // lost: OVFLG toggles
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), (1u << 31) | 0b10u);
  fault_sid(13);  // still unacknowledged overflow: OVFLG stays
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), (1u << 31) | 0b10u);
  EXPECT_EQ(s.counters().events_overflowed, 2u);
  EXPECT_EQ(event_at(0).streamid(), 10u);
}

TEST_F(Device, EventQueueOverflowAcknowledged) {
  s.mmio_write32(RegOffset::kCr0, 0b1001);
  s.mmio_write64(RegOffset::kEventqBase, kEventq | 1);
  s.mmio_write32(RegOffset::kCr0, kCr0All);
  fault_sid(10);
  fault_sid(11);
  fault_sid(12);
  // Software consumes both and copies OVFLG to OVACKFLG.
  s.mmio_write32(RegOffset::kEventqCons, (1u << 31) | 0b10u);
  fault_sid(14);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), (1u << 31) | 0b11u);
  fault_sid(15);
  fault_sid(16);  // overflow again: OVFLG toggles back to 0 (now != OVACKFLG)
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0b00u);
}

TEST_F(Device, EventsDroppedWhileEventqDisabled) {
  s.mmio_write32(RegOffset::kCr0, 0b1001);
  fault_sid(3);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0u);
  EXPECT_EQ(s.counters().events_dropped, 1u);
}

TEST_F(Device, EventQueueWriteAbort) {
  s.mmio_write32(RegOffset::kCr0, 0b1001);
  s.mmio_write64(RegOffset::kEventqBase, kRamEnd | 2);
  s.mmio_write32(RegOffset::kCr0, kCr0All);
  fault_sid(3);
  EXPECT_TRUE(s.gerror_active(1u << 2));  // EVENTQ_ABT_ERR
}

TEST_F(Device, EventqMsi) {
  s.mmio_write32(RegOffset::kIrqCtrl, 0b100);
  s.mmio_write64(RegOffset::kEventqIrqCfg0, kMsi + 0x30);
  s.mmio_write32(RegOffset::kEventqIrqCfg1, 0xabcd);
  fault_sid(3);
  EXPECT_EQ(r32(kMsi + 0x30), 0xabcdu);
  EXPECT_EQ(s.counters().eventq_irqs, 1u);
}

TEST_F(Device, TranslationFaultRecordFields) {
  // A stage-1 fault through the device lands in the queue with the same fields the oracle predicts.
  put_ste(1, ste_s1());
  put(kCdTable, cd_4k(alloc()));
  Transaction t = wr(1, 0x7000);
  t.ssv = false;
  const Outcome o = s.translate(t);
  const EventRecord e = event_at(0);
  EXPECT_EQ(e, o.event);
  expect_translation_event(e, EventType::kFTranslation, 1, 0x7000, false, false, EventClass::kIn);
}

TEST_F(Device, PredictHasNoSideEffects) {
  fault_sid(3);
  const uint32_t prod = s.mmio_read32(RegOffset::kEventqProd);
  EXPECT_EQ(s.predict(rd(3, 0)).type(), EventType::kCBadSte);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), prod);
}

TEST_F(Device, ResetClearsState) {
  fault_sid(3);
  s.reset();
  EXPECT_EQ(s.mmio_read32(RegOffset::kCr0), 0u);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0u);
  EXPECT_EQ(s.cfg_occupancy(), 0u);
}

}  // namespace
}  // namespace smmuv3_test
