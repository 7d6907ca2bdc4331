// riscv-iommu.inval.*: no stale translation after the invalidation the spec prescribes (§3.1.1, §3.1.3, §6.3):
// a translation is used (and so may be cached), its leaf is replaced in one store, the IOTINVAL.VMA / GVMA or
// IODIR.INVAL_DDT under test and IOFENCE.C are sent, and the next DMA must reach the new page only, the old one
// untouched. QEMU caches only translations whose address changes, so every IOVA here differs from its page.
#include <cstring>

#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

constexpr uint64_t kGpa = 0x1'4000'0000ull;  // nested: the GPA whose G-stage leaf changes
constexpr uint8_t kOld = 0x5a;

using Invalidate = bool (*)(RiscvIommu* v, const DomainConfig& c, uint64_t iova, uint64_t gpa);

// Which leaf changes: the first stage's for the IOVA, or (nested) the G-stage's for kGpa.
enum class Leaf { kTranslating, kGStageOfNested };

void remap_case(kernel::Test& t, const DomainConfig& c, Leaf leaf, Invalidate inval, const kernel::Clause& clause) {
  with_domain(t, c, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock x(kPage), y(kPage);
    if (!x.pa || !y.pa) return t.error("no DMA memory");
    drv::PageTable& table = leaf == Leaf::kTranslating ? a.pt() : a.drv().second();
    const uint64_t va = leaf == Leaf::kTranslating ? kTestIova : kGpa;
    bool mapped = table.map_4k(va, x.pa);
    if (leaf == Leaf::kGStageOfNested) mapped = mapped && a.pt().map_4k(kTestIova, kGpa);
    if (!mapped) return t.error("no memory for page tables");
    // Used once each way: from here the IOMMU may hold the translation.
    expect_translated(t, v, a.requester(), kTestIova + 0x100, x.pa + 0x100, kTestIova + 0x600, x.pa + 0x600, 256, clause);
    volatile uint64_t* e = table.entry(va, 0);
    if (!e) return t.error("no leaf for 0x%llx", ull(va));
    *e = drv::leaf_pte(y.pa, Perm::rw());  // one 64-bit store
    arch::mb();
    if (!t.check("cmd.fence", kIofence, inval(v, a.drv().config(), kTestIova, kGpa), "invalidation + IOFENCE.C: %s",
                 v->last_error()))
      return;
    std::memset(kernel::DmaMemory::ptr<uint8_t>(x.pa), kOld, kPage);
    arch::dma_wmb();
    expect_translated(t, v, a.requester(), kTestIova + 0x200, y.pa + 0x200, kTestIova + 0x800, y.pa + 0x800, 256, clause);
    size_t changed = 0;
    for (size_t i = 0; i < kPage; ++i) changed += kernel::DmaMemory::ptr<uint8_t>(x.pa)[i] != kOld;
    t.check("dma.stale", clause, changed == 0, "%zu bytes of the old page 0x%llx changed after the invalidation",
            changed, ull(x.pa));
  });
}

drv::Inval inval_of(const DomainConfig& c, bool gv, bool pscv, bool av, uint64_t addr) {
  drv::Inval i;
  i.gv = gv;
  i.gscid = c.gscid;
  i.pscv = pscv;
  i.pscid = c.pscid;
  i.av = av;
  i.addr = addr;
  return i;
}

const DomainConfig kS1 = first_stage(s::kSv39, 0x71);
const DomainConfig kS2 = g_stage(s::kSv39x4, 0x72);
const DomainConfig kNested = nested(s::kSv39, s::kSv39x4, 0x73, 0x73);

}  // namespace

