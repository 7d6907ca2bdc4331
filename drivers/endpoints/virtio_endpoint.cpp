#include "drivers/endpoints/virtio_endpoint.h"

#include <cstdio>

#include "kernel/test.h"

namespace drivers {

namespace {
constexpr uint16_t kRequestQueue = 0;  // virtio-rng requestq, virtio-blk requestq
constexpr uint16_t kCompletionVector = 0;  // MSI-X table entry of the request queue's events
}  // namespace

bool VirtioEndpoint::probe(kernel::PciFunction* fn) {
  if (!transport_.probe(fn)) return false;
  if (!init_device()) return false;
  return probe_device();
}

bool VirtioEndpoint::init_device() {
  ready_ = false;
  in_flight_ = 0;
  virtio::InitResult r = transport_.begin_init(0, optional_features());
  queue_.set_interrupts(completion_msi_);
  if (r == virtio::InitResult::kOk)
    r = transport_.setup_queue(kRequestQueue, queue_, queue_size(),
                               completion_msi_ ? kCompletionVector : virtio::kNoVector);
  if (r != virtio::InitResult::kOk) {
    printf("%s: init failed: %s (status 0x%02x, offered features 0x%lx)\n", name(), virtio::to_string(r),
           transport_.device_status(), static_cast<unsigned long>(transport_.offered_features()));
    transport_.fail();
    return false;
  }
  transport_.driver_ok();
  ready_ = true;
  return true;
}

bool VirtioEndpoint::reinit() { return init_device(); }

// The queue's vector is part of queue setup ("if MSI-X capability is present and enabled", §4.1.5.1.3), so
// the device is initialised again with MSI-X on.
bool VirtioEndpoint::set_completion_msi(uint64_t address, uint32_t data) {
  kernel::PciFunction* fn = transport_.function();
  if (!fn || in_flight_ != 0 || !fn->msix_enable(kCompletionVector, address, data)) return false;
  completion_msi_ = true;
  if (init_device()) return true;
  clear_completion_msi();
  return false;
}

void VirtioEndpoint::clear_completion_msi() {
  kernel::PciFunction* fn = transport_.function();
  if (!fn) return;
  completion_msi_ = false;
  fn->msix_disable();
  init_device();
}

size_t VirtioEndpoint::dma_ranges(DmaRange* out, size_t max) const {
  size_t n = 0;
  if (queue_.mem_pa() != 0) {
    if (n < max) out[n] = DmaRange{queue_.mem_pa(), queue_.mem_len()};
    ++n;
  }
  DmaRange extra[4];
  const size_t m = scratch_ranges(extra, 4);
  for (size_t i = 0; i < m && i < 4; ++i, ++n)
    if (n < max) out[n] = extra[i];
  return n;
}

DmaStatus VirtioEndpoint::run(const virtio::Buffer* bufs, size_t n, uint32_t* used_len) {
  // Chains still out here were abandoned (a case ended by its watchdog mid-benchmark): start from a reset.
  if (in_flight_ != 0 && !init_device()) return DmaStatus::kDeviceError;
  const DmaStatus s = start_chain(0, bufs, n);
  if (s != DmaStatus::kOk) return s;
  uint16_t head = 0;
  const DmaStatus r = reap_chain(&head, used_len);
  if (r != DmaStatus::kOk) return r;
  if (head != queue_.last_submitted_head()) {
    printf("%s: used element for descriptor %u, expected %u\n", name(), head, queue_.last_submitted_head());
    ready_ = false;
    return DmaStatus::kDeviceError;
  }
  return DmaStatus::kOk;
}

DmaStatus VirtioEndpoint::start_chain(uint16_t first, const virtio::Buffer* bufs, size_t n) {
  if (in_flight_ == 0 && (!ready_ || transport_.needs_reset())) {
    if (!init_device()) return DmaStatus::kDeviceError;
  }
  if (!queue_.submit_at(first, bufs, n)) return DmaStatus::kUnsupported;
  // Not ready until every chain completes: if the case is abandoned mid-wait (watchdog), requests may
  // still be pending in the device, and the next one must start from a reset.
  ready_ = false;
  ++in_flight_;
  transport_.notify(kRequestQueue, queue_);
  return DmaStatus::kOk;
}

DmaStatus VirtioEndpoint::reap_chain(uint16_t* head, uint32_t* used_len) {
  if (in_flight_ == 0) return DmaStatus::kUnsupported;
  bool needs_reset = false;
  const bool done = kernel::wait_until(
      [&] {
        if (queue_.has_used()) return true;
        needs_reset = transport_.needs_reset();  // QEMU's virtio_error(): e.g. a descriptor failed to map
        return needs_reset;
      },
      virtio::kTimeoutMs);
  if (!done || !queue_.has_used()) {
    // Requests may still be pending in the device: the next one starts from a reset.
    ready_ = false;
    in_flight_ = 0;
    if (needs_reset) {
      printf("%s: device set DEVICE_NEEDS_RESET (status 0x%02x) instead of completing the request\n", name(),
             transport_.device_status());
      return DmaStatus::kDeviceError;
    }
    printf("%s: no used element within %u ms (device status 0x%02x)\n", name(), virtio::kTimeoutMs,
           transport_.device_status());
    return DmaStatus::kTimeout;
  }
  const virtio::UsedElem e = queue_.pop_used();
  // The device may still be finishing this completion: QEMU publishes the used index, then reads the avail
  // ring's flags (through the IOMMU) to decide whether to interrupt, in the same handler. A register read
  // is served only after that handler returns (both hold QEMU's big lock), so a case that changes the
  // translation next cannot make that late read fault and record an event of a stream it did not drive.
  (void)transport_.device_status();
  if (--in_flight_ == 0) ready_ = true;
  *head = static_cast<uint16_t>(e.id);
  if (used_len) *used_len = e.len;
  return DmaStatus::kOk;
}

}  // namespace drivers
