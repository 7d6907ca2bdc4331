// model-amd-vi: the x86_64 `q35` + `-device amd-iommu,intremap=on` configuration as the amd-vi.* cases see
// it, with the reference model (model/amd_vi) in place of QEMU's AMD IOMMU.
//
// - PCI (hosted/q35.h: ECAM at q35's 0xb000_0000, buses 0..1) laid out as QEMU 7.2 enumerates the
//   configuration (`info pci`): 00:00.0 host bridge, 00:01.0 the IOMMU (1022:0008, class 0806h), 00:02.0
//   edu, 00:03.0 virtio-rng, 00:04.0 virtio-blk, 00:1c.0 a PCIe root port and 01:00.0 the null-backend
//   virtio-blk behind it. The endpoints' RIDs follow (hosted/endpoints.cpp, set_endpoint_rids).
// - The IOMMU function carries the IOMMU capability block at 40h (48882 §3.1: CapType 011b, EFRSup, base
//   registers holding the MMIO base with Enable set, as firmware leaves them) and an MSI capability.
// - ACPI: an IVRS table (§5) with one IVHD of type 11h for that IOMMU: the "all DeviceIDs" entry (no
//   aliases, so DeviceID == RID) and the IOAPIC special entry (48h) QEMU emits with intremap=on.
// - The MMIO window (16 KiB at QEMU's 0xfed8_0000) is the model's register file; DMA is translated by the
//   model's translate(DeviceID, ...). edu's BAR0 (1 MiB) takes the raise-interrupt register (60h): its MSI
//   goes through the model's interrupt remapping (remap_msi, §2.2.5) and the result is delivered as a host
//   vector (x86 MSI format: the address names the LAPIC window 0xFEEx_xxxx, data[7:0] the vector).
// - The IOMMU's own interrupts (event log, COMPLETION_WAIT, §3.4.4) are counted by the model; each new one
//   is sent through the IOMMU function's MSI capability when software enabled it.
#include <cstring>
#include <new>

#include "hosted/device_bus.h"
#include "hosted/machine.h"
#include "hosted/pci_bus.h"
#include "hosted/q35.h"
#include "model/amd_vi/iommu.h"
#include "spec/amd_vi/irte.h"
#include "spec/amd_vi/ivrs.h"
#include "spec/amd_vi/registers.h"

