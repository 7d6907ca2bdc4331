// Spec layouts (RISC-V IOMMU 1.0, riscv-non-isa/riscv-iommu src/*.adoc): every expected word below is worked
// out by hand from the bit positions of the spec's register and structure figures.
#include <gtest/gtest.h>

#include <string>

#include "spec/riscv_iommu/commands.h"
#include "spec/riscv_iommu/device_context.h"
#include "spec/riscv_iommu/fault.h"
#include "spec/riscv_iommu/msi_pte.h"
#include "spec/riscv_iommu/process_context.h"
#include "spec/riscv_iommu/pte.h"
#include "spec/riscv_iommu/registers.h"

namespace riscv_iommu_tests {
namespace {

using namespace spec::riscv_iommu;

TEST(RiscvIommuLayout, RegisterOffsets) {
  // "Register layout" table: byte offsets 0, 8, 16, 24, 32, 36, 40, 48, 52, 56, 64, 68, 72, 76, 80, 84, 88,
  // 92, 96, 104, 352, 600, 608, 616, 624, 760, 768.
  EXPECT_EQ(reg::kCapabilities.offset, 0u);
  EXPECT_EQ(reg::kFctl.offset, 8u);
  EXPECT_EQ(reg::kFctl.bytes, 4u);
  EXPECT_EQ(reg::kDdtp.offset, 16u);
  EXPECT_EQ(reg::kCqb.offset, 24u);
  EXPECT_EQ(reg::kCqh.offset, 32u);
  EXPECT_EQ(reg::kCqt.offset, 36u);
  EXPECT_EQ(reg::kFqb.offset, 40u);
  EXPECT_EQ(reg::kFqh.offset, 48u);
  EXPECT_EQ(reg::kFqt.offset, 52u);
  EXPECT_EQ(reg::kPqb.offset, 56u);
  EXPECT_EQ(reg::kPqh.offset, 64u);
  EXPECT_EQ(reg::kPqt.offset, 68u);
  EXPECT_EQ(reg::kCqcsr.offset, 72u);
  EXPECT_EQ(reg::kFqcsr.offset, 76u);
  EXPECT_EQ(reg::kPqcsr.offset, 80u);
  EXPECT_EQ(reg::kIpsr.offset, 84u);
  EXPECT_EQ(reg::kIocountovf.offset, 88u);
  EXPECT_EQ(reg::kIocountinh.offset, 92u);
  EXPECT_EQ(reg::kIohpmcycles.offset, 96u);
  EXPECT_EQ(reg::iohpmctr(1).offset, 104u);
  EXPECT_EQ(reg::iohpmctr(31).offset, 104u + 30 * 8);  // 344
  EXPECT_EQ(reg::iohpmevt(1).offset, 352u);
  EXPECT_EQ(reg::kTrReqIova.offset, 600u);
  EXPECT_EQ(reg::kTrReqCtl.offset, 608u);
  EXPECT_EQ(reg::kTrResponse.offset, 616u);
  EXPECT_EQ(reg::kIommuQosid.offset, 624u);
  EXPECT_EQ(reg::kIcvec.offset, 760u);
  EXPECT_EQ(reg::kMsiCfgTbl.offset, 768u);
  // "MSI configuration table structure": entry 1 address at +010h, its data at +018h, vector control +01Ch.
  EXPECT_EQ(reg::msi_addr(1).offset, 768u + 0x10);
  EXPECT_EQ(reg::msi_data(1).offset, 768u + 0x18);
  EXPECT_EQ(reg::msi_vec_ctl(1).offset, 768u + 0x1c);
}

TEST(RiscvIommuLayout, CapabilitiesFields) {
  // version 0x10 [7:0], Sv39 [9], Sv48 [10], Sv39x4 [17], MSI_FLAT [22], AMO_HWAD [24], ATS [25], IGS=BOTH
  // [29:28], PAS=56 [37:32], PD20 [40]: 0x10 | 0x200 | 0x400 | 0x20000 | 0x400000 | 0x1000000 | 0x2000000 |
  // 0x20000000 | 0x38_0000_0000 | 0x100_0000_0000.
  Capabilities c;
  c.set_version(kVersion1_0).set_sv39(1).set_sv48(1).set_sv39x4(1).set_msi_flat(1).set_amo_hwad(1).set_ats(1);
  c.set_igs(static_cast<uint64_t>(Igs::kBoth)).set_pas(56).set_pd20(1);
  EXPECT_EQ(c.raw(), 0x0000'0138'2342'0610ull);
  EXPECT_EQ(Capabilities::sv32x4_mask, 1ull << 16);
  EXPECT_EQ(Capabilities::sv57x4_mask, 1ull << 19);
  EXPECT_EQ(Capabilities::msi_mrif_mask, 1ull << 23);
  EXPECT_EQ(Capabilities::t2gpa_mask, 1ull << 26);
  EXPECT_EQ(Capabilities::end_mask, 1ull << 27);
  EXPECT_EQ(Capabilities::hpm_mask, 1ull << 30);
  EXPECT_EQ(Capabilities::dbg_mask, 1ull << 31);
  EXPECT_EQ(Capabilities::pd8_mask, 1ull << 38);
  EXPECT_EQ(Capabilities::pd17_mask, 1ull << 39);
  EXPECT_EQ(Capabilities::qosid_mask, 1ull << 41);
  EXPECT_EQ(Capabilities::nl_mask, 1ull << 42);
  EXPECT_EQ(Capabilities::s_mask, 1ull << 43);
  EXPECT_EQ(Capabilities::amo_mrif_mask, 1ull << 21);
  EXPECT_EQ(Capabilities::svpbmt_mask, 1ull << 15);
  EXPECT_EQ(Capabilities::sv32_mask, 1ull << 8);
  EXPECT_EQ(Capabilities::sv57_mask, 1ull << 11);
}

TEST(RiscvIommuLayout, FctlAndDdtp) {
  // fctl: BE [0], WSI [1], GXL [2].
  Fctl f;
  f.set_wsi(1).set_gxl(1);
  EXPECT_EQ(f.value, 0x6u);
  // ddtp: iommu_mode [3:0], busy [4], PPN [53:10]: 3LVL (4) with root at 0x8020_3000 -> PPN 0x80203 << 10.
  Ddtp d;
  d.set_iommu_mode(static_cast<uint64_t>(IommuMode::k3Lvl)).set_ppn(0x80203);
  EXPECT_EQ(d.raw(), 0x2008'0c04ull);
  EXPECT_EQ(Ddtp::busy_mask, 0x10ull);
  EXPECT_EQ(ddt_levels(2), 1u);  // 1LVL
  EXPECT_EQ(ddt_levels(4), 3u);  // 3LVL
  EXPECT_EQ(ddt_levels(0), 0u);
  EXPECT_EQ(ddt_levels(5), 0u);  // reserved
}

TEST(RiscvIommuLayout, QueueBase) {
  // cqb: LOG2SZ-1 [4:0], PPN [53:10]. 1024 entries -> LOG2SZ-1 = 9; base 0x9000_0000 -> PPN 0x90000.
  QueueBase q;
  q.set_log2sz_1(9).set_ppn(0x90000);
  EXPECT_EQ(q.raw(), 0x9000'0000ull >> 12 << 10 | 9);  // 0x2400_0009
  EXPECT_EQ(q.raw(), 0x2400'0009ull);
  EXPECT_EQ(q.entries(), 1024u);
  EXPECT_EQ(q.base(), 0x9000'0000ull);
  // "A value of 0 indicates a queue of 2 entries."
  EXPECT_EQ(QueueBase{}.entries(), 2u);
}

TEST(RiscvIommuLayout, QueueCsrs) {
  // cqcsr: cqen [0], cie [1], cqmf [8], cmd_to [9], cmd_ill [10], fence_w_ip [11], cqon [16], busy [17].
  EXPECT_EQ(Cqcsr::kRw, 0x3u);
  EXPECT_EQ(Cqcsr::kRw1c, 0xf00u);
  EXPECT_EQ(Cqcsr::kRo, 0x30000u);
  // fqcsr: fqen [0], fie [1], fqmf [8], fqof [9], fqon [16], busy [17]; pqcsr alike.
  EXPECT_EQ(Fqcsr::kRw1c, 0x300u);
  EXPECT_EQ(Fqcsr::kRo, 0x30000u);
  EXPECT_EQ(Pqcsr::kRw1c, 0x300u);
  Pqcsr p;
  p.set_pqen(1).set_pie(1).set_pqon(1);
  EXPECT_EQ(p.value, 0x10003u);
  // ipsr: cip [0], fip [1], pmip [2], pip [3].
  EXPECT_EQ(Ipsr::kRw1c, 0xfu);
}

TEST(RiscvIommuLayout, HpmAndDebugRegisters) {
  // iohpmevt: eventID [14:0], DMASK [15], PID_PSCID [35:16], DID_GSCID [59:36], PV_PSCV [60], DV_GSCV [61],
  // IDT [62], OF [63]. eventID 7, PID_PSCID 0x12345, DID_GSCID 0xabcdef, DV_GSCV, OF:
  // 7 | 0x12345 << 16 (0x1_2345_0000) | 0xabcdef << 36 (0xabc_def0_0000_0000) | 1 << 61 | 1 << 63.
  Iohpmevt e;
  e.set_event_id(7).set_pid_pscid(0x12345).set_did_gscid(0xabcdef).set_dv_gscv(1).set_of(1);
  EXPECT_EQ(e.raw(), 0xaabc'def1'2345'0007ull);
  Iohpmcycles c;
  c.set_of(1);
  EXPECT_EQ(c.raw(), 1ull << 63);
  // tr_req_ctl: Go/Busy [0], Priv [1], Exe [2], NW [3], PID [31:12], PV [32], DID [63:40].
  TrReqCtl t;
  t.set_go_busy(1).set_nw(1).set_pid(0x5).set_pv(1).set_did(0x123);
  EXPECT_EQ(t.raw(), 0x0001'2301'0000'5009ull);
  // tr_response: fault [0], PBMT [8:7], S [9], PPN [53:10].
  TrResponse r;
  r.set_pbmt(2).set_s(1).set_ppn(0x1ff);
  EXPECT_EQ(r.raw(), (0x1ffull << 10) | 0x200 | 0x100);
  // icvec: civ [3:0], fiv [7:4], pmiv [11:8], piv [15:12].
  Icvec v;
  v.set_civ(1).set_fiv(2).set_pmiv(3).set_piv(4);
  EXPECT_EQ(v.raw(), 0x4321ull);
  // msi_addr: ADDR [55:2] holds a 4-byte aligned address.
  MsiAddr a;
  a.set_addr_55_2(0x2800'0004ull >> 2);
  EXPECT_EQ(a.raw(), 0x2800'0004ull);
  IommuQosid q;
  q.set_rcid(0xfff).set_mcid(1);
  EXPECT_EQ(q.value, 0x0001'0fffu);
}

TEST(RiscvIommuLayout, DdtEntryAndDeviceIdPartitioning) {
  // Non-leaf DDT entry: V [0], PPN [53:10].
  DdtEntry e;
  e.set_v(1).set_ppn(0x81234);
  EXPECT_EQ(e.raw(), (0x81234ull << 10) | 1);
  EXPECT_EQ(DdtEntry::kReserved, 0xffc0'0000'0000'03feull);
  // Base format: DDI[0] = device_id[6:0], DDI[1] = [15:7], DDI[2] = [23:16]. device_id 0xab_cdef:
  // [6:0] = 0x6f, [15:7] = 0xcdef >> 7 = 0x19b, [23:16] = 0xab.
  EXPECT_EQ(ddi(0xabcdef, 0, false), 0x6fu);
  EXPECT_EQ(ddi(0xabcdef, 1, false), 0x19bu);
  EXPECT_EQ(ddi(0xabcdef, 2, false), 0xabu);
  // Extended format: DDI[0] = [5:0] = 0x2f, DDI[1] = [14:6] = (0xabcdef >> 6) & 0x1ff = 0x137,
  // DDI[2] = [23:15] = 0xabcdef >> 15 = 0x157.
  EXPECT_EQ(ddi(0xabcdef, 0, true), 0x2fu);
  EXPECT_EQ(ddi(0xabcdef, 1, true), 0x137u);
  EXPECT_EQ(ddi(0xabcdef, 2, true), 0x157u);
  // 1LVL decodes 7 (base) / 6 (extended) bits, 2LVL 16 / 15.
  EXPECT_EQ(device_id_bits(1, false), 7u);
  EXPECT_EQ(device_id_bits(2, false), 16u);
  EXPECT_EQ(device_id_bits(2, true), 15u);
}

TEST(RiscvIommuLayout, DeviceContextTc) {
  // tc: V [0], EN_ATS [1], EN_PRI [2], T2GPA [3], DTF [4], PDTV [5], PRPR [6], GADE [7], SADE [8], DPE [9],
  // SBE [10], SXL [11].
  Tc tc;
  tc.set_v(1).set_dtf(1).set_pdtv(1).set_gade(1).set_dpe(1).set_sxl(1);
  EXPECT_EQ(tc.raw(), 0x1 | 0x10 | 0x20 | 0x80 | 0x200 | 0x800ull);
  EXPECT_EQ(Tc::en_ats_mask, 0x2ull);
  EXPECT_EQ(Tc::en_pri_mask, 0x4ull);
  EXPECT_EQ(Tc::t2gpa_mask, 0x8ull);
  EXPECT_EQ(Tc::prpr_mask, 0x40ull);
  EXPECT_EQ(Tc::sade_mask, 0x100ull);
  EXPECT_EQ(Tc::sbe_mask, 0x400ull);
  // reserved: [23:12] and [63:32].
  EXPECT_EQ(Tc::kReserved, 0xffff'ffff'00ff'f000ull);
}

TEST(RiscvIommuLayout, DeviceContextIohgatpTaFsc) {
  // iohgatp: PPN [43:0], GSCID [59:44], MODE [63:60]: Sv48x4 (9), GSCID 0x1234, root 0x8010_0000 (PPN 0x80100).
  Iohgatp g;
  g.set_mode(static_cast<uint64_t>(IohgatpMode::kSv48x4)).set_gscid(0x1234).set_ppn(0x80100);
  EXPECT_EQ(g.raw(), 0x9123'4000'0008'0100ull);
  // ta: PSCID [31:12], RCID [51:40], MCID [63:52].
  DcTa ta;
  ta.set_pscid(0xabcde);
  EXPECT_EQ(ta.raw(), 0xabcde000ull);
  EXPECT_EQ(DcTa::rcid_mask, 0xfffull << 40);
  // fsc (iosatp): PPN [43:0], MODE [63:60]: Sv39 (8) at PPN 0x80200.
  Fsc f;
  f.set_mode(static_cast<uint64_t>(IosatpMode::kSv39)).set_ppn(0x80200);
  EXPECT_EQ(f.raw(), 0x8000'0000'0008'0200ull);
  EXPECT_EQ(Fsc::kReserved, 0x0fff'f000'0000'0000ull);
  // msiptp: Flat (1), PPN 0x80300; msi_addr_mask/pattern: 52 bits.
  Msiptp m;
  m.set_mode(static_cast<uint64_t>(MsiptpMode::kFlat)).set_ppn(0x80300);
  EXPECT_EQ(m.raw(), 0x1000'0000'0008'0300ull);
  EXPECT_EQ(MsiAddrMask::kReserved, 0xfff0'0000'0000'0000ull);
}

TEST(RiscvIommuLayout, DeviceContextDoublewords) {
  // "Base-format device-context": tc, iohgatp, ta, fsc = doublewords 0..3; extended adds msiptp (4),
  // msi_addr_mask (5), msi_addr_pattern (6), reserved (7).
  DeviceContext dc;
  Tc tc;
  tc.set_v(1);
  Msiptp m;
  m.set_mode(1);
  MsiAddrPattern p;
  p.set_pattern(0x28000);
  dc.set_tc(tc).set_msiptp(m).set_msi_addr_pattern(p);
  EXPECT_EQ(dc.words[0], 1ull);
  EXPECT_EQ(dc.words[4], 1ull << 60);
  EXPECT_EQ(dc.words[6], 0x28000ull);
  EXPECT_EQ(dc.tc().v(), 1u);
  EXPECT_EQ(DeviceContext::bytes(false), 32u);
  EXPECT_EQ(DeviceContext::bytes(true), 64u);
}

TEST(RiscvIommuLayout, ProcessContextAndPdt) {
  // PC.ta: V [0], ENS [1], SUM [2], PSCID [31:12]; the rest reserved.
  PcTa ta;
  ta.set_v(1).set_ens(1).set_sum(1).set_pscid(0x00042);
  EXPECT_EQ(ta.raw(), 0x42007ull);
  EXPECT_EQ(PcTa::kReserved, 0xffff'ffff'0000'0ff8ull);
  ProcessContext pc;
  pc.set_ta(ta);
  EXPECT_EQ(pc.words[0], 0x42007ull);
  // PDI[0] = process_id[7:0], PDI[1] = [16:8], PDI[2] = [19:17]: process_id 0xf_1234 -> 0x34, 0x112, 0x7.
  EXPECT_EQ(pdi(0xf1234, 0), 0x34u);
  EXPECT_EQ(pdi(0xf1234, 1), 0x112u);
  EXPECT_EQ(pdi(0xf1234, 2), 0x7u);
  // "PD8 ... 1 levels", "PD17 ... 2 levels", "PD20 ... 3 levels"; widths 8, 17, 20.
  EXPECT_EQ(pdt_levels(static_cast<uint64_t>(PdtpMode::kPd8)), 1u);
  EXPECT_EQ(pdt_levels(static_cast<uint64_t>(PdtpMode::kPd20)), 3u);
  EXPECT_EQ(process_id_bits(static_cast<uint64_t>(PdtpMode::kPd17)), 17u);
  PdtEntry e;
  e.set_v(1).set_ppn(0x3);
  EXPECT_EQ(e.raw(), 0xc01ull);
}

TEST(RiscvIommuLayout, Pte64Fields) {
  // Privileged spec Sv39 PTE: V R W X U G A D [7:0], RSW [9:8], PPN [53:10], PBMT [62:61], N [63].
  Pte p;
  p.set_v(1).set_r(1).set_w(1).set_a(1).set_d(1).set_ppn(0x80123).set_pbmt(static_cast<uint64_t>(Pbmt::kIo));
  EXPECT_EQ(p.raw(), 0x4000'0000'2004'8cc7ull);  // 0xc7 | 0x80123 << 10 (0x2004_8c00) | 2 << 61
  EXPECT_EQ(p.pa(), 0x8012'3000ull);
  EXPECT_TRUE(p.leaf());
  EXPECT_EQ(Pte::n_mask, 1ull << 63);
  EXPECT_EQ(Pte::kReserved, 0x1full << 54);
  Pte nonleaf;
  nonleaf.set_v(1).set_ppn(1);
  EXPECT_FALSE(nonleaf.leaf());
}

TEST(RiscvIommuLayout, Pte32Fields) {
  // Sv32 PTE: PPN [31:10] (22 bits): PPN 0x3f_ffff with V|R|X|U.
  Pte32 p;
  p.set_v(1).set_r(1).set_x(1).set_u(1).set_ppn(0x3fffff);
  EXPECT_EQ(p.value, 0xffff'fc1bu);
  EXPECT_EQ(p.pa(), 0x3'ffff'f000ull);  // 34-bit physical address
}

TEST(RiscvIommuLayout, PagingSchemeIndices) {
  // Sv39: VPN[2] = va[38:30], VPN[1] = [29:21], VPN[0] = [20:12]. va 0x40_2030_4000:
  // [38:30] = 0x100, [29:21] = 0x101, [20:12] = 0x104.
  const uint64_t va = 0x40'2030'4000ull >> 1;  // 0x20_1018_2000 keeps within 39 bits
  EXPECT_EQ(kSv39.index(va, 2), 0x080u);       // 0x20_1018_2000 >> 30 = 0x80
  EXPECT_EQ(kSv39.index(va, 1), 0x080u);       // (>> 21) & 0x1ff = 0x100_80 & 0x1ff = 0x080
  EXPECT_EQ(kSv39.index(va, 0), 0x182u);       // (>> 12) & 0x1ff = 0x201_8182 & 0x1ff = 0x182
  // Sv39x4 root index is 11 bits: gpa bit 40 set -> root index 0x400.
  EXPECT_EQ(kSv39x4.index(1ull << 40, 2), 0x400u);
  EXPECT_EQ(kSv39x4.index_width(2), 11u);
  EXPECT_EQ(kSv39x4.index_width(1), 9u);
  // Sv32: VPN[1] = va[31:22], VPN[0] = va[21:12]; 4 MiB megapages.
  EXPECT_EQ(kSv32.index(0xffc0'1000, 1), 0x3ffu);
  EXPECT_EQ(kSv32.index(0xffc0'1000, 0), 0x1u);
  EXPECT_EQ(kSv32.page_size(1), 4ull << 20);
  // Sv48 level 3 starts at bit 39; Sv57 level 4 at 48; gigapage 1 GiB, terapage 512 GiB.
  EXPECT_EQ(kSv48.index_shift(3), 39u);
  EXPECT_EQ(kSv57.index_shift(4), 48u);
  EXPECT_EQ(kSv39.page_size(2), 1ull << 30);
  EXPECT_EQ(kSv48.page_size(3), 1ull << 39);
  EXPECT_EQ(kSv57x4.root_table_bytes(), 16384u);
}

TEST(RiscvIommuLayout, AddressRangeChecks) {
  // Sv48: bits 63:48 equal bit 47.
  EXPECT_TRUE(first_stage_address_ok(kSv48, 0xffff'8000'0000'0000ull));
  EXPECT_FALSE(first_stage_address_ok(kSv48, 0x0000'8000'0000'0000ull));
  EXPECT_TRUE(first_stage_address_ok(kSv57, 0x00ff'ffff'ffff'f000ull));
  EXPECT_FALSE(first_stage_address_ok(kSv57, 0x0100'0000'0000'0000ull));
  // Sv32 (SXL=1): "a page fault ... if the IOVA has bits beyond bit 31 set to 1".
  EXPECT_TRUE(first_stage_address_ok(kSv32, 0xffff'f000ull));
  EXPECT_FALSE(first_stage_address_ok(kSv32, 0x1'0000'0000ull));
  // G-stage: Sv48x4 takes 50-bit GPAs; Sv32x4 34-bit ("bits beyond bit 33").
  EXPECT_TRUE(g_stage_address_ok(kSv48x4, (1ull << 50) - 1));
  EXPECT_FALSE(g_stage_address_ok(kSv48x4, 1ull << 50));
  EXPECT_TRUE(g_stage_address_ok(kSv32x4, 0x3'ffff'ffffull));
  EXPECT_FALSE(g_stage_address_ok(kSv32x4, 0x4'0000'0000ull));
}

TEST(RiscvIommuLayout, MsiPteFlatAndMrif) {
  // Basic translate mode: V [0], M [2:1] = 3, PPN [53:10], C [63]: PPN 0x28001 -> 0x28001 << 10 | 0b111.
  MsiPte f;
  f.set_v(1).set_m(static_cast<uint64_t>(MsiPteMode::kBasic)).set_ppn(0x28001);
  EXPECT_EQ(f.words[0], 0xa00'0407ull);
  EXPECT_EQ(f.words[1], 0u);
  // MRIF mode: M = 1, MRIF Address[55:9] in [53:7]; N[9:0] [73:64], NPPN [117:74], N10 [124].
  MsiPte m;
  m.set_v(1).set_m(static_cast<uint64_t>(MsiPteMode::kMrif)).set_mrif_addr_55_9(0x8000'0200ull / 512);
  m.set_n_9_0(0x3ff).set_n10(1).set_nppn(0x28000);
  // 0x8000_0200 / 512 = 0x40_0001 at bit 7: 0x2000_0080, | M=1 << 1 | V.
  EXPECT_EQ(m.words[0], 0x2000'0083ull);
  EXPECT_EQ(m.mrif_address(), 0x8000'0200ull);
  EXPECT_EQ(m.words[1], 0x3ffull | (0x28000ull << 10) | (1ull << 60));
  EXPECT_EQ(m.nid(), 0x7ffu);
  EXPECT_EQ(m.notice_address(), 0x2800'0000ull);
  EXPECT_EQ(MsiPte::c_mask, 1ull << 63);
}

TEST(RiscvIommuLayout, MsiAddressRecognition) {
  // "(A >> 12) & ~msi_addr_mask = (msi_addr_pattern & ~msi_addr_mask)": pattern 0x28000, mask 0x7 makes
  // pages 0x28000..0x28007 interrupt files; A = 0x2800_5010 is file 5.
  EXPECT_TRUE(is_msi_address(0x2800'5010ull, 0x7, 0x28000));
  EXPECT_FALSE(is_msi_address(0x2800'8000ull, 0x7, 0x28000));
  EXPECT_EQ(interrupt_file_number(0x2800'5010ull, 0x7), 5u);
  // extract(): mask 0b1010 takes bits 1 and 3 of (A >> 12) = 0b1110 -> 0b11.
  EXPECT_EQ(interrupt_file_number(0xe000ull, 0b1010), 0b11u);
}

TEST(RiscvIommuLayout, IotinvalCommand) {
  // opcode [6:0] = 1, func3 [9:7] = 1 (GVMA), AV [10], PSCID [31:12], PSCV [32], GV [33], GSCID [59:44];
  // ADDR[63:12] at [125:74] (word 1 bits [61:10]).
  IotinvalCommand c = IotinvalCommand::gvma();
  c.set_av(1).set_gv(1).set_gscid(0xbeef).set_addr(0x8765'4000ull);
  EXPECT_EQ(c.words[0], 0x0bee'f002'0000'0481ull);  // 1 | 1 << 7 | 1 << 10 | 1 << 33 | 0xbeef << 44
  EXPECT_EQ(c.words[1], 0x87654ull << 10);
  EXPECT_EQ(c.addr(), 0x8765'4000ull);
  IotinvalCommand v = IotinvalCommand::vma();
  v.set_pscv(1).set_pscid(0xfffff);
  EXPECT_EQ(v.words[0], 0x1'ffff'f001ull);
  // Reserved: [11], [43:35], [63:60] and [72:64], [127:126]; NL at 34, S at 73.
  EXPECT_EQ(IotinvalCommand::kReserved0, 0xf000'0ff8'0000'0800ull);
  EXPECT_EQ(IotinvalCommand::kReserved1, 0xc000'0000'0000'01ffull);
  EXPECT_EQ(IotinvalCommand::nl_mask, 1ull << 34);
  EXPECT_EQ(IotinvalCommand::s_mask, 1ull << 9);  // bit 73 = word 1 bit 9
}

TEST(RiscvIommuLayout, AddressRangeEncoding) {
  // "if the first 0 bit is at position X, the range size is 2^(X+1) * 4 KiB. When X is 0, ... 8 KiB."
  EXPECT_EQ(range_bytes(0b0), 8u * 1024);
  EXPECT_EQ(range_bytes(0b1), 16u * 1024);
  EXPECT_EQ(range_bytes(0xff), 2u * 1024 * 1024);  // X = 8: 2^9 * 4 KiB
  // "the most significant bit of the ADDR operand is 0 while all other bits are 1": everything.
  EXPECT_EQ(range_bytes((1ull << 51) - 1), 0u);
}

TEST(RiscvIommuLayout, IofenceCommand) {
  // opcode 2, func3 0, AV [10], WSI [11], PR [12], PW [13], DATA [63:32], ADDR[63:2] at [125:64].
  IofenceCommand c = IofenceCommand::c();
  c.set_av(1).set_pr(1).set_pw(1).set_data(0xcafe'f00d).set_addr(0x8000'1004ull);
  EXPECT_EQ(c.words[0], 0xcafe'f00d'0000'3402ull);
  EXPECT_EQ(c.words[1], 0x8000'1004ull >> 2);  // 0x2000_0401
  EXPECT_EQ(c.addr(), 0x8000'1004ull);
  EXPECT_EQ(IofenceCommand::kReserved0, 0xffff'c000ull);
}

TEST(RiscvIommuLayout, IodirAndAtsCommands) {
  // IODIR: opcode 3, func3 1 (INVAL_PDT), PID [31:12], DV [33], DID [63:40].
  IodirCommand d = IodirCommand::inval_pdt();
  d.set_dv(1).set_did(0x12345).set_pid(0x678);
  EXPECT_EQ(d.words[0], 0x0123'4502'0067'8083ull);  // 3 | 1 << 7 | 0x678 << 12 | 1 << 33 | 0x12345 << 40
  EXPECT_EQ(IodirCommand::kReserved0, 0xfd'0000'0c00ull);
  // ATS: opcode 4, func3 0 (INVAL), PID [31:12], PV [32], DSV [33], RID [55:40], DSEG [63:56], PAYLOAD.
  AtsCommand a = AtsCommand::inval();
  a.set_pv(1).set_pid(1).set_rid(0x0100).set_dseg(2).set_payload(0x800);
  EXPECT_EQ(a.words[0], 0x0201'0001'0000'1004ull);
  EXPECT_EQ(a.words[1], 0x800ull);
  AtsPrgrPayload p;
  p.set_prg_index(0x1ff).set_response_code(0xf);
  EXPECT_EQ(p.raw(), 0xf1ff'0000'0000ull);
  EXPECT_EQ(AtsCommand::prgr().func3(), 1u);
}

TEST(RiscvIommuLayout, FaultRecordFields) {
  // CAUSE [11:0], PID [31:12], PV [32], PRIV [33], TTYP [39:34], DID [63:40], iotval [191:128],
  // iotval2 [255:192]. A read guest-page fault (21), TTYP 2, DID 0x10, PID 7 with PV.
  FaultRecord r;
  r.set_cause(static_cast<uint64_t>(Cause::kReadGuestPageFault)).set_pid(7).set_pv(1);
  r.set_ttyp(static_cast<uint64_t>(Ttyp::kUntranslatedRead)).set_did(0x10);
  r.set_iotval(0x1000).set_iotval2(FaultRecord::iotval2_of(0x8000'2000ull, true, false));
  EXPECT_EQ(r.words[0], 0x0000'1009'0000'7015ull);  // 21 | 7 << 12 | 1 << 32 | 2 << 34 | 0x10 << 40
  EXPECT_EQ(r.words[1], 0u);
  EXPECT_EQ(r.words[2], 0x1000ull);
  EXPECT_EQ(r.words[3], 0x8000'2001ull);
  // The listed fields are the spec's names, in record order.
  const char* names[] = {"CAUSE", "PID", "PV", "PRIV", "TTYP", "DID", "iotval", "iotval2"};
  ASSERT_EQ(std::size(FaultRecord::kFields), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(std::string(FaultRecord::kFields[i].name), names[i]);
  // defined_fields(): iotval2 only for guest-page faults.
  EXPECT_EQ(r.defined_fields().count, 8u);
  FaultRecord p;
  p.set_cause(static_cast<uint64_t>(Cause::kReadPageFault));
  EXPECT_EQ(p.defined_fields().count, 7u);
  EXPECT_STREQ(p.defined_fields().fields[0].describe(13), "Read page fault");
}

TEST(RiscvIommuLayout, Iotval2Bits) {
  // "bits 63:2 of the zero-extended guest-physical-address are reported in iotval2[63:2]", bit 0 implicit,
  // bit 1 implicit write.
  EXPECT_EQ(FaultRecord::iotval2_of(0x1234'5677ull, false, false), 0x1234'5674ull);
  EXPECT_EQ(FaultRecord::iotval2_of(0x1234'5000ull, true, true), 0x1234'5003ull);
  EXPECT_EQ(FaultRecord::iotval2_of(0x1234'5000ull, false, true), 0x1234'5000ull);  // bit 1 needs bit 0
}

TEST(RiscvIommuLayout, CausesAndTtypes) {
  // "Fault record CAUSE field encodings": 30 listed encodings.
  EXPECT_EQ(std::size(kAllCauses), 30u);
  for (Cause c : kAllCauses) EXPECT_NE(cause_description(static_cast<uint64_t>(c)), nullptr);
  EXPECT_STREQ(to_string(Cause::kAllInboundDisallowed), "All inbound transactions disallowed");
  EXPECT_STREQ(to_string(Cause::kDdtMisconfigured), "DDT entry misconfigured");
  EXPECT_STREQ(cause_name(2), "reserved");
  EXPECT_STREQ(cause_name(275), "reserved");
  EXPECT_STREQ(cause_name(2048), "custom");
  // "Reported if DTF is 1?": yes for 256..259, 268, 272, 273; no for the rest.
  EXPECT_TRUE(reported_when_dtf(Cause::kDdtNotValid));
  EXPECT_TRUE(reported_when_dtf(Cause::kMsiWriteAccessFault));
  EXPECT_FALSE(reported_when_dtf(Cause::kTransactionTypeDisallowed));
  EXPECT_FALSE(reported_when_dtf(Cause::kReadPageFault));
  EXPECT_FALSE(reported_when_dtf(Cause::kPdtNotValid));
  int yes = 0;
  for (Cause c : kAllCauses) yes += reported_when_dtf(c);
  EXPECT_EQ(yes, 7);
  // TTYP: 1..3 untranslated, 5..7 translated, 8 ATS, 9 message; 4 reserved.
  EXPECT_STREQ(to_string(Ttyp::kUntranslatedWrite), "Untranslated write/AMO transaction");
  EXPECT_STREQ(to_string(Ttyp::kAtsTranslationRequest), "PCIe ATS Translation Request");
  EXPECT_STREQ(ttyp_name(4), "reserved");
  EXPECT_STREQ(ttyp_name(40), "custom");
}

TEST(RiscvIommuLayout, PageRequestRecord) {
  // PID [31:12], PV [32], PRIV [33], EXEC [34], DID [63:40], PAYLOAD [127:64]; payload R [0], W [1], L [2],
  // PRG index [11:3], Page Address[63:12].
  PageRequestRecord r;
  r.set_pid(3).set_pv(1).set_exec(1).set_did(0x8);
  EXPECT_EQ(r.words[0], 0x0000'0805'0000'3000ull);
  PageRequestPayload p;
  p.set_r(1).set_l(1).set_prg_index(0x1ff).set_page_addr_63_12(0x12345);
  EXPECT_EQ(p.raw(), 0x1234'5ffdull);
}

}  // namespace
}  // namespace riscv_iommu_tests
