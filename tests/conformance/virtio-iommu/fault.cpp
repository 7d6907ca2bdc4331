// virtio-iommu.fault.*: fault reports on the event queue (§5.13.6.9), field by field against the model.
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

VIOMMU_TEST(vi_fault_unmapped_read, "virtio-iommu.fault.unmapped_device_read", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  // The source is mapped nowhere: R_MAPPING at the IOVA, and its bytes must not reach the endpoint.
  s.map(1, kIova + 16 * s.page(), s.page(), dst.pa(), kRW);
  s.roundtrip(blk, kIova + 3 * s.page(), src, kIova + 16 * s.page(), 512, 0x32);
}

VIOMMU_TEST(vi_fault_unmapped_write, "virtio-iommu.fault.unmapped_device_write", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk || !s.attach_with_driver_memory(blk, 1)) return;
  s.dma(blk, kIova + 0x5000, 512, kDevWrites);
}

VIOMMU_TEST(vi_fault_direction, "virtio-iommu.fault.direction_flags_unmapped", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk || !s.attach_with_driver_memory(blk, 1)) return;
  // Model C14: F_READ / F_WRITE name the faulting access for every fault, not only permission faults.
  s.dma(blk, kIova, 512, kDevReads, true);
  s.dma(blk, kIova, 512, kDevWrites, true);
}

VIOMMU_TEST(vi_fault_page_cross, "virtio-iommu.fault.page_crossing_address", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  // Two pages from the mapped one into the unmapped next: the fault names the first unmapped byte.
  s.dma(blk, kIova, 2 * s.page(), kDevWrites);
}

VIOMMU_TEST(vi_fault_below_mapping, "virtio-iommu.fault.one_byte_below_mapping", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf two;
  if (!two.alloc(2 * s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  // Only the second page of `two` is mapped, at kIova + page. A DMA starting one byte below the mapping
  // must fault at that byte; the last byte of the first page (just below the mapped PA) must not change.
  s.map(1, kIova + s.page(), s.page(), two.pa() + s.page(), kRW);
  memset(two.data(), 0xe7, 2 * s.page());
  s.dma(blk, kIova + s.page() - 1, 512, kDevWrites);
  t.expect_eq("byte below the mapped page", 0xe7, two.data()[s.page() - 1]);
}

VIOMMU_TEST_T(vi_fault_domain, "virtio-iommu.fault.unattached_no_bypass", "virtio-iommu,fault,edu", 20000) {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  Ep edu = s.need("edu");
  if (!edu) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  // Before any ATTACH, with bypass off: R_DOMAIN for the endpoint's first access (§5.13.6.9).
  s.set_bypass(0);
  s.dma(edu, a.pa(), 128, kDevReads);
}

VIOMMU_TEST(vi_fault_before_attach_bypass, "virtio-iommu.fault.before_attach_bypass", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  // Not attached and bypass 1: guest-physical addresses, no fault report.
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x31);
}
