// smmuv3.strtab.*: stream table formats and STE/CD decoding (IHI 0070 §3.3, §5.1-5.4): linear and 2-level
// tables, bypass/abort/invalid STEs, StreamIDs beyond the table, fetch aborts, and CD problems.
// Stream-wide faults use edu: it has no driver-owned DMA (rings) that would fault first and hang.
//
// Readings taken from the spec text (quoted in clauses.h):
// - Config 0b001..0b011 is "Reserved (behaves as 0b000 )": an abort without a record, not C_BAD_STE.
// - STRW = EL2 with SMMU_IDR0.Hyp = 0: the field "is RES0" and the §5.2.2 validity pseudocode does not check it;
//   Reserved values "must not be used and their behavior must not be relied upon" (§1.2): OPEN, the STE used as
//   NS-EL1 (the model's choice) or deemed invalid (C_BAD_STE).
// - A StreamID beyond a level-1 descriptor's Span is C_BAD_STREAMID (§5.1.1, §7.3.3), not C_BAD_STE.
// - S1CDMax is IGNORED when SMMU_IDR1.SSIDSIZE = 0, so it cannot make the STE ILLEGAL there.
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
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  expect_ok(e, e.blk, kIova + 0x100, Dir::kDeviceReads, e.target(0) + 0x100);
}

// edu's STE built by `make` from a valid stage-1 STE; a device write to kIova must produce `type` (by `why`).
template <typename F>
void edu_ste_case(kernel::Test& t, EventType type, const kernel::Clause& why, F make, const Options& o = Options{}) {
  Env e(t, o);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  Ste s = d.make_ste();
  make(e, d, s);
  if (!e.write_ste(e.sid(edu), s)) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, type, e.target(0), why);
}

}  // namespace

