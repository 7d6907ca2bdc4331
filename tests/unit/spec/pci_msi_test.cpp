// spec/pci.h: the MSI and MSI-X capability registers against values worked out by hand from PCI Local Bus 3.0
// §6.8.1.3 (MSI Message Control) and §6.8.2.3-4, §6.8.2.9 (MSI-X Message Control, Table Offset/BIR, Vector
// Control), as kernel/pci.cpp programs them.
#include <gtest/gtest.h>

#include "spec/pci.h"

namespace {

TEST(PciMsi, MessageControl) {
  spec::pci::MsiControl c;
  c.value = 0x0180;  // per-vector masking capable, 64-bit address, MSI off, one vector
  EXPECT_EQ(c.addr64(), 1u);
  EXPECT_EQ(c.per_vector_masking(), 1u);
  EXPECT_EQ(c.msi_enable(), 0u);
  c.set_multiple_message_enable(0).set_msi_enable(1);
  EXPECT_EQ(c.value, 0x0181u);
}

TEST(PciMsix, MessageControl) {
  spec::pci::MsixControl c;
  c.value = 0x4002;  // function masked, table size field 2 (three entries), MSI-X off
  EXPECT_EQ(c.table_size(), 2u);
  EXPECT_EQ(c.function_mask(), 1u);
  c.set_function_mask(0).set_msix_enable(1);
  EXPECT_EQ(c.value, 0x8002u);
}

TEST(PciMsix, TableOffsetAndBir) {
  spec::pci::MsixTable t;
  t.value = 0x00003001;  // BAR 1, offset 0x3000 (the low three bits hold the BIR)
  EXPECT_EQ(t.bir(), 1u);
  EXPECT_EQ(t.offset_qwords() << 3, 0x3000u);
}

TEST(PciMsix, VectorControlAndEntryLayout) {
  spec::pci::MsixVectorControl v;
  EXPECT_EQ(v.set_mask(1).value, 1u);
  EXPECT_EQ(spec::pci::kMsixEntrySize, 16u);
  EXPECT_EQ(spec::pci::kMsixEntryData, 8u);
  EXPECT_EQ(spec::pci::kMsixEntryVectorControl, 12u);
}

}  // namespace
