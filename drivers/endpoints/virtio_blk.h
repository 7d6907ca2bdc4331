// virtio-blk (VIRTIO 1.2 §5.2, PCI 1af4:1042) as the fast general DMA master. Its storage is the disk
// from sector 0: read(iova, len) is VIRTIO_BLK_T_OUT (the device reads memory and writes the disk),
// write(iova, len) is VIRTIO_BLK_T_IN (the device reads the disk and writes memory). Lengths that are
// not a multiple of 512 are padded with a driver-owned buffer, so read then write of the same length
// round-trips the bytes.
#pragma once

#include "drivers/endpoints/virtio_endpoint.h"

namespace drivers {

class VirtioBlk final : public VirtioEndpoint {
 public:
  static constexpr uint16_t kPciDevice = 0x1042;
  static constexpr size_t kMaxLen = 1024 * 1024;
  static constexpr size_t kSectorSize = 512;

  const char* name() const override { return "virtio-blk"; }
  bool can_read() const override { return true; }
  size_t max_len() const override { return max_len_; }
  DmaStatus read(uint64_t iova, size_t len) override;
  DmaStatus write(uint64_t iova, size_t len) override;
  // Queued requests (benchmarks): kSlots in flight, each with its own header, status byte and four
  // descriptors; lengths must be whole sectors (no padding).
  static constexpr unsigned kSlots = 8;
  unsigned queue_depth() const override { return kSlots; }
  DmaStatus start(unsigned slot, bool device_writes, uint64_t iova, size_t len) override;
  DmaStatus reap(unsigned* slot) override;

 protected:
  bool probe_device() override;
  size_t scratch_ranges(DmaRange* out, size_t max) const override;
  uint16_t queue_size() const override { return 4 * kSlots; }

 private:
  // §5.2.6 struct virtio_blk_req: header, data, status.
  struct RequestHeader {
    uint32_t type;  // le32
    uint32_t reserved;
    uint64_t sector;  // le64
  };
  static constexpr uint32_t kTypeIn = 0;   // VIRTIO_BLK_T_IN: disk -> memory
  static constexpr uint32_t kTypeOut = 1;  // VIRTIO_BLK_T_OUT: memory -> disk
  static constexpr uint8_t kStatusOk = 0;  // VIRTIO_BLK_S_OK
  // Layout of the scratch block (one 4 KiB DmaMemory block).
  static constexpr size_t kHeaderOff = 0;
  static constexpr size_t kStatusOff = 64;
  static constexpr size_t kPadOff = 512;
  static constexpr size_t kSlotHeaderOff = 128;  // + 16 * slot
  static constexpr size_t kSlotStatusOff = 256;  // + slot

  DmaStatus request(uint32_t type, uint64_t iova, size_t len);
  DmaStatus check_status(uint32_t type, size_t len, uint8_t st);

  uint64_t scratch_ = 0;  // header, status byte, sector padding
  uint64_t capacity_sectors_ = 0;
  size_t max_len_ = 0;
  uint32_t slot_type_[kSlots] = {};
  size_t slot_len_[kSlots] = {};
  bool busy_[kSlots] = {};
};

}  // namespace drivers
