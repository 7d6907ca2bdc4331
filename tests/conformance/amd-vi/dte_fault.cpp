// amd-vi.dte.* and amd-vi.fault.*: DTE V/TV/Mode-0 behaviour (48882 §2.2.2.1), permission faults and the
// events they log (§2.5), each compared with the model field by field.
#include "tests/conformance/amd-vi/amdvi_fixture.h"

using namespace amdvi_tests;  // NOLINT

namespace {

struct Setup {
  AmdVi* v = nullptr;
  drivers::DmaEndpoint* ep = nullptr;
};
Setup need(kernel::Test& t) {
  Setup s;
  s.v = need_iommu(t);
  if (s.v) s.ep = need_endpoint(t, "virtio-blk");
  return s;
}

// Mode 0 (untranslated) DTE with the given permissions: IOVA == PA, the driver's rings reachable
// through it only when IR/IW allow.
s::Dte mode0(uint16_t domain, bool ir, bool iw) {
  s::Dte d;
  d.set_v(1).set_tv(1).set_mode(0).set_ir(ir).set_iw(iw).set_domain_id(domain);
  return d;
}

}  // namespace

VIOMMU_TEST(amdvi_dte_v0, "amd-vi.dte.v0_untranslated", "amd-vi,dma") {
  Setup s = need(t);
  if (!s.ep) return;
  // V=0: requests pass untranslated (the driver's default for every device).
  const uint16_t devid = drivers::amd_vi::device_id_of(s.ep->rid());
  t.expect_eq("DTE[0] of the endpoint", 0, s.v->dte(devid).words[0]);
  const uint64_t a = kernel::DmaMemory::alloc(4096), b = kernel::DmaMemory::alloc(4096);
  translated_roundtrip(t, s.v, s.ep, devid, a, a, b, b, 512);
  kernel::DmaMemory::free(a, 4096);
  kernel::DmaMemory::free(b, 4096);
}

VIOMMU_TEST(amdvi_dte_tv0, "amd-vi.dte.v1_tv0_blocks", "amd-vi,dma,fault") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x21);
  if (!a.ok()) return;
  // V=1, TV=0 (IR=IW=1 left set): no translation information, so DMA is target aborted.
  // The rings go back to IOVA == PA first, so that an implementation passing TV=0 requests through
  // does not read descriptors from the IOVAs of the Mode-1 table.
  drivers::set_driver_iova(s.ep, nullptr, nullptr);
  s::Dte d = a.base_dte();
  d.set_tv(0).set_mode(0).set_page_table_root_4k(0);
  if (!a.set_dte(d)) return;
  drivers::reset_endpoint(s.ep);
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  expect_blocked(t, s.v, s.ep, a.devid(), pg, true, pg, 0);
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_dte_mode0_rw, "amd-vi.dte.mode0_rw_untranslated", "amd-vi,dma") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x22);
  if (!a.ok()) return;
  drivers::set_driver_iova(s.ep, nullptr, nullptr);  // Mode 0: IOVA == PA for the rings too
  if (!a.set_dte(mode0(0x22, true, true)) || !drivers::reset_endpoint(s.ep)) return t.fail("re-init failed");
  const uint64_t x = kernel::DmaMemory::alloc(4096), y = kernel::DmaMemory::alloc(4096);
  translated_roundtrip(t, s.v, s.ep, a.devid(), x, x, y, y, 512);
  kernel::DmaMemory::free(x, 4096);
  kernel::DmaMemory::free(y, 4096);
}

VIOMMU_TEST(amdvi_dte_mode0_noperm, "amd-vi.dte.mode0_no_permission_blocks", "amd-vi,dma,fault") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x23);
  if (!a.ok()) return;
  drivers::set_driver_iova(s.ep, nullptr, nullptr);
  if (!a.set_dte(mode0(0x23, false, false))) return;
  const uint64_t x = kernel::DmaMemory::alloc(4096);
  expect_blocked(t, s.v, s.ep, a.devid(), x, true, x, 0);
  kernel::DmaMemory::free(x, 4096);
}

