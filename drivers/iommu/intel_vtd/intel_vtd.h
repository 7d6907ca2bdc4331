// Guest driver for Intel VT-d remapping hardware (Intel VT-d Architecture Specification; the register chapter as
// spec/intel_vtd/registers.h declares it): the unit the ACPI DMAR's first DRHD reports, its global command
// handshakes, the legacy-mode root and context tables, register-based (CCMD, IOTLB_REG) and queued invalidation,
// and the fault recording registers. Second-stage page tables are in page_table.h, domains in domain.h. Every wait
// is bounded and a failed one leaves a message (last_error()) saying what it waited for. Raw register and
// structure access stays public for the edge-case tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/iommu/intel_vtd/dmar.h"
#include "kernel/mmio.h"
#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/fault.h"
#include "spec/intel_vtd/pte.h"
#include "spec/intel_vtd/registers.h"
#include "spec/intel_vtd/root_table.h"

namespace drivers::intel_vtd {

namespace s = ::spec::intel_vtd;

inline constexpr uint32_t kWaitMs = 1000;       // every handshake / invalidation wait
inline constexpr unsigned kQueueSizeField = 0;  // IQA.QS: 2^0 4 KiB pages = 256 128-bit descriptors
inline constexpr unsigned kQueueBytes = 4096u << kQueueSizeField;
inline constexpr unsigned kBuses = 2;           // context tables the driver keeps ready (buses 0 and 1)

// A source-id (requester id) as the root / context tables index it: bus [15:8], devfn [7:0].
constexpr uint8_t bus_of(uint16_t sid) { return static_cast<uint8_t>(sid >> 8); }
constexpr uint8_t devfn_of(uint16_t sid) { return static_cast<uint8_t>(sid & 0xff); }

class IntelVtd {
 public:
  // The unit of the DMAR's first DRHD, initialised on first use (nullptr when there is none or init failed):
  // root table with every entry not present installed (SRTP), fault records cleared, translation and queued
  // invalidation off. What init() left is also what recover() restores.
  static IntelVtd* get();

  const DmarInfo& dmar() const { return dmar_; }
  uint64_t base() const { return mmio_.base(); }
  s::Cap cap() const { return cap_; }
  s::Ecap ecap() const { return ecap_; }
  // Adjusted guest address widths CAP.SAGAW offers (39, 48, 57), and the widest.
  bool supports_agaw(unsigned agaw) const;
  unsigned max_agaw() const;
  // CAP.SLLPS: a second-stage leaf at `level` (2: 2 MiB, 3: 1 GiB) is supported.
  bool supports_large_page(unsigned level) const;

  // ---- Raw register access (a register's own width: 4 or 8 bytes) ----
  uint64_t read(s::Mmio r) const;
  void write(s::Mmio r, uint64_t v) const;
  uint32_t read32(uint32_t offset) const { return mmio_.read32(offset); }
  uint64_t read64(uint32_t offset) const { return mmio_.read64(offset); }
  void write32(uint32_t offset, uint32_t v) const { mmio_.write32(offset, v); }
  void write64(uint32_t offset, uint64_t v) const { mmio_.write64(offset, v); }
  s::Gsts gsts() const;
  s::Fsts fsts() const;

  // ---- Global command (§11.4.4): one step per command. Each writes GCMD with the persistent enables GSTS now
  // reports (so that none is turned off by accident) plus the command, then waits (bounded) for its status ----
  [[nodiscard]] bool set_root_table(uint64_t pa, s::Ttm ttm = s::Ttm::kLegacy);  // RTADDR, then SRTP -> RTPS
  [[nodiscard]] bool set_translation(bool on);                                    // TE -> TES
  [[nodiscard]] bool set_queued_invalidation(bool on);  // QIE -> QIES (on: IQA programmed first, IQT = 0)
  [[nodiscard]] bool flush_write_buffer();              // WBF -> WBFS clear, when CAP.RWBF; else nothing to do
  [[nodiscard]] bool set_interrupt_remap_table(uint64_t irta);  // IRTA, then SIRTP -> IRTPS
  [[nodiscard]] bool set_interrupt_remapping(bool on);          // IRE -> IRES
  // The handshake itself: GCMD = persistent enables (minus `clear`) | `set`, then waits until GSTS & mask ==
  // want. `what` names the command in the message of a failed wait.
  [[nodiscard]] bool global_command(uint32_t set, uint32_t clear, uint32_t mask, uint32_t want, const char* what);
  bool translation_enabled() const { return gsts().tes(); }
  bool queued_invalidation_enabled() const { return gsts().qies(); }

