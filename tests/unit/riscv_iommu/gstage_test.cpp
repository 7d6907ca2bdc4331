// G-stage translation (Sv32x4/Sv39x4/Sv48x4/Sv57x4) alone and nested under the first stage, whose tables are
// read at guest-physical addresses through the G-stage ("Two-Stage Address Translation"; fault record:
// "If the CAUSE is a guest-page fault then bits 63:2 of the zero-extended guest-physical-address are reported
// in iotval2[63:2]. If bit 0 of iotval2 is 1, then the guest-page-fault was caused by an implicit memory
// access for first-stage address translation").
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvGStage : public RvTest {
 protected:
  uint64_t groot = 0;
  void SetUp() override { setup(); }
  void setup(uint64_t gmode = 8, uint64_t tc_extra = 0) {
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    groot = page(16384);
    DeviceContext dc = dc_valid();
    with_g_stage(dc, gmode, groot, 5);
    dc.words[0] |= tc_extra;
    put_dc(1, dc);
  }
};

TEST_F(RvGStage, Sv39x4Page) {
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kRWUAD);
  const Result r = io.translate(rd(1, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x8040'0234u);
  EXPECT_EQ(r.page_size, 0x1000u);
}

TEST_F(RvGStage, Sv39x4RootIndexIsElevenBits) {
  // GPA bit 40 is the top bit of the widened root index: slot 0x400 of the 16 KiB root (offset 0x2000).
  map(kSv39x4, groot, (1ull << 40) | 0x2000, 0x8040'1000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, (1ull << 40) | 0x2010)).pa, 0x8040'1010u);
  EXPECT_EQ(r64(groot + 0x2000) & kV, kV);
}

TEST_F(RvGStage, GpaBeyondFortyOneBitsIsGuestPageFault) {
  // Sv39x4 takes 41-bit GPAs: a read guest-page fault (21), iotval2 = the GPA, iotval = the IOVA.
  const FaultRecord f = fault(rd(1, 0x200'0000'0010ull));
  EXPECT_EQ(f.cause(), 21u);
  EXPECT_EQ(f.iotval(), 0x200'0000'0010ull);
  EXPECT_EQ(f.iotval2(), 0x200'0000'0010ull);
}

TEST_F(RvGStage, LeafNeedsU) {
  // "When checking the U bit in a second-stage PTE, the transaction is treated as not requesting supervisor
  // privilege."
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kRWUAD & ~kU);
  EXPECT_EQ(fault(rd(1, 0x1000)).cause(), 21u);
}

TEST_F(RvGStage, PermissionFaultsByAccessType) {
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kV | kR | kU | kA | kD);
  const FaultRecord w = fault(wr(1, 0x1008));
  EXPECT_EQ(w.cause(), 23u);  // "Write/AMO guest-page fault"
  EXPECT_EQ(w.iotval2(), 0x1008u);
  EXPECT_EQ(fault(ex(1, 0x1008)).cause(), 20u);  // "Instruction guest page fault"
}

TEST_F(RvGStage, AccessedClearWithoutGadeIsGuestPageFault) {
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kRWUAD & ~kA);
  EXPECT_EQ(fault(rd(1, 0x1000)).cause(), 21u);
}

TEST_F(RvGStage, TableOutsideMemoryIsAccessFault) {
  // A 16 KiB aligned root with no RAM behind it: the PTE load is a read access fault (5).
  set_ddtp(IommuMode::k1Lvl);
  DeviceContext dc = dc_valid();
  with_g_stage(dc, 8, 0x4000, 6);
  put_dc(2, dc);
  EXPECT_EQ(fault(rd(2, 0x1000)).cause(), 5u);
}

TEST_F(RvGStage, IoatcEntryTaggedWithGscid) {
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kRWUAD);
  io.translate(rd(1, 0x1000));
  EXPECT_EQ(io.ioatc_valid_entries(), 1u);
}

