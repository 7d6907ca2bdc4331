// smmuv3.strtab.* cases for substreams and 2-level CD tables (IHI 0070 §3.3.2, §5.2 S1Fmt/S1CDMax/S1DSS,
// §5.3 L1CD). The endpoints send no SubstreamID (no PASID prefix), so what is observable is the
// non-substream traffic of a stream whose STE enables substreams: S1DSS picks CD 0, bypass or termination,
// and with a 2-level CD table CD 0 is found through L1CD[0].
// All of this needs SMMU_IDR1.SSIDSIZE > 0: with SSIDSIZE = 0, S1Fmt and S1DSS are IGNORED and
// S1ContextPtr points to one CD (§5.2), so such an STE describes none of these behaviours and the cases SKIP.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::L1Cd;
using spec::smmuv3::S1Dss;
using spec::smmuv3::S1Fmt;
using spec::smmuv3::Ste;

bool substreams_ok(kernel::Test& t, Smmu* s, bool two_level) {
  const unsigned ssidsize = static_cast<unsigned>(s->idr1().ssidsize());
  if (ssidsize == 0) {
    t.skip("SMMU_IDR1.SSIDSIZE = 0: substreams not implemented; STE.S1Fmt and S1DSS are IGNORED and "
           "S1ContextPtr points to one CD (IHI 0070 5.2)");
    return false;
  }
  if (two_level && !s->idr0().cd2l()) {
    t.skip("SMMU_IDR0.CD2L = 0: 2-level CD tables not implemented (STE.S1Fmt != 0 is ILLEGAL)");
    return false;
  }
  return true;
}

// blk attached through an ordinary domain, then its STE rewritten by `edit` (substream fields); a device
// write and read at `iova` must land at `pa` (the model agrees first, in expect_ok).
template <typename F>
void substream_case(kernel::Test& t, bool two_level, F edit) {
  Env e(t);
  if (!e.ready() || !substreams_ok(t, e.smmu, two_level)) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  Ste s = d.make_ste();
  uint64_t iova = kIova, pa = e.target(0);
  uint64_t l1 = 0;
  const kernel::Clause* why = &kTranslate;
  if (!edit(e, d, s, l1, iova, pa, why)) return;
  if (e.write_ste(e.blk_sid, s)) {
    expect_ok(e, e.blk, iova, Dir::kDeviceWrites, pa, *why);
    expect_ok(e, e.blk, iova + 0x80, Dir::kDeviceReads, pa + 0x80, *why);
  }
  // Back to the plain STE before the L1 table goes away.
  d.attach(e.blk_sid);
  if (l1) kernel::DmaMemory::free(l1, kernel::kDmaMinBlock);
}

}  // namespace

VIOMMU_TEST(sub_s1dss_ssid0_linear, "smmuv3.strtab.s1dss_substream0_uses_cd0_linear", "smmuv3,strtab") {
  // S1CDMax = 1 (two CDs), S1DSS = Substream0: a transaction without SubstreamID uses CD 0 (§5.2 S1DSS).
  substream_case(t, false, [](Env&, Domain&, Ste& s, uint64_t&, uint64_t&, uint64_t&, const kernel::Clause*& why) {
    s.set_s1cdmax(1).set_s1dss(static_cast<uint64_t>(S1Dss::kSubstream0));
    why = &kS1DssSub0;
    return true;
  });
}

VIOMMU_TEST(sub_s1dss_bypass, "smmuv3.strtab.s1dss_bypass_non_substream_traffic", "smmuv3,strtab") {
  // S1DSS = Bypass: non-substream traffic skips stage 1, so the IOVA is the PA (the staging target).
  substream_case(t, false, [](Env& e, Domain&, Ste& s, uint64_t&, uint64_t& iova, uint64_t& pa,
                              const kernel::Clause*& why) {
    s.set_s1cdmax(1).set_s1dss(static_cast<uint64_t>(S1Dss::kBypass));
    iova = pa = e.target(3);
    why = &kS1DssBypass;
    return true;
  });
}

VIOMMU_TEST(sub_cd_2level, "smmuv3.strtab.cd_two_level_l1cd_to_cd0", "smmuv3,strtab") {
  // S1Fmt = 2-level with 4 KiB leaf tables (SPLIT 6, §5.2): CD 0 is entry 0 of the leaf table L1CD[0]
  // points to. The domain's CD table (one 4 KiB block, CD 0 first) serves as that leaf table.
  substream_case(t, true, [](Env& e, Domain& d, Ste& s, uint64_t& l1, uint64_t&, uint64_t&, const kernel::Clause*& why) {
    l1 = kernel::DmaMemory::alloc(kernel::kDmaMinBlock);
    if (!l1) {
      e.t.error("no DMA memory for the L1 CD table");
      return false;
    }
    why = &kCd2Level;
    L1Cd desc;
    desc.set_v(1).set_l2_address(d.cd_pa());
    kernel::DmaMemory::ptr<L1Cd>(l1)->words[0] = desc.words[0];
    arch::dma_wmb();
    s.set_s1fmt(static_cast<uint64_t>(S1Fmt::k2Level4K)).set_s1_context_address(l1);
    s.set_s1cdmax(1).set_s1dss(static_cast<uint64_t>(S1Dss::kSubstream0));
    return true;
  });
}
