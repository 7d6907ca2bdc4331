// smmuv3.isolation.*: a blocked endpoint reaches nothing; an unattached one is a C_BAD_STE; canaries around
// a target at an odd offset prove nothing stray was written. Two domains with one IOVA and the neighbour page
// are the kit's properties (smmuv3.property.isolation_same_iova, smmuv3.property.neighbour_page).
#include "drivers/endpoints/driver_dma.h"
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmuv3_tests;
using spec::smmuv3::EventType;

DmaEndpoint* need_rng(kernel::Test& t) {
  DmaEndpoint* rng = drivers::find_endpoint("virtio-rng");
  if (!rng) t.skip("no virtio-rng endpoint");
  else if (!drivers::dma_translated(rng)) {
    t.skip("virtio-rng DMA bypasses the SMMU (no VIRTIO_F_ACCESS_PLATFORM)");
    rng = nullptr;
  }
  return rng;
}

}  // namespace

VIOMMU_TEST(iso_blocked, "smmuv3.isolation.blocked_endpoint_reaches_nothing", "smmuv3,isolation") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* rng = need_rng(t);
  if (!rng) return;
  spec::smmuv3::Ste s;
  s.set_v(1).set_config(static_cast<uint64_t>(spec::smmuv3::SteConfig::kAbort));
  if (!e.write_ste(e.sid(rng), s)) return;
  // Physical addresses, IOVAs, the ring memory: nothing is reachable and nothing is recorded.
  expect_abort(e, rng, e.target(0), Dir::kDeviceWrites, e.target(0), kSteAbort, 256);
  expect_abort(e, rng, kIova, Dir::kDeviceWrites, 0, kSteAbort, 256);
}
VIOMMU_TEST(iso_unattached, "smmuv3.isolation.unattached_endpoint_c_bad_ste", "smmuv3,isolation,fault") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  // No STE written for edu (V = 0): even its physical addresses are unreachable.
  expect_fault(e, edu, e.target(4), Dir::kDeviceWrites, EventType::kCBadSte, e.target(4), kSteV);
}
VIOMMU_TEST(iso_canaries, "smmuv3.isolation.canaries_around_translated_write", "smmuv3,isolation") {
  Env e(t);
  if (!e.ready()) return;
  kernel::GuardedBuffer g;
  if (!g.allocate(kLen, 0x600)) return t.error("no DMA memory for a guarded buffer");
  Domain d;
  if (!e.init_domain(d, DomainConfig{})) return;
  const uint64_t page = g.pa() & ~uint64_t{0xfff};
  if (!e.mapped(d.map(kIova, page, 0x2000), "map") || !e.attach(d, e.blk)) return;
  expect_ok(e, e.blk, kIova + (g.pa() - page), Dir::kDeviceWrites, g.pa());
  long at = 0;
  t.check("dma.untouched", kTranslate, g.intact(&at), "canary damaged at payload offset %ld", at);
}
VIOMMU_TEST(iso_alias, "smmuv3.isolation.two_iovas_one_page", "smmuv3,isolation") {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) ||
      !e.mapped(d.map(kIova, e.target(0), 0x1000) && d.map(kIova + 0x20000, e.target(0), 0x1000), "map") ||
      !e.attach(d, e.blk))
    return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  expect_ok(e, e.blk, kIova + 0x20000, Dir::kDeviceWrites, e.target(0));
}
