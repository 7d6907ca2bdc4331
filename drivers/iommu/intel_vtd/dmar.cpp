#include "drivers/iommu/intel_vtd/dmar.h"

#include <cstdio>

#include "kernel/pci.h"
#include "kernel/platform.h"
#include "spec/acpi.h"

namespace drivers::intel_vtd {

namespace {

using spec::acpi::le16;
using spec::acpi::le32;

uint64_t le64(const uint8_t* p) { return le32(p) | uint64_t{le32(p + 4)} << 32; }

// §8.1: the 36-byte ACPI header, Host Address Width (36), Flags (37), 10 reserved bytes, then the remapping
// structures, each starting with Type (2 bytes) and Length (2 bytes) (§8.2).
constexpr uint32_t kHawOffset = 36, kFlagsOffset = 37, kStructuresOffset = 48;
constexpr uint16_t kDrhd = 0, kRmrr = 1, kAtsr = 2;
constexpr uint32_t kDrhdScopes = 16, kRmrrScopes = 24, kAtsrScopes = 8;  // where each structure's scopes begin
constexpr uint32_t kScopeHeader = 6;                                     // §8.3.1: before the path

// Records the device scopes in [p, end) and returns how many.
size_t parse_scopes(DmarInfo& out, const uint8_t* p, const uint8_t* end) {
  size_t n = 0;
  while (p + 2 <= end) {
    DmarScope s;
    s.type = p[0];
    s.length = p[1];
    s.well_formed = s.length >= kScopeHeader + 2 && (s.length - kScopeHeader) % 2 == 0 && p + s.length <= end;
    if (p + kScopeHeader <= end) {
      s.enumeration_id = p[4];
      s.start_bus = p[5];
    }
    if (s.well_formed) {
      s.path_entries = static_cast<uint8_t>((s.length - kScopeHeader) / 2);
      s.device = p[6];
      s.function = p[7];
    }
    if (out.scope_count < sizeof out.scopes / sizeof out.scopes[0]) {
      out.scopes[out.scope_count++] = s;
      ++n;
    } else {
      out.scopes_dropped = true;
    }
    // A length that would not advance or runs past the structure ends the walk (the scope is recorded above).
    if (s.length < 2 || s.length > end - p) break;
    p += s.length;
  }
  return n;
}

// The bus range [secondary, subordinate] below the PCI bridge at bus:dev.fn, false when there is no bridge.
bool bridge_buses(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t& secondary, uint8_t& subordinate) {
  for (size_t i = 0; i < kernel::Pci::count(); ++i) {
    const kernel::PciFunction* f = kernel::Pci::at(i);
    if (f->bus() != bus || f->devfn() != (dev << 3 | fn)) continue;
    if ((f->header_type() & 0x7f) != 1) return false;
    secondary = f->cfg_read8(0x19);  // PCI-to-PCI bridge header: Secondary / Subordinate Bus Number
    subordinate = f->cfg_read8(0x1a);
    return true;
  }
  return false;
}

}  // namespace

const DmarDrhd* DmarInfo::unit_for(uint16_t rid) const {
  const uint8_t bus = rid >> 8, dev = (rid >> 3) & 0x1f, fn = rid & 7;
  for (size_t d = 0; d < drhd_count; ++d) {
    const DmarDrhd& u = drhds[d];
    if (u.segment != 0) continue;
    for (size_t k = u.first_scope; k < u.first_scope + u.scope_count; ++k) {
      const DmarScope& s = scopes[k];
      if (!s.well_formed || s.path_entries != 1) continue;  // multi-hop paths: not needed on q35, not followed
      if (s.type == 1 && s.start_bus == bus && s.device == dev && s.function == fn) return &u;
      uint8_t lo = 0, hi = 0;
      if (s.type == 2 && (s.start_bus == bus && s.device == dev && s.function == fn)) return &u;
      if (s.type == 2 && bridge_buses(s.start_bus, s.device, s.function, lo, hi) && bus >= lo && bus <= hi) return &u;
    }
  }
  // §8.3: INCLUDE_PCI_ALL covers what no other unit of the segment lists explicitly.
  for (size_t d = 0; d < drhd_count; ++d)
    if (drhds[d].segment == 0 && drhds[d].include_pci_all()) return &drhds[d];
  return nullptr;
}

bool parse_dmar(DmarInfo& out) {
  out = DmarInfo{};
  const kernel::AcpiTableRef* t = kernel::platform().find_acpi("DMAR");
  if (!t || t->length < kStructuresOffset) return false;
  const uint8_t* base = reinterpret_cast<const uint8_t*>(t->address);
  const uint8_t* end = base + t->length;
  out.found = true;
  out.table_length = t->length;
  out.revision = base[8];
  out.host_address_width = base[kHawOffset];
  out.flags = base[kFlagsOffset];
  for (const uint8_t* p = base + kStructuresOffset; p < end;) {
    const uint16_t type = p + 4 <= end ? le16(p) : 0xffff;
    const uint16_t len = p + 4 <= end ? le16(p + 2) : 0;
    if (len < 4 || p + len > end) {
      out.truncated = true;
      out.truncated_at = static_cast<uint32_t>(p - base);
      break;
    }
    if (out.type_count < sizeof out.types / sizeof out.types[0]) out.types[out.type_count++] = type;
    if (type == kDrhd && len >= kDrhdScopes) {
      if (out.drhd_count < sizeof out.drhds / sizeof out.drhds[0]) {
        DmarDrhd& u = out.drhds[out.drhd_count++];
        u.flags = p[4];
        u.size = p[5] & 0xf;
        u.segment = le16(p + 6);
        u.register_base = le64(p + 8);
        u.first_scope = out.scope_count;
        u.scope_count = parse_scopes(out, p + kDrhdScopes, p + len);
      } else {
        out.scopes_dropped = true;
      }
    } else if (type == kRmrr && len >= kRmrrScopes) {
      if (out.rmrr_count < sizeof out.rmrrs / sizeof out.rmrrs[0]) {
        DmarRmrr& r = out.rmrrs[out.rmrr_count++];
        r.segment = le16(p + 6);
        r.base = le64(p + 8);
        r.limit = le64(p + 16);
        r.first_scope = out.scope_count;
        r.scope_count = parse_scopes(out, p + kRmrrScopes, p + len);
      } else {
        out.scopes_dropped = true;
      }
    } else if (type == kAtsr && len >= kAtsrScopes) {
      if (out.atsr_count++ == 0) out.atsr_flags = p[4];
    }
    p += len;
  }
  return true;
}

void register_dmar_units(kernel::Platform& p) {
  DmarInfo info;
  if (!parse_dmar(info)) return;
  for (size_t d = 0; d < info.drhd_count; ++d) {
    kernel::IommuDesc* desc = p.add_iommu(kernel::IommuKind::kIntelVtd);
    if (!desc) {
      printf("# acpi: DMAR: more remapping units than platform().iommus holds; DRHD %zu dropped\n", d);
      return;
    }
    desc->base = info.drhds[d].register_base;
  }
}

}  // namespace drivers::intel_vtd
