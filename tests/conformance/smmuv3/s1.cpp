// smmuv3.s1.*: stage-1 translation (IHI 0070 §3.4 / Arm ARM D8): every granule the SMMU advertises, the
// starting levels, pages and blocks, TTB0/TTB1 selection, EPD, and each stage-1 fault with its full record.
#include "spec/smmuv3/pte.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::EventType;
using spec::vmsa::Descriptor;

bool granule_ok(kernel::Test& t, Smmu* s, unsigned g) {
  const auto i5 = s->idr5();
  const bool ok = g == 12 ? i5.gran4k() : g == 14 ? i5.gran16k() : i5.gran64k();
  if (!ok) t.skip("SMMU_IDR5 does not advertise the %u KiB granule", 1u << (g - 10));
  return ok;
}

// Page mapping with granule g and T0SZ tsz at `iova`; the device writes (or reads) through it.
void page_case(kernel::Test& t, unsigned g, unsigned tsz, uint64_t iova, Dir d) {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, g)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = g;
  c.t0sz = tsz;
  if (!e.init_domain(dom, c)) return;
  t.note("granule %u KiB, T0SZ %u: walk starts at level %u", 1u << (g - 10), tsz, dom.tt(0).start_level());
  const uint64_t pa = e.page64k();  // aligned for every granule
  if (!t.check(pa != 0 && dom.map(iova, pa, 1u << g), "map failed") || !e.attach(dom, e.blk)) return;
  // Inside the page at an offset: the page offset passes through untranslated (D8.3).
  expect_ok(e, e.blk, iova + 0xa00, d, pa + 0xa00);
}

// A block at `level` mapping the naturally aligned region that contains a staging target.
void block_case(kernel::Test& t, unsigned g, unsigned level) {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, g)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = g;
  if (!e.init_domain(dom, c)) return;
  const uint64_t size = uint64_t{1} << dom.tt(0).level_shift(level);
  const uint64_t pa = e.target(2);
  const uint64_t base_pa = pa & ~(size - 1);
  const uint64_t iova = kIova & ~(size - 1);
  if (!t.check(dom.map_block(iova, base_pa, level), "map_block failed") || !e.attach(dom, e.blk)) return;
  t.note("level-%u block of 0x%lx bytes: iova 0x%lx -> 0x%lx", level, static_cast<unsigned long>(size),
         static_cast<unsigned long>(iova), static_cast<unsigned long>(base_pa));
  expect_ok(e, e.blk, iova + (pa - base_pa), Dir::kDeviceWrites, pa);
}

}  // namespace

VIOMMU_TEST(s1_4k_page_write, "smmuv3.s1.4k_page_device_write", "smmuv3,s1") { page_case(t, 12, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_4k_page_read, "smmuv3.s1.4k_page_device_read", "smmuv3,s1") { page_case(t, 12, 16, kIova, Dir::kDeviceReads); }
VIOMMU_TEST(s1_16k_page_write, "smmuv3.s1.16k_page_device_write", "smmuv3,s1") { page_case(t, 14, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_16k_page_read, "smmuv3.s1.16k_page_device_read", "smmuv3,s1") { page_case(t, 14, 16, kIova, Dir::kDeviceReads); }
VIOMMU_TEST(s1_64k_page_write, "smmuv3.s1.64k_page_device_write", "smmuv3,s1") { page_case(t, 16, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_64k_page_read, "smmuv3.s1.64k_page_device_read", "smmuv3,s1") { page_case(t, 16, 16, kIova, Dir::kDeviceReads); }
