// smmuv3.s2.* and smmuv3.nested.*: stage-2 and two-stage translation (IHI 0070 §3.4, §5.2 S2*; Arm ARM D8).
// Run only where SMMU_IDR0.S2P (and S1P for nesting) says so; otherwise SKIP with that reason.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmu_tests;
using spec::smmuv3::EventType;

bool need_s2(kernel::Test& t, bool nested) {
  Smmu* s = Smmu::get();
  if (!s) {
    t.skip("no arm,smmu-v3 node in the device tree");
    return false;
  }
  if (!s->idr0().s2p()) {
    t.skip("SMMU_IDR0.S2P = 0: stage 2 not implemented (IDR0 = 0x%08x)", s->read32(RegOffset::kIdr0));
    return false;
  }
  if (nested && !s->idr0().s1p()) {
    t.skip("SMMU_IDR0.S1P = 0: no nesting without stage 1");
    return false;
  }
  return true;
}

template <typename F>
void s2_case(kernel::Test& t, unsigned gshift, spec::vmsa::Descriptor leaf, F body) {
  if (!need_s2(t, false)) return;
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  DomainConfig c;
  c.stage1 = false;
  c.stage2 = true;
  c.s2_gshift = gshift;
  if (!e.init_domain(d, c)) return;
  const uint64_t pa = e.page64k();
  if (!pa || !e.mapped(d.map(kIova, pa, uint64_t{1} << gshift, leaf), "map") || !e.attach(d, e.blk)) return;
  body(e, d, pa);
}

template <typename F>
void nested_case(kernel::Test& t, F body) {
  if (!need_s2(t, true)) return;
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  DomainConfig c;
  c.stage2 = true;
  if (!e.init_domain(d, c)) return;
  if (!e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk)) return;
  body(e, d);
}
}  // namespace

