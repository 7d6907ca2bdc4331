// First-stage translation (Sv32/Sv39/Sv48/Sv57) through DC.fsc (iosatp), with the Privileged spec's walk: PTE
// validity, reserved bits, U/R/W/X, superpage alignment, Svnapot, A/D without and with SADE, access faults.
// Requests without a process_id are not supervisor requests, so leaves carry U.
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvStage1 : public RvTest {
 protected:
  uint64_t root = 0;
  void SetUp() override { setup(8, 0); }
  void setup(uint64_t mode, uint64_t tc_extra) {
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    root = page();
    DeviceContext dc = dc_first_stage(mode, root, 1);
    dc.words[0] |= tc_extra;
    put_dc(1, dc);
  }
  uint64_t fault_cause(const Request& req) { return fault(req).cause(); }
};

TEST_F(RvStage1, Sv39FourKibPage) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  const Result r = io.translate(rd(1, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x8040'0234u);
  EXPECT_EQ(r.page_size, 0x1000u);
  EXPECT_TRUE(r.r && r.w && !r.x);
}

TEST_F(RvStage1, Sv39MegapageAtLevelOne) {
  // A level-1 leaf maps 2 MiB: 0x4021_2345 is 0x1_2345 into the page at 0x4020_0000.
  map(kSv39, root, 0x4020'0000, 0x8060'0000, kRWUAD, 1);
  const Result r = io.translate(rd(1, 0x4021'2345));
  EXPECT_EQ(r.pa, 0x8061'2345u);
  EXPECT_EQ(r.page_size, 2ull << 20);
}

TEST_F(RvStage1, Sv39GigapageAtLevelTwo) {
  map(kSv39, root, 0x4000'0000, 0xc000'0000, kRWUAD, 2);
  const Result r = io.translate(wr(1, 0x4123'4567));
  EXPECT_EQ(r.pa, 0xc123'4567u);
  EXPECT_EQ(r.page_size, 1ull << 30);
}

TEST_F(RvStage1, Sv39SignExtendedUpperHalf) {
  // 0xffff_ffc0_0000_0000: bits 63:39 equal bit 38 (1); VPN[2] = 0x100.
  map(kSv39, root, 0xffff'ffc0'0000'0000ull, 0x8040'1000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0xffff'ffc0'0000'0010ull)).pa, 0x8040'1010u);
  EXPECT_EQ(r64(root + 0x100 * 8) & kV, kV);  // the walk used root slot 0x100
}

TEST_F(RvStage1, Sv39NonCanonicalIovaIsPageFault) {
  // 0x40_0000_0000 has bit 38 set and bits 63:39 clear: a read page fault (13), iotval the IOVA.
  EXPECT_EQ(fault_cause(rd(1, 0x40'0000'0000ull)), 13u);
  EXPECT_EQ(fq(0).iotval(), 0x40'0000'0000ull);
}

TEST_F(RvStage1, Sv48TopLevelIndexFromBit39) {
  // Device 2 in Sv48 (MODE 9): VPN[3] = va[47:39]; va bit 39 set selects root slot 1.
  const uint64_t root48 = page();
  put_dc(2, dc_first_stage(9, root48, 2));
  const uint64_t va = (1ull << 39) | 0x3000;
  map(kSv48, root48, va, 0x8050'1000, kRWUAD);
  EXPECT_EQ(io.translate(rd(2, va | 0x77)).pa, 0x8050'1077u);
  EXPECT_EQ(r64(root48 + 8) & kV, kV);
}

TEST_F(RvStage1, Sv57TopLevelIndexFromBit48) {
  // Sv57 (MODE 10): VPN[4] = va[56:48].
  const uint64_t root57 = page();
  put_dc(2, dc_first_stage(10, root57, 2));
  const uint64_t va = (1ull << 48) | 0x3000;
  map(kSv57, root57, va, 0x8050'2000, kRWUAD);
  EXPECT_EQ(io.translate(rd(2, va | 0x77)).pa, 0x8050'2077u);
  EXPECT_EQ(r64(root57 + 8) & kV, kV);
}

class RvSv32 : public RvStage1 {
 protected:
  void SetUp() override {
    Config c;
    c.gxl_writable = true;  // "If fctl.GXL is 0 and is writable, then DC.tc.SXL may be 0 or 1."
    reconfigure(c);
    setup(8, Tc::sxl_mask);
  }
};

TEST_F(RvSv32, FourKibPage) {
  // Sv32: VPN[1] = va[31:22] = 0x3ff, VPN[0] = va[21:12] = 1; 4-byte PTEs.
  map(kSv32, root, 0xffc0'1000, 0x8070'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0xffc0'1abc)).pa, 0x8070'0abcu);
  EXPECT_EQ(r32(root + 0x3ff * 4) & kV, kV);
}

TEST_F(RvSv32, MegapageIsFourMib) {
  map(kSv32, root, 0x0040'0000, 0x8080'0000, kRWUAD, 1);
  const Result r = io.translate(rd(1, 0x0041'2345));
  EXPECT_EQ(r.pa, 0x8081'2345u);
  EXPECT_EQ(r.page_size, 4ull << 20);
}

TEST_F(RvSv32, IovaAboveBit31IsPageFault) {
  // "If the first-stage is not Bare, then a page fault ... occurs if the IOVA has bits beyond bit 31 set to 1."
  map(kSv32, root, 0x1000, 0x8070'0000, kRWUAD);
  EXPECT_EQ(fault_cause(wr(1, 0x1'0000'1000ull)), 15u);
}

TEST_F(RvStage1, InvalidLeafFaultsByAccessType) {
  // V = 0: read 13, write 15, read-for-execute 12 ("Instruction page fault").
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD & ~kV);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
  EXPECT_EQ(fault_cause(wr(1, 0x1000)), 15u);
  EXPECT_EQ(fault_cause(ex(1, 0x1000)), 12u);
  EXPECT_EQ(fq(2).ttyp(), 1u);  // TTYP 1: "Untranslated read for execute transaction"
}

TEST_F(RvStage1, WriteWithoutReadIsReserved) {
  // "if pte.r = 0 and pte.w = 1 ... raise a page-fault" (and "pte.xwr=010 ... remains a reserved encoding").
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kW | kU | kA | kD);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, UserRequestNeedsU) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD & ~kU);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, WriteToReadOnlyPage) {
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kR | kU | kA);
  EXPECT_EQ(io.translate(rd(1, 0x1008)).outcome, Outcome::kTranslated);
  EXPECT_EQ(fault_cause(wr(1, 0x1008)), 15u);
  // CAUSE 15 | TTYP 3 << 34 | DID 1 << 40; iotval 0x1008.
  EXPECT_EQ(fq(0).words[0], 0x0000'010c'0000'000full);
  EXPECT_EQ(fq(0).iotval(), 0x1008u);
}

TEST_F(RvStage1, ExecuteNeedsX) {
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kR | kU | kA);
  map(kSv39, root, 0x2000, 0x8040'1000, kV | kR | kX | kU | kA);
  EXPECT_EQ(fault_cause(ex(1, 0x1000)), 12u);
  const Result r = io.translate(ex(1, 0x2000));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_TRUE(r.x);
}

TEST_F(RvStage1, ExecuteOnlyPageIsNotReadable) {
  // X without R is a valid leaf; a plain read needs R.
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kX | kU | kA);
  EXPECT_EQ(io.translate(ex(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, MisalignedSuperpageIsPageFault) {
  // A level-1 leaf whose PPN[0] is not 0 (0x8060_1000 is not 2 MiB aligned).
  map(kSv39, root, 0x20'0000, 0x8060'1000, kRWUAD, 1);
  EXPECT_EQ(fault_cause(rd(1, 0x20'0000)), 13u);
}

TEST_F(RvStage1, NonLeafAtLevelZeroIsPageFault) {
  map(kSv39, root, 0x1000, 0x8040'0000, kV);  // a pointer where a leaf must be
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, AccessedClearWithoutSadeIsPageFault) {
  // "If SADE is 0, the IOMMU causes a page-fault ... if the A bit is 0 or if the memory access is a store and
  // the D bit is 0."
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD & ~kA);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, DirtyClearWithoutSadeFaultsWritesOnly) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD & ~kD);
  EXPECT_EQ(io.translate(rd(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(fault_cause(wr(1, 0x1000)), 15u);
}

class RvStage1Sade : public RvStage1 {
 protected:
  void SetUp() override {
    Config c;
    c.capabilities = Config::kQemu10Capabilities | Capabilities::amo_hwad_mask;
    reconfigure(c);
    setup(8, Tc::sade_mask);
  }
};

TEST_F(RvStage1Sade, ReadSetsAccessedWriteSetsDirty) {
  // "If SADE is 1, the IOMMU updates A and D bits in first-stage PTEs atomically."
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kR | kW | kU);
  const uint64_t slot = leaf_slot(kSv39, root, 0x1000);
  const uint64_t before = r64(slot);
  EXPECT_EQ(io.lookup(rd(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(slot), before);  // lookup() writes nothing
  EXPECT_EQ(io.translate(rd(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(slot), before | kA);
  EXPECT_EQ(io.translate(wr(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(r64(slot), before | kA | kD);
}

TEST_F(RvStage1Sade, NoUpdateOnPermissionFault) {
  map(kSv39, root, 0x1000, 0x8040'0000, kV | kR | kU);
  const uint64_t slot = leaf_slot(kSv39, root, 0x1000);
  EXPECT_EQ(fault_cause(wr(1, 0x1000)), 15u);
  EXPECT_EQ(r64(slot) & (kA | kD), 0u);
}

TEST_F(RvStage1, ReservedPteBitIsPageFault) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD | (1ull << 54));  // [58:54] reserved
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, RswBits60And59NeedTheExtension) {
  // Without Svrsw60t59b, bits 60:59 are reserved; bits 9:8 (RSW) are always the software's.
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD | (1ull << 59));
  map(kSv39, root, 0x2000, 0x8040'1000, kRWUAD | (3ull << 8));
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
  EXPECT_EQ(io.translate(rd(1, 0x2000)).outcome, Outcome::kTranslated);
}

TEST_F(RvStage1, PbmtWithoutSvpbmtIsReserved) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD | (1ull << 61));  // PBMT = NC
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

class RvStage1Pbmt : public RvStage1 {
 protected:
  void SetUp() override {
    Config c;
    c.capabilities = Config::kQemu10Capabilities | Capabilities::svpbmt_mask;
    reconfigure(c);
    setup(8, 0);
  }
};

TEST_F(RvStage1Pbmt, PbmtWithSvpbmt) {
  // With Svpbmt, PBMT 2 (IO) is a memory type; 3 stays reserved.
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD | (2ull << 61));
  map(kSv39, root, 0x2000, 0x8040'1000, kRWUAD | (3ull << 61));
  EXPECT_EQ(io.translate(rd(1, 0x1000)).outcome, Outcome::kTranslated);
  EXPECT_EQ(fault_cause(rd(1, 0x2000)), 13u);
}

TEST_F(RvStage1, AccessedBitOnNonLeafIsReserved) {
  // "For non-leaf PTEs, the D, A, and U bits are reserved for future standard use."
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  w64(root, r64(root) | kA);
  EXPECT_EQ(fault_cause(rd(1, 0x1000)), 13u);
}

TEST_F(RvStage1, Napot64KibPage) {
  // Svnapot: N=1 with PPN[3:0] = 1000b maps 64 KiB: PPN 0x80908 -> the page at 0x8090_0000; iova 0x1_5678 is
  // 0x5678 into the 64 KiB at 0x1_0000.
  map(kSv39, root, 0x15000, 0x8090'8000, kRWUAD | Pte::n_mask);
  const Result r = io.translate(rd(1, 0x15678));
  EXPECT_EQ(r.pa, 0x8090'5678u);
  EXPECT_EQ(r.page_size, 0x10000u);
}

TEST_F(RvStage1, NapotOtherEncodingIsReserved) {
  map(kSv39, root, 0x15000, 0x8090'0000, kRWUAD | Pte::n_mask);  // PPN[3:0] = 0
  EXPECT_EQ(fault_cause(rd(1, 0x15000)), 13u);
}

TEST_F(RvStage1, PteOutsideMemoryIsAccessFault) {
  // The root at 0x1000 (no RAM): read access fault (5), write access fault (7).
  set_ddtp(IommuMode::k1Lvl);
  put_dc(2, dc_first_stage(8, 0x1000, 2));
  EXPECT_EQ(fault_cause(rd(2, 0x1000)), 5u);
  EXPECT_EQ(fault_cause(wr(2, 0x1000)), 7u);
}

TEST_F(RvStage1, LookupFillsNoCacheTranslateDoes) {
  map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
  EXPECT_EQ(io.lookup(rd(1, 0x1000)).pa, 0x8040'0000u);
  EXPECT_EQ(io.ioatc_valid_entries(), 0u);
  EXPECT_EQ(io.dc_cache_valid_entries(), 0u);
  io.translate(rd(1, 0x1000));
  EXPECT_EQ(io.ioatc_valid_entries(), 1u);
  EXPECT_EQ(io.dc_cache_valid_entries(), 1u);
}

TEST_F(RvStage1, LookupReportsFaultWithoutQueueing) {
  const Result r = io.lookup(rd(1, 0x5000));
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(r.fault.cause(), 13u);
  EXPECT_EQ(fqt(), 0u);
}

}  // namespace
}  // namespace riscv_iommu_tests
