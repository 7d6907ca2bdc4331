// The x86_64 `q35` machine as the x86 hosted machines (amd_vi_machine.cpp, intel_vtd_machine.cpp) share it: the
// PCI layout QEMU gives the configurations' endpoints, edu's register window, the ACPI table the IOMMU is found
// through, and MSI delivery to the host's interrupt vectors. Each machine adds its IOMMU and decides where edu's
// interrupt message goes (through the IOMMU's interrupt remapping or straight to the interrupt window).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hosted/pci_bus.h"

namespace hosted::q35 {

inline constexpr uint64_t kEcamBase = 0xb000'0000;     // q35 MCFG base (hw/pci-host/q35.h)
inline constexpr uint64_t kEcamSize = 2u << 20;        // the buses PciBus decodes (0 and 1)
inline constexpr uint64_t kMmio32Base = 0xc000'0000;   // where the kernel places BARs
inline constexpr uint64_t kMmio32Size = 0x1000'0000;
// Intel SDM 3A 11.11.1: a memory write into this window is an interrupt message.
inline constexpr uint64_t kMsiWindowBase = 0xfee0'0000, kMsiWindowLast = 0xfeef'ffff;

// A message written to the x86 interrupt window becomes the vector in data[7:0] (Intel SDM 3A 11.11.2);
// a write elsewhere is no interrupt and is dropped.
void deliver_msi(uint64_t address, uint32_t data);

// An ACPI table (ACPI 6.4 §5.2.6: 36-byte header, then the table's own fields) built in a caller's buffer that
// outlives the run (the platform keeps its address). Numbers are appended little-endian.
class AcpiTable {
 public:
  AcpiTable(uint8_t* buf, size_t capacity, const char (&signature)[5], uint8_t revision);
  size_t size() const { return size_; }
  uint8_t* at(size_t off) { return buf_ + off; }
  void u8(uint8_t v) { put(v, 1); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void zeros(size_t n);
  // Overwrites an already appended little-endian number (a structure's length once its contents are known).
  void patch16(size_t off, uint16_t v);
  // Sets the header's Length and Checksum (the table sums to zero) and lists the table in kernel::platform().
  // False when the buffer overflowed or the platform's table list is full.
  [[nodiscard]] bool publish();

 private:
  void put(uint64_t v, unsigned bytes);
  uint8_t* buf_;
  size_t capacity_, size_ = 0;
  bool overflow_ = false;
};

// The endpoints (configs.py endpoint_args) at bus 0 devices first, first + 1, first + 2 in command-line order:
// edu (BAR0 1 MiB, MSI at 40h, hw/misc/edu.c), virtio-rng, virtio-blk (identity only: their DMA is
// hosted/endpoints.cpp's). Sets the endpoints' RIDs. Returns edu's function.
PciConfig* add_endpoints(PciBus& pci, uint8_t first, uint16_t bridged_blk_rid = 0);
// The q35 host bridge at 00:00.0.
void add_host_bridge(PciBus& pci);
// The ICH9 functions q35 always has at 00:1f (LPC bridge .0, AHCI .2, SMBus .3): identity only.
void add_ich9(PciBus& pci);
// A pcie-root-port (1b36:000c) at 00:dev.0 whose bus numbers and windows the kernel programs, with the
// null-backend virtio-blk behind it at 01:00.0.
void add_root_port_with_blk(PciBus& pci, uint8_t dev);

// Fills kernel::platform()'s PCI fields (ECAM, buses 0-1, the 32-bit window) and registers the ECAM window and
// the 32-bit window, in which edu's BAR0 answers its identification register (00h) and takes the raise-interrupt
// register (60h): edu's MSI message (when its capability is enabled) goes to `edu_msi`. `after` runs after each
// access to the 32-bit window (the IOMMU's interrupt outputs).
[[nodiscard]] bool attach(PciBus& pci, PciConfig* edu, void (*edu_msi)(uint64_t address, uint32_t data),
                          void (*after)(void*));

}  // namespace hosted::q35
