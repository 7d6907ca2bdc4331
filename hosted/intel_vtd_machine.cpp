// model-intel-vtd, model-intel-vtd-cm, model-intel-vtd-scalable and model-intel-vtd-scalable-fs: the x86_64 `q35` +
// `-device intel-iommu,intremap=on` configurations (configs.py intel-vtd, intel-vtd-cm, intel-vtd-scalable,
// intel-vtd-scalable-fs) as the intel-vtd.* cases see them, with the reference model
// (model/intel_vtd) in place of QEMU's intel-iommu.
//
// - PCI (hosted/q35.h) as QEMU enumerates the configuration: intel-iommu is a platform device, not a PCI
//   function, so the endpoints take 00:01.0 edu, 00:02.0 virtio-rng, 00:03.0 virtio-blk; with them the host
//   bridge 00:00.0 and the ICH9 functions q35 always has (00:1f.0 LPC, 00:1f.2 AHCI, 00:1f.3 SMBus).
// - ACPI: the DMAR table as QEMU 10.0 builds it (hw/i386/acpi-build.c build_dmar_q35; /work/vtd-qemu-notes.md
//   "DMAR as QEMU builds it"): revision 1, Host Address Width = the model's HAW - 1, flags INTR_REMAP when ECAP.IR
//   (no X2APIC_OPT_OUT, no DMA_CTRL_PLATFORM_OPT_IN), one DRHD (flags 0: not INCLUDE_PCI_ALL; segment 0; register
//   base 0xfed9_0000) whose device scopes are the IOAPIC (type 3, enumeration ID 0, bus 0xff, path 00.0) and then
//   one scope per function on the root bus in devfn order (type 2 for a bridge, else type 1); no RMRR, no ATSR
//   (QEMU adds ATSR only with device-iotlb=on).
// - The register page at 0xfed9_0000 is the model's register file (4- and 8-byte accesses, Iommu::read/write;
//   a narrower read returns its bytes of the enclosing dword, a narrower write is ignored). DMA is translated by
//   Iommu::translate with the endpoint's RID as source-id (segment 0, bus << 8 | devfn, as QEMU's
//   vtd_find_add_as keys it).
// - The unit's own interrupts, fault events (FECTL/FEDATA/FEADDR/FEUADDR) and invalidation completion events
//   (IECTL/IEDATA/IEADDR/IEUADDR), are counted by the model once they are not masked; each new one is sent as the
//   message its registers hold (x86 format: the interrupt window 0xFEEx_xxxx, data[7:0] the vector).
// - edu's MSI goes through Iommu::remap_interrupt with edu's RID as source-id: passed through as written (IRES = 0,
//   or compatibility format with CFIS = 1), delivered as the IRTE's vector to its destination, or dropped
//   (blocked: the model logged any fault).
#include <cstdio>
#include <new>

#include "drivers/iommu/intel_vtd/dmar.h"
#include "hosted/device_bus.h"
#include "hosted/machine.h"
#include "hosted/pci_bus.h"
#include "hosted/q35.h"
#include "kernel/pci.h"
#include "kernel/platform.h"
#include "model/intel_vtd/iommu.h"
#include "spec/intel_vtd/registers.h"

