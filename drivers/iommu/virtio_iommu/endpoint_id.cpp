#include "drivers/iommu/virtio_iommu/endpoint_id.h"

#include <cstring>

#include "kernel/platform.h"
#include "spec/acpi.h"

namespace drivers::virtio_iommu {

namespace {

// ACPI 6.4 §5.2.32 Virtual I/O Translation Table. After the 36-byte header: Node Count (2), Node Offset (2),
// reserved (8); each node starts with Type (1), reserved (1), Length (2).
constexpr uint32_t kViotNodeCountOff = 36;
constexpr uint32_t kViotNodeOffsetOff = 38;
constexpr uint8_t kViotPciRange = 1;
constexpr uint8_t kViotVirtioPciIommu = 3;
// PCI range node: Endpoint Start (4) @4, PCI Segment Start (2) @8, Segment End @10, BDF Start @12,
// BDF End @14, Output Node (2) @16, reserved (6): 24 bytes.
// virtio-pci IOMMU node: PCI Segment (2) @4, BDF (2) @6, reserved (8): 16 bytes.

using spec::acpi::le16;
using spec::acpi::le32;

bool from_viot(uint16_t rid, uint16_t iommu_rid, EndpointId* out, bool* described) {
  const kernel::AcpiTableRef* t = kernel::platform().find_acpi("VIOT");
  if (!t || t->length < 48) return false;
  const auto* base = reinterpret_cast<const uint8_t*>(t->address);
  const uint16_t count = le16(base + kViotNodeCountOff);
  const uint16_t first = le16(base + kViotNodeOffsetOff);
  // Pass 1: the offset of the IOMMU node describing this virtio-iommu (segment 0, its BDF).
  uint32_t iommu_node = 0;
  uint32_t off = first;
  for (uint16_t i = 0; i < count && off + 4 <= t->length; ++i) {
    const uint8_t* n = base + off;
    const uint16_t len = le16(n + 2);
    if (len < 4 || off + len > t->length) break;
    if (n[0] == kViotVirtioPciIommu && len >= 16 && le16(n + 4) == 0 && le16(n + 6) == iommu_rid) iommu_node = off;
    off += len;
  }
  if (iommu_node == 0) return false;
  *described = true;
  // Pass 2: the PCI range that contains the RID and outputs to that node.
  off = first;
  for (uint16_t i = 0; i < count && off + 4 <= t->length; ++i) {
    const uint8_t* n = base + off;
    const uint16_t len = le16(n + 2);
    if (len < 4 || off + len > t->length) break;
    if (n[0] == kViotPciRange && len >= 24 && le16(n + 16) == iommu_node && le16(n + 8) == 0 &&
        rid >= le16(n + 12) && rid <= le16(n + 14)) {
      out->id = le32(n + 4) + (rid - le16(n + 12));
      out->source = IdSource::kAcpiViot;
      return true;
    }
    off += len;
  }
  return false;
}

bool from_iommu_map(uint16_t rid, EndpointId* out, bool* described) {
  const kernel::Platform& p = kernel::platform();
  if (p.iommu_map_count == 0) return false;
  *described = true;
  for (size_t i = 0; i < p.iommu_map_count; ++i) {
    const kernel::IommuMapEntry& e = p.iommu_map[i];
    if (rid < e.rid_base || rid - e.rid_base >= e.length) continue;
    out->id = e.iommu_base + (rid - e.rid_base);
    out->source = IdSource::kDtIommuMap;
    return true;
  }
  return false;
}

}  // namespace

const char* to_string(IdSource s) {
  switch (s) {
    case IdSource::kDtIommuMap: return "DT iommu-map";
    case IdSource::kAcpiViot: return "ACPI VIOT";
    case IdSource::kRidFallback: return "RID (no firmware description)";
    case IdSource::kNotTranslated: return "not behind this IOMMU";
  }
  return "?";
}

EndpointId endpoint_id(uint16_t rid, uint16_t iommu_rid) {
  EndpointId out;
  bool described = false;
  if (from_iommu_map(rid, &out, &described)) return out;
  if (from_viot(rid, iommu_rid, &out, &described)) return out;
  if (described) return EndpointId{rid, IdSource::kNotTranslated};
  return EndpointId{rid, IdSource::kRidFallback};
}

}  // namespace drivers::virtio_iommu
