// riscv-iommu.pdt.*: process directories (§2.2, §2.3.2). The endpoints send no process_id, so these use the
// default process_id (DC.tc.DPE=1: "let process_id be the default value of 0") in a one-level PD8 table, or
// DPE=0, which makes the first stage Bare; a PC not valid or misconfigured, a PC changed with IODIR.INVAL_PDT,
// and a PDT at a guest-physical address walked through the G-stage.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// A one-level PDT (PD8, 256 process contexts) whose PC 0 uses `first` (the domain's iosatp and PSCID), and
// the DC that points at it with PDTV=1 and `dpe`. `pdt_ppn_addr` is the address the DC holds for the table (a
// GPA under a G-stage).
struct Pdt {
  DmaBlock page{kPage};
  s::ProcessContext pc0(const s::DeviceContext& dc) const {
    s::PcTa ta;
    ta.set_v(1).set_pscid(dc.ta().pscid());
    s::ProcessContext pc;
    pc.set_ta(ta).set_fsc(dc.fsc());
    return pc;
  }
  void put(unsigned pid, const s::ProcessContext& pc) const {
    volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(page.pa + pid * s::ProcessContext::kBytes);
    p[1] = pc.words[1];
    arch::mb();
    p[0] = pc.words[0];  // ta (V) last
    arch::mb();
  }
  static s::DeviceContext dc_with(s::DeviceContext dc, uint64_t pdt_addr, bool dpe) {
    s::Tc tc = dc.tc();
    tc.set_pdtv(1).set_dpe(dpe);
    s::Fsc f;
    f.set_mode(static_cast<uint64_t>(s::PdtpMode::kPd8)).set_ppn(pdt_addr >> 12);
    dc.set_tc(tc).set_fsc(f).set_ta(s::DcTa{});
    return dc;
  }
};

bool has_pd8(kernel::Test& t, RiscvIommu* v) {
  if (v->caps().pd8()) return true;
  t.skip("capabilities.PD8=0");
  return false;
}

}  // namespace

VIOMMU_TEST(riscv_iommu_pdt_default, "riscv-iommu.pdt.pd8_default_process_id", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x61), [&](RiscvIommu* v, Domain& a) {
    if (!has_pd8(t, v)) return;
    Pdt pdt;
    const DmaBlock src(kPage), dst(kPage);
    if (!pdt.page.pa || !src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, src.pa) || !a.pt().map_4k(kTestIova + kPage, dst.pa))
      return t.error("no memory for page tables");
    pdt.put(0, pdt.pc0(a.context()));
    // pdtp.MODE = PD8 (1): read as an iosatp, 1 would be a reserved mode; only the PDT walk translates.
    if (!a.set_context(Pdt::dc_with(a.context(), pdt.page.pa, true))) return;
    expect_translated(t, v, a.requester(), kTestIova + 0x20, src.pa + 0x20, kTestIova + kPage + 0x60, dst.pa + 0x60, 512,
                      kDefaultProcess);
  });
}

VIOMMU_TEST(riscv_iommu_pdt_no_dpe, "riscv-iommu.pdt.dpe_clear_first_stage_bare", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x62), [&](RiscvIommu* v, Domain& a) {
    if (!has_pd8(t, v)) return;
    Pdt pdt;
    const DmaBlock src(kPage), dst(kPage), stage(kPage);
    if (!pdt.page.pa || !src.pa || !dst.pa || !stage.pa) return t.error("no DMA memory");
    // PC 0 maps the source and destination pages' own addresses elsewhere: with DPE=0 it must not be used.
    if (!a.pt().map_4k(src.pa, dst.pa) || !a.pt().map_4k(dst.pa, src.pa)) return t.error("no memory for page tables");
    pdt.put(0, pdt.pc0(a.context()));
    if (!a.set_context(Pdt::dc_with(a.context(), pdt.page.pa, false))) return;
    // First stage Bare, G-stage Bare: every address is its own (the staging page too).
    const Requester r{a.ep(), a.devid(), kit::Staging{stage.pa, stage.pa, kPage}};
    expect_translated(t, v, r, src.pa + 0x100, src.pa + 0x100, dst.pa + 0x300, dst.pa + 0x300, 256, kNoDefaultProcess);
  }, "edu");
}

namespace {

void pc_fault_case(kernel::Test& t, uint32_t pscid, uint64_t (*edit_ta)(uint64_t), const kernel::Clause& c) {
  with_domain(t, first_stage(s::kSv39, pscid), [&](RiscvIommu* v, Domain& a) {
    if (!has_pd8(t, v)) return;
    Pdt pdt;
    const DmaBlock victim(kPage);
    if (!pdt.page.pa || !victim.pa) return t.error("no DMA memory");
    s::ProcessContext pc = pdt.pc0(a.context());
    pc.words[0] = edit_ta(pc.words[0]);
    pdt.put(0, pc);
    if (!a.set_context(Pdt::dc_with(a.context(), pdt.page.pa, true))) return;
    // The fault comes after the default process_id 0 was taken (§2.3 step 11): PV=1 PID=0 is accepted too.
    expect_fault(t, v, Requester{a.ep(), a.devid(), {}}, victim.pa + 0x10, kDeviceWrites, victim.pa, c,
                 RecordLeeway{&c, true});
  }, "edu");
}

}  // namespace

