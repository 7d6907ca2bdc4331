// model::smmuv3 -- the reference SMMUv3 (the hypervisor side of the conformance suite), written from the Arm
// SMMUv3 architecture specification (IHI 0070) and the VMSAv8-64 translation rules (Arm ARM D8).
//
// API
//   Config                 the ID registers the model advertises and obeys (Config::qemu_7_2(), qemu_10_0(), full()).
//   Transaction            {sid, ssid, ssv, iova, write, privileged, instruction, kind}.
//   Outcome                {status: kOk | kFault | kAbort, pa, event (typed 32-byte record), record (written to EVENTQ)}.
//   walk(mem, cfg, gs, t)  the ORACLE: cache-free, side-effect-free outcome from the registers in `gs` and the
//                          structures now in guest memory (walk.h). Smmu::predict(t) is the same with its own registers.
//   Smmu(mem, cfg)         the stateful device: mmio_read32/64, mmio_write32/64 (register file, Page 0 and Page 1),
//                          process_commands() (CMDQ from CONS to PROD; runs automatically on CMDQ_PROD writes unless
//                          set_auto_process(false)), translate(t) (config cache + TLB; faults are written to the event
//                          queue with the queue's full/overflow rules), execute(cmd) (one command, no queue).
//
// Caching policy: the model caches as much as the specification permits, so that missing invalidations are
// observable: a decoded STE+CD stays in use until CMD_CFGI_* removes it, and a TLB entry (tagged with VMID, ASID
// and its global bit) until a CMD_TLBI_* that the specification says covers it. Only valid configuration and
// successful translations are cached. Entries can also be evicted by capacity (direct-mapped), which the
// specification permits at any time; use the oracle when a test needs "the structures as in memory".
//
// Not modelled (never advertised by the presets): EL2/E2H StreamWorlds (IDR0.HYP), Secure state, AArch32
// tables, HTTU, stalls/PRI (CMD_RESUME, CMD_STALL_TERM, CMD_PRI_RESP are CERROR_ILL when unsupported), ATS
// caches (CMD_ATC_INV is CERROR_ILL without IDR0.ATS), 52-bit addresses, VMS, walk caches (so the Leaf bit of
// invalidations never leaves stale table entries behind).
//
// Freestanding-clean: no exceptions, RTTI, heap, or virtual calls on the TLB-hit path.
#pragma once

#include <cstdint>

#include "model/guest_memory.h"
#include "model/smmuv3/types.h"
#include "model/smmuv3/walk.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/events.h"
#include "spec/smmuv3/registers.h"

namespace model::smmuv3 {

class Smmu {
 public:
  static constexpr unsigned kTlbEntries = 1024;  // direct-mapped, indexed by (VMID, VA[..:12])
  static constexpr unsigned kCfgEntries = 256;   // direct-mapped, indexed by (SID, SSV, SSID)

  struct Counters {
    uint64_t tlb_hits = 0, tlb_misses = 0, cfg_hits = 0, cfg_misses = 0;
    uint64_t commands = 0, syncs = 0, msi_writes = 0;
    uint64_t gerror_irqs = 0, eventq_irqs = 0, sync_irqs = 0;
    uint64_t events_written = 0, events_dropped = 0, events_overflowed = 0;
  };

  Smmu(GuestMemory& mem, const Config& config);

  // Reset: registers to their reset values, caches empty.
  void reset();

  uint32_t mmio_read32(uint32_t offset) const;
  uint64_t mmio_read64(uint32_t offset) const;
  void mmio_write32(uint32_t offset, uint32_t value);
  void mmio_write64(uint32_t offset, uint64_t value);

  // Consumes commands from CMDQ_CONS up to CMDQ_PROD (stops at the first error, §4.7.3).
  void process_commands();
  void set_auto_process(bool on) { auto_process_ = on; }

  // Executes one command as if it were at the head of the queue. Returns its error (CERROR_*).
  spec::smmuv3::CmdError execute(const spec::smmuv3::Command& cmd);

