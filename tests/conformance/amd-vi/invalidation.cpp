// amd-vi.inval.*: after a PTE change plus INVALIDATE_IOMMU_PAGES / INVALIDATE_IOMMU_ALL and
// COMPLETION_WAIT, the old translation must be gone (48882 §2.4.3, §2.4.8, §2.4.1, unverified: clauses.h).
#include "tests/conformance/amd-vi/amdvi_fixture.h"

using namespace amdvi_tests;  // NOLINT

namespace {

enum class How { kPages4k, kPagesRange, kAll };

void unmap_case(kernel::Test& t, uint16_t domain, How how) {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, domain);
  if (!a.ok()) return;
  const uint64_t x = kernel::DmaMemory::alloc(4096), y = kernel::DmaMemory::alloc(4096);
  if (!x || !y) return t.error("no DMA memory");
  a.pt().map_4k(0x2000, x);
  a.pt().map_4k(0x3000, y);
  translated_roundtrip(t, v, ep, a.devid(), 0x2000, x, 0x3000, y, 512);  // both translations now cached
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
  expect_blocked(t, v, ep, a.devid(), 0x2000, false, x, a.stage_pa(), kInvalidatePages);
  expect_blocked(t, v, ep, a.devid(), 0x3000, true, y, a.stage_pa(), kInvalidatePages);
  kernel::DmaMemory::free(x, 4096);
  kernel::DmaMemory::free(y, 4096);
}

}  // namespace

VIOMMU_TEST(amdvi_inval_pages, "amd-vi.inval.unmap_invalidate_pages", "amd-vi,dma") { unmap_case(t, 0x41, How::kPages4k); }
VIOMMU_TEST(amdvi_inval_range, "amd-vi.inval.unmap_invalidate_range_s1", "amd-vi,dma") {
  unmap_case(t, 0x42, How::kPagesRange);
}
VIOMMU_TEST(amdvi_inval_all, "amd-vi.inval.unmap_invalidate_all", "amd-vi,dma") { unmap_case(t, 0x43, How::kAll); }

VIOMMU_TEST(amdvi_inval_remap, "amd-vi.inval.remap_to_new_page", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x44);
  if (!a.ok()) return;
  // IOVA 0x3000 first maps page y, then page z; after invalidation the device writes to z only.
  const uint64_t x = kernel::DmaMemory::alloc(4096), y = kernel::DmaMemory::alloc(4096), z = kernel::DmaMemory::alloc(4096);
  if (!x || !y || !z) return t.error("no DMA memory");
  a.pt().map_4k(0x2000, x);
  a.pt().map_4k(0x3000, y);
  translated_roundtrip(t, v, ep, a.devid(), 0x2000, x, 0x3000, y, 512);
  a.pt().map_4k(0x3000, z);
  t.check("cmd.sync", kCompletionWait, v->invalidate_pages(0x44, 0x3000, false), "%s",
          "INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT did not complete");
  reinterpret_cast<volatile uint8_t*>(y)[0] = 0x11;
  translated_roundtrip(t, v, ep, a.devid(), 0x2000, x, 0x3000, z, 512, kInvalidatePages);
  t.check("dma.untouched", kInvalidatePages, reinterpret_cast<volatile uint8_t*>(y)[0] == 0x11,
          "the old page y (pa 0x%llx) was written after IOVA 0x3000 was remapped to z and invalidated (byte 0 = 0x%x)",
          static_cast<unsigned long long>(y), reinterpret_cast<volatile uint8_t*>(y)[0]);
  kernel::DmaMemory::free(x, 4096);
  kernel::DmaMemory::free(y, 4096);
  kernel::DmaMemory::free(z, 4096);
}

VIOMMU_TEST(amdvi_inval_perm, "amd-vi.inval.permission_downgrade", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x45);
  if (!a.ok()) return;
  const uint64_t x = kernel::DmaMemory::alloc(4096), y = kernel::DmaMemory::alloc(4096);
  if (!x || !y) return t.error("no DMA memory");
  a.pt().map_4k(0x2000, x);
  a.pt().map_4k(0x3000, y);
  translated_roundtrip(t, v, ep, a.devid(), 0x2000, x, 0x3000, y, 512);
  a.pt().map_4k(0x3000, y, true, false);  // read-only now
  t.check("cmd.sync", kCompletionWait, v->invalidate_pages(0x45, 0x3000, false), "%s",
          "INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT did not complete");
  expect_blocked(t, v, ep, a.devid(), 0x3000, true, y, a.stage_pa(), kInvalidatePages);
  kernel::DmaMemory::free(x, 4096);
  kernel::DmaMemory::free(y, 4096);
}
