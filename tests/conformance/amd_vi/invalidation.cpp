// amd-vi.inval.*: after a PTE change plus INVALIDATE_IOMMU_PAGES (one page, an S=1 range) or
// INVALIDATE_IOMMU_ALL and COMPLETION_WAIT, the old translation must be gone (48882 §2.4.3, §2.4.8, §2.4.1,
// unverified: clauses.h). Remapping and permission downgrades are the kit's amd-vi.property.* cases.
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT

namespace {

enum class How { kPages4k, kPagesRange, kAll };

void unmap_case(kernel::Test& t, uint16_t domain, How how) {
  with_domain(t, 3, domain, [&](AmdVi* v, Domain& a) {
    const DmaBlock x(kPage), y(kPage);
    if (!x.pa || !y.pa) return t.error("no DMA memory");
    a.pt().map_4k(0x2000, x.pa);
    a.pt().map_4k(0x3000, y.pa);
    expect_translated(t, v, a.requester(), 0x2000, x.pa, 0x3000, y.pa, 512);  // both translations now cached
    a.pt().unmap(0x2000);
    a.pt().unmap(0x3000);
    bool done = false;
    switch (how) {
      case How::kPages4k:
        done = v->invalidate_pages(domain, 0x2000, false);
        done = done && v->invalidate_pages(domain, 0x3000, false);
        break;
      case How::kPagesRange: done = v->invalidate_pages(domain, 0x2000, true); break;  // S=1: 8 KiB 0x2000..0x3fff
      case How::kAll: done = v->invalidate_all(); break;
    }
    t.check("cmd.sync", kCompletionWait, done, "%s", "invalidation + COMPLETION_WAIT did not complete");
    expect_blocked(t, v, a.requester(), 0x2000, kDeviceReads, x.pa, kInvalidatePages);
    expect_blocked(t, v, a.requester(), 0x3000, kDeviceWrites, y.pa, kInvalidatePages);
  });
}

}  // namespace

VIOMMU_TEST(amd_vi_inval_pages, "amd-vi.inval.unmap_invalidate_pages", "amd-vi,dma") { unmap_case(t, 0x41, How::kPages4k); }
VIOMMU_TEST(amd_vi_inval_range, "amd-vi.inval.unmap_invalidate_range_s1", "amd-vi,dma") {
  unmap_case(t, 0x42, How::kPagesRange);
}
VIOMMU_TEST(amd_vi_inval_all, "amd-vi.inval.unmap_invalidate_all", "amd-vi,dma") { unmap_case(t, 0x43, How::kAll); }
