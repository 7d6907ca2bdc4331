// The PCI MSI capability (PCI Local Bus Specification 3.0 §6.8.1), as the AMD-Vi driver programs an endpoint's
// MSIs for the interrupt remapping cases. Offsets are from the capability pointer.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::pci {

inline constexpr uint8_t kCapMsi = 0x05;
inline constexpr uint16_t kMsiControl = 2, kMsiAddressLo = 4, kMsiAddressHi = 8;  // data at 8 or, 64-bit, 12

// §6.8.1.3 Message Control (16 bits).
struct MsiControl : Reg32 {
  VIOMMU_BIT(0, msi_enable);
  VIOMMU_FIELD(3, 1, multiple_message_capable);
  VIOMMU_FIELD(6, 4, multiple_message_enable);  // log2 of the vectors allocated; 000b = one
  VIOMMU_BIT(7, addr64);                        // 64-bit Message Address (Message Upper Address present)
  VIOMMU_BIT(8, per_vector_masking);
};

}  // namespace spec::pci
