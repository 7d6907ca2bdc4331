#include "hosted/virtio_pci_function.h"

#include "hosted/device_bus.h"
#include "kernel/platform.h"

namespace hosted {

namespace {

// PCI type 0 header offsets (PCI LB 3.0 §6.1) this function fills beyond PciConfig::header().
constexpr uint32_t kRevision = 0x08, kSubsystemVendor = 0x2c, kSubsystemId = 0x2e;
constexpr uint32_t kBarSize = 0x4000;

// §4.1.4 vendor capabilities, one after another from 0x40.
constexpr uint8_t kCapVendor = 0x09;
constexpr uint8_t kCommonCfg = 1, kNotifyCfg = 2, kIsrCfg = 3, kDeviceCfg = 4;
constexpr uint32_t kRegion = 0x1000;  // each structure's 4 KiB region in BAR0 (file comment)
constexpr uint32_t kCommonOff = 0x0000, kIsrOff = 0x1000, kDeviceOff = 0x2000, kNotifyOff = 0x3000;
constexpr uint32_t kNotifyMultiplier = 4;

// §4.1.4.3 common configuration offsets.
constexpr uint32_t kDeviceFeatureSelect = 0x00, kDeviceFeature = 0x04, kDriverFeatureSelect = 0x08;
constexpr uint32_t kDriverFeature = 0x0c, kConfigMsixVector = 0x10, kNumQueuesOff = 0x12, kDeviceStatus = 0x14;
constexpr uint32_t kConfigGeneration = 0x15, kQueueSelect = 0x16, kQueueSize = 0x18, kQueueMsixVector = 0x1a;
constexpr uint32_t kQueueEnable = 0x1c, kQueueNotifyOff = 0x1e, kQueueDesc = 0x20, kQueueDriver = 0x28;
constexpr uint32_t kQueueDevice = 0x30;
constexpr uint16_t kNoVector = 0xffff;  // VIRTIO_MSI_NO_VECTOR: no MSI-X capability

// §2.1 device status bits.
constexpr uint8_t kFeaturesOk = 8, kDriverOk = 4, kNeedsReset = 64;
constexpr uint64_t kVersion1 = uint64_t{1} << 32;

uint64_t ones(unsigned size) { return size >= 8 ? ~uint64_t{0} : (uint64_t{1} << (size * 8)) - 1; }

// A virtio_pci_cap (§4.1.4) of `len` bytes at `at`, appended to the capability list.
void put_cap(PciConfig* cfg, uint8_t at, uint8_t len, uint8_t type, uint32_t offset) {
  cfg->add_capability(at, kCapVendor);
  cfg->set8(at + 2, len);
  cfg->set8(at + 3, type);
  cfg->set8(at + 4, 0);  // BAR0
  cfg->set32(at + 8, offset);
  cfg->set32(at + 12, kRegion);
}

// Reads `size` bytes at `off` of a 64-bit register value (a 32-bit half, or all of it).
uint64_t part(uint64_t reg, uint32_t off, unsigned size) { return (reg >> ((off & 7) * 8)) & ones(size); }
// Writes `size` bytes at `off` into a 64-bit register value.
uint64_t merge(uint64_t reg, uint32_t off, unsigned size, uint64_t v) {
  const unsigned shift = (off & 7) * 8;
  const uint64_t mask = ones(size) << shift;
  return (reg & ~mask) | ((v << shift) & mask);
}

}  // namespace

bool VirtioPciFunction::install(PciConfig* cfg, const VirtioBackend& backend) {
  if (!cfg) return false;
  be_ = backend;
  cfg_ = cfg;
  for (DeviceQueue& q : queues_) q.reset(kQueueMax);
  // §4.1.2.1: vendor 0x1af4, device 0x1040 + virtio device id, revision 1 (modern only), subsystem
  // device id 0x40 or higher. Base class 0xff: a device that fits no defined class.
  cfg->header(0x1af4, static_cast<uint16_t>(0x1040 + backend.virtio_device_id), 0xff0000);
  cfg->set8(kRevision, 1);
  cfg->set16(kSubsystemVendor, 0x1af4);
  cfg->set16(kSubsystemId, 0x40);
  cfg->mem_bar(0, kBarSize);
  put_cap(cfg, 0x40, 16, kCommonCfg, kCommonOff);
  put_cap(cfg, 0x50, 20, kNotifyCfg, kNotifyOff);
  cfg->set32(0x50 + 16, kNotifyMultiplier);  // §4.1.4.4 notify_off_multiplier
  put_cap(cfg, 0x68, 16, kIsrCfg, kIsrOff);
  put_cap(cfg, 0x78, 16, kDeviceCfg, kDeviceOff);
  const kernel::AddressWindow& w = kernel::platform().mmio32;
  return w.size && add_window(w.cpu_base, w.size, MmioDevice{this, bar_read, bar_write, nullptr});
}

bool VirtioPciFunction::driver_ok() const { return (status_ & kDriverOk) != 0; }
void VirtioPciFunction::set_needs_reset() { status_ |= kNeedsReset; }
bool VirtioPciFunction::needs_reset() const { return (status_ & kNeedsReset) != 0; }

// ---- BAR0 ----

bool VirtioPciFunction::bar_decode(uint64_t addr, uint32_t* off) const {
  const uint64_t bar = cfg_->bar_address(0);  // 0 while memory decode is off
  if (bar == 0) return false;
  const kernel::AddressWindow& w = kernel::platform().mmio32;
  const uint64_t bus = addr - w.cpu_base + w.pci_base;
  if (bus < bar || bus - bar >= kBarSize) return false;
  *off = static_cast<uint32_t>(bus - bar);
  return true;
}

uint64_t VirtioPciFunction::bar_read(void* ctx, uint64_t woff, unsigned size) {
  auto* self = static_cast<VirtioPciFunction*>(ctx);
  uint32_t off = 0;
  if (!self->bar_decode(kernel::platform().mmio32.cpu_base + woff, &off)) return ones(size);
  const uint32_t in = off & (kRegion - 1);
  switch (off & ~(kRegion - 1)) {
    case kCommonOff: return self->common_read(in, size);
    case kIsrOff: return 0;  // §4.1.4.5: no interrupt is ever raised (the driver polls)
    case kDeviceOff: {
      uint64_t v = 0;
      for (unsigned i = 0; i < size; ++i) v |= uint64_t{self->be_.config_read8(self->be_.ctx, in + i)} << (i * 8);
      return v;
    }
    default: return 0;  // notify region: write-only
  }
}

void VirtioPciFunction::bar_write(void* ctx, uint64_t woff, unsigned size, uint64_t value) {
  auto* self = static_cast<VirtioPciFunction*>(ctx);
  uint32_t off = 0;
  if (!self->bar_decode(kernel::platform().mmio32.cpu_base + woff, &off)) return;
  const uint32_t in = off & (kRegion - 1);
  switch (off & ~(kRegion - 1)) {
    case kCommonOff: return self->common_write(in, size, value);
    case kDeviceOff:
      for (unsigned i = 0; i < size; ++i)
        self->be_.config_write8(self->be_.ctx, in + i, static_cast<uint8_t>(value >> (i * 8)));
      return;
    case kNotifyOff: {
      // §4.1.4.4: the queue is the one whose queue_notify_off * multiplier is this offset.
      const uint32_t q = in / kNotifyMultiplier;
      if (q >= kNumQueues || !self->queues_[q].enabled || self->needs_reset()) return;
      self->be_.notify(self->be_.ctx, static_cast<uint16_t>(q));
      return;
    }
    default: return;  // ISR: read-only
  }
}

// ---- §4.1.4.3 common configuration ----

uint64_t VirtioPciFunction::common_read(uint32_t off, unsigned size) {
  const DeviceQueue* q = queue_select_ < kNumQueues ? &queues_[queue_select_] : nullptr;
  switch (off) {
    case kDeviceFeatureSelect: return device_feature_select_;
    case kDeviceFeature:
      return device_feature_select_ < 2 ? static_cast<uint32_t>(be_.features >> (32 * device_feature_select_)) : 0;
    case kDriverFeatureSelect: return driver_feature_select_;
    case kDriverFeature:
      return driver_feature_select_ < 2 ? static_cast<uint32_t>(driver_features_ >> (32 * driver_feature_select_)) : 0;
    case kConfigMsixVector: return kNoVector;
    case kNumQueuesOff: return kNumQueues;
    case kDeviceStatus: return status_;
    case kConfigGeneration: return 0;  // the configuration never changes on its own
    case kQueueSelect: return queue_select_;
    case kQueueSize: return q ? q->size : 0;
    case kQueueMsixVector: return kNoVector;
    case kQueueEnable: return q ? q->enabled : 0;
    case kQueueNotifyOff: return queue_select_;
    default: break;
  }
  if (!q) return 0;
  if (off >= kQueueDesc && off < kQueueDesc + 8) return part(q->desc, off, size);
  if (off >= kQueueDriver && off < kQueueDriver + 8) return part(q->driver, off, size);
  if (off >= kQueueDevice && off < kQueueDevice + 8) return part(q->device, off, size);
  return 0;
}

void VirtioPciFunction::common_write(uint32_t off, unsigned size, uint64_t value) {
  DeviceQueue* q = queue_select_ < kNumQueues ? &queues_[queue_select_] : nullptr;
  switch (off) {
    case kDeviceFeatureSelect: device_feature_select_ = static_cast<uint32_t>(value); return;
    case kDriverFeatureSelect: driver_feature_select_ = static_cast<uint32_t>(value); return;
    case kDriverFeature:
      if (driver_feature_select_ < 2)
        driver_features_ = merge(driver_features_, 4 * driver_feature_select_, 4, value & 0xffffffffu);
      return;
    case kDeviceStatus: return write_status(static_cast<uint8_t>(value));
    case kQueueSelect: queue_select_ = static_cast<uint16_t>(value); return;
    case kQueueSize:
      // §4.1.4.3.2: a power of two no larger than offered, while the queue is disabled.
      if (q && !q->enabled && value && value <= kQueueMax && !(value & (value - 1))) q->size = static_cast<uint16_t>(value);
      return;
    case kQueueEnable:
      if (q && value == 1) q->enabled = true;  // §4.1.4.3.2: the driver MUST NOT write 0
      return;
    default: break;
  }
  if (!q || q->enabled) return;  // ring addresses are fixed once the queue is enabled
  if (off >= kQueueDesc && off < kQueueDesc + 8) q->desc = merge(q->desc, off, size, value);
  if (off >= kQueueDriver && off < kQueueDriver + 8) q->driver = merge(q->driver, off, size, value);
  if (off >= kQueueDevice && off < kQueueDevice + 8) q->device = merge(q->device, off, size, value);
}

void VirtioPciFunction::write_status(uint8_t s) {
  // §2.1.2 / §4.1.4.3.2: writing 0 resets the device.
  if (s == 0) return device_reset();
  if ((s & kFeaturesOk) && !(status_ & kFeaturesOk)) {
    // §3.1.1 step 5-6: FEATURES_OK sticks only for a subset of the offered transport features that
    // includes VERSION_1 (§6.1: a modern-only device may refuse a driver that does not accept it) and
    // that the device accepts. Device-type bits (0-23) the device did not offer are the device's to
    // judge (§2.2.1 binds only the driver): the backend sees them.
    constexpr uint64_t kDeviceTypeBits = 0xff'ffff;
    const bool subset = (driver_features_ & ~be_.features & ~kDeviceTypeBits) == 0 && (driver_features_ & kVersion1);
    if (!subset || !be_.features_ok(be_.ctx, driver_features_)) s &= static_cast<uint8_t>(~kFeaturesOk);
  }
  // DEVICE_NEEDS_RESET is the device's to set; only a reset clears it.
  status_ = static_cast<uint8_t>(s | (status_ & kNeedsReset));
}

void VirtioPciFunction::device_reset() {
  status_ = 0;
  driver_features_ = 0;
  device_feature_select_ = driver_feature_select_ = 0;
  queue_select_ = 0;
  for (DeviceQueue& q : queues_) q.reset(kQueueMax);
  be_.reset(be_.ctx);
}

}  // namespace hosted
