// Discovery of AMD-Vi from the ACPI IVRS table (48882 §5): the IOMMU's DeviceID, capability offset and
// MMIO base from the IVHD header, and the DeviceIDs it translates (select, range, alias entries) from the
// IVHD device entries. Nothing is assumed: a device not listed is reported as not covered.
#pragma once

#include <cstddef>
#include <cstdint>

namespace drivers::amd_vi {

struct IvrsRange {
  uint16_t first = 0, last = 0;  // DeviceIDs [first, last]
  uint16_t alias = 0;            // requests of these devices carry this DeviceID (== first.. when none)
  bool aliased = false;
};

struct IvrsInfo {
  bool found = false;
  uint8_t ivhd_types_seen = 0;  // bit 0: 10h, bit 1: 11h, bit 2: 40h
  uint8_t ivhd_type = 0;        // the block the ranges come from
  uint16_t iommu_device_id = 0;
  uint16_t capability_offset = 0;
  uint64_t iommu_base = 0;
  uint32_t ivinfo = 0;
  // IVHD 11h/40h IOMMU Attributes HATDis: the IOMMU does no host (v1) address translation; a DTE with a
  // non-zero Page Table Root is then an ILLEGAL_DEV_TABLE_ENTRY. Always false from a type 10h block.
  bool hat_dis = false;
  bool has_efr_image = false;  // 11h/40h: the EFR Register Image after the attributes
  uint64_t efr_image = 0;
  bool select_all = false;
  IvrsRange ranges[32];
  size_t range_count = 0;
  uint16_t ioapic_device_id = 0;  // special entry (48h), variety IOAPIC
  bool has_ioapic = false;

  // The DeviceID the IOMMU sees for a requester, after aliasing; false when IVRS does not cover it.
  bool device_id_for(uint16_t rid, uint16_t& devid) const;
};

// Parses the table found by kernel::platform().find_acpi("IVRS").
bool parse_ivrs(IvrsInfo& out);

}  // namespace drivers::amd_vi
