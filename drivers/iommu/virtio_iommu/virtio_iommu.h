// Guest driver of the virtio-iommu device (VIRTIO 1.2 §5.13) over virtio-pci: feature negotiation, the
// request queue (one request in flight, bounded waits), the event queue (fault reports), the device
// configuration (including the writable `bypass`), and raw access for the edge-case tests that must send
// malformed chains. The device's own virtqueues are not translated (it is the IOMMU), so its DMA memory
// is addressed by physical address.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/split_queue.h"
#include "kernel/mmio.h"
#include "kernel/pci.h"
#include "spec/virtio_iommu/virtio_iommu.h"

namespace drivers::virtio_iommu {

namespace sv = spec::virtio_iommu;

// The outcome of one request chain as the driver observed it.
struct Reply {
  bool used = false;         // the device returned the chain
  bool needs_reset = false;  // the device set DEVICE_NEEDS_RESET instead (driver reset it afterwards)
  bool timed_out = false;    // neither within the bound (driver reset the device afterwards)
  uint32_t used_len = 0;
  uint8_t status = 0xff;     // the tail's status byte (meaningful when used && used_len != 0)

  bool ok() const { return used && used_len != 0 && status == 0; }
};

// One part of a hand-built chain: `len` bytes at `offset` of the request page (readable) or of the
// reply page (writable).
struct ChainPart {
  bool device_writes;
  uint32_t offset;
  uint32_t len;
};

class VirtioIommu {
 public:
  // Everything this driver knows how to use (legacy BYPASS is superseded, §5.13.3).
  static constexpr uint64_t kWanted = sv::feature::kInputRange | sv::feature::kDomainRange | sv::feature::kMapUnmap |
                                      sv::feature::kProbe | sv::feature::kMmio | sv::feature::kBypassConfig;
  static constexpr size_t kPage = 4096;
  static constexpr size_t kReplySize = 2 * kPage;

  // The machine's virtio-iommu (1af4:1057), probed once; nullptr when there is none.
  static VirtioIommu* get();

  // §3.1.1 initialization with the device-specific features `want & offered` (plus VERSION_1 and
  // ACCESS_PLATFORM), both queues, one event buffer posted, DRIVER_OK. Resets the device first, so every
  // domain and mapping is gone afterwards (§5.13.5).
  virtio::InitResult init(uint64_t want = kWanted);
  bool ready() const { return ready_; }
  uint64_t offered() const { return transport_.offered_features() & sv::feature::kDeviceSpecificMask; }
  uint64_t negotiated() const { return negotiated_; }

  // Raw negotiation for the feature tests: reset, ACKNOWLEDGE|DRIVER, write `driver_features` as given
  // (any bits), set FEATURES_OK and report whether it stuck (§3.1.1 step 6). Leaves the device not ready.
  bool try_features(uint64_t driver_features);

  // §5.13.4 configuration, read field by field.
  sv::Config read_config() const;
  uint8_t read_bypass() const;
  void write_bypass(uint8_t v);

  // Typed requests (§5.13.6.3-§5.13.6.7). Each waits (bounded) for the device.
  Reply attach(uint32_t domain, uint32_t endpoint, uint32_t flags = 0);
  Reply detach(uint32_t domain, uint32_t endpoint);
  Reply map(uint32_t domain, uint64_t virt_start, uint64_t virt_end, uint64_t phys_start, uint32_t flags);
  Reply unmap(uint32_t domain, uint64_t virt_start, uint64_t virt_end);
  // PROBE with a writable part of `props_len` bytes of properties plus the tail. Properties are left in
  // reply_page().
  Reply probe(uint32_t endpoint, uint32_t props_len);

  // Raw chains: the caller fills request_page() / reply_page() and names the parts. The status is read
  // from reply_page()[status_offset].
  uint8_t* request_page() const { return reinterpret_cast<uint8_t*>(req_); }
  uint8_t* reply_page() const { return reinterpret_cast<uint8_t*>(reply_); }
  Reply submit(const ChainPart* parts, size_t n, uint32_t status_offset);
  // One readable part (bytes already in request_page()) and one writable part of `reply_len`.
  Reply send(size_t req_len, uint32_t reply_len, uint32_t status_offset = 0);

  // Event queue (§5.13.6.9): the next fault report, if the device delivered one (the buffer is posted again).
  bool next_fault(sv::Fault* out);
  // Discards every delivered fault report.
  unsigned drain_faults();

  kernel::PciFunction* function() const { return transport_.function(); }
  uint16_t rid() const { return transport_.function()->rid(); }

 private:
  bool probe_function(kernel::PciFunction* fn);
  void post_event_buffer();
  void recover();  // after a timeout or DEVICE_NEEDS_RESET: reset and initialize again with the same wants

  virtio::PciTransport transport_;
  kernel::Mmio common_;  // §4.1.4.3 common configuration (raw negotiation)
  kernel::Mmio device_;  // §4.1.4.6 device-specific configuration
  virtio::SplitQueue reqq_;
  virtio::SplitQueue evq_;
  uint64_t req_ = 0;      // request page (device-readable)
  uint64_t reply_ = 0;    // reply pages (device-writable)
  uint64_t events_ = 0;   // event buffer page
  uint64_t want_ = kWanted;
  uint64_t negotiated_ = 0;
  bool event_posted_ = false;
  bool ready_ = false;
};

}  // namespace drivers::virtio_iommu