VIOMMU_TEST(riscv_iommu_inval_vma_addr, "riscv-iommu.inval.vma_address_pscid", "riscv-iommu,dma") {
  remap_case(t, kS1, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t iova, uint64_t) {
    return v->iotinval_vma(inval_of(c, false, true, true, iova));
  }, kIotinvalVma);
}
VIOMMU_TEST(riscv_iommu_inval_vma_pscid, "riscv-iommu.inval.vma_pscid", "riscv-iommu,dma") {
  remap_case(t, kS1, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t) {
    return v->iotinval_vma(inval_of(c, false, true, false, 0));
  }, kIotinvalVma);
}
VIOMMU_TEST(riscv_iommu_inval_vma_addr_all, "riscv-iommu.inval.vma_address_every_pscid", "riscv-iommu,dma") {
  remap_case(t, kS1, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t iova, uint64_t) {
    return v->iotinval_vma(inval_of(c, false, false, true, iova));
  }, kIotinvalVma);
}
VIOMMU_TEST(riscv_iommu_inval_vma_all, "riscv-iommu.inval.vma_all", "riscv-iommu,dma") {
  remap_case(t, kS1, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t) {
    return v->iotinval_vma(inval_of(c, false, false, false, 0));
  }, kIotinvalVma);
}
VIOMMU_TEST(riscv_iommu_inval_gvma_addr, "riscv-iommu.inval.gvma_address", "riscv-iommu,dma") {
  remap_case(t, kS2, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t iova, uint64_t) {
    return v->iotinval_gvma(inval_of(c, true, false, true, iova));
  }, kIotinvalGvmaAddr);
}
VIOMMU_TEST(riscv_iommu_inval_gvma_gscid, "riscv-iommu.inval.gvma_gscid", "riscv-iommu,dma") {
  remap_case(t, kS2, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t) {
    return v->iotinval_gvma(inval_of(c, true, false, false, 0));
  }, kIotinvalGvma);
}
VIOMMU_TEST(riscv_iommu_inval_gvma_all, "riscv-iommu.inval.gvma_all", "riscv-iommu,dma") {
  remap_case(t, kS2, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t) {
    return v->iotinval_gvma(inval_of(c, false, false, false, 0));
  }, kIotinvalGvma);
}
VIOMMU_TEST(riscv_iommu_inval_nested_vma, "riscv-iommu.inval.nested_vma_address", "riscv-iommu,dma") {
  remap_case(t, kNested, Leaf::kTranslating, [](RiscvIommu* v, const DomainConfig& c, uint64_t iova, uint64_t) {
    return v->iotinval_vma(inval_of(c, true, true, true, iova));
  }, kIotinvalVma);
}
VIOMMU_TEST(riscv_iommu_inval_nested_gvma_addr, "riscv-iommu.inval.nested_gvma_address", "riscv-iommu,dma") {
  // The G-stage leaf of the GPA the first stage maps the IOVA to changes: IOTINVAL.GVMA names the GPA, not the
  // IOVA ("corresponding to the guest-physical-address in ADDR operand").
  remap_case(t, kNested, Leaf::kGStageOfNested, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t gpa) {
    return v->iotinval_gvma(inval_of(c, true, false, true, gpa));
  }, kIotinvalGvmaAddr);
}
VIOMMU_TEST(riscv_iommu_inval_nested_gvma_gscid, "riscv-iommu.inval.nested_gvma_gscid", "riscv-iommu,dma") {
  remap_case(t, kNested, Leaf::kGStageOfNested, [](RiscvIommu* v, const DomainConfig& c, uint64_t, uint64_t) {
    return v->iotinval_gvma(inval_of(c, true, false, false, 0));
  }, kIotinvalGvma);
}

