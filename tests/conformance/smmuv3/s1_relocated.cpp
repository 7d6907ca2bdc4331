// smmuv3.s1.* cases whose input range cannot reach guest RAM, so the endpoint's driver-owned memory
// (virtqueue rings, request headers) and the staging block are mapped at other IOVAs and the driver is
// told (drivers/endpoints/driver_dma.h):
//   - the starting levels a small T0SZ gives (Arm ARM D8.2: 4 KiB granule from level 2 with T0SZ 34..39,
//     16 KiB and 64 KiB granules from level 3), with virtio-blk rings below 2^(64-T0SZ);
//   - EPD0 = 1 through virtio-blk: everything lives in the TTB1 range, a TTB0-range access faults.
#include "drivers/endpoints/driver_dma.h"
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::EventType;

// Where the relocated memory goes, as offsets from a base IOVA: the test page, the staging block, then
// the driver's ranges. Everything fits in 32 MiB (T0SZ = 39) with 64 KiB alignment.
constexpr uint64_t kTestOff = 0x40'0000;
constexpr uint64_t kStagingOff = 0x80'0000;
constexpr uint64_t kDriverOff = 0x100'0000;
constexpr uint64_t kDriverEnd = 0x200'0000;

// Maps blk's driver memory and the staging block at `base` + offsets in `d`, attaches blk, and points the
// driver at the new IOVAs. Restores identity IOVAs (and re-initialises the endpoint) when destroyed.
class Relocated {
 public:
  Relocated(Env& e, Domain& d, uint64_t base) : e_(e), ep_(e.blk) {
    const uint64_t g = uint64_t{1} << (((base >> 55) & 1) ? d.config().gshift1 : d.config().gshift0);
    n_ = drivers::driver_dma_ranges(ep_, r_, kMax);
    if (n_ > kMax) {
      e.t.error("%s has %u driver DMA ranges, more than %u", ep_->name(), static_cast<unsigned>(n_),
                static_cast<unsigned>(kMax));
      return;
    }
    uint64_t next = base + kDriverOff;
    for (size_t i = 0; i < n_; ++i) {
      // A range is 4 KiB aligned; map the granule-aligned region around it so iova and pa agree below
      // the granule (a leaf maps whole granules).
      const uint64_t lo = r_[i].pa & ~(g - 1), hi = (r_[i].pa + r_[i].len + g - 1) & ~(g - 1);
      iova_[i] = next + (r_[i].pa - lo);
      if (next + (hi - lo) > base + kDriverEnd || !d.map(next, lo, hi - lo)) {
        e.t.error("mapping driver range %u (pa 0x%lx + 0x%lx) at iova 0x%lx failed", static_cast<unsigned>(i),
                  static_cast<unsigned long>(r_[i].pa), static_cast<unsigned long>(r_[i].len),
                  static_cast<unsigned long>(next));
        return;
      }
      next += hi - lo;
    }
    if (!e.mapped(d.map(base + kStagingOff, e.staging, 0x10000), "mapping the staging block")) return;
    if (!e.synced(d.attach(e.blk_sid), "writing blk's STE")) return;
    drivers::set_driver_iova(ep_, iova_of, this);
    relocated_ = true;
    // Re-initialise the device so its ring addresses are the new IOVAs: the rings are reached through the
    // translation the case set up.
    if (!e.t.check("dma.status", kTranslate, drivers::reset_endpoint(ep_),
                   "%s did not re-initialise with its rings at iova 0x%lx", ep_->name(),
                   static_cast<unsigned long>(base + kDriverOff)))
      return;
    e.staging_iova = base + kStagingOff;
    ok_ = true;
  }
  ~Relocated() {
    e_.staging_iova = e_.staging;
    if (!relocated_) return;
    drivers::set_driver_iova(ep_, nullptr, nullptr);
    drivers::reset_endpoint(ep_);
  }
  bool ok() const { return ok_; }

 private:
  static uint64_t iova_of(void* ctx, uint64_t pa) {
    auto* self = static_cast<Relocated*>(ctx);
    for (size_t i = 0; i < self->n_; ++i)
      if (pa >= self->r_[i].pa && pa - self->r_[i].pa < self->r_[i].len) return self->iova_[i] + (pa - self->r_[i].pa);
    return pa;  // not driver memory: unchanged
  }
  static constexpr size_t kMax = 8;
  Env& e_;
  DmaEndpoint* ep_;
  drivers::DmaRange r_[kMax] = {};
  uint64_t iova_[kMax] = {};
  size_t n_ = 0;
  bool relocated_ = false, ok_ = false;
};

