// dma.virtio-rng.*: virtio-rng can only write, and what it writes is random: the cases check that the
// device wrote every requested byte (used.len == len, content differs from a prefill) and nothing
// around it.
#include "tests/conformance/dma/dma_check.h"

namespace {
constexpr const char* kRng = "virtio-rng";
}

VIOMMU_DMA_RANDOM_FILL(dma_rng_write_fills, "dma.virtio-rng.write_fills", "dma,virtio-rng",
                       kRng, 4096, 0, 0x51);

VIOMMU_DMA_RANDOM_FILL(dma_rng_write_1b, "dma.virtio-rng.write_1b", "dma,virtio-rng", kRng, 1, 0, 0x52);

VIOMMU_DMA_RANDOM_FILL(dma_rng_write_unaligned_3_at_7, "dma.virtio-rng.write_unaligned_3_at_7", "dma,virtio-rng",
                       kRng, 3, 7, 0x53);

VIOMMU_DMA_RANDOM_FILL(dma_rng_write_page_cross, "dma.virtio-rng.write_page_cross", "dma,virtio-rng",
                       kRng, 6000, 4096 - 1000, 0x54);

VIOMMU_DMA_RANDOM_FILL(dma_rng_write_64k, "dma.virtio-rng.write_64k", "dma,virtio-rng",
                       kRng, ep->max_len(), 0, 0x55);

VIOMMU_TEST(dma_rng_read_unsupported, "dma.virtio-rng.read_unsupported", "dma,virtio-rng") {
  auto* ep = dma_tests::need(t, kRng);
  if (!ep) return;
  t.check("endpoint.can_read", kernel::kSuite, !ep->can_read(), "can_read() is true for a write-only device");
  t.check("endpoint.random_data", kernel::kSuite, ep->random_data(), "random_data() is false");
  kernel::GuardedBuffer b;
  if (!b.allocate(64, 0)) return t.error("no DMA memory");
  b.fill(0x56);
  const auto s = ep->read(b.pa(), 64);
  t.check("dma.status", dma_tests::kBaseline, s == drivers::DmaStatus::kUnsupported, "read() returned %s, expected unsupported", drivers::to_string(s));
  dma_tests::expect_pattern(t, "buffer (must be unchanged)", b, 0x56);
  dma_tests::expect_intact(t, "buffer", b);
}

VIOMMU_TEST(dma_rng_sizes_sweep, "dma.virtio-rng.sizes_sweep", "dma,virtio-rng") {
  auto* ep = dma_tests::need(t, kRng);
  if (!ep) return;
  static constexpr size_t kSizes[] = {1, 7, 512, 513, 4095, 4096, 4097, 65536};
  static constexpr size_t kOffsets[] = {0, 1, 4095};
  uint8_t seed = 0x60;
  for (size_t len : kSizes) {
    if (len > ep->max_len()) continue;
    for (size_t off : kOffsets)
      if (!dma_tests::random_fill(t, ep, len, off, seed++)) return;
  }
}

VIOMMU_TEST(dma_rng_stale_data_not_reused, "dma.virtio-rng.stale_data_not_reused", "dma,virtio-rng") {
  auto* ep = dma_tests::need(t, kRng);
  if (!ep) return;
  // Two writes into the same buffer: the second must bring new data, not leave (or replay) the first.
  constexpr size_t kLen = 4096;
  kernel::GuardedBuffer b, first;
  if (!b.allocate(kLen, 0) || !first.allocate(kLen, 0)) return t.error("no DMA memory");
  b.fill(0x57);
  if (!dma_tests::expect_ok(t, "first write", ep->write(b.pa(), kLen))) return;
  for (size_t i = 0; i < kLen; ++i) first.data()[i] = b.data()[i];
  if (!dma_tests::expect_ok(t, "second write", ep->write(b.pa(), kLen))) return;
  size_t same = 0;
  for (size_t i = 0; i < kLen; ++i) same += b.data()[i] == first.data()[i];
  t.check("dma.data", dma_tests::kBaseline, same <= kLen / 2, "%lu of %lu bytes of the second write equal the first", static_cast<unsigned long>(same),
          static_cast<unsigned long>(kLen));
  dma_tests::expect_intact(t, "buffer", b);
}
