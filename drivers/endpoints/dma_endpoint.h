// A DMA master the tests can aim at an IO virtual address, whatever the device behind it.
//
//   read(iova, len):  the device reads `len` bytes of memory at iova into its own storage
//   write(iova, len): the device writes `len` bytes from its own storage to memory at iova
// A read followed by a write of the same length round-trips data: what was read is what is written.
// A device that can only write (virtio-rng) says so with can_read() == false, and what it writes is
// not chosen by the test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace drivers {

enum class DmaStatus : uint8_t {
  kOk,
  kDeviceError,  // the device reported failure (e.g. virtio-blk VIRTIO_BLK_S_IOERR after an IOMMU fault)
  kTimeout,      // no completion within the bound
  kUnsupported,  // direction or size this device cannot do
};
const char* to_string(DmaStatus s);

class DmaEndpoint {
 public:
  virtual const char* name() const = 0;  // "edu", "virtio-rng", "virtio-blk"
  virtual uint16_t rid() const = 0;      // PCI RequesterID (bus << 8 | devfn)
  virtual bool can_read() const = 0;
  virtual bool random_data() const { return false; }  // write() produces data the test did not choose
  virtual size_t max_len() const = 0;
  virtual DmaStatus read(uint64_t iova, size_t len) = 0;
  virtual DmaStatus write(uint64_t iova, size_t len) = 0;

  // Completion interrupts: besides the polling that completes every request, the device signals each
  // completed request with the MSI (address, data) (kernel::Msi gives one). False when the device or its driver
  // cannot (no MSI or MSI-X capability; the hosted runner's endpoints). clear_completion_msi() turns it off.
  virtual bool set_completion_msi(uint64_t address, uint32_t data) {
    (void)address;
    (void)data;
    return false;
  }
  virtual void clear_completion_msi() {}

  // Queued requests (benchmarks): up to queue_depth() in flight, each in its own slot 0..queue_depth()-1.
  // start() submits one without waiting (device_writes: as write(), else as read()); reap() waits, bounded,
  // for the next completion and names its slot. An endpoint without a queue has depth 1: start() runs the
  // request to completion and reap() returns its status.
  virtual unsigned queue_depth() const { return 1; }
  virtual DmaStatus start(unsigned slot, bool device_writes, uint64_t iova, size_t len) {
    if (slot != 0 || done_pending_) return DmaStatus::kUnsupported;
    done_ = device_writes ? write(iova, len) : read(iova, len);
    done_pending_ = true;
    return DmaStatus::kOk;
  }
  virtual DmaStatus reap(unsigned* slot) {
    if (!done_pending_) return DmaStatus::kUnsupported;
    done_pending_ = false;
    *slot = 0;
    return done_;
  }

 protected:
  ~DmaEndpoint() = default;

 private:
  bool done_pending_ = false;  // the default start()'s result, not reaped yet
  DmaStatus done_ = DmaStatus::kOk;
};

// Every endpoint the machine has, found on PCI and initialized (drivers/endpoints/registry.cpp).
size_t endpoint_count();
DmaEndpoint* endpoint(size_t i);
DmaEndpoint* find_endpoint(const char* name, unsigned n = 0);

}  // namespace drivers
