// smmuv3.two_level.*: 2-level stream tables (IHI 0070 §3.3.2, §5.1 L1STD): translation through L1STD + level-2
// STEs at two SPLIT points, invalid and too-small level-1 descriptors (C_BAD_STREAMID), and a linear table used
// after a 2-level one.
//
// These cases form their own group, which sorts (and so runs) after every other smmuv3 group: QEMU 7.2 and 10.0
// latch the 2-level format on the first write of STRTAB_BASE_CFG.FMT = 2-level and keep walking 2-level tables
// after a later FMT = linear (hw/arm/smmuv3.c sets SMMU_FEATURE_2LVL_STE and never clears it), so on QEMU a case
// with a linear table after one of these sees C_BAD_STREAMID for every stream, and virtio-blk, cut off from its
// rings, needs a reset. `linear_after_two_level` shows that deviation on its own, with edu.
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmuv3_tests;
using spec::smmuv3::EventType;

bool need_2level(kernel::Test& t) {
  Smmu* s = Smmu::get();
  if (s && s->idr0().st_level() != 1) {
    t.skip("SMMU_IDR0.ST_LEVEL = 0: no 2-level stream table");
    return false;
  }
  return true;
}

DmaEndpoint* need_edu(kernel::Test& t) {
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) t.skip("no edu endpoint");
  return edu;
}

inline constexpr kernel::Clause kTwoLevel{kernel::Strength::kMust, "IHI0070 G.b §3.3.2",
    "The top-level table is indexed by StreamID[n:x], where n is the uppermost StreamID bit covered, and x is a "
    "configurable Split point given by SMMU_(*_)STRTAB_BASE_CFG.SPLIT."};

// blk translated through an ordinary 4 KiB domain under the given stream table options.
void translate_case(kernel::Test& t, const Options& o) {
  Env e(t, o);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0), kTwoLevel);
  expect_ok(e, e.blk, kIova + 0x100, Dir::kDeviceReads, e.target(0) + 0x100, kTwoLevel);
}

// edu translating kIova -> target(0) under the stream table `o` describes (edu's stream needs the staging block
// too: the fixture loads the endpoint through it).
void edu_translate(kernel::Test& t, const Options& o, const kernel::Clause& why) {
  Env e(t, o);
  if (!e.ready()) return;
  DmaEndpoint* edu = need_edu(t);
  if (!edu) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") ||
      !e.mapped(d.map_identity(e.staging, 0x8000), "identity-mapping the staging block"))
    return;
  if (!e.write_ste(e.sid(edu), d.make_ste())) return;
  expect_ok(e, edu, kIova, Dir::kDeviceWrites, e.target(0), why);
}

}  // namespace

VIOMMU_TEST(two_level_translate, "smmuv3.two_level.translate", "smmuv3,strtab") {
  if (!need_2level(t)) return;
  Options o;
  o.two_level = true;
  translate_case(t, o);
}
VIOMMU_TEST(two_level_split8, "smmuv3.two_level.split8_translate", "smmuv3,strtab") {
  if (!need_2level(t)) return;
  Options o;
  o.two_level = true;
  o.split = 8;
  o.strtab_log2 = 16;
  translate_case(t, o);
}
// body(e, edu, o) on a 2-level stream table (options o) whose L1STD for edu's StreamID the case edits.
template <typename F>
void with_two_level_edu(kernel::Test& t, F body) {
  if (!need_2level(t)) return;
  Options o;
  o.two_level = true;
  Env e(t, o);
  if (!e.ready()) return;
  if (DmaEndpoint* edu = need_edu(t)) body(e, edu, o);
}

VIOMMU_TEST(two_level_span0, "smmuv3.two_level.span0_c_bad_streamid", "smmuv3,strtab,fault") {
  with_two_level_edu(t, [&](Env& e, DmaEndpoint* edu, const Options&) {
    // An L1STD with Span = 0 is invalid: the StreamIDs it covers are out of range (§5.1).
    e.smmu->l1std(e.sid(edu))->words[0] = 0;
    if (!e.synced(e.smmu->cfgi_ste(e.sid(edu)), "CFGI_STE")) return;
    expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadStreamid, 0, kL1StdSpan0);
  });
}
VIOMMU_TEST(two_level_beyond_span, "smmuv3.two_level.index_beyond_span_c_bad_streamid", "smmuv3,strtab,fault") {
  with_two_level_edu(t, [&](Env& e, DmaEndpoint* edu, const Options& o) {
    const uint32_t sid = e.sid(edu);
    const uint32_t index = sid & ((1u << o.split) - 1);
    if (index == 0) return t.skip("edu's StreamID is the first of its level-2 table");
    // Span s gives a level-2 table of 2^(s-1) STEs (§5.1). Make it just too small for this StreamID, and make the
    // STE beyond it valid, so that an SMMU that reads it anyway (one sizing the table as 2^Span STEs) translates
    // instead of faulting. Such a StreamID is "deemed invalid" (§5.1.1): C_BAD_STREAMID (§7.3.3 condition 2d).
    Domain d;
    if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
    if (!e.write_ste(sid, d.make_ste())) return;
    const unsigned span = 32 - static_cast<unsigned>(__builtin_clz(index));  // 2^(span-1) <= index
    auto* l1 = e.smmu->l1std(sid);
    l1->set_span(span);
    if (!e.synced(e.smmu->cfgi_ste(sid), "CFGI_STE")) return;
    t.note("L2 index %u, Span %u: %u STEs", index, span, 1u << (span - 1));
    expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kCBadStreamid, e.target(0), kL1StdBeyondSpan);
  });
}
// §6.3.25 FMT selects the format of the table STRTAB_BASE points at, each time the SMMU is (re)programmed: a
// linear table programmed after a 2-level one is walked as linear.
VIOMMU_TEST(two_level_then_linear, "smmuv3.two_level.linear_after_two_level", "smmuv3,strtab") {
  if (!need_2level(t)) return;
  static constexpr kernel::Clause kFmt{kernel::Strength::kMust, "IHI0070 G.b §6.3.25 FMT",
      "Format of Stream table. | 0b00 | Linear - ADDR points to an array of STEs."};
  Options two;
  two.two_level = true;
  edu_translate(t, two, kTwoLevel);
  t.note("now the same through a linear stream table");
  edu_translate(t, Options{}, kFmt);
}