VIOMMU_TEST(s2_4k, "smmuv3.s2.4k_page_translate", "smmuv3,s2") {
  s2_case(t, 12, drivers::smmuv3::s2_rw_leaf(),
          [](Env& e, Domain&, uint64_t pa) { expect_ok(e, e.blk, kIova + 0x200, Dir::kDeviceWrites, pa + 0x200); });
}
VIOMMU_TEST(s2_16k, "smmuv3.s2.16k_page_translate", "smmuv3,s2") {
  Smmu* s = Smmu::get();
  if (s && !s->idr5().gran16k()) return t.skip("no 16 KiB granule");
  s2_case(t, 14, drivers::smmuv3::s2_rw_leaf(),
          [](Env& e, Domain&, uint64_t pa) { expect_ok(e, e.blk, kIova + 0x200, Dir::kDeviceWrites, pa + 0x200); });
}
VIOMMU_TEST(s2_64k, "smmuv3.s2.64k_page_translate", "smmuv3,s2") {
  Smmu* s = Smmu::get();
  if (s && !s->idr5().gran64k()) return t.skip("no 64 KiB granule");
  s2_case(t, 16, drivers::smmuv3::s2_rw_leaf(),
          [](Env& e, Domain&, uint64_t pa) { expect_ok(e, e.blk, kIova + 0x200, Dir::kDeviceWrites, pa + 0x200); });
}
VIOMMU_TEST(s2_perm, "smmuv3.s2.permission_write_to_s2ap_read_only", "smmuv3,s2,fault") {
  s2_case(t, 12, spec::vmsa::make_s2_leaf(0, true, spec::vmsa::kS2ApRead), [](Env& e, Domain&, uint64_t pa) {
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFPermission, pa, kS2Ap);
  });
}
VIOMMU_TEST(s2_af, "smmuv3.s2.access_flag_fault", "smmuv3,s2,fault") {
  s2_case(t, 12, spec::vmsa::make_s2_leaf(0, true, spec::vmsa::kS2ApRw, false), [](Env& e, Domain&, uint64_t pa) {
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFAccess, pa, kS2Affd);
  });
}
VIOMMU_TEST(s2_xlat, "smmuv3.s2.translation_fault_unmapped_ipa", "smmuv3,s2,fault") {
  s2_case(t, 12, drivers::smmuv3::s2_rw_leaf(), [](Env& e, Domain&, uint64_t) {
    expect_fault(e, e.blk, kIova + 0x10000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kInvalidDesc);
  });
}
VIOMMU_TEST(s2_beyond_t0sz, "smmuv3.s2.translation_fault_ipa_beyond_s2t0sz", "smmuv3,s2,fault") {
  s2_case(t, 12, drivers::smmuv3::s2_rw_leaf(), [](Env& e, Domain&, uint64_t) {
    // S2T0SZ 24: a 40-bit IPA space.
    expect_fault(e, e.blk, uint64_t{1} << 41, Dir::kDeviceWrites, EventType::kFTranslation, 0, kS2Range);
  });
}
VIOMMU_TEST(s2_tlbi_ipa, "smmuv3.s2.unmap_tlbi_s2_ipa", "smmuv3,s2,inval") {
  s2_case(t, 12, drivers::smmuv3::s2_rw_leaf(), [&](Env& e, Domain& d, uint64_t pa) {
    expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, pa);
    d.unmap(kIova);
    if (!e.synced(d.tlbi_va(kIova), "TLBI_S2_IPA")) return;
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFTranslation, pa, kTlbiComplete);
  });
}
VIOMMU_TEST(s2_tlbi_vmall, "smmuv3.s2.unmap_tlbi_s12_vmall", "smmuv3,s2,inval") {
  s2_case(t, 12, drivers::smmuv3::s2_rw_leaf(), [&](Env& e, Domain& d, uint64_t pa) {
    expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, pa);
    d.unmap(kIova);
    spec::smmuv3::CmdTlbiS12Vmall c;
    c.set_vmid(d.config().vmid);
    if (!e.synced(e.smmu->command(c), "TLBI_S12_VMALL")) return;
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFTranslation, pa, kTlbiComplete);
  });
}
VIOMMU_TEST(nested_translate, "smmuv3.nested.translate", "smmuv3,nested") {
  nested_case(t, [](Env& e, Domain&) { expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0)); });
}
VIOMMU_TEST(nested_s1_fault, "smmuv3.nested.stage1_translation_fault", "smmuv3,nested,fault") {
  nested_case(t, [](Env& e, Domain&) {
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kInvalidDesc);
  });
}
VIOMMU_TEST(nested_s2_output_fault, "smmuv3.nested.stage2_fault_on_output_class_in", "smmuv3,nested,fault") {
  nested_case(t, [&](Env& e, Domain& d) {
    // Stage 1 maps kIova+4K to an IPA stage 2 does not map: S2 = 1, CLASS = IN, IPA = that address.
    if (!e.mapped(d.map(kIova + 0x1000, 0x80'0000'0000ull, 0x1000), "map")) return;
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kEventS2);
  });
}
VIOMMU_TEST(nested_s2_table_fault, "smmuv3.nested.stage2_fault_on_stage1_table_class_tt", "smmuv3,nested,fault") {
  nested_case(t, [&](Env& e, Domain& d) {
    // A stage-1 table descriptor whose next-level IPA stage 2 does not map: S2 = 1, CLASS = TT.
    const uint64_t va = kIova + (uint64_t{9} << 30);
    volatile uint64_t* l1 = d.tt(0).slot(va, 1, false);
    if (!l1) return t.error("no level-1 slot in the driver's tables");
    *l1 = spec::vmsa::make_table(0x80'0000'0000ull).words[0];
    expect_fault(e, e.blk, va, Dir::kDeviceWrites, EventType::kFTranslation, 0, kEventS2);
  });
}
VIOMMU_TEST(nested_s2_perm, "smmuv3.nested.stage2_permission_on_output", "smmuv3,nested,fault") {
  nested_case(t, [&](Env& e, Domain& d) {
    // A 2 MiB block of its own (no rings in it), stage-2 read-only: a device write through stage 1 to it is a
    // stage-2 Permission fault (S2 = 1, CLASS = IN, IPA = the stage-1 output).
    const uint64_t blk = kernel::DmaMemory::alloc(2u << 20);
    if (!blk) return t.error("no 2 MiB DMA block");
    if (!d.s2().map(blk, blk, 2, spec::vmsa::make_s2_leaf(0, false, spec::vmsa::kS2ApRead)) ||
        !d.map(kIova + 0x1000, blk + 0x3000, 0x1000)) {
      kernel::DmaMemory::free(blk, 2u << 20);
      return t.error("map failed (out of page-table memory?)");
    }
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFPermission, blk + 0x3000, kS2Ap);
    kernel::DmaMemory::free(blk, 2u << 20);
  });
}
