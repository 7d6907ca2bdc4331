// "Process to locate the Device-context", the Off and Bare modes, the device_id width rule, "Device-context
// configuration checks" (cause 259) and DTF. The DDT entries are placed by hand at the addresses the
// device_id partitioning gives.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvDdt : public RvTest {
 protected:
  void SetUp() override { enable_fq(); }
  // A DC in a 1LVL DDT for device 1; returns the first fault record's cause (0 when none was queued).
  uint64_t cause_for(const DeviceContext& dc, Request req = rd(1, 0x1000)) {
    set_ddtp(IommuMode::k1Lvl);
    put_dc(1, dc);
    const Result r = io.translate(req);
    return r.outcome == Outcome::kFaulted ? fq(0).cause() : 0;
  }
  static uint64_t leaf_raw(uint64_t table_pa) { return (table_pa >> 12 << 10) | 1; }  // non-leaf: V | PPN
};

TEST_F(RvDdt, OffFaultsEveryRequest) {
  // Step 1: "If ddtp.iommu_mode == Off then stop and report "All inbound transactions disallowed" (cause = 256)".
  const Result r = io.translate(rd(0x10, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(fqt(), 1u);
  // CAUSE 256 | TTYP 2 (untranslated read) << 34 | DID 0x10 << 40; iotval = the IOVA, iotval2 0.
  EXPECT_EQ(fq(0).words[0], 0x0000'1008'0000'0100ull);
  EXPECT_EQ(fq(0).iotval(), 0x1234u);
  EXPECT_EQ(fq(0).iotval2(), 0u);
}

TEST_F(RvDdt, OffRecordCarriesProcessIdAndPrivilege) {
  // A supervisor write with PASID 5: CAUSE 256 | PID 5 << 12 | PV << 32 | PRIV << 33 | TTYP 3 << 34 | DID 1 << 40.
  io.translate(with_pasid(wr(1, 0), 5, true));
  EXPECT_EQ(fq(0).words[0], 0x0000'010f'0000'5100ull);
}

TEST_F(RvDdt, BarePassesThrough) {
  set_ddtp(IommuMode::kBare);
  const Result r = io.translate(wr(7, 0x8000'5678));
  EXPECT_EQ(r.outcome, Outcome::kBypassed);
  EXPECT_EQ(r.pa, 0x8000'5678u);
  EXPECT_EQ(fqt(), 0u);
}

TEST_F(RvDdt, OneLevelDeviceContextAtDdi0) {
  // Extended format: DC_SIZE 64, DDI[0] = device_id[5:0]; device 5 at root + 5 * 64 = 0x8000_0140.
  set_ddtp(IommuMode::k1Lvl);
  const DeviceContext dc = dc_valid();
  w64(kDdtRoot + 0x140, dc.words[0]);
  const Result r = io.translate(rd(5, 0x4000));
  EXPECT_EQ(r.outcome, Outcome::kBypassed);  // both stages Bare
  EXPECT_EQ(r.pa, 0x4000u);
}

TEST_F(RvDdt, OneLevelRejectsWiderDeviceId) {
  // Step 5: 1LVL decodes device_id[5:0]; device 64 has DDI[1] = 1: "Transaction type disallowed" (260).
  EXPECT_EQ(cause_for(dc_valid(), rd(64, 0)), 260u);
  EXPECT_EQ(fq(0).did(), 64u);
}

TEST_F(RvDdt, TwoLevelWalk) {
  // device 0x1234: DDI[1] = 0x1234 >> 6 = 0x48 (entry at root + 0x240), DDI[0] = 0x34 (DC at leaf + 0xd00).
  set_ddtp(IommuMode::k2Lvl);
  const uint64_t leaf = page();
  w64(kDdtRoot + 0x240, leaf_raw(leaf));
  w64(leaf + 0xd00, dc_valid().words[0]);
  EXPECT_EQ(io.translate(rd(0x1234, 0x9000)).outcome, Outcome::kBypassed);
  // device 0x1235 (DC slot + 64) is not valid: 258.
  EXPECT_EQ(io.translate(rd(0x1235, 0x9000)).outcome, Outcome::kFaulted);
  EXPECT_EQ(fq(0).cause(), 258u);
}

TEST_F(RvDdt, TwoLevelRejectsWiderDeviceId) {
  // 2LVL decodes 15 bits (6 + 9): device 0x8000 has DDI[2] = 1.
  set_ddtp(IommuMode::k2Lvl);
  io.translate(rd(0x8000, 0));
  EXPECT_EQ(fq(0).cause(), 260u);
}

TEST_F(RvDdt, ThreeLevelWalk) {
  // device 0xab_cdef: DDI[2] = 0x157 (root + 0xab8), DDI[1] = 0x137 (+ 0x9b8), DDI[0] = 0x2f (+ 0xbc0).
  set_ddtp(IommuMode::k3Lvl);
  const uint64_t mid = page(), leaf = page();
  w64(kDdtRoot + 0xab8, leaf_raw(mid));
  w64(mid + 0x9b8, leaf_raw(leaf));
  w64(leaf + 0xbc0, dc_valid().words[0]);
  EXPECT_EQ(io.translate(rd(0xabcdef, 0x2000)).outcome, Outcome::kBypassed);
}

TEST_F(RvDdt, NonLeafEntryNotValid) {
  // "If ddte.V == 0, stop and report "DDT entry not valid" (cause = 258)."
  set_ddtp(IommuMode::k2Lvl);
  io.translate(rd(0x40, 0));
  EXPECT_EQ(fq(0).cause(), 258u);
}

TEST_F(RvDdt, NonLeafEntryReservedBit) {
  // Bit 1 is in the reserved [9:1]: "DDT entry misconfigured" (cause = 259).
  set_ddtp(IommuMode::k2Lvl);
  w64(kDdtRoot + 8, leaf_raw(page()) | 0x2);
  io.translate(rd(0x40, 0));  // DDI[1] = 1
  EXPECT_EQ(fq(0).cause(), 259u);
}

TEST_F(RvDdt, DeviceContextNotValid) {
  set_ddtp(IommuMode::k1Lvl);
  io.translate(rd(3, 0));
  EXPECT_EQ(fq(0).cause(), 258u);
}

TEST_F(RvDdt, RootOutsideMemoryIsLoadAccessFault) {
  // "If accessing DC violates a PMA or PMP check, then stop and report "DDT entry load access fault" (257)."
  set_ddtp(IommuMode::k1Lvl, 0x1000);
  io.translate(rd(3, 0));
  EXPECT_EQ(fq(0).cause(), 257u);
}

TEST_F(RvDdt, NonLeafPointingOutsideMemoryIsLoadAccessFault) {
  set_ddtp(IommuMode::k2Lvl);
  w64(kDdtRoot, leaf_raw(0x4000'0000));
  io.translate(rd(2, 0));
  EXPECT_EQ(fq(0).cause(), 257u);
}

TEST_F(RvDdt, BaseFormatDeviceContexts) {
  // MSI_FLAT = 0: 32-byte DCs, DDI[0] = device_id[6:0]: device 0x45 at root + 0x45 * 32 = root + 0x8a0.
  Config c;
  c.capabilities = Config::kQemu10Capabilities & ~(Capabilities::msi_flat_mask | Capabilities::msi_mrif_mask);
  reconfigure(c);
  enable_fq();
  set_ddtp(IommuMode::k1Lvl);
  w64(kDdtRoot + 0x8a0, dc_valid().words[0]);
  EXPECT_EQ(io.translate(rd(0x45, 0)).outcome, Outcome::kBypassed);
  io.translate(rd(0x80, 0));  // 7 bits decoded: 0x80 is too wide
  EXPECT_EQ(fq(0).cause(), 260u);
}

// "Device-context configuration checks": each rule alone makes a valid DC "DDT entry misconfigured" (259).
TEST_F(RvDdt, MisconfiguredReservedTcBit) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= 1ull << 12;  // tc [23:12] reserved
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredAtsWithoutCapability) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::en_ats_mask;  // "capabilities.ATS is 0 and DC.tc.EN_ATS ... is 1"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredT2gpaWithoutEnAts) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::t2gpa_mask;  // "DC.tc.EN_ATS is 0 and DC.tc.T2GPA is 1"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredUnsupportedPdtMode) {
  // PDTV with pdtp.MODE = PD17 (2): "capabilities.PD17 is 0 and DC.fsc.pdtp.MODE is PD17".
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::pdtv_mask;
  dc.words[3] = 2ull << 60;
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredReservedIosatpMode) {
  EXPECT_EQ(cause_for(dc_first_stage(1, page(), 0)), 259u);  // iosatp.MODE 1: "Reserved for standard use"
}

TEST_F(RvDdt, MisconfiguredUnsupportedIosatpMode) {
  // "capabilities.Sv57 is 0 and DC.fsc.iosatp.MODE is Sv57"
  Config c;
  c.capabilities = Config::kQemu10Capabilities & ~Capabilities::sv57_mask;
  reconfigure(c);
  enable_fq();
  EXPECT_EQ(cause_for(dc_first_stage(10, page(), 0)), 259u);
}

TEST_F(RvDdt, MisconfiguredDpeWithoutPdtv) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::dpe_mask;  // "DC.tc.PDTV is 0 and DC.tc.DPE is 1"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredReservedIohgatpMode) {
  DeviceContext dc = dc_valid();
  with_g_stage(dc, 11, page(16384), 1);  // 11-15 reserved
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredIohgatpRootNotSixteenKibAligned) {
  // "the root page table determined by DC.iohgatp.PPN is not aligned to a 16-KiB boundary"
  DeviceContext dc = dc_valid();
  with_g_stage(dc, 8, page(16384) + 0x1000, 1);
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredAdUpdatesWithoutAmoHwad) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::gade_mask;  // "capabilities.AMO_HWAD is 0 and DC.tc.SADE or DC.tc.GADE is 1"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredSbeWithoutEnd) {
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::sbe_mask;  // "capabilities.END is 0 and fctl.BE != DC.tc.SBE"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredSxlWhenGxlIsNotWritable) {
  // "If fctl.GXL is 0 and is not writable then DC.tc.SXL must be 0."
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::sxl_mask;
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, SxlAcceptedWhenGxlIsWritable) {
  Config c;
  c.gxl_writable = true;
  reconfigure(c);
  enable_fq();
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::sxl_mask;
  EXPECT_EQ(cause_for(dc), 0u);
}

TEST_F(RvDdt, MisconfiguredMsiptpWithBareGStage) {
  // "When DC.iohgatp.MODE is Bare, DC.msiptp.MODE must be set to Off ... Implementations are recommended to stop
  // and report "DDT entry misconfigured" (cause = 259)". The model follows the recommendation by default.
  DeviceContext dc = dc_valid();
  dc.words[4] = 1ull << 60;  // msiptp.MODE = Flat
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MsiptpWithBareGStageAcceptedWhenConfigured) {
  Config c;
  c.msiptp_needs_g_stage = false;
  reconfigure(c);
  enable_fq();
  DeviceContext dc = dc_valid();
  dc.words[4] = 1ull << 60;
  EXPECT_EQ(cause_for(dc), 0u);
}

TEST_F(RvDdt, MisconfiguredReservedMsiptpMode) {
  DeviceContext dc = dc_valid();
  with_g_stage(dc, 8, page(16384), 1);
  dc.words[4] = 2ull << 60;  // "capabilities.MSI_FLAT is 1 and DC.msiptp.MODE is not Off and not Flat"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredMsiAddrMaskReservedBit) {
  DeviceContext dc = dc_valid();
  dc.words[5] = 1ull << 52;  // msi_addr_mask [63:52] reserved
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredMsiPatternAboveMgpaw) {
  // Sv57x4 supported: MGPAW = 59, "bits 51 : MGPAW - 12" = [51:47] reserved: bit 47 set is misconfigured.
  DeviceContext dc = dc_valid();
  dc.words[6] = 1ull << 47;
  EXPECT_EQ(cause_for(dc), 259u);
  DeviceContext ok = dc_valid();
  ok.words[6] = 1ull << 46;
  EXPECT_EQ(cause_for(ok), 0u);
}

TEST_F(RvDdt, MisconfiguredReservedDoubleword) {
  DeviceContext dc = dc_valid();
  dc.words[7] = 1;  // the extended DC's last doubleword is "reserved"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, MisconfiguredRcidWithoutQosid) {
  DeviceContext dc = dc_valid();
  dc.words[2] = 1ull << 40;  // ta.RCID: "If capabilities.QOSID is 0, these bits are reserved"
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, DtfSuppressesTranslationFaults) {
  // An Sv39 DC with an empty root: a read page fault (13), which "Reported if DTF is 1?" says No.
  DeviceContext dc = dc_first_stage(8, page(), 1);
  dc.words[0] |= Tc::dtf_mask;
  set_ddtp(IommuMode::k1Lvl);
  put_dc(1, dc);
  const Result r = io.translate(rd(1, 0x1000));
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_TRUE(r.has_fault);
  EXPECT_EQ(r.fault.cause(), 13u);
  EXPECT_EQ(fqt(), 0u);
}

TEST_F(RvDdt, DtfSuppressesTransactionTypeDisallowed) {
  // 260 is not reported with DTF: a PASID to a DC without PDTV.
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::dtf_mask;
  EXPECT_EQ(cause_for(dc, with_pasid(rd(1, 0), 1)), 0u);
  EXPECT_EQ(fqt(), 0u);
}

TEST_F(RvDdt, DtfDoesNotSuppressMisconfiguration) {
  // 259 is reported with DTF ("Yes").
  DeviceContext dc = dc_valid();
  dc.words[0] |= Tc::dtf_mask | (1ull << 40);  // tc [63:32] reserved
  EXPECT_EQ(cause_for(dc), 259u);
}

TEST_F(RvDdt, ProcessIdWithoutPdtvIsDisallowed) {
  // Step 7: "Transaction has a valid process_id and DC.tc.PDTV is 0" -> 260.
  EXPECT_EQ(cause_for(dc_valid(), with_pasid(rd(1, 0), 9)), 260u);
  EXPECT_EQ(fq(0).pv(), 1u);
  EXPECT_EQ(fq(0).pid(), 9u);
}

}  // namespace
}  // namespace riscv_iommu_tests
