// SMMUv3 guest driver: discovery from the DTB, the architected initialisation sequence (IHI 0070 §3.11 and
// Linux-style ordering: queues and tables before CR0.SMMUEN), the stream table (linear or 2-level), the
// command queue with CMD_SYNC, event queue consumption and GERROR.
//
// Completion and events are POLLED by default: CMD_SYNC uses CS=SIG_NONE and completes when SMMU_CMDQ_CONS
// has moved past it (§4.7.3 "the CMD_SYNC is complete when it is consumed"), the event queue is read by
// comparing EVENTQ_PROD with EVENTQ_CONS, and SMMU_IRQ_CTRL stays 0.
// With Options::irq the wired interrupts the DT names (eventq, priq, cmdq-sync, gerror; edge-triggered
// SPIs, §3.18.2) are attached to the GIC, SMMU_IRQ_CTRL enables GERROR and Event queue interrupts through
// the IRQ_CTRLACK handshake (§6.3.16), and wait_event() sleeps until the Event queue interrupt arrives.
// The handlers only count and snapshot the register the interrupt announces (the spec requires it to be
// observable before the interrupt, §3.18); queues stay consumed from thread context.
//
// Raw access (ste(), cmdq_slot(), event queue slots) is public on purpose: edge-case tests write structures
// and queue entries by hand.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mmio.h"
#include "kernel/platform.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/events.h"
#include "spec/smmuv3/registers.h"
#include "spec/smmuv3/ste.h"

namespace drivers::smmuv3 {

using spec::smmuv3::RegOffset;

struct Options {
  bool two_level = false;   // SMMU_STRTAB_BASE_CFG.FMT = 2-level (needs SMMU_IDR0.ST_LEVEL)
  unsigned strtab_log2 = 0; // LOG2SIZE; 0: the smallest size (>= 8) covering every endpoint's StreamID
  unsigned split = 6;       // 2-level SPLIT
  unsigned cmdq_log2 = 8;   // command queue entries = 2^n
  unsigned eventq_log2 = 7; // event queue entries = 2^n
  bool enable = true;       // set CR0.SMMUEN at the end
  bool irq = false;         // interrupt-driven: attach the wired IRQs, IRQ_CTRL = GERROR_IRQEN | EVENTQ_IRQEN
};

// The SMMU's interrupt sources, in the order of its platform description's irqs[] (§3.18.2).
enum class IrqSource : unsigned { kEventq = 0, kPriq = 1, kCmdSync = 2, kGerror = 3 };
inline constexpr unsigned kIrqSources = 4;

// What one source's handler saw: how many interrupts, and the register the interrupt announces as read
// inside the handler (Event queue: EVENTQ_PROD; CMD_SYNC: CMDQ_CONS; GERROR: GERROR ^ GERRORN).
struct IrqRecord {
  volatile uint32_t count = 0;
  volatile uint32_t snapshot = 0;
};

class Smmu {
 public:
  // The SMMU the DTB describes (platform().find_iommu(kSmmuV3)), probed once. nullptr when the machine has none.
  static Smmu* get();

  uint32_t read32(uint32_t off) const { return regs_.read32(off); }
  uint64_t read64(uint32_t off) const { return regs_.read64(off); }
  void write32(uint32_t off, uint32_t v) const {
    note_write(off, v);
    regs_.write32(off, v);
  }
  void write64(uint32_t off, uint64_t v) const {
    note_write(off, v);
    regs_.write64(off, v);
  }
  uint64_t base() const { return regs_.base(); }

