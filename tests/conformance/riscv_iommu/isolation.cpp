// riscv-iommu.isolation.* and riscv-iommu.hitless.*: each device's requests go through its own device context
// (§2.3: "Use device_id to then locate the device-context"), so a device without a valid context is stopped
// while another translates the same IOVA, the record naming it; and live changes: a G-stage leaf and a whole
// device context replaced while the device translates, where the device may use the old or the new entry until
// the invalidation and the new one after it (§6.3.1, §6.3.4).
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

VIOMMU_TEST(riscv_iommu_isolation_unattached, "riscv-iommu.isolation.other_device_blocked", "riscv-iommu,dma,fault") {
  with_domain(t, first_stage(s::kSv39, 0xa1), [&](RiscvIommu* v, Domain& a) {
    drivers::DmaEndpoint* edu = need_endpoint(t, "edu");
    if (!edu) return;
    const DmaBlock page(kPage);
    if (!page.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, page.pa)) return t.error("no memory for page tables");
    const uint32_t edu_id = drv::device_id_of(edu->rid());
    if (!t.check("cmd.fence", kIofence, v->clear_dc(edu_id), "edu's context cleared: %s", v->last_error())) return;
    // virtio-blk reaches the page at kTestIova; edu, with no valid context, does not (DDT entry not valid).
    expect_translated(t, v, a.requester(), kTestIova + 0x40, page.pa + 0x40, kTestIova + 0x800, page.pa + 0x800, 256,
                      kDeviceContext);
    expect_fault(t, v, Requester{edu, edu_id, {}}, kTestIova + 0x100, kDeviceWrites, page.pa, kDeviceContext,
                 RecordLeeway{&kDcNotValid});
  });
}

VIOMMU_TEST(riscv_iommu_hitless_g_leaf, "riscv-iommu.hitless.g_stage_leaf_change", "riscv-iommu,dma") {
  with_domain(t, g_stage(s::kSv39x4, 0xa2), [&](RiscvIommu* v, Domain& a) {
    const DmaBlock x(kPage), y(kPage);
    if (!x.pa || !y.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, x.pa)) return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova, x.pa, kTestIova + 0x200, x.pa + 0x200, 256, kSecondStage);
    *a.pt().entry(kTestIova, 0) = drv::leaf_pte(y.pa, Perm::rw());
    arch::mb();
    const kernel::Clause kBetween{kernel::Strength::kOpen, "RISC-V IOMMU 1.0 §6.3.4",
        "Between a change to the second-stage PTE and when an invalidation command to invalidate the cached PTE is "
        "processed by the IOMMU, the IOMMU may use the old PTE value or the new PTE value."};
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kBetween, kBetween});
    v->drain_faults();
    for (int round = 0; round < 2; ++round) {
      const int got = probe.expect_translated_either(round ? kDeviceReads : kDeviceWrites, kTestIova + 0x100,
                                                     x.pa + 0x100, y.pa + 0x100, 128, next_seed());
      if (got >= 0)
        t.choice("pte.change", kBetween, got == 1, "before IOTINVAL.GVMA the %s reached the %s page",
                 round ? "read" : "write", got == 0 ? "old" : "new");
    }
    s::FaultRecord rec;
    t.check("fault.none", kBetween, !pop_record_of(t, v, a.devid(), rec), "a record (CAUSE %llu) between the change and its invalidation",
            ull(rec.cause()));
    if (!a.invalidate(kTestIova, kPage)) return;
    expect_translated(t, v, a.requester(), kTestIova + 0x300, y.pa + 0x300, kTestIova + 0x500, y.pa + 0x500, 256,
                      kIotinvalGvma);
  });
}

VIOMMU_TEST(riscv_iommu_hitless_dc, "riscv-iommu.hitless.dc_replaced_invalid_first", "riscv-iommu,dma") {
  RiscvIommu* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  // Two domains of different stages (a first-stage Sv48 and a G-stage Sv39x4) with one staging page: the
  // endpoint moves from one to the other the way §2.9 prescribes for fields that do not go together (V=0,
  // IODIR.INVAL_DDT, the new context, IODIR.INVAL_DDT and the old address space's IOTINVAL: Domain::set_context).
  const DmaBlock stage(kPage), x(kPage), y(kPage);
  if (!stage.pa || !x.pa || !y.pa) return t.error("no DMA memory");
  Domain a(t, v, first_stage(s::kSv48, 0xa3), stage.pa);
  Domain b(t, v, g_stage(s::kSv39x4, 0xa3), stage.pa);
  if (!a.ready() || !b.ready() || !a.attach(ep)) return;
  if (!a.pt().map_4k(kTestIova, x.pa) || !b.pt().map_4k(kTestIova, y.pa)) return t.error("no memory for page tables");
  expect_translated(t, v, a.requester(), kTestIova, x.pa, kTestIova + 0x400, x.pa + 0x400, 256, kFirstStage);
  if (!b.map_driver_memory(ep) || !a.set_context(b.context())) return;
  b.take_over(a);
  expect_translated(t, v, b.requester(), kTestIova + 0x40, y.pa + 0x40, kTestIova + 0x600, y.pa + 0x600, 256, kDcChange);
}