namespace hosted {

namespace {

namespace s = ::spec::amd_vi;
namespace ivrs = ::spec::amd_vi::ivrs;

constexpr uint64_t kIommuBase = 0xfed8'0000;      // QEMU's amd-iommu MMIO base (hw/i386/amd_iommu.h)
constexpr uint8_t kIommuCap = 0x40, kIommuMsiCap = 0x54;
constexpr uint16_t kIoapicDeviceId = 0x00a0;      // 00:14.0, as QEMU's IVRS names the IOAPIC

// RIDs (bus << 8 | dev << 3 | fn).
constexpr uint16_t kIommuRid = 0x08, kBridgedBlkRid = 0x100;

alignas(model::amd_vi::Iommu) unsigned char g_storage[sizeof(model::amd_vi::Iommu)];
model::amd_vi::Iommu* g_iommu = nullptr;
unsigned g_seen_interrupts = 0;
PciBus g_pci;
PciConfig* g_iommu_fn = nullptr;
PciConfig* g_edu_fn = nullptr;
alignas(8) uint8_t g_ivrs[128];

model::amd_vi::Iommu& iommu() { return *g_iommu; }

// Every interrupt the IOMMU signalled since the last call, through its MSI capability (§3.1); without
// MSI Enable the interrupt is not sent (Status keeps the cause, §3.4.5).
void after_iommu(void*) {
  const unsigned now = iommu().interrupts();
  if (now == g_seen_interrupts) return;
  g_seen_interrupts = now;
  uint64_t address = 0;
  uint32_t data = 0;
  if (g_iommu_fn->msi(&address, &data)) q35::deliver_msi(address, data);
}

bool known_register(uint64_t off) {
  switch (static_cast<s::Mmio>(off)) {
    case s::Mmio::kDeviceTableBase:
    case s::Mmio::kCommandBufferBase:
    case s::Mmio::kEventLogBase:
    case s::Mmio::kControl:
    case s::Mmio::kExclusionBase:
    case s::Mmio::kExclusionLimit:
    case s::Mmio::kExtendedFeature:
    case s::Mmio::kPprLogBase:
    case s::Mmio::kCommandBufferHead:
    case s::Mmio::kCommandBufferTail:
    case s::Mmio::kEventLogHead:
    case s::Mmio::kEventLogTail:
    case s::Mmio::kStatus:
    case s::Mmio::kPprLogHead:
    case s::Mmio::kPprLogTail: return true;
  }
  return false;
}

uint64_t read_iommu(void*, uint64_t off, unsigned size) {
  const uint64_t reg = off & ~7ull;
  // Registers the model does not implement read as zero (§3.4: reserved).
  const uint64_t v = known_register(reg) ? iommu().read(static_cast<s::Mmio>(reg)) : 0;
  if (size == 8) return v;
  const uint64_t shifted = v >> ((off & 7) * 8);
  return size == 4 ? (shifted & 0xffff'ffff) : shifted & ((1ull << (size * 8)) - 1);
}

void write_iommu(void*, uint64_t off, unsigned size, uint64_t value) {
  const uint64_t reg = off & ~7ull;
  if (!known_register(reg)) return;
  const s::Mmio r = static_cast<s::Mmio>(reg);
  if (size == 8) return iommu().write(r, value);
  if (size != 4) return;  // the driver makes none; the register is left as it is
  // A 32-bit half: the other half keeps its value, except in Status, whose RW1C bits take a 0 there.
  const unsigned shift = (off & 4) * 8;
  const uint64_t mask = 0xffff'ffffull << shift;
  const uint64_t other = r == s::Mmio::kStatus ? 0 : iommu().read(r) & ~mask;
  iommu().write(r, other | ((value << shift) & mask));
}

// edu's MSI goes through the IOMMU (§2.2.5).
void edu_msi(uint64_t address, uint32_t data) {
  const model::amd_vi::MsiResult m = iommu().remap_msi(g_edu_fn->rid(), address, data);
  after_iommu(nullptr);
  if (!m.delivered) return;  // target abort (the model logged any event)
  if (m.remapped) return q35::deliver_msi(s::kMsiWindowBase | (uint64_t{m.destination & 0xff} << 12), m.vector);
  q35::deliver_msi(m.address, m.data);
}

bool translate(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  model::amd_vi::Request req;
  req.device_id = rid;  // IVRS "all" entry without aliases: DeviceID == RID (§5.2.2.2)
  req.address = iova;
  req.write = write;
  const model::amd_vi::Result r = iommu().translate(req);
  after_iommu(nullptr);
  if (!r.ok()) return false;
  *pa = r.outcome == model::amd_vi::Outcome::kTranslated ? r.pa : iova;
  return true;
}

// §5.2: ACPI header, IVinfo, one IVHD of type 11h with its device entries.
bool build_ivrs() {
  q35::AcpiTable t(g_ivrs, sizeof g_ivrs, "IVRS", 2);
  t.u32(64u << 15 | 48u << 8 | 2u << 5);  // IVinfo: VASize 64 [21:15], PASize 48 [14:8], GVASize 48 (010b) [7:5]
  t.zeros(ivrs::kHeaderSize - t.size());
  const size_t h = t.size();
  t.zeros(ivrs::ivhd_header_size(0x11));  // filled in below, once its length is known
  // Device entry 01h: every DeviceID, DTE setting 0.
  t.u8(ivrs::kAll);
  t.zeros(3);
  // Device entry 48h, variety 01h: the IOAPIC (handle 0: IOAPIC ID 0) at its DeviceID.
  t.u8(ivrs::kSpecial);
  t.zeros(3);
  t.u8(0);
  t.u16(kIoapicDeviceId);
  t.u8(1);
  ivrs::IvhdHeader ivhd{};
  ivhd.type = 0x11;
  ivhd.device_id = kIommuRid;
  ivhd.capability_offset = kIommuCap;
  ivhd.iommu_base = kIommuBase;
  ivhd.length = static_cast<uint16_t>(t.size() - h);
  memcpy(t.at(h), &ivhd, sizeof ivhd);
  const uint64_t efr = iommu().read(s::Mmio::kExtendedFeature);
  memcpy(t.at(h + 24), &efr, 8);  // the EFR image (types 11h/40h)
  return t.publish();
}

// As QEMU 7.2 enumerates the configuration: the IOMMU at 00:01.0 ahead of the endpoints, the root port at 00:1c.0.
void build_pci() {
  q35::add_host_bridge(g_pci);
  // The IOMMU function (§3.1).
  g_iommu_fn = g_pci.add(0, 1, 0);
  g_iommu_fn->header(0x1022, 0x0008, 0x080600);
  g_iommu_fn->add_capability(kIommuCap, s::kCapabilityId);
  s::CapabilityHeader ch;
  ch.value = g_iommu_fn->read32(kIommuCap);
  ch.set_cap_type(3).set_cap_rev(1).set_np_cache(1).set_efr_sup(1);
  g_iommu_fn->set32(kIommuCap, ch.value);
  s::CapabilityBaseLow lo;
  lo.value = static_cast<uint32_t>(kIommuBase);
  lo.set_enable(1);
  g_iommu_fn->set32(kIommuCap + s::kCapBaseLow, lo.value);
  g_iommu_fn->set32(kIommuCap + s::kCapBaseHigh, static_cast<uint32_t>(kIommuBase >> 32));
  g_iommu_fn->add_msi(kIommuMsiCap);
  g_edu_fn = q35::add_endpoints(g_pci, 2, kBridgedBlkRid);
  q35::add_root_port_with_blk(g_pci, 0x1c);
}

bool init() {
  g_iommu = new (g_storage) model::amd_vi::Iommu(ram());
  g_seen_interrupts = g_iommu->interrupts();
  build_pci();
  return build_ivrs() && q35::attach(g_pci, g_edu_fn, edu_msi, after_iommu) &&
         add_window(kIommuBase, s::kMmioSize, MmioDevice{nullptr, read_iommu, write_iommu, after_iommu});
}

}  // namespace

const Machine kAmdViMachine = {
    "amd-vi", "amd-vi.*,selftest.*",
    "AMD-Vi reference model (model/amd_vi, QEMU 7.2's EFR) at 0xfed80000, PCI 00:01.0 with IVRS, MSI", init,
    translate};
VIOMMU_HOSTED_MACHINE(kAmdViMachine);

}  // namespace hosted
