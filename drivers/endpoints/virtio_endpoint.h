// Common part of the virtio endpoints: one PCI transport, one split virtqueue (queue 0), one request in
// flight (or, for benchmarks, several: start_chain/reap_chain), polled with a bound. After a timeout or DEVICE_NEEDS_RESET the device is reset and initialized
// again before the next request (a request the device never completed may still be pending in it).
#pragma once

#include "drivers/endpoints/endpoint_base.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/split_queue.h"

namespace drivers {

class VirtioEndpoint : public EndpointBase {
 public:
  uint16_t rid() const override { return transport_.function() ? transport_.function()->rid() : 0; }
  bool probe(kernel::PciFunction* fn) override;
  size_t dma_ranges(DmaRange* out, size_t max) const override;
  void set_iova_of(IovaOf fn, void* ctx) override { transport_.set_dma_translate(fn, ctx); }
  bool reinit() override;
  // MSI-X table entry 0 carries the message; the request queue's events are mapped to it.
  bool set_completion_msi(uint64_t address, uint32_t data) override;
  void clear_completion_msi() override;
  bool translated() const override {
    return (transport_.negotiated_features() & virtio::feature::kAccessPlatform) != 0;
  }

  virtio::PciTransport& transport() { return transport_; }

 protected:
  ~VirtioEndpoint() = default;
  // Device-specific part of probe, after the transport is up (read config, allocate scratch).
  virtual bool probe_device() { return true; }
  virtual uint64_t optional_features() const { return 0; }
  // Extra driver-owned DMA memory beyond the queue (request headers, status, padding).
  virtual size_t scratch_ranges(DmaRange* out, size_t max) const { return 0; }
  // Entries of the request queue (a power of two; the device may offer fewer).
  virtual uint16_t queue_size() const { return 16; }

  // Runs one descriptor chain to completion. kOk with *used_len set, kTimeout when the used ring did not
  // advance within the bound, kDeviceError when the device asked for a reset or returned another chain.
  DmaStatus run(const virtio::Buffer* bufs, size_t n, uint32_t* used_len);
  // Several chains in flight: start_chain submits one in descriptors [first, first + n) and notifies;
  // reap_chain waits (bounded) for the next used element and returns its head. kOk with *head and
  // *used_len set; on a timeout or DEVICE_NEEDS_RESET the device is re-initialised before the next request.
  DmaStatus start_chain(uint16_t first, const virtio::Buffer* bufs, size_t n);
  DmaStatus reap_chain(uint16_t* head, uint32_t* used_len);
  uint64_t iova_of(uint64_t pa) const { return transport_.iova_of(pa); }

 private:
  bool init_device();
  DmaStatus wait_used(uint32_t bound_ms);
  unsigned in_flight_ = 0;  // chains started and not reaped

  virtio::PciTransport transport_;
  virtio::SplitQueue queue_;
  bool ready_ = false;  // false: reinit before the next request
  bool completion_msi_ = false;
};

}  // namespace drivers