  template <typename R>
  R reg(uint32_t off) const {
    R r{};
    r.value = read32(off);
    return r;
  }
  spec::smmuv3::Idr0 idr0() const { return reg<spec::smmuv3::Idr0>(RegOffset::kIdr0); }
  spec::smmuv3::Idr1 idr1() const { return reg<spec::smmuv3::Idr1>(RegOffset::kIdr1); }
  spec::smmuv3::Idr3 idr3() const { return reg<spec::smmuv3::Idr3>(RegOffset::kIdr3); }
  spec::smmuv3::Idr5 idr5() const { return reg<spec::smmuv3::Idr5>(RegOffset::kIdr5); }
  // What was last written through this driver to a register the translation of incoming transactions depends
  // on: SMMU_CR0, SMMU_CR2, SMMU_GBPA (a write with Update = 1 only: §6.3.14.1 ignores the others),
  // SMMU_STRTAB_BASE and SMMU_STRTAB_BASE_CFG; before the first write, the value read at probe. 0 for any other
  // offset. Tests build their oracle's inputs from these (what the driver meant), not from the device.
  uint64_t written(uint32_t off) const;
  unsigned oas_bits() const { return spec::smmuv3::pa_size_bits(idr5().oas()); }

  // Architected bring-up: disable, program CR1/CR2, stream table, command queue (then CFGI_ALL, TLBI_NSNH_ALL,
  // CMD_SYNC), event queue, and finally SMMUEN. Frees what a previous init allocated.
  [[nodiscard]] bool init(const Options& o);
  // Back to reset-like state: SMMUEN=0 (so GBPA applies), queues disabled, GBPA bypass, memory freed. False when
  // one of the acknowledgement handshakes did not complete (every step is still taken).
  [[nodiscard]] bool shutdown();
  bool initialised() const { return strtab_ != 0; }
  const Options& options() const { return opt_; }

  // §6.3.9/6.3.10: write CR0 and wait until CR0ACK reflects it.
  [[nodiscard]] bool set_cr0(uint32_t v);
  // §6.3.14 GBPA update protocol: wait for UPDATE=0, write the fields with UPDATE=1, wait for UPDATE=0.
  [[nodiscard]] bool set_gbpa(uint32_t fields);

  // ---- wired interrupts ----
  // The GIC INTID of a source from the DT (0: the DT names none).
  uint32_t irq_intid(IrqSource s) const;
  // Attaches a handler for every source the DT names (idempotent). False when the GIC refuses one.
  [[nodiscard]] bool attach_irqs();
  void detach_irqs();
  bool irqs_attached() const { return irqs_attached_; }
  // §6.3.16: write SMMU_IRQ_CTRL and wait until SMMU_IRQ_CTRLACK reflects it.
  [[nodiscard]] bool set_irq_ctrl(uint32_t v);
  const IrqRecord& irq_record(IrqSource s) const { return irq_[static_cast<unsigned>(s)]; }
  uint32_t irq_count(IrqSource s) const { return irq_record(s).count; }
  // Waits (bounded) until the source's count exceeds `seen`. Sleeps in wait_for_interrupt between checks.
  [[nodiscard]] bool wait_irq(IrqSource s, uint32_t seen, uint32_t timeout_ms);

  // ---- stream table ----
  uint32_t sid_of(uint16_t rid) const;  // DT iommu-map of the PCI host; identity when the map is empty
  uint64_t strtab_pa() const { return strtab_; }
  unsigned strtab_log2() const { return log2size_; }
  // The STE slot of sid in memory (2-level: allocates the level-2 table, Span = SPLIT+1). nullptr beyond.
  spec::smmuv3::Ste* ste(uint32_t sid);
  // The level-1 descriptor for sid (2-level only).
  spec::smmuv3::L1Std* l1std(uint32_t sid);
  // Publishes an STE: a currently invalid STE is written words 7..1, then word 0 (V) last (§3.21.3).
  // A valid STE is replaced in place the same way, then CMD_CFGI_STE + CMD_SYNC.
  [[nodiscard]] bool write_ste(uint32_t sid, const spec::smmuv3::Ste& s);

