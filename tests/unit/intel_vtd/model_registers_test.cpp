// VT-d model: the register file (§11.4): reset values, the GCMD -> GSTS handshakes, RW1C status bits, 32-bit
// halves of 64-bit registers.
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

using VtdModelRegisters = VtdModelTest;

TEST_F(VtdModelRegisters, ResetValuesAreQemu10s) {
  // Measured on QEMU 10.0 (vtd-qemu-notes "Registers after reset"): VER 0x10, the CAP/ECAP of the default
  // properties, GSTS/FSTS/RTADDR/IQ* 0, FECTL and IECTL 0x80000000 (IM=1).
  EXPECT_EQ(reg(reg::kVer), 0x10u);
  EXPECT_EQ(reg(reg::kCap), 0x00d2'008c'222f'0606ull);
  EXPECT_EQ(reg(reg::kEcap), 0x00f0'0f4aull);
  EXPECT_EQ(reg(reg::kGsts), 0u);
  EXPECT_EQ(reg(reg::kFsts), 0u);
  EXPECT_EQ(reg(reg::kRtaddr), 0u);
  EXPECT_EQ(reg(reg::kFectl), 0x8000'0000u);
  EXPECT_EQ(reg(reg::kIectl), 0x8000'0000u);
  EXPECT_EQ(reg(reg::kIqh), 0u);
  EXPECT_EQ(reg(reg::kIqt), 0u);
  EXPECT_EQ(reg(reg::kIqa), 0u);
  EXPECT_EQ(reg(reg::kIcs), 0u);
}

TEST_F(VtdModelRegisters, CapAndEcapAreReadOnly) {
  iommu.write(reg::kCap, 0);
  iommu.write(reg::kEcap, ~uint64_t{0});
  EXPECT_EQ(reg(reg::kCap), 0x00d2'008c'222f'0606ull);
  EXPECT_EQ(reg(reg::kEcap), 0x00f0'0f4aull);
}

TEST_F(VtdModelRegisters, GcmdReadsZeroAndSrtpSetsRtps) {
  // §11.4.4: GCMD is write-only; SRTP (bit 30) -> GSTS.RTPS (bit 30) once the pointer is latched.
  iommu.write(reg::kRtaddr, kRoot);
  gcmd(0x4000'0000);
  EXPECT_EQ(reg(reg::kGcmd), 0u);
  EXPECT_EQ(reg(reg::kGsts), 0x4000'0000u);
  EXPECT_EQ(reg(reg::kRtaddr), kRoot);
}

TEST_F(VtdModelRegisters, TeSetsAndClearsTes) {
  // TE (bit 31) -> TES (bit 31); RTPS (bit 30) stays from the SRTP before.
  iommu.write(reg::kRtaddr, kRoot);
  gcmd(0x4000'0000);
  gcmd(0x8000'0000);
  EXPECT_EQ(reg(reg::kGsts), 0xc000'0000u);
  gcmd(0);
  EXPECT_EQ(reg(reg::kGsts), 0x4000'0000u);
}

TEST_F(VtdModelRegisters, QieIreCfiSirtpHandshakes) {
  // QIE bit 26 -> QIES 26; IRE 25 -> IRES 25; CFI 23 -> CFIS 23; SIRTP 24 -> IRTPS 24 (ECAP.QI and IR are 1).
  iommu.write(reg::kIqa, kQueue);
  gcmd(0x0400'0000);
  EXPECT_EQ(reg(reg::kGsts), 0x0400'0000u);
  gcmd(0x0500'0000);  // QIE kept, SIRTP
  EXPECT_EQ(reg(reg::kGsts), 0x0500'0000u);
  gcmd(0x0680'0000);  // QIE, IRE, CFI
  EXPECT_EQ(reg(reg::kGsts), 0x0780'0000u);  // IRTPS stays
}

TEST_F(VtdModelRegisters, WbfWithoutRwbfIsIgnored) {
  // CAP.RWBF = 0 in the default CAP: WBF (bit 27) changes nothing, WBFS (27) reads 0.
  gcmd(0x0800'0000);
  EXPECT_EQ(reg(reg::kGsts), 0u);
}

TEST_F(VtdModelRegisters, QiBitsIgnoredWithoutEcapQi) {
  Config c;
  c.ecap = 0x00f0'0f48ull;  // the default ECAP without QI (bit 1)
  reconfigure(c);
  iommu.write(reg::kIqa, kQueue);
  gcmd(0x0400'0000);
  EXPECT_EQ(reg(reg::kGsts), 0u);
  EXPECT_EQ(reg(reg::kIqa), 0u);
}

TEST_F(VtdModelRegisters, RtaddrHalvesAndLatching) {
  // A 64-bit register written as two 32-bit halves; the pointer takes effect at SRTP only.
  iommu.write(Mmio{0x20, 4}, 0x0100'1000);
  iommu.write(Mmio{0x24, 4}, 0);
  EXPECT_EQ(reg(reg::kRtaddr), 0x0100'1000u);
  EXPECT_EQ(reg(Mmio{0x20, 4}), 0x0100'1000u);
  EXPECT_EQ(reg(Mmio{0x24, 4}), 0u);
  // RTA is [63:12]: the low 10 bits are not kept (TTM [11:10] is).
  iommu.write(reg::kRtaddr, 0x0100'13ffull);
  EXPECT_EQ(reg(reg::kRtaddr), 0x0100'1000u);
}

TEST_F(VtdModelRegisters, IqaWriteResetsHeadAndTail) {
  // IQA: "writing to this register causes the Invalidation Queue Head and Invalidation Queue Tail registers to be
  // reset to 0h."
  iommu.write(reg::kIqt, 0x40);
  EXPECT_EQ(reg(reg::kIqt), 0x40u);
  iommu.write(reg::kIqa, kQueue | 1);  // QS = 1
  EXPECT_EQ(reg(reg::kIqa), kQueue | 1);
  EXPECT_EQ(reg(reg::kIqt), 0u);
  EXPECT_EQ(reg(reg::kIqh), 0u);
}

TEST_F(VtdModelRegisters, IqhIsReadOnly) {
  iommu.write(reg::kIqh, 0x20);
  EXPECT_EQ(reg(reg::kIqh), 0u);
}

TEST_F(VtdModelRegisters, EventRegistersKeepDataAndAlignedAddress) {
  // FEADDR MA [31:2]: "the DWORD aligned address (bits 31:2)".
  iommu.write(reg::kFedata, 0x4041);
  iommu.write(reg::kFeaddr, 0xfee0'0003);
  iommu.write(reg::kFeuaddr, 0x12);
  EXPECT_EQ(reg(reg::kFedata), 0x4041u);
  EXPECT_EQ(reg(reg::kFeaddr), 0xfee0'0000u);
  EXPECT_EQ(reg(reg::kFeuaddr), 0x12u);
  iommu.write(reg::kIeaddr, 0xfee0'1002);
  EXPECT_EQ(reg(reg::kIeaddr), 0xfee0'1000u);
}

TEST_F(VtdModelRegisters, EightByteAccessToTwo32BitRegisters) {
  // An 8-byte write at FEDATA (0x3c) is not 8-aligned: ignored; at FECTL (0x38) it covers FECTL and FEDATA.
  iommu.write(Mmio{0x38, 8}, 0x0000'4041'0000'0000ull);  // FECTL 0 (unmask), FEDATA 0x4041
  EXPECT_EQ(reg(reg::kFectl), 0u);
  EXPECT_EQ(reg(reg::kFedata), 0x4041u);
  EXPECT_EQ(reg(Mmio{0x38, 8}), 0x0000'4041'0000'0000ull);
}

TEST_F(VtdModelRegisters, IotlbRegistersAtIro) {
  // ECAP.IRO = 0x0f: "X+(16*Y)" = 0xf0 (IVA), IOTLB_REG at 0xf8. IVA keeps AM [5:0], IH [6], ADDR [63:12].
  iommu.write(kIva, 0x0123'4000ull | 0x40 | 0x3 | 0x180);  // bits 8:7 are reserved
  EXPECT_EQ(reg(kIva), 0x0123'4043ull);
}

TEST_F(VtdModelRegisters, UnimplementedOffsetsReadZero) {
  EXPECT_EQ(reg(Mmio{0x100, 8}), 0u);
  EXPECT_EQ(reg(Mmio{0x230, 8}), 0u);  // past the single fault recording register (NFR = 0)
  EXPECT_EQ(reg(Mmio{0x21, 4}), 0u);   // misaligned
}

TEST_F(VtdModelRegisters, PmenWithoutProtectedRegionsIsIgnored) {
  // CAP.PLMR = PHMR = 0 (QEMU): PMEN, PLMBASE, PLMLIMIT have nothing to enable.
  iommu.write(reg::kPmen, 0x8000'0000);
  iommu.write(reg::kPlmbase, 0x0010'0000);
  EXPECT_EQ(reg(reg::kPmen), 0u);
  EXPECT_EQ(reg(reg::kPlmbase), 0u);
}

TEST_F(VtdModelRegisters, PmenWithProtectedLowMemory) {
  // PLMR = 1 (bit 5): EPM [31] sticks and PRS [0] follows it; PLMBASE keeps [31:20].
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_plmr(1);
  reconfigure(with_cap(cap.raw()));
  iommu.write(reg::kPmen, 0x8000'0000);
  EXPECT_EQ(reg(reg::kPmen), 0x8000'0001u);
  iommu.write(reg::kPlmbase, 0x0012'3456);
  EXPECT_EQ(reg(reg::kPlmbase), 0x0010'0000u);
}

TEST_F(VtdModelRegisters, FstsReadOnlyBitsIgnoreWrites) {
  // PPF [1] and FRI [15:8] are read-only: writing them changes nothing.
  iommu.write(reg::kFsts, 0xff02);
  EXPECT_EQ(reg(reg::kFsts), 0u);
}

}  // namespace
}  // namespace intel_vtd_model_test
