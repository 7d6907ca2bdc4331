// dma.<virtio endpoint>.recovers_*: the driver's reset path, which every IOMMU fault test relies on.
// A buffer at a bus address with nothing behind it is not RAM, so QEMU maps it through its one bounce
// buffer of a single page; a buffer longer than a page needs a second mapping while the first is in
// use, that fails, and virtqueue_pop() ends in virtio_error(): DEVICE_NEEDS_RESET and a device that
// ignores the queue. The
// endpoint must report that request as failed, not hang, and serve the next one after re-initializing.
#include "drivers/endpoints/driver_dma.h"
#include "tests/conformance/dma/dma_check.h"

namespace {

// Above every RAM and MMIO window of aarch64 virt and x86_64 q35 (32 TiB) and below any address width
// QEMU clamps to, so without an IOMMU in front of it the access just finds no memory.
constexpr uint64_t kNothingThere = uint64_t{1} << 45;

void unassigned_then_roundtrip(kernel::Test& t, const char* name) {
  auto* ep = dma_tests::need(t, name);
  if (!ep) return;
  constexpr size_t kLen = 16 * 1024;  // more than one bounce-buffer page
  const drivers::DmaStatus s = ep->write(kNothingThere, kLen);
  t.check("dma.status", dma_tests::kBaseline, s == drivers::DmaStatus::kDeviceError || s == drivers::DmaStatus::kTimeout,
          "write to unassigned bus address 0x%lx returned %s, expected a failure", static_cast<unsigned long>(kNothingThere),
          drivers::to_string(s));
  if (ep->can_read())
    dma_tests::roundtrip(t, ep, 4096, 0, 0, 0x71);
  else
    dma_tests::random_fill(t, ep, 4096, 0, 0x71);
}

void reset_then_roundtrip(kernel::Test& t, const char* name) {
  auto* ep = dma_tests::need(t, name);
  if (!ep) return;
  t.check("reset", dma_tests::kBaseline, drivers::reset_endpoint(ep), "reset_endpoint failed");
  t.note("%s: DMA through the platform IOMMU (VIRTIO_F_ACCESS_PLATFORM): %s", name,
         drivers::dma_translated(ep) ? "yes" : "no");
  drivers::DmaRange r[4];
  const size_t n = drivers::driver_dma_ranges(ep, r, 4);
  for (size_t i = 0; i < n && i < 4; ++i) {
    t.check("driver.ranges", kernel::kSuite, r[i].pa % 4096 == 0 && r[i].len % 4096 == 0 && r[i].len != 0, "driver range %lu: 0x%lx+0x%lx not page granular",
            static_cast<unsigned long>(i), static_cast<unsigned long>(r[i].pa), static_cast<unsigned long>(r[i].len));
  }
  if (ep->can_read())
    dma_tests::roundtrip(t, ep, 4096, 0, 0, 0x72);
  else
    dma_tests::random_fill(t, ep, 4096, 0, 0x72);
}

}  // namespace

VIOMMU_TEST(dma_blk_recovers_after_unassigned_address, "dma.virtio-blk.recovers_after_unassigned_address",
            "dma,virtio-blk") {
  unassigned_then_roundtrip(t, "virtio-blk");
}

VIOMMU_TEST(dma_rng_recovers_after_unassigned_address, "dma.virtio-rng.recovers_after_unassigned_address",
            "dma,virtio-rng") {
  unassigned_then_roundtrip(t, "virtio-rng");
}

VIOMMU_TEST(dma_blk_reset_then_roundtrip, "dma.virtio-blk.reset_then_roundtrip", "dma,virtio-blk") {
  reset_then_roundtrip(t, "virtio-blk");
}

VIOMMU_TEST(dma_rng_reset_then_roundtrip, "dma.virtio-rng.reset_then_roundtrip", "dma,virtio-rng") {
  reset_then_roundtrip(t, "virtio-rng");
}
