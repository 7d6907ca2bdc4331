// intel-vtd.cm.*: caching mode (VT-d §6.1, CAP.CM). With CM=1 (configuration intel-vtd-cm) the unit may cache
// not-present entries: after a not-present -> present change the new entry must be used once the caches are
// invalidated; before that either outcome is permitted (OPEN: the case notes what the device did). With CM=0 it
// caches no not-present entry: the new entry is used at once.
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

constexpr uint64_t kHole = kTestIova + 7 * kPage;  // not mapped until the case maps it

// Where a device write at an IOVA that just became mapped went: the new page holds the pattern (the new entry
// was used), or is untouched (the cached not-present entry was), or neither (a check fails).
enum class Seen : uint8_t { kNew, kCachedNotPresent, kNeither };

Seen write_through(kernel::Test& t, Domain& d, uint64_t iova, uint64_t pa) {
  const size_t len = 256;
  const uint8_t seed = next_seed();
  volatile uint8_t* dst = reinterpret_cast<volatile uint8_t*>(pa);
  for (size_t i = 0; i < len; ++i) dst[i] = 0;
  kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kTranslate, kPermission});
  if (!probe.load(len, seed)) {
    t.error("could not load %s through the staging area", d.ep()->name());
    return Seen::kNeither;
  }
  arch::dma_wmb();
  const drivers::DmaStatus st = d.ep()->write(iova, len);
  arch::dma_rmb();
  size_t same = 0, zero = 0;
  for (size_t i = 0; i < len; ++i) {
    same += dst[i] == kit::pattern(seed, i);
    zero += dst[i] == 0;
  }
  t.note("%s write at iova 0x%llx: %s, %zu of %zu bytes arrived", d.ep()->name(), static_cast<unsigned long long>(iova),
         drivers::to_string(st), same, len);
  if (same == len) return Seen::kNew;
  if (zero == len) return Seen::kCachedNotPresent;
  return Seen::kNeither;
}

// A write at kHole faults first (the unit may now hold the not-present entry), then kHole is mapped to `page`.
bool fault_then_map(kernel::Test& t, IntelVtd* v, Domain& d, const DmaBlock& page) {
  if (!page.pa) {
    t.error("no DMA memory for the page to map");
    return false;
  }
  expect_fault(t, v, d, kHole, kDeviceWrites, 0, kNotPresent);
  v->clear_faults();
  if (!d.map(kHole, page.pa, kPage, kit::Perm::kReadWrite)) {
    t.error("could not map iova 0x%llx", static_cast<unsigned long long>(kHole));
    return false;
  }
  return true;
}

}  // namespace

VIOMMU_TEST(intel_vtd_cm_pte, "intel-vtd.cm.pte_not_present_to_present", "intel-vtd") {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (!v->cap().cm()) return t.skip("CAP.CM=0 (configuration intel-vtd-cm turns caching mode on)");
  DmaBlock page(kPage);
  with_domain(t, v->max_agaw(), 31, [&](IntelVtd* vv, Domain& d) {
    if (!fault_then_map(t, vv, d, page)) return;
    const Seen before = write_through(t, d, kHole, page.pa);
    t.check("cm.before_invalidation", kCmMayCache, before != Seen::kNeither,
            "the write at the newly mapped iova neither reached its page whole nor left it untouched");
    t.choice("cm.cached_not_present", kCmMayCache, before == Seen::kCachedNotPresent,
             "before the invalidation the unit used %s",
             before == Seen::kNew ? "the new entry (nothing cached)" : "a cached not-present entry");
    vv->clear_faults();
    if (!d.invalidate(kHole, kPage)) return t.error("page-selective invalidation failed: %s", vv->last_error());
    expect_translated_one(t, vv, d, kDeviceWrites, kHole, page.pa, 256, kCmInvalidation);
  });
}

VIOMMU_TEST(intel_vtd_cm_context, "intel-vtd.cm.context_not_present_to_present", "intel-vtd") {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (!v->cap().cm()) return t.skip("CAP.CM=0 (configuration intel-vtd-cm turns caching mode on)");
  // edu: its DMA goes only where the case points it (virtio-blk would fault first on its rings).
  with_domain(t, v->max_agaw(), 32, [&](IntelVtd* vv, Domain& d) {
    // The context entry goes away (invalidated), a DMA faults (FR 02h: the entry may now be cached as not
    // present), then it comes back without an invalidation.
    if (!vv->clear_context_entry(d.sid())) return t.error("could not clear the context entry: %s", vv->last_error());
    // Every access of the device is blocked now, the staging area's too: this read is judged by its record.
    t.note("%s read at iova 0x%llx: %s", d.ep()->name(), static_cast<unsigned long long>(kStageIova),
           drivers::to_string(d.ep()->read(kStageIova, 64)));
    expect_fault_record(t, vv, d.sid(), kStageIova, kDeviceReads, s::FaultReason::kContextNotPresent);
    vv->clear_faults();
    vv->write_context_entry_raw(d.sid(), d.context());
    // Either outcome is permitted: the load is observed, not judged (a DmaProbe would judge its status).
    const bool loaded = d.ep()->read(kStageIova, 64) == drivers::DmaStatus::kOk;
    t.choice("cm.cached_not_present", kCmMayCache, !loaded, "before the invalidation the unit used %s",
             loaded ? "the new context entry" : "a cached not-present context entry");
    vv->clear_faults();
    // Device-selective context-cache invalidation, then the domain's IOTLB: the entry must be used.
    if (!vv->invalidate_context(s::Granularity::kSelective, d.did(), d.sid(), 0) ||
        !vv->invalidate_iotlb(s::Granularity::kDomain, d.did()))
      return t.error("invalidation failed: %s", vv->last_error());
    DmaBlock page(kPage);
    if (!page.pa || !d.map(kHole, page.pa, kPage, kit::Perm::kReadWrite) || !d.invalidate(kHole, kPage))
      return t.error("could not map a page");
    expect_translated_one(t, vv, d, kDeviceWrites, kHole, page.pa, 256, kCmInvalidation);
  }, "edu");
}

VIOMMU_TEST(intel_vtd_cm0, "intel-vtd.cm.cm0_not_present_not_cached", "intel-vtd") {
  IntelVtd* v = need_iommu(t);
  if (!v) return;
  if (v->cap().cm()) return t.skip("CAP.CM=1: not-present entries may be cached (intel-vtd.cm.* cover it)");
  DmaBlock page(kPage);
  with_domain(t, v->max_agaw(), 33, [&](IntelVtd* vv, Domain& d) {
    if (!fault_then_map(t, vv, d, page)) return;
    // No IOTLB invalidation: only the write buffers, where the unit asks for that (CAP.RWBF).
    if (!vv->flush_write_buffer()) return t.error("write-buffer flush failed: %s", vv->last_error());
    expect_translated_one(t, vv, d, kDeviceWrites, kHole, page.pa, 256, kCmNotPresentUncached);
  });
}
