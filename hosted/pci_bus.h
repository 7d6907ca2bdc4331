// A tiny emulated PCI configuration space behind an ECAM window (PCIe base spec §7.2.2: bus << 20 |
// device << 15 | function << 12), for a hosted machine whose driver finds its IOMMU or endpoints through
// kernel::Pci. Each function is a 256-byte header plus capabilities with a per-byte write mask: bits
// outside the mask are read-only, which also gives BAR sizing (PCI LB 3.0 §6.2.5.1: the size-aligned
// low bits of a memory BAR read back as zero) and read-only IDs for free. Absent functions read all ones.
#pragma once

#include <cstdint>

namespace hosted {

struct PciConfig {
  uint8_t bus = 0, devfn = 0;
  uint8_t bytes[256] = {};
  uint8_t wmask[256] = {};

  uint16_t rid() const { return static_cast<uint16_t>(bus << 8 | devfn); }
  uint8_t read8(unsigned off) const { return bytes[off]; }
  uint16_t read16(unsigned off) const { return static_cast<uint16_t>(bytes[off] | bytes[off + 1] << 8); }
  uint32_t read32(unsigned off) const { return read16(off) | uint32_t{read16(off + 2)} << 16; }
  // Firmware-side writes (ignore the mask).
  void set8(unsigned off, uint8_t v) { bytes[off] = v; }
  void set16(unsigned off, uint16_t v) {
    set8(off, v & 0xff);
    set8(off + 1, static_cast<uint8_t>(v >> 8));
  }
  void set32(unsigned off, uint32_t v) {
    set16(off, v & 0xffff);
    set16(off + 2, static_cast<uint16_t>(v >> 16));
  }
  // Marks `mask` (little endian, `len` bytes from off) as software-writable.
  void writable(unsigned off, unsigned len, uint32_t mask);

  // Type 0 header with IDs and class code (base << 16 | sub << 8 | prog-if); Command (Memory Space,
  // Bus Master) writable, Status read-only.
  void header(uint16_t vendor, uint16_t device, uint32_t class_code, uint8_t header_type = 0);
  // A 32-bit non-prefetchable memory BAR `i` of `size` bytes (a power of two >= 16).
  void mem_bar(unsigned i, uint32_t size);
  // A 64-bit non-prefetchable memory BAR in slots i and i + 1 (PCI LB 3.0 §6.2.5.1: type 10b).
  void mem_bar64(unsigned i, uint64_t size);
  // Appends a capability at `off` (>= 0x40) to the list (Status.CapabilitiesList set).
  void add_capability(uint8_t off, uint8_t id);
  // PCI LB 3.0 §6.8.1: a 64-bit MSI capability with one vector at `off` (control +2, address +4/+8, data +0Ch).
  void add_msi(uint8_t off);
  // Its message when enabled (false when MSI Enable is clear).
  bool msi(uint64_t* address, uint32_t* data) const;
  // Memory BAR i's address (both halves of a 64-bit BAR) when memory decode is on, else 0.
  uint64_t bar_address(unsigned i) const;

 private:
  uint8_t last_cap_ = 0;
  uint8_t msi_ = 0;
};

// Up to 16 functions on buses 0..1, one ECAM window at `ecam_base` (bus 0 first).
class PciBus {
 public:
  PciConfig* add(uint8_t bus, uint8_t dev, uint8_t fn);
  // The function at `rid` (bus << 8 | devfn), nullptr when absent (a machine's firmware tables walk the bus).
  const PciConfig* get(uint16_t rid) const;
  // Registers the ECAM window (2 buses: 2 MiB) with the device bus. False when it cannot.
  bool attach(uint64_t ecam_base);
  // Called after every configuration write (a machine that follows a BAR or the command register).
  void on_write(void (*fn)(void* ctx), void* ctx) {
    on_write_ = fn;
    on_write_ctx_ = ctx;
  }

 private:
  static uint64_t read(void* ctx, uint64_t off, unsigned size);
  static void write(void* ctx, uint64_t off, unsigned size, uint64_t value);
  PciConfig* find(uint64_t ecam_off);
  PciConfig functions_[16];
  unsigned count_ = 0;
  void (*on_write_)(void*) = nullptr;
  void* on_write_ctx_ = nullptr;
};

}  // namespace hosted
