// Interrupt remapping (48882 §2.2.5): IntCtl, IntTabLen bounds, RemapEn, the 32-bit IRTE.
#include "tests/unit/amd_vi/fixture.h"

namespace amd_vi_test {
namespace {

constexpr uint16_t kDev = 0x0040;
constexpr uint64_t kIrt = kRamBase + 0x4'0000;

class AmdViIntRemap : public AmdViTest {
 protected:
  void set_ir_dte(unsigned int_ctl, unsigned len = 3) {
    Dte d;
    d.set_v(1).set_iv(1).set_int_ctl(int_ctl).set_int_tab_len(len).set_int_table_root_64(kIrt >> 6).set_domain_id(2);
    set_dte(kDev, d);
  }
};

TEST_F(AmdViIntRemap, RemapsThroughIrte) {
  // MSI data 0x0002 -> IRTE 2 at kIrt + 8: RemapEn, Destination 1, Vector 0x51.
  enable();
  Irte32 e;
  e.set_remap_en(1).set_destination(1).set_vector(0x51);
  ASSERT_TRUE(mem.write32(kIrt + 2 * 4, e.value));
  set_ir_dte(kIntCtlRemap);
  const auto m = iommu.remap_msi(kDev, 0xfee00000, 0x0002);
  EXPECT_TRUE(m.delivered);
  EXPECT_TRUE(m.remapped);
  EXPECT_EQ(m.vector, 0x51);
  EXPECT_EQ(m.destination, 1u);
}

TEST_F(AmdViIntRemap, IvZeroPassesThrough) {
  enable();
  const auto m = iommu.remap_msi(kDev, 0xfee00000, 0x4041);
  EXPECT_TRUE(m.delivered);
  EXPECT_FALSE(m.remapped);
  EXPECT_EQ(m.data, 0x4041u);
}

TEST_F(AmdViIntRemap, IntCtlAbortLogsInterruptFault) {
  // IO_PAGE_FAULT with I=1 (bit 51), RW=1 (an MSI is a write), Address = the MSI address.
  enable();
  set_ir_dte(kIntCtlAbort);
  const auto m = iommu.remap_msi(kDev, 0xfee00000, 0x0001);
  EXPECT_FALSE(m.delivered);
  ASSERT_TRUE(m.has_event);
  EXPECT_EQ(m.event.i(), 1u);
  EXPECT_EQ(m.event.address(), 0xfee00000ull);
  EXPECT_EQ(events_logged(), 1u);
}

TEST_F(AmdViIntRemap, IntCtlPassForwardsUnchanged) {
  enable();
  set_ir_dte(kIntCtlPass);
  const auto m = iommu.remap_msi(kDev, 0xfee01000, 0x0033);
  EXPECT_TRUE(m.delivered);
  EXPECT_FALSE(m.remapped);
  EXPECT_EQ(m.address, 0xfee01000ull);
}

TEST_F(AmdViIntRemap, IndexBeyondIntTabLenFaults) {
  // IntTabLen 3 -> 8 entries: index 8 is outside.
  enable();
  set_ir_dte(kIntCtlRemap, 3);
  EXPECT_FALSE(iommu.remap_msi(kDev, 0xfee00000, 0x0008).delivered);
}

TEST_F(AmdViIntRemap, RemapEnZeroFaults) {
  enable();
  set_ir_dte(kIntCtlRemap);
  EXPECT_FALSE(iommu.remap_msi(kDev, 0xfee00000, 0x0000).delivered);
}

}  // namespace
}  // namespace amd_vi_test
