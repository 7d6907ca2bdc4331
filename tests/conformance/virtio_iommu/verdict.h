// How the virtio-iommu.* cases decide whether a device's answer is one the spec permits, as pure functions:
// the guest fixture (fixture.cpp) judges with them, and the host unit tests
// (tests/unit/virtio_iommu/verdict_test.cpp) show with them that a device taking another permitted
// outcome (model::virtio_iommu::Choices) passes. No kernel or driver dependency.
#pragma once

#include <cstdint>

#include "model/virtio_iommu/device.h"

namespace virtio_iommu_tests::verdict {

namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

// A request's answer as one byte: the status, or one of these.
inline constexpr uint8_t kNoStatus = 0xff;  // chain returned unwritten (or the status lies beyond the used length)
inline constexpr uint8_t kReset = 0xfe;     // DEVICE_NEEDS_RESET
inline constexpr uint8_t kLost = 0xfd;      // never returned within the bound
inline constexpr uint32_t bit(sv::Status s) { return 1u << static_cast<uint8_t>(s); }

inline uint8_t answer_of(const mv::Completion& c) {
  if (c.needs_reset) return kReset;
  return c.written ? c.status : kNoStatus;
}

// The answers permitted besides the model's own.
struct Allowed {
  uint32_t statuses = 0;     // further permitted statuses (bit(s))
  bool unwritten = false;    // returning the chain unwritten
  bool needs_reset = false;  // DEVICE_NEEDS_RESET
  bool any = false;          // any answer at all (only the driver is bound): only a chain never returned fails
};

inline bool answer_permitted(uint8_t got, uint8_t model, const Allowed& a) {
  if (got == kLost) return false;
  if (got == model || a.any) return true;
  if (got == kNoStatus) return a.unwritten;
  if (got == kReset) return a.needs_reset;
  return got < 32 && ((a.statuses >> got) & 1u);
}

// A fault report's fields against the model's record of the same access (direction `a`).
struct FaultJudgement {
  bool reason_ok;       // the model's reason, or R_UNKNOWN (a report is optional: a vaguer one is permitted)
  bool reason_same;
  bool endpoint_ok;     // the faulting endpoint (SHOULD)
  bool address_given;   // F_ADDRESS set (MAY be omitted)
  bool address_ok;      // when given: the model's faulting address
  bool direction_ok;    // F_READ/F_WRITE absent, or exactly the access's direction
  bool direction_same;  // as the model sets them
  bool reserved_ok;     // reserved and reserved1 zero (SHOULD)
  bool undefined_flags_ok;  // no flag outside READ/WRITE/ADDRESS (SHOULD)
};

inline FaultJudgement judge_fault(uint8_t reason, uint32_t flags, uint32_t endpoint, uint64_t address, uint32_t reserved,
                                  uint32_t reserved1, const mv::FaultRecord& m, mv::Access a) {
  constexpr uint32_t kDir = sv::Fault::kFlagRead | sv::Fault::kFlagWrite;
  const uint32_t dir = flags & kDir;
  const uint32_t access_dir = a == mv::Access::kWrite ? sv::Fault::kFlagWrite : sv::Fault::kFlagRead;
  FaultJudgement j{};
  j.reason_ok = reason == m.reason || reason == sv::Fault::kReasonUnknown;
  j.reason_same = reason == m.reason;
  j.endpoint_ok = endpoint == m.endpoint;
  j.address_given = (flags & sv::Fault::kFlagAddress) != 0;
  j.address_ok = !j.address_given || address == m.address;
  j.direction_ok = dir == 0 || dir == access_dir;
  j.direction_same = dir == (m.flags & kDir);
  j.reserved_ok = reserved == 0 && reserved1 == 0;
  j.undefined_flags_ok = (flags & ~(kDir | sv::Fault::kFlagAddress)) == 0;
  return j;
}

}  // namespace virtio_iommu_tests::verdict
