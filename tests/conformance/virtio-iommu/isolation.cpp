// virtio-iommu.isolation.*: endpoints in different domains cannot reach each other's mappings
// (§5.13.6.3 "Endpoints attached to different domains are isolated from each other"), and a removed
// mapping is gone (§5.13.6.6).
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
  if (!s.alloc({&a}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1) || !s.attach_with_driver_memory(rng, 2)) return;
  if (s.map(1, kIova, s.page(), a.pa(), kRW) != kOk) return;
  memset(a.data(), 0x42, s.page());
  // virtio-rng (domain 2) aims at domain 1's IOVA: R_MAPPING, and the page keeps its bytes.
  s.dma(rng, kIova, 256, kDevWrites);
  s.untouched(kIsolation, a, 0, s.page(), 0x42, "domain 1's page after a write by an endpoint of domain 2");
}

VIOMMU_TEST(vi_iso_same_iova, "virtio-iommu.isolation.same_iova_different_pages", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf src, d1, d2;
  if (!s.alloc({&src, &d1, &d2}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1) || !s.attach_with_driver_memory(rng, 2)) return;
  if (s.map(1, kIova, s.page(), src.pa(), kRW) != kOk || s.map(1, kIova + s.page(), s.page(), d1.pa(), kRW) != kOk ||
      s.map(2, kIova + s.page(), s.page(), d2.pa(), kRW) != kOk)
    return;
  // The same IOVA means different pages in the two domains.
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x41);
  memcpy(d2.data(), d1.data(), 4096);
  if (!s.dma(rng, kIova + s.page(), 4096, kDevWrites)) return;
  t.check("dma.untouched", kIsolation, memcmp(d1.data(), src.data(), 4096) == 0,
          "domain 1's page changed when domain 2's endpoint wrote the same IOVA");
  t.check("dma.data", kMapPa, memcmp(d2.data(), d1.data(), 4096) != 0, "domain 2's page did not receive virtio-rng's data");
}

VIOMMU_TEST(vi_iso_unmap, "virtio-iommu.isolation.unmap_then_dma", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a, dst;
  if (!s.alloc({&a, &dst}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1)) return;
  if (s.map(1, kIova, s.page(), a.pa(), kRW) != kOk || s.map(1, kIova + 8 * s.page(), s.page(), dst.pa(), kRW) != kOk)
    return;
  s.roundtrip(blk, kIova, a, kIova + 8 * s.page(), 4096, 0x43);
  if (s.unmap(1, kIova, s.page()) != kOk) return;
  // The old mapping is gone as soon as UNMAP completed: a's bytes no longer reach the endpoint...
  s.roundtrip(blk, kIova, a, kIova + 8 * s.page(), 4096, 0x44, kUnmapRemoves);
  // ...and a new one takes effect at once.
  if (s.map(1, kIova, s.page(), a.pa(), kR) != kOk) return;
  s.roundtrip(blk, kIova, a, kIova + 8 * s.page(), 4096, 0x45);
}

VIOMMU_TEST(vi_iso_detach_other, "virtio-iommu.isolation.detach_keeps_other_endpoint", "virtio-iommu,isolation") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf a;
  if (!s.alloc({&a}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1)) return;
  if (s.attach(1, rng.id, 0, Permit(kAttachShared).also(bit(sv::Status::kUnsupp))) != kOk) return;
  if (!s.map_driver_memory(rng, 1) || s.map(1, kIova, s.page(), a.pa(), kRW) != kOk) return;
  // rng leaves domain 1; the domain and its mapping stay for blk (a domain ceases to exist only when
  // all its endpoints are detached, §5.13.6.4).
  if (s.detach(1, rng.id) != kOk) return;
  s.dma(blk, kIova, 4096, kDevWrites, &kMapAccess);
}
