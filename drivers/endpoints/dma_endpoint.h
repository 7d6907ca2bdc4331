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

 protected:
  ~DmaEndpoint() = default;
};

// Every endpoint the machine has, found on PCI and initialized (drivers/endpoints/registry.cpp).
size_t endpoint_count();
DmaEndpoint* endpoint(size_t i);
DmaEndpoint* find_endpoint(const char* name, unsigned n = 0);

}  // namespace drivers
