// riscv-iommu.dc.misconfig.*: device contexts with V=1 that §2.1.4 calls misconfigured ("If misconfigured then,
// stop and report "DDT entry misconfigured" (cause = 259)"), one condition per case: a DMA by edu is
// terminated, the target page untouched, and the record is the model's field by field. A condition that does
// not apply to this IOMMU's capabilities (a mode it supports, a field it lets software write) skips, naming it.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// Changes a context built by the domain; returns nullptr, or why the condition does not apply here.
using Tweak = const char* (*)(RiscvIommu* v, s::DeviceContext& dc);

s::Tc tc_of(const s::DeviceContext& dc) { return dc.tc(); }

void misconfig_case(kernel::Test& t, const DomainConfig& c, Tweak tweak) {
  with_domain(t, c, [&](RiscvIommu* v, Domain& a) {
    s::DeviceContext dc = a.context();
    if (const char* why = tweak(v, dc)) return t.skip("%s", why);
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    if (!a.set_context(dc)) return;
    expect_fault(t, v, Requester{a.ep(), a.devid(), {}}, victim.pa + 0x40, kDeviceWrites, victim.pa, kDcMisconfigured,
                 RecordLeeway{&kDcMisconfigured});
  }, "edu");
}

#define DC_MISCONFIG(ident, name, config, body)                                         \
  VIOMMU_TEST(riscv_iommu_dc_##ident, "riscv-iommu.dc.misconfig." name, "riscv-iommu,dma,fault") { \
    misconfig_case(t, config, [](RiscvIommu* v, s::DeviceContext& dc) -> const char* { \
      (void)v;                                                                          \
      body                                                                              \
    });                                                                                 \
  }

const DomainConfig kS1 = first_stage(s::kSv39, 0x21);
const DomainConfig kS2 = g_stage(s::kSv39x4, 0x21);

}  // namespace

