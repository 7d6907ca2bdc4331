// amd-vi.bridge.*: an endpoint behind a PCIe root port (non-zero bus) is translated through its own DTE. The
// configuration puts a second virtio-blk (null-co backend: reads return zeros) behind a pcie-root-port.
// (Isolation between two domains is the kit's amd-vi.property.isolation_same_iova, on bus 0: properties.cpp.)
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT

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

VIOMMU_TEST(amd_vi_bridge_translate, "amd-vi.bridge.endpoint_on_nonzero_bus", "amd-vi,dma") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? behind_bridge(t) : nullptr;
  if (!ep) return;
  uint16_t devid = 0;
  t.check("ivrs.device_entry", kIvrs, v->ivrs().device_id_for(ep->rid(), devid), "IVRS does not cover RID 0x%04x",
          ep->rid());
  t.note("endpoint RID 0x%04x -> DeviceID 0x%04x", ep->rid(), drivers::amd_vi::device_id_of(ep->rid()));
  Domain a(t, v, ep, 3, 0x55);
  if (!a.ok()) return;
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  if (!pg) return t.error("no DMA memory");
  a.pt().map_4k(0xa000, pg);
  t.expect_eq("oracle", kernel::kSuite, pg + 0x200, predict(v, a.devid(), 0xa200, kDeviceWrites).pa);
  const unsigned zeroed = zero_write(t, ep, 0xa200, pg, 512);
  t.check("dma.data", kDeviceId, zeroed == 512,
          "%u of 512 bytes zeroed at pa 0x%llx by the bridged device's write through its own DTE (DeviceID 0x%04x)",
          zeroed, static_cast<unsigned long long>(pg + 0x200), a.devid());
  kernel::DmaMemory::free(pg, 4096);
}

VIOMMU_TEST(amd_vi_bridge_devid, "amd-vi.bridge.own_devid_blocks", "amd-vi,dma,fault") {
  AmdVi* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? behind_bridge(t) : nullptr;
  if (!ep) return;
  Domain a(t, v, ep, 3, 0x56);
  if (!a.ok()) return;
  // Nothing mapped at 0xb000 in the bus-N device's domain: blocked, which shows its requests are looked
  // up with its own (bus << 8 | devfn) DeviceID rather than passing untranslated.
  const uint64_t pg = kernel::DmaMemory::alloc(4096);
  if (!pg) return t.error("no DMA memory");
  expect_blocked(t, v, a.requester(), 0xb000, kDeviceWrites, pg, kDeviceId);
  kernel::DmaMemory::free(pg, 4096);
}