namespace hosted {

namespace {

namespace m = ::model::intel_vtd;
namespace s = ::spec::intel_vtd;

constexpr uint64_t kIommuBase = 0xfed9'0000;  // Q35_HOST_BRIDGE_IOMMU_ADDR (include/hw/i386/intel_iommu.h)
constexpr uint8_t kIoapicId = 0;              // ACPI_BUILD_IOAPIC_ID
constexpr uint8_t kIoapicBus = 0xff;          // Q35_PSEUDO_BUS_PLATFORM, path 00.0 (Q35_PSEUDO_DEVFN_IOAPIC)
// VT-d §8.3.1 device scope types.
constexpr uint8_t kScopeEndpoint = 1, kScopeBridge = 2, kScopeIoapic = 3;
constexpr uint8_t kScopeLength = 8;  // 6 + one path entry

alignas(m::Iommu) unsigned char g_storage[sizeof(m::Iommu)];
m::Iommu* g_iommu = nullptr;
unsigned g_seen_faults = 0, g_seen_invalidations = 0;
PciBus g_pci;
alignas(8) uint8_t g_dmar[256];
bool g_noted_not_modelled = false;
PciConfig* g_edu_fn = nullptr;

m::Iommu& iommu() { return *g_iommu; }

uint32_t reg32(const s::Mmio& r) { return static_cast<uint32_t>(iommu().read(r)); }

// An event's message: upper address, address, data registers of the unit (FEUADDR is reserved without x2APIC
// destinations; a non-zero one names no interrupt window and is dropped by deliver_msi).
void send(const s::Mmio& uaddr, const s::Mmio& addr, const s::Mmio& data) {
  q35::deliver_msi(uint64_t{reg32(uaddr)} << 32 | reg32(addr), reg32(data));
}

// Every fault event and invalidation completion event the model sent since the last call.
void after_iommu(void*) {
  const unsigned faults = iommu().fault_events_sent(), invalidations = iommu().invalidation_events_sent();
  if (faults != g_seen_faults) {
    g_seen_faults = faults;
    send(s::reg::kFeuaddr, s::reg::kFeaddr, s::reg::kFedata);
  }
  if (invalidations != g_seen_invalidations) {
    g_seen_invalidations = invalidations;
    send(s::reg::kIeuaddr, s::reg::kIeaddr, s::reg::kIedata);
  }
}

uint64_t read_iommu(void*, uint64_t off, unsigned size) {
  const uint32_t o = static_cast<uint32_t>(off);
  if (size == 4 || size == 8) return iommu().read(s::Mmio{o, size});
  const uint64_t dword = iommu().read(s::Mmio{o & ~3u, 4});
  return (dword >> ((o & 3) * 8)) & ((uint64_t{1} << (size * 8)) - 1);
}

void write_iommu(void*, uint64_t off, unsigned size, uint64_t value) {
  if (size == 4 || size == 8) iommu().write(s::Mmio{static_cast<uint32_t>(off), size}, value);
}

// edu's message through interrupt remapping (VT-d §5.1). A remapped interrupt is sent in compatibility format
// to the IRTE's xAPIC destination (address[19:12]) with its vector (data[7:0]).
void edu_msi(uint64_t address, uint32_t data) {
  const m::InterruptResult r = iommu().remap_interrupt(g_edu_fn->rid(), address, data);
  after_iommu(nullptr);
  if (!r.delivered) return;
  if (!r.remapped) return q35::deliver_msi(r.address, r.data);
  q35::deliver_msi(q35::kMsiWindowBase | uint64_t{r.destination & 0xff} << 12, r.vector);
}

bool translate(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  m::Request req;
  req.source_id = rid;
  req.address = iova;
  req.write = write;
  const m::Result r = iommu().translate(req);
  after_iommu(nullptr);
  if (r.outcome == m::Outcome::kNotModelled && !g_noted_not_modelled) {
    printf("# hosted: a DMA of %02x:%02x.%x at 0x%llx needs what the model does not implement: terminated\n",
           rid >> 8, (rid >> 3) & 0x1f, rid & 7, static_cast<unsigned long long>(iova));
    g_noted_not_modelled = true;
  }
  if (!r.ok()) return false;
  *pa = r.outcome == m::Outcome::kTranslated ? r.pa : iova;
  return true;
}

void add_scope(q35::AcpiTable& t, uint8_t type, uint8_t enumeration_id, uint8_t bus, uint8_t devfn) {
  t.u8(type);
  t.u8(kScopeLength);
  t.u16(0);
  t.u8(enumeration_id);
  t.u8(bus);
  t.u8(devfn >> 3);
  t.u8(devfn & 7);
}

// VT-d §8.1 DMA Remapping Reporting structure with one §8.3 DRHD.
bool build_dmar() {
  q35::AcpiTable t(g_dmar, sizeof g_dmar, "DMAR", 1);
  s::Ecap ecap;
  ecap.set_raw(iommu().config().ecap);
  t.u8(static_cast<uint8_t>(iommu().config().haw - 1));  // Host Address Width: N + 1 bits
  t.u8(ecap.ir() ? 1 : 0);                                // Flags: INTR_REMAP
  t.zeros(10);
  const size_t drhd = t.size();
  t.u16(0);  // Type: DRHD
  t.u16(0);  // Length, below
  t.u8(0);   // Flags: INCLUDE_PCI_ALL clear
  t.u8(0);   // Size (reserved in revision 1)
  t.u16(0);  // Segment
  t.u64(kIommuBase);
  add_scope(t, kScopeIoapic, kIoapicId, kIoapicBus, 0);
  for (unsigned devfn = 0; devfn < 256; ++devfn) {
    const PciConfig* f = g_pci.get(static_cast<uint16_t>(devfn));
    if (!f) continue;
    const bool bridge = (f->read8(0x0e) & 0x7f) == 1;  // header type 1: PCI-to-PCI bridge
    add_scope(t, bridge ? kScopeBridge : kScopeEndpoint, 0, 0, static_cast<uint8_t>(devfn));
  }
  t.patch16(drhd + 2, static_cast<uint16_t>(t.size() - drhd));
  return t.publish();
}

bool init_with(const m::Config& config) {
  g_iommu = new (g_storage) m::Iommu(ram(), config);
  g_seen_faults = g_iommu->fault_events_sent();
  g_seen_invalidations = g_iommu->invalidation_events_sent();
  q35::add_host_bridge(g_pci);
  g_edu_fn = q35::add_endpoints(g_pci, 1);
  q35::add_ich9(g_pci);
  if (!build_dmar()) return false;
  drivers::intel_vtd::register_dmar_units(kernel::platform());
  if (!q35::attach(g_pci, g_edu_fn, edu_msi, after_iommu) ||
      !add_window(kIommuBase, s::kRegisterPageBytes, MmioDevice{nullptr, read_iommu, write_iommu, after_iommu}))
    return false;
  // The guest kernel enumerates PCI at boot (kernel/main.cpp); the hosted runner does not, and the VT-d driver
  // (unlike AMD-Vi's, a PCI function) never asks: enumerate here so the cases find edu.
  kernel::Pci::init();
  return true;
}

// QEMU 10.0's intel-iommu with default properties (aw-bits 48, caching-mode off).
bool init() { return init_with(m::Config{}); }

// caching-mode=on: CAP.CM = 1; the model then caches not-present entries (Config::cache_not_present).
bool init_cm() {
  m::Config c;
  s::Cap cap;
  cap.set_raw(c.cap);
  cap.set_cm(1);
  c.cap = cap.raw();
  return init_with(c);
}

// scalable-mode=on as QEMU 11.1 reports it (measured: `scripts/viommu boot --config intel-vtd-scalable --qemu
// trixie-backports -- filter=intel-vtd.discovery.*`): CAP as legacy plus ESRTPS (bit 63); ECAP as legacy plus SRS,
// SMTS and SLTS (second-stage translation only).
constexpr uint64_t kQemu11ScalableCap = 0x80d2'008c'222f'0606ull;
constexpr uint64_t kQemu11ScalableEcap = 0x0000'4800'80f0'0f4aull;
// ... and with fsts=on (10.0: x-flts=on; the same ECAP there, CAP without ESRTPS): CAP adds FL1GP; ECAP has FLTS
// instead of SLTS and no SRS (QEMU walks first-stage tables only).
constexpr uint64_t kQemu11FirstStageCap = 0x81d2'008c'222f'0606ull;
constexpr uint64_t kQemu11FirstStageEcap = 0x0000'8800'00f0'0f4aull;

bool init_scalable() {
  m::Config c;
  c.cap = kQemu11ScalableCap;
  c.ecap = kQemu11ScalableEcap;
  return init_with(c);
}

bool init_scalable_fs() {
  m::Config c;
  c.cap = kQemu11FirstStageCap;
  c.ecap = kQemu11FirstStageEcap;
  return init_with(c);
}

}  // namespace

const Machine kIntelVtdMachine = {
    "intel-vtd", "intel-vtd.*,selftest.*",
    "Intel VT-d reference model (model/intel_vtd, QEMU 10.0's CAP/ECAP) at 0xfed90000, DMAR as QEMU builds it",
    init, translate};
VIOMMU_HOSTED_MACHINE(kIntelVtdMachine);

const Machine kIntelVtdCmMachine = {
    "intel-vtd-cm", "intel-vtd.*,selftest.*",
    "Intel VT-d reference model with caching mode (CAP.CM = 1: not-present entries cached) at 0xfed90000",
    init_cm, translate};
VIOMMU_HOSTED_MACHINE(kIntelVtdCmMachine);

const Machine kIntelVtdScalableMachine = {
    "intel-vtd-scalable", "intel-vtd.*,selftest.*",
    "Intel VT-d reference model in scalable mode (QEMU 11.1's CAP/ECAP with scalable-mode=on: SMTS, SLTS) at "
    "0xfed90000",
    init_scalable, translate};
VIOMMU_HOSTED_MACHINE(kIntelVtdScalableMachine);

const Machine kIntelVtdScalableFsMachine = {
    "intel-vtd-scalable-fs", "intel-vtd.*,selftest.*",
    "Intel VT-d reference model in scalable mode with first-stage translation (QEMU 11.1's CAP/ECAP with "
    "scalable-mode=on,fsts=on: SMTS, FLTS, FL1GP) at 0xfed90000",
    init_scalable_fs, translate};
VIOMMU_HOSTED_MACHINE(kIntelVtdScalableFsMachine);

}  // namespace hosted
