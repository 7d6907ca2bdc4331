// virtio-iommu.reset.*: §5.13.5 "When the device is reset, endpoints are not attached to any domain."
#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_reset_detaches, "virtio-iommu.reset.detaches_endpoints", "virtio-iommu,reset") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: an unattached endpoint would not bypass");
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk) return;
  // Device reset (status 0) and re-initialization by the driver; the model resets with it.
  const virtio::InitResult r = c.s.dev().init(vi::VirtioIommu::kWanted);
  if (!t.check("init", kDeviceReset, r == virtio::InitResult::kOk, "re-initialization failed: %s", virtio::to_string(r)))
    return;
  c.s.model().reset();
  c.s.model().negotiate(c.s.dev().negotiated());
  // The endpoint is unattached again: with config.bypass 1 it bypasses, so guest-physical addresses (not
  // mapped in domain 1) reach memory.
  c.s.roundtrip(c.blk, c.src.pa(), c.src, c.dst.pa(), 4096, 0x51, kNoMapping, &kResetDetaches);
  // Domain 1 lost its endpoint: it no longer exists, and MAP to it SHOULD be NOENT.
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW, kMapNoEnt);
}
