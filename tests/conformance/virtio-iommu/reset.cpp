// virtio-iommu.reset.*: §5.13.5 "When the device is reset, endpoints are not attached to any domain."
#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

VIOMMU_TEST(vi_reset_detaches, "virtio-iommu.reset.detaches_endpoints", "virtio-iommu,reset") {
  Session s(t);
  if (!s.begin()) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: an unattached endpoint would not bypass");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!s.alloc({&src, &dst}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1) || s.map(1, kIova, s.page(), src.pa(), kRW) != kOk) return;
  // Device reset (status 0) and re-initialization by the driver; the model resets with it.
  const virtio::InitResult r = s.dev().init(vi::VirtioIommu::kWanted);
  if (!t.check("init", kDeviceReset, r == virtio::InitResult::kOk, "re-initialization failed: %s", virtio::to_string(r)))
    return;
  s.model().reset();
  s.model().negotiate(s.dev().negotiated());
  // The endpoint is unattached again: with config.bypass 1 it bypasses, so guest-physical addresses (not
  // mapped in domain 1) reach memory.
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x51, kNoMapping, &kResetDetaches);
  // Domain 1 lost its endpoint: it no longer exists, and MAP to it SHOULD be NOENT.
  s.map(1, kIova + s.page(), s.page(), dst.pa(), kRW, kMapNoEnt);
}
