// virtio-iommu.map.* / virtio-iommu.unmap.*: §5.13.6.5 and §5.13.6.6. Statuses against the model, and the
// mappings that result (or survive) checked by virtio-blk DMA.
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

namespace {

// A session with virtio-blk attached to domain 1 (its driver memory mapped) and two buffers.
struct MapCase {
  Session s;
  Ep blk;
  Buf src, dst;
  explicit MapCase(kernel::Test& t) : s(t) {}
  bool begin() {
    if (!s.begin()) return false;
    blk = s.need("virtio-blk");
    if (!blk) return false;
    if (!src.alloc(s.page()) || !dst.alloc(s.page())) {
      s.t().fail("out of DMA memory");
      return false;
    }
    return s.attach_with_driver_memory(blk, 1);
  }
  uint64_t pg() const { return s.page(); }
};

}  // namespace

VIOMMU_TEST(vi_map_roundtrip, "virtio-iommu.map.read_write_roundtrip", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW);
  c.s.map(1, kIova + 16 * c.pg(), c.pg(), c.dst.pa(), kRW);
  c.s.roundtrip(c.blk, kIova, c.src, kIova + 16 * c.pg(), 4096, 0x21);
}

VIOMMU_TEST(vi_map_offset, "virtio-iommu.map.offset_within_mapping", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW);
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW);
  // PA = VA - virt_start + phys_start (§5.13.6.5): 1 KiB into each mapping.
  c.s.roundtrip(c.blk, kIova + 1024, c.src, kIova + c.pg() + 1024, 2048, 0x22);
}

VIOMMU_TEST(vi_map_multi_page, "virtio-iommu.map.multi_page_contiguous", "virtio-iommu,map") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(4 * s.page()) || !dst.alloc(4 * s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, 4 * s.page(), src.pa(), kRW);
  s.map(1, kIova + 8 * s.page(), 4 * s.page(), dst.pa(), kRW);
  s.roundtrip(blk, kIova, src, kIova + 8 * s.page(), 4 * s.page(), 0x23);
}

VIOMMU_TEST(vi_map_misaligned_va, "virtio-iommu.map.misaligned_virt_start", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  // §5.13.6.5: virt_start not aligned on the page granularity: SHOULD RANGE.
  c.s.map(1, kIova + c.s.granule() / 2, c.s.granule(), c.src.pa(), kRW);
}

VIOMMU_TEST(vi_map_misaligned_pa, "virtio-iommu.map.misaligned_phys_start", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  c.s.map(1, kIova, c.s.granule(), c.src.pa() + c.s.granule() / 2, kRW);
}

VIOMMU_TEST(vi_map_misaligned_end, "virtio-iommu.map.misaligned_virt_end", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  // virt_end + 1 not aligned: half a page.
  c.s.map(1, kIova, c.s.granule() / 2, c.src.pa(), kRW);
}

VIOMMU_TEST(vi_map_input_range, "virtio-iommu.map.beyond_input_range", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (!(c.s.dev().offered() & sv::feature::kInputRange)) return t.skip("VIRTIO_IOMMU_F_INPUT_RANGE not offered");
  const sv::Config cfg = c.s.dev().read_config();
  if (cfg.input_range_end() == ~uint64_t{0} && cfg.input_range_start() == 0)
    return t.skip("input_range covers the whole 64-bit space: no address is out of range");
  // One page straddling the end of input_range (or the start): model C7 RANGE.
  const uint64_t g = c.s.granule();
  const uint64_t va = cfg.input_range_end() != ~uint64_t{0} ? ((cfg.input_range_end() + 1) & ~(g - 1)) : 0;
  c.s.map(1, va, g, c.src.pa(), kRW);
}

VIOMMU_TEST(vi_map_overlap_same, "virtio-iommu.map.overlap_identical", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  Buf other;
  if (!other.alloc(c.pg())) return t.fail("out of DMA memory");
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW);
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW);
  c.s.map(1, kIova, c.pg(), other.pa(), kRW);  // SHOULD INVAL
  // The first mapping is the one in force: the device reads src, not `other`.
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x24);
}

