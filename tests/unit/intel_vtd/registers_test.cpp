// VT-d register layouts (spec/intel_vtd/registers.h). Every expected value is worked out by hand from the bit
// positions of the register descriptions (Intel VT-d rev 4.x chapter 11, as the Intel datasheets reproduce it),
// never read back from the header under test.
#include <gtest/gtest.h>

#include "spec/intel_vtd/registers.h"

namespace intel_vtd_tests {
namespace {

using namespace spec::intel_vtd;

TEST(IntelVtdRegisters, Offsets) {
  // §11.4 register location table: the offsets every reading (datasheets, QEMU, Linux, VirtualBox) agrees on.
  EXPECT_EQ(reg::kVer.offset, 0x000u);
  EXPECT_EQ(reg::kCap.offset, 0x008u);
  EXPECT_EQ(reg::kEcap.offset, 0x010u);
  EXPECT_EQ(reg::kGcmd.offset, 0x018u);
  EXPECT_EQ(reg::kGsts.offset, 0x01cu);
  EXPECT_EQ(reg::kRtaddr.offset, 0x020u);
  EXPECT_EQ(reg::kCcmd.offset, 0x028u);
  EXPECT_EQ(reg::kFsts.offset, 0x034u);
  EXPECT_EQ(reg::kFectl.offset, 0x038u);
  EXPECT_EQ(reg::kFedata.offset, 0x03cu);
  EXPECT_EQ(reg::kFeaddr.offset, 0x040u);
  EXPECT_EQ(reg::kFeuaddr.offset, 0x044u);
  EXPECT_EQ(reg::kAflog.offset, 0x058u);
  EXPECT_EQ(reg::kPmen.offset, 0x064u);
  EXPECT_EQ(reg::kPlmbase.offset, 0x068u);
  EXPECT_EQ(reg::kPlmlimit.offset, 0x06cu);
  EXPECT_EQ(reg::kPhmbase.offset, 0x070u);
  EXPECT_EQ(reg::kPhmlimit.offset, 0x078u);
  EXPECT_EQ(reg::kIqh.offset, 0x080u);
  EXPECT_EQ(reg::kIqt.offset, 0x088u);
  EXPECT_EQ(reg::kIqa.offset, 0x090u);
  EXPECT_EQ(reg::kIcs.offset, 0x09cu);
  EXPECT_EQ(reg::kIectl.offset, 0x0a0u);
  EXPECT_EQ(reg::kIedata.offset, 0x0a4u);
  EXPECT_EQ(reg::kIeaddr.offset, 0x0a8u);
  EXPECT_EQ(reg::kIeuaddr.offset, 0x0acu);
  EXPECT_EQ(reg::kIqercd.offset, 0x0b0u);
  EXPECT_EQ(reg::kIrta.offset, 0x0b8u);
  EXPECT_EQ(reg::kPqh.offset, 0x0c0u);
  EXPECT_EQ(reg::kPqt.offset, 0x0c8u);
  EXPECT_EQ(reg::kPqa.offset, 0x0d0u);
  EXPECT_EQ(reg::kPrs.offset, 0x0dcu);
  EXPECT_EQ(reg::kPectl.offset, 0x0e0u);
  EXPECT_EQ(reg::kPedata.offset, 0x0e4u);
  EXPECT_EQ(reg::kPeaddr.offset, 0x0e8u);
  EXPECT_EQ(reg::kPeuaddr.offset, 0x0ecu);
}

TEST(IntelVtdRegisters, Widths) {
  // §11.4: VER, GCMD, GSTS, FSTS, the event registers, PMEN, PLMBASE/LIMIT, ICS, PRS are 32-bit; CAP, ECAP,
  // RTADDR, CCMD, AFLOG, PHMBASE/LIMIT, IQH, IQT, IQA, IQERCD, IRTA, PQH, PQT, PQA are 64-bit.
  for (Mmio r : {reg::kVer, reg::kGcmd, reg::kGsts, reg::kFsts, reg::kFectl, reg::kFedata, reg::kFeaddr,
                 reg::kFeuaddr, reg::kPmen, reg::kPlmbase, reg::kPlmlimit, reg::kIcs, reg::kIectl, reg::kIedata,
                 reg::kIeaddr, reg::kIeuaddr, reg::kPrs, reg::kPectl, reg::kPedata, reg::kPeaddr, reg::kPeuaddr}) {
    EXPECT_EQ(r.bytes, 4u) << "offset " << r.offset;
  }
  for (Mmio r : {reg::kCap, reg::kEcap, reg::kRtaddr, reg::kCcmd, reg::kAflog, reg::kPhmbase, reg::kPhmlimit,
                 reg::kIqh, reg::kIqt, reg::kIqa, reg::kIqercd, reg::kIrta, reg::kPqh, reg::kPqt, reg::kPqa}) {
    EXPECT_EQ(r.bytes, 8u) << "offset " << r.offset;
    EXPECT_EQ(r.offset % 8, 0u) << "a 64-bit register is naturally aligned";
  }
}

TEST(IntelVtdRegisters, IotlbAndFaultRecordingLocations) {
  // §11.4.3 ECAP.IRO and §11.4.2 CAP.FRO count 16-byte units from the register base. QEMU puts the IOTLB
  // registers at 0xf0 (IRO = 0xf: IVA at 0xf0, IOTLB at 0xf8) and its one fault recording register at 0x220
  // (FRO = 0x22); the 82Q45 datasheet's FRO 020h puts them at 0x200.
  EXPECT_EQ(iva_reg(0xf).offset, 0xf0u);
  EXPECT_EQ(iotlb_reg(0xf).offset, 0xf8u);
  EXPECT_EQ(fault_recording_reg(0x22, 0).offset, 0x220u);
  EXPECT_EQ(fault_recording_reg(0x22, 1).offset, 0x230u);
  EXPECT_EQ(fault_recording_reg(0x20, 7).offset, 0x270u);
  EXPECT_EQ(fault_recording_reg(0x22, 0).bytes, 16u);
}

TEST(IntelVtdRegisters, Version) {
  // §11.4.1: MAX [7:4], MIN [3:0]; QEMU reports 1.0 (0x10).
  Ver v;
  v.value = 0x10;
  EXPECT_EQ(v.max(), 1u);
  EXPECT_EQ(v.min(), 0u);
  v.set_max(6).set_min(1);
  EXPECT_EQ(v.value, 0x61u);
}

TEST(IntelVtdRegisters, CapabilityQemuShape) {
  // §11.4.2, the value QEMU's intel-iommu builds for aw-bits=39: ND=6 (16-bit domain ids) [2:0], SAGAW 39-bit
  // (bit 1 of [12:8] = 0x200), MGAW 38 [21:16] (0x26_0000), FRO 0x22 [33:24] (0x2200_0000), SLLPS 2M+1G [35:34]
  // (0xc_0000_0000), PSI [39] (0x80_0000_0000), MAMV 18 [53:48] (0x12 << 48), DWD [54], DRD [55]:
  // 0x00d2_008c_2226_0206.
  Cap c;
  c.set_nd(6).set_sagaw(kSagaw39).set_mgaw(38).set_fro(0x22).set_sllps(0x3).set_psi(1).set_mamv(18);
  c.set_dwd(1).set_drd(1);
  EXPECT_EQ(c.raw(), 0x00d2'008c'2226'0206ull);
  EXPECT_EQ(c.domain_id_bits(), 16u);
  EXPECT_EQ(c.max_guest_address_width(), 39u);
  EXPECT_EQ(c.fault_recording_registers(), 1u);
  EXPECT_EQ(c.fault_recording_offset(), 0x220u);
}

TEST(IntelVtdRegisters, CapabilityDatasheetValue) {
  // The Intel 4 Series chipset datasheet's CAP_REG default 00C9008020E30272h, decoded field by field: ND 010b
  // (8-bit domain ids), RWBF/PLMR/PHMR set, CM clear, SAGAW 00010b (39-bit), MGAW 23h (36 bits), ZLR set,
  // FRO 020h, SLLPS 0, PSI set, NFR 0, MAMV 001001b, DWD and DRD set (the datasheet's own column).
  Cap c;
  c.set_raw(0x00c9'0080'20e3'0272ull);
  EXPECT_EQ(c.nd(), 2u);
  EXPECT_EQ(c.afl(), 0u);
  EXPECT_EQ(c.rwbf(), 1u);
  EXPECT_EQ(c.plmr(), 1u);
  EXPECT_EQ(c.phmr(), 1u);
  EXPECT_EQ(c.cm(), 0u);
  EXPECT_EQ(c.sagaw(), kSagaw39);
  EXPECT_EQ(c.mgaw(), 0x23u);
  EXPECT_EQ(c.zlr(), 1u);
  EXPECT_EQ(c.fro(), 0x20u);
  EXPECT_EQ(c.sllps(), 0u);
  EXPECT_EQ(c.psi(), 1u);
  EXPECT_EQ(c.nfr(), 0u);
  EXPECT_EQ(c.mamv(), 9u);
  EXPECT_EQ(c.dwd(), 1u);
  EXPECT_EQ(c.drd(), 1u);
}

TEST(IntelVtdRegisters, CapabilityUpperBits) {
  // §11.4.2: FL1GP [56], PI [59], FL5LP [60], ECMDS [61], ESIRTPS [62], ESRTPS [63]; CM [7], AFL [3].
  EXPECT_EQ(Cap::fl1gp_mask, 1ull << 56);
  EXPECT_EQ(Cap::pi_mask, 1ull << 59);
  EXPECT_EQ(Cap::fl5lp_mask, 1ull << 60);
  EXPECT_EQ(Cap::ecmds_mask, 1ull << 61);
  EXPECT_EQ(Cap::esirtps_mask, 1ull << 62);
  EXPECT_EQ(Cap::esrtps_mask, 1ull << 63);
  EXPECT_EQ(Cap::cm_mask, 0x80ull);
  EXPECT_EQ(Cap::afl_mask, 0x8ull);
  EXPECT_EQ(Cap::nfr_mask, 0xffull << 40);
  EXPECT_EQ(kSagaw48, 0x4u);
  EXPECT_EQ(kSagaw57, 0x8u);
}

TEST(IntelVtdRegisters, ExtendedCapabilityQemuShape) {
  // §11.4.3: QI [1], IR [3], EIM [4], PT [6], IRO 0xf [17:8] (0xf00), MHMV 15 [23:20] (0xf0_0000), SMTS [43],
  // SLTS [46], FLTS [47]: 0x2 + 0x8 + 0x10 + 0x40 + 0xf00 + 0xf0_0000 = 0xf0_0f5a, plus 0xc800 << 32.
  Ecap e;
  e.set_qi(1).set_ir(1).set_eim(1).set_pt(1).set_iro(0xf).set_mhmv(0xf).set_smts(1).set_slts(1).set_flts(1);
  EXPECT_EQ(e.raw(), 0x0000'c800'00f0'0f5aull);
  EXPECT_EQ(e.iotlb_offset(), 0xf0u);
}

TEST(IntelVtdRegisters, ExtendedCapabilityDatasheetValue) {
  // A 7th-generation Core datasheet's VC0PREMAP ECAP default F050DAh: QI, IR, EIM, PT, SC set, C and DT clear,
  // IRO 050h (IOTLB registers at 0x500), MHMV Fh.
  Ecap e;
  e.set_raw(0xf0'50daull);
  EXPECT_EQ(e.c(), 0u);
  EXPECT_EQ(e.qi(), 1u);
  EXPECT_EQ(e.dt(), 0u);
  EXPECT_EQ(e.ir(), 1u);
  EXPECT_EQ(e.eim(), 1u);
  EXPECT_EQ(e.pt(), 1u);
  EXPECT_EQ(e.sc(), 1u);
  EXPECT_EQ(e.iro(), 0x50u);
  EXPECT_EQ(e.iotlb_offset(), 0x500u);
  EXPECT_EQ(e.mhmv(), 0xfu);
}

TEST(IntelVtdRegisters, ExtendedCapabilityScalableBits) {
  // §11.4.3 (and the Core Ultra datasheet's ECAP page): MTS [25], NEST [26], PRS [29], ERS [30], SRS [31],
  // NWFS [33], EAFS [34], PSS [39:35], PASID [40], DIT [41], PDS [42], SMTS [43], VCS [44], SLADS [45],
  // SLTS [46], FLTS [47], SMPWCS [48], RPS [49], PMS [51], ADMS [52], RPRIVS [53].
  EXPECT_EQ(Ecap::mts_mask, 1ull << 25);
  EXPECT_EQ(Ecap::nest_mask, 1ull << 26);
  EXPECT_EQ(Ecap::prs_mask, 1ull << 29);
  EXPECT_EQ(Ecap::ers_mask, 1ull << 30);
  EXPECT_EQ(Ecap::srs_mask, 1ull << 31);
  EXPECT_EQ(Ecap::nwfs_mask, 1ull << 33);
  EXPECT_EQ(Ecap::eafs_mask, 1ull << 34);
  EXPECT_EQ(Ecap::pss_mask, 0x1full << 35);
  EXPECT_EQ(Ecap::pasid_mask, 1ull << 40);
  EXPECT_EQ(Ecap::dit_mask, 1ull << 41);
  EXPECT_EQ(Ecap::pds_mask, 1ull << 42);
  EXPECT_EQ(Ecap::smts_mask, 1ull << 43);
  EXPECT_EQ(Ecap::vcs_mask, 1ull << 44);
  EXPECT_EQ(Ecap::slads_mask, 1ull << 45);
  EXPECT_EQ(Ecap::smpwcs_mask, 1ull << 48);
  EXPECT_EQ(Ecap::rps_mask, 1ull << 49);
  EXPECT_EQ(Ecap::pms_mask, 1ull << 51);
  EXPECT_EQ(Ecap::adms_mask, 1ull << 52);
  EXPECT_EQ(Ecap::rprivs_mask, 1ull << 53);
  // "A value of N in this field indicates hardware supports PASID field of N+1 bits": PSS 0x13 -> 20 bits.
  Ecap e;
  e.set_pss(0x13);
  EXPECT_EQ(e.pasid_bits(), 20u);
}

TEST(IntelVtdRegisters, GlobalCommandAndStatus) {
  // §11.4.4 / §11.4.5: TE/TES [31], SRTP/RTPS [30], SFL/FLS [29], EAFL/AFLS [28], WBF/WBFS [27], QIE/QIES [26],
  // IRE/IRES [25], SIRTP/IRTPS [24], CFI/CFIS [23].
  EXPECT_EQ(Gcmd::te_mask, 0x8000'0000u);
  EXPECT_EQ(Gcmd::srtp_mask, 0x4000'0000u);
  EXPECT_EQ(Gcmd::sfl_mask, 0x2000'0000u);
  EXPECT_EQ(Gcmd::eafl_mask, 0x1000'0000u);
  EXPECT_EQ(Gcmd::wbf_mask, 0x0800'0000u);
  EXPECT_EQ(Gcmd::qie_mask, 0x0400'0000u);
  EXPECT_EQ(Gcmd::ire_mask, 0x0200'0000u);
  EXPECT_EQ(Gcmd::sirtp_mask, 0x0100'0000u);
  EXPECT_EQ(Gcmd::cfi_mask, 0x0080'0000u);
  EXPECT_EQ(Gsts::rtps_mask, 0x4000'0000u);
  EXPECT_EQ(Gsts::qies_mask, 0x0400'0000u);
  EXPECT_EQ(Gsts::irtps_mask, 0x0100'0000u);
  // TE|EAFL|QIE|IRE|CFI = 0x9680_0000 persist; SRTP|SFL|WBF|SIRTP = 0x6900_0000 are one-shot; together 31:23.
  EXPECT_EQ(Gcmd::kPersistent, 0x9680'0000u);
  EXPECT_EQ(Gcmd::kOneShot, 0x6900'0000u);
  EXPECT_EQ(Gcmd::kPersistent | Gcmd::kOneShot, 0xff80'0000u);
}

TEST(IntelVtdRegisters, RootTableAddress) {
  // §11.4.6: RTA [63:12], TTM [11:10]: root table 0x1234_5000 in scalable mode (01b) = 0x1234_5400; abort-DMA
  // mode (11b) sets 0xc00.
  Rtaddr r;
  r.set_rta(0x1234'5000).set_ttm(static_cast<uint64_t>(Ttm::kScalable));
  EXPECT_EQ(r.raw(), 0x1234'5400ull);
  EXPECT_EQ(r.rta(), 0x1234'5000ull);
  r.set_ttm(static_cast<uint64_t>(Ttm::kAbortDma));
  EXPECT_EQ(r.raw() & 0xfffull, 0xc00ull);
  EXPECT_STREQ(ttm_name(0), "legacy");
  EXPECT_STREQ(ttm_name(2), "reserved");
}

TEST(IntelVtdRegisters, ContextCommand) {
  // §11.4.7: ICC [63], CIRG [62:61], CAIG [60:59], FM [33:32], SID [31:16], DID [15:0]. A device-selective
  // (11b) invalidation of SID 00:1f.0 (0x00f8), FM 2, DID 0x42: 1<<63 | 3<<61 | 2<<32 | 0xf8<<16 | 0x42.
  Ccmd c;
  c.set_icc(1).set_cirg(static_cast<uint64_t>(Granularity::kSelective)).set_fm(2).set_sid(0x00f8).set_did(0x42);
  EXPECT_EQ(c.raw(), 0xe000'0002'00f8'0042ull);
  EXPECT_EQ(Ccmd::caig_mask, 0x1800'0000'0000'0000ull);
  EXPECT_STREQ(granularity_name(1), "global");
  EXPECT_STREQ(granularity_name(0), "reserved");
}

TEST(IntelVtdRegisters, IotlbInvalidate) {
  // §11.4.8.1: IVT [63], IIRG [61:60], IAIG [58:57], DR [49], DW [48], DID [47:32]. Domain-selective (10b) for
  // DID 5 with both drains: 1<<63 | 2<<60 | 1<<49 | 1<<48 | 5<<32.
  IotlbReg r;
  r.set_ivt(1).set_iirg(static_cast<uint64_t>(Granularity::kDomain)).set_dr(1).set_dw(1).set_did(5);
  EXPECT_EQ(r.raw(), 0xa003'0005'0000'0000ull);
  EXPECT_EQ(IotlbReg::iaig_mask, 0x0600'0000'0000'0000ull);
}

TEST(IntelVtdRegisters, InvalidateAddress) {
  // §11.4.8.2: ADDR [63:12], IH [6], AM [5:0]: the 2 MiB at 0x20_0000 (AM 9), leaf only: 0x20_0049.
  Iva v;
  v.set_addr(0x20'0000).set_ih(1).set_am(9);
  EXPECT_EQ(v.raw(), 0x20'0049ull);
  EXPECT_EQ(v.addr(), 0x20'0000ull);
}

TEST(IntelVtdRegisters, FaultStatus) {
  // §11.4.9.1: PFO [0], PPF [1], AFO [2], APF [3], IQE [4], ICE [5], ITE [6], FRI [15:8]. RW1C: PFO AFO APF IQE
  // ICE ITE = 0x7d; read-only PPF and FRI = 0xff02.
  EXPECT_EQ(Fsts::kRw1c, 0x7du);
  EXPECT_EQ(Fsts::kRo, 0xff02u);
  Fsts f;
  f.set_ppf(1).set_fri(3);
  EXPECT_EQ(f.value, 0x302u);
  EXPECT_EQ(Fsts::iqe_mask, 0x10u);
}

TEST(IntelVtdRegisters, EventRegisters) {
  // §11.4.9.2 FECTL (and IECTL, PECTL): IM [31], IP [30]. §11.4.9.3-.5: data IMD [15:0], address MA [31:2].
  EXPECT_EQ(Fectl::im_mask, 0x8000'0000u);
  EXPECT_EQ(Iectl::ip_mask, 0x4000'0000u);
  EventData d;
  d.set_imd(0x4021);
  EXPECT_EQ(d.value, 0x4021u);
  EventAddress a;
  a.set_ma(0xfee0'0000u >> 2);
  EXPECT_EQ(a.value, 0xfee0'0000u);
  EXPECT_EQ(a.address(), 0xfee0'0000u);
  EventUpperAddress u;
  u.set_mua(0x1);
  EXPECT_EQ(u.value, 1u);
}

TEST(IntelVtdRegisters, InvalidationQueueAddress) {
  // §11.4.11.3: IQA [63:12], DW [11], QS [2:0]. 0x8000_0000, 256-bit descriptors, 2 pages: 0x8000_0801;
  // "the number of entries ... is 2^(X + 8)" 128-bit descriptors, so 2^9 / 2 = 256 of 32 bytes.
  Iqa q;
  q.set_base(0x8000'0000).set_dw(1).set_qs(1);
  EXPECT_EQ(q.raw(), 0x8000'0801ull);
  EXPECT_EQ(q.bytes(), 8192u);
  EXPECT_EQ(q.entries(), 256u);
  EXPECT_EQ(q.descriptor_bytes(), 32u);
  Iqa legacy;
  EXPECT_EQ(legacy.entries(), 256u);  // QS 0, DW 0: one page of 16-byte descriptors
  EXPECT_EQ(legacy.descriptor_bytes(), 16u);
}

TEST(IntelVtdRegisters, QueueHeadTail) {
  // §11.4.11.1 / .2: QH / QT [18:4] (a 16-byte offset); §11.4.13.1 / .2: PQH / PQT [18:5] (32-byte).
  Iqt t;
  t.set_byte_offset(0x1230);
  EXPECT_EQ(t.raw(), 0x1230ull);
  EXPECT_EQ(t.q(), 0x123u);
  EXPECT_EQ(QueuePointer::q_mask, 0x7fff0ull);
  EXPECT_EQ(PageQueuePointer::q_mask, 0x7ffe0ull);
}

TEST(IntelVtdRegisters, QueueErrorRecord) {
  // §11.4.11.9: IQEI [3:0], ITESID [47:32], ICESID [63:48]: IQEI 3, ITESID 0x0010, ICESID 0x00f8.
  Iqercd r;
  r.set_iqei(3).set_itesid(0x0010).set_icesid(0x00f8);
  EXPECT_EQ(r.raw(), 0x00f8'0010'0000'0003ull);
  Ics s;
  s.set_iwc(1);
  EXPECT_EQ(s.value, 1u);  // §11.4.11.4 IWC [0]
}

TEST(IntelVtdRegisters, InterruptRemappingTableAddress) {
  // §11.4.12: IRTA [63:12], EIME [11], S [3:0] ("2^(X+1)" entries): 0x1000_0000, x2APIC, 256 entries (S 7).
  Irta r;
  r.set_base(0x1000'0000).set_eime(1).set_s(7);
  EXPECT_EQ(r.raw(), 0x1000'0807ull);
  EXPECT_EQ(r.entries(), 256u);
  Irta max;
  max.set_s(0xf);
  EXPECT_EQ(max.entries(), 65536u);
}

TEST(IntelVtdRegisters, ProtectedMemoryAndPageRequest) {
  // §11.4.10.1 PMEN: EPM [31], PRS [0]. §11.4.13.4 PRS: PPR [0], PRO [1]. §11.4.13.3 PQA: PQA [63:12], PQS [2:0].
  EXPECT_EQ(Pmen::epm_mask, 0x8000'0000u);
  EXPECT_EQ(Pmen::prs_mask, 0x1u);
  EXPECT_EQ(Prs::pro_mask, 0x2u);
  Pqa p;
  p.set_pqa_4k(0x1234).set_pqs(2);
  EXPECT_EQ(p.raw(), 0x123'4002ull);
  Aflog a;  // §11.4.9.7: FLS [11:9], FLA [63:12]
  a.set_fls(1).set_fla_4k(0x5);
  EXPECT_EQ(a.raw(), 0x5200ull);
}

TEST(IntelVtdRegisters, SettersRefuseValuesThatDoNotFit) {
  // spec/bitfield.h: a setter given a value wider than its field stops, naming the field.
  EXPECT_DEATH(Cap().set_nd(8), "ND refuses");
  EXPECT_DEATH(Ccmd().set_fm(4), "FM refuses");
  EXPECT_DEATH(Iqa().set_qs(8), "QS refuses");
}

}  // namespace
}  // namespace intel_vtd_tests