VIOMMU_TEST(amdvi_dte_reserved_abort, "amd-vi.dte.reserved_bit_blocks", "amd-vi,dma,fault") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x24);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  a.pt().map_4k(kTestIova, pg);
  s::Dte d = a.base_dte();
  d.words[3] = 1;  // quadword 3 reserved in the v1 DTE
  if (!a.set_dte(d)) return;
  expect_blocked(t, s.v, s.ep, a.devid(), kTestIova, true, pg, 0);
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_dte_reserved_event, "amd-vi.dte.reserved_bit_event", "amd-vi,dma,fault,event") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x25);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  a.pt().map_4k(kTestIova, pg);
  s::Dte d = a.base_dte();
  d.words[3] = 1;
  if (!a.set_dte(d)) return;
  // §2.5.2 ILLEGAL_DEV_TABLE_ENTRY: DeviceID, Address = the DTE's address.
  expect_fault(t, s.v, s.ep, a.devid(), kTestIova, true, pg, 0);
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_dte_mode7, "amd-vi.dte.mode7_illegal", "amd-vi,dma,fault,event") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x26);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  a.pt().map_4k(kTestIova, pg);
  s::Dte d = a.base_dte();
  d.set_mode(7);
  if (!a.set_dte(d)) return;
  expect_fault(t, s.v, s.ep, a.devid(), kTestIova, true, pg, 0);
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_dte_change, "amd-vi.dte.change_after_invalidate", "amd-vi,dma,fault") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 1, 0x27);
  if (!a.ok()) return;
  const uint64_t x = kernel::DmaMemory::alloc(4096), y = kernel::DmaMemory::alloc(4096);
  a.pt().map_4k(kTestIova, x);
  a.pt().map_4k(kTestIova + 0x1000, y);
  translated_roundtrip(t, s.v, s.ep, a.devid(), kTestIova, x, kTestIova + 0x1000, y, 256);
  // Same tables, IW cleared in the DTE; after INVALIDATE_DEVTAB_ENTRY (+ pages) writes must fault.
  s::Dte d = a.base_dte();
  d.set_iw(0);
  if (!a.set_dte(d)) return;
  expect_blocked(t, s.v, s.ep, a.devid(), kTestIova + 0x1000, true, y, a.stage_pa());
  kernel::DmaMemory::free(x, 4096);
  kernel::DmaMemory::free(y, 4096);
}

namespace {
// A fault case on a fresh Mode 3 domain: `prepare` maps what it wants, then the access at iova.
template <typename F>
void fault_case(kernel::Test& t, uint16_t domain, uint64_t iova, bool write, bool check_event, F prepare) {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 3, domain);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  prepare(a, pg);
  if (check_event)
    expect_fault(t, s.v, s.ep, a.devid(), iova, write, pg, a.stage_pa());
  else
    expect_blocked(t, s.v, s.ep, a.devid(), iova, write, pg, a.stage_pa());
  kernel::DmaMemory::free(pg, 4096);
}
}  // namespace

