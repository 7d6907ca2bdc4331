// dma.virtio-blk.*: the disk from sector 0 is the device's storage; read() is a VIRTIO_BLK_T_OUT of the
// source buffer, write() a VIRTIO_BLK_T_IN into the destination.
#include "tests/conformance/dma/dma_check.h"

namespace {
constexpr const char* kBlk = "virtio-blk";
}

VIOMMU_DMA_ROUNDTRIP(dma_blk_roundtrip_4k, "dma.virtio-blk.roundtrip_4k", "dma,virtio-blk",
                     kBlk, 4096, 0, 0, 0x31);

VIOMMU_DMA_ROUNDTRIP(dma_blk_roundtrip_1b, "dma.virtio-blk.roundtrip_1b", "dma,virtio-blk",
                     kBlk, 1, 0, 0, 0x32);

VIOMMU_DMA_ROUNDTRIP(dma_blk_roundtrip_unaligned_3_at_7, "dma.virtio-blk.roundtrip_unaligned_3_at_7", "dma,virtio-blk",
                     kBlk, 3, 7, 7, 0x33);

// 6000 bytes from 1000 bytes before a page boundary into 4905 after it; the destination is misaligned
// differently so source and destination cross at different points.
VIOMMU_DMA_ROUNDTRIP(dma_blk_roundtrip_page_cross, "dma.virtio-blk.roundtrip_page_cross", "dma,virtio-blk",
                     kBlk, 6000, 4096 - 1000, 4096 - 13, 0x34);

VIOMMU_DMA_ROUNDTRIP(dma_blk_roundtrip_64k, "dma.virtio-blk.roundtrip_64k", "dma,virtio-blk",
                     kBlk, 64 * 1024, 0, 0, 0x35);

VIOMMU_TEST(dma_blk_roundtrip_max, "dma.virtio-blk.roundtrip_max", "dma,virtio-blk") {
  auto* ep = dma_tests::need(t, kBlk);
  if (!ep) return;
  t.note("max_len %lu bytes", static_cast<unsigned long>(ep->max_len()));
  dma_tests::roundtrip(t, ep, ep->max_len(), 1, 0, 0x36);
}

VIOMMU_TEST(dma_blk_sizes_sweep, "dma.virtio-blk.sizes_sweep", "dma,virtio-blk") {
  auto* ep = dma_tests::need(t, kBlk);
  if (!ep) return;
  static constexpr size_t kSizes[] = {1, 7, 511, 512, 513, 4095, 4096, 4097, 65536};
  static constexpr size_t kOffsets[] = {0, 1, 4095};
  uint8_t seed = 0x40;
  for (size_t len : kSizes) {
    if (len > ep->max_len()) continue;
    for (size_t off : kOffsets) {
      // Stop at the first failing combination: its diagnostics name it, the rest would repeat them.
      if (!dma_tests::roundtrip(t, ep, len, off, (off + 5) % 4096, seed++)) return;
    }
  }
}

VIOMMU_TEST(dma_blk_stale_data_not_reused, "dma.virtio-blk.stale_data_not_reused", "dma,virtio-blk") {
  auto* ep = dma_tests::need(t, kBlk);
  if (!ep) return;
  dma_tests::stale_data_not_reused(t, ep, 4096);
  dma_tests::stale_data_not_reused(t, ep, 700);  // padded request: the padding must not leak into the data
}
