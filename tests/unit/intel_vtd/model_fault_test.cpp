// VT-d model: primary fault logging (§7.2.1, §11.4.9: FSTS, FECTL, the fault recording registers): the record's
// fields, PPF/FRI, PFO, collapsing by SID, FPD, fault events.
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

using VtdModelFault = VtdModelTest;

TEST_F(VtdModelFault, WriteDeniedRecordEveryField) {
  // FRCD (§11.4.9.6): FI [63:12] = the page 0x5000; SID [79:64] = 0x0010; FR [103:96] = 05h; T [126] = 0 (write);
  // F [127] = 1. High qword = 0x10 | 5 << 32 | 1 << 63.
  const uint64_t pt = setup(2);
  map(pt, 4, 0x5000, kData, 1, true, false);
  const Result r = dma(0x5123, true);
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_TRUE(r.recorded);
  EXPECT_EQ(reg(kFrcd0Lo), 0x5000u);
  EXPECT_EQ(reg(kFrcd0Hi), 0x8000'0005'0000'0010ull);
  // FSTS: PPF (bit 1) = OR of the F fields; FRI [15:8] = 0, the register used.
  EXPECT_EQ(reg(reg::kFsts), 0x2u);
  // The record the model returns is the one it logged.
  EXPECT_EQ(r.fault.words[0], 0x5000u);
  EXPECT_EQ(r.fault.words[1], 0x8000'0005'0000'0010ull);
}

TEST_F(VtdModelFault, ReadDeniedRecordHasTypeRead) {
  // T = 1: "DMA read request"; FR 06h. High qword = 0x10 | 6 << 32 | 1 << 62 | 1 << 63.
  setup(2);
  dma(0x0000'0001'2345'6789ull);
  EXPECT_EQ(reg(kFrcd0Lo), 0x1'2345'6000ull);
  EXPECT_EQ(reg(kFrcd0Hi), 0xc000'0006'0000'0010ull);
}

TEST_F(VtdModelFault, ClearingFClearsPpf) {
  // F: "Software writes the value read from this field to clear it" (RW1C, the record's last dword at +12).
  setup(2);
  dma(0x5000);
  iommu.write(kFrcd0F, 0x8000'0000);
  EXPECT_EQ(reg(kFrcd0Hi), 0x4000'0006'0000'0010ull);  // F cleared, the rest kept
  EXPECT_EQ(reg(reg::kFsts), 0u);
}

TEST_F(VtdModelFault, WritingZeroDoesNotClearF) {
  setup(2);
  dma(0x5000);
  iommu.write(kFrcd0F, 0);
  iommu.write(kFrcd0Lo, 0);
  EXPECT_EQ(reg(kFrcd0Hi) >> 63, 1u);
  EXPECT_EQ(reg(reg::kFsts), 0x2u);
}

TEST_F(VtdModelFault, FaultEventMaskedThenUnmasked) {
  // FECTL: IM = 1 at reset, so the first fault sets IP (bit 30) instead of sending; clearing IM sends it.
  setup(2);
  dma(0x5000);
  EXPECT_EQ(reg(reg::kFectl), 0xc000'0000u);
  EXPECT_EQ(iommu.fault_events_sent(), 0u);
  iommu.write(reg::kFectl, 0);
  EXPECT_EQ(iommu.fault_events_sent(), 1u);
  EXPECT_EQ(reg(reg::kFectl), 0u);
}

TEST_F(VtdModelFault, NoNewEventWhileAStatusIsPending) {
  // FECTL: a status field already set when another is set "is not treated as a new interrupt condition".
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_nfr(1);  // two registers
  reconfigure(with_cap(cap.raw()));
  setup(2);
  iommu.write(reg::kFectl, 0);
  dma(0x5000);
  EXPECT_EQ(iommu.fault_events_sent(), 1u);
  dma(0x5000, false, 0x0018);  // another requester: recorded in register 1, PPF already set
  EXPECT_EQ(iommu.fault_events_sent(), 1u);
  EXPECT_EQ(reg(Mmio{0x238, 8}), 0xc000'0002'0000'0018ull);  // FR 02h (context not present), read, F
}

TEST_F(VtdModelFault, OverflowSetsPfoAndStopsRecording) {
  // NFR = 0: one register. With collapsing off, the second fault finds F set: PFO (bit 0), not recorded; while PFO
  // is set nothing is recorded, even after F is cleared.
  Config c;
  c.collapse_same_sid = false;
  reconfigure(c);
  setup(2);
  EXPECT_TRUE(dma(0x5000).recorded);
  EXPECT_FALSE(dma(0x6000).recorded);
  EXPECT_EQ(reg(reg::kFsts), 0x3u);
  EXPECT_EQ(reg(kFrcd0Lo), 0x5000u);  // the first record kept
  iommu.write(kFrcd0F, 0x8000'0000);
  EXPECT_EQ(reg(reg::kFsts), 0x1u);
  EXPECT_FALSE(dma(0x7000).recorded);
  iommu.write(reg::kFsts, 0x1);  // PFO is RW1C
  EXPECT_EQ(reg(reg::kFsts), 0u);
  EXPECT_EQ(reg(reg::kFectl), 0x8000'0000u);  // nothing pending: IP cleared
  EXPECT_TRUE(dma(0x8000).recorded);
  EXPECT_EQ(reg(kFrcd0Lo), 0x8000u);
  EXPECT_EQ(reg(reg::kFectl), 0xc000'0000u);
}

TEST_F(VtdModelFault, SameSidCollapsesWithoutOverflow) {
  // F: "When this field is set, hardware may collapse additional faults from the same requestor (SID)." The model
  // (like QEMU) drops the second fault of SID 0x10 without PFO; another SID then overflows.
  setup(2);
  EXPECT_TRUE(dma(0x5000).recorded);
  const Result second = dma(0x6000);
  EXPECT_EQ(second.outcome, Outcome::kFaulted);
  EXPECT_FALSE(second.recorded);
  EXPECT_EQ(reg(reg::kFsts), 0x2u);
  EXPECT_FALSE(dma(0x1000, false, 0x0018).recorded);
  EXPECT_EQ(reg(reg::kFsts), 0x3u);
}

TEST_F(VtdModelFault, RecordingIndexAndFri) {
  // NFR = 3 (four registers at 0x220, 0x230, 0x240, 0x250). The internal index moves on after each record;
  // FRI changes only when PPF goes from clear to set.
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_nfr(3);
  reconfigure(with_cap(cap.raw()));
  setup(2);
  dma(0x1000, false, 0x0010);  // register 0
  dma(0x1000, false, 0x0018);  // register 1
  EXPECT_EQ(reg(reg::kFsts), 0x2u);
  iommu.write(Mmio{0x22c, 4}, 0x8000'0000);
  dma(0x1000, false, 0x0020);  // register 2; PPF was still set (register 1): FRI stays 0
  EXPECT_EQ(reg(Mmio{0x248, 8}) & 0xffff, 0x20u);
  EXPECT_EQ(reg(reg::kFsts), 0x2u);
  iommu.write(Mmio{0x23c, 4}, 0x8000'0000);
  iommu.write(Mmio{0x24c, 4}, 0x8000'0000);
  EXPECT_EQ(reg(reg::kFsts), 0u);
  dma(0x1000, false, 0x0028);  // register 3, PPF 0 -> 1: FRI = 3
  EXPECT_EQ(reg(reg::kFsts), 0x302u);
  dma(0x1000, false, 0x0030);  // the index wraps to register 0 (its F is clear)
  EXPECT_EQ(reg(Mmio{0x228, 8}) & 0xffff, 0x30u);
  EXPECT_EQ(reg(reg::kFsts), 0x302u);
}

TEST_F(VtdModelFault, FpdSuppressesQualifiedFaults) {
  // Context FPD (bit 1) = 1: a write-denied fault blocks the request without a record.
  const uint64_t pt = setup(2);
  ContextEntry ce = ctx(pt, 2, kDid);
  ce.set_fpd(1);
  set_context(kSid, ce);
  const Result r = dma(0x5000, true);
  EXPECT_EQ(r.outcome, Outcome::kBlocked);
  EXPECT_TRUE(r.has_fault);
  EXPECT_EQ(r.fault.fr(), 0x05u);
  EXPECT_FALSE(r.recorded);
  EXPECT_EQ(reg(reg::kFsts), 0u);
  EXPECT_EQ(reg(kFrcd0Hi), 0u);
}

TEST_F(VtdModelFault, FpdDoesNotSuppressContextReservedBits) {
  // A context entry with a reserved bit set (0Bh) is not trusted for its FPD (not a qualified fault).
  const uint64_t pt = setup(2);
  ContextEntry ce = ctx(pt, 2, kDid);
  ce.set_fpd(1);
  ce.words[0] |= 0x10;
  set_context(kSid, ce);
  const Result r = dma(0x5000);
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_TRUE(r.recorded);
  EXPECT_EQ(reg(kFrcd0Hi), 0xc000'000b'0000'0010ull);
}

TEST_F(VtdModelFault, FpdOfANotPresentContextEntryIsAChoice) {
  // P = 0, FPD = 1: QEMU applies FPD (the model's default); the other reading records 02h.
  setup(2);
  ContextEntry ce;
  ce.set_fpd(1);
  set_context(0x0018, ce);
  EXPECT_EQ(dma(0x1000, false, 0x0018).outcome, Outcome::kBlocked);
  Config c;
  c.fpd_of_not_present_context = false;
  reconfigure(c);
  setup(2);
  set_context(0x0018, ce);
  const Result r = dma(0x1000, false, 0x0018);
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(reg(kFrcd0Hi), 0xc000'0002'0000'0018ull);
}

TEST_F(VtdModelFault, RootFaultsAreRecordedWithTheirReason) {
  setup(2);
  dma(0x1000, true, 0x0210);  // bus 2: root entry not present, a write
  EXPECT_EQ(reg(kFrcd0Hi), 0x8000'0001'0000'0210ull);
}

TEST_F(VtdModelFault, TranslationOffResetsTheRecordingIndex) {
  // §7.2.1: the index "is reset to zero when both address and interrupt translations are disabled".
  Cap cap;
  cap.set_raw(model::intel_vtd::kQemu10Cap);
  cap.set_nfr(1);
  reconfigure(with_cap(cap.raw()));
  setup(2);
  dma(0x1000);  // register 0; the index moves to 1
  iommu.write(Mmio{0x22c, 4}, 0x8000'0000);
  enables_ = 0;
  gcmd(0);      // TE and IRE off: index 0
  enable(Gcmd::te_mask);
  dma(0x1000, false, 0x0018);
  EXPECT_EQ(reg(Mmio{0x228, 8}) & 0xffff, 0x18u);
  EXPECT_EQ(reg(Mmio{0x238, 8}), 0u);
}

}  // namespace
}  // namespace intel_vtd_model_test