  // ---- command queue ----
  unsigned cmdq_entries() const { return 1u << opt_.cmdq_log2; }
  spec::smmuv3::Command* cmdq_slot(unsigned index) const;
  uint32_t cmdq_prod() const { return read32(RegOffset::kCmdqProd); }
  uint32_t cmdq_cons() const { return read32(RegOffset::kCmdqCons); }
  // Writes c at PROD and advances PROD (waits, bounded, while the queue is full).
  [[nodiscard]] bool submit(const spec::smmuv3::Command& c);
  // CMD_SYNC and wait until CONS passes it. False on timeout or when GERROR.CMDQ_ERR becomes active.
  [[nodiscard]] bool sync(uint32_t timeout_ms = 200);
  // The PROD value just after the last submitted command (what CONS reaches when it has been consumed).
  uint32_t cmdq_prod_after_last() const { return cmdq_prod_ptr().value(); }
  // The queue pointers (index + wrap bit, §3.5.1) of the registers as they read now.
  spec::smmuv3::QueuePtr cmdq_prod_ptr() const;
  spec::smmuv3::QueuePtr cmdq_cons_ptr() const;
  [[nodiscard]] bool command(const spec::smmuv3::Command& c) { return submit(c) && sync(); }
  [[nodiscard]] bool cfgi_ste(uint32_t sid);
  [[nodiscard]] bool cfgi_all();
  [[nodiscard]] bool tlbi_all();  // CMD_TLBI_NSNH_ALL (+ CMD_TLBI_EL2_ALL when HYP)

  // ---- event queue ----
  unsigned eventq_entries() const { return 1u << opt_.eventq_log2; }
  spec::smmuv3::EventRecord* eventq_slot(unsigned index) const;
  uint32_t eventq_prod() const { return read32(RegOffset::kEventqProd); }
  uint32_t eventq_cons() const { return read32(RegOffset::kEventqCons); }
  spec::smmuv3::QueuePtr eventq_prod_ptr() const;
  spec::smmuv3::QueuePtr eventq_cons_ptr() const;
  bool event_pending() const;
  bool pop_event(spec::smmuv3::EventRecord& e);
  // The record at CONS without consuming it (false when the queue is empty).
  bool peek_event(spec::smmuv3::EventRecord& e) const;
  // Waits (bounded) for the next record. Interrupt-driven (Options::irq): the record is taken only after
  // the Event queue interrupt announced it; polled otherwise.
  [[nodiscard]] bool wait_event(spec::smmuv3::EventRecord& e, uint32_t timeout_ms = 100);
  size_t drain_events();

  // ---- GERROR ----
  uint32_t gerror_active() const { return (read32(RegOffset::kGerror) ^ read32(RegOffset::kGerrorn)) & spec::smmuv3::kGerrorAllMask; }
  void ack_gerror(uint32_t bits) const;  // GERRORN ^= bits (§6.3.19)

 private:
  void read_event_slot(uint32_t index, spec::smmuv3::EventRecord& e) const;
  bool probe();
  void note_write(uint32_t off, uint64_t v) const;
  void free_memory();
  bool queue_init();
  static void on_irq(void* ctx);

  struct IrqCtx {
    Smmu* smmu;
    IrqSource source;
  };
  IrqCtx irq_ctx_[kIrqSources] = {};
  IrqRecord irq_[kIrqSources] = {};
  bool irqs_attached_ = false;
  uint32_t eventq_irq_seen_ = 0;  // eventq interrupt count when the queue was last seen empty

  kernel::Mmio regs_;
  struct Written {
    uint32_t off;
    uint64_t value;
  };
  static constexpr uint32_t kTracked[] = {RegOffset::kCr0, RegOffset::kCr2, RegOffset::kGbpa, RegOffset::kStrtabBase,
                                          RegOffset::kStrtabBaseCfg};
  mutable Written written_[sizeof(kTracked) / sizeof(kTracked[0])] = {};
  const kernel::IommuDesc* desc_ = nullptr;
  Options opt_{};
  unsigned log2size_ = 0;
  uint64_t strtab_ = 0;
  size_t strtab_bytes_ = 0;
  uint64_t l2_[64] = {};  // 2-level: level-2 tables by level-1 index (only the first 64 L1 entries)
  size_t l2_bytes_ = 0;
  uint64_t cmdq_ = 0, eventq_ = 0;
  size_t cmdq_bytes_ = 0, eventq_bytes_ = 0;
};

// Alignment / size helper: a block from DmaMemory of at least `bytes`, aligned to its size, zeroed.
uint64_t alloc_table(size_t bytes);

}  // namespace drivers::smmuv3
