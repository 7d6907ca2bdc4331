// model-riscv-iommu and model-riscv-iommu-regpage: the riscv64 `virt` + `-device riscv-iommu-pci` configuration
// as the riscv-iommu.* cases see it, with the reference model (model/riscv_iommu) in place of QEMU's device.
//
// - PCI (hosted/pci_bus.h) as the configuration enumerates on QEMU 10.0/11.1: 00:00.0 the gpex host bridge
//   (1b36:0008), 00:01.0 the IOMMU (1b36:0014, class 0806h, revision 1, BAR0 a 64-bit 4 KiB memory BAR: the
//   register page), 00:02.0 edu, 00:03.0 virtio-rng, 00:04.0 virtio-blk; the endpoints' RIDs follow
//   (device_id = RID, as QEMU's riscv_iommu_space_devid gives them). ECAM at virt's 0x3000_0000 (buses 0-1).
// - The DT as hw/riscv/virt.c writes it: the PCI host node (ranges, iommu-map naming the IOMMU for every RID
//   but its own, rid 0..7 and 9..0xffff) with the `riscv,pci-iommu` child whose reg holds the IOMMU's BDF.
// - The 32-bit MMIO window is the upper half of virt's 0x4000_0000 aperture: its lower half is where the hosted
//   runner keeps guest RAM (device_bus.h); no case depends on where BAR0 is.
// - The hosted runner is built for the host, as for the other machines. The cases depend on riscv64 in one
//   place only, kernel::platform().riscv_svpbmt (the harts' ISA): this machine describes no harts, so it stays
//   false and the case that compares capabilities.Svpbmt with the harts notes nothing.
// - No interrupts: on virt with the PLIC QEMU's function raises none (MSI-X is not wired) and the driver polls;
//   the model counts them only.
//
// model-riscv-iommu: BAR0 is decoded by the model's register file (Iommu::read/write): an emulated device.
//
// model-riscv-iommu-regpage: the hardware-assisted vIOMMU's memory-resident register file
// (model/riscv_iommu/reg_page.h): BAR0 is a page of ordinary memory mapped where the driver placed the BAR,
// following it; the driver's loads and stores are plain memory accesses. RegPageIommu keeps its registers in
// that page. `model-observe=stores` (default) reports each register store to the IOMMU after it landed (a write
// monitor on the page, hosted::watch_memory) and the IOMMU acts on it at once; `deferred` keeps what was stored
// for the IOMMU's next step; `values` gives it no monitor at all (it compares the page with what it last wrote).
// The IOMMU steps on every DMA and on its own clock (the runner's 1 kHz tick).
#include <sys/mman.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "hosted/device_bus.h"
#include "hosted/fdt_builder.h"
#include "hosted/machine.h"
#include "hosted/pci_bus.h"
#include "kernel/fdt.h"
#include "kernel/platform.h"
#include "model/riscv_iommu/iommu.h"
#include "model/riscv_iommu/reg_page.h"

