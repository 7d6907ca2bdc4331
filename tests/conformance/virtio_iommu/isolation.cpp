// virtio-iommu.isolation.*: what isolation means for virtio-iommu's own requests. The properties every
// IOMMU shares (one IOVA in two domains, unmap then DMA, remap, permission downgrade, neighbour page) are
// the kit's, run here as virtio-iommu.property.* (properties.cpp).
#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_iso_detach_other, "virtio-iommu.isolation.detach_keeps_other_endpoint", "virtio-iommu,isolation") {
  BlkCase c(t);
  if (!c.begin() || !c.join_rng() || c.s.map(1, kIova, c.pg(), c.dst.pa(), kRW) != kOk) return;
  // rng leaves domain 1; the domain and its mapping stay for blk (a domain ceases to exist only when
  // all its endpoints are detached, §5.13.6.4).
  if (c.s.detach(1, c.rng.id) != kOk) return;
  c.s.dma(c.blk, kIova, 4096, kDevWrites, &kMapAccess);
}
