#include "hosted/q35.h"

#include <cstring>

#include "hosted/device_bus.h"
#include "hosted/machine.h"
#include "kernel/arch.h"
#include "kernel/platform.h"

namespace hosted::q35 {

namespace {

constexpr uint8_t kEduMsiCap = 0x40;
constexpr uint32_t kEduBarSize = 1u << 20;
constexpr uint64_t kEduIdent = 0x00, kEduIrqRaise = 0x60;  // QEMU docs/specs/edu.rst
constexpr uint32_t kEduIdentValue = 0x010000ed;
constexpr size_t kAcpiHeader = 36, kAcpiLength = 4, kAcpiChecksum = 9;

struct Window {
  PciConfig* edu = nullptr;
  void (*edu_msi)(uint64_t, uint32_t) = nullptr;
};
Window g_window;

// The 32-bit MMIO window: edu's BAR0 where the kernel placed it; everything else is unclaimed.
uint64_t read_mmio32(void*, uint64_t off, unsigned) {
  const uint64_t bar = g_window.edu->bar_address(0);
  return bar && kMmio32Base + off - bar == kEduIdent ? kEduIdentValue : 0;
}

void write_mmio32(void*, uint64_t off, unsigned, uint64_t) {
  const uint64_t bar = g_window.edu->bar_address(0);
  if (!bar || kMmio32Base + off - bar != kEduIrqRaise) return;
  // edu raises its MSI when the capability is enabled.
  uint64_t address = 0;
  uint32_t data = 0;
  if (g_window.edu->msi(&address, &data)) g_window.edu_msi(address, data);
}

}  // namespace

void deliver_msi(uint64_t address, uint32_t data) {
  if (address < kMsiWindowBase || address > kMsiWindowLast) return;
  arch::irq_trigger(data & 0xff);
}

AcpiTable::AcpiTable(uint8_t* buf, size_t capacity, const char (&signature)[5], uint8_t revision)
    : buf_(buf), capacity_(capacity) {
  memset(buf_, 0, capacity_);
  if (capacity_ < kAcpiHeader) {
    overflow_ = true;
    return;
  }
  memcpy(buf_, signature, 4);
  buf_[8] = revision;
  memcpy(buf_ + 10, "VIOMMU", 6);  // OEMID
  size_ = kAcpiHeader;
}

void AcpiTable::put(uint64_t v, unsigned bytes) {
  if (size_ + bytes > capacity_) {
    overflow_ = true;
    return;
  }
  for (unsigned i = 0; i < bytes; ++i) buf_[size_++] = static_cast<uint8_t>(v >> (8 * i));
}

void AcpiTable::zeros(size_t n) {
  for (size_t i = 0; i < n; ++i) u8(0);
}

void AcpiTable::patch16(size_t off, uint16_t v) {
  if (off + 2 > size_) return;
  buf_[off] = static_cast<uint8_t>(v);
  buf_[off + 1] = static_cast<uint8_t>(v >> 8);
}

bool AcpiTable::publish() {
  if (overflow_) return false;
  const uint32_t length = static_cast<uint32_t>(size_);
  memcpy(buf_ + kAcpiLength, &length, 4);
  uint8_t sum = 0;
  for (size_t i = 0; i < size_; ++i) sum = static_cast<uint8_t>(sum + buf_[i]);
  buf_[kAcpiChecksum] = static_cast<uint8_t>(-sum);  // ACPI 6.4 §5.2.6: the table sums to zero
  kernel::Platform& p = kernel::platform();
  if (p.acpi_table_count == sizeof p.acpi_tables / sizeof p.acpi_tables[0]) return false;
  kernel::AcpiTableRef& t = p.acpi_tables[p.acpi_table_count++];
  memcpy(t.signature, buf_, 4);
  t.signature[4] = 0;
  t.address = reinterpret_cast<uint64_t>(buf_);
  t.length = length;
  return true;
}

void add_host_bridge(PciBus& pci) { pci.add(0, 0, 0)->header(0x8086, 0x29c0, 0x060000); }

void add_ich9(PciBus& pci) {
  pci.add(0, 0x1f, 0)->header(0x8086, 0x2918, 0x060100);  // LPC bridge (ISA)
  pci.add(0, 0x1f, 2)->header(0x8086, 0x2922, 0x010601);  // AHCI
  pci.add(0, 0x1f, 3)->header(0x8086, 0x2930, 0x0c0500);  // SMBus
}

PciConfig* add_endpoints(PciBus& pci, uint8_t first, uint16_t bridged_blk_rid) {
  PciConfig* edu = pci.add(0, first, 0);
  edu->header(0x1234, 0x11e8, 0x00ff00);
  edu->mem_bar(0, kEduBarSize);
  edu->add_msi(kEduMsiCap);
  PciConfig* rng = pci.add(0, static_cast<uint8_t>(first + 1), 0);
  rng->header(0x1af4, 0x1044, 0x00ff00);
  PciConfig* blk = pci.add(0, static_cast<uint8_t>(first + 2), 0);
  blk->header(0x1af4, 0x1042, 0x010000);
  set_endpoint_rids(edu->rid(), rng->rid(), blk->rid(), bridged_blk_rid);
  return edu;
}

void add_root_port_with_blk(PciBus& pci, uint8_t dev) {
  PciConfig* rp = pci.add(0, dev, 0);
  rp->header(0x1b36, 0x000c, 0x060400, 1);
  rp->writable(0x18, 3, 0xffffff);    // primary, secondary, subordinate bus
  rp->writable(0x1c, 2, 0xf0f0);      // I/O base/limit
  rp->writable(0x20, 8, 0xfff0fff0);  // memory and prefetchable base/limit
  rp->writable(0x24, 4, 0xfff0fff0);
  rp->writable(0x28, 8, 0xffffffff);  // prefetchable base/limit upper 32 bits
  rp->writable(0x2c, 4, 0xffffffff);
  pci.add(1, 0, 0)->header(0x1af4, 0x1042, 0x010000);
}

bool attach(PciBus& pci, PciConfig* edu, void (*edu_msi)(uint64_t, uint32_t), void (*after)(void*)) {
  g_window = Window{edu, edu_msi};
  kernel::Platform& p = kernel::platform();
  p.ecam_base = kEcamBase;
  p.ecam_size = kEcamSize;
  p.bus_start = 0;
  p.bus_end = 1;
  p.mmio32 = kernel::AddressWindow{kMmio32Base, kMmio32Base, kMmio32Size};
  return pci.attach(kEcamBase) &&
         add_window(kMmio32Base, kMmio32Size, MmioDevice{nullptr, read_mmio32, write_mmio32, after});
}

}  // namespace hosted::q35
