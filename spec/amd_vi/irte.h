// Interrupt remapping (48882 §2.2.5): the 32-bit IRTE (GAEn=0, Figure 18) and the 128-bit IRTE
// (GAEn=1, guest virtual APIC disabled, Figure 19), indexed by MSI data[10:0].
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi {

struct Irte32 : Reg32 {
  VIOMMU_BIT(0, remap_en);
  VIOMMU_BIT(1, sup_iopf);
  VIOMMU_FIELD(4, 2, int_type);  // 000b fixed, 001b arbitrated, ...
  VIOMMU_BIT(5, rq_eoi);
  VIOMMU_BIT(6, dm);
  VIOMMU_BIT(7, guest_mode);
  VIOMMU_FIELD(15, 8, destination);
  VIOMMU_FIELD(23, 16, vector);
};
static_assert(sizeof(Irte32) == 4);

struct Irte128 : Words<2> {
  VIOMMU_BIT(0, remap_en);
  VIOMMU_BIT(1, sup_iopf);
  VIOMMU_FIELD(4, 2, int_type);
  VIOMMU_BIT(5, rq_eoi);
  VIOMMU_BIT(6, dm);
  VIOMMU_BIT(7, guest_mode);
  VIOMMU_FIELD(31, 8, destination_23_0);
  VIOMMU_FIELD(71, 64, vector);
  VIOMMU_FIELD(127, 120, destination_31_24);
  uint32_t destination() const {
    return static_cast<uint32_t>(destination_23_0() | (destination_31_24() << destination_23_0_width));
  }
};
static_assert(sizeof(Irte128) == 16);

// The MSI data of an interrupt request (x86: Intel SDM Vol. 3 §11.11.2, vector [7:0], delivery mode [10:8]); the
// IOMMU indexes the interrupt remapping table with data[10:0] (§2.2.5).
struct MsiData : Reg32 {
  VIOMMU_FIELD(7, 0, vector);
  VIOMMU_FIELD(10, 8, delivery_mode);  // 000b fixed, 001b arbitrated (lowest priority), ...
  VIOMMU_FIELD(10, 0, irte_index);
};

// The MSI address window the IOMMU intercepts for remapping (§2.2.5: 0xFEE0_0000..0xFEEF_FFFF).
inline constexpr uint64_t kMsiWindowBase = 0xfee00000, kMsiWindowLast = 0xfeefffff;

}  // namespace spec::amd_vi