  // ---- Root and context tables (legacy mode, §9.1, §9.3) ----
  uint64_t root_table() const { return root_; }
  s::RootEntry root_entry(uint8_t bus) const;
  void write_root_entry(uint8_t bus, const s::RootEntry& e) const;  // high word, then low (P)
  // The context table of `bus` (kept by the driver, root entry present), 0 beyond kBuses.
  uint64_t context_table(uint8_t bus) const { return bus < kBuses ? ctx_[bus] : 0; }
  s::ContextEntry context_entry(uint16_t sid) const;
  // The entry's two words, high first and low (with P) last; no flush, no invalidation.
  void write_context_entry_raw(uint16_t sid, const s::ContextEntry& e) const;
  // The entry replaced by one 16-byte single-copy-atomic store (x86-64 CMPXCHG16B; the entries are 16-byte
  // aligned), so the unit never reads a mix of the old and the new entry; no flush, no invalidation. False when
  // the build has no such store.
  [[nodiscard]] bool replace_context_entry_atomic(uint16_t sid, const s::ContextEntry& e) const;
  // write_context_entry_raw, write-buffer flush, then the context cache of the device and the IOTLB of the
  // entry's (new and, when it changes, old) domain invalidated.
  [[nodiscard]] bool set_context_entry(uint16_t sid, const s::ContextEntry& e);
  // P cleared first, then the whole entry zeroed, then as set_context_entry.
  [[nodiscard]] bool clear_context_entry(uint16_t sid);

  // ---- Invalidation, by whichever interface is on (queued when GSTS.QIES, else the registers) ----
  // Context cache (g: global, domain = did, device = sid with function mask fm).
  [[nodiscard]] bool invalidate_context(s::Granularity g, uint16_t did = 0, uint16_t sid = 0, uint8_t fm = 0);
  // IOTLB (g: global, domain = did, page = did + addr with 2^am pages; ih the invalidation hint).
  [[nodiscard]] bool invalidate_iotlb(s::Granularity g, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0,
                                      bool ih = false);

  // Register-based (§6.5.1): CCMD with ICC, then a bounded wait for ICC clear; *actual = CAIG.
  [[nodiscard]] bool register_invalidate_context(s::Granularity g, uint16_t did, uint16_t sid, uint8_t fm,
                                                 uint64_t* actual = nullptr);
  // IVA (page-selective), then IOTLB_REG with IVT (DR/DW as CAP.DRD/DWD offer), a bounded wait for IVT clear;
  // *actual = IAIG (0: the request was not performed).
  [[nodiscard]] bool register_invalidate_iotlb(s::Granularity g, uint16_t did, uint64_t addr, unsigned am, bool ih,
                                               uint64_t* actual = nullptr);
  s::Mmio iva_reg() const { return s::iva_reg(ecap_.iro()); }
  s::Mmio iotlb_reg() const { return s::iotlb_reg(ecap_.iro()); }

