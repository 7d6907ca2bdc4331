#include "drivers/endpoints/virtio_blk.h"

#include <cstdio>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers {

namespace {
constexpr uint32_t kConfigCapacity = 0;  // §5.2.4 struct virtio_blk_config: le64 capacity (512-byte sectors)
}  // namespace

bool VirtioBlk::probe_device() {
  capacity_sectors_ = transport().config_read64(kConfigCapacity);
  const uint64_t bytes = capacity_sectors_ * kSectorSize;
  max_len_ = bytes < kMaxLen ? static_cast<size_t>(bytes) : kMaxLen;
  if (max_len_ == 0) {
    printf("virtio-blk: capacity 0 sectors, not usable as a DMA master\n");
    return false;
  }
  if (scratch_ == 0) scratch_ = kernel::DmaMemory::alloc(kernel::kDmaMinBlock);
  if (scratch_ == 0) {
    printf("virtio-blk: no DMA memory for the request scratch block\n");
    return false;
  }
  return true;
}

size_t VirtioBlk::scratch_ranges(DmaRange* out, size_t max) const {
  if (scratch_ == 0) return 0;
  if (max > 0) out[0] = DmaRange{scratch_, kernel::kDmaMinBlock};
  return 1;
}

DmaStatus VirtioBlk::read(uint64_t iova, size_t len) { return request(kTypeOut, iova, len); }
DmaStatus VirtioBlk::write(uint64_t iova, size_t len) { return request(kTypeIn, iova, len); }

DmaStatus VirtioBlk::request(uint32_t type, uint64_t iova, size_t len) {
  if (len == 0 || len > max_len_ || scratch_ == 0) return DmaStatus::kUnsupported;
  auto* hdr = kernel::DmaMemory::ptr<RequestHeader>(scratch_ + kHeaderOff);
  volatile uint8_t* status = kernel::DmaMemory::ptr<volatile uint8_t>(scratch_ + kStatusOff);
  hdr->type = type;
  hdr->reserved = 0;
  hdr->sector = 0;
  *status = 0xff;  // not a VIRTIO_BLK_S_* value: a device that never writes the status is caught

  // QEMU (like any block device) only takes whole sectors: pad the data to a multiple of 512.
  const size_t pad = (kSectorSize - len % kSectorSize) % kSectorSize;
  const bool device_writes_data = type == kTypeIn;
  virtio::Buffer bufs[4];
  size_t n = 0;
  bufs[n++] = {iova_of(scratch_ + kHeaderOff), sizeof(RequestHeader), false};
  bufs[n++] = {iova, static_cast<uint32_t>(len), device_writes_data};
  if (pad) bufs[n++] = {iova_of(scratch_ + kPadOff), static_cast<uint32_t>(pad), device_writes_data};
  bufs[n++] = {iova_of(scratch_ + kStatusOff), 1, true};

  uint32_t used_len = 0;
  const DmaStatus s = run(bufs, n, &used_len);
  if (s != DmaStatus::kOk) return s;
  arch::dma_rmb();
  return check_status(type, len, *status);
}

DmaStatus VirtioBlk::check_status(uint32_t type, size_t len, uint8_t st) {
  if (st == kStatusOk) return DmaStatus::kOk;
  printf("virtio-blk: %s of %lu bytes: status %u\n", type == kTypeIn ? "VIRTIO_BLK_T_IN" : "VIRTIO_BLK_T_OUT",
         static_cast<unsigned long>(len), st);
  return DmaStatus::kDeviceError;
}

DmaStatus VirtioBlk::start(unsigned slot, bool device_writes, uint64_t iova, size_t len) {
  if (slot >= kSlots || len == 0 || len > max_len_ || len % kSectorSize || scratch_ == 0)
    return DmaStatus::kUnsupported;
  if (busy_[slot]) {  // left over from a case its watchdog ended: the device starts from a reset
    for (bool& b : busy_) b = false;
    if (!reinit()) return DmaStatus::kDeviceError;
  }
  const uint32_t type = device_writes ? kTypeIn : kTypeOut;
  const uint64_t hdr_pa = scratch_ + kSlotHeaderOff + 16 * slot;
  const uint64_t status_pa = scratch_ + kSlotStatusOff + slot;
  auto* hdr = kernel::DmaMemory::ptr<RequestHeader>(hdr_pa);
  hdr->type = type;
  hdr->reserved = 0;
  hdr->sector = 0;
  *kernel::DmaMemory::ptr<volatile uint8_t>(status_pa) = 0xff;  // not a VIRTIO_BLK_S_* value
  const virtio::Buffer bufs[3] = {{iova_of(hdr_pa), sizeof(RequestHeader), false},
                                  {iova, static_cast<uint32_t>(len), device_writes},
                                  {iova_of(status_pa), 1, true}};
  const DmaStatus s = start_chain(static_cast<uint16_t>(4 * slot), bufs, 3);
  if (s != DmaStatus::kOk) return s;
  busy_[slot] = true;
  slot_type_[slot] = type;
  slot_len_[slot] = len;
  return DmaStatus::kOk;
}

DmaStatus VirtioBlk::reap(unsigned* slot) {
  uint16_t head = 0;
  const DmaStatus s = reap_chain(&head, nullptr);
  if (s != DmaStatus::kOk) {
    for (bool& b : busy_) b = false;
    return s;
  }
  const unsigned i = head / 4;
  if (head % 4 || i >= kSlots || !busy_[i]) {
    printf("virtio-blk: used element for descriptor %u, which starts no request in flight\n", head);
    return DmaStatus::kDeviceError;
  }
  busy_[i] = false;
  *slot = i;
  arch::dma_rmb();
  return check_status(slot_type_[i], slot_len_[i], *kernel::DmaMemory::ptr<volatile uint8_t>(scratch_ + kSlotStatusOff + i));
}

}  // namespace drivers
