// amd-vi.v1.*: DMA through v1 page tables (48882 §2.2.3) of every depth, large pages and level skipping,
// each outcome first predicted by the model from the same tables.
#include "tests/conformance/amd-vi/amdvi_fixture.h"

using namespace amdvi_tests;  // NOLINT

namespace {

// Two 4 KiB pages at `iova` and `iova + 0x1000` (so a wrong index at any level misses) mapped to two
// separately allocated pages, then a round trip between them.
void walk_case(kernel::Test& t, unsigned mode, uint64_t iova) {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  s::ExtendedFeature efr;
  efr.set_raw(v->read(s::Mmio::kExtendedFeature));
  if (mode > efr.host_levels()) return t.skip("EFR.HATS allows %u levels, Mode %u needs more", efr.host_levels(), mode);
  Attach a(t, v, ep, mode, 0x11);
  if (!a.ok()) return;
  const uint64_t src = kernel::DmaMemory::alloc(4096), dst = kernel::DmaMemory::alloc(4096);
  t.check(a.pt().map_4k(iova, src) && a.pt().map_4k(iova + 0x1000, dst), "mapping failed");
  translated_roundtrip(t, v, ep, a.devid(), iova + 0x200, src + 0x200, iova + 0x1000 + 0x200, dst + 0x200, 1024);
  kernel::DmaMemory::free(src, 4096);
  kernel::DmaMemory::free(dst, 4096);
}

}  // namespace

