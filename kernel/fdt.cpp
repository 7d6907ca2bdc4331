// Devicetree walker and discovery for QEMU `virt` (DT spec v0.4 §5: header, structure block tokens,
// strings block; all values big-endian).
#include "kernel/fdt.h"

#include <cstring>

namespace kernel {
namespace {
constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
constexpr int kMaxDepth = 16;

uint32_t align4(uint32_t v) { return (v + 3) & ~3u; }
}  // namespace

uint32_t Fdt::be32(const void* p) {
  const auto* b = static_cast<const uint8_t*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

uint64_t Fdt::read_cells(const void* p, uint32_t cells) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; ++i) v = v << 32 | be32(static_cast<const uint8_t*>(p) + 4 * i);
  return v;
}

bool Fdt::init(const void* blob) {
  const auto* b = static_cast<const uint8_t*>(blob);
  if (!b || be32(b) != kMagic) return false;
  const uint32_t total = be32(b + 4);
  const uint32_t off_struct = be32(b + 8), off_strings = be32(b + 12);
  const uint32_t size_strings = be32(b + 32), size_struct = be32(b + 36);
  if (off_struct > total || size_struct > total - off_struct) return false;
  if (off_strings > total || size_strings > total - off_strings) return false;
  blob_ = b;
  structs_ = b + off_struct;
  strings_ = reinterpret_cast<const char*>(b + off_strings);
  struct_size_ = size_struct;
  strings_size_ = size_strings;
  return true;
}

void Fdt::walk(bool (*visit)(const Node&, void*), void* ctx) const {
  if (!structs_) return;
  uint32_t cells[kMaxDepth + 1][2];  // own #address-cells/#size-cells per depth (depth 0 = above root)
  cells[0][0] = 2;
  cells[0][1] = 1;
  int depth = 0;
  uint32_t off = 0;
  while (off + 4 <= struct_size_) {
    const uint32_t token = be32(structs_ + off);
    if (token == kEnd) return;
    if (token == kNop) { off += 4; continue; }
    if (token == kEndNode) {
      if (--depth < 0) return;
      off += 4;
      continue;
    }
    if (token == kProp) {
      if (off + 12 > struct_size_) return;
      off += 12 + align4(be32(structs_ + off + 4));
      continue;
    }
    if (token != kBeginNode || depth >= kMaxDepth) return;
    Node n;
    n.offset = static_cast<int>(off);
    n.name = reinterpret_cast<const char*>(structs_ + off + 4);
    const size_t name_len = strnlen(n.name, struct_size_ - off - 4);
    if (name_len == struct_size_ - off - 4) return;
    ++depth;
    n.depth = depth;
    n.addr_cells = cells[depth - 1][0];
    n.size_cells = cells[depth - 1][1];
    n.parent_own_addr_cells = depth >= 2 ? cells[depth - 2][0] : 2;
    // The node's own cells default to 2/1 (DT spec §2.3.5) unless its properties say otherwise.
    cells[depth][0] = 2;
    cells[depth][1] = 1;
    uint32_t len = 0;
    n.own_addr_cells = 2;
    n.own_size_cells = 1;
    if (const void* ac = prop(n, "#address-cells", &len); ac && len == 4) n.own_addr_cells = be32(ac);
    if (const void* sc = prop(n, "#size-cells", &len); sc && len == 4) n.own_size_cells = be32(sc);
    cells[depth][0] = n.own_addr_cells;
    cells[depth][1] = n.own_size_cells;
    off = align4(off + 4 + static_cast<uint32_t>(name_len) + 1);
    if (!visit(n, ctx)) return;
  }
}

const void* Fdt::prop(const Node& n, const char* name, uint32_t* len) const {
  if (!structs_ || n.offset < 0) return nullptr;
  uint32_t off = static_cast<uint32_t>(n.offset) + 4;
  off = align4(off + static_cast<uint32_t>(strnlen(reinterpret_cast<const char*>(structs_ + off),
                                                   struct_size_ - off)) + 1);
  while (off + 4 <= struct_size_) {
    const uint32_t token = be32(structs_ + off);
    if (token == kNop) { off += 4; continue; }
    if (token != kProp || off + 12 > struct_size_) return nullptr;  // properties precede children
    const uint32_t plen = be32(structs_ + off + 4), nameoff = be32(structs_ + off + 8);
    if (plen > struct_size_ - off - 12) return nullptr;
    if (nameoff < strings_size_ && strcmp(strings_ + nameoff, name) == 0) {
      if (len) *len = plen;
      return structs_ + off + 12;
    }
    off += 12 + align4(plen);
  }
  return nullptr;
}

