#include "drivers/iommu/amd_vi/ivrs.h"

#include <cstring>

#include "kernel/platform.h"
#include "spec/acpi.h"
#include "spec/amd_vi/ivrs.h"

namespace drivers::amd_vi {

namespace ivrs = spec::amd_vi::ivrs;

bool IvrsInfo::device_id_for(uint16_t rid, uint16_t& devid) const {
  if (select_all) {
    devid = rid;
    return true;
  }
  for (size_t i = 0; i < range_count; ++i) {
    const IvrsRange& r = ranges[i];
    if (rid < r.first || rid > r.last) continue;
    devid = r.aliased ? r.alias : rid;
    return true;
  }
  return false;
}

namespace {

void add_range(IvrsInfo& out, uint16_t first, uint16_t last, bool aliased, uint16_t alias) {
  if (out.range_count >= sizeof out.ranges / sizeof out.ranges[0]) return;
  out.ranges[out.range_count++] = IvrsRange{first, last, alias, aliased};
}

using spec::acpi::le16;

// §5.2.2.2: walks the device entries of one IVHD block.
void parse_entries(IvrsInfo& out, const uint8_t* p, const uint8_t* end) {
  bool in_range = false, range_alias = false;
  uint16_t range_first = 0, alias = 0;
  while (p < end) {
    const uint8_t type = p[0];
    const uint32_t len = ivrs::entry_length(type, p);
    if (p + len > end || len == 0) return;
    switch (type) {
      case ivrs::kAll: out.select_all = true; break;
      case ivrs::kSelect:
      case ivrs::kExtSelect: add_range(out, le16(p + 1), le16(p + 1), false, 0); break;
      case ivrs::kStartRange:
      case ivrs::kExtStartRange:
        in_range = true, range_alias = false, range_first = le16(p + 1);
        break;
      case ivrs::kAliasSelect: add_range(out, le16(p + 1), le16(p + 1), true, le16(p + 5)); break;
      case ivrs::kAliasStartRange:
        in_range = true, range_alias = true, range_first = le16(p + 1), alias = le16(p + 5);
        break;
      case ivrs::kEndRange:
        if (in_range) add_range(out, range_first, le16(p + 1), range_alias, alias);
        in_range = false;
        break;
      case ivrs::kSpecial:
        if (p[7] == 1) {  // variety 01h: IOAPIC; DeviceID at bytes 5..6
          out.has_ioapic = true;
          out.ioapic_device_id = le16(p + 5);
        }
        break;
      default: break;
    }
    p += len;
  }
}

}  // namespace

bool parse_ivrs(IvrsInfo& out) {
  out = IvrsInfo{};
  const kernel::AcpiTableRef* t = kernel::platform().find_acpi("IVRS");
  if (!t || t->length < ivrs::kHeaderSize) return false;
  const uint8_t* base = reinterpret_cast<const uint8_t*>(t->address);
  std::memcpy(&out.ivinfo, base + 36, 4);
  // Prefer the newest IVHD type the table offers (Linux does the same): 40h > 11h > 10h.
  const uint8_t* best = nullptr;
  for (const uint8_t* p = base + ivrs::kHeaderSize; p + 4 <= base + t->length;) {
    ivrs::IvhdHeader h;
    std::memcpy(&h, p, sizeof h < static_cast<size_t>(base + t->length - p) ? sizeof h : 4);
    if (h.length == 0) break;
    if (h.type == 0x10 || h.type == 0x11 || h.type == 0x40) {
      out.ivhd_types_seen |= h.type == 0x10 ? 1 : h.type == 0x11 ? 2 : 4;
      if (!best || h.type > best[0]) best = p;
    }
    p += h.length;
  }
  if (!best) return false;
  ivrs::IvhdHeader h;
  std::memcpy(&h, best, sizeof h);
  out.found = true;
  out.ivhd_type = h.type;
  out.iommu_device_id = h.device_id;
  out.capability_offset = h.capability_offset;
  out.iommu_base = h.iommu_base;
  if (h.type != 0x10) {
    ivrs::IvhdAttributes a;
    a.value = h.feature;
    out.hat_dis = a.hat_dis() != 0;
    out.has_efr_image = true;
    std::memcpy(&out.efr_image, best + sizeof h, sizeof out.efr_image);
  }
  parse_entries(out, best + ivrs::ivhd_header_size(h.type), best + h.length);
  return true;
}

}  // namespace drivers::amd_vi
