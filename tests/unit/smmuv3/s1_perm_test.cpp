// Stage-1 permissions (Arm ARM D8.4 for an EL1&0 regime), Access flag, record suppression, STE overrides.
#include "fixture.h"

namespace smmuv3_test {
namespace {

class S1Perm : public Smmuv3Test {
 protected:
  // Maps IOVA 0x5000 with a 4 KiB page at PA 0x4800_0000 using `leaf`; L0..L2 index 0, L3 index 5.
  void map(vmsa::Descriptor leaf, const Cd* cd_override = nullptr, uint64_t l2_table_bits = 0) {
    const uint64_t l0 = alloc(), l1 = alloc(), l2 = alloc(), l3 = alloc();
    desc(l0, 0, vmsa::make_table(l1));
    desc(l1, 0, vmsa::make_table(l2));
    vmsa::Descriptor t = vmsa::make_table(l3);
    t.words[0] |= l2_table_bits;
    desc(l2, 0, t);
    desc(l3, 5, leaf);
    put_ste(1, ste_s1());
    Cd c = cd_override ? *cd_override : cd_4k(0);
    c.set_ttb0_address(l0);
    put(kCdTable, c);
  }
  Outcome access(bool write, bool priv, bool inst = false) {
    Transaction t = rd(1, 0x5010);
    t.write = write;
    t.privileged = priv;
    t.instruction = inst;
    return oracle(t);
  }
};

// AP[2:1] x privilege x read/write, derived from the AArch64 stage-1 data permission table:
//   AP=00: EL1 RW, EL0 none   AP=01: EL1 RW, EL0 RW   AP=10: EL1 RO, EL0 none   AP=11: EL1 RO, EL0 RO
struct ApCase {
  uint64_t ap;
  bool priv, write, allowed;
};
class S1ApTable : public S1Perm, public ::testing::WithParamInterface<ApCase> {};

TEST_P(S1ApTable, DataPermission) {
  const ApCase c = GetParam();
  map(vmsa::make_s1_leaf(0x4800'0000, true, c.ap));
  const Outcome o = access(c.write, c.priv);
  if (c.allowed) {
    ASSERT_EQ(o.status, Status::kOk);
    EXPECT_EQ(o.pa, 0x4800'0010ull);
  } else {
    ASSERT_EQ(o.status, Status::kFault);
    expect_translation_event(o.event, EventType::kFPermission, 1, 0x5010, !c.write, false, EventClass::kIn);
    EXPECT_EQ(o.event.pnu(), c.priv ? 1u : 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllApValues, S1ApTable,
                         ::testing::Values(ApCase{0b00, true, false, true}, ApCase{0b00, true, true, true},
                                           ApCase{0b00, false, false, false}, ApCase{0b00, false, true, false},
                                           ApCase{0b01, true, false, true}, ApCase{0b01, true, true, true},
                                           ApCase{0b01, false, false, true}, ApCase{0b01, false, true, true},
                                           ApCase{0b10, true, false, true}, ApCase{0b10, true, true, false},
                                           ApCase{0b10, false, false, false}, ApCase{0b10, false, true, false},
                                           ApCase{0b11, true, false, true}, ApCase{0b11, true, true, false},
                                           ApCase{0b11, false, false, true}, ApCase{0b11, false, true, false}));

TEST_F(S1Perm, PxnBlocksPrivilegedInstruction) {
  vmsa::Descriptor d = vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll);
  d.set_pxn(1);
  map(d);
  const Outcome o = access(false, true, true);
  ASSERT_EQ(o.status, Status::kFault);
  EXPECT_EQ(o.type(), EventType::kFPermission);
  EXPECT_EQ(o.event.ind(), 1u);
  EXPECT_EQ(o.event.pnu(), 1u);
  EXPECT_TRUE(access(false, false, true).ok());  // unprivileged fetch only checks UXN
}

TEST_F(S1Perm, UxnBlocksUnprivilegedInstruction) {
  vmsa::Descriptor d = vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll);
  d.set_uxn(1);
  map(d);
  EXPECT_EQ(access(false, false, true).type(), EventType::kFPermission);
  EXPECT_TRUE(access(false, true, true).ok());
}

TEST_F(S1Perm, ExecuteOnlyForEl0) {
  // AP=00 (no EL0 data access) with UXN=0: an unprivileged instruction fetch is permitted, a data read not.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwPriv));
  EXPECT_TRUE(access(false, false, true).ok());
  EXPECT_EQ(access(false, false, false).type(), EventType::kFPermission);
}

TEST_F(S1Perm, El0WritableIsPrivilegedExecuteNever) {
  // AP=01 (writable at EL0): never executable at EL1, even with PXN=0.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll));
  EXPECT_EQ(access(false, true, true).type(), EventType::kFPermission);
  EXPECT_TRUE(access(false, false, true).ok());
}

TEST_F(S1Perm, WxnMakesWritableExecuteNever) {
  Cd c = cd_4k(0);
  c.set_wxn(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwPriv), &c);
  EXPECT_EQ(access(false, true, true).type(), EventType::kFPermission);
  EXPECT_TRUE(access(true, true, false).ok());
}

TEST_F(S1Perm, WxnLeavesReadOnlyExecutable) {
  Cd c = cd_4k(0);
  c.set_wxn(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoPriv), &c);
  EXPECT_TRUE(access(false, true, true).ok());
}

TEST_F(S1Perm, PanBlocksPrivilegedDataToUserPages) {
  Cd c = cd_4k(0);
  c.set_pan(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll), &c);
  EXPECT_EQ(access(false, true).type(), EventType::kFPermission);
  EXPECT_EQ(access(true, true).type(), EventType::kFPermission);
  EXPECT_TRUE(access(false, false).ok());
}

TEST_F(S1Perm, PanAllowsPrivilegedDataToPrivilegedPages) {
  Cd c = cd_4k(0);
  c.set_pan(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwPriv), &c);
  EXPECT_TRUE(access(true, true).ok());
}

TEST_F(S1Perm, InstructionWriteIsADataWrite) {
  // A write never needs execute permission: InD=1 on a write to a UXN/PXN read-write page is allowed.
  vmsa::Descriptor d = vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll);
  d.set_uxn(1).set_pxn(1);
  map(d);
  EXPECT_TRUE(access(true, false, true).ok());
}