// "If any bits or encodings that are reserved for future standard use are set."
DC_MISCONFIG(tc_reserved12, "reserved_bits_tc12", kS1, {
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | uint64_t{1} << 12));
  return nullptr;
})
DC_MISCONFIG(tc_reserved32, "reserved_bits_tc32", kS1, {
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | uint64_t{1} << 32));
  return nullptr;
})
DC_MISCONFIG(ta_reserved, "reserved_bits_ta", kS1, {
  dc.set_ta(s::reg_of<s::DcTa>(dc.ta().raw() | 0x5));  // ta[11:0] reserved
  return nullptr;
})
DC_MISCONFIG(fsc_reserved, "reserved_bits_fsc", kS1, {
  dc.set_fsc(s::reg_of<s::Fsc>(dc.fsc().raw() | uint64_t{1} << 50));  // iosatp[59:44] reserved
  return nullptr;
})
DC_MISCONFIG(msiptp_reserved, "reserved_bits_msiptp", kS2, {
  if (!v->extended_dc()) return "base-format device contexts: no msiptp";
  dc.set_msiptp(s::reg_of<s::Msiptp>(dc.msiptp().raw() | uint64_t{1} << 50));
  return nullptr;
})
DC_MISCONFIG(msi_mask_reserved, "reserved_bits_msi_addr_mask", kS2, {
  if (!v->extended_dc()) return "base-format device contexts: no msi_addr_mask";
  dc.set_msi_addr_mask(s::reg_of<s::MsiAddrMask>(uint64_t{1} << 60));
  return nullptr;
})
DC_MISCONFIG(dw7_reserved, "reserved_bits_dw7", kS1, {
  if (!v->extended_dc()) return "base-format device contexts: 32 bytes";
  dc.words[7] = 1;
  return nullptr;
})
// "capabilities.AMO_HWAD is 0 and DC.tc.SADE or DC.tc.GADE is 1"
DC_MISCONFIG(sade, "sade_without_amo_hwad", kS1, {
  if (v->caps().amo_hwad()) return "capabilities.AMO_HWAD=1: SADE is a legal setting";
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::sade_mask));
  return nullptr;
})
DC_MISCONFIG(gade_s1, "gade_without_amo_hwad", kS1, {
  if (v->caps().amo_hwad()) return "capabilities.AMO_HWAD=1: GADE is a legal setting";
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::gade_mask));  // the G-stage Bare: the condition regardless
  return nullptr;
})
DC_MISCONFIG(sade_bare, "sade_both_stages_bare", kS1, {
  if (v->caps().amo_hwad()) return "capabilities.AMO_HWAD=1: SADE is a legal setting";
  dc.set_fsc(s::Fsc{});
  dc.set_ta(s::DcTa{});
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::sade_mask));
  return nullptr;
})
// "DC.tc.PDTV is 0 and DC.tc.DPE is 1"
DC_MISCONFIG(dpe, "dpe_without_pdtv", kS1, {
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::dpe_mask));
  return nullptr;
})
// "DC.tc.PDTV is 0 and DC.fsc.iosatp.MODE encoding is not a valid encoding"
DC_MISCONFIG(fsc_mode1, "iosatp_mode_reserved_1", kS1, {
  s::Fsc f = dc.fsc();
  f.set_mode(1);
  dc.set_fsc(f);
  return nullptr;
})
DC_MISCONFIG(fsc_mode13, "iosatp_mode_reserved_13", kS1, {
  s::Fsc f = dc.fsc();
  f.set_mode(13);
  dc.set_fsc(f);
  return nullptr;
})
// "DC.iohgatp.MODE encoding is not a valid encoding"
DC_MISCONFIG(iohgatp_mode1, "iohgatp_mode_reserved_1", kS2, {
  s::Iohgatp g = dc.iohgatp();
  g.set_mode(1);
  dc.set_iohgatp(g);
  return nullptr;
})
// "DC.iohgatp.MODE is not Bare and the root page table determined by DC.iohgatp.PPN is not aligned to a 16-KiB
// boundary."
DC_MISCONFIG(iohgatp_align, "iohgatp_root_not_16k_aligned", kS2, {
  s::Iohgatp g = dc.iohgatp();
  g.set_ppn(g.ppn() + 1);
  dc.set_iohgatp(g);
  return nullptr;
})
// "capabilities.MSI_FLAT is 1 and DC.msiptp.MODE is not Off and not Flat"
DC_MISCONFIG(msiptp_mode, "msiptp_mode_reserved", kS2, {
  if (!v->caps().msi_flat()) return "capabilities.MSI_FLAT=0";
  s::Msiptp p = dc.msiptp();
  p.set_mode(2);
  dc.set_msiptp(p);
  return nullptr;
})
// "DC.tc.SXL value is not a legal value. ... If fctl.GXL is 0 and is not writable then DC.tc.SXL must be 0."
DC_MISCONFIG(sxl, "sxl_without_gxl", kS1, {
  if (v->reg<s::Fctl>(s::reg::kFctl).gxl()) return "fctl.GXL=1: SXL must be 1 there";
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::sxl_mask));
  return nullptr;
})
// "capabilities.END is 0 and fctl.BE != DC.tc.SBE"
DC_MISCONFIG(sbe, "sbe_not_fctl_be", kS1, {
  if (v->caps().end()) return "capabilities.END=1";
  const bool be = v->reg<s::Fctl>(s::reg::kFctl).be();
  s::Tc tc = tc_of(dc);
  tc.set_sbe(!be);
  dc.set_tc(tc);
  return nullptr;
})
// "DC.tc.EN_ATS is 0 and DC.tc.EN_PRI is 1"
DC_MISCONFIG(en_pri, "en_pri_without_en_ats", kS1, {
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::en_pri_mask));
  return nullptr;
})
// "DC.tc.EN_ATS is 0 and DC.tc.T2GPA is 1" (and, without capabilities.T2GPA, "capabilities.T2GPA is 0 and
// DC.tc.T2GPA is 1")
DC_MISCONFIG(t2gpa, "t2gpa_without_en_ats", kS2, {
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::t2gpa_mask));
  return nullptr;
})
// "DC.tc.PDTV is 1 and DC.fsc.pdtp.MODE is not a supported mode"
DC_MISCONFIG(pd17, "pdtp_pd17_unsupported", kS1, {
  if (v->caps().pd17()) return "capabilities.PD17=1";
  s::Fsc f = dc.fsc();
  f.set_mode(static_cast<uint64_t>(s::PdtpMode::kPd17));
  dc.set_fsc(f);
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::pdtv_mask | s::Tc::dpe_mask));
  return nullptr;
})
DC_MISCONFIG(pd20, "pdtp_pd20_unsupported", kS1, {
  if (v->caps().pd20()) return "capabilities.PD20=1";
  s::Fsc f = dc.fsc();
  f.set_mode(static_cast<uint64_t>(s::PdtpMode::kPd20));
  dc.set_fsc(f);
  dc.set_tc(s::reg_of<s::Tc>(tc_of(dc).raw() | s::Tc::pdtv_mask | s::Tc::dpe_mask));
  return nullptr;
})
