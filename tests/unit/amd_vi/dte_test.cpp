// Device table lookup and DTE validity (48882 §2.2.2): V/TV combinations, Mode 0, reserved bits,
// DeviceIDs beyond the table, a table outside memory.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0020;

TEST_F(AmdViTest, DteVZeroPassesUntranslated) {
  enable();  // all DTEs are zero: V=0
  const Result r = dma(kDev, 0x1234, true);
  EXPECT_EQ(r.outcome, Outcome::kUntranslated);
  EXPECT_EQ(r.pa, 0x1234ull);
  EXPECT_EQ(events_logged(), 0u);
}

TEST_F(AmdViTest, DteVOneTvZeroAbortsWithPageFault) {
  enable();
  Dte d;
  d.set_v(1).set_ir(1).set_iw(1).set_domain_id(3);
  set_dte(kDev, d);
  const Result r = dma(kDev, 0x5000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  ASSERT_EQ(events_logged(), 1u);
  // 0x20 | 3 << 32 | code 2 << 60; PR=0, RW=0.
  EXPECT_EQ(event(0).words[0], 0x2000000300000020ull);
  EXPECT_EQ(event(0).address(), 0x5000ull);
}

TEST_F(AmdViTest, Mode0UsesDtePermissions) {
  enable();
  Dte d;
  d.set_v(1).set_tv(1).set_mode(0).set_ir(1).set_iw(0).set_domain_id(3);
  set_dte(kDev, d);
  const Result rd = dma(kDev, 0x5000, false);
  EXPECT_EQ(rd.outcome, Outcome::kUntranslated);
  EXPECT_EQ(rd.pa, 0x5000ull);
  const Result wr = dma(kDev, 0x5000, true);
  EXPECT_EQ(wr.outcome, Outcome::kAborted);
  EXPECT_EQ(wr.event.pr(), 1u);
  EXPECT_EQ(wr.event.rw(), 1u);
}

TEST_F(AmdViTest, ReservedDteBitIsIllegalDevTableEntry) {
  // ILLEGAL_DEV_TABLE_ENTRY: Address = the DTE's address (the model's and QEMU's choice; VirtualBox reports
  // the request's) = 0x0100_0000 + 0x20 * 32 = 0x0100_0400.
  enable();
  Dte d;
  d.set_v(1).set_tv(1).set_mode(1);
  d.words[3] = 1;  // quadword 3 is reserved
  set_dte(kDev, d);
  const Result r = dma(kDev, 0x5000, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  ASSERT_EQ(events_logged(), 1u);
  EXPECT_EQ(event(0).code(), EventCode::kIllegalDevTableEntry);
  EXPECT_EQ(event(0).device_id(), kDev);
  EXPECT_EQ(event(0).address(), 0x0100'0400ull);
  EXPECT_EQ(event(0).rz(), 1u);  // a reserved bit was not zero
}

TEST_F(AmdViTest, Mode7IsIllegalDevTableEntry) {
  enable();
  Dte d;
  d.set_v(1).set_tv(1).set_mode(7);
  set_dte(kDev, d);
  const Result r = dma(kDev, 0, false);
  EXPECT_EQ(r.event.code(), EventCode::kIllegalDevTableEntry);
  EXPECT_EQ(r.event.rz(), 0u);  // no reserved bit: a reserved encoding
}

TEST_F(AmdViTest, DeviceIdBeyondTableSize) {
  // Size=1 -> 8 KiB = 256 entries: DeviceID 0x100 (01:00.0) has no entry.
  enable();
  const Result r = dma(0x100, 0, false);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.event.code(), EventCode::kIllegalDevTableEntry);
}

TEST_F(AmdViTest, DeviceTableOutsideMemoryIsHardwareError) {
  // §2.5.4 DEV_TAB_HARDWARE_ERROR: Address = table base 0x3000_0000 + 0x20 * 32 = 0x3000_0400.
  enable();
  iommu.write(Mmio::kDeviceTableBase, 0x3000'0000 | 1);
  const Result r = dma(kDev, 0, false);
  EXPECT_EQ(r.event.code(), EventCode::kDevTabHardwareError);
  EXPECT_EQ(r.event.address(), 0x3000'0400ull);
  EXPECT_EQ(r.event.device_id(), kDev);
}

TEST_F(AmdViTest, StaleDteUsedUntilInvalidateDevtabEntry) {
  // A cached DTE may be used after the entry changed; INVALIDATE_DEVTAB_ENTRY makes the change visible.
  enable();
  Dte d;
  d.set_v(1).set_tv(1).set_mode(0).set_ir(1).set_iw(1);
  set_dte(kDev, d);
  EXPECT_EQ(dma(kDev, 0x5000, true).outcome, Outcome::kUntranslated);
  d.set_iw(0);
  set_dte(kDev, d);
  EXPECT_EQ(dma(kDev, 0x5000, true).outcome, Outcome::kUntranslated);  // cached
  InvalidateDevtabEntry c;
  c.set_device_id(kDev);
  submit(c);
  EXPECT_EQ(dma(kDev, 0x5000, true).outcome, Outcome::kAborted);
}

}  // namespace
}  // namespace amd_vi_test