namespace {

// The DC's fsc switched to a second table (same staging mapping, kTestIova -> y instead of x) in one store, then
// `dv` IODIR.INVAL_DDT and IOTINVAL.VMA for the PSCID (§6.3.1): the next DMA uses the second table.
void dc_switch_case(kernel::Test& t, uint32_t pscid, bool dv) {
  with_domain(t, first_stage(s::kSv39, pscid), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock x(kPage), y(kPage);
    drv::PageTable second(s::kSv39);
    if (!x.pa || !y.pa || !second.init()) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, x.pa) || !second.map_4k(kTestIova, y.pa) || !second.map_4k(kStageIova, a.stage_pa()))
      return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova, x.pa, kTestIova + 0x400, x.pa + 0x400, 256, kDcChange);
    s::Fsc f = a.context().fsc();
    f.set_ppn(second.root() >> 12);
    if (!v->write_dc_word(a.devid(), 3, f.raw())) return t.error("%s", v->last_error());
    drv::Inval as;
    as.pscv = true;
    as.pscid = pscid;
    const bool done = v->iodir_inval_ddt(dv, a.devid()) && v->iotinval_vma(as);
    if (!t.check("cmd.fence", kIofence, done, "IODIR.INVAL_DDT + IOTINVAL.VMA + IOFENCE.C: %s", v->last_error())) return;
    std::memset(kernel::DmaMemory::ptr<uint8_t>(x.pa), kOld, kPage);
    expect_translated(t, v, a.requester(), kTestIova + 0x40, y.pa + 0x40, kTestIova + 0x500, y.pa + 0x500, 256, kIodirDdt);
    size_t changed = 0;
    for (size_t i = 0; i < kPage; ++i) changed += kernel::DmaMemory::ptr<uint8_t>(x.pa)[i] != kOld;
    t.check("dma.stale", kIodirDdt, changed == 0, "%zu bytes of the old table's page changed", changed);
    // Back to the domain's own table before `second` goes.
    if (!a.set_context(a.context())) return;
  }, "edu");
}

}  // namespace

VIOMMU_TEST(riscv_iommu_inval_ddt_device, "riscv-iommu.inval.iodir_ddt_device", "riscv-iommu,dma") {
  dc_switch_case(t, 0x74, true);
}
VIOMMU_TEST(riscv_iommu_inval_ddt_all, "riscv-iommu.inval.iodir_ddt_all", "riscv-iommu,dma") {
  dc_switch_case(t, 0x75, false);
}

VIOMMU_TEST(riscv_iommu_inval_invalid_pte, "riscv-iommu.inval.invalid_pte_not_cached", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x76), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock x(kPage);
    if (!x.pa) return t.error("no DMA memory");
    // A DMA that finds no leaf (a fault), then the leaf stored valid without IOTINVAL: "This specification does
    // not allow the caching of first/second-stage PTEs whose V (valid) bit is clear".
    expect_fault(t, v, a.requester(), kTestIova + 0x10, kDeviceWrites, 0, kPteInvalid);
    if (!a.pt().map_4k(kTestIova, x.pa)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova + 0x20, x.pa + 0x20, kTestIova + 0x300, x.pa + 0x300, 256,
                      kNoInvalidCaching);
  });
}

VIOMMU_TEST(riscv_iommu_inval_old_or_new, "riscv-iommu.inval.pte_change_old_or_new", "riscv-iommu,dma") {
  with_domain(t, first_stage(s::kSv39, 0x77), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock x(kPage), y(kPage);
    if (!x.pa || !y.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, x.pa)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova, x.pa, kTestIova + 0x200, x.pa + 0x200, 256);
    *a.pt().entry(kTestIova, 0) = drv::leaf_pte(y.pa, Perm::rw());
    arch::mb();
    // Before the IOTINVAL: the old translation or the new one, never another page and without a fault.
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kPteChangeBetween, kPteChangeBetween});
    v->drain_faults();
    const int got = probe.expect_translated_either(kDeviceWrites, kTestIova + 0x100, x.pa + 0x100, y.pa + 0x100, 256,
                                                   next_seed());
    if (got >= 0)
      t.choice("pte.change", kPteChangeBetween, got == 1, "before the invalidation the device wrote the %s page",
               got == 0 ? "old" : "new");
    s::FaultRecord rec;
    t.check("fault.none", kPteChangeBetween, !pop_record_of(t, v, a.devid(), rec), "a record (CAUSE %llu) for a DMA between the change "
            "and its invalidation", ull(rec.cause()));
    if (!a.invalidate(kTestIova, kPage)) return;
    expect_translated(t, v, a.requester(), kTestIova + 0x400, y.pa + 0x400, kTestIova + 0x600, y.pa + 0x600, 256,
                      kIotinvalVma);
  });
}
