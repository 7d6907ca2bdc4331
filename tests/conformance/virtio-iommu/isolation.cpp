// virtio-iommu.isolation.*: endpoints in different domains cannot reach each other's mappings
// (§5.13.6.3 "Endpoints attached to different domains are isolated from each other").
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

VIOMMU_TEST(vi_iso_other_domain, "virtio-iommu.isolation.other_domain_mapping", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1) || !s.attach_with_driver_memory(rng, 2)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  memset(a.data(), 0x42, s.page());
  // virtio-rng (domain 2) aims at domain 1's IOVA: R_MAPPING, and the page keeps its bytes.
  s.dma(rng, kIova, 256, kDevWrites);
  size_t changed = 0;
  for (size_t i = 0; i < s.page(); ++i) changed += a.data()[i] != 0x42;
  t.check(changed == 0, "%zu bytes of domain 1's page written by an endpoint of domain 2", changed);
}

VIOMMU_TEST(vi_iso_same_iova, "virtio-iommu.isolation.same_iova_different_pages", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf src, d1, d2;
  if (!src.alloc(s.page()) || !d1.alloc(s.page()) || !d2.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1) || !s.attach_with_driver_memory(rng, 2)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  s.map(1, kIova + s.page(), s.page(), d1.pa(), kRW);
  s.map(2, kIova + s.page(), s.page(), d2.pa(), kRW);
  // The same IOVA means different pages in the two domains.
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x41);
  memcpy(d2.data(), d1.data(), 4096);
  if (!s.dma(rng, kIova + s.page(), 4096, kDevWrites)) return;
  t.check(memcmp(d1.data(), src.data(), 4096) == 0,
          "domain 1's page changed when domain 2's endpoint wrote the same IOVA");
  t.check(memcmp(d2.data(), d1.data(), 4096) != 0, "domain 2's page did not receive virtio-rng's data");
}

VIOMMU_TEST(vi_iso_unmap, "virtio-iommu.isolation.unmap_then_dma", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  s.dma(blk, kIova, 4096, kDevReads);
  s.unmap(1, kIova, s.page());
  s.dma(blk, kIova, 4096, kDevReads);  // the old mapping is gone as soon as UNMAP completed
  s.map(1, kIova, s.page(), a.pa(), kR);
  s.dma(blk, kIova, 4096, kDevReads);  // and a new one takes effect at once
}

VIOMMU_TEST(vi_iso_detach_other, "virtio-iommu.isolation.detach_keeps_other_endpoint", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1) || !s.attach_with_driver_memory(rng, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  // rng leaves domain 1; the domain and its mapping stay for blk.
  s.detach(1, rng.id);
  s.dma(blk, kIova, 4096, kDevWrites);
}
