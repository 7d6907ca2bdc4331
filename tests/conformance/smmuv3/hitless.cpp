// smmuv3.hitless.*: an STE changed with single-copy-atomic 64-bit writes of word 0 (IHI 0070 §3.21.3.1) between
// bypass, translating and abort, plus CFGI_STE and CMD_SYNC, while another endpoint keeps DMAing: no
// spurious fault, no torn configuration, each DMA behaving as the configuration of the moment says. Moving a
// live stream from one stage-1 domain to another (the S1ContextPtr store) is the kit's
// smmuv3.property.hitless_move.
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmuv3_tests;
using spec::smmuv3::Ste;
using spec::smmuv3::SteConfig;

// Word 0 of an STE for each configuration: the S1 fields (ContextPtr, Fmt, CDMax) live in word 0 too, so the
// switch is one 64-bit store; words 1..3 are shared by all three.
uint64_t word0(const Ste& translate, SteConfig c) {
  Ste s = translate;
  s.set_config(static_cast<uint64_t>(c));
  return s.words[0];
}

void switch_case(kernel::Test& t, bool other_endpoint) {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  // blk keeps translating through d the whole time; edu's STE (or blk's, when !other_endpoint) switches.
  if (!e.attach(d, e.blk)) return;
  const uint32_t sid = other_endpoint ? e.sid(edu) : e.blk_sid;
  DmaEndpoint* sw = other_endpoint ? edu : e.blk;
  if (other_endpoint && !e.attach(d, edu)) return;
  const Ste tr = d.make_ste();
  const SteConfig seq[] = {SteConfig::kS1Trans, SteConfig::kBypass, SteConfig::kS1Trans, SteConfig::kAbort,
                           SteConfig::kBypass, SteConfig::kS1Trans};
  for (SteConfig c : seq) {
    volatile uint64_t* w = e.smmu->ste(sid)->words.data();
    *w = word0(tr, c);
    arch::dma_wmb();
    if (!e.synced(e.smmu->cfgi_ste(sid), "CFGI_STE")) return;
    // The endpoint being switched: DMA per the current configuration. Bypass targets the physical page.
    if (other_endpoint || c != SteConfig::kAbort) {
      const uint64_t iova = c == SteConfig::kBypass ? e.target(3) : kIova;
      check_dma(e, sw, iova, Dir::kDeviceWrites, c == SteConfig::kBypass ? e.target(3) : e.target(0), kHitless);
    }
    // The bystander keeps working without an event.
    if (other_endpoint) expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0), kHitless);
  }
}
}  // namespace

VIOMMU_TEST(hitless_other, "smmuv3.hitless.switching_one_stream_leaves_another_alone", "smmuv3,hitless") {
  switch_case(t, true);
}
VIOMMU_TEST(hitless_self, "smmuv3.hitless.bypass_translate_switch_same_stream", "smmuv3,hitless") {
  switch_case(t, false);
}
VIOMMU_TEST(hitless_remap_live, "smmuv3.hitless.replace_leaf_while_in_use", "smmuv3,hitless") {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  // The leaf's output address changes valid-to-valid between DMAs, each change followed by TLBI + CMD_SYNC before
  // the next DMA starts: no DMA is in flight during a change (so the break-before-make rule of §3.21.1.1 for a
  // change of output address has no in-flight access to protect), and after the CMD_SYNC only the new
  // translation may be used (§4.7.3).
  for (unsigned i = 0; i < 4; ++i) {
    const uint64_t pa = e.target(i & 1 ? 6 : 0);
    if (!e.mapped(d.map(kIova, pa, 0x1000), "remap")) return;
    if (!e.synced(d.tlbi_va(kIova), "TLBI_NH_VA")) return;
    expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, pa, kTlbiComplete);
  }
}
