// ACPI table fields (ACPI 6.4 §5.2): tables are byte arrays whose multi-byte numbers are little-endian and need
// not be aligned, so they are read a byte at a time. Shared by the IVRS (AMD-Vi) and VIOT (virtio-iommu) parsers.
#pragma once

#include <cstdint>

namespace spec::acpi {

constexpr uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
constexpr uint32_t le32(const uint8_t* p) { return le16(p) | uint32_t{le16(p + 2)} << 16; }

}  // namespace spec::acpi
