// virtio-rng (VIRTIO 1.2 §5.4, PCI 1af4:1044) as a write-only DMA master: write(iova, len) hands the
// device one device-writable buffer, which it fills with entropy.
#pragma once

#include "drivers/endpoints/virtio_endpoint.h"

namespace drivers {

class VirtioRng final : public VirtioEndpoint {
 public:
  static constexpr uint16_t kPciDevice = 0x1044;
  static constexpr size_t kMaxLen = 64 * 1024;

  const char* name() const override { return "virtio-rng"; }
  bool can_read() const override { return false; }
  bool random_data() const override { return true; }
  size_t max_len() const override { return kMaxLen; }
  DmaStatus read(uint64_t iova, size_t len) override { return DmaStatus::kUnsupported; }
  DmaStatus write(uint64_t iova, size_t len) override;
};

}  // namespace drivers
