// smmuv3.isolation.*: endpoints in different domains cannot reach each other's pages; a blocked endpoint
// reaches nothing; canaries around every target prove nothing stray was written.
#include "drivers/endpoints/driver_dma.h"
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmu_tests;
using spec::smmuv3::EventRecord;
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

bool page_is(const uint8_t* p, size_t len, uint8_t v) {
  for (size_t i = 0; i < len; ++i)
    if (p[i] != v) return false;
  return true;
}
}  // namespace

VIOMMU_TEST(iso_two_domains, "smmuv3.isolation.two_domains_private_pages", "smmuv3,isolation") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* rng = need_rng(t);
  if (!rng) return;
  Domain a, b;
  DomainConfig cb;
  cb.asid = 2;
  if (!e.init_domain(a, DomainConfig{}) || !e.init_domain(b, cb)) return;
  // Same IOVA in both domains, different pages; rng's domain maps only its own page.
  if (!e.mapped(a.map(kIova, e.target(0), 0x1000) && b.map(kIova, e.target(1), 0x1000), "map")) return;
  if (!e.attach(a, e.blk) || !e.attach(b, rng)) return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  uint8_t* mine = kernel::DmaMemory::ptr<uint8_t>(e.target(0));
  uint8_t* theirs = kernel::DmaMemory::ptr<uint8_t>(e.target(1));
  for (size_t i = 0; i < 0x1000; ++i) theirs[i] = 0x11;
  for (size_t i = 0; i < 256; ++i) mine[i] = 0x22;
  arch::dma_wmb();
  // rng writes its own kIova (random data): lands in target(1) only, through rng's own stream's tables.
  static constexpr kernel::Clause kOwnTables{kernel::Strength::kMust, "IHI0070 G.b §3.3",
      "The StreamID of an incoming transaction locates an STE."};
  const auto o = e.predict(e.sid(rng), kIova, true);
  t.expect_eq("oracle", kernel::kSuite, e.target(1), o.pa);
  t.check("dma.status", kOwnTables, rng->write(kIova, 256) == drivers::DmaStatus::kOk, "rng DMA to its own page failed");
  arch::dma_rmb();
  t.check("dma.data", kOwnTables, !page_is(theirs, 256, 0x11), "rng's write did not reach its own page 0x%lx",
          static_cast<unsigned long>(e.target(1)));
  t.check("dma.untouched", kOwnTables, page_is(mine, 256, 0x22), "rng's write reached blk's page 0x%lx",
          static_cast<unsigned long>(e.target(0)));
  EventRecord ev;
  t.check("event.none", kNoEventOnSuccess, !e.smmu->pop_event(ev), "rng's translated write recorded event 0x%02x",
          static_cast<unsigned>(ev.type()));
  // rng at an IOVA only blk's domain maps: Translation fault in rng's domain.
  if (!e.mapped(a.map(kIova + 0x1000, e.target(2), 0x1000), "map")) return;
  if (!e.synced(a.tlbi_va(kIova + 0x1000), "TLBI_NH_VA")) return;
  expect_fault(e, rng, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, e.target(2), kOwnTables);
}
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
VIOMMU_TEST(iso_neighbour_page, "smmuv3.isolation.neighbour_page_unmapped_faults", "smmuv3,isolation,fault") {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  // One page mapped; the page right after it (physically target(1)) is not reachable through kIova+4K.
  expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, e.target(1), kInvalidDesc);
  expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceReads, EventType::kFTranslation, e.target(1), kInvalidDesc);
  expect_fault(e, e.blk, kIova - 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kInvalidDesc);
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
