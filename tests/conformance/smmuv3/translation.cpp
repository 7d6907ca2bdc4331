// smmuv3.translation.*: is endpoint DMA translated by the SMMU at all?
//
// An IOVA equal to the guest-physical address of scratch page A is mapped to a different page B; the endpoint
// writes through the SMMU at that IOVA. Translated, the bytes land in B and A stays untouched; untranslated
// (a VMM that lets the device's DMA bypass the vIOMMU, an SMMU model that ignores the stream table), they land
// in A. The check `dma.translated` is what the harness reads to give such a run one diagnosis ("DMA is not
// translated by the IOMMU") instead of a failure in every case.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;

constexpr uint8_t kCanaryA = 0xa1, kCanaryB = 0xb2;
constexpr uint8_t kSeed = 0x47;
uint8_t byte(size_t i) { return static_cast<uint8_t>(kSeed + i * 7 + (i >> 8)); }  // the fixture's pattern()

// How many of the first `len` bytes at p hold the pattern.
size_t pattern_bytes(const uint8_t* p, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) n += p[i] == byte(i) ? 1 : 0;
  return n;
}
bool all(const uint8_t* p, size_t len, uint8_t v) {
  for (size_t i = 0; i < len; ++i)
    if (p[i] != v) return false;
  return true;
}

}  // namespace

VIOMMU_TEST(translation_dma_is_translated, "smmuv3.translation.dma_is_translated", "smmuv3,translation") {
  Env e(t);
  if (!e.ready()) return;
  const uint64_t a = e.page64k(), b = e.page64k();
  if (!a || !b) return;
  Domain d;
  // IOVA A -> page B; nothing else in this domain maps A (the staging block is elsewhere).
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(a, b, 0x1000), "map") || !e.attach(d, e.blk)) return;
  const auto o = e.predict(e.blk_sid, a, true);
  t.check("oracle", kernel::kSuite, o.ok() && o.pa == b, "the model translates 0x%lx to 0x%lx, the case mapped it to 0x%lx",
          static_cast<unsigned long>(a), static_cast<unsigned long>(o.pa), static_cast<unsigned long>(b));
  if (!e.load(e.blk, kLen, kSeed)) return;
  uint8_t* pa = kernel::DmaMemory::ptr<uint8_t>(a);
  uint8_t* pb = kernel::DmaMemory::ptr<uint8_t>(b);
  for (size_t i = 0; i < kLen; ++i) {
    pa[i] = kCanaryA;
    pb[i] = kCanaryB;
  }
  arch::dma_wmb();
  e.smmu->drain_events();
  const drivers::DmaStatus st = e.blk->write(a, kLen);
  arch::dma_rmb();
  const bool in_b = pattern_bytes(pb, kLen) == kLen;
  const bool a_untouched = all(pa, kLen, kCanaryA);
  const bool in_a = pattern_bytes(pa, kLen) == kLen;
  if (in_a && !in_b) {
    t.check("dma.translated", kDmaTranslated, false,
            "DMA is not translated by the IOMMU: %s's write to IOVA 0x%lx landed at physical 0x%lx (the IOVA used as a "
            "physical address), not at 0x%lx where the SMMU maps it", e.blk->name(), static_cast<unsigned long>(a),
            static_cast<unsigned long>(a), static_cast<unsigned long>(b));
  } else {
    t.check("dma.translated", kDmaTranslated, in_b && a_untouched,
            "%s's write to IOVA 0x%lx (status %s): mapped page 0x%lx %s, page 0x%lx at the IOVA's physical address %s",
            e.blk->name(), static_cast<unsigned long>(a), drivers::to_string(st), static_cast<unsigned long>(b),
            in_b ? "holds the data" : "does not hold the data", static_cast<unsigned long>(a),
            a_untouched ? "untouched" : "changed");
  }
  t.check("dma.status", kDmaTranslated, st == drivers::DmaStatus::kOk, "%s reported %s for a translated write",
          e.blk->name(), drivers::to_string(st));
  spec::smmuv3::EventRecord ev;
  t.check("event.none", kNoEventOnSuccess, !e.smmu->pop_event(ev), "a translated DMA recorded event 0x%02x (%s)",
          static_cast<unsigned>(ev.type()), event_name(ev.type()));
}