TEST_F(S1Perm, ApTableNoEl0) {
  // APTable[0] (bit 61) on the L2 table descriptor removes EL0 access below it.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll), nullptr, uint64_t{1} << 61);
  EXPECT_EQ(access(false, false).type(), EventType::kFPermission);
  EXPECT_TRUE(access(true, true).ok());
}

TEST_F(S1Perm, ApTableReadOnly) {
  // APTable[1] (bit 62): no write access below.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll), nullptr, uint64_t{1} << 62);
  EXPECT_EQ(access(true, true).type(), EventType::kFPermission);
  EXPECT_TRUE(access(false, false).ok());
}

TEST_F(S1Perm, PxnTableAndUxnTable) {
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll), nullptr, (uint64_t{1} << 59) | (uint64_t{1} << 60));
  EXPECT_EQ(access(false, true, true).type(), EventType::kFPermission);
  EXPECT_EQ(access(false, false, true).type(), EventType::kFPermission);
}

TEST_F(S1Perm, HadDisablesHierarchicalAttributes) {
  // CD.HAD0 with SMMU_IDR3.HAD=1 (Config::full): APTable is ignored.
  Cd c = cd_4k(0);
  c.set_had0(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll), &c, uint64_t{1} << 62);
  EXPECT_TRUE(access(true, true).ok());
}

