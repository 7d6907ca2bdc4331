// amd-vi.model.*: v2 (guest) and nested v2-over-v1 translation and interrupt remapping, which QEMU 7.2's
// amd-iommu does not implement. Tagged model-only: the structures are built in guest memory and run
// through the reference model only; these cases say nothing about the device.
#include "tests/conformance/amd-vi/amdvi_fixture.h"

using namespace amdvi_tests;  // NOLINT

namespace {

constexpr uint16_t kDev = 0x07f8;  // a DeviceID no endpoint uses (bus 7, devfn 0xf8)

uint64_t v2e(uint64_t addr, bool rw = true) {
  s::V2Pte p;
  p.set_p(1).set_rw(rw).set_us(1).set_addr_4k(addr >> 12);
  return p.words[0];
}

struct Guest {
  uint64_t gcr3 = 0, pml4 = 0, pdpt = 0, pd = 0, pt = 0, data = 0;
  bool alloc() {
    for (uint64_t* p : {&gcr3, &pml4, &pdpt, &pd, &pt, &data}) *p = kernel::DmaMemory::alloc(4096);
    return gcr3 && pml4 && pdpt && pd && pt && data;
  }
  ~Guest() {
    for (uint64_t p : {gcr3, pml4, pdpt, pd, pt, data})
      if (p) kernel::DmaMemory::free(p, 4096);
  }
  static void w(uint64_t pa, uint64_t v) { *reinterpret_cast<volatile uint64_t*>(pa) = v; }
  // GVA 0x4000_1000 (PML4[0] PDPT[1] PD[0] PT[1]) -> data; addresses stored minus `off` (guest view).
  void build(uint32_t pasid, uint64_t off) {
    s::Gcr3Entry g;
    g.set_gv(1).set_gcr3_4k((pml4 - off) >> 12);
    w(gcr3 + pasid * 8, g.words[0]);
    w(pml4, v2e(pdpt - off));
    w(pdpt + 8, v2e(pd - off));
    w(pd, v2e(pt - off));
    w(pt + 8, v2e(data - off));
  }
};

model::amd_vi::Result run(AmdVi* v, uint64_t gva, bool write, uint32_t pasid) {
  model::amd_vi::Request r;
  r.device_id = kDev;
  r.address = gva;
  r.write = write;
  r.has_pasid = true;
  r.pasid = pasid;
  return model_of(v).walk(r);
}

}  // namespace

VIOMMU_TEST(amdvi_model_v2, "amd-vi.model.v2_guest_walk", "amd-vi,model-only") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  Guest g;
  if (!g.alloc()) return t.fail("no memory");
  g.build(3, 0);
  s::Dte d;
  d.set_v(1).set_tv(1).set_mode(0).set_ir(1).set_iw(1).set_gv(1).set_gcr3_table_root(g.gcr3).set_domain_id(7);
  v->write_dte_raw(kDev, d);
  const auto r = run(v, 0x4000'1234, true, 3);
  t.expect_eq("model outcome (0 = translated)", 0, static_cast<uint64_t>(r.outcome));
  t.expect_eq("model pa", g.data + 0x234, r.pa);
  v->write_dte_raw(kDev, s::Dte{});
}

VIOMMU_TEST(amdvi_model_v2_fault, "amd-vi.model.v2_not_present_event", "amd-vi,model-only") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  Guest g;
  if (!g.alloc()) return t.fail("no memory");
  g.build(0x145, 0);  // PASID 0x12345 indexes slot 0x145 of the one-level GCR3 table (PASID[8:0])
  s::Dte d;
  d.set_v(1).set_tv(1).set_mode(0).set_ir(1).set_iw(1).set_gv(1).set_glx(0).set_gcr3_table_root(g.gcr3).set_domain_id(7);
  v->write_dte_raw(kDev, d);
  // GVA 0x4000_2000 (PT[2]) is not mapped: IO_PAGE_FAULT with GN=1 and the PASID split over two fields.
  const auto r = run(v, 0x4000'2000, false, 0x12345);
  t.expect_eq("event code", 2, r.event.event_code());
  t.expect_eq("GN", 1, r.event.gn());
  t.expect_eq("PASID[15:0]", 0x2345, r.event.domain_or_pasid());
  t.expect_eq("PASID[19:16]", 0x1, r.event.pasid_19_16());
  t.expect_eq("address (GVA)", 0x4000'2000, r.event.address());
  v->write_dte_raw(kDev, s::Dte{});
}

VIOMMU_TEST(amdvi_model_nested, "amd-vi.model.nested_v2_over_v1", "amd-vi,model-only") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  // Host v1 table (Mode 3, 2 MiB leaves): GPA x -> SPA x + 16 MiB over the GPAs of the guest's pages.
  // The guest stores every pointer (GCR3 table, PML4..PT, the data page) as a GPA; each is translated
  // through the host table, as AMD's hardware-assisted vIOMMU does.
  Guest g;
  if (!g.alloc()) return t.fail("no memory");
  const uint64_t off = 0x0100'0000;  // GPA = SPA - 16 MiB
  uint64_t lo = ~uint64_t{0}, hi = 0;
  for (uint64_t p : {g.gcr3, g.pml4, g.pdpt, g.pd, g.pt, g.data}) {
    lo = p < lo ? p : lo;
    hi = p > hi ? p : hi;
  }
  if (!t.check(lo >= off, "guest page at 0x%llx below the 16 MiB GPA offset", static_cast<unsigned long long>(lo)))
    return;
  PageTable host(3);
  if (!host.init()) return t.fail("no memory");
  for (uint64_t gpa = (lo - off) & ~uint64_t{0x1f'ffff}; gpa <= hi - off; gpa += 0x20'0000)
    if (!host.map(gpa, gpa + off, 2, true, true)) return t.fail("host map failed at gpa 0x%llx", static_cast<unsigned long long>(gpa));
  g.build(1, off);
  s::Dte d;
  d.set_v(1).set_tv(1).set_mode(3).set_page_table_root_4k(host.root() >> 12).set_ir(1).set_iw(1);
  d.set_gv(1).set_gcr3_table_root(g.gcr3 - off).set_domain_id(8);
  v->write_dte_raw(kDev, d);
  const auto r = run(v, 0x4000'1010, false, 1);
  t.expect_eq("model outcome (0 = translated)", 0, static_cast<uint64_t>(r.outcome));
  t.expect_eq("model spa", g.data + 0x10, r.pa);
  v->write_dte_raw(kDev, s::Dte{});
}

VIOMMU_TEST(amdvi_model_irte, "amd-vi.model.interrupt_remap_irte", "amd-vi,model-only") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  const uint64_t irt = kernel::DmaMemory::alloc(4096);
  s::Irte32 e;
  e.set_remap_en(1).set_vector(0x62).set_destination(0);
  reinterpret_cast<volatile uint32_t*>(irt)[5] = e.value;
  s::Dte d;
  d.set_v(1).set_iv(1).set_int_ctl(s::kIntCtlRemap).set_int_tab_len(4).set_int_table_root_64(irt >> 6);
  v->write_dte_raw(kDev, d);
  const auto m = model_of(v).remap_msi(kDev, 0xfee00000, 5);
  t.check(m.delivered && m.remapped, "model did not remap MSI data 5");
  t.expect_eq("vector", 0x62, m.vector);
  v->write_dte_raw(kDev, s::Dte{});
  kernel::DmaMemory::free(irt, 4096);
}
