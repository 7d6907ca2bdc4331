// amd-vi.isolation.* and amd-vi.bridge.*: two devices in two domains see only their own mappings; an
// endpoint behind a PCIe root port (non-zero bus) is translated through its own DTE. The configuration
// puts a second virtio-blk (null-co backend: reads return zeros) behind a pcie-root-port.
#include "tests/conformance/amd-vi/amdvi_fixture.h"

using namespace amdvi_tests;  // NOLINT

namespace {

drivers::DmaEndpoint* behind_bridge(kernel::Test& t) {
  for (unsigned n = 0; n < 4; ++n) {
    drivers::DmaEndpoint* ep = drivers::find_endpoint("virtio-blk", n);
    if (!ep) break;
    if ((ep->rid() >> 8) != 0 && drivers::dma_translated(ep)) return ep;
  }
  t.skip("no virtio-blk on a non-zero bus (configuration without the root port)");
  return nullptr;
}

// The bridged device writes `len` zeros (its null backend) at iova; returns how many bytes of the page
// at pa (prefilled with 0x3c) changed.
unsigned zero_write(kernel::Test& t, drivers::DmaEndpoint* ep, uint64_t iova, uint64_t pa, size_t len) {
  volatile uint8_t* p = reinterpret_cast<volatile uint8_t*>(pa);
  for (unsigned i = 0; i < 4096; ++i) p[i] = 0x3c;
  arch::dma_wmb();
  const drivers::DmaStatus st = ep->write(iova, len);
  t.check("dma.status", kDeviceId, st == drivers::DmaStatus::kOk, "%s (RID 0x%04x) write at iova 0x%llx: %s",
          ep->name(), ep->rid(), static_cast<unsigned long long>(iova), drivers::to_string(st));
  arch::dma_rmb();
  unsigned changed = 0;
  for (unsigned i = 0; i < 4096; ++i) changed += p[i] != 0x3c;
  return changed;
}

}  // namespace

VIOMMU_TEST(amdvi_bridge_translate, "amd-vi.bridge.endpoint_on_nonzero_bus", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? behind_bridge(t) : nullptr;
  if (!ep) return;
  uint16_t devid = 0;
  t.check("ivrs.device_entry", kIvrs, v->ivrs().device_id_for(ep->rid(), devid), "IVRS does not cover RID 0x%04x",
          ep->rid());
  t.note("endpoint RID 0x%04x -> DeviceID 0x%04x", ep->rid(), drivers::amd_vi::device_id_of(ep->rid()));
  Attach a(t, v, ep, 3, 0x55);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  if (!pg) return t.error("no DMA memory");
  a.pt().map_4k(0xa000, pg);
  t.expect_eq("oracle", kernel::kSuite, pg + 0x200, predict(v, a.devid(), 0xa200, true).pa);
  const unsigned zeroed = zero_write(t, ep, 0xa200, pg, 512);
  t.check("dma.data", kDeviceId, zeroed == 512,
          "%u of 512 bytes zeroed at pa 0x%llx by the bridged device's write through its own DTE (DeviceID 0x%04x)",
          zeroed, static_cast<unsigned long long>(pg + 0x200), a.devid());
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_bridge_devid, "amd-vi.bridge.own_devid_blocks", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? behind_bridge(t) : nullptr;
  if (!ep) return;
  Attach a(t, v, ep, 3, 0x56);
  if (!a.ok()) return;
  // Nothing mapped at 0xb000 in the bus-N device's domain: blocked, which shows its requests are looked
  // up with its own (bus << 8 | devfn) DeviceID rather than passing untranslated.
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  if (!pg) return t.error("no DMA memory");
  expect_blocked(t, v, ep, a.devid(), 0xb000, true, pg, a.stage_pa(), kDeviceId);
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amdvi_two_domains, "amd-vi.isolation.two_domains_same_iova", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* blk = v ? need_endpoint(t, "virtio-blk") : nullptr;
  drivers::DmaEndpoint* other = blk ? behind_bridge(t) : nullptr;
  if (!other) return;
  Attach a(t, v, blk, 3, 0x51);
  Attach b(t, v, other, 3, 0x52);
  if (!a.ok() || !b.ok()) return;
  // IOVA 0x7000 is page A in domain 0x51 and page B in domain 0x52: the bridged device's write lands in B.
  const uint64_t pa = kernel::DmaMemory::alloc(4096), pb = kernel::DmaMemory::alloc(4096);
  if (!pa || !pb) return t.error("no DMA memory");
  a.pt().map_4k(0x7000, pa);
  b.pt().map_4k(0x7000, pb);
  for (unsigned i = 0; i < 4096; ++i) reinterpret_cast<volatile uint8_t*>(pa)[i] = 0x3c;
  t.expect_eq("oracle", kernel::kSuite, pb, predict(v, b.devid(), 0x7000, true).pa);
  t.expect_eq("oracle", kernel::kSuite, pa, predict(v, a.devid(), 0x7000, true).pa);
  const unsigned zeroed = zero_write(t, other, 0x7000, pb, 256);
  t.check("dma.data", kDeviceId, zeroed == 256, "%u of 256 bytes zeroed in domain 0x52's page at pa 0x%llx", zeroed,
          static_cast<unsigned long long>(pb));
  unsigned a_changed = 0;
  for (unsigned i = 0; i < 4096; ++i) a_changed += reinterpret_cast<volatile uint8_t*>(pa)[i] != 0x3c;
  t.check("dma.untouched", kDeviceId, a_changed == 0,
          "%u bytes changed in domain 0x51's page (pa 0x%llx) by a write of the device in domain 0x52", a_changed,
          static_cast<unsigned long long>(pa));
  kernel::DmaMemory::free(pa, 4096);
  kernel::DmaMemory::free(pb, 4096);
}

VIOMMU_TEST(amdvi_other_domain, "amd-vi.isolation.unmapped_in_own_domain", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* blk = v ? need_endpoint(t, "virtio-blk") : nullptr;
  drivers::DmaEndpoint* other = blk ? behind_bridge(t) : nullptr;
  if (!other) return;
  Attach a(t, v, blk, 3, 0x53);
  Attach b(t, v, other, 3, 0x54);
  if (!a.ok() || !b.ok()) return;
  // 0x9000 exists only in blk's domain: the other device's write there must not reach blk's page.
  const uint64_t pa = kernel::DmaMemory::alloc(4096);
  if (!pa) return t.error("no DMA memory");
  a.pt().map_4k(0x9000, pa);
  expect_blocked(t, v, other, b.devid(), 0x9000, true, pa, b.stage_pa(), kDeviceId);
  kernel::DmaMemory::free(pa, 4096);
}
