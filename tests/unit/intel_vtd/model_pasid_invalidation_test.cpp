// VT-d model: the 256-bit invalidation queue (IQA.DW=1 with ECAP.SMTS) and the PASID-granular descriptors it
// carries: the PASID-cache invalidate descriptor (§6.5.2.2, pc_inv_dsc: type 7, G [5:4] 00b domain-selective, 01b
// PASID-selective, 11b global, 10b reserved; DID [31:16]; PASID [51:32]; bits 8:6, 15:12, 63:52, 127:64 reserved) and
// the PASID-based-IOTLB invalidate descriptor (§6.5.2.4, p_iotlb_inv_dsc: type 6, G 10b every entry of the PASID,
// 11b page-selective, 00b/01b reserved; AM [69:64] at most CAP.MAMV). Every raw value is worked out by hand.
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

// ECAP of QEMU 10.0 with x-scalable-mode=on (measured 0x480080f00f4a: SMTS is bit 43).
constexpr uint64_t kSmEcap = 0x0000'4800'80f0'0f4aull;
constexpr uint64_t kDw = uint64_t{1} << 11;  // IQA.DW

class VtdModelWideQueue : public VtdModelTest {
 protected:
  void SetUp() override {
    Config c;
    c.ecap = kSmEcap;
    reconfigure(c);
  }
  void wide_on() {
    iommu.write(reg::kIqa, kQueue | kDw);
    enable(Gcmd::qie_mask);
  }
  void put256(uint64_t w0, uint64_t w1, uint64_t w2 = 0, uint64_t w3 = 0) {
    w64(kQueue + tail_, w0);
    w64(kQueue + tail_ + 8, w1);
    w64(kQueue + tail_ + 16, w2);
    w64(kQueue + tail_ + 24, w3);
    tail_ = (tail_ + 32) % 4096;
  }
  void submit256(uint64_t w0, uint64_t w1, uint64_t w2 = 0, uint64_t w3 = 0) {
    put256(w0, w1, w2, w3);
    iommu.write(reg::kIqt, tail_);
  }
  // Accepted: the head moved past it, no IQE.
  void accepted(uint64_t w0, uint64_t w1 = 0) {
    submit256(w0, w1);
    EXPECT_EQ(reg(reg::kIqh), tail_) << std::hex << w0;
    EXPECT_EQ(reg(reg::kFsts), 0u) << std::hex << w0;
  }
  // Rejected with IQEI `iqei`: FSTS.IQE (bit 4), the head at the descriptor; then IQE cleared and the queue emptied
  // (QIE off first, so that clearing IQE fetches nothing; QIE off resets IQH, IQA resets IQT) for the next one.
  void rejected(unsigned iqei, uint64_t w0, uint64_t w1 = 0, uint64_t w2 = 0, uint64_t w3 = 0) {
    const uint32_t at = tail_;
    submit256(w0, w1, w2, w3);
    EXPECT_EQ(reg(reg::kFsts), 0x10u) << std::hex << w0;
    EXPECT_EQ(reg(reg::kIqercd), iqei) << std::hex << w0;
    EXPECT_EQ(reg(reg::kIqh), at) << std::hex << w0;
    enables_ &= ~Gcmd::qie_mask;
    gcmd(enables_);
    iommu.write(reg::kFsts, 0x10);
    tail_ = 0;
    wide_on();
  }
};

TEST_F(VtdModelWideQueue, WaitInA256BitQueue) {
  // inv_wait_dsc SW=1, Status Data 7 (bits 63:32), Status Address kStatus; IQT = 20h (one 32-byte descriptor).
  wide_on();
  submit256(0x0000'0007'0000'0025ull, kStatus);
  EXPECT_EQ(reg(reg::kIqh), 0x20u);
  EXPECT_EQ(r32(kStatus), 7u);
  EXPECT_EQ(reg(reg::kFsts), 0u);
}

TEST_F(VtdModelWideQueue, TailWithBit4IsInvalid) {
  // With DW=1 IQT counts 32-byte descriptors: 10h is no descriptor boundary, IQEI 1 (invalid tail).
  wide_on();
  iommu.write(reg::kIqt, 0x10);
  EXPECT_EQ(reg(reg::kFsts), 0x10u);
  EXPECT_EQ(reg(reg::kIqercd), 1u);
}

TEST_F(VtdModelWideQueue, DwIsIgnoredWithoutSmts) {
  // QEMU's default ECAP (SMTS=0): IQA.DW is ignored, the queue stays 128-bit (IQH 10h after one wait).
  reconfigure(Config{});
  iommu.write(reg::kIqa, kQueue | kDw);
  enable(Gcmd::qie_mask);
  w64(kQueue, 0x0000'0003'0000'0025ull);
  w64(kQueue + 8, kStatus);
  iommu.write(reg::kIqt, 0x10);
  EXPECT_EQ(reg(reg::kIqh), 0x10u);
  EXPECT_EQ(r32(kStatus), 3u);
}

TEST_F(VtdModelWideQueue, PasidCacheGranularities) {
  wide_on();
  accepted(0x0005'0007ull);               // G=00b domain-selective, DID 5
  accepted(0x0000'0003'0005'0017ull);     // G=01b PASID-selective, DID 5, PASID 3
  accepted(0x37ull);                      // G=11b global
  rejected(4, 0x27ull);                   // G=10b: reserved
}

TEST_F(VtdModelWideQueue, PasidCacheReservedFields) {
  wide_on();
  rejected(4, 0x77ull);                           // global, bit 6 (8:6 reserved)
  rejected(4, 0x0010'0000'0000'0037ull);          // bit 52 (63:52 reserved)
  rejected(4, 0x37ull, 1);                        // bit 64 (127:64 reserved)
  rejected(4, 0x37ull, 0, 0, 0x8000'0000'0000'0000ull);  // bit 255 (255:128 of the 256-bit form)
  accepted(0x37ull);                              // the queue works again
}

TEST_F(VtdModelWideQueue, PasidIotlbGranularities) {
  wide_on();
  accepted(0x0005'0026ull);              // G=10b every entry of PASID 0 in DID 5
  accepted(0x0005'0036ull, 0x5000);      // G=11b page 5000h, AM 0
  rejected(4, 0x0005'0006ull);           // G=00b reserved
  rejected(4, 0x0005'0016ull);           // G=01b reserved
}

TEST_F(VtdModelWideQueue, PasidIotlbAmAgainstMamv) {
  // CAP.MAMV of QEMU 10.0 (CAP bits 53:48 of 0x00d2...: 0x12 = 18): AM 18 is taken, AM 19 is invalid.
  wide_on();
  accepted(0x0005'0036ull, 18);           // 2^18 pages at 0
  rejected(4, 0x0005'0036ull, 19);
}

TEST_F(VtdModelWideQueue, PasidCacheInA128BitQueue) {
  // pc_inv_dsc needs 256-bit descriptors: in a 128-bit queue of a unit with SMTS it is IQE with IQEI 3 (the
  // model's reading: a type this queue's width cannot take).
  iommu.write(reg::kIqa, kQueue);
  enable(Gcmd::qie_mask);
  w64(kQueue, 0x37);
  w64(kQueue + 8, 0);
  iommu.write(reg::kIqt, 0x10);
  EXPECT_EQ(reg(reg::kFsts), 0x10u);
  EXPECT_EQ(reg(reg::kIqercd), 3u);
  EXPECT_EQ(reg(reg::kIqh), 0u);
}

}  // namespace
}  // namespace intel_vtd_model_test
