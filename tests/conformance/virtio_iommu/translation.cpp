// virtio-iommu.translation.*: is endpoint DMA translated by the virtio-iommu at all?
//
// virtio-blk, attached to domain 1, writes at an IOVA equal to the guest-physical address of page A (src),
// which domain 1 maps to another page B (dst). Translated, the bytes land in B and A keeps its bytes;
// untranslated (a VMM that lets the endpoint's DMA bypass the IOMMU), they land in A. The check
// `dma.translated` is what the harness reads to give such a run one diagnosis ("DMA is not translated by the
// IOMMU") instead of a failure in every case.
#include <cstring>

#include "kernel/arch.h"
#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

namespace {

constexpr size_t kLen = 512;
constexpr uint8_t kSeed = 0x47, kCanaryA = 0xa1, kCanaryB = 0xb2;

size_t pattern_bytes(const uint8_t* p) {
  size_t n = 0;
  for (size_t i = 0; i < kLen; ++i) n += p[i] == kit::pattern(kSeed, i);
  return n;
}

}  // namespace

VIOMMU_TEST(vi_translation_dma_is_translated, "virtio-iommu.translation.dma_is_translated",
            "virtio-iommu,translation") {
  BlkCase c(t);
  Buf staging;  // where the endpoint is loaded from, at kIova
  if (!c.begin() || !c.s.alloc({&staging}, c.pg())) return;
  const uint64_t a = c.src.pa(), b = c.dst.pa();
  if (c.s.map(1, a, c.pg(), b, kRW) != kOk || c.s.map(1, kIova, c.pg(), staging.pa(), kRW) != kOk) return;
  const mv::Translation o = c.s.model().translate(c.blk.id, a, mv::Access::kWrite);
  t.check("oracle", kernel::kSuite, o.ok && o.pa == b,
          "the model translates 0x%lx to 0x%lx, the case mapped it to 0x%lx", static_cast<unsigned long>(a),
          static_cast<unsigned long>(o.pa), static_cast<unsigned long>(b));
  kit::DmaProbe probe(t, c.blk.dma, kit::Staging{kIova, staging.pa(), kLen}, kit::ProbeClauses{kMapPa, kNoMapping});
  if (!probe.load(kLen, kSeed)) return;
  memset(c.src.data(), kCanaryA, kLen);
  memset(c.dst.data(), kCanaryB, kLen);
  arch::dma_wmb();
  c.s.dev().drain_faults();
  const drivers::DmaStatus st = c.blk.dma->write(a, kLen);
  arch::dma_rmb();
  const bool in_b = pattern_bytes(c.dst.data()) == kLen, in_a = pattern_bytes(c.src.data()) == kLen;
  size_t a_changed = 0;
  for (size_t i = 0; i < kLen; ++i) a_changed += c.src.data()[i] != kCanaryA;
  if (in_a && !in_b) {
    t.check("dma.translated", kMapPa, false,
            "DMA is not translated by the IOMMU: %s's write to IOVA 0x%lx landed at physical 0x%lx (the IOVA used as a "
            "physical address), not at 0x%lx where domain 1 maps it", c.blk.dma->name(), static_cast<unsigned long>(a),
            static_cast<unsigned long>(a), static_cast<unsigned long>(b));
  } else {
    t.check("dma.translated", kMapPa, in_b && a_changed == 0,
            "%s's write to IOVA 0x%lx (status %s): mapped page 0x%lx %s, %zu bytes changed at the IOVA's physical "
            "address", c.blk.dma->name(), static_cast<unsigned long>(a), drivers::to_string(st),
            static_cast<unsigned long>(b), in_b ? "holds the data" : "does not hold the data", a_changed);
  }
  t.check("dma.status", kMapAccess, st == drivers::DmaStatus::kOk, "%s reported %s for a translated write",
          c.blk.dma->name(), drivers::to_string(st));
  c.s.expect_no_fault(c.blk, a, kLen, "after the translated write");
}