  // A DMA through the SMMU, with caches and event recording.
  Outcome translate(const Transaction& txn);
  // The oracle with this SMMU's current registers (no caches, no side effects).
  Outcome predict(const Transaction& txn) const { return Walker(mem_, caps_).run(global_state(), txn); }

  GlobalState global_state() const;
  const Config& config() const { return config_; }
  const Caps& caps() const { return caps_; }
  const Counters& counters() const { return counters_; }
  // True while GERROR[bit] != GERRORN[bit].
  bool gerror_active(uint32_t bit_mask) const { return ((gerror_ ^ gerrorn_) & bit_mask) != 0; }
  // Number of valid TLB / configuration cache entries (for tests and benchmarks).
  unsigned tlb_occupancy() const;
  unsigned cfg_occupancy() const;

 private:
  struct TlbEntry {
    uint64_t va = 0, pa = 0, ipa = 0;
    uint16_t asid = 0, vmid = 0;
    uint8_t size_shift = 0, level = 0, gshift = 0, perms = 0;
    bool valid = false, global = false, s1 = false, s2 = false;
  };
  struct CfgEntry {
    bool valid = false, ssv = false;
    uint32_t sid = 0, ssid = 0;
    ResolvedCfg cfg;
  };
  struct AddrInv;

  void activate_gerror(uint32_t bit_mask);
  void record_event(const spec::smmuv3::EventRecord& e);
  void signal_msi(uint64_t cfg0, uint32_t cfg1, uint32_t gerror_bit);
  void write_cr0(uint32_t v);
  unsigned cmdq_log2() const;
  unsigned eventq_log2() const;

  void invalidate_cfg_sid_range(uint32_t first, uint32_t last);
  void invalidate_cfg_cd(uint32_t sid, uint32_t ssid);
  template <typename Pred>
  void invalidate_tlb(Pred pred);
  spec::smmuv3::CmdError tlbi_by_addr(const spec::smmuv3::Command& c, bool by_asid, bool ipa);

  static unsigned cfg_index(uint32_t sid, bool ssv, uint32_t ssid) {
    return (sid * 0x9e3779b1u ^ (ssv ? ssid * 0x85ebca6bu + 1 : 0)) >> 24 & (kCfgEntries - 1);
  }
  static unsigned tlb_index(uint16_t vmid, uint64_t va) {
    return static_cast<unsigned>(((va >> 12) ^ (uint64_t{vmid} * 0x9e3779b1u)) & (kTlbEntries - 1));
  }

  GuestMemory& mem_;
  Config config_;
  Caps caps_;
  bool auto_process_ = true;
  bool in_process_ = false;

  // Register file.
  uint32_t cr0_ = 0, cr0ack_ = 0, cr1_ = 0, cr2_ = 0, gbpa_ = 0, irq_ctrl_ = 0, gerror_ = 0, gerrorn_ = 0;
  uint64_t gerror_irq_cfg0_ = 0, eventq_irq_cfg0_ = 0, priq_irq_cfg0_ = 0;
  uint32_t gerror_irq_cfg1_ = 0, gerror_irq_cfg2_ = 0, eventq_irq_cfg1_ = 0, eventq_irq_cfg2_ = 0;
  uint32_t priq_irq_cfg1_ = 0, priq_irq_cfg2_ = 0;
  uint64_t strtab_base_ = 0;
  uint32_t strtab_base_cfg_ = 0;
  uint64_t cmdq_base_ = 0, eventq_base_ = 0, priq_base_ = 0;
  uint32_t cmdq_prod_ = 0, cmdq_cons_ = 0, eventq_prod_ = 0, eventq_cons_ = 0, priq_prod_ = 0, priq_cons_ = 0;

  CfgEntry cfg_[kCfgEntries];
  TlbEntry tlb_[kTlbEntries];
  unsigned tlb_valid_ = 0;
  Counters counters_;
};

}  // namespace model::smmuv3
