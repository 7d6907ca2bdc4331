#include "drivers/virtio/pci_transport.h"

#include <cstdio>

#include "kernel/arch.h"
#include "kernel/test.h"

namespace virtio {

bool PciCap::read(const kernel::PciFunction& fn, uint8_t at) {
  if (fn.cfg_read8(at + kCapLen) < 16) return false;  // §4.1.4: at least struct virtio_pci_cap
  cfg_type = fn.cfg_read8(at + kCfgType);
  bar = fn.cfg_read8(at + kBar);
  offset = fn.cfg_read32(at + kOffset);
  length = fn.cfg_read32(at + kLength);
  // §4.1.4.1: BAR values 0x6..0xff are reserved and the capability must be ignored.
  if (bar > 5) return false;
  const kernel::PciBar& b = fn.bar(bar);
  if (b.io || b.cpu == 0) return false;
  // The structure must lie inside the BAR.
  if (uint64_t{offset} + length > b.size) return false;
  return true;
}

uint64_t CommonCfg::device_feature() const {
  m_.write32(kDeviceFeatureSelect, 0);
  uint64_t lo = m_.read32(kDeviceFeature);
  m_.write32(kDeviceFeatureSelect, 1);
  uint64_t hi = m_.read32(kDeviceFeature);
  return hi << 32 | lo;
}

void CommonCfg::set_driver_feature(uint64_t f) const {
  m_.write32(kDriverFeatureSelect, 0);
  m_.write32(kDriverFeature, static_cast<uint32_t>(f));
  m_.write32(kDriverFeatureSelect, 1);
  m_.write32(kDriverFeature, static_cast<uint32_t>(f >> 32));
}

const char* to_string(InitResult r) {
  switch (r) {
    case InitResult::kOk: return "ok";
    case InitResult::kResetTimeout: return "reset did not complete";
    case InitResult::kNoVersion1: return "VIRTIO_F_VERSION_1 not offered";
    case InitResult::kMissingFeature: return "required feature not offered";
    case InitResult::kFeaturesRejected: return "FEATURES_OK not accepted";
    case InitResult::kNoQueue: return "queue unavailable";
    case InitResult::kQueueAlloc: return "no DMA memory for the queue";
    case InitResult::kMsixVector: return "queue_msix_vector refused";
  }
  return "?";
}

bool PciTransport::probe(kernel::PciFunction* fn) {
  fn_ = fn;
  fn->enable(true);
  bool have_notify = false;
  // §4.1.4: walk every vendor capability; the first of each type this driver can use wins.
  for (uint8_t at = fn->find_capability(PciCap::kPciCapIdVendor); at != 0;
       at = fn->find_capability(PciCap::kPciCapIdVendor, at)) {
    PciCap cap;
    if (!cap.read(*fn, at)) continue;
    const uint64_t base = fn->bar(cap.bar).cpu + cap.offset;
    switch (cap.cfg_type) {
      case PciCap::kCommonCfg:
        if (!common_ && cap.length >= 0x38) common_ = CommonCfg(kernel::Mmio(base));
        break;
      case PciCap::kNotifyCfg:
        if (!have_notify && fn->cfg_read8(at + PciCap::kCapLen) >= 20) {
          notify_base_ = kernel::Mmio(base);
          notify_len_ = cap.length;
          notify_off_multiplier_ = fn->cfg_read32(at + PciCap::kNotifyOffMultiplier);
          have_notify = true;
        }
        break;
      case PciCap::kIsrCfg:
        if (!isr_) isr_ = kernel::Mmio(base);
        break;
      case PciCap::kDeviceCfg:
        if (!device_cfg_) {
          device_cfg_ = kernel::Mmio(base);
          device_cfg_len_ = cap.length;
        }
        break;
      default:  // PCI_CFG access window, shared memory, vendor: not used
        break;
    }
  }
  if (!common_ || !have_notify || !isr_) {
    printf("virtio %02x:%02x.%x: missing capability (common %d notify %d isr %d)\n", fn->bus(),
           fn->devfn() >> 3, fn->devfn() & 7, bool(common_), have_notify, bool(isr_));
    return false;
  }
  return true;
}

bool PciTransport::reset() {
  common_.set_device_status(0);
  // §4.1.4.3.2: the reset is complete when device_status reads back 0.
  if (!kernel::wait_until([&] { return common_.device_status() == 0; }, kTimeoutMs)) {
    printf("virtio: device_status still 0x%02x %u ms after reset\n", common_.device_status(), kTimeoutMs);
    return false;
  }
  negotiated_ = 0;
  return true;
}

void PciTransport::fail() { common_.set_device_status(common_.device_status() | status::kFailed); }

InitResult PciTransport::begin_init(uint64_t required, uint64_t optional) {
  if (!reset()) return InitResult::kResetTimeout;
  common_.set_device_status(status::kAcknowledge);
  common_.set_device_status(status::kAcknowledge | status::kDriver);

  offered_ = common_.device_feature();
  if (!(offered_ & feature::kVersion1)) {
    fail();
    return InitResult::kNoVersion1;
  }
  if ((offered_ & required) != required) {
    fail();
    return InitResult::kMissingFeature;
  }
  // ACCESS_PLATFORM is always accepted: a device offering it (iommu_platform=on) may refuse a driver
  // that does not (§6.1), and it only says the device's DMA goes through the platform's IOMMU.
  negotiated_ = offered_ & (feature::kVersion1 | feature::kAccessPlatform | required | optional);
  common_.set_driver_feature(negotiated_);

  const uint8_t s = status::kAcknowledge | status::kDriver | status::kFeaturesOk;
  common_.set_device_status(s);
  // §3.1.1 step 6: re-read; the device clears FEATURES_OK when it rejects the subset.
  if (!(common_.device_status() & status::kFeaturesOk)) {
    fail();
    return InitResult::kFeaturesRejected;
  }
  return InitResult::kOk;
}

InitResult PciTransport::setup_queue(uint16_t index, SplitQueue& q, uint16_t max_size, uint16_t msix_vector) {
  if (index >= common_.num_queues()) return InitResult::kNoQueue;
  common_.select_queue(index);
  const uint16_t offered = common_.queue_size();
  if (offered == 0) return InitResult::kNoQueue;
  // §4.1.4.3.2: the driver may choose a smaller size; split queues need a power of two.
  uint16_t size = max_size < offered ? max_size : offered;
  while (size & (size - 1)) size &= static_cast<uint16_t>(size - 1);
  if (q.size() == 0 && !q.allocate(size)) return InitResult::kQueueAlloc;
  if (q.size() > offered) return InitResult::kNoQueue;
  q.reset_rings();

  common_.set_queue_size(q.size());
  common_.write64(CommonCfg::kQueueDesc, iova_of(q.desc_pa()));
  common_.write64(CommonCfg::kQueueDriver, iova_of(q.driver_pa()));
  common_.write64(CommonCfg::kQueueDevice, iova_of(q.device_pa()));
  // §4.1.4.4: notify address = cap.offset + queue_notify_off * notify_off_multiplier.
  const uint64_t off = uint64_t{common_.queue_notify_off()} * notify_off_multiplier_;
  if (off + 2 > notify_len_) return InitResult::kNoQueue;
  q.set_notify_addr(notify_base_.base() + off);
  // §4.1.5.1.3 step 5: "Read queue_msix_vector: on success, previously written value is returned; on failure,
  // NO_VECTOR value is returned."
  common_.set_queue_msix_vector(msix_vector);
  if (common_.queue_msix_vector() != msix_vector) return InitResult::kMsixVector;
  common_.set_queue_enable(1);
  return InitResult::kOk;
}

void PciTransport::driver_ok() {
  common_.set_device_status(status::kAcknowledge | status::kDriver | status::kFeaturesOk |
                            status::kDriverOk);
}

void PciTransport::notify(uint16_t index, const SplitQueue& q) const {
  // The available ring must be visible to the device before the doorbell.
  arch::dma_wmb();
  kernel::Mmio(q.notify_addr()).write16(0, index);
}

uint32_t PciTransport::config_read32(uint32_t off) const {
  if (!device_cfg_ || off + 4 > device_cfg_len_) return 0;
  return device_cfg_.read32(off);
}

uint64_t PciTransport::config_read64(uint32_t off) const {
  if (!device_cfg_ || off + 8 > device_cfg_len_) return 0;
  // §2.5.1: a multi-word field is consistent only if config_generation did not change around it.
  for (int tries = 0; tries < 16; ++tries) {
    const uint8_t gen = common_.config_generation();
    const uint64_t lo = device_cfg_.read32(off);
    const uint64_t hi = device_cfg_.read32(off + 4);
    if (common_.config_generation() == gen) return hi << 32 | lo;
  }
  return 0;
}

}  // namespace virtio
