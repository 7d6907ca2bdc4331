// virtio-iommu.fault.*: blocked accesses and their fault reports on the event queue (§5.13.6.9). A report
// is optional ("The device can report"); when one arrives its fields are judged against the model. What
// a blocked access must not do (reach memory) is judged whether or not a report arrives: the IOVAs here
// are buffers' own physical addresses, so an access that slipped through untranslated would show.
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_fault_unmapped_read, "virtio-iommu.fault.unmapped_device_read", "virtio-iommu,fault") {
  BlkCase c(t);
  if (!c.begin()) return;
  // src is mapped nowhere (its address is the IOVA): R_MAPPING, and its bytes must not reach the endpoint.
  if (c.s.map(1, kIova + 16 * c.pg(), c.pg(), c.dst.pa(), kRW) != kOk) return;
  c.s.roundtrip(c.blk, c.src.pa(), c.src, kIova + 16 * c.pg(), 512, 0x32);
}

VIOMMU_TEST(vi_fault_unmapped_write, "virtio-iommu.fault.unmapped_device_write", "virtio-iommu,fault") {
  BlkCase c(t);
  if (!c.begin()) return;
  memset(c.dst.data(), 0x4c, c.pg());
  c.s.dma(c.blk, c.dst.pa(), 512, kDevWrites);
  c.s.untouched(kNoMapping, c.dst, 0, 512, 0x4c, "a page written at an unmapped IOVA equal to its address");
}

VIOMMU_TEST(vi_fault_page_cross, "virtio-iommu.fault.page_crossing_address", "virtio-iommu,fault") {
  BlkCase c(t);
  if (!c.begin() || c.s.map(1, kIova, c.pg(), c.dst.pa(), kRW) != kOk) return;
  // Two pages from the mapped one into the unmapped next: the fault names the first unmapped byte.
  c.s.dma(c.blk, kIova, 2 * c.pg(), kDevWrites);
}

VIOMMU_TEST(vi_fault_below_mapping, "virtio-iommu.fault.one_byte_below_mapping", "virtio-iommu,fault") {
  BlkCase c(t);
  if (!c.begin(2)) return;
  // Only the second page of dst is mapped, at kIova + page. A DMA starting one byte below the mapping
  // must fault at that byte; the last byte of the first page (just below the mapped PA) must not change.
  if (c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa() + c.pg(), kRW) != kOk) return;
  memset(c.dst.data(), 0xe7, 2 * c.pg());
  c.s.dma(c.blk, kIova + c.pg() - 1, 512, kDevWrites);
  c.s.untouched(kNoMapping, c.dst, c.pg() - 1, 1, 0xe7, "the byte below the mapped page");
}

VIOMMU_TEST_T(vi_fault_domain, "virtio-iommu.fault.unattached_no_bypass", "virtio-iommu,fault,edu", 20000) {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: edu's buffer cannot be loaded first");
  Ep edu = s.need("edu");
  if (!edu) return;
  Buf a, b;
  if (!s.alloc({&a, &b}, s.page())) return;
  // Never attached: while config.bypass is 1 edu loads `b` into its buffer (bypass, identity)...
  b.fill(0x71);
  s.dma(edu, b.pa(), 128, kDevReads);
  // ...then with bypass 0 its write of those bytes to `a` faults (R_DOMAIN, or R_UNKNOWN) and SHOULD NOT
  // reach guest-physical memory (§5.13.6.2).
  s.set_bypass(0);
  memset(a.data(), 0x2d, 128);
  s.dma(edu, a.pa(), 128, kDevWrites);
  s.untouched(kUnattachedNoBypass, a, 0, 128, 0x2d, "a page written by an unattached endpoint without bypass");
}

VIOMMU_TEST(vi_fault_before_attach_bypass, "virtio-iommu.fault.before_attach_bypass", "virtio-iommu,fault") {
  Session s(t);
  if (!s.begin()) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!s.alloc({&src, &dst}, s.page())) return;
  // Not attached and bypass 1: guest-physical addresses, no fault report.
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x31);
}