bool Fdt::has_compatible(const Node& n, const char* compat) const {
  uint32_t len = 0;
  const char* p = static_cast<const char*>(prop(n, "compatible", &len));
  for (uint32_t i = 0; p && i < len;) {  // a list of NUL-terminated strings
    if (strcmp(p + i, compat) == 0) return true;
    i += static_cast<uint32_t>(strnlen(p + i, len - i)) + 1;
  }
  return false;
}

bool Fdt::find_compatible(const char* compat, Node* out) const {
  bool found = false;
  for_each_node([&](const Node& n) {
    if (!has_compatible(n, compat)) return true;
    *out = n;
    found = true;
    return false;
  });
  return found;
}

bool Fdt::find_path(const char* path, Node* out) const {
  // Match each path component against node names, ignoring "@unit" when the component has none.
  const char* comps[kMaxDepth];
  size_t lens[kMaxDepth];
  int ncomp = 0;
  for (const char* p = path; *p;) {
    while (*p == '/') ++p;
    if (!*p) break;
    const char* e = p;
    while (*e && *e != '/') ++e;
    if (ncomp == kMaxDepth) return false;
    comps[ncomp] = p;
    lens[ncomp++] = static_cast<size_t>(e - p);
    p = e;
  }
  int matched = 0;  // components matched along the current branch
  bool found = false;
  for_each_node([&](const Node& n) {
    if (n.depth == 1) {
      if (ncomp == 0) { *out = n; found = true; return false; }
      matched = 0;
      return true;
    }
    if (n.depth - 2 > matched) return true;   // inside a non-matching subtree
    matched = n.depth - 2;
    const char* c = comps[matched];
    const size_t l = lens[matched];
    const bool name_match = strncmp(n.name, c, l) == 0 && (n.name[l] == 0 || (n.name[l] == '@' && !memchr(c, '@', l)));
    if (!name_match) return true;
    if (++matched == ncomp) { *out = n; found = true; return false; }
    return true;
  });
  return found;
}

bool Fdt::reg(const Node& n, unsigned i, uint64_t* addr, uint64_t* size) const {
  uint32_t len = 0;
  const auto* p = static_cast<const uint8_t*>(prop(n, "reg", &len));
  const uint32_t stride = 4 * (n.addr_cells + n.size_cells);
  if (!p || stride == 0 || n.addr_cells > 2 || n.size_cells > 2 || (i + 1) * stride > len) return false;
  *addr = read_cells(p + i * stride, n.addr_cells);
  *size = read_cells(p + i * stride + 4 * n.addr_cells, n.size_cells);
  return true;
}

bool Fdt::prop_u32(const Node& n, const char* name, uint32_t* v) const {
  uint32_t len = 0;
  const void* p = prop(n, name, &len);
  if (!p || len < 4) return false;
  *v = be32(p);
  return true;
}

