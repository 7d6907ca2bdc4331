// amd-vi.v1.*: DMA through v1 page tables (48882 §2.2.3, unverified: clauses.h) of every depth, large
// pages and level skipping, each outcome first predicted by the model from the same tables; and
// amd-vi.translation.*: whether endpoint DMA is translated at all.
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT

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
  Domain a(t, v, ep, mode, 0x11);
  if (!a.ok()) return;
  const DmaBlock src(4096), dst(4096);
  if (!src.pa || !dst.pa) return t.error("no DMA memory");
  if (!a.pt().map_4k(iova, src.pa) || !a.pt().map_4k(iova + 0x1000, dst.pa)) return t.error("no memory for page tables");
  expect_translated(t, v, a.requester(), iova + 0x200, src.pa + 0x200, iova + 0x1000 + 0x200, dst.pa + 0x200, 1024);
}

}  // namespace

VIOMMU_TEST(amd_vi_mode1, "amd-vi.v1.mode1_4k", "amd-vi,dma") { walk_case(t, 1, 0x1e'0000); }
VIOMMU_TEST(amd_vi_mode2, "amd-vi.v1.mode2_4k", "amd-vi,dma") { walk_case(t, 2, 0x3fe0'0000); }
VIOMMU_TEST(amd_vi_mode3, "amd-vi.v1.mode3_4k", "amd-vi,dma") { walk_case(t, 3, 0x7f'c020'0000); }
VIOMMU_TEST(amd_vi_mode4, "amd-vi.v1.mode4_4k", "amd-vi,dma") { walk_case(t, 4, 0xff80'4060'0000); }
VIOMMU_TEST(amd_vi_mode5, "amd-vi.v1.mode5_4k", "amd-vi,dma") { walk_case(t, 5, 0x1ff'0080'00a0'0000ull); }
VIOMMU_TEST(amd_vi_mode6, "amd-vi.v1.mode6_4k", "amd-vi,dma") { walk_case(t, 6, 0xfe00'0001'0020'0000ull); }

VIOMMU_TEST(amd_vi_leaf_2m, "amd-vi.v1.leaf_2m", "amd-vi,dma") {
  with_domain(t, 3, 0x12, [&](AmdVi* v, Domain& a) {
    // A level-2 PTE with NextLevel 0 maps 2 MiB: IOVA 0x4000_0000 -> a 2 MiB aligned block.
    const DmaBlock blk(2u << 20);
    if (!blk.pa) return t.skip("no 2 MiB DMA block");
    if (!a.pt().map(0x4000'0000, blk.pa, 2, true, true)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x4000'0000 + 0x1'2300, blk.pa + 0x1'2300, 0x4000'0000 + 0x1f'e000,
                         blk.pa + 0x1f'e000, 2048);
  });
}

VIOMMU_TEST(amd_vi_leaf_1g, "amd-vi.v1.leaf_1g", "amd-vi,dma") {
  with_domain(t, 3, 0x13, [&](AmdVi* v, Domain& a) {
    // A level-3 PTE maps 1 GiB: IOVA 0x40_0000_0000 + x -> the 1 GiB-aligned range of RAM holding both
    // buffers (wherever the platform puts RAM: below 1 GiB on q35, from 1 GiB on virt and the hosted runner).
    const DmaBlock src(4096), dst(4096);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    const uint64_t gib = src.pa & ~uint64_t{0x3fff'ffff};
    if ((dst.pa & ~uint64_t{0x3fff'ffff}) != gib)
      return t.skip("DMA buffers 0x%llx and 0x%llx in different 1 GiB ranges", static_cast<unsigned long long>(src.pa),
                    static_cast<unsigned long long>(dst.pa));
    if (!a.pt().map(0x40'0000'0000ull, gib, 3, true, true)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x40'0000'0000ull + (src.pa - gib), src.pa,
                         0x40'0000'0000ull + (dst.pa - gib) + 0x800, dst.pa + 0x800, 512);
  });
}

VIOMMU_TEST(amd_vi_sized_64k, "amd-vi.v1.nextlevel7_64k", "amd-vi,dma") {
  with_domain(t, 3, 0x14, [&](AmdVi* v, Domain& a) {
    // §2.2.3.2: NextLevel 7 in the level-1 table, 64 KiB, replicated over 16 slots.
    const DmaBlock blk(64u << 10);
    if (!blk.pa) return t.error("no DMA memory");
    if (!a.pt().map_sized(0x20'0000, blk.pa, 64u << 10, 1, true, true)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x20'0000 + 0x1100, blk.pa + 0x1100, 0x20'0000 + 0xf000,
                         blk.pa + 0xf000, 1024, kNextLevel7);
  });
}

VIOMMU_TEST(amd_vi_sized_4m, "amd-vi.v1.nextlevel7_4m", "amd-vi,dma") {
  with_domain(t, 3, 0x15, [&](AmdVi* v, Domain& a) {
    // NextLevel 7 in the level-2 table, 4 MiB, replicated over 2 slots; the target is the 4 MiB-aligned
    // range of RAM around a 2 MiB DMA block, read and written only at offsets inside that block.
    const DmaBlock blk(2u << 20);
    if (!blk.pa) return t.skip("no 2 MiB DMA block");
    const uint64_t base = blk.pa & ~uint64_t{0x3f'ffff};
    if (!a.pt().map_sized(0x80'0000, base, 4u << 20, 2, true, true)) return t.error("no memory for page tables");
    const uint64_t off = blk.pa - base;
    expect_translated(t, v, a.requester(), 0x80'0000 + off + 0x100, blk.pa + 0x100, 0x80'0000 + off + 0x1f'0000,
                         blk.pa + 0x1f'0000, 1024, kNextLevel7);
  });
}

VIOMMU_TEST(amd_vi_skip, "amd-vi.v1.level_skip", "amd-vi,dma") {
  with_domain(t, 4, 0x16, [&](AmdVi* v, Domain& a) {
    // §2.2.3.1: the level-4 entry for IOVA 0x80_0000_0000 points straight at a level-1 table.
    const DmaBlock src(4096), dst(4096);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().skip(0x80'0000'0000ull, 4, 1)) return t.error("no memory for the skipping PDE's table");
    if (!a.pt().map_4k(0x80'0000'0000ull, src.pa) || !a.pt().map_4k(0x80'0000'1000ull, dst.pa))
      return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), 0x80'0000'0000ull + 0x40, src.pa + 0x40, 0x80'0000'1000ull, dst.pa, 512,
                         kLevelSkip);
  });
}

VIOMMU_TEST(amd_vi_skip_nonzero, "amd-vi.v1.level_skip_nonzero_bits_fault", "amd-vi,dma,fault") {
  with_domain(t, 4, 0x17, [&](AmdVi* v, Domain& a) {
    // The skipped levels' index bits (IOVA [38:21]) must be zero: 0x80_0020_0000 has level-2 index 1.
    const DmaBlock pg(4096);
    if (!pg.pa) return t.error("no DMA memory");
    if (!a.pt().skip(0x80'0000'0000ull, 4, 1)) return t.error("no memory for the skipping PDE's table");
    if (!a.pt().map_4k(0x80'0000'0000ull, pg.pa)) return t.error("no memory for page tables");
    expect_blocked(t, v, a.requester(), 0x80'0020'0000ull, kDeviceReads, pg.pa, kSkippedBitsZero);
  });
}

VIOMMU_TEST(amd_vi_beyond_mode, "amd-vi.v1.iova_beyond_mode_fault", "amd-vi,dma,fault") {
  with_domain(t, 2, 0x18, [&](AmdVi* v, Domain& a) {
    // Mode 2 reaches 1 GiB; IOVA 0x4000_1000 aliases index bits of 0x1000, which is mapped.
    const DmaBlock pg(4096);
    if (!pg.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(0x1000, pg.pa)) return t.error("no memory for page tables");
    expect_blocked(t, v, a.requester(), 0x4000'1000, kDeviceReads, pg.pa, kBeyondMode);
  });
}

VIOMMU_TEST(amd_vi_page_cross, "amd-vi.v1.page_crossing_scattered", "amd-vi,dma") {
  with_domain(t, 3, 0x19, [&](AmdVi*, Domain& a) {
    drivers::DmaEndpoint* ep = a.ep();
    // IOVA pages 0x3000 and 0x4000 map to two unrelated pages in reverse order; a 1 KiB DMA crossing the
    // IOVA page boundary must be split accordingly.
    const DmaBlock hi(4096), lo(4096), out(4096);
    if (!hi.pa || !lo.pa || !out.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(0x3000, hi.pa) || !a.pt().map_4k(0x4000, lo.pa) || !a.pt().map_4k(0x8000, out.pa))
      return t.error("no memory for page tables");
    uint8_t* h = reinterpret_cast<uint8_t*>(hi.pa);
    uint8_t* l = reinterpret_cast<uint8_t*>(lo.pa);
    for (unsigned i = 0; i < 512; ++i) h[0xe00 + i] = kit::pattern(0x4e, i), l[i] = kit::pattern(0x4e, 512 + i);
    arch::dma_wmb();
    const drivers::DmaStatus r = ep->read(0x3e00, 1024);
    t.check("dma.status", kTranslate, r == drivers::DmaStatus::kOk, "device read across the IOVA page boundary at 0x4000: %s",
            drivers::to_string(r));
    const drivers::DmaStatus w = ep->write(0x8000, 1024);
    t.check("dma.status", kTranslate, w == drivers::DmaStatus::kOk, "device write at iova 0x8000: %s", drivers::to_string(w));
    arch::dma_rmb();
    const uint8_t* o = reinterpret_cast<const uint8_t*>(out.pa);
    unsigned bad = 0;
    for (unsigned i = 0; i < 512; ++i) bad += o[i] != kit::pattern(0x4e, i) || o[512 + i] != kit::pattern(0x4e, 512 + i);
    t.check("dma.data", kTranslate, bad == 0,
            "%u of 512 byte pairs differ: the 1 KiB read crossing IOVA 0x4000 did not take its halves from pa 0x%llx "
            "and pa 0x%llx",
            bad, static_cast<unsigned long long>(hi.pa + 0xe00), static_cast<unsigned long long>(lo.pa));
  });
}

VIOMMU_TEST(amd_vi_dma_translated, "amd-vi.translation.dma_is_translated", "amd-vi,dma") {
  // An endpoint on bus 0 in a Mode 3 domain where IOVA == the guest-physical address of page A maps to a
  // different page B. The device loads a pattern from page S (mapped at IOVA == its own address, so the
  // load works whether or not the IOMMU translates) and writes it at IOVA A: it must land in B and leave A
  // alone. The pattern in A instead means the IOMMU is not translating this endpoint's DMA at all (e.g. a
  // VMM whose vIOMMU only takes part when asked to, such as QEMU 10.2+'s amd-iommu without dma-remap=on):
  // every other translation case then fails for that one reason.
  with_domain(t, 3, 0x1a, [&](AmdVi* v, Domain& a) {
    drivers::DmaEndpoint* ep = a.ep();
    // The endpoint's own DMA memory (virtqueue rings) identity mapped too and used at IOVA == PA, so that
    // the endpoint works whether or not its DMA is translated.
    drivers::DmaRange rings[8] = {};
    const size_t nrings = drivers::driver_dma_ranges(ep, rings, 8);
    for (size_t i = 0; i < nrings && i < 8; ++i)
      for (uint64_t off = 0; off < rings[i].len; off += 4096) {
        const uint64_t pa = rings[i].pa + off;
        volatile uint64_t* e = a.pt().entry(pa, 1);
        if (e != nullptr && (*e & 1) != 0 && (*e & 0x000f'ffff'ffff'f000ull) != pa)
          return t.error("driver memory at pa 0x%llx collides with an IOVA the domain maps elsewhere",
                         static_cast<unsigned long long>(pa));
        if (!a.pt().map_4k(pa, pa)) return t.error("no memory for page tables");
      }
    drivers::set_driver_iova(ep, nullptr, nullptr);
    if (!t.check("dma.status", kTranslate, drivers::reset_endpoint(ep),
                 "%s did not re-initialise with its rings at IOVA == PA (identity mapped)", ep->name()))
      return;
    // S and A must be IOVAs the domain does not use already (kTestIova.., the staging page, the rings from
    // kDriverIova): pages from 16 MiB up that the table does not map qualify.
    uint64_t held[8] = {}, pages[2] = {};
    unsigned nheld = 0, npages = 0;
    while (npages < 2 && nheld < 8) {
      const uint64_t p = kernel::DmaMemory::alloc(4096);
      if (!p) break;
      volatile uint64_t* e = a.pt().entry(p, 1);
      if (p >= 0x100'0000 && (e == nullptr || (*e & 1) == 0))
        pages[npages++] = p;
      else
        held[nheld++] = p;
    }
    const DmaBlock b(4096);
    const uint64_t pa_s = pages[0], pa_a = pages[1];
    if (npages < 2 || !b.pa) {
      t.error("no DMA pages usable as IOVAs outside the domain's own mappings");
    } else if (!a.pt().map_4k(pa_s, pa_s) || !a.pt().map_4k(pa_a, b.pa)) {
      t.error("no memory for page tables");
    } else {
      t.expect_eq("oracle", kernel::kSuite, b.pa, predict(v, a.devid(), pa_a, kDeviceWrites).pa);
      volatile uint8_t* sa = reinterpret_cast<volatile uint8_t*>(pa_s);
      volatile uint8_t* pa = reinterpret_cast<volatile uint8_t*>(pa_a);
      volatile uint8_t* pb = reinterpret_cast<volatile uint8_t*>(b.pa);
      for (unsigned i = 0; i < 4096; ++i) {
        pa[i] = 0x3c;
        pb[i] = 0x3c;
      }
      for (unsigned i = 0; i < 512; ++i) sa[i] = kit::pattern(0xa1, i);
      arch::dma_wmb();
      const drivers::DmaStatus r = ep->read(pa_s, 512);
      const drivers::DmaStatus w = ep->write(pa_a, 512);
      arch::dma_rmb();
      unsigned in_a = 0, in_b = 0, a_changed = 0;
      for (unsigned i = 0; i < 512; ++i) {
        in_a += pa[i] == kit::pattern(0xa1, i);
        in_b += pb[i] == kit::pattern(0xa1, i);
      }
      for (unsigned i = 0; i < 4096; ++i) a_changed += pa[i] != 0x3c;
      if (in_a == 512 && in_b != 512) {
        t.check("dma.translated", kTranslated, false,
                "DMA is not translated by the IOMMU: %s's write at IOVA 0x%llx (mapped to pa 0x%llx) landed at pa "
                "0x%llx, the IOVA taken as a physical address",
                ep->name(), static_cast<unsigned long long>(pa_a), static_cast<unsigned long long>(b.pa),
                static_cast<unsigned long long>(pa_a));
      } else {
        t.check("dma.translated", kTranslated, in_b == 512 && a_changed == 0,
                "%s's write at IOVA 0x%llx: %u of 512 bytes reached pa 0x%llx (mapped), %u bytes of pa 0x%llx "
                "(the IOVA as a physical address) changed; load from iova 0x%llx %s, write %s",
                ep->name(), static_cast<unsigned long long>(pa_a), in_b, static_cast<unsigned long long>(b.pa),
                a_changed, static_cast<unsigned long long>(pa_a), static_cast<unsigned long long>(pa_s),
                drivers::to_string(r), drivers::to_string(w));
      }
    }
    for (unsigned i = 0; i < nheld; ++i) kernel::DmaMemory::free(held[i], 4096);
    for (unsigned i = 0; i < npages; ++i) kernel::DmaMemory::free(pages[i], 4096);
  });
}
