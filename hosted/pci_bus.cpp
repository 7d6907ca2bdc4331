#include "hosted/pci_bus.h"

#include "hosted/device_bus.h"

namespace hosted {

namespace {
constexpr unsigned kVendorId = 0x00, kCommand = 0x04, kStatus = 0x06, kClassRev = 0x08, kHeaderType = 0x0e;
constexpr unsigned kBar0 = 0x10, kCapPtr = 0x34;
constexpr uint32_t kBarTypeMask = 6, kBarType64 = 4;
constexpr uint16_t kStatusCapList = 1u << 4;
constexpr uint16_t kCmdMemory = 1u << 1;
constexpr uint16_t kCmdWritable = 0x0407;  // I/O, Memory, Bus Master, Interrupt Disable
constexpr uint16_t kMsiControl = 2, kMsiAddressLo = 4, kMsiAddressHi = 8, kMsiData = 12;
constexpr uint16_t kMsiEnable = 1u << 0, kMsi64Bit = 1u << 7, kMsiMultipleEnable = 7u << 4;
constexpr unsigned kBuses = 2;
}  // namespace

void PciConfig::writable(unsigned off, unsigned len, uint32_t mask) {
  for (unsigned i = 0; i < len; ++i) wmask[off + i] = static_cast<uint8_t>(mask >> (8 * i));
}

void PciConfig::header(uint16_t vendor, uint16_t device, uint32_t class_code, uint8_t header_type) {
  set16(kVendorId, vendor);
  set16(kVendorId + 2, device);
  set32(kClassRev, class_code << 8);
  set8(kHeaderType, header_type);
  writable(kCommand, 2, kCmdWritable);
}

void PciConfig::mem_bar(unsigned i, uint32_t size) {
  set32(kBar0 + 4 * i, 0);  // type 00b (32-bit), non-prefetchable: bits [3:0] read as zero
  writable(kBar0 + 4 * i, 4, ~(size - 1));
}

void PciConfig::mem_bar64(unsigned i, uint64_t size) {
  set32(kBar0 + 4 * i, kBarType64);  // type 10b (64-bit), non-prefetchable
  writable(kBar0 + 4 * i, 4, static_cast<uint32_t>(~(size - 1)) & ~0xfu);
  writable(kBar0 + 4 * (i + 1), 4, static_cast<uint32_t>(~(size - 1) >> 32));
}

void PciConfig::add_capability(uint8_t off, uint8_t id) {
  set8(off, id);
  set8(off + 1, 0);
  if (last_cap_)
    set8(last_cap_ + 1, off);
  else
    set8(kCapPtr, off);
  last_cap_ = off;
  set16(kStatus, read16(kStatus) | kStatusCapList);
}

void PciConfig::add_msi(uint8_t off) {
  add_capability(off, 0x05);
  set16(off + kMsiControl, kMsi64Bit);  // Multiple Message Capable 000b: one vector
  writable(off + kMsiControl, 2, kMsiEnable | kMsiMultipleEnable);
  writable(off + kMsiAddressLo, 4, 0xfffffffc);
  writable(off + kMsiAddressHi, 4, 0xffffffff);
  writable(off + kMsiData, 2, 0xffff);
  msi_ = off;
}

bool PciConfig::msi(uint64_t* address, uint32_t* data) const {
  if (!msi_ || !(read16(msi_ + kMsiControl) & kMsiEnable)) return false;
  *address = read32(msi_ + kMsiAddressLo) | uint64_t{read32(msi_ + kMsiAddressHi)} << 32;
  *data = read16(msi_ + kMsiData);
  return true;
}

uint64_t PciConfig::bar_address(unsigned i) const {
  if (!(read16(kCommand) & kCmdMemory)) return 0;
  const uint32_t lo = read32(kBar0 + 4 * i);
  const uint64_t hi = (lo & kBarTypeMask) == kBarType64 && i < 5 ? read32(kBar0 + 4 * (i + 1)) : 0;
  return hi << 32 | (lo & ~0xfu);
}

PciConfig* PciBus::add(uint8_t bus, uint8_t dev, uint8_t fn) {
  if (count_ == sizeof functions_ / sizeof functions_[0] || bus >= kBuses) return nullptr;
  PciConfig* c = &functions_[count_++];
  c->bus = bus;
  c->devfn = static_cast<uint8_t>(dev << 3 | fn);
  return c;
}

const PciConfig* PciBus::get(uint16_t rid) const {
  for (unsigned i = 0; i < count_; ++i)
    if (functions_[i].rid() == rid) return &functions_[i];
  return nullptr;
}

PciConfig* PciBus::find(uint64_t ecam_off) {
  return const_cast<PciConfig*>(get(static_cast<uint16_t>(ecam_off >> 12)));
}

uint64_t PciBus::read(void* ctx, uint64_t off, unsigned size) {
  const PciConfig* c = static_cast<PciBus*>(ctx)->find(off);
  // No function: the host bridge completes the read with all ones (PCIe base spec §2.3.2, UR).
  if (!c) return size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1;
  uint64_t v = 0;
  const unsigned reg = off & 0xfff;
  for (unsigned i = 0; i < size; ++i)
    if (reg + i < sizeof c->bytes) v |= uint64_t{c->bytes[reg + i]} << (8 * i);
  return v;
}

void PciBus::write(void* ctx, uint64_t off, unsigned size, uint64_t value) {
  PciConfig* c = static_cast<PciBus*>(ctx)->find(off);
  if (!c) return;
  const unsigned reg = off & 0xfff;
  for (unsigned i = 0; i < size && reg + i < sizeof c->bytes; ++i) {
    const uint8_t m = c->wmask[reg + i];
    c->bytes[reg + i] = static_cast<uint8_t>((c->bytes[reg + i] & ~m) | ((value >> (8 * i)) & m));
  }
  PciBus* bus = static_cast<PciBus*>(ctx);
  if (bus->on_write_) bus->on_write_(bus->on_write_ctx_);
}

bool PciBus::attach(uint64_t ecam_base) {
  return add_window(ecam_base, uint64_t{kBuses} << 20, MmioDevice{this, read, write, nullptr});
}

}  // namespace hosted
