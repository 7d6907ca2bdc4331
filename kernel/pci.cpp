// PCI enumeration over ECAM (PCIe base spec §7.2.2: bus << 20 | device << 15 | function << 12).
// Neither qboot nor a firmware-less aarch64 boot assigns resources, so the kernel numbers bridges and
// places every memory BAR in the platform's 32-bit window (a 64-bit BAR may live below 4 GiB), bridges
// forwarding the span of their subtree. I/O BARs are left unassigned: no endpoint we drive needs one.
#include "kernel/pci.h"

#include <cstdio>

#include "kernel/platform.h"
#include "spec/address.h"
#include "spec/pci.h"

namespace kernel {

namespace {
constexpr uint16_t kVendorId = 0x00, kCommand = 0x04, kClassRev = 0x08, kHeaderType = 0x0e;
constexpr uint16_t kBar0 = 0x10, kCapPtr = 0x34;
constexpr uint16_t kStatus = 0x06;
constexpr uint16_t kStatusCapList = 1u << 4;
constexpr uint16_t kCmdMemory = 1u << 1, kCmdBusMaster = 1u << 2;
// Type 1 (bridge) header.
constexpr uint16_t kPrimaryBus = 0x18, kSecondaryBus = 0x19, kSubordinateBus = 0x1a;
constexpr uint16_t kMemoryBase = 0x20, kMemoryLimit = 0x22, kPrefBase = 0x24, kPrefLimit = 0x26;
constexpr uint16_t kPrefBaseUpper = 0x28, kPrefLimitUpper = 0x2c, kIoBase = 0x1c, kIoLimit = 0x1d;
constexpr uint64_t kBridgeWindowAlign = 1u << 20;

constexpr size_t kMaxFunctions = 64;
PciFunction g_functions[kMaxFunctions];
size_t g_count = 0;
bool g_done = false;
uint64_t g_next_mmio = 0;  // bump allocator inside platform().mmio32
uint64_t g_mmio_end = 0;
unsigned g_next_bus = 0;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

Mmio cfg_space(unsigned bus, unsigned dev, unsigned fn) {
  const Platform& p = platform();
  return Mmio(p.ecam_base + (uint64_t{bus - p.bus_start} << 20 | dev << 15 | fn << 12));
}

void size_and_assign_bars(PciFunction& f, Mmio cfg, unsigned nbars);
void scan_bus(unsigned bus);
}  // namespace

uint8_t PciFunction::find_capability(uint8_t id, uint8_t after) const {
  if (!(cfg_read16(kStatus) & kStatusCapList)) return 0;
  uint8_t ptr = after ? cfg_read8(after + 1) : cfg_read8(kCapPtr);
  for (int hops = 0; ptr >= 0x40 && hops < 48; ++hops) {  // bounded: a looping list cannot hang us
    ptr &= 0xfc;
    if (cfg_read8(ptr) == id) return ptr;
    ptr = cfg_read8(ptr + 1);
  }
  return 0;
}

void PciFunction::enable(bool bus_master) {
  uint16_t cmd = cfg_read16(kCommand) | kCmdMemory;
  if (bus_master) cmd |= kCmdBusMaster;
  cfg_write16(kCommand, cmd);
}

void PciFunction::set_bus_master(bool on) {
  uint16_t cmd = cfg_read16(kCommand);
  cfg_write16(kCommand, on ? (cmd | kCmdBusMaster) : (cmd & ~kCmdBusMaster));
}

namespace {
template <typename Reg>
Reg cfg_reg16(const PciFunction& f, uint16_t off) {
  Reg r;
  r.value = f.cfg_read16(off);
  return r;
}
}  // namespace

bool PciFunction::msi_enable(uint64_t address, uint32_t data) {
  namespace pci = spec::pci;
  const uint8_t cap = find_capability(pci::kCapMsi);
  if (!cap) return false;
  msix_disable();
  // The address and data change only while the capability is disabled.
  auto ctl = cfg_reg16<pci::MsiControl>(*this, cap + pci::kMsiControl);
  cfg_write16(cap + pci::kMsiControl, static_cast<uint16_t>(ctl.set_msi_enable(0).value));
  const spec::Halves64 addr = spec::Halves64::of(address);
  cfg_write32(cap + pci::kMsiAddressLo, static_cast<uint32_t>(addr.lo()));
  uint16_t data_off = pci::kMsiAddressHi;  // 32-bit capability: the data follows the low address
  if (ctl.addr64()) {
    cfg_write32(cap + pci::kMsiAddressHi, static_cast<uint32_t>(addr.hi()));
    data_off = pci::kMsiAddressHi + 4;
  }
  cfg_write16(cap + data_off, static_cast<uint16_t>(data));
  ctl.set_multiple_message_enable(0).set_msi_enable(1);
  cfg_write16(cap + pci::kMsiControl, static_cast<uint16_t>(ctl.value));
  set_bus_master(true);
  return true;
}

void PciFunction::msi_disable() {
  namespace pci = spec::pci;
  const uint8_t cap = find_capability(pci::kCapMsi);
  if (!cap) return;
  auto ctl = cfg_reg16<pci::MsiControl>(*this, cap + pci::kMsiControl);
  cfg_write16(cap + pci::kMsiControl, static_cast<uint16_t>(ctl.set_msi_enable(0).value));
}

namespace {
// The MSI-X table of `f` (cap: its capability), or an empty Mmio when its BAR is not assigned.
Mmio msix_table(const PciFunction& f, uint8_t cap) {
  spec::pci::MsixTable t;
  t.value = f.cfg_read32(cap + spec::pci::kMsixTable);
  if (t.bir() > 5 || !f.bar(t.bir()).cpu) return Mmio();
  return Mmio(f.bar(t.bir()).cpu + (t.offset_qwords() << 3));
}
}  // namespace

bool PciFunction::msix_enable(unsigned vector, uint64_t address, uint32_t data) {
  namespace pci = spec::pci;
  const uint8_t cap = find_capability(pci::kCapMsix);
  if (!cap) return false;
  auto ctl = cfg_reg16<pci::MsixControl>(*this, cap + pci::kMsixControl);
  const Mmio table = msix_table(*this, cap);
  if (vector > ctl.table_size() || !table) return false;
  msi_disable();
  enable(true);  // memory decode: the table lives in a BAR
  const uint64_t e = vector * pci::kMsixEntrySize;
  const spec::Halves64 addr = spec::Halves64::of(address);
  // Masked while the entry changes (§6.8.2.9: software must not modify an unmasked entry).
  pci::MsixVectorControl vc;
  table.write32(e + pci::kMsixEntryVectorControl, vc.set_mask(1).value);
  table.write32(e + pci::kMsixEntryAddressLo, static_cast<uint32_t>(addr.lo()));
  table.write32(e + pci::kMsixEntryAddressHi, static_cast<uint32_t>(addr.hi()));
  table.write32(e + pci::kMsixEntryData, data);
  table.write32(e + pci::kMsixEntryVectorControl, vc.set_mask(0).value);
  ctl.set_function_mask(0).set_msix_enable(1);
  cfg_write16(cap + pci::kMsixControl, static_cast<uint16_t>(ctl.value));
  return true;
}

void PciFunction::msix_disable() {
  namespace pci = spec::pci;
  const uint8_t cap = find_capability(pci::kCapMsix);
  if (!cap) return;
  auto ctl = cfg_reg16<pci::MsixControl>(*this, cap + pci::kMsixControl);
  if (!ctl.msix_enable()) return;
  if (const Mmio table = msix_table(*this, cap)) {
    pci::MsixVectorControl vc;
    vc.set_mask(1);
    for (unsigned v = 0; v <= ctl.table_size(); ++v)
      table.write32(v * pci::kMsixEntrySize + pci::kMsixEntryVectorControl, vc.value);
  }
  cfg_write16(cap + pci::kMsixControl, static_cast<uint16_t>(ctl.set_msix_enable(0).value));
}

namespace {

void size_and_assign_bars(PciFunction& f, Mmio cfg, unsigned nbars) {
  PciBar* bars = Pci::bars(f);
  const uint16_t cmd = cfg.read16(kCommand);
  cfg.write16(kCommand, cmd & ~(kCmdMemory | 1u));  // no decode while sizing (PCI LB 3.0 §6.2.5.1)
  for (unsigned i = 0; i < nbars; ++i) {
    const uint16_t off = kBar0 + 4 * i;
    const uint32_t orig = cfg.read32(off);
    cfg.write32(off, 0xffffffff);
    const uint32_t lo = cfg.read32(off);
    cfg.write32(off, orig);
    if (lo == 0) continue;  // not implemented
    PciBar& b = bars[i];
    if (lo & 1) {  // I/O BAR: sized, not assigned
      b.io = true;
      b.size = ~(lo & ~3u) + 1u;
      b.size &= 0xffff;
      continue;
    }
    b.is64 = ((lo >> 1) & 3) == 2;
    b.prefetchable = lo & 8;
    uint64_t mask = lo & ~0xfull;
    if (b.is64) {
      const uint32_t orig_hi = cfg.read32(off + 4);
      cfg.write32(off + 4, 0xffffffff);
      mask |= uint64_t{cfg.read32(off + 4)} << 32;
      cfg.write32(off + 4, orig_hi);
    } else {
      mask |= 0xffffffff00000000ull;
    }
    b.size = ~mask + 1;
    const uint64_t addr = align_up(g_next_mmio, b.size < 4096 ? 4096 : b.size);
    if (addr + b.size > g_mmio_end) {
      printf("# pci: no room for BAR%u (size 0x%llx) of %02x:%02x.%u\n", i,
             static_cast<unsigned long long>(b.size), f.bus(), f.devfn() >> 3, f.devfn() & 7);
      b.size = 0;
      if (b.is64) ++i;
      continue;
    }
    g_next_mmio = addr + b.size;
    // A BAR holds the PCI bus address; the CPU sees it at cpu_base + (bus - pci_base).
    const AddressWindow& w = platform().mmio32;
    const uint64_t bus_addr = addr - w.cpu_base + w.pci_base;
    cfg.write32(off, static_cast<uint32_t>(bus_addr));
    if (b.is64) cfg.write32(off + 4, static_cast<uint32_t>(bus_addr >> 32));
    b.cpu = addr;
    if (b.is64) ++i;
  }
  cfg.write16(kCommand, cmd);
}

void scan_function(unsigned bus, unsigned dev, unsigned fn) {
  const Mmio cfg = cfg_space(bus, dev, fn);
  if (g_count == kMaxFunctions) {
    printf("# pci: more than %zu functions, ignoring %02x:%02x.%u\n", kMaxFunctions, bus, dev, fn);
    return;
  }
  PciFunction& f = g_functions[g_count++];
  f = PciFunction();
  // cfg_ and identity are private; Pci is a friend of PciFunction and fills them through this helper.
  Pci::fill(f, cfg, bus, dev, fn);
  const bool bridge = (f.header_type() & 0x7f) == 1;
  size_and_assign_bars(f, cfg, bridge ? 2 : 6);
  if (!bridge) return;
  // Bridge: number its secondary bus, scan below it, then open a memory window over what was placed.
  const unsigned secondary = ++g_next_bus;
  cfg.write8(kPrimaryBus, static_cast<uint8_t>(bus));
  cfg.write8(kSecondaryBus, static_cast<uint8_t>(secondary));
  cfg.write8(kSubordinateBus, 0xff);
  g_next_mmio = align_up(g_next_mmio, kBridgeWindowAlign);
  const uint64_t window_start = g_next_mmio;
  scan_bus(secondary);
  cfg.write8(kSubordinateBus, static_cast<uint8_t>(g_next_bus));
  g_next_mmio = align_up(g_next_mmio, kBridgeWindowAlign);
  const AddressWindow& w = platform().mmio32;
  if (g_next_mmio > window_start) {
    const uint64_t base = window_start - w.cpu_base + w.pci_base;
    const uint64_t limit = g_next_mmio - 1 - w.cpu_base + w.pci_base;
    cfg.write16(kMemoryBase, static_cast<uint16_t>((base >> 16) & 0xfff0));
    cfg.write16(kMemoryLimit, static_cast<uint16_t>((limit >> 16) & 0xfff0));
  } else {
    cfg.write16(kMemoryBase, 0xfff0);  // base > limit: window closed
    cfg.write16(kMemoryLimit, 0);
  }
  cfg.write16(kPrefBase, 0xfff0);
  cfg.write16(kPrefLimit, 0);
  cfg.write32(kPrefBaseUpper, 0);
  cfg.write32(kPrefLimitUpper, 0);
  cfg.write8(kIoBase, 0xf0);
  cfg.write8(kIoLimit, 0);
  cfg.write16(kCommand, cfg.read16(kCommand) | kCmdMemory | kCmdBusMaster);  // forward memory and DMA
}

void scan_bus(unsigned bus) {
  if (bus > platform().bus_end) return;
  for (unsigned dev = 0; dev < 32; ++dev) {
    const Mmio f0 = cfg_space(bus, dev, 0);
    if (f0.read16(kVendorId) == 0xffff) continue;
    const bool multi = f0.read8(kHeaderType) & 0x80;
    for (unsigned fn = 0; fn < (multi ? 8u : 1u); ++fn) {
      if (cfg_space(bus, dev, fn).read16(kVendorId) == 0xffff) continue;
      scan_function(bus, dev, fn);
    }
  }
}

}  // namespace

void Pci::fill(PciFunction& f, Mmio cfg, unsigned bus, unsigned dev, unsigned fn) {
  f.cfg_ = cfg;
  f.vendor_ = cfg.read16(kVendorId);
  f.device_ = cfg.read16(kVendorId + 2);
  f.class_ = cfg.read32(kClassRev) >> 8;
  f.bus_ = static_cast<uint8_t>(bus);
  f.devfn_ = static_cast<uint8_t>(dev << 3 | fn);
  f.header_type_ = cfg.read8(kHeaderType);
}

void Pci::init() {
  if (g_done) return;
  g_done = true;
  const Platform& p = platform();
  if (!p.ecam_base) {
    printf("# pci: no ECAM window found\n");
    return;
  }
  g_next_mmio = p.mmio32.cpu_base;
  g_mmio_end = p.mmio32.cpu_base + p.mmio32.size;
  g_next_bus = p.bus_start;
  scan_bus(p.bus_start);
}

size_t Pci::count() { return g_count; }
PciFunction* Pci::at(size_t i) { return i < g_count ? &g_functions[i] : nullptr; }

PciFunction* Pci::find(uint16_t vendor, uint16_t device, unsigned n) {
  for (size_t i = 0; i < g_count; ++i)
    if (g_functions[i].vendor() == vendor && g_functions[i].device() == device && n-- == 0)
      return &g_functions[i];
  return nullptr;
}

PciFunction* Pci::find_class(uint32_t class_code, uint32_t mask, unsigned n) {
  for (size_t i = 0; i < g_count; ++i)
    if ((g_functions[i].class_code() & mask) == (class_code & mask) && n-- == 0) return &g_functions[i];
  return nullptr;
}

}  // namespace kernel
