// Event log entries (48882 §2.5): 128 bits, EventCode in [63:60].
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi {

enum class EventCode : uint8_t {
  kIllegalDevTableEntry = 0x1,
  kIoPageFault = 0x2,
  kDevTabHardwareError = 0x3,
  kPageTabHardwareError = 0x4,
  kIllegalCommandError = 0x5,
  kCommandHardwareError = 0x6,
  kIotlbInvTimeout = 0x7,
  kInvalidDeviceRequest = 0x8,
};
const char* to_string(EventCode c);

// One layout covers every event: DeviceID [15:0], PASID[19:16] [19:16], DomainID or PASID[15:0]
// [47:32], flags [59:48], EventCode [63:60], Address [127:64] (each event defines which parts apply and
// how many low address bits are reserved).
struct Event : Words<2> {
  VIOMMU_FIELD(15, 0, device_id);
  VIOMMU_FIELD(19, 16, pasid_19_16);
  VIOMMU_FIELD(47, 32, domain_or_pasid);
  // Flags (§2.5.3 IO_PAGE_FAULT, Table 51): GN, NX, US, I, PR, RW, PE, RZ, TR.
  VIOMMU_BIT(48, gn);
  VIOMMU_BIT(49, nx);
  VIOMMU_BIT(50, us);
  VIOMMU_BIT(51, i);
  VIOMMU_BIT(52, pr);
  VIOMMU_BIT(53, rw);
  VIOMMU_BIT(54, pe);
  VIOMMU_BIT(55, rz);
  VIOMMU_BIT(56, tr);
  VIOMMU_FIELD(58, 57, type);  // hardware errors: 00b/01b/10b master/target abort, data error
  VIOMMU_FIELD(63, 60, event_code);
  VIOMMU_FIELD(127, 64, address);
  EventCode code() const { return static_cast<EventCode>(event_code()); }
  // A 20-bit PASID (GN=1): PASID[19:16] and PASID[15:0] in their two fields.
  Event& set_pasid(uint32_t pasid) {
    set_pasid_19_16(BitRange<19, 16>::get(pasid));
    return set_domain_or_pasid(BitRange<15, 0>::get(pasid));
  }
};
static_assert(sizeof(Event) == 16);

}  // namespace spec::amd_vi
