// Process directory ("Process to locate the Process-context"): PD8/PD17/PD20 walks with the process_id
// partitioning (PDI[0] = [7:0], PDI[1] = [16:8], PDI[2] = [19:17]), PC validity and configuration (266, 267),
// load faults (265), DPE, ENS/SUM, and the PDT read through the G-stage.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvPdt : public RvTest {
 protected:
  uint64_t pdt = 0, s_root = 0;
  void SetUp() override { setup(1, 0); }
  void setup(uint64_t pdtp_mode, uint64_t tc_extra, uint64_t caps_extra = 0) {
    if (caps_extra) {
      Config c;
      c.capabilities = Config::kQemu10Capabilities | caps_extra;
      reconfigure(c);
    }
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    pdt = page();
    s_root = page();
    DeviceContext dc = dc_valid();
    dc.words[0] |= Tc::pdtv_mask | tc_extra;
    Fsc pdtp;
    pdtp.set_mode(pdtp_mode).set_ppn(pdt >> 12);
    put_dc(1, dc.set_fsc(pdtp));
    map(kSv39, s_root, 0x1000, 0x8040'0000, kRWUAD);                // a user page
    map(kSv39, s_root, 0x2000, 0x8040'1000, kRWUAD & ~kU);          // a supervisor page
    map(kSv39, s_root, 0x3000, 0x8040'2000, kV | kR | kX | kU | kA);  // a user code page
  }
  static ProcessContext pc(uint64_t root, uint32_t pscid, bool ens = false, bool sum = false) {
    ProcessContext p;
    PcTa ta;
    ta.set_v(1).set_ens(ens).set_sum(sum).set_pscid(pscid);
    Fsc f;
    f.set_mode(8).set_ppn(root >> 12);
    return p.set_ta(ta).set_fsc(f);
  }
  void put_pc(uint64_t at, const ProcessContext& p) {
    w64(at, p.words[0]);
    w64(at + 8, p.words[1]);
  }
  uint64_t cause(const Request& req) {
    const Result r = io.translate(req);
    return r.outcome == Outcome::kFaulted ? r.fault.cause() : 0;
  }
};

TEST_F(RvPdt, Pd8ProcessContextAtPdi0) {
  // PD8: one level of 256 16-byte PCs: process_id 0x12 at pdt + 0x120.
  put_pc(pdt + 0x120, pc(s_root, 3));
  const Result r = io.translate(with_pasid(rd(1, 0x1010), 0x12));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x8040'0010u);
}

TEST_F(RvPdt, Pd8RejectsWiderProcessId) {
  // "The bits 19:8 of process_id must be 0"; step 7: "process_id is wider than that supported by pdtp.MODE"
  // -> 260.
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 0x100)), 260u);
}

class RvPd17 : public RvPdt {
 protected:
  void SetUp() override { setup(2, 0, Capabilities::pd17_mask); }
};

TEST_F(RvPd17, TwoLevels) {
  // process_id 0x1_2345: PDI[1] = 0x123 (entry at pdt + 0x918), PDI[0] = 0x45 (PC at leaf + 0x450).
  const uint64_t leaf = page();
  w64(pdt + 0x918, (leaf >> 12 << 10) | 1);
  put_pc(leaf + 0x450, pc(s_root, 4));
  EXPECT_EQ(io.translate(with_pasid(rd(1, 0x1000), 0x1'2345)).pa, 0x8040'0000u);
}

TEST_F(RvPd17, NonLeafEntryNotValid) {
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 0x1'2345)), 266u);  // "PDT entry not valid"
}

TEST_F(RvPd17, NonLeafEntryReservedBit) {
  w64(pdt + 0x918, (page() >> 12 << 10) | 1 | (1ull << 63));  // [63:54] reserved
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 0x1'2345)), 267u);  // "PDT entry misconfigured"
}

class RvPd20 : public RvPdt {
 protected:
  void SetUp() override { setup(3, 0, Capabilities::pd20_mask); }
};

TEST_F(RvPd20, ThreeLevels) {
  // process_id 0xf_1234: PDI[2] = 7 (pdt + 0x38), PDI[1] = 0x112 (+ 0x890), PDI[0] = 0x34 (+ 0x340).
  const uint64_t mid = page(), leaf = page();
  w64(pdt + 0x38, (mid >> 12 << 10) | 1);
  w64(mid + 0x890, (leaf >> 12 << 10) | 1);
  put_pc(leaf + 0x340, pc(s_root, 5));
  EXPECT_EQ(io.translate(with_pasid(wr(1, 0x1008), 0xf'1234)).pa, 0x8040'0008u);
}

TEST_F(RvPdt, ProcessContextNotValid) {
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 7)), 266u);
}

TEST_F(RvPdt, ProcessContextReservedBit) {
  ProcessContext p = pc(s_root, 3);
  p.words[0] |= 1ull << 3;  // ta [11:3] reserved
  put_pc(pdt + 0x70, p);
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 7)), 267u);
}

TEST_F(RvPdt, ProcessContextReservedMode) {
  ProcessContext p = pc(s_root, 3);
  p.words[1] = (2ull << 60) | (s_root >> 12);  // fsc.MODE 2: reserved
  put_pc(pdt + 0x70, p);
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 7)), 267u);
}

TEST_F(RvPdt, PdtOutsideMemoryIsLoadAccessFault) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::pdtv_mask;
  dc.words[3] = (1ull << 60) | 0x1;  // PD8 at 0x1000: no RAM
  put_dc(2, dc);
  EXPECT_EQ(cause(with_pasid(rd(2, 0x1000), 1)), 265u);  // "PDT entry load access fault"
}

