// virtio-iommu.reset.*: §5.13.5 "When the device is reset, endpoints are not attached to any domain."
#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

VIOMMU_TEST(vi_reset_detaches, "virtio-iommu.reset.detaches_endpoints", "virtio-iommu,reset") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  // Device reset (status 0) and re-initialization by the driver; the model resets with it.
  if (!t.check(s.dev().init(vi::VirtioIommu::kWanted) == virtio::InitResult::kOk, "re-initialization failed")) return;
  s.model().reset();
  s.model().negotiate(s.dev().negotiated());
  // Domain 1 is gone with its mappings: MAP to it is NOENT.
  s.map(1, kIova + s.page(), s.page(), dst.pa(), kRW);
  // And the endpoint is unattached again: bypass (config.bypass 1) or an R_DOMAIN fault, as the model says.
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x51);
}