namespace {

void discover_pci(const Fdt& fdt, const Fdt::Node& n, Platform& p) {
  uint64_t size = 0;
  fdt.reg(n, 0, &p.ecam_base, &size);
  p.ecam_size = size;
  uint32_t len = 0;
  p.bus_start = 0;
  p.bus_end = size >> 20 ? static_cast<uint32_t>(size >> 20) - 1 : 0;  // 1 MiB of ECAM per bus
  if (const void* br = fdt.prop(n, "bus-range", &len); br && len == 8) {
    p.bus_start = Fdt::be32(br);
    p.bus_end = Fdt::be32(static_cast<const uint8_t*>(br) + 4);
  }
  // ranges: (child: 3 cells phys.hi/mid/lo, parent: root #address-cells, size: node #size-cells);
  // phys.hi[25:24] is the space code: 1 I/O, 2 32-bit memory, 3 64-bit memory (PCI bus binding).
  const auto* r = static_cast<const uint8_t*>(fdt.prop(n, "ranges", &len));
  const uint32_t pc = n.addr_cells, sc = n.own_size_cells;
  const uint32_t stride = 4 * (3 + pc + sc);
  for (uint32_t off = 0; r && stride && off + stride <= len; off += stride) {
    const uint32_t hi = Fdt::be32(r + off);
    AddressWindow w;
    w.pci_base = Fdt::read_cells(r + off + 4, 2);
    w.cpu_base = Fdt::read_cells(r + off + 12, pc);
    w.size = Fdt::read_cells(r + off + 12 + 4 * pc, sc);
    const uint32_t space = (hi >> 24) & 3;
    if (space == 2 && !p.mmio32.size) p.mmio32 = w;
    if (space == 3 && !p.mmio64.size) p.mmio64 = w;
  }
  const auto* m = static_cast<const uint8_t*>(fdt.prop(n, "iommu-map", &len));
  for (uint32_t off = 0; m && off + 16 <= len && p.iommu_map_count < 8; off += 16) {
    IommuMapEntry& e = p.iommu_map[p.iommu_map_count++];
    e.rid_base = Fdt::be32(m + off);
    e.iommu_phandle = Fdt::be32(m + off + 4);
    e.iommu_base = Fdt::be32(m + off + 8);
    e.length = Fdt::be32(m + off + 12);
  }
  fdt.prop_u32(n, "msi-parent", &p.pci_msi_parent);
}

void discover_smmuv3(const Fdt& fdt, const Fdt::Node& n, Platform& p) {
  IommuDesc* d = p.add_iommu(IommuKind::kSmmuV3);
  if (!d) return;
  uint64_t size = 0;
  fdt.reg(n, 0, &d->base, &size);
  fdt.prop_u32(n, "phandle", &d->phandle);
  // interrupts: GIC triples (type, number, flags); SPI n is INTID 32 + n. Names say which is which.
  uint32_t len = 0, names_len = 0;
  const auto* irq = static_cast<const uint8_t*>(fdt.prop(n, "interrupts", &len));
  const char* names = static_cast<const char*>(fdt.prop(n, "interrupt-names", &names_len));
  const char* kNames[4] = {"eventq", "priq", "cmdq-sync", "gerror"};
  uint32_t name_off = 0;
  for (uint32_t i = 0; irq && (i + 1) * 12 <= len; ++i) {
    const uint32_t intid = 32 + Fdt::be32(irq + i * 12 + 4);
    unsigned slot = i < 4 ? i : 4;
    if (names && name_off < names_len) {
      for (unsigned k = 0; k < 4; ++k)
        if (strcmp(names + name_off, kNames[k]) == 0) slot = k;
      name_off += static_cast<uint32_t>(strnlen(names + name_off, names_len - name_off)) + 1;
    }
    if (slot < 4) d->irqs[slot] = intid;
  }
}

// riscv64: a RISC-V IOMMU PCI function the DT describes (QEMU virt adds the node when riscv-iommu-pci is
// plugged): a child of the PCI host node, compatible "riscv,pci-iommu", whose reg phys.hi holds bus, device
// and function in bits 23:8 (PCI bus binding); the iommu-map entries name its phandle.
void discover_riscv_pci_iommu(const Fdt& fdt, const Fdt::Node& n, Platform& p) {
  uint32_t len = 0;
  const auto* reg = static_cast<const uint8_t*>(fdt.prop(n, "reg", &len));
  if (!reg || len < 4) return;
  IommuDesc* d = p.add_iommu(IommuKind::kRiscvIommuPci);
  if (!d) return;
  d->pci_rid = static_cast<int32_t>((Fdt::be32(reg) >> 8) & 0xffff);
  fdt.prop_u32(n, "phandle", &d->phandle);
}

// riscv64: the PLIC's S-mode context of the boot hart. interrupts-extended lists one (phandle, cause)
// pair per context in context order; cause 9 is a supervisor external interrupt (privileged spec §4.1.3).
// One hart is started, so the first S-mode pair is its context.
void discover_plic(const Fdt& fdt, const Fdt::Node& n, Platform& p) {
  uint64_t size = 0;
  if (!fdt.reg(n, 0, &p.intc_dist, &size)) return;
  fdt.prop_u32(n, "riscv,ndev", &p.intc_sources);
  uint32_t len = 0;
  const auto* ie = static_cast<const uint8_t*>(fdt.prop(n, "interrupts-extended", &len));
  for (uint32_t i = 0; ie && (i + 1) * 8 <= len; ++i) {
    if (Fdt::be32(ie + i * 8 + 4) == 9) {
      p.intc_context = i;
      return;
    }
  }
  p.intc_sources = 0;  // no S-mode context: unusable
}

// riscv64: the supervisor-level IMSIC (DT binding riscv,imsics). Its interrupts-extended lists one (phandle,
// cause) pair per hart in hart-number order, cause 9 (supervisor external) for the S-level IMSIC; hart h's
// interrupt file is at reg + h * 2^(12 + riscv,guest-index-bits) (AIA §3.6: the S file, then its guest files).
// One hart is started, so the first pair is its file. Groups (riscv,group-index-bits) are not handled.
void discover_imsic(const Fdt& fdt, const Fdt::Node& n, Platform& p) {
  uint32_t len = 0;
  const auto* ie = static_cast<const uint8_t*>(fdt.prop(n, "interrupts-extended", &len));
  if (!ie || len < 8 || Fdt::be32(ie + 4) != 9) return;  // the machine-level IMSIC, or malformed
  uint32_t ids = 0, group_bits = 0;
  uint64_t base = 0, size = 0;
  if (!fdt.prop_u32(n, "riscv,num-ids", &ids) || !fdt.reg(n, 0, &base, &size) || !base) return;
  if (fdt.prop_u32(n, "riscv,group-index-bits", &group_bits) && group_bits) return;
  p.riscv_imsic_file = base;
  p.riscv_imsic_ids = ids;
}

// riscv64: the boot hart's ISA string ("rv64imafdc_svpbmt_...") or, newer, riscv,isa-extensions (a list).
bool riscv_has_extension(const Fdt& fdt, const Fdt::Node& cpu, const char* ext) {
  uint32_t len = 0;
  const char* list = static_cast<const char*>(fdt.prop(cpu, "riscv,isa-extensions", &len));
  for (uint32_t i = 0; list && i < len; i += static_cast<uint32_t>(strnlen(list + i, len - i)) + 1)
    if (strcmp(list + i, ext) == 0) return true;
  const char* isa = static_cast<const char*>(fdt.prop(cpu, "riscv,isa", &len));
  if (!isa || !len || isa[len - 1] != 0) return false;
  const size_t l = strlen(ext);
  for (const char* u = strchr(isa, '_'); u; u = strchr(u + 1, '_'))
    if (strncmp(u + 1, ext, l) == 0 && (u[1 + l] == '_' || u[1 + l] == 0)) return true;
  return false;
}

void discover_riscv(const Fdt& fdt, Platform& p) {
  Fdt::Node n;
  uint64_t size = 0;
  if (fdt.find_compatible("ns16550a", &n)) fdt.reg(n, 0, &p.console_base, &size);
  if (fdt.find_compatible("sifive,test0", &n)) fdt.reg(n, 0, &p.exit_base, &size);
  if (fdt.find_compatible("riscv,plic0", &n) || fdt.find_compatible("sifive,plic-1.0.0", &n))
    discover_plic(fdt, n, p);
  fdt.for_each_node([&](const Fdt::Node& node) {
    if (fdt.has_compatible(node, "riscv,imsics")) discover_imsic(fdt, node, p);
    return p.riscv_imsic_file == 0;
  });
  if (fdt.find_path("/cpus", &n)) {
    uint32_t len = 0;
    const auto* tb = static_cast<const uint8_t*>(fdt.prop(n, "timebase-frequency", &len));
    if (tb && (len == 4 || len == 8)) p.timer_hz = Fdt::read_cells(tb, len / 4);
  }
  if (fdt.find_compatible("riscv", &n)) p.riscv_svpbmt = riscv_has_extension(fdt, n, "svpbmt");
}

}  // namespace

