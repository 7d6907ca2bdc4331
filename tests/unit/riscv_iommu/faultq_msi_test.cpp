// The fault queue ("Fault/Event-Queue (FQ)": records at fqt, full when "fqt == fqh - 1", fqof/fqmf discard
// records until cleared, fip), IOMMU MSIs ("MSI configuration table"), MSI address translation ("Process to
// translate addresses of MSIs": flat and MRIF MSI PTEs) and the debug translation interface.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class CountingSink final : public model::riscv_iommu::InterruptSink {
 public:
  bool msi(uint64_t address, uint32_t data) override {
    last_address = address;
    last_data = data;
    ++msis;
    return address != fail_address;
  }
  void wire(unsigned, bool) override {}
  uint64_t last_address = 0, fail_address = ~0ull;
  uint32_t last_data = 0;
  unsigned msis = 0;
};

class RvFaultQueue : public RvTest {
 protected:
  // ddtp Off: every request is a cause-256 fault with the request's IOVA in iotval.
  Result fault_at(uint64_t iova) { return io.translate(rd(1, iova)); }
};

TEST_F(RvFaultQueue, RecordsAtTheTail) {
  enable_fq();
  fault_at(0x1000);
  fault_at(0x2000);
  EXPECT_EQ(fqt(), 2u);
  EXPECT_EQ(fq(0).iotval(), 0x1000u);
  EXPECT_EQ(fq(1).iotval(), 0x2000u);  // 32 bytes further: kFq + 0x20
  EXPECT_EQ(r64(kFq + 0x30), 0x2000u);
}

TEST_F(RvFaultQueue, FullQueueOverflowsAndDrops) {
  // 4 entries (LOG2SZ-1 = 1) hold 3 records: "A queue is full if the tail is the head minus one." The 4th sets
  // fqof and "The fault-record is discarded".
  enable_fq(1);
  for (uint64_t i = 1; i <= 3; ++i) EXPECT_EQ(fault_at(i << 12).outcome, Outcome::kFaulted);
  const Result r = fault_at(0x4000);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_TRUE(r.has_fault);
  EXPECT_EQ(fqt(), 3u);
  EXPECT_EQ(fqcsr().fqof(), 1u);
  EXPECT_EQ(r64(kFq + 3 * 32 + 16), 0u);  // slot 3 never written
}

TEST_F(RvFaultQueue, NoRecordsWhileFqofIsSet) {
  enable_fq(1);
  for (uint64_t i = 1; i <= 4; ++i) fault_at(i << 12);
  set(reg::kFqh, 3);  // software consumed everything: room again, but fqof still set
  EXPECT_EQ(fault_at(0x5000).outcome, Outcome::kAborted);
  EXPECT_EQ(fqt(), 3u);
  set(reg::kFqcsr, 0x201);  // fqen | fqof (RW1C)
  EXPECT_EQ(fault_at(0x6000).outcome, Outcome::kFaulted);
  EXPECT_EQ(fqt(), 0u);  // wrapped: 3 + 1 = 4 = 0 (mod 4)
  EXPECT_EQ(fq(3).iotval(), 0x6000u);
}

TEST_F(RvFaultQueue, UnwritableQueueSetsFqmf) {
  // "The fqmf bit is set to 1 if the IOMMU encounters an access fault when storing a fault record".
  QueueBase b;
  b.set_log2sz_1(3).set_ppn(1);
  set(reg::kFqb, b.raw());
  set(reg::kFqcsr, 1);
  EXPECT_EQ(fault_at(0x1000).outcome, Outcome::kAborted);
  EXPECT_EQ(fqcsr().fqmf(), 1u);
  EXPECT_EQ(fqt(), 0u);
}

TEST_F(RvFaultQueue, QueueOffAbortsSilently) {
  const Result r = fault_at(0x1000);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.fault.cause(), 256u);
  EXPECT_FALSE(r.queued);
}