class RvGStageGade : public RvGStage {
 protected:
  void SetUp() override {
    Config c;
    c.capabilities = Config::kQemu10Capabilities | Capabilities::amo_hwad_mask;
    reconfigure(c);
    setup(8, Tc::gade_mask);
  }
};

TEST_F(RvGStageGade, GadeSetsAccessedAndDirty) {
  // "If GADE is 1, the IOMMU updates A and D bits in second-stage PTEs atomically."
  map(kSv39x4, groot, 0x1000, 0x8040'0000, kV | kR | kW | kU);
  const uint64_t slot = leaf_slot(kSv39x4, groot, 0x1000);
  io.translate(wr(1, 0x1000));
  EXPECT_EQ(r64(slot), kV | kR | kW | kU | kA | kD | (0x80400ull << 10));
}

class RvGStage48 : public RvGStage {
 protected:
  void SetUp() override { setup(9); }
};
class RvGStage57 : public RvGStage {
 protected:
  void SetUp() override { setup(10); }
};

TEST_F(RvGStage48, RootIndexIsGpaBits49To39) {
  // The top GPA bit (49) selects root slot 0x400 (offset 0x2000).
  const uint64_t gpa = (1ull << 49) | 0x5000;
  map(kSv48x4, groot, gpa, 0x8044'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, gpa + 8)).pa, 0x8044'0008u);
  EXPECT_EQ(r64(groot + 0x2000) & kV, kV);
}

TEST_F(RvGStage57, RootIndexIsGpaBits58To48) {
  const uint64_t gpa = (1ull << 58) | 0x5000;
  map(kSv57x4, groot, gpa, 0x8045'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, gpa + 8)).pa, 0x8045'0008u);
  EXPECT_EQ(r64(groot + 0x2000) & kV, kV);
  EXPECT_EQ(fault(rd(1, 1ull << 59)).cause(), 21u);  // 59 bits at most
}

class RvGStageSv32x4 : public RvGStage {
 protected:
  void SetUp() override {
    Config c;
    c.gxl_writable = true;
    reconfigure(c);
    Fctl f;
    f.set_gxl(1);
    set(reg::kFctl, f.value);
    setup(8, Tc::sxl_mask);  // "If fctl.GXL is 1, then DC.tc.SXL must be 1"
  }
};

TEST_F(RvGStageSv32x4, ThirtyFourBitGpa) {
  // Sv32x4: 4-byte PTEs, root index GPA[33:22] (12 bits): 0x3_0000_1000 -> slot 0xc00 (offset 0x3000).
  map(kSv32x4, groot, 0x3'0000'1000ull, 0x8046'0000, kRWUAD);
  EXPECT_EQ(io.translate(rd(1, 0x3'0000'1004ull)).pa, 0x8046'0004u);
  EXPECT_EQ(r32(groot + 0x3000) & kV, kV);
  EXPECT_EQ(fault(rd(1, 0x4'0000'0000ull)).cause(), 21u);  // bit 34: beyond Sv32x4
}

// Nested: the guest window as G-stage (GSCID 7), the first stage's tables in it, linked by GPA.
class RvNested : public RvTest {
 protected:
  uint64_t groot = 0, s_root = 0;
  void SetUp() override { setup(kRWUAD, 0); }
  void setup(uint64_t window_flags, uint64_t tc_extra) {
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    groot = guest_window_sv39x4(window_flags);
    s_root = guest_page();
    DeviceContext dc = dc_first_stage(8, gpa_of(s_root) /* a guest PPN */, 9);
    with_g_stage(dc, 8, groot, 7);
    dc.words[0] |= tc_extra;
    put_dc(1, dc);
  }
};

TEST_F(RvNested, TwoStages) {
  // IOVA 0x1abc -> GPA 0x50_0abc (first stage) -> SPA 0x8150_0abc (the window); size min(4 KiB, 2 MiB).
  map(kSv39, s_root, 0x1000, 0x50'0000, kRWUAD, 0, true);
  const Result r = io.translate(rd(1, 0x1abc));
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x8150'0abcu);
  EXPECT_EQ(r.page_size, 0x1000u);
}

TEST_F(RvNested, FirstStageRootOutsideTheGuestIsImplicitGuestPageFault) {
  // iosatp.PPN = GPA 0x200_0000 (32 MiB, beyond the 16 MiB window): reading the root PTE (index 0) is an
  // implicit read that faults in the G-stage: cause by the original access (21 read, 23 write), iotval2 =
  // 0x200_0000 | 1 (implicit, not a write).
  DeviceContext dc = dc_first_stage(8, 0x200'0000, 9);
  with_g_stage(dc, 8, groot, 7);
  put_dc(2, dc);
  FaultRecord f = fault(rd(2, 0x1000));
  EXPECT_EQ(f.cause(), 21u);
  EXPECT_EQ(f.iotval2(), 0x200'0001u);
  f = fault(wr(2, 0x1000));
  EXPECT_EQ(f.cause(), 23u);
  EXPECT_EQ(f.iotval2(), 0x200'0001u);
  EXPECT_EQ(f.iotval(), 0x1000u);
}

TEST_F(RvNested, FinalGpaOutsideTheGuestIsExplicitGuestPageFault) {
  // The first stage maps IOVA 0x1000 to GPA 0x300_0000: iotval2 = 0x300_0234, bit 0 clear.
  map(kSv39, s_root, 0x1000, 0x300'0000, kRWUAD, 0, true);
  const FaultRecord f = fault(rd(1, 0x1234));
  EXPECT_EQ(f.cause(), 21u);
  EXPECT_EQ(f.iotval2(), 0x300'0234u);
}

TEST_F(RvNested, PermissionsOfBothStages) {
  // First stage RW, G-stage read-only at the target: reads pass with w = 0, writes are guest-page faults.
  map(kSv39, s_root, 0x1000, 0x50'0000, kRWUAD, 0, true);
  // The window's 2 MiB leaf for GPA 0x40_0000 made read-only (the first stage's tables are in the first 2 MiB).
  map(kSv39x4, groot, 0x40'0000, kGuestSpa + 0x40'0000, kV | kR | kU | kA | kD, 1);
  const Result r = io.translate(rd(1, 0x1000));
  EXPECT_EQ(r.pa, 0x8150'0000u);
  EXPECT_TRUE(r.r && !r.w);
  EXPECT_EQ(fault(wr(1, 0x1000)).cause(), 23u);
}

TEST_F(RvNested, FirstStageFaultStaysAPageFault) {
  EXPECT_EQ(fault(rd(1, 0x7000)).cause(), 13u);  // an empty first-stage slot
}

class RvNestedSade : public RvNested {
 protected:
  void SetUp() override {
    Config c;
    c.capabilities = Config::kQemu10Capabilities | Capabilities::amo_hwad_mask;
    reconfigure(c);
    setup(kV | kR | kU | kA | kD, Tc::sade_mask);  // the G-stage grants no W
  }
};

TEST_F(RvNestedSade, AdUpdateIsImplicitWrite) {
  // SADE sets A in the first-stage leaf: an implicit write, which the read-only G-stage refuses: a guest-page
  // fault for the original read (21) with iotval2 = the leaf PTE's GPA | 3 ("the implicit access was a write").
  map(kSv39, s_root, 0x1000, 0x50'0000, kV | kR | kW | kU, 0, true);
  const uint64_t leaf_gpa = gpa_of(leaf_slot(kSv39, s_root, 0x1000, 0, true));
  const FaultRecord f = fault(rd(1, 0x1000));
  EXPECT_EQ(f.cause(), 21u);
  EXPECT_EQ(f.iotval2(), leaf_gpa | 3);
}

}  // namespace
}  // namespace riscv_iommu_tests
