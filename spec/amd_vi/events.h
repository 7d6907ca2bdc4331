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
  VIOMMU_NAMED_FIELD(15, 0, device_id, "DeviceID");
  VIOMMU_NAMED_FIELD(19, 16, pasid_19_16, "PASID_19_16");
  VIOMMU_NAMED_FIELD(47, 32, domain_or_pasid, "DomainID");
  // Flags (§2.5.3 IO_PAGE_FAULT, Table 51): GN, NX, US, I, PR, RW, PE, RZ, TR.
  VIOMMU_NAMED_BIT(48, gn, "flags.GN");
  VIOMMU_NAMED_BIT(49, nx, "flags.NX");
  VIOMMU_NAMED_BIT(50, us, "flags.US");
  VIOMMU_NAMED_BIT(51, i, "flags.I");
  VIOMMU_NAMED_BIT(52, pr, "flags.PR");
  VIOMMU_NAMED_BIT(53, rw, "flags.RW");
  VIOMMU_NAMED_BIT(54, pe, "flags.PE");
  VIOMMU_NAMED_BIT(55, rz, "flags.RZ");
  VIOMMU_NAMED_BIT(56, tr, "flags.TR");
  VIOMMU_NAMED_FIELD(58, 57, type, "flags.Type");  // hardware errors: 00b/01b/10b master/target abort, data error
  VIOMMU_NAMED_BIT(59, reserved_59, "flags.reserved");
  VIOMMU_NAMED_FIELD(63, 60, event_code, "EventCode");
  VIOMMU_NAMED_FIELD(127, 64, address, "Address");
  EventCode code() const { return static_cast<EventCode>(event_code()); }
  // A 20-bit PASID (GN=1): PASID[19:16] and PASID[15:0] in their two fields.
  Event& set_pasid(uint32_t pasid) {
    set_pasid_19_16(spec::bits_of(pasid, 19, 16));
    return set_domain_or_pasid(spec::bits_of(pasid, 15, 0));
  }

  // Every field but EventCode, in the order the comparators judge them.
  VIOMMU_FIELDS(device_id, pasid_19_16, domain_or_pasid, address, gn, nx, us, i, pr, rw, pe, rz, tr, type,
                reserved_59);
};
static_assert(sizeof(Event) == 16);

}  // namespace spec::amd_vi
