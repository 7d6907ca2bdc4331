#include "hosted/virtio_pci_function.h"

#include "hosted/device_bus.h"
#include "kernel/platform.h"

namespace hosted {

namespace {

// aarch64 virt's PCIe host (hw/arm/virt.c memmap): the low ECAM (16 buses) and the 32-bit MMIO aperture,
// CPU and PCI addresses identical.
constexpr uint64_t kEcamBase = 0x3f00'0000, kEcamSize = 0x100'0000;
constexpr uint64_t kMmio32Base = 0x1000'0000, kMmio32Size = 0x2eff'0000;

// PCI type 0 header offsets (PCI LB 3.0 §6.1) and the bits this function implements.
constexpr uint32_t kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06, kRevision = 0x08;
constexpr uint32_t kClassCode = 0x09, kBar0 = 0x10, kSubsystemVendor = 0x2c, kSubsystemId = 0x2e, kCapPtr = 0x34;
constexpr uint16_t kCmdMemory = 1u << 1, kCmdBusMaster = 1u << 2;
constexpr uint16_t kStatusCapList = 1u << 4;
constexpr uint64_t kBarSize = 0x4000;
constexpr uint32_t kBarMem64 = 0x4;  // memory BAR, type 10b (64-bit), not prefetchable

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

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v));
  put16(p + 2, static_cast<uint16_t>(v >> 16));
}

// A virtio_pci_cap (§4.1.4) at cfg[at], pointing at `next`.
void put_cap(uint8_t* cfg, uint8_t at, uint8_t next, uint8_t len, uint8_t type, uint32_t offset) {
  cfg[at] = kCapVendor;
  cfg[at + 1] = next;
  cfg[at + 2] = len;
  cfg[at + 3] = type;
  cfg[at + 4] = 0;  // BAR0
  put32(cfg + at + 8, offset);
  put32(cfg + at + 12, kRegion);
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

bool VirtioPciFunction::install(uint8_t dev, const VirtioBackend& backend) {
  be_ = backend;
  dev_ = dev;
  for (DeviceQueue& q : queues_) q.reset(kQueueMax);
  // §4.1.2.1: vendor 0x1af4, device 0x1040 + virtio device id, revision 1 (modern only), subsystem
  // device id 0x40 or higher.
  put16(cfg_ + kVendorId, 0x1af4);
  put16(cfg_ + kDeviceId, static_cast<uint16_t>(0x1040 + backend.virtio_device_id));
  put16(cfg_ + kStatus, kStatusCapList);
  cfg_[kRevision] = 1;
  cfg_[kClassCode + 2] = 0xff;  // base class 0xff: a device that fits no defined class
  put16(cfg_ + kSubsystemVendor, 0x1af4);
  put16(cfg_ + kSubsystemId, 0x40);
  cfg_[kCapPtr] = 0x40;
  put_cap(cfg_, 0x40, 0x50, 16, kCommonCfg, kCommonOff);
  put_cap(cfg_, 0x50, 0x68, 20, kNotifyCfg, kNotifyOff);
  put32(cfg_ + 0x50 + 16, kNotifyMultiplier);  // §4.1.4.4 notify_off_multiplier
  put_cap(cfg_, 0x68, 0x78, 16, kIsrCfg, kIsrOff);
  put_cap(cfg_, 0x78, 0x00, 16, kDeviceCfg, kDeviceOff);

  kernel::Platform& p = kernel::platform();
  if (!p.ecam_base) {
    p.ecam_base = kEcamBase;
    p.ecam_size = kEcamSize;
    p.bus_start = 0;
    p.bus_end = static_cast<uint32_t>(kEcamSize >> 20) - 1;
    p.mmio32 = kernel::AddressWindow{kMmio32Base, kMmio32Base, kMmio32Size};
  }
  return add_window(p.ecam_base, p.ecam_size, MmioDevice{this, ecam_read, ecam_write, nullptr}) &&
         add_window(p.mmio32.cpu_base, p.mmio32.size, MmioDevice{this, bar_read, bar_write, nullptr});
}

bool VirtioPciFunction::driver_ok() const { return (status_ & kDriverOk) != 0; }
void VirtioPciFunction::set_needs_reset() { status_ |= kNeedsReset; }
bool VirtioPciFunction::needs_reset() const { return (status_ & kNeedsReset) != 0; }

// ---- configuration space ----

uint64_t VirtioPciFunction::ecam_read(void* ctx, uint64_t off, unsigned size) {
  auto* self = static_cast<VirtioPciFunction*>(ctx);
  // PCIe base §7.2.2: bus << 20 | device << 15 | function << 12 | register.
  const bool mine = (off >> 20) == 0 && ((off >> 15) & 31) == self->dev_ && ((off >> 12) & 7) == 0;
  // No function there: the read completes with all ones (vendor ID 0xffff).
  if (!mine) return ones(size);
  const uint32_t reg = static_cast<uint32_t>(off & 0xfff);
  return reg + size <= sizeof self->cfg_ ? self->cfg_read(reg, size) : 0;  // no extended capabilities
}

void VirtioPciFunction::ecam_write(void* ctx, uint64_t off, unsigned size, uint64_t value) {
  auto* self = static_cast<VirtioPciFunction*>(ctx);
  if ((off >> 20) != 0 || ((off >> 15) & 31) != self->dev_ || ((off >> 12) & 7) != 0) return;
  const uint32_t reg = static_cast<uint32_t>(off & 0xfff);
  if (reg + size <= sizeof self->cfg_) self->cfg_write(reg, size, value);
}

uint64_t VirtioPciFunction::cfg_read(uint32_t off, unsigned size) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const uint32_t at = off + i;
    uint8_t b = cfg_[at];
    if (at >= kBar0 && at < kBar0 + 8) b = static_cast<uint8_t>((bar_ | kBarMem64) >> ((at - kBar0) * 8));
    v |= uint64_t{b} << (i * 8);
  }
  return v;
}

void VirtioPciFunction::cfg_write(uint32_t off, unsigned size, uint64_t value) {
  for (unsigned i = 0; i < size; ++i) {
    const uint32_t at = off + i;
    const auto b = static_cast<uint8_t>(value >> (i * 8));
    if (at == kCommand) cfg_[at] = b & (kCmdMemory | kCmdBusMaster);
    if (at >= kBar0 && at < kBar0 + 8) bar_ = merge(bar_, at - kBar0, 1, b);
  }
  // The BAR's low bits are its size (read-only zero): sizing reads back ~(size - 1) (PCI LB 3.0 §6.2.5.1).
  bar_ &= ~(kBarSize - 1);
}

// ---- BAR0 ----

bool VirtioPciFunction::bar_decode(uint64_t addr, uint32_t* off) const {
  if (!(cfg_[kCommand] & kCmdMemory) || bar_ == 0) return false;
  const kernel::AddressWindow& w = kernel::platform().mmio32;
  const uint64_t bus = addr - w.cpu_base + w.pci_base;
  if (bus < bar_ || bus - bar_ >= kBarSize) return false;
  *off = static_cast<uint32_t>(bus - bar_);
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
    // §3.1.1 step 5-6: FEATURES_OK sticks only for a subset of the offered features that includes
    // VERSION_1 (§6.1: a modern-only device may refuse a driver that does not accept it) and that the
    // device accepts.
    const bool subset = (driver_features_ & ~be_.features) == 0 && (driver_features_ & kVersion1);
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