VIOMMU_TEST(vi_map_overlap_partial, "virtio-iommu.map.overlap_partial", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, 2 * c.pg(), c.src.pa() & ~(2 * c.pg() - 1), kR);
  c.s.map(1, kIova + c.pg(), 2 * c.pg(), c.dst.pa(), kRW);  // shares one page: SHOULD INVAL
  c.s.map(1, kIova + 2 * c.pg(), c.pg(), c.dst.pa(), kRW);  // adjacent: OK
}

VIOMMU_TEST(vi_map_unknown_flag, "virtio-iommu.map.unknown_flag", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW | (1u << 3));  // MUST INVAL
}

VIOMMU_TEST(vi_map_unknown_domain, "virtio-iommu.map.unknown_domain", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(7, kIova, c.pg(), c.src.pa(), kRW);  // SHOULD NOENT
}

VIOMMU_TEST(vi_map_bypass_domain, "virtio-iommu.map.bypass_domain", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (!(c.s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  Ep rng = c.s.need("virtio-rng");
  if (!rng) return;
  c.s.attach(5, rng.id, sv::ReqAttach::kFlagBypass);
  c.s.map(5, kIova, c.pg(), c.src.pa(), kRW);  // SHOULD INVAL
}

VIOMMU_TEST(vi_map_end_before_start, "virtio-iommu.map.end_before_start", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  sv::ReqMap r;
  r.set_domain(1).set_virt_start(kIova + c.pg()).set_virt_end(kIova + c.pg() - 1 - c.pg()).set_phys_start(c.src.pa());
  r.set_flags(kRW);
  memcpy(c.s.dev().request_page(), r.words.data(), sv::ReqMap::kReadable);
  // The driver MUST make virt_end > virt_start; model C7: INVAL.
  c.s.exchange("MAP with virt_end < virt_start", sv::ReqMap::kReadable, sv::kTailSize, 0);
}

VIOMMU_TEST(vi_map_read_only, "virtio-iommu.map.read_only_blocks_device_write", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.dst.pa(), kR);
  memset(c.dst.data(), 0x3c, c.pg());
  // §5.13.6.5: the device MUST NOT allow writes to a range mapped without MAP_F_WRITE.
  c.s.dma(c.blk, kIova, 4096, kDevWrites, true);
  size_t changed = 0;
  for (size_t i = 0; i < 4096; ++i) changed += c.dst.data()[i] != 0x3c;
  t.check(changed == 0, "%zu bytes of the read-only page were written", changed);
}

VIOMMU_TEST(vi_map_read_only_read, "virtio-iommu.map.read_only_allows_device_read", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kR);
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kW);
  // Read-only source and write-only destination: exactly what the round trip needs.
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x25);
}

VIOMMU_TEST(vi_map_write_only, "virtio-iommu.map.write_only_blocks_device_read", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kW);
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW);
  // Model C13: write-only mappings do not allow reads (the spec lets an architecture without write-only
  // mappings allow them; a virtio-iommu emulated in software has no such limit).
  c.s.dma(c.blk, kIova, 4096, kDevReads, true);
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x29);
}

VIOMMU_TEST(vi_map_no_permission, "virtio-iommu.map.no_permission_flags", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), 0);
  c.s.dma(c.blk, kIova, 4096, kDevReads, true);
}

VIOMMU_TEST(vi_map_mmio_flag, "virtio-iommu.map.mmio_flag", "virtio-iommu,map") {
  MapCase c(t);
  if (!c.begin()) return;
  if (!(c.s.dev().negotiated() & sv::feature::kMmio)) return t.skip("VIRTIO_IOMMU_F_MMIO not negotiated");
  // MAP_F_MMIO is a memory type, not a protection: the mapping translates like any other (model C13).
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW | kMmio);
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW | kMmio);
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 512, 0x26);
}

