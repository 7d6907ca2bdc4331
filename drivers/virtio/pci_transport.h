// Virtio over PCI, modern interface only (VIRTIO 1.2 §4.1.4): the vendor capabilities locate the
// common, notify, ISR and device configuration structures inside the BARs the kernel assigned.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/virtio/split_queue.h"
#include "drivers/virtio/virtio.h"
#include "kernel/mmio.h"
#include "kernel/pci.h"

namespace virtio {

// §4.1.4 struct virtio_pci_cap (and the notify capability's extra field, §4.1.4.4).
struct PciCap {
  static constexpr uint8_t kPciCapIdVendor = 0x09;
  static constexpr uint8_t kCommonCfg = 1;
  static constexpr uint8_t kNotifyCfg = 2;
  static constexpr uint8_t kIsrCfg = 3;
  static constexpr uint8_t kDeviceCfg = 4;
  static constexpr uint8_t kPciCfg = 5;
  // Field offsets inside the capability.
  static constexpr uint16_t kCapLen = 2, kCfgType = 3, kBar = 4, kOffset = 8, kLength = 12;
  static constexpr uint16_t kNotifyOffMultiplier = 16;

  uint8_t cfg_type = 0;
  uint8_t bar = 0;
  uint32_t offset = 0;
  uint32_t length = 0;

  // Reads the capability at config offset `at`; false when it is malformed or names an unusable BAR.
  bool read(const kernel::PciFunction& fn, uint8_t at);
};

// §4.1.4.3 struct virtio_pci_common_cfg: field offsets and widths, named as in the spec.
class CommonCfg {
 public:
  static constexpr uint64_t kDeviceFeatureSelect = 0x00;  // le32
  static constexpr uint64_t kDeviceFeature = 0x04;        // le32, read-only
  static constexpr uint64_t kDriverFeatureSelect = 0x08;  // le32
  static constexpr uint64_t kDriverFeature = 0x0c;        // le32
  static constexpr uint64_t kConfigMsixVector = 0x10;     // le16
  static constexpr uint64_t kNumQueues = 0x12;            // le16, read-only
  static constexpr uint64_t kDeviceStatus = 0x14;         // u8
  static constexpr uint64_t kConfigGeneration = 0x15;     // u8, read-only
  static constexpr uint64_t kQueueSelect = 0x16;          // le16
  static constexpr uint64_t kQueueSize = 0x18;            // le16
  static constexpr uint64_t kQueueMsixVector = 0x1a;      // le16
  static constexpr uint64_t kQueueEnable = 0x1c;          // le16
  static constexpr uint64_t kQueueNotifyOff = 0x1e;       // le16, read-only
  static constexpr uint64_t kQueueDesc = 0x20;            // le64
  static constexpr uint64_t kQueueDriver = 0x28;          // le64
  static constexpr uint64_t kQueueDevice = 0x30;          // le64

  CommonCfg() = default;
  explicit CommonCfg(kernel::Mmio m) : m_(m) {}
  explicit operator bool() const { return bool(m_); }

  uint8_t device_status() const { return m_.read8(kDeviceStatus); }
  void set_device_status(uint8_t s) const { m_.write8(kDeviceStatus, s); }
  uint8_t config_generation() const { return m_.read8(kConfigGeneration); }
  uint16_t num_queues() const { return m_.read16(kNumQueues); }
  uint64_t device_feature() const;
  void set_driver_feature(uint64_t f) const;
  void select_queue(uint16_t q) const { m_.write16(kQueueSelect, q); }
  uint16_t queue_size() const { return m_.read16(kQueueSize); }
  void set_queue_size(uint16_t n) const { m_.write16(kQueueSize, n); }
  uint16_t queue_enable() const { return m_.read16(kQueueEnable); }
  void set_queue_enable(uint16_t v) const { m_.write16(kQueueEnable, v); }
  uint16_t queue_notify_off() const { return m_.read16(kQueueNotifyOff); }
  uint16_t queue_msix_vector() const { return m_.read16(kQueueMsixVector); }
  void set_queue_msix_vector(uint16_t v) const { m_.write16(kQueueMsixVector, v); }
  // §4.1.3.1: 64-bit fields may be written as two 32-bit halves; QEMU splits wider accesses anyway.
  void write64(uint64_t off, uint64_t v) const {
    m_.write32(off, static_cast<uint32_t>(v));
    m_.write32(off + 4, static_cast<uint32_t>(v >> 32));
  }

