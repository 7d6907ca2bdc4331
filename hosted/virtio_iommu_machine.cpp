// model-virtio-iommu: the aarch64 `virt` machine with `-device virtio-iommu-pci` as the virtio-iommu.*
// cases see it, with the reference model (model/virtio_iommu) as the device behind a virtio-pci function.
//
// - PCI: the virtio-iommu is a real (emulated) virtio-pci function, 00:04.0 behind virt's low ECAM
//   (pci_bus.h, virtio_pci_function.h): the guest driver finds it with Pci::find, negotiates features, sets up its
//   request and event queues and talks to it exactly as on QEMU. The endpoints keep the RIDs that
//   endpoints.cpp gives them (0x08, 0x10, 0x18), so the IOMMU takes the next slot.
// - Platform: the PCI host's DT iommu-map as QEMU's virt writes it for a virtio-iommu
//   (hw/arm/virt.c create_virtio_iommu_dt_bindings): RID -> endpoint ID identity for every RID but the
//   IOMMU's own.
// - Request queue: every chain the driver publishes is checked against the virtqueue chain rules
//   (virtqueue_device.h; a broken chain sets DEVICE_NEEDS_RESET, §2.1.2), its readable parts concatenated
//   and its writable parts' total size handed to Device::handle(), which answers as the model's choices
//   C1..C5 say; the answer is scattered back and the chain returned with the model's used length.
// - Event queue: an endpoint DMA the model terminates becomes a virtio_iommu_fault (§5.13.6.9) in the next
//   event buffer the driver posted. A fault with no buffer posted is dropped (the device has nowhere to
//   put it) and said so in a KTAP comment.
// - Reserved regions: the runner is built as the x86_64 guest (VIOMMU_ARCH_x86_64, CMakeLists.txt), whose
//   platform fact is the MSI doorbell 0xfee00000-0xfeefffff reported as RESV_MEM_T_MSI (§5.13.6.8.1),
//   as QEMU's virtio-iommu does on x86; the machine's device reports that region.
// - No interrupts: the driver polls both queues (VIRTQ_AVAIL_F_NO_INTERRUPT), so the ISR reads 0.
// - Choices: `model-choices=alt` makes the device take the other permitted outcome wherever the spec lets
//   a device choose (model::virtio_iommu::Choices::alternative(): QEMU's pick where QEMU takes one);
//   `model-choices=NAME[,NAME]` sets single fields (Choices::kFieldList). The cases must pass either way.
#include <cstdio>
#include <cstring>

#include "drivers/endpoints/dma_endpoint.h"
#include "hosted/device_bus.h"
#include "hosted/machine.h"
#include "hosted/pci_bus.h"
#include "hosted/virtio_pci_function.h"
#include "kernel/pci.h"
#include "kernel/platform.h"
#include "model/virtio_iommu/device.h"

