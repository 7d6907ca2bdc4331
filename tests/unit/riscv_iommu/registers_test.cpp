// The register page ("Memory-mapped register interface"): reset values, read-only, WARL, RW1C and the enable
// handshakes. Expected values from the register figures' bit positions.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

using RvRegisters = RvTest;

TEST_F(RvRegisters, ResetState) {
  // "Reset behavior": cqcsr/fqcsr enables, on and busy 0, ipsr 0, "Reset value for ddtp.iommu_mode field must
  // be either Off or Bare" (the model: Off, PPN 0 -> ddtp 0).
  EXPECT_EQ(reg(reg::kDdtp), 0u);
  EXPECT_EQ(reg(reg::kCqcsr), 0u);
  EXPECT_EQ(reg(reg::kFqcsr), 0u);
  EXPECT_EQ(reg(reg::kIpsr), 0u);
  // version 0x10 | Sv32..Sv57 0xf00 | Sv32x4..Sv57x4 0xf_0000 | MSI_FLAT 1<<22 | MSI_MRIF 1<<23 | DBG 1<<31 |
  // PAS 56 << 32 | PD8 1 << 38.
  EXPECT_EQ(reg(reg::kCapabilities), 0x0000'0078'80cf'0f10ull);
}

TEST_F(RvRegisters, ResetBareWhenConfigured) {
  Config c;
  c.reset_bare = true;
  reconfigure(c);
  EXPECT_EQ(reg(reg::kDdtp), 1u);  // iommu_mode = Bare (1)
}

TEST_F(RvRegisters, CapabilitiesAreReadOnly) {
  set(reg::kCapabilities, 0);
  EXPECT_EQ(reg(reg::kCapabilities), 0x0000'0078'80cf'0f10ull);
  // 4-byte reads of the halves.
  EXPECT_EQ(io.read(0, 4), 0x80cf'0f10u);
  EXPECT_EQ(io.read(4, 4), 0x78u);
}

TEST_F(RvRegisters, FctlIsWarl) {
  // END=0: BE stays 0; IGS=MSI: WSI stays 0; GXL read-only by default.
  set(reg::kFctl, 0x7);
  EXPECT_EQ(reg(reg::kFctl), 0u);
  Config c;
  c.gxl_writable = true;
  c.capabilities = Config::kQemu10Capabilities | (uint64_t{2} << 28);  // IGS = BOTH
  reconfigure(c);
  set(reg::kFctl, 0x7);
  EXPECT_EQ(reg(reg::kFctl), 0x6u);  // WSI [1] | GXL [2]
}

TEST_F(RvRegisters, FctlWsiReadsOneWhenOnlyWires) {
  Config c;
  c.capabilities = Config::kQemu10Capabilities | (uint64_t{1} << 28);  // IGS = WSI
  reconfigure(c);
  EXPECT_EQ(reg(reg::kFctl), 0x2u);
}

TEST_F(RvRegisters, DdtpHoldsModeAndPpn) {
  // 3LVL (4) with PPN 0x80000: 0x80000 << 10 = 0x2000_0000, | 4.
  set_ddtp(IommuMode::k3Lvl, 0x8000'0000);
  EXPECT_EQ(reg(reg::kDdtp), 0x2000'0004ull);
}

TEST_F(RvRegisters, DdtpDropsReservedBitsAndBusyReadsZero) {
  // All ones: mode 15 is custom (kept at Off: the model's WARL choice), busy and reserved bits read 0, PPN
  // [53:10] keeps its 44 ones: 0x003f_ffff_ffff_fc00.
  set(reg::kDdtp, ~0ull);
  EXPECT_EQ(reg(reg::kDdtp), 0x003f'ffff'ffff'fc00ull);
}

TEST_F(RvRegisters, DdtpReservedModeKeepsPreviousMode) {
  set_ddtp(IommuMode::k1Lvl, 0x8000'0000);
  Ddtp d;
  d.set_iommu_mode(5).set_ppn(0x80001);
  set(reg::kDdtp, d.raw());
  EXPECT_EQ(reg(reg::kDdtp), (0x80001ull << 10) | 2);  // 1LVL kept, PPN written
}

TEST_F(RvRegisters, EightByteWriteEqualsTwoHalves) {
  // (0x1234_5678 << 10) | 3 = 0x48_d159_e003.
  set(reg::kDdtp, 0x48'd159'e003ull);
  EXPECT_EQ(reg(reg::kDdtp), 0x48'd159'e003ull);
  EXPECT_EQ(io.read(16, 4), 0xd159'e003u);
  EXPECT_EQ(io.read(20, 4), 0x48u);
  io.write(20, 0x1, 4);  // the high half alone: PPN[53:32] <- 1
  EXPECT_EQ(reg(reg::kDdtp), 0x1'd159'e003ull);
}

TEST_F(RvRegisters, MisalignedOrOddSizedAccessesDoNothing) {
  set_ddtp(IommuMode::kBare);
  EXPECT_EQ(io.read(17, 4), 0u);
  EXPECT_EQ(io.read(16, 2), 0u);
  io.write(18, 0xffff, 2);
  io.write(20, ~0ull, 8);  // 8 bytes at a 4-aligned offset
  EXPECT_EQ(reg(reg::kDdtp), (0x80000ull << 10) | 1);  // Bare with the root at 0x8000_0000, as written
}

TEST_F(RvRegisters, QueueBaseFields) {
  // LOG2SZ-1 [4:0] and PPN [53:10]: all ones reads 0x1f | 0x003f_ffff_ffff_fc00.
  set(reg::kCqb, ~0ull);
  EXPECT_EQ(reg(reg::kCqb), 0x003f'ffff'ffff'fc1full);
  set(reg::kFqb, ~0ull);
  EXPECT_EQ(reg(reg::kFqb), 0x003f'ffff'ffff'fc1full);
}

TEST_F(RvRegisters, CqtKeepsOnlyLog2szBits) {
  // 16 entries: "Only LOG2SZ-1:0 bits are writable": 0x25 -> 0x5.
  QueueBase b;
  b.set_log2sz_1(3).set_ppn(kCq >> 12);
  set(reg::kCqb, b.raw());
  set(reg::kCqt, 0x25);
  EXPECT_EQ(reg(reg::kCqt), 0x5u);
  // "The status of bits 31:cqb.LOG2SZ in cqt following a write to cqb is 0": 4 entries leave 0x5 & 3 = 1.
  b.set_log2sz_1(1);
  set(reg::kCqb, b.raw());
  EXPECT_EQ(reg(reg::kCqt), 0x1u);
}

TEST_F(RvRegisters, FqhKeepsOnlyLog2szBits) {
  QueueBase b;
  b.set_log2sz_1(3).set_ppn(kFq >> 12);
  set(reg::kFqb, b.raw());
  set(reg::kFqh, 0x12);
  EXPECT_EQ(reg(reg::kFqh), 0x2u);
}

TEST_F(RvRegisters, HeadOfCommandQueueAndTailOfFaultQueueAreReadOnly) {
  set(reg::kCqh, 5);
  set(reg::kFqt, 5);
  EXPECT_EQ(reg(reg::kCqh), 0u);
  EXPECT_EQ(reg(reg::kFqt), 0u);
}

TEST_F(RvRegisters, CqenTurnsTheQueueOn) {
  // cqen [0] and cqon [16]: 0x1_0001; clearing cqen turns it off.
  enable_cq();
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0001u);
  set(reg::kCqcsr, 0);
  EXPECT_EQ(reg(reg::kCqcsr), 0u);
}

TEST_F(RvRegisters, CqonAndBusyAreReadOnly) {
  set(reg::kCqcsr, 0x3'0000);  // cqon [16] | busy [17]
  EXPECT_EQ(reg(reg::kCqcsr), 0u);
  set(reg::kFqcsr, 0x3'0000);
  EXPECT_EQ(reg(reg::kFqcsr), 0u);
}

TEST_F(RvRegisters, CmdIllIsRw1c) {
  enable_cq();
  Command bad;
  bad.set_opcode(5);  // "Reserved 5-63"
  submit(bad);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0401u);  // cqen | cmd_ill [10] | cqon
  set(reg::kCqcsr, 0x1);                   // writing 0 to cmd_ill leaves it
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0401u);
  // Writing 1 clears it and the queue goes on from cqh (the bad command replaced by a fence first).
  w64(kCq, IofenceCommand::c().words[0]);
  set(reg::kCqcsr, 0x401);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0001u);
  EXPECT_EQ(reg(reg::kCqh), 1u);
}

TEST_F(RvRegisters, CqenZeroToOneClearsErrorsAndHead) {
  enable_cq();
  IofenceCommand ok = IofenceCommand::c();
  submit(ok);
  Command bad;
  bad.set_opcode(0);
  submit(bad);
  EXPECT_EQ(reg(reg::kCqh), 1u);  // "cqh references the command in the CQ that caused the error"
  set(reg::kCqcsr, 0);            // off: cmd_ill stays
  EXPECT_EQ(reg(reg::kCqcsr), 0x400u);
  // "Changing cqen from 0 to 1 sets the cqh register and the cqcsr bits cmd_ill, cmd_to, cqmf, fence_w_ip to 0":
  // with the bad command replaced by a fence, both commands (cqh 0 .. cqt 2) run.
  w64(kCq + 16, IofenceCommand::c().words[0]);
  set(reg::kCqcsr, 1);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0001u);
  EXPECT_EQ(reg(reg::kCqh), 2u);
}

TEST_F(RvRegisters, FqenZeroToOneClearsTailAndErrors) {
  enable_fq();
  EXPECT_EQ(reg(reg::kFqcsr), 0x1'0001u);  // fqen | fqon
  set_ddtp(IommuMode::kOff);
  io.translate(rd(1, 0x1000));
  EXPECT_EQ(fqt(), 1u);
  set(reg::kFqcsr, 0);
  set(reg::kFqcsr, 1);
  EXPECT_EQ(fqt(), 0u);  // "Changing fqen from 0 to 1 sets the fqt register ... to 0"
}

TEST_F(RvRegisters, IpsrIsRw1cAndSetsAgainWhileTheConditionHolds) {
  // cie [1]: cmd_ill sets cip [0]; clearing cip while cmd_ill is still 1 sets it again ("If the conditions to
  // set that bit are still present ... then that bit transitions again from 0->1").
  enable_cq();
  set(reg::kCqcsr, 0x3);
  Command bad;
  bad.set_opcode(0x7f);
  submit(bad);
  EXPECT_EQ(reg(reg::kIpsr), 0x1u);
  set(reg::kIpsr, 0x1);
  EXPECT_EQ(reg(reg::kIpsr), 0x1u);
  set(reg::kCqcsr, 0x1);  // cie = 0 (cmd_ill stays 1)
  set(reg::kIpsr, 0x1);
  EXPECT_EQ(reg(reg::kIpsr), 0x0u);  // the condition needs cie: gone
}

TEST_F(RvRegisters, IcvecKeepsFourVectors) {
  // civ [3:0], fiv [7:4], pmiv [11:8], piv [15:12]; the rest reserved or custom.
  set(reg::kIcvec, ~0ull);
  EXPECT_EQ(reg(reg::kIcvec), 0xffffu);
}

TEST_F(RvRegisters, MsiConfigurationTable) {
  // Message address: [1:0] fixed 0, ADDR [55:2], [63:56] reserved: 0x00ff_ffff_ffff_fffc. Data 32 bits,
  // vector control: M [0].
  set(reg::msi_addr(3), ~0ull);
  set(reg::msi_data(3), 0x1234'5678);
  set(reg::msi_vec_ctl(3), ~0u);
  EXPECT_EQ(reg(reg::msi_addr(3)), 0x00ff'ffff'ffff'fffcull);
  EXPECT_EQ(reg(reg::msi_data(3)), 0x1234'5678u);
  EXPECT_EQ(reg(reg::msi_vec_ctl(3)), 1u);
}

TEST_F(RvRegisters, MsiConfigurationTableIsZeroWithWiresOnly) {
  // "These registers are hardwired to 0 if capabilities.IGS == WSI."
  Config c;
  c.capabilities = Config::kQemu10Capabilities | (uint64_t{1} << 28);
  reconfigure(c);
  set(reg::msi_addr(0), 0x1000);
  EXPECT_EQ(reg(reg::msi_addr(0)), 0u);
}

TEST_F(RvRegisters, OptionalRegistersAbsentReadZero) {
  // "If a register is optional, as determined by the corresponding capabilities register bit being 0, then a
  // read ... returns 0 and writes ... are ignored": ATS=0 (pqb, pqcsr), HPM=0 (iocountinh, iohpmcycles),
  // QOSID=0 (iommu_qosid).
  set(reg::kPqb, 0x1000);
  set(reg::kPqcsr, 1);
  set(reg::kIocountinh, 1);
  set(reg::kIohpmcycles, 5);
  set(reg::kIommuQosid, 1);
  EXPECT_EQ(reg(reg::kPqb), 0u);
  EXPECT_EQ(reg(reg::kPqcsr), 0u);
  EXPECT_EQ(reg(reg::kIocountinh), 0u);
  EXPECT_EQ(reg(reg::kIohpmcycles), 0u);
  EXPECT_EQ(reg(reg::kIommuQosid), 0u);
}

TEST_F(RvRegisters, DebugRegistersWithDbg) {
  // tr_req_iova: vpn [63:12], [11:0] reserved.
  set(reg::kTrReqIova, ~0ull);
  EXPECT_EQ(reg(reg::kTrReqIova), 0xffff'ffff'ffff'f000ull);
  // Without DBG they read 0.
  Config c;
  c.capabilities = Config::kQemu10Capabilities & ~Capabilities::dbg_mask;
  reconfigure(c);
  set(reg::kTrReqIova, ~0ull);
  EXPECT_EQ(reg(reg::kTrReqIova), 0u);
}

}  // namespace
}  // namespace riscv_iommu_tests