namespace hosted {

namespace {

namespace m = ::model::riscv_iommu;
namespace s = ::spec::riscv_iommu;

constexpr uint64_t kEcamBase = 0x3000'0000;  // hw/riscv/virt.c VIRT_PCIE_ECAM
constexpr uint64_t kEcamSize = 2u << 20;     // the buses PciBus decodes (0 and 1)
constexpr uint64_t kMmio32Base = 0x6000'0000, kMmio32Size = 0x2000'0000;
constexpr uint32_t kIommuPhandle = 0x8005;
constexpr uint8_t kIommuDevice = 1;
constexpr uint16_t kIommuRid = kIommuDevice << 3, kEduRid = 0x10, kRngRid = 0x18, kBlkRid = 0x20;
constexpr uint32_t kEduBarSize = 1u << 20;
constexpr uint8_t kEduMsiCap = 0x40;

PciBus g_pci;
PciConfig* g_iommu_fn = nullptr;

// ---- the PCI functions and the DT ----

void build_pci() {
  g_pci.add(0, 0, 0)->header(0x1b36, 0x0008, 0x060000);  // gpex-root
  g_iommu_fn = g_pci.add(0, kIommuDevice, 0);
  g_iommu_fn->header(0x1b36, 0x0014, 0x080600);
  g_iommu_fn->set8(0x08, 0x01);  // revision 1 (riscv-iommu-pci.c)
  g_iommu_fn->mem_bar64(0, s::kRegisterPageBytes);
  PciConfig* edu = g_pci.add(0, 2, 0);
  edu->header(0x1234, 0x11e8, 0x00ff00);
  edu->mem_bar(0, kEduBarSize);
  edu->add_msi(kEduMsiCap);
  // The virtio functions: identity only (their DMA is hosted/endpoints.cpp's).
  g_pci.add(0, 3, 0)->header(0x1af4, 0x1044, 0x00ff00);
  g_pci.add(0, 4, 0)->header(0x1af4, 0x1042, 0x010000);
}

bool discover() {
  static FdtBuilder dt;  // the platform keeps pointers into the blob
  dt.begin_node("");
  dt.prop_u32("#address-cells", 2);
  dt.prop_u32("#size-cells", 2);
  dt.begin_node("pci@30000000");
  dt.prop_string("compatible", "pci-host-ecam-generic");
  dt.prop_string("device_type", "pci");
  dt.prop_u32("#address-cells", 3);
  dt.prop_u32("#size-cells", 2);
  const uint32_t reg[] = {0, static_cast<uint32_t>(kEcamBase), 0, static_cast<uint32_t>(kEcamSize)};
  dt.prop_cells("reg", reg, 4);
  const uint32_t buses[] = {0, 1};
  dt.prop_cells("bus-range", buses, 2);
  // One 32-bit memory range (space code 2), CPU and PCI addresses identical.
  const uint32_t ranges[] = {0x0200'0000u, 0, static_cast<uint32_t>(kMmio32Base), 0, static_cast<uint32_t>(kMmio32Base),
                             0, static_cast<uint32_t>(kMmio32Size)};
  dt.prop_cells("ranges", ranges, 7);
  // hw/riscv/virt.c: <0 phandle 0 bdf>, <bdf+1 phandle bdf+1 0xffff-bdf>.
  const uint32_t map[] = {0, kIommuPhandle, 0, kIommuRid, kIommuRid + 1u, kIommuPhandle, kIommuRid + 1u, 0xffffu - kIommuRid};
  dt.prop_cells("iommu-map", map, 8);
  dt.begin_node("iommu@1");
  dt.prop_string("compatible", "riscv,pci-iommu");
  const uint32_t iommu_reg[] = {uint32_t{kIommuRid} << 8, 0, 0, 0, 0};  // phys.hi: bus, device, function
  dt.prop_cells("reg", iommu_reg, 5);
  dt.prop_u32("#iommu-cells", 1);
  dt.prop_u32("phandle", kIommuPhandle);
  dt.end_node();
  dt.end_node();
  dt.end_node();
  const void* blob = dt.finish();
  return blob && kernel::fdt_discover(blob, kernel::platform());
}

bool build_machine() {
  build_pci();
  if (!discover() || !g_pci.attach(kEcamBase)) return false;
  set_endpoint_rids(kEduRid, kRngRid, kBlkRid, 0);
  return true;
}

m::Request request_of(uint16_t rid, uint64_t iova, bool write) {
  m::Request req;
  req.device_id = rid;  // QEMU: bus << 8 | devfn, segment 0
  req.iova = iova;
  req.write = write;
  req.read = !write;
  return req;
}

bool result_of(const m::Result& r, uint64_t iova, uint64_t* pa) {
  if (!r.ok()) return false;  // terminated; any record is in the fault queue
  *pa = r.outcome == m::Outcome::kTranslated ? r.pa : iova;
  return true;
}

// ---- model-riscv-iommu: the emulated register file ----

alignas(m::Iommu) unsigned char g_iommu_storage[sizeof(m::Iommu)];
m::Iommu* g_iommu = nullptr;

// An aperture address inside BAR0 as a register offset (BAR0 decoded only with memory decode on).
bool register_offset(uint64_t aperture_off, uint32_t* reg) {
  const uint64_t bar = g_iommu_fn->bar_address(0);
  const uint64_t addr = kMmio32Base + aperture_off;
  if (!bar || addr < bar || addr - bar >= s::kRegisterPageBytes) return false;
  *reg = static_cast<uint32_t>(addr - bar);
  return true;
}

// The aperture: BAR0 is the model's; nothing else there is accessed (edu's BAR holds no case's register).
uint64_t read_aperture(void*, uint64_t off, unsigned size) {
  uint32_t reg = 0;
  return register_offset(off, &reg) ? g_iommu->read(reg, size) : 0;
}

void write_aperture(void*, uint64_t off, unsigned size, uint64_t value) {
  uint32_t reg = 0;
  if (register_offset(off, &reg)) g_iommu->write(reg, value, size);
}

bool translate_emulated(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  return result_of(g_iommu->translate(request_of(rid, iova, write)), iova, pa);
}

bool init_emulated() {
  g_iommu = new (g_iommu_storage) m::Iommu(ram());
  if (!build_machine()) return false;
  return add_window(kMmio32Base, kMmio32Size, MmioDevice{nullptr, read_aperture, write_aperture, nullptr});
}

// ---- model-riscv-iommu-regpage: the memory-resident register file ----

// The page's memory: ordinary anonymous memory, mapped at BAR0's address once the driver placed the BAR and
// turned memory decode on, and moved with the BAR.
uint8_t* g_page = nullptr;
model::FlatGuestMemory g_page_mem(0, nullptr, 0);
alignas(m::RegPageIommu) unsigned char g_regpage_storage[sizeof(m::RegPageIommu)];
m::RegPageIommu* g_regpage = nullptr;
bool g_watch = false;
bool g_map_failed = false;

void stored(void*, uint64_t off, unsigned size) { g_regpage->stored(static_cast<uint32_t>(off), size); }

// After every configuration write: the page follows BAR0.
void follow_bar(void*) {
  const uint64_t bar = g_iommu_fn->bar_address(0);
  if (!bar || g_map_failed || (g_page && reinterpret_cast<uint64_t>(g_page) == bar)) return;
  DeviceScope scope;
  void* p = g_page ? mremap(g_page, s::kRegisterPageBytes, s::kRegisterPageBytes, MREMAP_MAYMOVE | MREMAP_FIXED,
                            reinterpret_cast<void*>(bar))
                   : mmap(reinterpret_cast<void*>(bar), s::kRegisterPageBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED || reinterpret_cast<uint64_t>(p) != bar) {
    printf("# hosted: cannot map the register page at BAR0 0x%llx\n", static_cast<unsigned long long>(bar));
    g_map_failed = true;  // the driver's accesses then fault and the cases report it
    return;
  }
  const bool first = g_page == nullptr;
  g_page = static_cast<uint8_t*>(p);
  g_page_mem = model::FlatGuestMemory(bar, g_page, s::kRegisterPageBytes);
  if (first) {
    const bool ok = g_regpage->attach(bar);
    printf("# hosted: register page %s at BAR0 0x%llx\n", ok ? "mapped" : "NOT memory", static_cast<unsigned long long>(bar));
  } else {
    g_regpage->moved(bar);
  }
  if (g_watch) watch_memory(&g_page_mem, bar, s::kRegisterPageBytes, stored);
}

void clock(void*) { g_regpage->step(); }

bool translate_regpage(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  return result_of(g_regpage->translate(request_of(rid, iova, write)), iova, pa);
}

bool init_regpage() {
  m::Observe observe = m::Observe::kStores;
  if (const char* o = machine_option("model-observe")) {
    if (strcmp(o, "deferred") == 0) {
      observe = m::Observe::kStoresDeferred;
    } else if (strcmp(o, "values") == 0) {
      observe = m::Observe::kValues;
    } else if (strcmp(o, "stores") != 0) {
      printf("# hosted: unknown model-observe=%s (stores, deferred or values)\n", o);
      return false;
    }
  }
  g_watch = observe != m::Observe::kValues;
  g_regpage = new (g_regpage_storage) m::RegPageIommu(ram(), g_page_mem, m::Config{}, observe);
  printf("# hosted: register page observed: %s\n", m::to_string(observe));
  if (!build_machine()) return false;
  g_pci.on_write(follow_bar, nullptr);
  return add_clock(nullptr, clock);
}

}  // namespace

const Machine kRiscvIommuMachine = {
    "riscv-iommu", "riscv-iommu.*,selftest.*",
    "RISC-V IOMMU reference model (model/riscv_iommu, QEMU 10.0's capabilities without ATS/HPM) as PCI 00:01.0, "
    "DT riscv,pci-iommu", init_emulated, translate_emulated};
VIOMMU_HOSTED_MACHINE(kRiscvIommuMachine);

const Machine kRiscvIommuRegPageMachine = {
    "riscv-iommu-regpage", "riscv-iommu.*,selftest.*",
    "RISC-V IOMMU reference model with a memory-resident register file (model/riscv_iommu/reg_page.h): BAR0 of "
    "PCI 00:01.0 is a page of memory", init_regpage, translate_regpage};
VIOMMU_HOSTED_MACHINE(kRiscvIommuRegPageMachine);

}  // namespace hosted
