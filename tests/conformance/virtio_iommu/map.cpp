// virtio-iommu.map.* / virtio-iommu.unmap.*: §5.13.6.5 and §5.13.6.6. Statuses judged against the model
// under the clause the spec gives, and the mappings that result (or survive) checked by virtio-blk DMA.
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_map_offset, "virtio-iommu.map.offset_within_mapping", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // PA = VA - virt_start + phys_start (§5.13.6.5): 1 KiB into each mapping.
  c.s.roundtrip(c.blk, kIova + 1024, c.src, kIova + c.pg() + 1024, 2048, 0x22);
}

VIOMMU_TEST(vi_map_multi_page, "virtio-iommu.map.multi_page_contiguous", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin(4)) return;
  if (c.s.map(1, kIova, 4 * c.pg(), c.src.pa(), kRW) != kOk ||
      c.s.map(1, kIova + 8 * c.pg(), 4 * c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  c.s.roundtrip(c.blk, kIova, c.src, kIova + 8 * c.pg(), 4 * c.pg(), 0x23);
}

VIOMMU_TEST(vi_map_misaligned_va, "virtio-iommu.map.misaligned_virt_start", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  c.s.map(1, kIova + c.s.granule() / 2, c.s.granule(), c.src.pa(), kRW, kMapAlign);
}

VIOMMU_TEST(vi_map_misaligned_pa, "virtio-iommu.map.misaligned_phys_start", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  c.s.map(1, kIova, c.s.granule(), c.src.pa() + c.s.granule() / 2, kRW, kMapAlign);
}

VIOMMU_TEST(vi_map_misaligned_end, "virtio-iommu.map.misaligned_virt_end", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.granule() == 1) return t.skip("byte granularity: every address is aligned");
  // virt_end + 1 not aligned: half a page.
  c.s.map(1, kIova, c.s.granule() / 2, c.src.pa(), kRW, kMapAlign);
}

VIOMMU_TEST(vi_map_input_range, "virtio-iommu.map.beyond_input_range", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (!(c.s.dev().offered() & sv::feature::kInputRange)) return t.skip("VIRTIO_IOMMU_F_INPUT_RANGE not offered");
  const sv::Config cfg = c.s.dev().read_config();
  if (cfg.input_range_end() == ~uint64_t{0} && cfg.input_range_start() == 0)
    return t.skip("input_range covers the whole 64-bit space: no address is out of range");
  // One page straddling the end of input_range (or the start). §5.13.6: the request "fails"; which error
  // status it gets is not fixed (model C7: RANGE).
  const uint64_t g = c.s.granule();
  const uint64_t va = cfg.input_range_end() != ~uint64_t{0} ? ((cfg.input_range_end() + 1) & ~(g - 1)) : 0;
  Permit p = any_error(kMapOutsideInputRange);
  p.note = &kMapOutsideInputRangeStatus;
  c.s.map(1, va, g, c.src.pa(), kRW, p);
}

VIOMMU_TEST(vi_map_overlap_same, "virtio-iommu.map.overlap_identical", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  Buf other;
  if (!c.s.alloc({&other}, c.pg())) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  if (c.s.map(1, kIova, c.pg(), other.pa(), kRW, kMapOverlap) == kOk) return;
  // Rejected: the first mapping is the one in force, the device reads src, not `other`.
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x24);
}

VIOMMU_TEST(vi_map_overlap_partial, "virtio-iommu.map.overlap_partial", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, 2 * c.pg(), c.src.pa() & ~(2 * c.pg() - 1), kR) != kOk) return;
  // Shares one page with the first: SHOULD INVAL. When rejected, the page next to the first is free.
  if (c.s.map(1, kIova + c.pg(), 2 * c.pg(), c.dst.pa(), kRW, kMapOverlap) == kOk) return;
  c.s.map(1, kIova + 2 * c.pg(), c.pg(), c.dst.pa(), kRW);
}

VIOMMU_TEST(vi_map_unknown_flag, "virtio-iommu.map.unknown_flag", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  c.s.map(1, kIova, c.pg(), c.src.pa(), kRW | (1u << 3), kMapFlags);
}

VIOMMU_TEST(vi_map_unknown_domain, "virtio-iommu.map.unknown_domain", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  c.s.map(7, kIova, c.pg(), c.src.pa(), kRW, kMapNoEnt);
}