  // Queued (§6.5.2): a 4 KiB queue of 128-bit descriptors, or of 256-bit ones (IQA.DW=1, only with ECAP.SMTS: the
  // PASID-granular descriptors need them), a status word for invalidation waits.
  uint64_t queue_base() const { return iq_; }
  uint32_t queue_tail() const { return tail_; }  // byte offset of the next descriptor the driver writes
  uint64_t wait_status_pa() const { return status_; }
  // The width the next set_queued_invalidation(true) programs in IQA.DW (128-bit after init() and recover()).
  // False (nothing changed) for 256-bit without ECAP.SMTS.
  [[nodiscard]] bool set_queue_width(s::DescriptorWidth w);
  // The width the queue was enabled with (what the unit fetches now).
  bool queue_wide() const { return queue_dw_ == s::DescriptorWidth::k256; }
  unsigned descriptor_bytes() const { return queue_wide() ? s::Descriptor256::kBytes : s::Descriptor::kBytes; }
  // The descriptor at the tail, then IQT moved past it (no waiting). Words written as given (raw); in a 256-bit
  // queue a 128-bit descriptor is followed by 128 zero bits.
  void queue(const s::Descriptor& d);
  void queue_raw(uint64_t lo, uint64_t hi);
  // A 256-bit descriptor: in a 256-bit queue as it is; in a 128-bit one its low half only.
  void queue_raw256(const s::Descriptor256& d);
  // PASID-granular invalidation (§6.5.2.2, §6.5.2.4), each queued in the 256-bit queue and followed by queue_sync().
  // False (last_error() says why) when queued invalidation is off or the queue is 128-bit, or the wait fails.
  // PASID cache: domain-selective (did), PASID-selective within the domain (did, pasid) or global.
  [[nodiscard]] bool invalidate_pasid_cache(s::PasidCacheGranularity g, uint16_t did = 0, uint32_t pasid = 0);
  // PASID-based IOTLB: every entry of the PASID in the domain, or 2^am pages at addr (aligned to that size) of it.
  [[nodiscard]] bool invalidate_piotlb(s::PasidIotlbGranularity g, uint16_t did, uint32_t pasid, uint64_t addr = 0,
                                       unsigned am = 0, bool ih = false);
  // An invalidation wait (SW=1, a fresh Status Data) queued, then a bounded wait for the status write. False when
  // it does not come (also when FSTS.IQE shows the queue stopped: last_error() says which).
  [[nodiscard]] bool queue_sync();
  uint32_t last_wait_token() const { return token_; }
  // The queue back to empty after a case broke it: QIE off, IQA again, IQT = 0, FSTS.IQE cleared, QIE on (if it
  // was). False when a handshake fails.
  [[nodiscard]] bool reset_queue();

  // ---- Fault recording (§7.2, §11.4.9) ----
  unsigned fault_recording_registers() const { return cap_.fault_recording_registers(); }
  s::Mmio fault_recording_reg(unsigned n) const { return s::fault_recording_reg(cap_.fro(), n); }
  s::FaultRecord fault_record(unsigned n) const;
  // Writes F back (RW1C) in record n.
  void clear_fault_record(unsigned n) const;
  // The first record with F set (from FSTS.FRI, then every register), waiting up to `ms` for FSTS.PPF. False
  // when none appeared.
  bool next_fault(s::FaultRecord& out, unsigned* index, uint32_t ms) const;
  // Every record's F, and FSTS's RW1C bits (PFO, AFO, APF, IQE, ICE, ITE) cleared.
  void clear_faults() const;

  // ---- Event messages ----
  // The fault event (FEDATA, FEADDR, FEUADDR, then FECTL.IM) and the invalidation completion event (IEDATA,
  // IEADDR, IEUADDR, then IECTL.IM) as the message `data` to `address`, masked or not.
  void set_fault_event(uint64_t address, uint32_t data, bool masked) const;
  void set_invalidation_event(uint64_t address, uint32_t data, bool masked) const;

  // ---- Recovery ----
  // The state init() left: translation and queued invalidation off, every context entry cleared, the root table
  // installed again, caches invalidated globally (registers), fault records and FSTS cleared, IRE off. False
  // when a handshake or an invalidation did not complete.
  [[nodiscard]] bool recover();

  // The message of the last bounded wait that failed ("" when none).
  const char* last_error() const { return error_; }

 private:
  bool init();
  bool wait_gsts(uint32_t mask, uint32_t want, const char* what);
  void put_descriptor(const uint64_t* words, unsigned count);
  [[nodiscard]] bool need_wide_queue(const char* what);
  void fail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  volatile uint64_t* context_slot(uint16_t sid) const;

  DmarInfo dmar_;
  kernel::Mmio mmio_;
  s::Cap cap_{};
  s::Ecap ecap_{};
  uint64_t root_ = 0, ctx_[kBuses] = {}, iq_ = 0, status_ = 0;
  uint32_t tail_ = 0, token_ = 0;
  s::DescriptorWidth want_dw_ = s::DescriptorWidth::k128, queue_dw_ = s::DescriptorWidth::k128;
  char error_[160] = {};
};

}  // namespace drivers::intel_vtd