VIOMMU_TEST(vi_unmap_exact, "virtio-iommu.unmap.exact", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.dst.pa(), kRW);
  c.s.dma(c.blk, kIova, 4096, kDevWrites);
  c.s.unmap(1, kIova, c.pg());
  // After UNMAP completes the mapping is gone for DMA (§5.13.6.6).
  memset(c.dst.data(), 0x77, c.pg());
  c.s.dma(c.blk, kIova, 4096, kDevWrites);
  size_t changed = 0;
  for (size_t i = 0; i < 4096; ++i) changed += c.dst.data()[i] != 0x77;
  t.check(changed == 0, "%zu bytes written through the unmapped IOVA", changed);
}

VIOMMU_TEST(vi_unmap_split, "virtio-iommu.unmap.split_is_range", "virtio-iommu,unmap") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(2 * s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, 2 * s.page(), src.pa(), kRW);
  s.map(1, kIova + 4 * s.page(), s.page(), dst.pa(), kRW);
  // §5.13.6.6 example (4): unmapping half a mapping fails with RANGE and unmaps nothing.
  s.unmap(1, kIova, s.page());
  s.roundtrip(blk, kIova, src, kIova + 4 * s.page(), 4096, 0x27);
}

VIOMMU_TEST(vi_unmap_split_second, "virtio-iommu.unmap.split_keeps_other_mappings", "virtio-iommu,unmap") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a, b, dst;
  if (!a.alloc(s.page()) || !b.alloc(2 * s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  s.map(1, kIova + s.page(), 2 * s.page(), b.pa(), kRW);
  s.map(1, kIova + 8 * s.page(), s.page(), dst.pa(), kRW);
  // Covers a entirely but splits b: SHOULD RANGE and SHOULD NOT remove any mapping, a included.
  s.unmap(1, kIova, 2 * s.page());
  s.roundtrip(blk, kIova, a, kIova + 8 * s.page(), 4096, 0x28);
}

VIOMMU_TEST(vi_unmap_several, "virtio-iommu.unmap.covers_several", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW);
  c.s.map(1, kIova + 2 * c.pg(), c.pg(), c.dst.pa(), kRW);
  // §5.13.6.6 example (7): one UNMAP over both and the hole between them.
  c.s.unmap(1, kIova, 3 * c.pg());
  c.s.dma(c.blk, kIova, 512, kDevReads);
  c.s.dma(c.blk, kIova + 2 * c.pg(), 512, kDevWrites);
}

VIOMMU_TEST(vi_unmap_nothing, "virtio-iommu.unmap.nothing_mapped", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.unmap(1, kIova, 4 * c.pg());  // example (1): OK
}

VIOMMU_TEST(vi_unmap_spill, "virtio-iommu.unmap.spills_over", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova + c.pg(), c.pg(), c.src.pa(), kRW);
  c.s.unmap(1, kIova, 4 * c.pg());  // example (6): OK, mapping removed
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW);  // the range is free again
}

VIOMMU_TEST(vi_unmap_unknown_domain, "virtio-iommu.unmap.unknown_domain", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.unmap(9, kIova, c.pg());  // SHOULD NOENT
}

VIOMMU_TEST(vi_unmap_reserved, "virtio-iommu.unmap.reserved_ignored", "virtio-iommu,unmap") {
  MapCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW);
  sv::ReqUnmap r;
  r.set_domain(1).set_virt_start(kIova).set_virt_end(kIova + c.pg() - 1).set_reserved(0xffffffff);
  memcpy(c.s.dev().request_page(), r.words.data(), sv::ReqUnmap::kReadable);
  // §5.13.6.6: the device MAY answer INVAL; the model ignores reserved (C9).
  c.s.exchange("UNMAP with reserved bytes set", sv::ReqUnmap::kReadable, sv::kTailSize, 0);
  c.s.dma(c.blk, kIova, 512, kDevReads);
}