TEST_F(RvFaultQueue, FipAndItsMessage) {
  // fie: a new record sets ipsr.fip [1] and sends msi_cfg_tbl[icvec.fiv] (fiv = 5 at [7:4]).
  CountingSink sink;
  io.set_interrupt_sink(&sink);
  set(reg::kIcvec, 0x50);
  set(reg::msi_addr(5), 0x2400'0040);
  set(reg::msi_data(5), 0x99);
  enable_fq();
  set(reg::kFqcsr, 0x3);
  fault_at(0x1000);
  EXPECT_EQ(reg(reg::kIpsr), 0x2u);
  EXPECT_EQ(sink.msis, 1u);
  EXPECT_EQ(sink.last_address, 0x2400'0040u);
  EXPECT_EQ(sink.last_data, 0x99u);
  fault_at(0x2000);  // fip still 1: "an interrupt message is generated when an interrupt-pending bit transitions"
  EXPECT_EQ(sink.msis, 1u);
  set(reg::kIpsr, 0x2);
  fault_at(0x3000);
  EXPECT_EQ(sink.msis, 2u);
}

TEST_F(RvFaultQueue, MaskedVectorSendsWhenUnmasked) {
  // "Pending messages for that vector are later generated if the corresponding mask bit is cleared to 0."
  CountingSink sink;
  io.set_interrupt_sink(&sink);
  set(reg::msi_vec_ctl(0), 1);
  enable_fq();
  set(reg::kFqcsr, 0x3);
  fault_at(0x1000);
  EXPECT_EQ(sink.msis, 0u);
  set(reg::msi_vec_ctl(0), 0);
  EXPECT_EQ(sink.msis, 1u);
}

TEST_F(RvFaultQueue, MsiWriteFaultIsCause273) {
  // "If an access fault is detected on a MSI write using msi_addr_x, then the IOMMU reports a "IOMMU MSI write
  // access fault" (cause 273) fault, with TTYP set to 0 and iotval set to the value of msi_addr_x." The command
  // queue's interrupt (vector 1) fails.
  CountingSink sink;
  sink.fail_address = 0x2400'0100;
  io.set_interrupt_sink(&sink);
  set(reg::kIcvec, 0x1);
  set(reg::msi_addr(1), 0x2400'0100);
  enable_fq();
  enable_cq();
  set(reg::kCqcsr, 0x3);
  submit(Command{});  // opcode 0: cmd_ill, cip
  EXPECT_EQ(fqt(), 1u);
  EXPECT_EQ(fq(0).cause(), 273u);
  EXPECT_EQ(fq(0).ttyp(), 0u);
  EXPECT_EQ(fq(0).did(), 0u);
  EXPECT_EQ(fq(0).iotval(), 0x2400'0100u);
}

// ---- MSI address translation. A G-stage-only DC (GSCID 3, the guest window) with msiptp Flat, mask 0x7 and
// pattern 0x28000: GPA pages 0x2800_0000 .. 0x2800_7000 are interrupt files 0..7.
class RvMsi : public RvTest {
 protected:
  uint64_t msipt = 0;
  void SetUp() override { setup(Config{}); }
  void setup(const Config& c) {
    reconfigure(c);
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    msipt = page();
    DeviceContext dc = dc_valid();
    with_g_stage(dc, 8, guest_window_sv39x4(), 3);
    Msiptp m;
    m.set_mode(1).set_ppn(msipt >> 12);
    MsiAddrMask mask;
    mask.set_mask(0x7);
    MsiAddrPattern pattern;
    pattern.set_pattern(0x28000);
    put_dc(1, dc.set_msiptp(m).set_msi_addr_mask(mask).set_msi_addr_pattern(pattern));
  }
  void put_pte(unsigned file, const MsiPte& p) {
    w64(msipt + file * 16, p.words[0]);
    w64(msipt + file * 16 + 8, p.words[1]);
  }
  static MsiPte flat(uint64_t ppn) {
    MsiPte p;
    p.set_v(1).set_m(3).set_ppn(ppn);
    return p;
  }
  uint64_t cause(const Request& req) {
    const Result r = io.translate(req);
    return r.outcome == Outcome::kFaulted ? r.fault.cause() : 0;
  }
};

TEST_F(RvMsi, FlatRedirectsToThePtesPage) {
  // File 5 (A = 0x2800_5004: (A >> 12) & ~7 = 0x28000 = pattern, I = extract(0x28005, 7) = 5): the PTE at
  // msipt + 0x50; "msipte.PPN << 12 | A[11:0]" = 0x2450_5004.
  put_pte(5, flat(0x24505));
  const Result r = io.translate(wr(1, 0x2800'5004));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_TRUE(r.msi);
  EXPECT_EQ(r.pa, 0x2450'5004u);
  EXPECT_EQ(r.page_size, 0x1000u);
}

TEST_F(RvMsi, OtherAddressesUseTheGStage) {
  const Result r = io.translate(wr(1, 0x10'0040));
  EXPECT_FALSE(r.msi);
  EXPECT_EQ(r.pa, kGuestSpa + 0x10'0040);
}

TEST_F(RvMsi, PteNotValid) {
  EXPECT_EQ(cause(wr(1, 0x2800'2000)), 262u);  // "MSI PTE not valid"
}

TEST_F(RvMsi, PteLoadAccessFault) {
  Config c;
  setup(c);
  DeviceContext dc = dc_valid();
  with_g_stage(dc, 8, guest_window_sv39x4(), 3);
  Msiptp m;
  m.set_mode(1).set_ppn(1);  // 0x1000: no RAM
  MsiAddrPattern pattern;
  pattern.set_pattern(0x28000);
  put_dc(2, dc.set_msiptp(m).set_msi_addr_pattern(pattern));
  EXPECT_EQ(cause(wr(2, 0x2800'0000)), 261u);  // "MSI PTE load access fault"
}

TEST_F(RvMsi, ModeZeroOrTwoIsMisconfigured) {
  // "If msipte.M == 0 or msipte.M == 2, then stop and report "MSI PTE misconfigured" (cause = 263)."
  MsiPte p = flat(0x24500);
  p.set_m(0);
  put_pte(0, p);
  p.set_m(2);
  put_pte(1, p);
  EXPECT_EQ(cause(wr(1, 0x2800'0000)), 263u);
  EXPECT_EQ(cause(wr(1, 0x2800'1000)), 263u);
}

TEST_F(RvMsi, ReservedBitIsMisconfigured) {
  MsiPte p = flat(0x24500);
  p.words[0] |= 1ull << 3;  // [9:3] reserved in basic translate mode
  put_pte(0, p);
  EXPECT_EQ(cause(wr(1, 0x2800'0000)), 263u);
}

TEST_F(RvMsi, CustomPteIsMisconfigured) {
  // "If msipte.C == 1, then further processing to interpret the PTE is implementation defined": the model
  // defines none and reports 263 (Config documents it).
  MsiPte p = flat(0x24500);
  p.set_c(1);
  put_pte(0, p);
  EXPECT_EQ(cause(wr(1, 0x2800'0000)), 263u);
}

TEST_F(RvMsi, ExecuteIsInstructionAccessFault) {
  // "If the transaction is an Untranslated or Translated read-for-execute then stop and report "Instruction
  // access fault" (cause = 1)"; reads are allowed (R=W=1).
  put_pte(0, flat(0x24500));
  EXPECT_EQ(cause(ex(1, 0x2800'0000)), 1u);
  EXPECT_EQ(io.translate(rd(1, 0x2800'0010)).pa, 0x2450'0010u);
}

TEST_F(RvMsi, MrifSetsPendingAndSendsNotice) {
  // MRIF mode (M=1): MRIF at 0x8020_0000 (MRIF_Address[55:9] = 0x8020_0000 / 512), notice to the fence page,
  // NID 0x123. Identity 70: pending bits are the even doublewords, so doubleword 2 * (70 / 64) = 2 (+0x10),
  // bit 70 % 64 = 6; its enable bit (+0x18) set.
  const uint64_t mrif = 0x8020'0000;
  MsiPte p;
  p.set_v(1).set_m(1).set_mrif_addr_55_9(mrif / 512).set_nppn(kFence >> 12).set_n_9_0(0x123);
  put_pte(2, p);
  w64(mrif + 0x18, 1ull << 6);
  Request req = wr(1, 0x2800'2000);
  req.msi = true;
  req.msi_data = 70;
  const Result r = io.translate(req);
  EXPECT_TRUE(r.mrif);
  EXPECT_EQ(r.pa, mrif);
  EXPECT_EQ(r64(mrif + 0x10), 1ull << 6);
  EXPECT_EQ(r32(kFence), 0x123u);  // the notice MSI's data: NID
}

TEST_F(RvMsi, MrifNoticeEvenWhenTheIdentityIsDisabled) {
  // AIA: "an IOMMU is required always to send a notice MSI after storing an MSI to an MRIF, even when the
  // corresponding enable bit for the interrupt identity is zero." Identity 3: pending doubleword 0, bit 3.
  const uint64_t mrif = 0x8020'0000;
  MsiPte p;
  p.set_v(1).set_m(1).set_mrif_addr_55_9(mrif / 512).set_nppn(kFence >> 12).set_n_9_0(0x1).set_n10(1);
  put_pte(2, p);
  Request req = wr(1, 0x2800'2000);
  req.msi = true;
  req.msi_data = 3;
  io.translate(req);
  EXPECT_EQ(r64(mrif), 1ull << 3);
  EXPECT_EQ(r32(kFence), 0x401u);  // NID = N10 << 10 | N[9:0]
}

TEST_F(RvMsi, MrifDiscardsOddWrites) {
  // "If either A[11:3] or D[31:11] is not zero ... the incoming write is accepted but discarded": offset 8, and
  // identity 2048.
  const uint64_t mrif = 0x8020'0000;
  MsiPte p;
  p.set_v(1).set_m(1).set_mrif_addr_55_9(mrif / 512).set_nppn(kFence >> 12).set_n_9_0(0x1);
  put_pte(2, p);
  Request req = wr(1, 0x2800'2008);
  req.msi = true;
  req.msi_data = 1;
  EXPECT_EQ(io.translate(req).outcome, Outcome::kTranslated);
  req.iova = 0x2800'2000;
  req.msi_data = 2048;
  io.translate(req);
  for (uint64_t off = 0; off < 512; off += 8) EXPECT_EQ(r64(mrif + off), 0u);
  EXPECT_EQ(r32(kFence), 0u);
}

TEST_F(RvMsi, MrifWithoutCapabilityIsMisconfigured) {
  // "If capabilities.MSI_MRIF == 0, stop and report "MSI PTE misconfigured" (cause = 263)."
  Config c;
  c.capabilities = Config::kQemu10Capabilities & ~Capabilities::msi_mrif_mask;
  setup(c);
  MsiPte p;
  p.set_v(1).set_m(1).set_mrif_addr_55_9(0x8020'0000 / 512);
  put_pte(0, p);
  EXPECT_EQ(cause(wr(1, 0x2800'0000)), 263u);
}

// ---- the debug translation interface ("Translation-request interface").
class RvDebug : public RvTest {
 protected:
  void SetUp() override {
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    const uint64_t root = page();
    put_dc(1, dc_first_stage(8, root, 1));
    map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
    map(kSv39, root, 0x20'0000, 0x8060'0000, kRWUAD, 1);
  }
  TrResponse ask(uint64_t iova) {
    set(reg::kTrReqIova, iova);
    TrReqCtl c;
    c.set_go_busy(1).set_nw(1).set_did(1);
    set(reg::kTrReqCtl, c.raw());
    EXPECT_EQ(reg(reg::kTrReqCtl) & TrReqCtl::go_busy_mask, 0u);  // "clearing this bit to 0" on completion
    return reg_of<TrResponse>(reg(reg::kTrResponse));
  }
};

TEST_F(RvDebug, FourKibTranslation) {
  const TrResponse r = ask(0x1000);
  EXPECT_EQ(r.fault(), 0u);
  EXPECT_EQ(r.s(), 0u);
  EXPECT_EQ(r.ppn(), 0x80400u);
}

TEST_F(RvDebug, SuperpageSizeInPpn) {
  // 2 MiB: "yyyy....yyy0 1111 1111" with S=1: PPN 0x80600 | 0xff.
  const TrResponse r = ask(0x20'0000);
  EXPECT_EQ(r.s(), 1u);
  EXPECT_EQ(r.ppn(), 0x806ffu);
}

TEST_F(RvDebug, FaultIsReported) {
  const TrResponse r = ask(0x5000);
  EXPECT_EQ(r.fault(), 1u);
  EXPECT_EQ(fq(0).cause(), 13u);  // "The detected fault may be reported through the fault-queue."
}

}  // namespace
}  // namespace riscv_iommu_tests