VIOMMU_TEST(vi_map_bypass_domain, "virtio-iommu.map.bypass_domain", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (!c.s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  Ep rng = c.s.need("virtio-rng");
  if (!rng) return;
  if (c.s.attach(5, rng.id, sv::ReqAttach::kFlagBypass) != kOk) return;
  c.s.map(5, kIova, c.pg(), c.src.pa(), kRW, kMapBypassDomain);
}

VIOMMU_TEST(vi_map_end_before_start, "virtio-iommu.map.end_before_start", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  sv::ReqMap r;
  r.set_domain(1).set_virt_start(kIova + c.pg()).set_virt_end(kIova + c.pg() - 1 - c.pg()).set_phys_start(c.src.pa());
  r.set_flags(kRW);
  memcpy(c.s.dev().request_page(), r.words.data(), sv::ReqMap::kReadable);
  // "virt_end MUST be strictly greater than virt_start" binds the driver only: the device's answer is
  // open (model C7: INVAL).
  c.s.exchange("MAP with virt_end < virt_start", sv::ReqMap::kReadable, sv::kTailSize, 0, any_answer(kMapEndBeforeStart));
}

VIOMMU_TEST(vi_map_write_only, "virtio-iommu.map.write_only_blocks_device_read", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kW) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // §5.13.6.5.2: a device MAY allow reads of a write-only mapping (model C13: it does not). Which one it
  // did shows in what the round trip delivers: src's bytes (read allowed) or anything else (blocked).
  const bool model_reads = c.s.model().translate(c.blk.id, kIova, mv::Access::kRead).ok;
  c.src.fill(0x29);
  memset(c.dst.data(), 0xd6, c.pg());
  c.s.dev().drain_faults();
  c.blk.dma->read(kIova, 4096);
  c.blk.dma->write(kIova + c.pg(), 4096);
  const bool read_through = memcmp(c.dst.data(), c.src.data(), 4096) == 0;
  t.choice("dma.read", kMapWriteOnlyRead, read_through == model_reads, "the device %s reads of a write-only mapping; "
           "the model %s", read_through ? "allows" : "blocks", model_reads ? "allows" : "blocks");
  if (read_through != model_reads) c.s.adopt(&mv::Choices::write_only_readable, false);
  c.s.dev().drain_faults();
  // Either way the mapping allows writes, and the next round trip delivers what the device's choice says.
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x2a, kMapWriteOnlyRead);
}

VIOMMU_TEST(vi_map_no_permission, "virtio-iommu.map.no_permission_flags", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), 0) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // Neither READ nor WRITE: the device read is blocked, and src's bytes do not reach the endpoint.
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x2b, kMapNoRead);
}

VIOMMU_TEST(vi_map_mmio_flag, "virtio-iommu.map.mmio_flag", "virtio-iommu,map") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (!c.s.require(sv::feature::kMmio, "VIRTIO_IOMMU_F_MMIO")) return;
  // MAP_F_MMIO is a memory type, not a protection: the mapping translates like any other (model C13).
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW | kMmio) != kOk ||
      c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW | kMmio) != kOk)
    return;
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 512, 0x26, kNoMapping, &kMapMmioType);
}

