// smmuv3.strtab.*: stream table formats and STE/CD decoding (IHI 0070 §3.3, §5.1-5.4): linear and 2-level
// tables, bypass/abort/invalid STEs, StreamIDs beyond the table, fetch aborts, and CD problems.
// Stream-wide faults use edu: it has no driver-owned DMA (rings) that would fault first and hang.
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::EventType;
using spec::smmuv3::Ste;
using spec::smmuv3::SteConfig;

DmaEndpoint* need_edu(kernel::Test& t) {
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) t.skip("no edu endpoint");
  return edu;
}

// blk translated through an ordinary 4 KiB domain under the given stream table options.
void translate_case(kernel::Test& t, const Options& o) {
  Env e(t, o);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !d.map(kIova, e.target(0), 0x1000) || !e.attach(d, e.blk)) return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  expect_ok(e, e.blk, kIova + 0x100, Dir::kDeviceReads, e.target(0) + 0x100);
}

// edu's STE built by `make` from a valid stage-1 STE; a device write to kIova must produce `type`.
template <typename F>
void edu_ste_case(kernel::Test& t, EventType type, F make, const Options& o = Options{}) {
  Env e(t, o);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !d.map(kIova, e.target(0), 0x1000)) return;
  Ste s = d.make_ste();
  make(e, d, s);
  if (!t.check(e.smmu->write_ste(e.sid(edu), s), "writing the STE failed")) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, type, e.target(0));
}

}  // namespace