TEST_F(RvPdt, NoProcessIdWithoutDpeIsFirstStageBare) {
  // Step 12: "If DPE is 0 and there is no process_id ... iosatp.MODE be Bare": the IOVA passes.
  const Result r = io.translate(rd(1, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kBypassed);
  EXPECT_EQ(r.pa, 0x1234u);
}

class RvPdtDpe : public RvPdt {
 protected:
  void SetUp() override { setup(1, Tc::dpe_mask); }
};

TEST_F(RvPdtDpe, DefaultProcessIdZero) {
  // "If DPE is 1 and there is no process_id ... let process_id be the default value of 0": PC 0 at pdt.
  put_pc(pdt, pc(s_root, 3));
  EXPECT_EQ(io.translate(rd(1, 0x1004)).pa, 0x8040'0004u);
  // A fault keeps PV = 0: the transaction had no process_id.
  const Result f = io.translate(rd(1, 0x9000));
  EXPECT_EQ(f.fault.cause(), 13u);
  EXPECT_EQ(f.fault.pv(), 0u);
}

TEST_F(RvPdt, SupervisorRequestNeedsEns) {
  // Step 15: "The transaction requests supervisor privilege but PC.ta.ENS is not set" -> 260.
  put_pc(pdt + 0x10, pc(s_root, 3, false));
  EXPECT_EQ(cause(with_pasid(rd(1, 0x2000), 1, true)), 260u);
  EXPECT_EQ(fq(0).priv(), 1u);
}

TEST_F(RvPdt, SupervisorPagesAndSum) {
  // With ENS: a supervisor request reads the U=0 page; a U=1 page needs SUM ("When SUM is 0, supervisor
  // privilege transactions to pages mapped with U bit in PTE set to 1 are disallowed"); a user request cannot
  // read the U=0 page.
  put_pc(pdt + 0x10, pc(s_root, 3, true, false));
  EXPECT_EQ(cause(with_pasid(rd(1, 0x2000), 1, true)), 0u);
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 1, true)), 13u);
  EXPECT_EQ(cause(with_pasid(rd(1, 0x2000), 1, false)), 13u);
}

TEST_F(RvPdt, SumLetsSupervisorReadUserPagesButNotExecute) {
  // "supervisor privilege transactions that read with execute intent to pages mapped with U bit in PTE set to
  // 1 are disallowed, regardless of the value of SUM."
  put_pc(pdt + 0x10, pc(s_root, 3, true, true));
  EXPECT_EQ(cause(with_pasid(rd(1, 0x1000), 1, true)), 0u);
  EXPECT_EQ(cause(with_pasid(ex(1, 0x3000), 1, true)), 12u);
  EXPECT_EQ(cause(with_pasid(ex(1, 0x3000), 1, false)), 0u);
}

TEST_F(RvPdt, PdtpBareWithProcessId) {
  // Step 13: "If DC.fsc.pdtp.MODE = Bare then ... iosatp.MODE be Bare".
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::pdtv_mask;
  put_dc(2, dc);
  EXPECT_EQ(io.translate(with_pasid(rd(2, 0x5000), 0x3)).outcome, Outcome::kBypassed);
}

// The PDT and the first stage's tables in the guest window, read through the G-stage.
class RvPdtNested : public RvPdt {
 protected:
  uint64_t groot = 0;
  void SetUp() override {
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    groot = guest_window_sv39x4();
    pdt = guest_page();
    s_root = guest_page();
    DeviceContext dc = dc_valid();
    dc.words[0] |= Tc::pdtv_mask;
    Fsc pdtp;
    pdtp.set_mode(1).set_ppn(gpa_of(pdt) >> 12);  // a guest PPN
    dc.set_fsc(pdtp);
    put_dc(1, with_g_stage(dc, 8, groot, 3));
  }
};

TEST_F(RvPdtNested, PdtAndFirstStageThroughTheGStage) {
  // PC 2 at GPA(pdt) + 0x20; the first stage maps IOVA 0x1000 to GPA 0x60_0000 = SPA 0x8160_0000.
  put_pc(pdt + 0x20, pc(gpa_of(s_root), 3));
  map(kSv39, s_root, 0x1000, 0x60'0000, kRWUAD, 0, true);
  EXPECT_EQ(io.translate(with_pasid(rd(1, 0x1100), 2)).pa, 0x8160'0100u);
}

TEST_F(RvPdtNested, UnmappedPdtIsImplicitGuestPageFault) {
  // pdtp at GPA 0x100_0000 (beyond the window): the PC's GPA 0x100_0020 faults in the G-stage: "any
  // guest-page fault exception raised by the second stage is always reported using the original access type",
  // and "If a guest-page fault was caused by implicit memory access to read PDT entries, then bit 0 of iotval2
  // is reported as 1 and bit 1 as 0."
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::pdtv_mask;
  dc.words[3] = (1ull << 60) | (0x100'0000 >> 12);
  put_dc(2, with_g_stage(dc, 8, groot, 3));
  const Result r = io.translate(with_pasid(wr(2, 0x1000), 2));
  EXPECT_EQ(r.fault.cause(), 23u);
  EXPECT_EQ(r.fault.iotval2(), 0x100'0021u);
}

TEST_F(RvPdtNested, GStageAccessFaultIsPdtLoadAccessFault) {
  // "An access fault in the second stage is reported as "PDT entry load access fault" (cause = 265)": a G-stage
  // root with no RAM behind it.
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::pdtv_mask;
  dc.words[3] = (1ull << 60) | 1;
  put_dc(2, with_g_stage(dc, 8, 0x4000, 3));
  EXPECT_EQ(cause(with_pasid(rd(2, 0x1000), 2)), 265u);
}

}  // namespace
}  // namespace riscv_iommu_tests