VIOMMU_TEST(amdvi_np_read, "amd-vi.fault.not_present_read_blocked", "amd-vi,dma,fault") {
  fault_case(t, 0x31, 0x5000, false, false, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x4000, pg); });
}
VIOMMU_TEST(amdvi_np_write, "amd-vi.fault.not_present_write_blocked", "amd-vi,dma,fault") {
  fault_case(t, 0x32, 0x5000, true, false, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x4000, pg); });
}
VIOMMU_TEST(amdvi_np_read_ev, "amd-vi.fault.not_present_read_event", "amd-vi,dma,fault,event") {
  fault_case(t, 0x33, 0x5000, false, true, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x4000, pg); });
}
VIOMMU_TEST(amdvi_np_write_ev, "amd-vi.fault.not_present_write_event", "amd-vi,dma,fault,event") {
  fault_case(t, 0x34, 0x5000, true, true, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x4000, pg); });
}
VIOMMU_TEST(amdvi_ro_write, "amd-vi.fault.write_to_read_only_blocked", "amd-vi,dma,fault") {
  fault_case(t, 0x35, 0x5000, true, false, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x5000, pg, true, false); });
}
VIOMMU_TEST(amdvi_ro_write_ev, "amd-vi.fault.write_to_read_only_event", "amd-vi,dma,fault,event") {
  fault_case(t, 0x36, 0x5000, true, true, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x5000, pg, true, false); });
}
VIOMMU_TEST(amdvi_wo_read, "amd-vi.fault.read_from_write_only_blocked", "amd-vi,dma,fault") {
  fault_case(t, 0x37, 0x5000, false, false, [](Attach& a, uint64_t pg) { a.pt().map_4k(0x5000, pg, false, true); });
}
// The next cases edit PDEs above IOVA 0x40_0000_5000 (level-3 index 256), away from the entries that
// map the rings and the staging page.
VIOMMU_TEST(amdvi_pde_iw, "amd-vi.fault.pde_iw0_masks_pte", "amd-vi,dma,fault") {
  fault_case(t, 0x38, 0x40'0000'5000ull, true, false, [](Attach& a, uint64_t pg) {
    a.pt().map_4k(0x40'0000'5000ull, pg, true, true);
    volatile uint64_t* pde = a.pt().entry(0x40'0000'5000ull, 2);
    if (pde) *pde &= ~(uint64_t{1} << 62);  // the level-2 PDE loses IW
  });
}
VIOMMU_TEST(amdvi_pt_hwerr, "amd-vi.fault.page_table_outside_memory_blocked", "amd-vi,dma,fault") {
  fault_case(t, 0x39, 0x40'0000'5000ull, false, false, [](Attach& a, uint64_t pg) {
    a.pt().map_4k(0x40'0000'5000ull, pg);
    volatile uint64_t* pde = a.pt().entry(0x40'0000'5000ull, 3);
    if (pde) *pde = drivers::amd_vi::v1_pte(0xf'0000'0000ull, 2, true, true);  // 60 GiB: no memory there
  });
}
VIOMMU_TEST(amdvi_pt_hwerr_ev, "amd-vi.fault.page_table_hardware_error_event", "amd-vi,dma,fault,event") {
  fault_case(t, 0x3a, 0x40'0000'5000ull, false, true, [](Attach& a, uint64_t pg) {
    a.pt().map_4k(0x40'0000'5000ull, pg);
    volatile uint64_t* pde = a.pt().entry(0x40'0000'5000ull, 3);
    if (pde) *pde = drivers::amd_vi::v1_pte(0xf'0000'0000ull, 2, true, true);
  });
}

VIOMMU_TEST(amdvi_fault_no_write, "amd-vi.fault.blocked_write_leaves_memory", "amd-vi,dma,fault") {
  Setup s = need(t);
  if (!s.ep) return;
  Attach a(t, s.v, s.ep, 3, 0x3b);
  if (!a.ok()) return;
  // A read-only page: the blocked 512-byte write at its start leaves those bytes (checked by
  // expect_blocked) and every other byte of the page alone.
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  volatile uint8_t* p = reinterpret_cast<volatile uint8_t*>(pg);
  for (unsigned i = 0; i < 4096; ++i) p[i] = 0xa5;
  a.pt().map_4k(0x6000, pg, true, false);
  expect_blocked(t, s.v, s.ep, a.devid(), 0x6000, true, pg, a.stage_pa());
  unsigned changed = 0;
  for (unsigned i = 512; i < 4096; ++i) changed += p[i] != 0xa5;
  t.expect_eq("bytes changed in the rest of the read-only page", 0, changed);
  kernel::DmaMemory::free(pg, 4096);
}
