// riscv-iommu.translation.*: is endpoint DMA translated by the IOMMU at all?
//
// An IOVA equal to the physical address of page A is mapped to a different page B in a first-stage Sv39
// domain; the endpoint writes at that IOVA. Translated, the bytes land in B and A stays untouched; untranslated
// (a VMM whose endpoint DMA bypasses the vIOMMU), they land in A. The check `dma.translated` is what the harness
// reads to give such a run one diagnosis ("DMA is not translated by the IOMMU") instead of a failure in every
// case.
#include "tests/conformance/riscv_iommu/fixture.h"

namespace {

using namespace riscv_iommu_tests;

constexpr uint8_t kCanaryA = 0xa1, kCanaryB = 0xb2;
constexpr size_t kLen = 512;

size_t pattern_bytes(const uint8_t* p, size_t len, uint8_t seed) {
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) n += p[i] == kit::pattern(seed, i) ? 1 : 0;
  return n;
}
bool all(const uint8_t* p, size_t len, uint8_t v) {
  for (size_t i = 0; i < len; ++i)
    if (p[i] != v) return false;
  return true;
}

}  // namespace

VIOMMU_TEST(riscv_iommu_dma_is_translated, "riscv-iommu.translation.dma_is_translated", "riscv-iommu,translation") {
  with_domain(t, first_stage(s::kSv39, 0x11), [&](RiscvIommu* v, Domain& d) {
    const DmaBlock a(kPage), b(kPage);
    if (!a.pa || !b.pa) return t.error("no DMA memory");
    // IOVA A -> page B; nothing else in this domain maps A.
    if (!d.pt().map_4k(a.pa, b.pa)) return t.error("no memory for page tables");
    const auto o = predict(v, d.devid(), a.pa, kDeviceWrites);
    t.check("oracle", kernel::kSuite, o.ok() && o.pa == b.pa, "the model translates 0x%llx to 0x%llx, the case mapped "
            "it to 0x%llx", ull(a.pa), ull(o.pa), ull(b.pa));
    const uint8_t seed = next_seed();
    kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{kDmaTranslated, kDmaTranslated});
    if (!probe.load(kLen, seed)) return;
    uint8_t* pa = kernel::DmaMemory::ptr<uint8_t>(a.pa);
    uint8_t* pb = kernel::DmaMemory::ptr<uint8_t>(b.pa);
    for (size_t i = 0; i < kLen; ++i) {
      pa[i] = kCanaryA;
      pb[i] = kCanaryB;
    }
    arch::dma_wmb();
    v->drain_faults();
    const drivers::DmaStatus st = d.ep()->write(a.pa, kLen);
    arch::dma_rmb();
    const bool in_b = pattern_bytes(pb, kLen, seed) == kLen;
    const bool in_a = pattern_bytes(pa, kLen, seed) == kLen;
    if (in_a && !in_b) {
      t.check("dma.translated", kDmaTranslated, false,
              "DMA is not translated by the IOMMU: %s's write to IOVA 0x%llx landed at physical 0x%llx (the IOVA "
              "used as a physical address), not at 0x%llx where the IOMMU maps it", d.ep()->name(), ull(a.pa),
              ull(a.pa), ull(b.pa));
    } else {
      t.check("dma.translated", kDmaTranslated, in_b && all(pa, kLen, kCanaryA),
              "%s's write to IOVA 0x%llx (status %s): mapped page 0x%llx %s, page 0x%llx at the IOVA's physical "
              "address %s", d.ep()->name(), ull(a.pa), drivers::to_string(st), ull(b.pa),
              in_b ? "holds the data" : "does not hold the data", ull(a.pa),
              all(pa, kLen, kCanaryA) ? "untouched" : "changed");
    }
    t.check("dma.status", kDmaTranslated, st == drivers::DmaStatus::kOk, "%s reported %s for a translated write",
            d.ep()->name(), drivers::to_string(st));
    s::FaultRecord rec;
    t.check("fault.none", kNoFaultOnSuccess, !pop_record_of(t, v, d.devid(), rec), "a translated DMA left a record: CAUSE %llu (%s)",
            ull(rec.cause()), s::cause_name(rec.cause()));
  });
}