VIOMMU_TEST(vi_unmap_split, "virtio-iommu.unmap.split_is_range", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin(2)) return;
  if (c.s.map(1, kIova, 2 * c.pg(), c.src.pa(), kRW) != kOk ||
      c.s.map(1, kIova + 4 * c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // §5.13.6.6 example (4): unmapping half a mapping SHOULD fail with RANGE and SHOULD unmap nothing.
  c.s.unmap(1, kIova, c.pg(), kUnmapSplit);
  c.s.roundtrip(c.blk, kIova, c.src, kIova + 4 * c.pg(), 4096, 0x27, kNoMapping, &kUnmapSplit);
}

VIOMMU_TEST(vi_unmap_split_second, "virtio-iommu.unmap.split_keeps_other_mappings", "virtio-iommu,unmap") {
  BlkCase c(t);
  Buf b;
  if (!c.begin() || !c.s.alloc({&b}, 2 * c.pg())) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + c.pg(), 2 * c.pg(), b.pa(), kRW) != kOk ||
      c.s.map(1, kIova + 8 * c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // Covers src's mapping entirely but splits b's: SHOULD RANGE and SHOULD NOT remove any mapping, src's included.
  c.s.unmap(1, kIova, 2 * c.pg(), kUnmapSplit);
  c.s.roundtrip(c.blk, kIova, c.src, kIova + 8 * c.pg(), 4096, 0x28, kNoMapping, &kUnmapSplit);
}

VIOMMU_TEST(vi_unmap_several, "virtio-iommu.unmap.covers_several", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin()) return;
  Buf out;
  if (!c.s.alloc({&out}, c.pg())) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + 2 * c.pg(), c.pg(), c.dst.pa(), kRW) != kOk ||
      c.s.map(1, kIova + 8 * c.pg(), c.pg(), out.pa(), kRW) != kOk)
    return;
  // §5.13.6.6 example (7): one UNMAP over both and the hole between them removes both.
  if (c.s.unmap(1, kIova, 3 * c.pg(), kUnmapPartial) != kOk) return;
  c.s.roundtrip(c.blk, kIova, c.src, kIova + 8 * c.pg(), 512, 0x2c, kUnmapRemoves);
  memset(c.dst.data(), 0x5e, 512);
  c.s.dma(c.blk, kIova + 2 * c.pg(), 512, kDevWrites);
  c.s.untouched(kUnmapRemoves, c.dst, 0, 512, 0x5e, "the second unmapped page after a device write");
}

VIOMMU_TEST(vi_unmap_nothing, "virtio-iommu.unmap.nothing_mapped", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin()) return;
  c.s.unmap(1, kIova, 4 * c.pg(), kUnmapPartial);  // example (1): succeeds
}

VIOMMU_TEST(vi_unmap_spill, "virtio-iommu.unmap.spills_over", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova + c.pg(), c.pg(), c.src.pa(), kRW) != kOk) return;
  if (c.s.unmap(1, kIova, 4 * c.pg(), kUnmapPartial) != kOk) return;  // example (6): succeeds, mapping removed
  c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW);                 // the range is free again
}

VIOMMU_TEST(vi_unmap_unknown_domain, "virtio-iommu.unmap.unknown_domain", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin()) return;
  c.s.unmap(9, kIova, c.pg(), kUnmapNoEnt);
}

VIOMMU_TEST(vi_unmap_reserved, "virtio-iommu.unmap.reserved_ignored", "virtio-iommu,unmap") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + 8 * c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  sv::ReqUnmap r;
  r.set_domain(1).set_virt_start(kIova).set_virt_end(kIova + c.pg() - 1).set_reserved(0xffffffff);
  memcpy(c.s.dev().request_page(), r.words.data(), sv::ReqUnmap::kReadable);
  // §5.13.6.6.2: reserved != 0: the device MAY answer INVAL, and then MAY perform the UNMAP; otherwise
  // (OK) it performed it. The model ignores reserved (C9).
  const uint8_t st = c.s.exchange("UNMAP with reserved bytes set", sv::ReqUnmap::kReadable, sv::kTailSize, 0,
                                  Permit(kUnmapReserved).also(bit(sv::Status::kOk) | bit(sv::Status::kInval)));
  if (st == kOk) {
    c.s.roundtrip(c.blk, kIova, c.src, kIova + 8 * c.pg(), 512, 0x2d, kUnmapRemoves);
  } else if (st == static_cast<uint8_t>(sv::Status::kInval)) {
    // Performed or not, both permitted: which one shows in what the round trip delivers.
    c.src.fill(0x2e);
    memset(c.dst.data(), 0xd7, 512);
    c.blk.dma->read(kIova, 512);
    c.blk.dma->write(kIova + 8 * c.pg(), 512);
    const bool kept = memcmp(c.dst.data(), c.src.data(), 512) == 0;
    const bool model_kept = c.s.model().translate(c.blk.id, kIova, mv::Access::kRead).ok;
    t.choice("unmap.performed", kUnmapReserved, kept == model_kept, "after INVAL the mapping was %s; the model's %s",
             kept ? "kept" : "removed", model_kept ? "is kept" : "is removed");
    c.s.dev().drain_faults();
  }
}
