// A virtio PCI function on the hosted machine's PCI bus (VIRTIO 1.2 §4.1, modern interface only): its
// type 0 configuration header (a PciConfig of hosted/pci_bus.h), one memory BAR that the kernel sizes and
// assigns like any other (kernel/pci.cpp), the vendor capabilities that locate the common, ISR,
// device-specific and notification structures in it (§4.1.4), and the common configuration's registers
// (§4.1.4.3). The device behind it (the "back end") is a handful of callbacks; its virtqueues
// are DeviceQueues the back end pops when notified.
//
// BAR0 layout, as QEMU's virtio-pci lays out its modern BAR (hw/virtio/virtio-pci.c, one 4 KiB region
// each): common 0x0000, ISR 0x1000, device-specific 0x2000, notify 0x3000 with notify_off_multiplier 4
// and queue_notify_off = queue index.
#pragma once

#include <cstdint>

#include "hosted/pci_bus.h"
#include "hosted/virtqueue_device.h"

namespace hosted {

struct VirtioBackend {
  void* ctx = nullptr;
  uint16_t virtio_device_id = 0;  // §5: PCI device id is 0x1040 + this (§4.1.2.1)
  uint64_t features = 0;          // offered, transport bits (VERSION_1) included
  // §2.2 / §3.1.1 step 5-6: the driver set FEATURES_OK with `accepted`; false refuses (FEATURES_OK stays clear).
  bool (*features_ok)(void* ctx, uint64_t accepted) = nullptr;
  // A byte of the device-specific configuration (§4.1.4.6).
  uint8_t (*config_read8)(void* ctx, uint32_t off) = nullptr;
  void (*config_write8)(void* ctx, uint32_t off, uint8_t value) = nullptr;
  // Device reset (device_status written 0, §2.1.2): queues are already reset when it is called.
  void (*reset)(void* ctx) = nullptr;
  // The driver notified queue `q` (§4.1.5.2).
  void (*notify)(void* ctx, uint16_t q) = nullptr;
};

class VirtioPciFunction {
 public:
  static constexpr uint16_t kNumQueues = 2;
  static constexpr uint16_t kQueueMax = 64;  // what queue_size offers per queue

  // Builds the function's configuration space in `cfg` (a slot of the machine's PciBus) and registers
  // the BAR window over platform().mmio32, which the machine has filled.
  bool install(PciConfig* cfg, const VirtioBackend& backend);

  uint16_t rid() const { return cfg_->rid(); }
  DeviceQueue& queue(uint16_t q) { return queues_[q]; }
  bool driver_ok() const;
  // §2.1.2: the device entered an error state; the driver must reset it.
  void set_needs_reset();
  bool needs_reset() const;

 private:
  // BAR0 window (the whole 32-bit MMIO aperture; only the assigned BAR decodes).
  static uint64_t bar_read(void* ctx, uint64_t off, unsigned size);
  static void bar_write(void* ctx, uint64_t off, unsigned size, uint64_t value);

  bool bar_decode(uint64_t addr, uint32_t* off) const;  // addr -> offset in BAR0 when it decodes
  uint64_t common_read(uint32_t off, unsigned size);
  void common_write(uint32_t off, unsigned size, uint64_t value);
  void write_status(uint8_t s);
  void device_reset();

  VirtioBackend be_;
  PciConfig* cfg_ = nullptr;
  // §4.1.4.3 common configuration state.
  uint32_t device_feature_select_ = 0, driver_feature_select_ = 0;
  uint64_t driver_features_ = 0;
  uint8_t status_ = 0;
  uint16_t queue_select_ = 0;
  DeviceQueue queues_[kNumQueues];
};

}  // namespace hosted
