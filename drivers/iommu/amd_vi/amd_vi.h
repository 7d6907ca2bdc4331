// Guest driver for AMD-Vi (48882): discovery from the PCI capability and IVRS, the device table,
// command buffer with COMPLETION_WAIT, event log, and interrupt remapping tables. Page tables are in
// page_table.h. Raw structures stay reachable for edge-case tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/iommu/amd_vi/ivrs.h"
#include "kernel/mmio.h"
#include "kernel/pci.h"
#include "spec/amd_vi/commands.h"
#include "spec/amd_vi/dte.h"
#include "spec/amd_vi/events.h"
#include "spec/amd_vi/registers.h"

namespace drivers::amd_vi {

namespace s = ::spec::amd_vi;

inline constexpr unsigned kDevtabSizeField = 15;  // (15+1) * 4 KiB = 64 KiB = 2048 DTEs: buses 0..7
inline constexpr unsigned kDevtabEntries = 2048;
inline constexpr unsigned kRingLen = 8;           // 2^8 = 256 entries of 16 bytes = 4 KiB
inline constexpr unsigned kRingEntries = 1u << kRingLen;
inline constexpr uint32_t kWaitMs = 1000;

class AmdVi {
 public:
  // The machine's IOMMU, discovered and enabled on first use (nullptr when there is none).
  static AmdVi* get();

  kernel::PciFunction* pci() const { return pci_; }
  const IvrsInfo& ivrs() const { return ivrs_; }
  uint64_t mmio_base() const { return mmio_.base(); }
  uint16_t cap() const { return cap_; }
  // Host (v1) address translation: false when IVRS says HATDis (then only DTEs without a page table work).
  bool translates() const { return !ivrs_.hat_dis; }

  uint64_t read(s::Mmio r) const { return mmio_.read64(s::offset(r)); }
  void write(s::Mmio r, uint64_t v) const { mmio_.write64(s::offset(r), v); }
  uint64_t control() const { return read(s::Mmio::kControl); }
  void set_control(uint64_t v) const { write(s::Mmio::kControl, v); }
  uint64_t default_control() const { return control_; }

  // Device table.
  uint64_t devtab_pa() const { return devtab_; }
  s::Dte dte(uint16_t devid) const;
  // Writes quadwords 3..1 then 0 (V last, §2.2.2 software note), then INVALIDATE_DEVTAB_ENTRY and a
  // completion wait. False when the command buffer does not complete.
  bool set_dte(uint16_t devid, const s::Dte& d);
  void write_dte_raw(uint16_t devid, const s::Dte& d);
  // One quadword of a DTE in one 64-bit store (a live change made quadword by quadword; no invalidation).
  void write_dte_qword(uint16_t devid, unsigned i, uint64_t v);

  // Command buffer.
  uint64_t cmd_pa() const { return cmd_; }
  // Appends one command at the tail and moves the tail (no waiting).
  void queue(const s::Command& c);
  // COMPLETION_WAIT (S=1) with a fresh token; true when the store lands within kWaitMs.
  bool sync();
  bool invalidate_devtab(uint16_t devid);
  bool invalidate_pages(uint16_t domain, uint64_t address, bool s_bit);
  bool invalidate_all();
  uint64_t cmd_tail() const { return tail_; }
  // Re-programs the command buffer after a test broke it: CmdBufEn off, head = tail = 0, on.
  void reset_command_buffer();
  uint64_t completion_word_pa() const { return store_; }

  // Event log.
  uint64_t evt_pa() const { return evt_; }
  // Events between head and tail; pops them (moves head).
  size_t pending_events() const;
  bool pop_event(s::Event& e);
  void drain_events();
  // Re-programs the event log: EventLogEn off, head = tail = 0, clear EventOverflow/EventLogInt, on.
  void reset_event_log();

  // Restores the device table entry of every DeviceID a test touched to V=0 (untranslated).
  void release(uint16_t devid);
  // The state init() left, whatever a case abandoned mid-way did: every DTE V=0, command buffer and event
  // log empty and running, Control as init() set it, caches invalidated. False when the closing
  // INVALIDATE_IOMMU_ALL + COMPLETION_WAIT does not complete.
  bool recover();

 private:
  bool init();
  kernel::PciFunction* pci_ = nullptr;
  kernel::Mmio mmio_;
  uint16_t cap_ = 0;
  IvrsInfo ivrs_;
  uint64_t devtab_ = 0, cmd_ = 0, evt_ = 0, store_ = 0;
  uint64_t tail_ = 0;
  uint64_t token_ = 0;
  uint64_t control_ = 0;
};

// The DeviceID requests of `rid` carry (IVRS alias, else the RID itself).
uint16_t device_id_of(uint16_t rid);

}  // namespace drivers::amd_vi
