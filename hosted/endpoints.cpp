// The hosted runner's DMA endpoints, in place of drivers/endpoints/registry.cpp and the PCI drivers: the
// same names the cases ask for ("edu", "virtio-rng", "virtio-blk") at the RequesterIDs QEMU's virt machine
// gives them (bus 0, devices 1..3 in command-line order, configs.py endpoint_args; a machine may place them
// elsewhere, set_endpoint_rids), each a plain DMA
// master: read() copies guest memory into the device's own buffer, write() the buffer into guest memory,
// one page-bounded access at a time through the machine's IOMMU, stopping at the first access the IOMMU
// terminates (the model has recorded that fault like the hardware would; the device reports an error).
//
// What differs from QEMU on purpose: no driver-owned DMA memory (no virtqueue rings or request headers,
// so driver_dma_ranges() is empty and set_driver_iova/reset_endpoint have nothing to move), and every DMA
// completes synchronously.
#include <cstring>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "hosted/device_bus.h"
#include "hosted/machine.h"

namespace hosted {

namespace {

TranslateFn g_translate = nullptr;

class HostEndpoint final : public drivers::DmaEndpoint {
 public:
  constexpr HostEndpoint(const char* name, uint16_t rid, bool can_read, size_t max_len, bool zeroes = false)
      : name_(name), rid_(rid), can_read_(can_read), max_len_(max_len), zeroes_(zeroes) {}
  void set_rid(uint16_t rid) { rid_ = rid; }

  const char* name() const override { return name_; }
  uint16_t rid() const override { return rid_; }
  bool can_read() const override { return can_read_; }
  // virtio-rng writes entropy the test did not choose.
  bool random_data() const override { return !can_read_; }
  size_t max_len() const override { return max_len_; }

  drivers::DmaStatus read(uint64_t iova, size_t len) override {
    if (!can_read_ || len > max_len_) return drivers::DmaStatus::kUnsupported;
    return transfer(iova, len, false);
  }
  drivers::DmaStatus write(uint64_t iova, size_t len) override {
    if (len > max_len_) return drivers::DmaStatus::kUnsupported;
    if (!can_read_) fill_random(len);
    if (zeroes_) memset(buffer_, 0, len);  // a null-co disk with read-zeroes=on: every block reads as zeros
    return transfer(iova, len, true);
  }

 private:
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kMsiWindowStart = 0xfee0'0000, kMsiWindowEnd = 0xfeef'ffff;

  // Memory side of one DMA, split at 4 KiB boundaries (the smallest translation granule).
  drivers::DmaStatus transfer(uint64_t iova, size_t len, bool to_memory) {
    size_t done = 0;
    while (done < len) {
      const uint64_t at = iova + done;
      const size_t chunk = static_cast<size_t>(
          len - done < kPage - (at & (kPage - 1)) ? len - done : kPage - (at & (kPage - 1)));
      uint64_t pa = at;
      if (g_translate && !g_translate(rid_, at, to_memory, &pa)) return drivers::DmaStatus::kDeviceError;
      // The x86 interrupt window (Intel SDM vol. 3 §11.11.1; the runner numbers interrupts as x86_64 does),
      // which a virtio-iommu passes through untranslated as its MSI region: no memory there. As QEMU's
      // apic-msi region does, a read completes with zeros; a write would be an interrupt message, and
      // these endpoints are given no MSI, so it is taken and dropped.
      if (pa >= kMsiWindowStart && pa + chunk - 1 <= kMsiWindowEnd) {
        if (!to_memory) memset(buffer_ + done, 0, chunk);
        done += chunk;
        continue;
      }
      // An address outside guest RAM is an external abort on the bus: the device sees an error.
      const bool ok = to_memory ? ram().write(pa, buffer_ + done, chunk) : ram().read(pa, buffer_ + done, chunk);
      if (!ok) return drivers::DmaStatus::kDeviceError;
      done += chunk;
    }
    return drivers::DmaStatus::kOk;
  }

  void fill_random(size_t len) {
    for (size_t i = 0; i < len; ++i) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      buffer_[i] = static_cast<uint8_t>(state_);
    }
  }

  const char* name_;
  uint16_t rid_;
  bool can_read_;
  size_t max_len_;
  bool zeroes_;
  uint64_t state_ = 0x9e3779b97f4a7c15ull;
  uint8_t buffer_[64 * 1024] = {};
};

// RIDs: bus 0, device 1, 2, 3 (devfn << 3), as on QEMU virt with edu, virtio-rng, virtio-blk in that order.
// edu's 4095-byte limit is QEMU 7.2's (a 4096-byte edu DMA aborts it); virtio-blk: 64 KiB, far above what
// the cases move.
HostEndpoint g_edu("edu", 0x08, true, 4095);
HostEndpoint g_rng("virtio-rng", 0x10, false, 4096);
HostEndpoint g_blk("virtio-blk", 0x18, true, 64 * 1024);
// A second virtio-blk behind a PCIe root port (null backend), present only when a machine places it
// (set_endpoint_rids): the amd-vi configuration's bridge endpoint.
HostEndpoint g_bridged_blk("virtio-blk", 0, true, 64 * 1024, true);
drivers::DmaEndpoint* const g_endpoints[] = {&g_edu, &g_rng, &g_blk, &g_bridged_blk};
size_t g_count = 3;

}  // namespace

void set_endpoint_translation(TranslateFn fn) { g_translate = fn; }

void set_endpoint_rids(uint16_t edu, uint16_t rng, uint16_t blk, uint16_t bridged_blk) {
  g_edu.set_rid(edu);
  g_rng.set_rid(rng);
  g_blk.set_rid(blk);
  g_bridged_blk.set_rid(bridged_blk);
  g_count = bridged_blk ? 4 : 3;
}

}  // namespace hosted

namespace drivers {

const char* to_string(DmaStatus s) {
  switch (s) {
    case DmaStatus::kOk: return "ok";
    case DmaStatus::kDeviceError: return "device error";
    case DmaStatus::kTimeout: return "timeout";
    case DmaStatus::kUnsupported: return "unsupported";
  }
  return "?";
}

size_t endpoint_count() { return hosted::g_count; }
DmaEndpoint* endpoint(size_t i) { return i < hosted::g_count ? hosted::g_endpoints[i] : nullptr; }

DmaEndpoint* find_endpoint(const char* name, unsigned n) {
  for (size_t i = 0; i < hosted::g_count; ++i) {
    DmaEndpoint* ep = hosted::g_endpoints[i];
    if (strcmp(ep->name(), name) != 0) continue;
    if (n == 0) return ep;
    --n;
  }
  return nullptr;
}

// No driver-owned DMA memory (file comment).
size_t driver_dma_ranges(DmaEndpoint*, DmaRange*, size_t) { return 0; }
void set_driver_iova(DmaEndpoint*, IovaOf, void*) {}
bool reset_endpoint(DmaEndpoint* ep) { return ep != nullptr; }
bool dma_translated(DmaEndpoint* ep) { return ep != nullptr; }

}  // namespace drivers
