// What an IOMMU test needs besides DmaEndpoint::read/write: the memory the endpoint's *driver* owns and
// the device reaches by DMA (virtqueue rings, virtio-blk request headers, status bytes, sector padding).
// Without an IOMMU this is invisible; behind one, those ranges must be mapped too, or the device faults
// before it ever touches the test's buffer.
//
//   drivers::DmaRange r[4];
//   size_t n = drivers::driver_dma_ranges(ep, r, 4);         // map each [pa, pa+len) at some iova
//   drivers::set_driver_iova(ep, my_iova_of, &my_domain);     // tell the driver those iovas
//   drivers::reset_endpoint(ep);                              // re-program ring addresses, re-init
//
// edu has no driver-owned DMA memory (n == 0).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"

namespace drivers {

struct DmaRange {
  uint64_t pa;  // physical (== pointer, identity mapped), 4 KiB aligned
  size_t len;   // multiple of 4 KiB
};

// pa -> iova for driver-owned memory; nullptr restores identity.
using IovaOf = uint64_t (*)(void* ctx, uint64_t pa);

// Fills up to `max` ranges; returns how many the endpoint has (may exceed max).
size_t driver_dma_ranges(DmaEndpoint* ep, DmaRange* out, size_t max);
// Takes effect for descriptors at once and for ring addresses at the next reset_endpoint().
void set_driver_iova(DmaEndpoint* ep, IovaOf fn, void* ctx);
// Resets the device and initializes it again (virtio: status 0, negotiation, queues, DRIVER_OK).
// Endpoints also do this by themselves before the next request after a timeout or DEVICE_NEEDS_RESET.
bool reset_endpoint(DmaEndpoint* ep);
// Whether the device's DMA goes through the platform IOMMU at all: false for a virtio device that did
// not negotiate VIRTIO_F_ACCESS_PLATFORM (iommu_platform=off: QEMU then bypasses the IOMMU). edu: true.
bool dma_translated(DmaEndpoint* ep);

}  // namespace drivers