bool granule_ok(kernel::Test& t, Smmu* s, unsigned g) {
  const auto i5 = s->idr5();
  const bool ok = g == 12 ? i5.gran4k() : g == 14 ? i5.gran16k() : i5.gran64k();
  if (!ok) t.skip("SMMU_IDR5 does not advertise the %u KiB granule", 1u << (g - 10));
  return ok;
}

// Granule g, T0SZ tsz: the walk must start at `level` (D8.2, checked against the table the driver built),
// and a page at the bottom of the input range translates both ways. With `beyond`, the case is instead the
// first address past the input range.
void start_level_case(kernel::Test& t, unsigned g, unsigned tsz, unsigned level, bool beyond = false) {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, g)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = g;
  c.t0sz = tsz;
  if (!e.init_domain(dom, c)) return;
  // D8.2: levels = ceil((64 - T0SZ - g) / (g - 3)); the walk starts at 4 - levels (the driver's own tables).
  t.expect_eq("oracle", kernel::kSuite, level, dom.tt(0).start_level());
  const uint64_t pa = e.page64k();
  if (!pa || !e.mapped(dom.map(kTestOff, pa, uint64_t{1} << g), "mapping the test page")) return;
  Relocated r(e, dom, 0);
  if (!r.ok()) return;
  t.note("granule %u KiB, T0SZ %u (%u-bit input): walk starts at level %u", 1u << (g - 10), tsz, 64 - tsz,
         dom.tt(0).start_level());
  if (beyond) {
    // Just past the input range: VA[63:64-T0SZ] != 0, a Translation fault without a walk (§3.4.1).
    expect_fault(e, e.blk, uint64_t{1} << (64 - tsz), Dir::kDeviceWrites, EventType::kFTranslation, 0, kIaRange);
    return;
  }
  static constexpr kernel::Clause kStartLevel{kernel::Strength::kMust, "DDI0487 M.a.a D8.2 Table D8-16",
      "For each lookup level supported by the 4KB translation granule, the following table describes the translation "
      "table properties at that level."};
  expect_ok(e, e.blk, kTestOff + 0x600, Dir::kDeviceWrites, pa + 0x600, kStartLevel);
  expect_ok(e, e.blk, kTestOff + 0x200, Dir::kDeviceReads, pa + 0x200, kStartLevel);
}

}  // namespace

VIOMMU_TEST(s1_4k_l2_t0sz34, "smmuv3.s1.4k_start_level2_t0sz34", "smmuv3,s1") { start_level_case(t, 12, 34, 2); }
VIOMMU_TEST(s1_4k_l2_t0sz39, "smmuv3.s1.4k_start_level2_t0sz39", "smmuv3,s1") { start_level_case(t, 12, 39, 2); }
VIOMMU_TEST(s1_16k_l3_t0sz39, "smmuv3.s1.16k_start_level3_t0sz39", "smmuv3,s1") { start_level_case(t, 14, 39, 3); }
VIOMMU_TEST(s1_64k_l3_t0sz36, "smmuv3.s1.64k_start_level3_t0sz36", "smmuv3,s1") { start_level_case(t, 16, 36, 3); }
VIOMMU_TEST(s1_64k_l3_t0sz39, "smmuv3.s1.64k_start_level3_t0sz39", "smmuv3,s1") { start_level_case(t, 16, 39, 3); }
VIOMMU_TEST(s1_4k_t0sz39_beyond, "smmuv3.s1.translation_fault_beyond_t0sz39_25bit", "smmuv3,s1,fault") {
  start_level_case(t, 12, 39, 2, true);
}

VIOMMU_TEST(s1_epd0_virtio, "smmuv3.s1.epd0_virtio_blk_rings_in_ttb1", "smmuv3,s1,fault") {
  Env e(t);
  if (!e.ready()) return;
  Domain dom;
  DomainConfig c;
  c.epd0 = true;  // §5.4 EPD0: no TTB0 walks, a TTB0-range access is a Translation fault
  c.ttb1 = true;
  if (!e.init_domain(dom, c)) return;
  // With T1SZ = 16 the TTB1 range is VA[63:48] all ones; everything the device touches lives there.
  const uint64_t base = 0xffff'ff80'0000'0000ull;
  const uint64_t pa = e.page64k();
  if (!pa || !e.mapped(dom.map(base + kTestOff, pa, 0x1000), "mapping the test page")) return;
  Relocated r(e, dom, base);
  if (!r.ok()) return;
  expect_ok(e, e.blk, base + kTestOff + 0x100, Dir::kDeviceWrites, pa + 0x100, kTtbSelect);
  if (t.failed()) return;  // the rings are unreachable: every further DMA would only time out
  expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFTranslation, 0, kEpd);
  // The same low bits as the mapped page, in the TTB0 range: still no walk.
  expect_fault(e, e.blk, kTestOff, Dir::kDeviceReads, EventType::kFTranslation, 0, kEpd);
}