VIOMMU_TEST(riscv_iommu_pdt_pc_invalid, "riscv-iommu.pdt.pc_not_valid", "riscv-iommu,dma,fault") {
  pc_fault_case(t, 0x63, [](uint64_t ta) -> uint64_t { return s::reg_of<s::PcTa>(ta).set_v(0).raw(); }, kPcNotValid);
}

VIOMMU_TEST(riscv_iommu_pdt_pc_reserved, "riscv-iommu.pdt.pc_reserved_bits", "riscv-iommu,dma,fault") {
  // PC.ta[11:3] reserved: "If any bits or encodings that are reserved for future standard use are set".
  pc_fault_case(t, 0x64, [](uint64_t ta) -> uint64_t { return ta | uint64_t{1} << 5; }, kPcMisconfigured);
}

VIOMMU_TEST(riscv_iommu_pdt_change, "riscv-iommu.pdt.pc_change_inval_pdt", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x65), [&](RiscvIommu* v, Domain& a) {
    if (!has_pd8(t, v)) return;
    Pdt pdt;
    const DmaBlock x(kPage), y(kPage), other(kPage);
    drv::PageTable second(s::kSv39);
    if (!pdt.page.pa || !x.pa || !y.pa || !other.pa || !second.init()) return t.error("no DMA memory");
    // PC 0 first uses the domain's table (kTestIova -> x), then a second table with the same staging mapping
    // (edu has no driver memory) and kTestIova -> y under another PSCID.
    if (!a.pt().map_4k(kTestIova, x.pa) || !second.map_4k(kTestIova, y.pa) || !second.map_4k(kStageIova, a.stage_pa()))
      return t.error("no memory for page tables");
    pdt.put(0, pdt.pc0(a.context()));
    if (!a.set_context(Pdt::dc_with(a.context(), pdt.page.pa, true))) return;
    expect_translated(t, v, a.requester(), kTestIova, x.pa, kTestIova + 0x800, x.pa + 0x800, 256, kDefaultProcess);
    s::ProcessContext pc = pdt.pc0(a.context());
    s::PcTa ta;
    ta.set_v(1).set_pscid(0x66);
    s::Fsc f;
    f.set_mode(drv::mode_of(s::kSv39)).set_ppn(second.root() >> 12);
    pc.set_ta(ta).set_fsc(f);
    // §2.9: V=0 first, then the new PC, then §6.3.2: IODIR.INVAL_PDT and IOTINVAL.VMA for the old and new PSCIDs.
    s::ProcessContext off = pc;
    off.words[0] = 0;
    pdt.put(0, off);
    drv::Inval old_as, new_as;
    old_as.pscv = new_as.pscv = true;
    old_as.pscid = 0x65;
    new_as.pscid = 0x66;
    bool done = v->iodir_inval_pdt(a.devid(), 0);
    pdt.put(0, pc);
    done = done && v->iodir_inval_pdt(a.devid(), 0) && v->iotinval_vma(old_as) && v->iotinval_vma(new_as);
    if (!t.check("cmd.fence", kIofence, done, "IODIR.INVAL_PDT / IOTINVAL.VMA + IOFENCE.C: %s", v->last_error())) return;
    expect_translated(t, v, a.requester(), kTestIova + 0x40, y.pa + 0x40, kTestIova + 0x900, y.pa + 0x900, 256,
                      kIodirPdt);
  }, "edu");
}

VIOMMU_TEST(riscv_iommu_pdt_gpa, "riscv-iommu.pdt.pdt_at_guest_physical_address", "riscv-iommu,dma") {
  with_domain(t, nested(s::kSv39, s::kSv39x4, 0x67, 0x67), [&](RiscvIommu* v, Domain& a) {
    if (!has_pd8(t, v)) return;
    Pdt pdt;
    const DmaBlock src(kPage), dst(kPage);
    if (!pdt.page.pa || !src.pa || !dst.pa) return t.error("no DMA memory");
    // The PDT at GPA 0x1_4000_0000 (outside the RAM identity), mapped to its SPA by the G-stage.
    constexpr uint64_t kPdtAt = 0x1'4000'0000ull;
    if (!a.drv().second().map_4k(kPdtAt, pdt.page.pa, Perm::ro()) || !a.pt().map_4k(kTestIova, src.pa) ||
        !a.pt().map_4k(kTestIova + kPage, dst.pa))
      return t.error("no memory for page tables");
    pdt.put(0, pdt.pc0(a.context()));
    if (!a.set_context(Pdt::dc_with(a.context(), kPdtAt, true))) return;
    expect_translated(t, v, a.requester(), kTestIova + 0x30, src.pa + 0x30, kTestIova + kPage + 0x30, dst.pa + 0x30, 512,
                      kPdtGpa);
  });
}
