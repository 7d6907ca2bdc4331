// Reference model of an AMD-Vi IOMMU's observable behaviour (48882): the MMIO register file with its
// read-only and write-1-to-clear bits, device table lookup and DTE validity, v1 walks (1..6 levels,
// level skipping, NextLevel 0 and 7 large pages), v2 guest walks, nested v2-over-v1 translation, the
// IOTLB / DTE / IRTE caches and the commands that invalidate them, COMPLETION_WAIT, the event log with
// overflow, and interrupt remapping. Reads guest memory only through model::GuestMemory.
// Freestanding-clean: no exceptions, no RTTI, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/guest_memory.h"
#include "spec/amd_vi/commands.h"
#include "spec/amd_vi/dte.h"
#include "spec/amd_vi/events.h"
#include "spec/amd_vi/irte.h"
#include "spec/amd_vi/pte.h"
#include "spec/amd_vi/registers.h"

namespace model::amd_vi {

namespace s = ::spec::amd_vi;

struct Request {
  uint16_t device_id = 0;
  uint64_t address = 0;  // IOVA (or GVA with a PASID)
  bool write = false;
  bool has_pasid = false;
  uint32_t pasid = 0;
  bool user = false;     // PASID TLP privilege: user (US flag)
};

enum class Outcome : uint8_t {
  kTranslated,    // through a page table
  kUntranslated,  // passed through (IOMMU off, DTE.V=0, Mode 0)
  kAborted,       // target abort (an event may have been logged)
};
const char* to_string(Outcome o);

struct Result {
  Outcome outcome = Outcome::kAborted;
  uint64_t pa = 0;
  uint64_t page_size = 0;    // the translation's size (cached as one IOTLB entry)
  bool readable = false, writable = false;
  bool user = true;          // v2: reachable by user (PASID privilege) requests
  bool has_event = false;    // an event was produced (whether or not the log accepted it)
  s::Event event{};
  bool ok() const { return outcome != Outcome::kAborted; }
};

struct MsiResult {
  bool delivered = false;  // false: target abort
  bool remapped = false;
  uint8_t vector = 0;
  uint32_t destination = 0;
  uint8_t dest_mode = 0;
  uint8_t int_type = 0;
  uint64_t address = 0;    // pass-through: the original message
  uint32_t data = 0;
  bool has_event = false;
  s::Event event{};
};

// Default extended features: what QEMU 7.2 advertises (PrefSup, PPRSup, GTSup, IASup, GASup, HESup,
// HATS=10b (6 levels), GATS=10b).
inline constexpr uint64_t kDefaultEfr = 0x29d3;

class Iommu {
 public:
  explicit Iommu(GuestMemory& mem, uint64_t efr = kDefaultEfr) : mem_(mem) { reset(efr); }
  void reset(uint64_t efr = kDefaultEfr);

  // Register file (§3.4). 64-bit accesses at 8-byte aligned offsets.
  uint64_t read(s::Mmio r) const;
  void write(s::Mmio r, uint64_t value);

  // A DMA request from a device: cached translation when there is one, else a walk. Events go to the
  // event log (or are dropped on overflow); the Result carries what was produced either way.
  Result translate(const Request& req);
  // What the tables say now, ignoring every cache and logging nothing (the outcome required once the
  // caches were invalidated).
  Result walk(const Request& req) const;
  // An MSI write of `data` to `address` from device_id (§2.2.5).
  MsiResult remap_msi(uint16_t device_id, uint64_t address, uint32_t data);

  // Processes commands between head and tail (done by a tail or control write).
  void process_commands();

  // Interrupts the IOMMU signalled through its MSI (event log / completion wait), for tests.
  unsigned interrupts() const { return interrupts_; }
  bool command_halted() const { return cmd_halted_; }
  size_t iotlb_entries() const;

 private:
  struct IotlbEntry {
    bool valid = false;
    uint16_t device_id = 0, domain_id = 0;
    bool gn = false;
    uint32_t pasid = 0;
    uint64_t base = 0, size = 0, pa = 0;
    bool r = false, w = false, u = true;
  };
  struct DteCacheEntry {
    bool valid = false;
    uint16_t device_id = 0;
    s::Dte dte{};
  };
  static constexpr size_t kIotlbSize = 64, kDteCacheSize = 16;

  bool fetch_dte(uint16_t device_id, s::Dte& dte, Result& r, bool use_cache);
  Result walk_impl(const Request& req, const s::Dte& dte) const;
  void log_event(const s::Event& e);
  uint64_t ring_bytes(uint64_t base_reg) const;
  void execute(const s::Command& c, uint64_t cmd_pa);
  bool command_reserved_bits(const s::Command& c) const;
  void invalidate_pages(uint16_t domain, bool gn, uint32_t pasid, uint64_t base, uint64_t size);

  GuestMemory& mem_;
  uint64_t devtab_ = 0, cmd_base_ = 0, evt_base_ = 0, control_ = 0, efr_ = 0, status_ = 0;
  uint64_t excl_base_ = 0, excl_limit_ = 0, ppr_base_ = 0;
  uint64_t cmd_head_ = 0, cmd_tail_ = 0, evt_head_ = 0, evt_tail_ = 0, ppr_head_ = 0, ppr_tail_ = 0;
  bool cmd_halted_ = false;
  bool evt_stopped_ = false;  // overflowed: logging stays off until EventLogEn is cleared and set again
  unsigned interrupts_ = 0;
  IotlbEntry iotlb_[kIotlbSize];
  size_t iotlb_next_ = 0;
  DteCacheEntry dte_cache_[kDteCacheSize];
  size_t dte_next_ = 0;
};

// Event builders, shared by the model and by tests that state what they expect (§2.5).
s::Event io_page_fault(uint16_t device_id, uint16_t domain_id, uint64_t address, bool write, bool present,
                       bool interrupt = false);

}  // namespace model::amd_vi
