// PCI: ECAM enumeration of every bus below the host bridge, BAR sizing and assignment (qboot assigns
// none, and the aarch64 firmware-less boot neither), capability lists, bus mastering.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mmio.h"

namespace kernel {

struct PciBar {
  uint64_t cpu = 0;  // CPU physical address (0: not implemented or not assigned)
  uint64_t size = 0;
  bool is64 = false;
  bool io = false;
  bool prefetchable = false;
};

class PciFunction {
 public:
  uint16_t vendor() const { return vendor_; }
  uint16_t device() const { return device_; }
  uint32_t class_code() const { return class_; }  // base<<16 | sub<<8 | prog-if
  uint8_t bus() const { return bus_; }
  uint8_t devfn() const { return devfn_; }
  uint16_t rid() const { return static_cast<uint16_t>(bus_ << 8 | devfn_); }  // PCI RequesterID

  uint8_t cfg_read8(uint16_t off) const { return cfg_.read8(off); }
  uint16_t cfg_read16(uint16_t off) const { return cfg_.read16(off); }
  uint32_t cfg_read32(uint16_t off) const { return cfg_.read32(off); }
  void cfg_write8(uint16_t off, uint8_t v) const { cfg_.write8(off, v); }
  void cfg_write16(uint16_t off, uint16_t v) const { cfg_.write16(off, v); }
  void cfg_write32(uint16_t off, uint32_t v) const { cfg_.write32(off, v); }

  // Offset of the first (or next after `after`) capability with this ID, 0 if none.
  uint8_t find_capability(uint8_t id, uint8_t after = 0) const;
  const PciBar& bar(unsigned i) const { return bars_[i]; }
  Mmio bar_mmio(unsigned i) const { return Mmio(bars_[i].cpu); }
  void enable(bool bus_master);  // memory decode (+ bus mastering)
  void set_bus_master(bool on);

  // Message signalled interrupts (PCI LB 3.0 §6.8). Each enable turns the other kind off (a function must not
  // use both, §6.8) and bus mastering on (the message is a memory write by the function).
  // MSI: one message (Multiple Message Enable 000b). False without an MSI capability.
  [[nodiscard]] bool msi_enable(uint64_t address, uint32_t data);
  void msi_disable();
  // MSI-X: table entry `vector` carries (address, data) and is unmasked; MSI-X on, function unmasked. False
  // without an MSI-X capability, with `vector` beyond the table, or with the table's BAR unassigned.
  [[nodiscard]] bool msix_enable(unsigned vector, uint64_t address, uint32_t data);
  void msix_disable();  // every entry masked again (their reset state, §6.8.2.9), then MSI-X off
  uint8_t header_type() const { return header_type_; }

 private:
  friend class Pci;
  Mmio cfg_;
  uint16_t vendor_ = 0, device_ = 0;
  uint32_t class_ = 0;
  uint8_t bus_ = 0, devfn_ = 0, header_type_ = 0;
  PciBar bars_[6];
};

class Pci {
 public:
  // Walks every bus from the ECAM window, numbers bridges, sizes and assigns BARs. Idempotent.
  static void init();
  static size_t count();
  static PciFunction* at(size_t i);
  // The n-th function (0-based) with this vendor:device, or nullptr.
  static PciFunction* find(uint16_t vendor, uint16_t device, unsigned n = 0);
  static PciFunction* find_class(uint32_t class_code, uint32_t mask, unsigned n = 0);

  // Enumeration internals (kernel/pci.cpp).
  static void fill(PciFunction& f, Mmio cfg, unsigned bus, unsigned dev, unsigned fn);
  static PciBar* bars(PciFunction& f) { return f.bars_; }
};

}  // namespace kernel
