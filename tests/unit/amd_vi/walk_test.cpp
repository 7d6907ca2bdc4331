// v1 page-table walks (48882 §2.2.3): every Mode 1..6, large pages through NextLevel 0 and 7, level
// skipping, permissions, and the faults of each failure, with their event fields.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0018;  // 00:03.0
constexpr uint16_t kDom = 0x42;

class AmdViWalk : public AmdViTest {
 protected:
  // Builds a chain root(level mode) -> ... -> level 1 for `iova`, leaf -> `pa`, and a DTE for kDev.
  void map_4k(unsigned mode, uint64_t iova, uint64_t pa) {
    const uint64_t root = table();
    uint64_t t = root;
    for (unsigned level = mode; level > 1; --level) {
      const uint64_t next = table();
      w64(t + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8, pte(next, level - 1));
      t = next;
    }
    w64(t + ((iova >> 12) & 0x1ff) * 8, pte(pa, 0));
    set_dte(kDev, dte_v1(mode, root, kDom));
  }
  void expect_walk(unsigned mode, uint64_t iova) {
    enable();
    const uint64_t pa = kRamBase + 0x80'0000;
    map_4k(mode, iova, pa);
    const Result r = dma(kDev, iova + 0x123, false);
    EXPECT_EQ(r.outcome, Outcome::kTranslated);
    EXPECT_EQ(r.pa, pa + 0x123);
    EXPECT_EQ(r.page_size, 4096ull);
  }
};