bool fdt_discover(const void* blob, Platform& p) {
  Fdt fdt;
  if (!fdt.init(blob)) return false;
  Fdt::Node n;
  fdt.for_each_node([&](const Fdt::Node& node) {
    uint32_t len = 0;
    const char* type = static_cast<const char*>(fdt.prop(node, "device_type", &len));
    if (type && strcmp(type, "memory") == 0 && !p.ram_size) fdt.reg(node, 0, &p.ram_base, &p.ram_size);
    return true;
  });
  uint64_t size = 0;
  if (fdt.find_compatible("arm,pl011", &n)) fdt.reg(n, 0, &p.console_base, &size);
  if (fdt.find_compatible("pci-host-ecam-generic", &n)) discover_pci(fdt, n, p);
  if (fdt.find_compatible("arm,gic-v3", &n)) {
    p.intc_version = 3;
    fdt.reg(n, 0, &p.intc_dist, &size);
    fdt.reg(n, 1, &p.intc_cpu, &size);
  } else if (fdt.find_compatible("arm,cortex-a15-gic", &n) || fdt.find_compatible("arm,gic-400", &n)) {
    p.intc_version = 2;
    fdt.reg(n, 0, &p.intc_dist, &size);
    fdt.reg(n, 1, &p.intc_cpu, &size);
  }
  if (fdt.find_compatible("arm,smmu-v3", &n)) discover_smmuv3(fdt, n, p);
  if (fdt.find_compatible("riscv", &n)) discover_riscv(fdt, p);
  if (fdt.find_compatible("riscv,pci-iommu", &n)) discover_riscv_pci_iommu(fdt, n, p);
  if (fdt.find_path("/chosen", &n)) {
    uint32_t len = 0;
    const char* args = static_cast<const char*>(fdt.prop(n, "bootargs", &len));
    if (args && len && args[len - 1] == 0) p.cmdline = args;
  }
  return true;
}

}  // namespace kernel