VIOMMU_TEST(strtab_linear, "smmuv3.strtab.linear_translate", "smmuv3,strtab") { translate_case(t, Options{}); }
VIOMMU_TEST(strtab_2level, "smmuv3.strtab.two_level_translate", "smmuv3,strtab") {
  Smmu* s = Smmu::get();
  if (s && s->idr0().st_level() != 1) return t.skip("SMMU_IDR0.ST_LEVEL: no 2-level stream table");
  Options o;
  o.two_level = true;
  translate_case(t, o);
}
VIOMMU_TEST(strtab_2level_split8, "smmuv3.strtab.two_level_split8_translate", "smmuv3,strtab") {
  Smmu* s = Smmu::get();
  if (s && s->idr0().st_level() != 1) return t.skip("SMMU_IDR0.ST_LEVEL: no 2-level stream table");
  Options o;
  o.two_level = true;
  o.split = 8;
  o.strtab_log2 = 16;
  translate_case(t, o);
}
VIOMMU_TEST(strtab_bypass, "smmuv3.strtab.bypass_ste_passes_through", "smmuv3,strtab") {
  Env e(t);
  if (!e.ready()) return;
  Ste s;
  s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kBypass)).set_shcfg(1);
  if (!t.check(e.smmu->write_ste(e.blk_sid, s), "writing the STE failed")) return;
  // Bypass: the input address is the output address (§5.2 Config = 0b100).
  expect_ok(e, e.blk, e.target(3), Dir::kDeviceWrites, e.target(3));
  expect_ok(e, e.blk, e.target(3), Dir::kDeviceReads, e.target(3));
}
VIOMMU_TEST(strtab_abort, "smmuv3.strtab.abort_ste_no_event", "smmuv3,strtab") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Ste s;
  s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kAbort));
  if (!t.check(e.smmu->write_ste(e.sid(edu), s), "writing the STE failed")) return;
  // Config = 0b000: every transaction is terminated silently (§5.2), no event.
  const auto o = e.predict(e.sid(edu), e.target(3), true);
  t.check(o.status == model::smmuv3::Status::kAbort, "oracle: expected a silent abort");
  check_dma(e, edu, e.target(3), Dir::kDeviceWrites, e.target(3));
}
VIOMMU_TEST(strtab_invalid, "smmuv3.strtab.invalid_ste_c_bad_ste", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadSte, [](Env&, Domain&, Ste& s) { s.set_v(0); });
}
VIOMMU_TEST(strtab_reserved_config, "smmuv3.strtab.reserved_config_c_bad_ste", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadSte, [](Env&, Domain&, Ste& s) { s.set_config(0b001); });
}
VIOMMU_TEST(strtab_s2_absent, "smmuv3.strtab.stage2_config_without_s2p_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().s2p()) return t.skip("SMMU_IDR0.S2P = 1: stage 2 is implemented");
  edu_ste_case(t, EventType::kCBadSte,
               [](Env&, Domain&, Ste& s) { s.set_config(static_cast<uint64_t>(SteConfig::kS2Trans)); });
}
VIOMMU_TEST(strtab_strw_reserved, "smmuv3.strtab.reserved_strw_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().hyp()) return t.skip("SMMU_IDR0.HYP = 1: StreamWorld EL2 is valid");
  // STRW = 0b10 (EL2) without SMMU_IDR0.HYP is ILLEGAL (§5.2 STRW).
  edu_ste_case(t, EventType::kCBadSte, [](Env&, Domain&, Ste& s) { s.set_strw(0b10); });
}
VIOMMU_TEST(strtab_cdmax_beyond_ssidsize, "smmuv3.strtab.s1cdmax_beyond_ssidsize_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr1().ssidsize() >= 31) return t.skip("SSIDSIZE leaves no S1CDMax beyond it");
  // S1CDMax > SMMU_IDR1.SSIDSIZE is ILLEGAL (§5.2 S1CDMax).
  edu_ste_case(t, EventType::kCBadSte, [](Env& e, Domain&, Ste& s) {
    s.set_s1cdmax(e.smmu->idr1().ssidsize() + 1).set_s1dss(0b10);
  });
}
VIOMMU_TEST(strtab_beyond, "smmuv3.strtab.streamid_beyond_table_c_bad_streamid", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!sm || !edu) return t.skip("no SMMU or no edu endpoint");
  const uint32_t sid = sm->sid_of(edu->rid());
  if (sid < 2) return t.skip("edu's StreamID %u is too small to be beyond a table", sid);
  Options o;
  o.strtab_log2 = 31 - static_cast<unsigned>(__builtin_clz(sid));  // 2^log2 <= sid: out of range (§6.3.25)
  Env e(t, o);
  if (!e.ready()) return;
  t.note("STRTAB_BASE_CFG.LOG2SIZE = %u, edu StreamID 0x%x", e.smmu->strtab_log2(), sid);
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadStreamid);
}
VIOMMU_TEST(strtab_l1_span0, "smmuv3.strtab.two_level_span0_c_bad_streamid", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().st_level() != 1) return t.skip("SMMU_IDR0.ST_LEVEL: no 2-level stream table");
  Options o;
  o.two_level = true;
  Env e(t, o);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  // An L1STD with Span = 0 is invalid: the StreamIDs it covers are out of range (§5.1).
  e.smmu->l1std(e.sid(edu))->words[0] = 0;
  if (!t.check(e.smmu->cfgi_ste(e.sid(edu)), "CFGI_STE failed")) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadStreamid);
}
VIOMMU_TEST(strtab_l2_beyond_span, "smmuv3.strtab.two_level_index_beyond_span_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().st_level() != 1) return t.skip("SMMU_IDR0.ST_LEVEL: no 2-level stream table");
  Options o;
  o.two_level = true;
  Env e(t, o);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  const uint32_t sid = e.sid(edu);
  const uint32_t index = sid & ((1u << o.split) - 1);
  if (index == 0) return t.skip("edu's StreamID is the first of its level-2 table");
  // Span s gives a level-2 table of 2^(s-1) STEs (§5.1). Make it just too small for this StreamID, and
  // make the STE beyond it valid so that an SMMU that reads it anyway translates instead of faulting.
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !d.map(kIova, e.target(0), 0x1000)) return;
  if (!t.check(e.smmu->write_ste(sid, d.make_ste()), "writing the STE failed")) return;
  const unsigned span = 32 - static_cast<unsigned>(__builtin_clz(index));  // 2^(span-1) <= index
  auto* l1 = e.smmu->l1std(sid);
  l1->set_span(span);
  if (!t.check(e.smmu->cfgi_ste(sid), "CFGI_STE failed")) return;
  t.note("L2 index %u, Span %u: %u STEs", index, span, 1u << (span - 1));
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadSte, e.target(0));
}
VIOMMU_TEST(strtab_ste_fetch, "smmuv3.strtab.ste_fetch_abort_f_ste_fetch", "smmuv3,strtab,fault") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  // STRTAB_BASE where no memory is: the STE fetch aborts (§7.3.4), FetchAddr = the STE's address.
  const uint32_t cr0 = e.smmu->read32(RegOffset::kCr0);
  if (!t.check(e.smmu->set_cr0(cr0 & ~1u), "SMMUEN did not clear")) return;
  e.smmu->write64(RegOffset::kStrtabBase, 0x100'0000'0000ull);
  if (!t.check(e.smmu->set_cr0(cr0), "SMMUEN did not set")) return;
  e.smmu->cfgi_all();
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kFSteFetch);
}
VIOMMU_TEST(strtab_cd_fetch, "smmuv3.strtab.cd_fetch_abort_f_cd_fetch", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kFCdFetch,
               [](Env&, Domain&, Ste& s) { s.set_s1_context_address(0x100'0000'0000ull); });
}
VIOMMU_TEST(strtab_cd_invalid, "smmuv3.strtab.cd_invalid_c_bad_cd", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_v(0); });
}
VIOMMU_TEST(strtab_cd_t0sz_small, "smmuv3.strtab.cd_t0sz_below_16_c_bad_cd", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_t0sz(8); });
}
VIOMMU_TEST(strtab_cd_t0sz_large, "smmuv3.strtab.cd_t0sz_above_39_c_bad_cd", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr3().stt()) return t.skip("SMMU_IDR3.STT: T0SZ up to 48 is valid");
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_t0sz(45); });
}
VIOMMU_TEST(strtab_cd_tg_reserved, "smmuv3.strtab.cd_reserved_tg0_c_bad_cd", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_tg0(0b11); });
}
VIOMMU_TEST(strtab_cd_aa32, "smmuv3.strtab.cd_aa64_zero_c_bad_cd", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && (sm->idr0().ttf() & spec::smmuv3::kTtfAArch32)) return t.skip("SMMU_IDR0.TTF includes AArch32");
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_aa64(0); });
}
VIOMMU_TEST(strtab_cd_ttb_beyond_ips, "smmuv3.strtab.cd_ttb0_beyond_ips_c_bad_cd", "smmuv3,strtab,fault") {
  // TTB0 above the effective IPS is ILLEGAL (§5.4 TTB0: "bits above IPS ... ILLEGAL").
  edu_ste_case(t, EventType::kCBadCd, [](Env&, Domain& d, Ste&) { d.cd()->set_ips(0).set_ttb0_address(0x1'0000'0000ull); });
}
VIOMMU_TEST(strtab_bad_substreamid, "smmuv3.strtab.missing_l1cd_c_bad_substreamid", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && (sm->idr1().ssidsize() == 0 || !sm->idr0().cd2l()))
    return t.skip("SMMU_IDR1.SSIDSIZE = %u, IDR0.CD2L = %u: no substreams / 2-level CD tables",
                  static_cast<unsigned>(sm->idr1().ssidsize()), static_cast<unsigned>(sm->idr0().cd2l()));
  // S1CDMax = 1, S1DSS = Substream0, 2-level CD table whose L1CD for SubstreamID 0 is invalid.
  edu_ste_case(t, EventType::kCBadSubstreamid, [](Env&, Domain&, Ste& s) {
    s.set_s1cdmax(1).set_s1dss(0b10).set_s1fmt(0b01);
  });
}
VIOMMU_TEST(strtab_stream_disabled, "smmuv3.strtab.s1dss_terminate_f_stream_disabled", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr1().ssidsize() == 0) return t.skip("SMMU_IDR1.SSIDSIZE = 0: substreams not implemented; STE.S1DSS is IGNORED (IHI 0070 5.2)");
  edu_ste_case(t, EventType::kFStreamDisabled, [](Env&, Domain&, Ste& s) { s.set_s1cdmax(1).set_s1dss(0b00); });
}
