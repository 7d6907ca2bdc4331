// Interrupt remapping in the VT-d model (chapter 5): remappable-format requests through the IRTE their index
// selects, the IR fault reasons 20h-26h with FI[63:48] = the interrupt index, compatibility format and CFI, the
// interrupt entry cache and its invalidation. Addresses, data and records are worked out by hand from the
// request and IRTE layouts (spec/intel_vtd/irte.h) and the fault recording register layout.
#include "tests/unit/intel_vtd/model_fixture.h"

namespace intel_vtd_model_test {
namespace {

using model::intel_vtd::InterruptResult;

inline constexpr uint64_t kIrt = kRamBase + 0x3'0000;  // 256 IRTEs (IRTA.S = 7), 4 KiB

class VtdIrTest : public VtdModelTest {
 protected:
  // IRTE: P=1, DLM fixed, vector `v`, xAPIC destination `apic` (DST[15:8]); IRTE high word as given.
  void set_irte(uint32_t index, uint64_t lo, uint64_t hi = 0) {
    w64(kIrt + index * 16u, lo);
    w64(kIrt + index * 16u + 8, hi);
  }
  static uint64_t irte(uint8_t v, uint8_t apic) { return 0x1 | uint64_t{v} << 16 | uint64_t{apic} << 40; }
  // IRTA = kIrt | S, latched by SIRTP, then IRE.
  void start_ir(unsigned s = 7) {
    iommu.write(reg::kIrta, kIrt | s);
    gcmd(enables_ | Gcmd::sirtp_mask);
    enable(Gcmd::ire_mask);
  }
  InterruptResult msi(uint32_t address, uint32_t data = 0, uint16_t sid = kSid) {
    return iommu.remap_interrupt(sid, address, data);
  }
  bool fault_pending() const { return reg(reg::kFsts) & 0x2; }  // FSTS.PPF
};

// Address 0xFEE000B0: FEEh, handle 5 in bits 19:5 (0x0A0), Interrupt Format bit 4 -> IRTE 5's vector and APIC ID.
TEST_F(VtdIrTest, RemappableMessageTakesTheIrteVectorAndDestination) {
  set_irte(5, irte(0x41, 3));
  set_irte(6, irte(0x42, 4));
  start_ir();
  EXPECT_EQ(reg(reg::kGsts) & 0x0380'0000u, 0x0300'0000u);  // IRES (25), IRTPS (24); CFIS (23) clear
  const InterruptResult r = msi(0xfee0'00b0);
  EXPECT_TRUE(r.delivered);
  EXPECT_TRUE(r.remapped);
  EXPECT_EQ(r.index, 5u);
  EXPECT_EQ(r.vector, 0x41);
  EXPECT_EQ(r.destination, 3u);
  EXPECT_EQ(r.delivery_mode, 0);
  EXPECT_FALSE(r.has_fault);
  EXPECT_FALSE(fault_pending());
}

// IRES = 0: every message passes as written, remappable format included.
TEST_F(VtdIrTest, WithoutIresMessagesPassThrough) {
  set_irte(5, irte(0x41, 3));
  const InterruptResult r = msi(0xfee0'00b0, 0x1234);
  EXPECT_TRUE(r.delivered);
  EXPECT_FALSE(r.remapped);
  EXPECT_EQ(r.address, 0xfee0'00b0u);
  EXPECT_EQ(r.data, 0x1234u);
}

// SHV (bit 3) = 1: index = handle 0x20 (0x400 in the address) + subhandle data[15:0] 0x13 = 0x33. SHV = 0 with the
// same data selects 0x20. HANDLE[15] is address bit 2: 0xFEE00014 is handle 0x8000, beyond 256 entries (FR 21h).
TEST_F(VtdIrTest, SubhandleAndHandleBit15SelectTheIndex) {
  set_irte(0x20, irte(0x50, 1));
  set_irte(0x33, irte(0x51, 1));
  start_ir();
  EXPECT_EQ(msi(0xfee0'0418, 0x13).vector, 0x51);
  EXPECT_EQ(msi(0xfee0'0410, 0x13).vector, 0x50);
  const InterruptResult r = msi(0xfee0'0014);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.fault.fr(), 0x21u);
  EXPECT_EQ(frcd(0).words[0], 0x8000'0000'0000'0000ull);  // FI[63:48] = 0x8000, FI[47:12] = 0
}

// IRTE 11 with P = 0, selected as handle 8 + subhandle 3: FR 22h, FI[63:48] = 11, SID 0x0010, F.
TEST_F(VtdIrTest, NotPresentIrteRecordsTheIndex) {
  set_irte(11, irte(0x41, 3) & ~uint64_t{1});
  start_ir();
  const InterruptResult r = msi(0xfee0'0118, 3);  // handle 8: 0x100, SHV, format
  EXPECT_FALSE(r.delivered);
  EXPECT_TRUE(r.recorded);
  EXPECT_EQ(frcd(0).words[0], 0x000b'0000'0000'0000ull);
  EXPECT_EQ(frcd(0).words[1], 0x8000'0022'0000'0010ull);  // F [127], FR 22h [103:96], SID [79:64]
  EXPECT_TRUE(fault_pending());
}

// IRTA.S = 3: 16 entries; index 20 is beyond them even with a valid IRTE in the slot (FR 21h).
TEST_F(VtdIrTest, IndexBeyondTableSize) {
  set_irte(20, irte(0x41, 3));
  start_ir(3);
  const InterruptResult r = msi(0xfee0'0290);  // handle 20: 0x280
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(frcd(0).words[1], 0x8000'0021'0000'0010ull);
  EXPECT_EQ(frcd(0).words[0], 0x0014'0000'0000'0000ull);
}

// IRTE bit 24 (reserved, 31:24) set: FR 24h; with FPD (bit 1) also set the interrupt is blocked without a record.
// IM (bit 15) = 1 is reserved without CAP.PI (QEMU's CAP: PI = 0).
TEST_F(VtdIrTest, ReservedIrteFieldsAndFpd) {
  set_irte(7, irte(0x41, 3) | 1u << 24);
  set_irte(8, irte(0x41, 3) | 1u << 24 | 0x2);
  set_irte(9, irte(0x41, 3) | 1u << 15);
  start_ir();
  const InterruptResult fpd = msi(0xfee0'0110);  // handle 8
  EXPECT_FALSE(fpd.delivered);
  EXPECT_FALSE(fpd.recorded);
  EXPECT_FALSE(fault_pending());
  EXPECT_EQ(msi(0xfee0'00f0).fault.fr(), 0x24u);  // handle 7
  EXPECT_EQ(frcd(0).words[1], 0x8000'0024'0000'0010ull);
  EXPECT_EQ(msi(0xfee0'0130, 0, 0x0020).fault.fr(), 0x24u);  // handle 9 (another SID: not collapsed)
}

// SVT (83:82) = 01b, SQ (81:80), SID (79:64); SVT = 10b: the requester's bus within SID[15:8]..SID[7:0].
TEST_F(VtdIrTest, SourceIdVerification) {
  set_irte(1, irte(0x41, 0), 0x4'0018);        // SVT 01b SQ 00b SID 0x0018: 00:03.0, not 00:02.0
  set_irte(2, irte(0x42, 0), 0x7'0017);        // SVT 01b SQ 11b: function bits ignored, 0x0017 ~ 0x0010
  set_irte(3, irte(0x43, 0), 0x8'0100);        // SVT 10b buses 0..1
  set_irte(4, irte(0x44, 0), 0x8'0201);        // SVT 10b buses 1..2
  start_ir();
  EXPECT_EQ(msi(0xfee0'0030).fault.fr(), 0x26u);
  EXPECT_EQ(frcd(0).words[0], 0x0001'0000'0000'0000ull);
  EXPECT_EQ(msi(0xfee0'0050).vector, 0x42);
  EXPECT_EQ(msi(0xfee0'0070).vector, 0x43);
  const InterruptResult r = msi(0xfee0'0090);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.fault.fr(), 0x26u);
}

// Compatibility format (bit 4 = 0) with CFIS = 0: FR 25h, FI 0; after CFI = 1 (CFIS) it passes unchanged. SHV = 1
// with data[31:16] set is a reserved field of the request: FR 20h.
TEST_F(VtdIrTest, CompatibilityFormatAndRequestReserved) {
  start_ir();
  const InterruptResult blocked = msi(0xfee0'3000, 0x41);
  EXPECT_FALSE(blocked.delivered);
  EXPECT_EQ(frcd(0).words[1], 0x8000'0025'0000'0010ull);
  EXPECT_EQ(frcd(0).words[0], 0u);
  enable(Gcmd::cfi_mask);
  EXPECT_EQ(reg(reg::kGsts) & 0x0080'0000u, 0x0080'0000u);  // CFIS
  const InterruptResult passed = msi(0xfee0'3000, 0x41);
  EXPECT_TRUE(passed.delivered);
  EXPECT_FALSE(passed.remapped);
  EXPECT_EQ(passed.address, 0xfee0'3000u);
  EXPECT_EQ(passed.data, 0x41u);
  EXPECT_EQ(msi(0xfee0'0018, 0x1'0000, 0x0020).fault.fr(), 0x20u);
}

// The IEC: a changed IRTE is not seen until an IEC descriptor covers it. Index-selective for index 4 (IIDX 47:32,
// G bit 4, type 4) leaves index 5 cached; index 5 then; global drops everything.
TEST_F(VtdIrTest, InterruptEntryCacheAndItsInvalidation) {
  set_irte(5, irte(0x41, 3));
  qi_on();
  start_ir();
  EXPECT_EQ(msi(0xfee0'00b0).vector, 0x41);
  EXPECT_EQ(iommu.iec_valid_entries(), 1u);
  set_irte(5, irte(0x42, 3));
  const InterruptResult stale = msi(0xfee0'00b0);
  EXPECT_TRUE(stale.from_cache);
  EXPECT_EQ(stale.vector, 0x41);
  submit(raw_desc(0x0000'0004'0000'0014ull, 0));  // index 4
  EXPECT_EQ(msi(0xfee0'00b0).vector, 0x41);
  submit(raw_desc(0x0000'0005'0000'0014ull, 0));  // index 5
  EXPECT_EQ(msi(0xfee0'00b0).vector, 0x42);
  set_irte(5, irte(0x43, 3));
  submit(raw_desc(0x4, 0));                       // global
  EXPECT_EQ(iommu.iec_valid_entries(), 0u);
  EXPECT_EQ(msi(0xfee0'00b0).vector, 0x43);
  EXPECT_EQ(reg(reg::kFsts) & 0x10u, 0u);          // no IQE
}

}  // namespace
}  // namespace intel_vtd_model_test