VIOMMU_TEST(strtab_linear, "smmuv3.strtab.linear_translate", "smmuv3,strtab") { translate_case(t, Options{}); }
VIOMMU_TEST(strtab_bypass, "smmuv3.strtab.bypass_ste_passes_through", "smmuv3,strtab") {
  Env e(t);
  if (!e.ready()) return;
  Ste s;
  s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kBypass)).set_shcfg(1);
  if (!e.write_ste(e.blk_sid, s)) return;
  // Bypass: the input address is the output address (§5.2 Config = 0b100).
  expect_ok(e, e.blk, e.target(3), Dir::kDeviceWrites, e.target(3), kSteBypass);
  expect_ok(e, e.blk, e.target(3), Dir::kDeviceReads, e.target(3), kSteBypass);
}
VIOMMU_TEST(strtab_abort, "smmuv3.strtab.abort_ste_no_event", "smmuv3,strtab") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Ste s;
  s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kAbort));
  if (!e.write_ste(e.sid(edu), s)) return;
  // Config = 0b000: every transaction is terminated silently (§5.2), no event.
  expect_abort(e, edu, e.target(3), Dir::kDeviceWrites, e.target(3), kSteAbort);
}
VIOMMU_TEST(strtab_invalid, "smmuv3.strtab.invalid_ste_c_bad_ste", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadSte, kSteV, [](Env&, Domain&, Ste& s) { s.set_v(0); });
}
// §5.2 Config "0b0xx ... Reserved (behaves as 0b000 )": the reserved encodings abort without a record, as 0b000.
// The rest of the STE is a valid stage-1 configuration, so an SMMU that translated anyway would write target(0).
VIOMMU_TEST(strtab_reserved_config, "smmuv3.strtab.reserved_config_behaves_as_abort", "smmuv3,strtab") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  for (uint64_t config : {0b001u, 0b010u, 0b011u}) {
    Ste s = d.make_ste();
    s.set_config(config);
    if (!e.write_ste(e.sid(edu), s)) return;
    t.note("STE.Config = 0x%lx", static_cast<unsigned long>(config));
    expect_abort(e, edu, kIova, Dir::kDeviceWrites, e.target(0), kSteConfigReserved);
  }
}
VIOMMU_TEST(strtab_s2_absent, "smmuv3.strtab.stage2_config_without_s2p_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().s2p()) return t.skip("SMMU_IDR0.S2P = 1: stage 2 is implemented");
  edu_ste_case(t, EventType::kCBadSte, kSteS2Absent,
               [](Env&, Domain&, Ste& s) { s.set_config(static_cast<uint64_t>(SteConfig::kS2Trans)); });
}
// STRW = 0b10 (EL2) with SMMU_IDR0.Hyp = 0 is RES0 (§5.2 STRW), not an ILLEGAL StreamWorld: OPEN between the
// STE used as NS-EL1 (the §5.2.2 pseudocode's reading, the model's choice) and the STE deemed invalid.
VIOMMU_TEST(strtab_strw_reserved, "smmuv3.strtab.strw_el2_without_hyp_is_res0", "smmuv3,strtab") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr0().hyp()) return t.skip("SMMU_IDR0.HYP = 1: StreamWorld EL2 is valid");
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  // edu's stream also needs the staging block (the fixture loads the endpoint through it).
  if (!e.mapped(d.map_identity(e.staging, 0x8000), "identity-mapping the staging block")) return;
  Ste s = d.make_ste();
  s.set_strw(0b10);
  if (!e.write_ste(e.sid(edu), s)) return;
  model::smmuv3::Config invalid = e.smmu->model_config();
  invalid.strw_res0_nonzero_invalid = true;
  const model::smmuv3::Outcome permitted[] = {e.predict(e.sid(edu), kIova, true),
                                              e.predict(e.sid(edu), kIova, true, invalid)};
  t.check("oracle", kernel::kSuite, permitted[0].ok() && permitted[0].pa == e.target(0) &&
          permitted[1].event.event_type() == EventType::kCBadSte,
          "the model's two readings: %s and %s", event_name(permitted[0].event.type()), event_name(permitted[1].event.type()));
  const char* const names[] = {"STRW ignored: translated as NS-EL1", "STE deemed invalid: C_BAD_STE"};
  check_dma_open(e, edu, kIova, Dir::kDeviceWrites, e.target(0), permitted, names, 2, "ste.STRW", kSteStrwRes0);
}
VIOMMU_TEST(strtab_cdmax_beyond_ssidsize, "smmuv3.strtab.s1cdmax_beyond_ssidsize_c_bad_ste", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr1().ssidsize() == 0)
    return t.skip("SMMU_IDR1.SSIDSIZE = 0: S1CDMax is IGNORED (see s1cdmax_ignored_without_substreams)");
  if (sm && sm->idr1().ssidsize() >= 31) return t.skip("SSIDSIZE leaves no S1CDMax beyond it");
  // S1CDMax > SMMU_IDR1.SSIDSIZE is ILLEGAL (§5.2.2).
  edu_ste_case(t, EventType::kCBadSte, kSteCdMax, [](Env& e, Domain&, Ste& s) {
    s.set_s1cdmax(e.smmu->idr1().ssidsize() + 1).set_s1dss(0b10);
  });
}
// §5.2 S1CDMax "If SMMU_IDR1.SSIDSIZE == 0, this field is IGNORED" (and S1Fmt, S1DSS with it): the STE is valid,
// S1ContextPtr points at the one CD, and the DMA translates.
// edu, not virtio-blk: an SMMU that rejects the STE would also cut virtio-blk off its rings for the rest of the run.
VIOMMU_TEST(strtab_cdmax_ignored, "smmuv3.strtab.s1cdmax_ignored_without_substreams", "smmuv3,strtab") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr1().ssidsize() != 0) return t.skip("SMMU_IDR1.SSIDSIZE != 0: S1CDMax is used");
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") ||
      !e.mapped(d.map_identity(e.staging, 0x8000), "identity-mapping the staging block"))
    return;
  Ste s = d.make_ste();
  s.set_s1cdmax(1).set_s1dss(0b00);  // S1DSS Terminate, were substreams enabled
  if (!e.write_ste(e.sid(edu), s)) return;
  expect_ok(e, edu, kIova, Dir::kDeviceWrites, e.target(0), kSteCdMaxIgnored);
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
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadStreamid, 0, kStreamIdRange);
}
VIOMMU_TEST(strtab_ste_fetch, "smmuv3.strtab.ste_fetch_abort_f_ste_fetch", "smmuv3,strtab,fault") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  // STRTAB_BASE where no memory is: the STE fetch aborts (§7.3.4), FetchAddr = the STE's address.
  const uint32_t cr0 = e.smmu->read32(RegOffset::kCr0);
  if (!t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0 & ~1u), "SMMUEN did not clear in CR0ACK")) return;
  e.smmu->write64(RegOffset::kStrtabBase, 0x100'0000'0000ull);
  if (!t.check("reg.CR0ACK", kCr0Ack, e.smmu->set_cr0(cr0), "SMMUEN did not set in CR0ACK")) return;
  if (!e.synced(e.smmu->cfgi_all(), "CFGI_ALL")) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kFSteFetch, 0, kSteFetch);
}
VIOMMU_TEST(strtab_cd_fetch, "smmuv3.strtab.cd_fetch_abort_f_cd_fetch", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kFCdFetch, kCdFetch,
               [](Env&, Domain&, Ste& s) { s.set_s1_context_address(0x100'0000'0000ull); });
}
VIOMMU_TEST(strtab_cd_invalid, "smmuv3.strtab.cd_invalid_c_bad_cd", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadCd, kCdV, [](Env&, Domain& d, Ste&) { d.cd()->set_v(0); });
}
// §5.4 T0SZ: out-of-range TxSZ makes the CD ILLEGAL "In implementations of SMMUv3.1 and later"; in SMMUv3.0 it is
// CONSTRAINED UNPREDICTABLE (ILLEGAL or clamped), which these cases do not judge.
static bool need_v31(kernel::Test& t) {
  Smmu* sm = Smmu::get();
  if (sm && sm->reg<spec::smmuv3::Aidr>(RegOffset::kAidr).arch_minor_rev() == 0) {
    t.skip("SMMUv3.0 (AIDR.ArchMinorRev = 0): an out-of-range TxSZ is CONSTRAINED UNPREDICTABLE (§5.4 T0SZ)");
    return false;
  }
  return true;
}
VIOMMU_TEST(strtab_cd_t0sz_small, "smmuv3.strtab.cd_t0sz_below_16_c_bad_cd", "smmuv3,strtab,fault") {
  if (!need_v31(t)) return;
  edu_ste_case(t, EventType::kCBadCd, kCdTxsz, [](Env&, Domain& d, Ste&) { d.cd()->set_t0sz(8); });
}
VIOMMU_TEST(strtab_cd_t0sz_large, "smmuv3.strtab.cd_t0sz_above_39_c_bad_cd", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr3().stt()) return t.skip("SMMU_IDR3.STT: T0SZ up to 48 is valid");
  if (!need_v31(t)) return;
  edu_ste_case(t, EventType::kCBadCd, kCdTxsz, [](Env&, Domain& d, Ste&) { d.cd()->set_t0sz(45); });
}
VIOMMU_TEST(strtab_cd_tg_reserved, "smmuv3.strtab.cd_reserved_tg0_c_bad_cd", "smmuv3,strtab,fault") {
  edu_ste_case(t, EventType::kCBadCd, kCdTg, [](Env&, Domain& d, Ste&) { d.cd()->set_tg0(0b11); });
}
VIOMMU_TEST(strtab_cd_aa32, "smmuv3.strtab.cd_aa64_zero_c_bad_cd", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && (sm->idr0().ttf() & spec::smmuv3::kTtfAArch32)) return t.skip("SMMU_IDR0.TTF includes AArch32");
  edu_ste_case(t, EventType::kCBadCd, kCdAa64, [](Env&, Domain& d, Ste&) { d.cd()->set_aa64(0); });
}
VIOMMU_TEST(strtab_cd_ttb_beyond_ips, "smmuv3.strtab.cd_ttb0_beyond_ips_c_bad_cd", "smmuv3,strtab,fault") {
  // TTB0 above the effective IPS is ILLEGAL (§5.4 TTB0).
  edu_ste_case(t, EventType::kCBadCd, kCdTtbRange,
               [](Env&, Domain& d, Ste&) { d.cd()->set_ips(0).set_ttb0_address(0x1'0000'0000ull); });
}
VIOMMU_TEST(strtab_bad_substreamid, "smmuv3.strtab.missing_l1cd_c_bad_substreamid", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && (sm->idr1().ssidsize() == 0 || !sm->idr0().cd2l()))
    return t.skip("SMMU_IDR1.SSIDSIZE = %u, IDR0.CD2L = %u: no substreams / 2-level CD tables",
                  static_cast<unsigned>(sm->idr1().ssidsize()), static_cast<unsigned>(sm->idr0().cd2l()));
  // S1CDMax = 1, S1DSS = Substream0, 2-level CD table whose L1CD for SubstreamID 0 is invalid. The transaction
  // carries no SubstreamID: §7.3.9 lists "A two-level CD fetch encounters an L1CD structure with V == 0" under
  // "Incoming SubstreamID present", so which record non-substream traffic gets is not fixed: OPEN between
  // C_BAD_SUBSTREAMID (the model's choice) and C_BAD_CD; the abort and the StreamID are required either way.
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  Ste s = d.make_ste();
  s.set_s1cdmax(1).set_s1dss(0b10).set_s1fmt(0b01);
  if (!e.write_ste(e.sid(edu), s)) return;
  model::smmuv3::Outcome permitted[2] = {e.predict(e.sid(edu), kIova, true), {}};
  t.check("oracle", kernel::kSuite, permitted[0].event.event_type() == EventType::kCBadSubstreamid,
          "the model predicts %s", event_name(permitted[0].event.type()));
  permitted[1] = permitted[0];
  permitted[1].event.set_type(static_cast<uint64_t>(EventType::kCBadCd));
  const char* const names[] = {"C_BAD_SUBSTREAMID", "C_BAD_CD"};
  static constexpr kernel::Clause kOpenRecord{kernel::Strength::kOpen, "IHI0070 G.b §7.3.9",
      "Incoming SubstreamID present and one of the following is true: ... A two-level CD fetch encounters an L1CD "
      "structure with V == 0"};
  check_dma_open(e, edu, kIova, Dir::kDeviceWrites, e.target(0), permitted, names, 2, "event.type", kOpenRecord);
}
VIOMMU_TEST(strtab_stream_disabled, "smmuv3.strtab.s1dss_terminate_f_stream_disabled", "smmuv3,strtab,fault") {
  Smmu* sm = Smmu::get();
  if (sm && sm->idr1().ssidsize() == 0) return t.skip("SMMU_IDR1.SSIDSIZE = 0: substreams not implemented; STE.S1DSS is IGNORED (IHI 0070 5.2)");
  edu_ste_case(t, EventType::kFStreamDisabled, kS1Dss, [](Env&, Domain&, Ste& s) { s.set_s1cdmax(1).set_s1dss(0b00); });
}
