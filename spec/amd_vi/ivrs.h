// ACPI IVRS table (48882 §5): header, IVHD blocks (types 10h, 11h, 40h) and their device entries.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi::ivrs {

inline constexpr uint32_t kHeaderSize = 48;  // ACPI header (36) + IVinfo (4) + reserved (8)

struct __attribute__((packed)) IvhdHeader {
  uint8_t type;  // 10h, 11h, 40h
  uint8_t flags;
  uint16_t length;
  uint16_t device_id;  // the IOMMU's own DeviceID
  uint16_t capability_offset;
  uint64_t iommu_base;
  uint16_t pci_segment;
  uint16_t iommu_info;
  uint32_t feature;  // 10h: IOMMU feature reporting; 11h/40h: IOMMU attributes
};
static_assert(sizeof(IvhdHeader) == 24);
// Types 11h and 40h: IOMMU Attributes (the header's `feature` word). HATDis: "1 = Host Address Translation
// is not supported. Value in MMIO Offset 0030h[HATS] is not meaningful." (48882 rev 3.10, as QEMU's
// amd_iommu.c quotes it).
struct IvhdAttributes : Reg32 {
  VIOMMU_BIT(0, hat_dis);
};
// Types 11h and 40h append EFR image (8) + reserved (8) after the 24-byte header.
inline constexpr uint32_t ivhd_header_size(uint8_t type) { return type == 0x10 ? 24 : 40; }

// §5.2.2.2 device entries: the entry type's top two bits give its length (00 4, 01 8, 10 16, 11 var).
enum EntryType : uint8_t {
  kPad4 = 0,
  kAll = 1,          // every DeviceID
  kSelect = 2,       // one DeviceID
  kStartRange = 3,   // DeviceID .. the next kEndRange
  kEndRange = 4,
  kAliasSelect = 0x42,      // DeviceID is aliased to the 8-byte entry's [byte 5..6] source
  kAliasStartRange = 0x43,
  kExtSelect = 0x46,
  kExtStartRange = 0x47,
  kSpecial = 0x48,   // IOAPIC / HPET
  kAcpiHid = 0xf0,
};
constexpr uint32_t entry_length(uint8_t type, const uint8_t* p) {
  switch (type >> 6) {
    case 0: return 4;
    case 1: return 8;
    case 2: return 16;
    default: return 22 + p[21];  // ACPI HID entry: UID length at byte 21
  }
}

}  // namespace spec::amd_vi::ivrs
