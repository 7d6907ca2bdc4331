#include "drivers/iommu/virtio_iommu/virtio_iommu.h"

#include <cstdio>
#include <cstring>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"

namespace drivers::virtio_iommu {

namespace {
constexpr uint16_t kQueueSize = 16;  // one request (at most a few descriptors) in flight
constexpr uint8_t kNoStatus = 0xff;  // poison for the status byte: not a status the spec defines
}  // namespace

VirtioIommu* VirtioIommu::get() {
  static VirtioIommu dev;
  static bool probed = false;
  static bool present = false;
  if (!probed) {
    probed = true;
    kernel::PciFunction* fn = kernel::Pci::find(virtio::kPciVendor, sv::kPciDeviceId);
    present = fn && dev.probe_function(fn);
    if (fn && !present) printf("virtio-iommu: %02x:%02x.%x unusable\n", fn->bus(), fn->devfn() >> 3, fn->devfn() & 7);
  }
  return present ? &dev : nullptr;
}

bool VirtioIommu::probe_function(kernel::PciFunction* fn) {
  if (!transport_.probe(fn)) return false;
  // The common and device-specific structures, for the raw accesses the transport does not offer
  // (writing config.bypass, negotiating arbitrary feature bits).
  for (uint8_t at = fn->find_capability(virtio::PciCap::kPciCapIdVendor); at != 0;
       at = fn->find_capability(virtio::PciCap::kPciCapIdVendor, at)) {
    virtio::PciCap cap;
    if (!cap.read(*fn, at)) continue;
    const uint64_t base = fn->bar(cap.bar).cpu + cap.offset;
    if (cap.cfg_type == virtio::PciCap::kCommonCfg && !common_) common_ = kernel::Mmio(base);
    if (cap.cfg_type == virtio::PciCap::kDeviceCfg && !device_ && cap.length >= sizeof(sv::Config))
      device_ = kernel::Mmio(base);
  }
  if (!common_ || !device_) return false;
  req_ = kernel::DmaMemory::alloc(kPage);
  reply_ = kernel::DmaMemory::alloc(kReplySize);
  events_ = kernel::DmaMemory::alloc(kPage);
  return req_ && reply_ && events_;
}

virtio::InitResult VirtioIommu::init(uint64_t want) {
  ready_ = false;
  want_ = want;
  negotiated_ = 0;
  // §3.1.1 steps 1-6 (the transport resets the device first).
  virtio::InitResult r = transport_.begin_init(0, want & sv::feature::kDeviceSpecificMask);
  // §5.13.5: drivers check MAP_UNMAP and fail gracefully without it; the tests report it as a finding.
  if (r == virtio::InitResult::kOk) r = transport_.setup_queue(sv::kRequestQueue, reqq_, kQueueSize);
  if (r == virtio::InitResult::kOk) r = transport_.setup_queue(sv::kEventQueue, evq_, kQueueSize);
  if (r != virtio::InitResult::kOk) {
    printf("virtio-iommu: init failed: %s (status 0x%02x)\n", virtio::to_string(r), transport_.device_status());
    transport_.fail();
    return r;
  }
  negotiated_ = transport_.negotiated_features() & sv::feature::kDeviceSpecificMask;
  transport_.driver_ok();
  // §5.13.6.9: the driver populates the event queue with device-writable buffers.
  event_posted_ = false;
  post_event_buffer();
  ready_ = true;
  return r;
}

bool VirtioIommu::try_features(uint64_t driver_features) {
  ready_ = false;
  if (!transport_.reset()) return false;
  virtio::CommonCfg common(common_);
  common.set_device_status(virtio::status::kAcknowledge);
  common.set_device_status(virtio::status::kAcknowledge | virtio::status::kDriver);
  common.set_driver_feature(driver_features);
  const uint8_t s = virtio::status::kAcknowledge | virtio::status::kDriver | virtio::status::kFeaturesOk;
  common.set_device_status(s);
  // §3.1.1 step 6: re-read device status; FEATURES_OK still set means the device accepted the subset.
  const bool accepted = (common.device_status() & virtio::status::kFeaturesOk) != 0;
  transport_.reset();
  return accepted;
}

sv::Config VirtioIommu::read_config() const {
  sv::Config c;
  c.set_page_size_mask(transport_.config_read64(sv::Config::kPageSizeMaskOff));
  c.set_input_range_start(transport_.config_read64(sv::Config::kInputRangeStartOff));
  c.set_input_range_end(transport_.config_read64(sv::Config::kInputRangeEndOff));
  c.set_domain_range_start(transport_.config_read32(sv::Config::kDomainRangeStartOff));
  c.set_domain_range_end(transport_.config_read32(sv::Config::kDomainRangeEndOff));
  c.set_probe_size(transport_.config_read32(sv::Config::kProbeSizeOff));
  c.set_bypass(read_bypass());
  return c;
}

uint8_t VirtioIommu::read_bypass() const { return device_.read8(sv::Config::kBypassOff); }

void VirtioIommu::write_bypass(uint8_t v) {
  // §5.13.4: the driver MAY write `bypass` when BYPASS_CONFIG is negotiated (0 or 1 only).
  device_.write8(sv::Config::kBypassOff, v);
  arch::mb();
}

void VirtioIommu::post_event_buffer() {
  if (event_posted_) return;
  memset(reinterpret_cast<void*>(events_), 0, sizeof(sv::Fault));
  const virtio::Buffer b{events_, sizeof(sv::Fault), true};
  if (!evq_.submit(&b, 1)) return;
  transport_.notify(sv::kEventQueue, evq_);
  event_posted_ = true;
}

bool VirtioIommu::next_fault(sv::Fault* out) {
  if (!ready_ || !evq_.has_used()) return false;
  const virtio::UsedElem e = evq_.pop_used();
  memcpy(out->words.data(), reinterpret_cast<const void*>(events_), sizeof(sv::Fault));
  event_posted_ = false;
  post_event_buffer();
  if (e.len < sizeof(sv::Fault)) printf("virtio-iommu: fault report of %u bytes (expected %zu)\n", e.len, sizeof(sv::Fault));
  return true;
}

unsigned VirtioIommu::drain_faults() {
  unsigned n = 0;
  sv::Fault f;
  while (next_fault(&f)) ++n;
  return n;
}

void VirtioIommu::recover() {
  const virtio::InitResult r = init(want_);
  if (r != virtio::InitResult::kOk) printf("virtio-iommu: re-initialization failed: %s\n", virtio::to_string(r));
}

Reply VirtioIommu::submit(const ChainPart* parts, size_t n, uint32_t status_offset) {
  Reply out;
  if (!ready_ || n == 0 || n > 4) return out;
  virtio::Buffer bufs[4];
  for (size_t i = 0; i < n; ++i) {
    const uint64_t base = parts[i].device_writes ? reply_ : req_;
    bufs[i] = virtio::Buffer{base + parts[i].offset, parts[i].len, parts[i].device_writes};
  }
  if (status_offset < kReplySize) reply_page()[status_offset] = kNoStatus;
  if (!reqq_.submit(bufs, n)) return out;
  transport_.notify(sv::kRequestQueue, reqq_);
  // Bounded wait for the used element; a device that gives up on the chain sets DEVICE_NEEDS_RESET.
  bool needs_reset = false;
  const bool done = kernel::wait_until(
      [&] {
        if (reqq_.has_used()) return true;
        needs_reset = transport_.needs_reset();
        return needs_reset;
      },
      virtio::kTimeoutMs);
  if (!done || !reqq_.has_used()) {
    out.needs_reset = needs_reset;
    out.timed_out = !needs_reset;
    printf("virtio-iommu: request type %u %s (device status 0x%02x); resetting the device\n", request_page()[0],
           needs_reset ? "answered with DEVICE_NEEDS_RESET" : "not completed within the bound",
           transport_.device_status());
    recover();
    return out;
  }
  const virtio::UsedElem e = reqq_.pop_used();
  out.used = true;
  out.used_len = e.len;
  arch::dma_rmb();
  out.status = status_offset < kReplySize ? reply_page()[status_offset] : kNoStatus;
  return out;
}

Reply VirtioIommu::send(size_t req_len, uint32_t reply_len, uint32_t status_offset) {
  const ChainPart parts[2] = {{false, 0, static_cast<uint32_t>(req_len)}, {true, 0, reply_len}};
  return submit(parts, 2, status_offset);
}

Reply VirtioIommu::attach(uint32_t domain, uint32_t endpoint, uint32_t flags) {
  sv::ReqAttach r;
  r.set_domain(domain).set_endpoint(endpoint).set_flags(flags);
  memcpy(request_page(), r.words.data(), sv::ReqAttach::kReadable);
  return send(sv::ReqAttach::kReadable, sv::kTailSize);
}

Reply VirtioIommu::detach(uint32_t domain, uint32_t endpoint) {
  sv::ReqDetach r;
  r.set_domain(domain).set_endpoint(endpoint);
  memcpy(request_page(), r.words.data(), sv::ReqDetach::kReadable);
  return send(sv::ReqDetach::kReadable, sv::kTailSize);
}

Reply VirtioIommu::map(uint32_t domain, uint64_t virt_start, uint64_t virt_end, uint64_t phys_start, uint32_t flags) {
  sv::ReqMap r;
  r.set_domain(domain).set_virt_start(virt_start).set_virt_end(virt_end).set_phys_start(phys_start).set_flags(flags);
  memcpy(request_page(), r.words.data(), sv::ReqMap::kReadable);
  return send(sv::ReqMap::kReadable, sv::kTailSize);
}

Reply VirtioIommu::unmap(uint32_t domain, uint64_t virt_start, uint64_t virt_end) {
  sv::ReqUnmap r;
  r.set_domain(domain).set_virt_start(virt_start).set_virt_end(virt_end);
  memcpy(request_page(), r.words.data(), sv::ReqUnmap::kReadable);
  return send(sv::ReqUnmap::kReadable, sv::kTailSize);
}

Reply VirtioIommu::probe(uint32_t endpoint, uint32_t props_len) {
  if (props_len + sv::kTailSize > kReplySize) return Reply{};
  sv::ReqProbe r;
  r.set_endpoint(endpoint);
  memcpy(request_page(), r.words.data(), sv::ReqProbe::kReadable);
  memset(reply_page(), 0, props_len + sv::kTailSize);
  return send(sv::ReqProbe::kReadable, props_len + sv::kTailSize, props_len);
}

}  // namespace drivers::virtio_iommu