// The IOVA of each mode uses that mode's top index bits, so a wrong index at any level would miss:
// mode 1 reaches 2^21, mode 2 2^30, mode 3 2^39, mode 4 2^48, mode 5 2^57, mode 6 2^64.
TEST_F(AmdViWalk, Mode1OneLevel) { expect_walk(1, 0x1f'f000); }
TEST_F(AmdViWalk, Mode2TwoLevels) { expect_walk(2, 0x3fe0'1000); }
TEST_F(AmdViWalk, Mode3ThreeLevels) { expect_walk(3, 0x7f'c020'3000); }
TEST_F(AmdViWalk, Mode4FourLevels) { expect_walk(4, 0xff80'4060'5000); }
TEST_F(AmdViWalk, Mode5FiveLevels) { expect_walk(5, 0x1ff'0080'00a0'7000); }
TEST_F(AmdViWalk, Mode6SixLevels) { expect_walk(6, 0xfe00'0001'0000'1000ull); }

TEST_F(AmdViWalk, Level2LeafIs2MiBPage) {
  // NextLevel 0 in a level-2 entry: a 2 MiB page; PA = leaf[51:21] | iova[20:0].
  enable();
  const uint64_t root = table(), l2 = table();
  w64(root + 0 * 8, pte(l2, 2));
  w64(l2 + 1 * 8, pte(0x0040'0000, 0));  // iova 0x20_0000..0x3f_ffff -> 0x40_0000
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x20'0000 + 0x1'2345, true);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0041'2345ull);
  EXPECT_EQ(r.page_size, 0x20'0000ull);
}

TEST_F(AmdViWalk, Level3LeafIs1GiBPage) {
  enable();
  const uint64_t root = table();
  w64(root + 1 * 8, pte(0x4000'0000, 0));  // level-3 entry 1: iova 1 GiB..2 GiB -> 1 GiB
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x4123'4567, false);
  EXPECT_EQ(r.pa, 0x4123'4567ull);
  EXPECT_EQ(r.page_size, 0x4000'0000ull);
}

TEST_F(AmdViWalk, NextLevel7InLevel1Is64KiBPage) {
  // §2.2.3.2: NextLevel 7 in a level-1 table, address bits [14:12] = 111b and [15] = 0 ->
  // 2^(13+3) = 64 KiB. Page base 0x60_0000; IOVA 0x3_5abc reads slot 0x35 -> 0x60_0000 | 0x5abc.
  enable();
  const uint64_t root = table(), l1 = table();
  w64(root + 0, pte(l1, 1));
  for (unsigned slot = 0x30; slot < 0x40; ++slot) w64(l1 + slot * 8, pte(0x60'0000 | 0x7000, 7));
  set_dte(kDev, dte_v1(2, root, kDom));
  const Result r = dma(kDev, 0x3'5abc, false);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x60'5abcull);
  EXPECT_EQ(r.page_size, 0x1'0000ull);
}

TEST_F(AmdViWalk, NextLevel7InLevel2Is4MiBPage) {
  // Level-2 slots 2 and 3 (IOVA 0x40_0000..0x7f_ffff), address 0x80_0000 | 0x1f_f000 (bits 20:12 set,
  // bit 21 clear) -> 2^(13+9) = 4 MiB at 0x80_0000; IOVA 0x40_1234 -> 0x80_1234.
  enable();
  const uint64_t root = table(), l2 = table();
  w64(root + 0, pte(l2, 2));
  w64(l2 + 2 * 8, pte(0x80'0000 | 0x1f'f000, 7));
  w64(l2 + 3 * 8, pte(0x80'0000 | 0x1f'f000, 7));
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x40'1234, false);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x80'1234ull);
  EXPECT_EQ(r.page_size, 0x40'0000ull);
}

TEST_F(AmdViWalk, NextLevel7SmallerThanLevelIsMalformed) {
  // 32 KiB (bits 13:12 = 11b) in a level-2 table is not larger than the level's 2 MiB: PR=1, RZ=1.
  enable();
  const uint64_t root = table(), l2 = table();
  w64(root + 0, pte(l2, 2));
  w64(l2 + 0, pte(0x60'0000 | 0x3000, 7));
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x5678, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.pr(), 1u);
  EXPECT_EQ(r.event.rz(), 1u);
}

TEST_F(AmdViWalk, SkippedLevelWithZeroIndexTranslates) {
  // Mode 3 root entry 0 with NextLevel 1 skips level 2: IOVA bits [29:21] must be 0.
  enable();
  const uint64_t root = table(), l1 = table();
  w64(root + 0, pte(l1, 1));
  w64(l1 + 7 * 8, pte(0x0070'0000, 0));
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x7010, false);
  EXPECT_EQ(r.outcome, Outcome::kTranslated);
  EXPECT_EQ(r.pa, 0x0070'0010ull);
}

TEST_F(AmdViWalk, SkippedLevelWithNonZeroIndexFaults) {
  enable();
  const uint64_t root = table(), l1 = table();
  w64(root + 0, pte(l1, 1));
  w64(l1 + 7 * 8, pte(0x0070'0000, 0));
  set_dte(kDev, dte_v1(3, root, kDom));
  const Result r = dma(kDev, 0x20'7010, false);  // level-2 index 1: not zero
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.code(), EventCode::kIoPageFault);
  EXPECT_EQ(r.event.address(), 0x20'7010ull);
}

TEST_F(AmdViWalk, IovaBeyondModeReachFaults) {
  // Mode 2 reaches 2^30: IOVA 0x4000_0000 has bit 30 set -> IO_PAGE_FAULT, not present.
  enable();
  map_4k(2, 0x1000, kRamBase);
  const Result r = dma(kDev, 0x4000'1000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.pr(), 0u);
}

TEST_F(AmdViWalk, NotPresentFaultFields) {
  // §2.5.3: code 2, DeviceID, DomainID, RW=0 (read), PR=0, Address = IOVA; logged at the tail.
  enable();
  map_4k(3, 0x1000, kRamBase);
  const Result r = dma(kDev, 0x9000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  ASSERT_EQ(events_logged(), 1u);
  const Event e = event(0);
  EXPECT_EQ(e.code(), EventCode::kIoPageFault);
  EXPECT_EQ(e.device_id(), kDev);
  EXPECT_EQ(e.domain_or_pasid(), kDom);
  EXPECT_EQ(e.rw(), 0u);
  EXPECT_EQ(e.pr(), 0u);
  EXPECT_EQ(e.address(), 0x9000ull);
  // Whole first word: 0x18 | 0x42 << 32 | 2 << 60.
  EXPECT_EQ(e.words[0], 0x2000004200000018ull);
}

TEST_F(AmdViWalk, WriteToReadOnlyPageFaultsPresent) {
  enable();
  const uint64_t root = table();
  w64(root + 1 * 8, pte(0x5000, 0, true, false));  // mode 1: IOVA 0x1000 -> 0x5000, read-only
  set_dte(kDev, dte_v1(1, root, kDom));
  EXPECT_EQ(dma(kDev, 0x1000, false).outcome, Outcome::kTranslated);
  const Result r = dma(kDev, 0x1008, true);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.pr(), 1u);
  EXPECT_EQ(r.event.rw(), 1u);
  EXPECT_EQ(r.event.address(), 0x1008ull);
}

TEST_F(AmdViWalk, PermissionsAreAndedAcrossLevels) {
  // A PDE with IW=0 removes write from everything below it even when the PTE has IW=1.
  enable();
  const uint64_t root = table(), l1 = table();
  w64(root + 0, pte(l1, 1, true, false));
  w64(l1 + 1 * 8, pte(0x5000, 0, true, true));
  set_dte(kDev, dte_v1(2, root, kDom));
  EXPECT_EQ(dma(kDev, 0x1000, true).outcome, Outcome::kAborted);
  EXPECT_EQ(dma(kDev, 0x1000, false).outcome, Outcome::kTranslated);
}

TEST_F(AmdViWalk, DteIwZeroDeniesWrites) {
  enable();
  map_4k(1, 0x1000, 0x5000);
  Dte d = dte_v1(1, 0, kDom);
  d.words[0] = r64(kDevtab + kDev * 32);
  d.set_iw(0);
  set_dte(kDev, d);
  EXPECT_EQ(dma(kDev, 0x1000, true).outcome, Outcome::kAborted);
}

TEST_F(AmdViWalk, PageTableOutsideRamIsHardwareError) {
  // §2.5.5 PAGE_TAB_HARDWARE_ERROR: Address = the PTE's address: root 0x2000_0000 (outside RAM) + 8*1.
  enable();
  set_dte(kDev, dte_v1(1, 0x2000'0000, kDom));
  const Result r = dma(kDev, 0x1000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.code(), EventCode::kPageTabHardwareError);
  EXPECT_EQ(r.event.address(), 0x2000'0008ull);
  EXPECT_EQ(r.event.device_id(), kDev);
}

TEST_F(AmdViWalk, NextLevelNotLowerIsInvalid) {
  // A level-2 PDE with NextLevel 2 (not below its own level) is malformed: IO_PAGE_FAULT, PR=1.
  enable();
  const uint64_t root = table();
  w64(root + 0, pte(root, 2));
  set_dte(kDev, dte_v1(2, root, kDom));
  const Result r = dma(kDev, 0x1000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.pr(), 1u);
  EXPECT_EQ(r.event.rz(), 1u);
}

}  // namespace
}  // namespace amd_vi_test