 private:
  kernel::Mmio m_;
};

enum class InitResult : uint8_t {
  kOk,
  kResetTimeout,      // device_status did not read back 0 after the reset write
  kNoVersion1,        // device does not offer VIRTIO_F_VERSION_1
  kMissingFeature,    // a feature the driver requires was not offered
  kFeaturesRejected,  // FEATURES_OK did not stick (§3.1.1 step 6)
  kNoQueue,           // queue index absent or size 0
  kQueueAlloc,        // DmaMemory exhausted
  kMsixVector,        // queue_msix_vector read back NO_VECTOR: the device refused the vector
};
// §4.1.4.3: "no vector", the value of config_msix_vector and queue_msix_vector that maps nothing.
inline constexpr uint16_t kNoVector = 0xffff;
const char* to_string(InitResult r);

class PciTransport {
 public:
  // Finds the vendor capabilities of a modern virtio function and maps them. Enables memory decode
  // and bus mastering. False when a required structure (common, notify, ISR) is missing or unusable.
  bool probe(kernel::PciFunction* fn);

  // §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK (re-read).
  // Negotiated = offered & (VERSION_1 | ACCESS_PLATFORM | optional); `required` bits must be offered.
  InitResult begin_init(uint64_t required, uint64_t optional);
  // §4.1.5.1.3: queue `index` with at most q's size entries, ring addresses through iova_of(); its events go
  // to MSI-X table entry `msix_vector` (MSI-X enabled by the caller) or, with kNoVector, nowhere.
  InitResult setup_queue(uint16_t index, SplitQueue& q, uint16_t max_size, uint16_t msix_vector = kNoVector);
  // §3.1.1 step 8.
  void driver_ok();
  // Writes 0 to device_status and waits (bounded) until it reads back 0 (§4.1.4.3.2). Leaves the
  // device without features or queues; begin_init() starts over.
  bool reset();
  // Marks the device FAILED (§3.1.1: when the driver gives up).
  void fail();

  uint8_t device_status() const { return common_.device_status(); }
  bool needs_reset() const { return (device_status() & status::kDeviceNeedsReset) != 0; }
  uint64_t offered_features() const { return offered_; }
  uint64_t negotiated_features() const { return negotiated_; }

  // Doorbell for a queue set up with setup_queue (§4.1.5.2: the queue index is written).
  void notify(uint16_t index, const SplitQueue& q) const;

  // Device-specific configuration, read consistently with config_generation (§4.1.4.3.1, §2.5.1).
  uint32_t config_read32(uint32_t off) const;
  uint64_t config_read64(uint32_t off) const;
  size_t device_cfg_length() const { return device_cfg_len_; }

  // How driver-owned memory (rings, request headers) is addressed by the device. Default identity.
  void set_dma_translate(IovaOf fn, void* ctx) {
    iova_of_ = fn;
    iova_ctx_ = ctx;
  }
  uint64_t iova_of(uint64_t pa) const { return iova_of_ ? iova_of_(iova_ctx_, pa) : pa; }

  kernel::PciFunction* function() const { return fn_; }

 private:
  kernel::PciFunction* fn_ = nullptr;
  CommonCfg common_;
  kernel::Mmio notify_base_;
  uint32_t notify_off_multiplier_ = 0;
  uint32_t notify_len_ = 0;
  kernel::Mmio isr_;
  kernel::Mmio device_cfg_;
  uint32_t device_cfg_len_ = 0;
  uint64_t offered_ = 0;
  uint64_t negotiated_ = 0;
  IovaOf iova_of_ = nullptr;
  void* iova_ctx_ = nullptr;
};

}  // namespace virtio
