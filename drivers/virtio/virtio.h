// Device-independent virtio constants (VIRTIO 1.2 §2.1 device status, §6 reserved feature bits).
#pragma once

#include <cstdint>

namespace virtio {

// §2.1 Device Status Field.
namespace status {
inline constexpr uint8_t kAcknowledge = 1;
inline constexpr uint8_t kDriver = 2;
inline constexpr uint8_t kDriverOk = 4;
inline constexpr uint8_t kFeaturesOk = 8;
inline constexpr uint8_t kDeviceNeedsReset = 64;
inline constexpr uint8_t kFailed = 128;
}  // namespace status

// §6 Reserved Feature Bits (the ones this driver knows about).
namespace feature {
inline constexpr uint64_t kVersion1 = uint64_t{1} << 32;       // VIRTIO_F_VERSION_1
inline constexpr uint64_t kAccessPlatform = uint64_t{1} << 33; // VIRTIO_F_ACCESS_PLATFORM (iommu_platform=on)
}  // namespace feature

// PCI identity (§4.1.2): vendor 0x1af4, modern device id 0x1040 + virtio device id.
inline constexpr uint16_t kPciVendor = 0x1af4;
inline constexpr uint16_t kPciDeviceBase = 0x1040;
inline constexpr uint16_t kDeviceIdBlock = 2;
inline constexpr uint16_t kDeviceIdEntropy = 4;

// What every bounded wait of the virtio drivers allows (TCG, 1 MiB requests included).
inline constexpr uint32_t kTimeoutMs = 2000;

// Address the device is given for driver-owned memory at physical address `pa`. Identity without an
// IOMMU; with one, whatever IOVA the test mapped that memory at.
using IovaOf = uint64_t (*)(void* ctx, uint64_t pa);

}  // namespace virtio
