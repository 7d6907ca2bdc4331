// The virtio-iommu device (VIRTIO 1.2 §5.13 "IOMMU device", unchanged in 1.3 §5.13) as typed C++:
// feature bits, the device configuration, every request with its tail, statuses, probe properties and
// fault reports. Layouts are little-endian and byte-packed on the wire; each structure is declared as
// spec::Words so every field carries its absolute bit position (byte offset * 8), and its size is
// static_asserted against the spec's struct. Shared by the guest driver and the reference model.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/bitfield.h"

namespace spec::virtio_iommu {

// §5.13.1 Device ID; PCI device id 0x1040 + 23 (§4.1.2.1).
inline constexpr uint16_t kDeviceId = 23;
inline constexpr uint16_t kPciDeviceId = 0x1057;

// §5.13.2 Virtqueues.
inline constexpr uint16_t kRequestQueue = 0;
inline constexpr uint16_t kEventQueue = 1;

// §5.13.3 Feature bits.
namespace feature {
inline constexpr uint64_t kInputRange = uint64_t{1} << 0;    // VIRTIO_IOMMU_F_INPUT_RANGE
inline constexpr uint64_t kDomainRange = uint64_t{1} << 1;   // VIRTIO_IOMMU_F_DOMAIN_RANGE
inline constexpr uint64_t kMapUnmap = uint64_t{1} << 2;      // VIRTIO_IOMMU_F_MAP_UNMAP
inline constexpr uint64_t kBypass = uint64_t{1} << 3;        // VIRTIO_IOMMU_F_BYPASS (superseded)
inline constexpr uint64_t kProbe = uint64_t{1} << 4;         // VIRTIO_IOMMU_F_PROBE
inline constexpr uint64_t kMmio = uint64_t{1} << 5;          // VIRTIO_IOMMU_F_MMIO
inline constexpr uint64_t kBypassConfig = uint64_t{1} << 6;  // VIRTIO_IOMMU_F_BYPASS_CONFIG
// Every device-specific bit this specification defines (bits 0..23 are device specific, §6).
inline constexpr uint64_t kAllDefined =
    kInputRange | kDomainRange | kMapUnmap | kBypass | kProbe | kMmio | kBypassConfig;
inline constexpr uint64_t kDeviceSpecificMask = (uint64_t{1} << 24) - 1;
}  // namespace feature

// §5.13.4 struct virtio_iommu_config (40 bytes).
struct Config : Words<5> {
  VIOMMU_FIELD(63, 0, page_size_mask);        // always present
  VIOMMU_FIELD(127, 64, input_range_start);   // INPUT_RANGE
  VIOMMU_FIELD(191, 128, input_range_end);    // INPUT_RANGE (inclusive)
  VIOMMU_FIELD(223, 192, domain_range_start); // DOMAIN_RANGE
  VIOMMU_FIELD(255, 224, domain_range_end);   // DOMAIN_RANGE (inclusive)
  VIOMMU_FIELD(287, 256, probe_size);         // PROBE
  VIOMMU_FIELD(295, 288, bypass);             // BYPASS_CONFIG; only 0 or 1
  VIOMMU_FIELD(319, 296, reserved);
  // Byte offsets inside the device configuration window (for the transport's config reads/writes).
  static constexpr uint32_t kPageSizeMaskOff = 0;
  static constexpr uint32_t kInputRangeStartOff = 8;
  static constexpr uint32_t kInputRangeEndOff = 16;
  static constexpr uint32_t kDomainRangeStartOff = 24;
  static constexpr uint32_t kDomainRangeEndOff = 28;
  static constexpr uint32_t kProbeSizeOff = 32;
  static constexpr uint32_t kBypassOff = 36;
};
static_assert(sizeof(Config) == 40);

// §5.13.6 request types.
enum class RequestType : uint8_t {
  kAttach = 1,
  kDetach = 2,
  kMap = 3,
  kUnmap = 4,
  kProbe = 5,
};

// §5.13.6 statuses.
enum class Status : uint8_t {
  kOk = 0,      // VIRTIO_IOMMU_S_OK
  kIoErr = 1,   // VIRTIO_IOMMU_S_IOERR: virtio communication error
  kUnsupp = 2,  // VIRTIO_IOMMU_S_UNSUPP: unsupported request
  kDevErr = 3,  // VIRTIO_IOMMU_S_DEVERR: internal device error
  kInval = 4,   // VIRTIO_IOMMU_S_INVAL: invalid parameters
  kRange = 5,   // VIRTIO_IOMMU_S_RANGE: out-of-range parameters
  kNoEnt = 6,   // VIRTIO_IOMMU_S_NOENT: entry not found
  kFault = 7,   // VIRTIO_IOMMU_S_FAULT: bad address
  kNoMem = 8,   // VIRTIO_IOMMU_S_NOMEM: insufficient resources
};
const char* to_string(Status s);
inline const char* status_name(uint8_t s) { return to_string(static_cast<Status>(s)); }

// §5.13.6 struct virtio_iommu_req_head / struct virtio_iommu_req_tail (4 bytes each). Declared as the
// low half of a word so requests can embed them at bit 0.
struct ReqTail {
  uint8_t status;
  uint8_t reserved[3];
};
static_assert(sizeof(ReqTail) == 4);
inline constexpr size_t kHeadSize = 4;
inline constexpr size_t kTailSize = sizeof(ReqTail);

// §5.13.6.3 struct virtio_iommu_req_attach (24 bytes with the tail).
struct ReqAttach : Words<3> {
  VIOMMU_FIELD(7, 0, type);
  VIOMMU_FIELD(31, 8, head_reserved);
  VIOMMU_FIELD(63, 32, domain);
  VIOMMU_FIELD(95, 64, endpoint);
  VIOMMU_FIELD(127, 96, flags);
  VIOMMU_FIELD(159, 128, reserved);  // u8 reserved[4]: the device MUST reject non-zero (INVAL)
  VIOMMU_FIELD(167, 160, status);    // tail
  static constexpr uint32_t kFlagBypass = 1u << 0;  // VIRTIO_IOMMU_ATTACH_F_BYPASS
  static constexpr size_t kReadable = 20;           // head .. reserved
  ReqAttach() { set_type(static_cast<uint8_t>(RequestType::kAttach)); }
};
static_assert(sizeof(ReqAttach) == 24);

// §5.13.6.4 struct virtio_iommu_req_detach (24 bytes with the tail).
struct ReqDetach : Words<3> {
  VIOMMU_FIELD(7, 0, type);
  VIOMMU_FIELD(31, 8, head_reserved);
  VIOMMU_FIELD(63, 32, domain);
  VIOMMU_FIELD(95, 64, endpoint);
  VIOMMU_FIELD(127, 96, reserved_lo);   // u8 reserved[8], bytes 12..15: the device MUST ignore
  VIOMMU_FIELD(159, 128, reserved_hi);  // bytes 16..19
  VIOMMU_FIELD(167, 160, status);
  static constexpr size_t kReadable = 20;
  ReqDetach() { set_type(static_cast<uint8_t>(RequestType::kDetach)); }
};
static_assert(sizeof(ReqDetach) == 24);

// §5.13.6.5 struct virtio_iommu_req_map (40 bytes with the tail).
struct ReqMap : Words<5> {
  VIOMMU_FIELD(7, 0, type);
  VIOMMU_FIELD(31, 8, head_reserved);
  VIOMMU_FIELD(63, 32, domain);
  VIOMMU_FIELD(127, 64, virt_start);
  VIOMMU_FIELD(191, 128, virt_end);  // inclusive
  VIOMMU_FIELD(255, 192, phys_start);
  VIOMMU_FIELD(287, 256, flags);
  VIOMMU_FIELD(295, 288, status);
  static constexpr uint32_t kFlagRead = 1u << 0;   // VIRTIO_IOMMU_MAP_F_READ
  static constexpr uint32_t kFlagWrite = 1u << 1;  // VIRTIO_IOMMU_MAP_F_WRITE
  static constexpr uint32_t kFlagMmio = 1u << 2;   // VIRTIO_IOMMU_MAP_F_MMIO (needs F_MMIO)
  static constexpr uint32_t kFlagsDefined = kFlagRead | kFlagWrite | kFlagMmio;
  static constexpr size_t kReadable = 36;
  ReqMap() { set_type(static_cast<uint8_t>(RequestType::kMap)); }
};
static_assert(sizeof(ReqMap) == 40);

// §5.13.6.6 struct virtio_iommu_req_unmap (32 bytes with the tail).
struct ReqUnmap : Words<4> {
  VIOMMU_FIELD(7, 0, type);
  VIOMMU_FIELD(31, 8, head_reserved);
  VIOMMU_FIELD(63, 32, domain);
  VIOMMU_FIELD(127, 64, virt_start);
  VIOMMU_FIELD(191, 128, virt_end);  // inclusive
  VIOMMU_FIELD(223, 192, reserved);  // u8 reserved[4]: the device MAY reject non-zero
  VIOMMU_FIELD(231, 224, status);
  static constexpr size_t kReadable = 28;
  ReqUnmap() { set_type(static_cast<uint8_t>(RequestType::kUnmap)); }
};
static_assert(sizeof(ReqUnmap) == 32);

// §5.13.6.7 struct virtio_iommu_req_probe, device-readable part (72 bytes); the device-writable part is
// u8 properties[probe_size] followed by the tail.
struct ReqProbe : Words<9> {
  VIOMMU_FIELD(7, 0, type);
  VIOMMU_FIELD(31, 8, head_reserved);
  VIOMMU_FIELD(63, 32, endpoint);
  // u8 reserved[64] follows (bytes 8..71): padding for future fields; the device MUST ignore it.
  VIOMMU_FIELD(127, 64, reserved0);
  static constexpr size_t kReadable = 72;
  ReqProbe() { set_type(static_cast<uint8_t>(RequestType::kProbe)); }
};
static_assert(sizeof(ReqProbe) == 72);

// §5.13.6.7 struct virtio_iommu_probe_property (4-byte header; `length` excludes it).
struct ProbeProperty : Words<1> {
  VIOMMU_FIELD(11, 0, type);
  VIOMMU_FIELD(15, 12, reserved);  // the driver MUST ignore a property with reserved != 0
  VIOMMU_FIELD(31, 16, length);
  static constexpr size_t kHeaderSize = 4;
};
inline constexpr uint16_t kProbeTypeNone = 0;    // end of the list
inline constexpr uint16_t kProbeTypeResvMem = 1; // VIRTIO_IOMMU_PROBE_T_RESV_MEM

// §5.13.6.8.1 struct virtio_iommu_probe_resv_mem (24 bytes, length field 20).
struct ProbeResvMem : Words<3> {
  VIOMMU_FIELD(11, 0, type);
  VIOMMU_FIELD(15, 12, head_reserved);
  VIOMMU_FIELD(31, 16, length);
  VIOMMU_FIELD(39, 32, subtype);
  VIOMMU_FIELD(63, 40, reserved);
  VIOMMU_FIELD(127, 64, start);
  VIOMMU_FIELD(191, 128, end);  // inclusive
  static constexpr uint16_t kLength = 20;  // size without the 4-byte header
  static constexpr uint8_t kSubtypeReserved = 0;  // VIRTIO_IOMMU_RESV_MEM_T_RESERVED
  static constexpr uint8_t kSubtypeMsi = 1;       // VIRTIO_IOMMU_RESV_MEM_T_MSI
};
static_assert(sizeof(ProbeResvMem) == 24);

// §5.13.6.9 struct virtio_iommu_fault (24 bytes).
struct Fault : Words<3> {
  VIOMMU_FIELD(7, 0, reason);
  VIOMMU_FIELD(31, 8, reserved);
  VIOMMU_FIELD(63, 32, flags);
  VIOMMU_FIELD(95, 64, endpoint);
  VIOMMU_FIELD(127, 96, reserved1);
  VIOMMU_FIELD(191, 128, address);  // valid when flags has F_ADDRESS
  VIOMMU_FIELDS(reason, reserved, flags, endpoint, reserved1, address);
  static constexpr uint8_t kReasonUnknown = 0;  // VIRTIO_IOMMU_FAULT_R_UNKNOWN
  static constexpr uint8_t kReasonDomain = 1;   // VIRTIO_IOMMU_FAULT_R_DOMAIN: endpoint not attached
  static constexpr uint8_t kReasonMapping = 2;  // VIRTIO_IOMMU_FAULT_R_MAPPING: unmapped or wrong flags
  static constexpr uint32_t kFlagRead = 1u << 0;     // VIRTIO_IOMMU_FAULT_F_READ
  static constexpr uint32_t kFlagWrite = 1u << 1;    // VIRTIO_IOMMU_FAULT_F_WRITE
  static constexpr uint32_t kFlagAddress = 1u << 8;  // VIRTIO_IOMMU_FAULT_F_ADDRESS
};
static_assert(sizeof(Fault) == 24);

inline const char* to_string(Status s) {
  switch (s) {
    case Status::kOk: return "OK";
    case Status::kIoErr: return "IOERR";
    case Status::kUnsupp: return "UNSUPP";
    case Status::kDevErr: return "DEVERR";
    case Status::kInval: return "INVAL";
    case Status::kRange: return "RANGE";
    case Status::kNoEnt: return "NOENT";
    case Status::kFault: return "FAULT";
    case Status::kNoMem: return "NOMEM";
  }
  return "?";
}

}  // namespace spec::virtio_iommu