TEST_F(S1Perm, HadIgnoredWithoutIdr3Had) {
  // Without SMMU_IDR3.HAD the CD.HADx bits are RES0: APTable still applies.
  cfg.idr3 &= ~(1u << 2);
  Cd c = cd_4k(0);
  c.set_had0(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll), &c, uint64_t{1} << 62);
  EXPECT_EQ(access(true, true).type(), EventType::kFPermission);
}

TEST_F(S1Perm, AccessFlagFault) {
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll, false));
  const Outcome o = access(true, false);
  ASSERT_EQ(o.status, Status::kFault);
  expect_translation_event(o.event, EventType::kFAccess, 1, 0x5010, false, false, EventClass::kIn);
}

TEST_F(S1Perm, AccessFlagFaultBeforePermission) {
  // AF=0 on a read-only page written: the Access flag fault has priority over the Permission fault.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll, false));
  EXPECT_EQ(access(true, true).type(), EventType::kFAccess);
}

TEST_F(S1Perm, AffdDisablesAccessFlagFaults) {
  Cd c = cd_4k(0);
  c.set_affd(1);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwAll, false), &c);
  EXPECT_TRUE(access(true, false).ok());
}

TEST_F(S1Perm, RecordDisabledStillTerminates) {
  // CD.R=0: the fault still terminates the transaction, but no event is recorded.
  Cd c = cd_4k(0);
  c.set_r(0);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll), &c);
  const Outcome o = access(true, true);
  EXPECT_EQ(o.status, Status::kFault);
  EXPECT_FALSE(o.record);
}

TEST_F(S1Perm, RecordDisabledNotWrittenToQueue) {
  Cd c = cd_4k(0);
  c.set_r(0);
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll), &c);
  Smmu s(mem, cfg);
  enable(s);
  EXPECT_EQ(s.translate(wr(1, 0x5010)).status, Status::kFault);
  EXPECT_EQ(s.mmio_read32(RegOffset::kEventqProd), 0u);
}

TEST_F(S1Perm, PrivcfgForcesPrivileged) {
  // STE.PRIVCFG=0b11: every transaction is privileged, so an unprivileged master reaches an AP=00 page.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwPriv));
  Ste s = ste_s1();
  s.set_privcfg(0b11);
  put_ste(1, s);
  EXPECT_TRUE(access(false, false).ok());
}

TEST_F(S1Perm, PrivcfgForcesUnprivileged) {
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRwPriv));
  Ste s = ste_s1();
  s.set_privcfg(0b10);
  put_ste(1, s);
  const Outcome o = access(false, true);
  ASSERT_EQ(o.type(), EventType::kFPermission);
  EXPECT_EQ(o.event.pnu(), 0u);  // the record carries the effective (overridden) attribute
}

TEST_F(S1Perm, InstcfgForcesInstruction) {
  vmsa::Descriptor d = vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll);
  d.set_uxn(1);
  map(d);
  Ste s = ste_s1();
  s.set_instcfg(0b11);
  put_ste(1, s);
  const Outcome o = access(false, false, false);
  ASSERT_EQ(o.type(), EventType::kFPermission);
  EXPECT_EQ(o.event.ind(), 1u);
}

TEST_F(S1Perm, InstcfgForcesData) {
  vmsa::Descriptor d = vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll);
  d.set_uxn(1);
  map(d);
  Ste s = ste_s1();
  s.set_instcfg(0b10);
  put_ste(1, s);
  EXPECT_TRUE(access(false, false, true).ok());
}

TEST_F(S1Perm, CachedEntryStillChecksPermissions) {
  // A TLB hit for a read must not let a write through to a read-only page.
  map(vmsa::make_s1_leaf(0x4800'0000, true, vmsa::kApRoAll));
  Smmu s(mem, cfg);
  enable(s);
  EXPECT_TRUE(s.translate(rd(1, 0x5010)).ok());
  EXPECT_EQ(s.translate(wr(1, 0x5010)).type(), EventType::kFPermission);
}

}  // namespace
}  // namespace smmuv3_test