VIOMMU_TEST(amdvi_mode1, "amd-vi.v1.mode1_4k", "amd-vi,dma") { walk_case(t, 1, 0x1e'0000); }
VIOMMU_TEST(amdvi_mode2, "amd-vi.v1.mode2_4k", "amd-vi,dma") { walk_case(t, 2, 0x3fe0'0000); }
VIOMMU_TEST(amdvi_mode3, "amd-vi.v1.mode3_4k", "amd-vi,dma") { walk_case(t, 3, 0x7f'c020'0000); }
VIOMMU_TEST(amdvi_mode4, "amd-vi.v1.mode4_4k", "amd-vi,dma") { walk_case(t, 4, 0xff80'4060'0000); }
VIOMMU_TEST(amdvi_mode5, "amd-vi.v1.mode5_4k", "amd-vi,dma") { walk_case(t, 5, 0x1ff'0080'00a0'0000ull); }
VIOMMU_TEST(amdvi_mode6, "amd-vi.v1.mode6_4k", "amd-vi,dma") { walk_case(t, 6, 0xfe00'0001'0020'0000ull); }

VIOMMU_TEST(amdvi_leaf_2m, "amd-vi.v1.leaf_2m", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x12);
  if (!a.ok()) return;
  // A level-2 PTE with NextLevel 0 maps 2 MiB: IOVA 0x4000_0000 -> a 2 MiB aligned block.
  const uint64_t blk = kernel::DmaMemory::alloc(2u << 20);
  if (!blk) return t.skip("no 2 MiB DMA block");
  t.check(a.pt().map(0x4000'0000, blk, 2, true, true), "mapping failed");
  translated_roundtrip(t, v, ep, a.devid(), 0x4000'0000 + 0x1'2300, blk + 0x1'2300, 0x4000'0000 + 0x1f'e000,
                       blk + 0x1f'e000, 2048);
  kernel::DmaMemory::free(blk, 2u << 20);
}

VIOMMU_TEST(amdvi_leaf_1g, "amd-vi.v1.leaf_1g", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x13);
  if (!a.ok()) return;
  // A level-3 PTE maps 1 GiB: IOVA 0x40_0000_0000 + x -> x (all guest RAM is below 1 GiB).
  t.check(a.pt().map(0x40'0000'0000ull, 0, 3, true, true), "mapping failed");
  const uint64_t src = kernel::DmaMemory::alloc(4096), dst = kernel::DmaMemory::alloc(4096);
  translated_roundtrip(t, v, ep, a.devid(), 0x40'0000'0000ull + src, src, 0x40'0000'0000ull + dst + 0x800, dst + 0x800, 512);
  kernel::DmaMemory::free(src, 4096);
  kernel::DmaMemory::free(dst, 4096);
}

VIOMMU_TEST(amdvi_sized_64k, "amd-vi.v1.nextlevel7_64k", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x14);
  if (!a.ok()) return;
  // §2.2.3.2: NextLevel 7 in the level-1 table, 64 KiB, replicated over 16 slots.
  const uint64_t blk = kernel::DmaMemory::alloc(64u << 10);
  t.check(a.pt().map_sized(0x20'0000, blk, 64u << 10, 1, true, true), "mapping failed");
  translated_roundtrip(t, v, ep, a.devid(), 0x20'0000 + 0x1100, blk + 0x1100, 0x20'0000 + 0xf000, blk + 0xf000, 1024);
  kernel::DmaMemory::free(blk, 64u << 10);
}

VIOMMU_TEST(amdvi_sized_4m, "amd-vi.v1.nextlevel7_4m", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x15);
  if (!a.ok()) return;
  // NextLevel 7 in the level-2 table, 4 MiB, replicated over 2 slots; the target is any 4 MiB-aligned
  // range of RAM: 0x0040_0000 (low RAM, read and written at offsets well inside a DMA block).
  const uint64_t blk = kernel::DmaMemory::alloc(2u << 20);
  const uint64_t base = blk & ~uint64_t{0x3f'ffff};
  t.check(a.pt().map_sized(0x80'0000, base, 4u << 20, 2, true, true), "mapping failed");
  const uint64_t off = blk - base;
  translated_roundtrip(t, v, ep, a.devid(), 0x80'0000 + off + 0x100, blk + 0x100, 0x80'0000 + off + 0x1f'0000,
                       blk + 0x1f'0000, 1024);
  kernel::DmaMemory::free(blk, 2u << 20);
}

VIOMMU_TEST(amdvi_skip, "amd-vi.v1.level_skip", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 4, 0x16);
  if (!a.ok()) return;
  // §2.2.3.1: the level-4 entry for IOVA 0x80_0000_0000 points straight at a level-1 table.
  const uint64_t src = kernel::DmaMemory::alloc(4096), dst = kernel::DmaMemory::alloc(4096);
  t.check(a.pt().skip(0x80'0000'0000ull, 4, 1), "skip PDE failed");
  t.check(a.pt().map_4k(0x80'0000'0000ull, src) && a.pt().map_4k(0x80'0000'1000ull, dst), "mapping failed");
  translated_roundtrip(t, v, ep, a.devid(), 0x80'0000'0000ull + 0x40, src + 0x40, 0x80'0000'1000ull, dst, 512);
  kernel::DmaMemory::free(src, 4096);
  kernel::DmaMemory::free(dst, 4096);
}

VIOMMU_TEST(amdvi_skip_nonzero, "amd-vi.v1.level_skip_nonzero_bits_fault", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 4, 0x17);
  if (!a.ok()) return;
  // The skipped levels' index bits (IOVA [38:21]) must be zero: 0x80_0020_0000 has level-2 index 1.
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  t.check(a.pt().skip(0x80'0000'0000ull, 4, 1), "skip PDE failed");
  t.check(a.pt().map_4k(0x80'0000'0000ull, pg), "mapping failed");
  expect_blocked(t, v, ep, a.devid(), 0x80'0020'0000ull, false, pg, a.stage_pa());
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_beyond_mode, "amd-vi.v1.iova_beyond_mode_fault", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 2, 0x18);
  if (!a.ok()) return;
  // Mode 2 reaches 1 GiB; IOVA 0x4000_1000 aliases index bits of 0x1000, which is mapped.
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  t.check(a.pt().map_4k(0x1000, pg), "mapping failed");
  expect_blocked(t, v, ep, a.devid(), 0x4000'1000, false, pg, a.stage_pa());
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_page_cross, "amd-vi.v1.page_crossing_scattered", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x19);
  if (!a.ok()) return;
  // IOVA pages 0x3000 and 0x4000 map to two unrelated pages in reverse order; a 1 KiB DMA crossing the
  // IOVA page boundary must be split accordingly.
  const uint64_t hi = kernel::DmaMemory::alloc(4096), lo = kernel::DmaMemory::alloc(4096);
  const uint64_t out = kernel::DmaMemory::alloc(4096);
  t.check(a.pt().map_4k(0x3000, hi) && a.pt().map_4k(0x4000, lo) && a.pt().map_4k(0x8000, out), "mapping failed");
  uint8_t* h = reinterpret_cast<uint8_t*>(hi);
  uint8_t* l = reinterpret_cast<uint8_t*>(lo);
  for (unsigned i = 0; i < 512; ++i) h[0xe00 + i] = static_cast<uint8_t>(i), l[i] = static_cast<uint8_t>(0x80 + i);
  t.check(ep->read(0x3e00, 1024) == drivers::DmaStatus::kOk, "device read across the page boundary failed");
  t.check(ep->write(0x8000, 1024) == drivers::DmaStatus::kOk, "device write failed");
  const uint8_t* o = reinterpret_cast<const uint8_t*>(out);
  unsigned bad = 0;
  for (unsigned i = 0; i < 512; ++i) bad += o[i] != static_cast<uint8_t>(i) || o[512 + i] != static_cast<uint8_t>(0x80 + i);
  t.expect_eq("bytes taken from the wrong page", 0, bad);
  kernel::DmaMemory::free(hi, 4096);
  kernel::DmaMemory::free(lo, 4096);
  kernel::DmaMemory::free(out, 4096);
}