namespace hosted {

namespace {

namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

constexpr uint8_t kIommuDevice = 4;  // 00:04.0
// aarch64 virt's PCIe host (hw/arm/virt.c memmap): the low ECAM, of which PciBus decodes buses 0-1, and
// the 32-bit MMIO aperture, CPU and PCI addresses identical.
constexpr uint64_t kEcamBase = 0x3f00'0000;
constexpr uint64_t kMmio32Base = 0x1000'0000, kMmio32Size = 0x2eff'0000;
constexpr uint16_t kIommuRid = kIommuDevice << 3;
constexpr uint32_t kIommuPhandle = 0x8003;
constexpr uint64_t kVersion1 = uint64_t{1} << 32;
constexpr uint64_t kMsiStart = 0xfee0'0000, kMsiEnd = 0xfeef'ffff;

PciBus g_pci;
VirtioPciFunction g_fn;
mv::Device g_model;
// One request's device-readable bytes (more than any request structure; the model reads at most 40) and
// device-writable bytes (the driver's largest writable part is two pages).
uint8_t g_request[8192];
uint8_t g_reply[64 * 1024];
unsigned g_dropped_faults = 0;

// The endpoint ID the firmware's iommu-map gives `rid`; false when the RID is not behind the IOMMU.
bool endpoint_of(uint16_t rid, uint32_t* id) {
  const kernel::Platform& p = kernel::platform();
  for (size_t i = 0; i < p.iommu_map_count; ++i) {
    const kernel::IommuMapEntry& e = p.iommu_map[i];
    if (e.iommu_phandle != kIommuPhandle || rid < e.rid_base || rid - e.rid_base >= e.length) continue;
    *id = e.iommu_base + (rid - e.rid_base);
    return true;
  }
  return false;
}

// ---- the virtio device ----

bool features_ok(void*, uint64_t accepted) { return g_model.negotiate(accepted); }

uint8_t config_read8(void*, uint32_t off) {
  const sv::Config c = g_model.config();
  if (off >= sizeof c) return 0;
  uint8_t b = 0;
  memcpy(&b, reinterpret_cast<const uint8_t*>(c.words.data()) + off, 1);
  return b;
}

void config_write8(void*, uint32_t off, uint8_t value) {
  // §5.13.4: `bypass` is the only field the driver may write; the model refuses it without BYPASS_CONFIG
  // negotiated or with a value other than 0 or 1, and the field keeps its value.
  if (off == sv::Config::kBypassOff) g_model.write_bypass(value);
}

void reset(void*) { g_model.reset(); }

// §5.13.6: serves every chain published on the request queue.
void serve_requests() {
  DeviceQueue& q = g_fn.queue(sv::kRequestQueue);
  for (;;) {
    Chain c;
    const PopResult r = q.pop(&c);
    if (r == PopResult::kEmpty) return;
    if (r == PopResult::kBroken) {
      printf("# hosted: virtio-iommu request chain breaks the virtqueue rules; DEVICE_NEEDS_RESET\n");
      g_fn.set_needs_reset();
      return;
    }
    const size_t rlen = q.gather(c, g_request, sizeof g_request);
    const size_t wcap = c.writable_len() < sizeof g_reply ? c.writable_len() : sizeof g_reply;
    memset(g_reply, 0, wcap);
    const mv::Completion done = g_model.handle(g_request, rlen, g_reply, wcap);
    if (done.needs_reset) {  // C1 other: the device gives up on the chain (§2.1.2)
      printf("# hosted: virtio-iommu request chain not parsable; DEVICE_NEEDS_RESET (model choice)\n");
      g_fn.set_needs_reset();
      return;
    }
    // C1/C2: a request the model does not answer is returned unwritten, used length 0.
    if (done.used_len && !q.scatter(c, g_reply, done.used_len)) {
      g_fn.set_needs_reset();
      return;
    }
    if (!q.push_used(c, done.used_len)) {
      g_fn.set_needs_reset();
      return;
    }
  }
}

void notify(void*, uint16_t queue) {
  // Event buffers are taken when a fault needs one (report_fault).
  if (queue == sv::kRequestQueue) serve_requests();
}

// §5.13.6.9: the fault report the model's FaultRecord describes, into the next posted event buffer.
void report_fault(const mv::FaultRecord& f) {
  DeviceQueue& q = g_fn.queue(sv::kEventQueue);
  Chain c;
  const PopResult r = g_fn.driver_ok() && !g_fn.needs_reset() ? q.pop(&c) : PopResult::kEmpty;
  if (r == PopResult::kBroken) {
    g_fn.set_needs_reset();
    return;
  }
  if (r == PopResult::kEmpty) {
    ++g_dropped_faults;
    printf("# hosted: virtio-iommu fault report dropped (no event buffer posted): reason %u endpoint 0x%x address "
           "0x%llx\n", f.reason, f.endpoint, static_cast<unsigned long long>(f.address));
    return;
  }
  sv::Fault ev;
  ev.words = {};
  ev.set_reason(f.reason).set_flags(f.flags).set_endpoint(f.endpoint).set_address(f.address);
  const size_t len = c.writable_len() < sizeof ev ? c.writable_len() : sizeof ev;
  if (!q.scatter(c, reinterpret_cast<const uint8_t*>(ev.words.data()), len) ||
      !q.push_used(c, static_cast<uint32_t>(len)))
    g_fn.set_needs_reset();
}

// ---- the machine ----

bool translate(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  uint32_t id = 0;
  if (!endpoint_of(rid, &id)) {  // not behind the IOMMU: untranslated
    *pa = iova;
    return true;
  }
  const mv::Translation t = g_model.translate(id, iova, write ? mv::Access::kWrite : mv::Access::kRead);
  if (!t.ok) {
    report_fault(t.fault);
    return false;
  }
  *pa = t.pa;
  return true;
}

// model-choices=alt | NAME[,NAME...]: false (after a KTAP comment) when a name is unknown.
bool parse_choices(const char* spec, mv::Choices* out) {
  if (strcmp(spec, "alt") == 0) {
    *out = mv::Choices::alternative();
    return true;
  }
  if (strcmp(spec, "default") == 0) return true;
  while (*spec) {
    const char* end = strchr(spec, ',');
    const size_t n = end ? static_cast<size_t>(end - spec) : strlen(spec);
    bool known = false;
    for (const mv::Choices::Field& f : mv::Choices::kFieldList) {
      if (strlen(f.name) != n || strncmp(f.name, spec, n) != 0) continue;
      out->*f.member = true;
      known = true;
    }
    if (!known) {
      printf("# hosted: unknown virtio-iommu model choice '%.*s' (model-choices=alt, default or field names)\n",
             static_cast<int>(n), spec);
      return false;
    }
    spec += n + (end ? 1 : 0);
  }
  return true;
}

bool init() {
  kernel::Platform& p = kernel::platform();
  p.ecam_base = kEcamBase;
  p.ecam_size = 2u << 20;
  p.bus_start = 0;
  p.bus_end = 1;
  p.mmio32 = kernel::AddressWindow{kMmio32Base, kMmio32Base, kMmio32Size};
  // hw/arm/virt.c: iommu-map = <0 phandle 0 bdf>, <bdf+1 phandle bdf+1 0x10000-bdf-1>.
  p.iommu_map[0] = kernel::IommuMapEntry{0, kIommuPhandle, 0, kIommuRid};
  p.iommu_map[1] = kernel::IommuMapEntry{kIommuRid + 1u, kIommuPhandle, kIommuRid + 1u, 0x10000u - kIommuRid - 1u};
  p.iommu_map_count = 2;

  // The VMM's choices: every feature the model implements (DeviceConfig's defaults: INPUT_RANGE,
  // DOMAIN_RANGE, MAP_UNMAP, PROBE, MMIO, BYPASS_CONFIG; not the superseded BYPASS), 4 KiB pages,
  // probe_size 512, config.bypass 1 at boot; and ranges narrower than the whole ID spaces, so that the
  // out-of-range cases have something to check: a 48-bit input range and 16-bit domain IDs.
  mv::DeviceConfig dc;
  dc.input_start = 0;
  dc.input_end = (uint64_t{1} << 48) - 1;
  dc.domain_start = 0;
  dc.domain_end = 0xffff;
  mv::Choices choices;
  if (const char* spec = machine_option("model-choices")) {
    if (!parse_choices(spec, &choices)) return false;
    printf("# hosted: virtio-iommu model choices:");
    for (const mv::Choices::Field& f : mv::Choices::kFieldList)
      if (choices.*f.member) printf(" %s", f.name);
    printf("\n");
  }
  g_model = mv::Device(dc, choices);
  for (size_t i = 0; i < drivers::endpoint_count(); ++i) {
    uint32_t id = 0;
    if (endpoint_of(drivers::endpoint(i)->rid(), &id) && !g_model.add_endpoint(id)) return false;
  }
  if (!g_model.add_reserved_region({kMsiStart, kMsiEnd, sv::ProbeResvMem::kSubtypeMsi})) return false;

  VirtioBackend be;
  be.virtio_device_id = sv::kDeviceId;
  be.features = kVersion1 | dc.features;
  be.features_ok = features_ok;
  be.config_read8 = config_read8;
  be.config_write8 = config_write8;
  be.reset = reset;
  be.notify = notify;
  if (!g_fn.install(g_pci.add(0, kIommuDevice, 0), be) || !g_pci.attach(kEcamBase)) return false;
  kernel::Pci::init();
  return kernel::Pci::find(0x1af4, sv::kPciDeviceId) != nullptr;
}

}  // namespace

const Machine kVirtioIommuMachine = {
    "virtio-iommu", "virtio-iommu.*,selftest.*",
    "virtio-iommu reference model (model/virtio_iommu, every feature, 48-bit input range, 16-bit domains) as "
    "virtio-pci 00:04.0, DT iommu-map", init,
    translate};
VIOMMU_HOSTED_MACHINE(kVirtioIommuMachine);

}  // namespace hosted
