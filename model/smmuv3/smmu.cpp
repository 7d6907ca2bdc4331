// The stateful SMMUv3 model: register file, queues, commands, caches. See smmu.h.
#include "model/smmuv3/smmu.h"

namespace model::smmuv3 {

namespace sp = spec::smmuv3;
using sp::CmdError;
using sp::Opcode;
using sp::RegOffset;

namespace {

using spec::align_down;
using spec::Halves64;
using spec::low_bits;
using spec::offset_in;

using sp::QueuePtr;

// A register value as its spec type.
template <typename R>
constexpr R as(uint32_t v) {
  R r{};
  r.value = v;
  return r;
}

// The writable fields of the queue index registers (§6.3.26-§6.3.31), everything else RES0.
constexpr uint32_t prod_fields(uint32_t v) { return sp::CmdqProd{}.set_wr(as<sp::CmdqProd>(v).wr()).value; }
constexpr uint32_t cons_fields(uint32_t v) {
  const auto c = as<sp::CmdqCons>(v);
  return sp::CmdqCons{}.set_rd(c.rd()).set_err(c.err()).value;
}
constexpr uint32_t eventq_prod_fields(uint32_t v) {
  const auto p = as<sp::EventqProd>(v);
  return sp::EventqProd{}.set_wr(p.wr()).set_ovflg(p.ovflg()).value;
}
constexpr uint32_t eventq_cons_fields(uint32_t v) {
  const auto c = as<sp::EventqCons>(v);
  return sp::EventqCons{}.set_rd(c.rd()).set_ovackflg(c.ovackflg()).value;
}
// §6.3.14: the attribute fields of SMMU_GBPA (Update is the write protocol, not state).
constexpr uint32_t gbpa_fields(uint32_t v) {
  const auto g = as<sp::Gbpa>(v);
  return sp::Gbpa{}
      .set_memattr(g.memattr())
      .set_mtcfg(g.mtcfg())
      .set_alloccfg(g.alloccfg())
      .set_shcfg(g.shcfg())
      .set_privcfg(g.privcfg())
      .set_instcfg(g.instcfg())
      .set_abort(g.abort())
      .value;
}
// SMMU_GERROR bits (§6.3.18).
constexpr uint32_t kCmdqErr = sp::Gerror{}.set_cmdq_err(1).value;
constexpr uint32_t kEventqAbtErr = sp::Gerror{}.set_eventq_abt_err(1).value;
constexpr uint32_t kMsiCmdqAbtErr = sp::Gerror{}.set_msi_cmdq_abt_err(1).value;
constexpr uint32_t kMsiEventqAbtErr = sp::Gerror{}.set_msi_eventq_abt_err(1).value;
constexpr uint32_t kMsiGerrorAbtErr = sp::Gerror{}.set_msi_gerror_abt_err(1).value;
// The implemented fields of the other registers the model stores (everything else RES0).
constexpr uint64_t kStrtabBaseMask = sp::StrtabBase::addr_mask | sp::StrtabBase::ra_mask;
constexpr uint64_t kQueueBaseMask = sp::QueueBase::addr_mask | sp::QueueBase::ra_wa_mask | sp::QueueBase::log2size_mask;
constexpr uint64_t kIrqCfg0Mask = sp::IrqCfg0::addr_mask;
constexpr uint32_t kIrqCfg2Mask = sp::IrqCfg2::memattr_mask | sp::IrqCfg2::sh_mask;
constexpr uint32_t kStrtabBaseCfgMask =
    sp::StrtabBaseCfg::log2size_mask | sp::StrtabBaseCfg::split_mask | sp::StrtabBaseCfg::fmt_mask;
constexpr uint32_t kCr1Mask = sp::Cr1::queue_ic_mask | sp::Cr1::queue_oc_mask | sp::Cr1::queue_sh_mask |
                              sp::Cr1::table_ic_mask | sp::Cr1::table_oc_mask | sp::Cr1::table_sh_mask;

// One 32-bit half of a 64-bit register (§6.2).
uint64_t set_lo(uint64_t r, uint32_t v) { return Halves64::of(r).set_lo(v).raw(); }
uint64_t set_hi(uint64_t r, uint32_t v) { return Halves64::of(r).set_hi(v).raw(); }
uint32_t lo(uint64_t r) { return static_cast<uint32_t>(Halves64::of(r).lo()); }
uint32_t hi(uint64_t r) { return static_cast<uint32_t>(Halves64::of(r).hi()); }

}  // namespace

Smmu::Smmu(GuestMemory& mem, const Config& config) : mem_(mem), config_(config), caps_(Caps::from(config)) {
  reset();
}

void Smmu::reset() {
  cr0_ = cr0ack_ = cr1_ = cr2_ = 0;
  gbpa_ = gbpa_fields(config_.gbpa_reset);
  irq_ctrl_ = gerror_ = gerrorn_ = 0;
  gerror_irq_cfg0_ = eventq_irq_cfg0_ = priq_irq_cfg0_ = 0;
  gerror_irq_cfg1_ = gerror_irq_cfg2_ = eventq_irq_cfg1_ = eventq_irq_cfg2_ = priq_irq_cfg1_ = priq_irq_cfg2_ = 0;
  strtab_base_ = 0;
  strtab_base_cfg_ = 0;
  cmdq_base_ = eventq_base_ = priq_base_ = 0;
  cmdq_prod_ = cmdq_cons_ = eventq_prod_ = eventq_cons_ = priq_prod_ = priq_cons_ = 0;
  for (auto& e : cfg_) e.valid = false;
  for (auto& e : tlb_) e.valid = false;
  tlb_valid_ = 0;
  counters_ = Counters{};
}

GlobalState Smmu::global_state() const {
  GlobalState gs;
  gs.smmuen = as<sp::Cr0Ack>(cr0ack_).smmuen() != 0;
  gs.gbpa = gbpa_;
  gs.strtab_base = strtab_base_;
  gs.strtab_base_cfg = strtab_base_cfg_;
  gs.recinvsid = as<sp::Cr2>(cr2_).recinvsid() != 0;
  return gs;
}

unsigned Smmu::cmdq_log2() const {
  sp::QueueBase b{};
  b.set_raw(cmdq_base_);
  const unsigned n = static_cast<unsigned>(b.log2size());
  return n < caps_.cmdqs ? n : caps_.cmdqs;
}
unsigned Smmu::eventq_log2() const {
  sp::QueueBase b{};
  b.set_raw(eventq_base_);
  const unsigned n = static_cast<unsigned>(b.log2size());
  return n < caps_.eventqs ? n : caps_.eventqs;
}

// ---------------------------------------------------------------------------------------------------------------
// Register file (§6.3)

uint32_t Smmu::mmio_read32(uint32_t off) const {
  switch (off) {
    case RegOffset::kIdr0: return config_.idr0;
    case RegOffset::kIdr1: return config_.idr1;
    case RegOffset::kIdr2: return config_.idr2;
    case RegOffset::kIdr3: return config_.idr3;
    case RegOffset::kIdr4: return config_.idr4;
    case RegOffset::kIdr5: return config_.idr5;
    case RegOffset::kIidr: return config_.iidr;
    case RegOffset::kAidr: return config_.aidr;
    case RegOffset::kCr0: return cr0_;
    case RegOffset::kCr0Ack: return cr0ack_;
    case RegOffset::kCr1: return cr1_;
    case RegOffset::kCr2: return cr2_;
    case RegOffset::kStatusr: return 0;
    case RegOffset::kGbpa: return gbpa_;  // UPDATE reads 0: the model applies updates immediately
    case RegOffset::kIrqCtrl: return irq_ctrl_;
    case RegOffset::kIrqCtrlAck: return irq_ctrl_;
    case RegOffset::kGerror: return gerror_;
    case RegOffset::kGerrorn: return gerrorn_;
    case RegOffset::kGerrorIrqCfg0: return lo(gerror_irq_cfg0_);
    case RegOffset::kGerrorIrqCfg0 + 4: return hi(gerror_irq_cfg0_);
    case RegOffset::kGerrorIrqCfg1: return gerror_irq_cfg1_;
    case RegOffset::kGerrorIrqCfg2: return gerror_irq_cfg2_;
    case RegOffset::kStrtabBase: return lo(strtab_base_);
    case RegOffset::kStrtabBase + 4: return hi(strtab_base_);
    case RegOffset::kStrtabBaseCfg: return strtab_base_cfg_;
    case RegOffset::kCmdqBase: return lo(cmdq_base_);
    case RegOffset::kCmdqBase + 4: return hi(cmdq_base_);
    case RegOffset::kCmdqProd: return cmdq_prod_;
    case RegOffset::kCmdqCons: return cmdq_cons_;
    case RegOffset::kEventqBase: return lo(eventq_base_);
    case RegOffset::kEventqBase + 4: return hi(eventq_base_);
    case RegOffset::kEventqIrqCfg0: return lo(eventq_irq_cfg0_);
    case RegOffset::kEventqIrqCfg0 + 4: return hi(eventq_irq_cfg0_);
    case RegOffset::kEventqIrqCfg1: return eventq_irq_cfg1_;
    case RegOffset::kEventqIrqCfg2: return eventq_irq_cfg2_;
    case RegOffset::kPriqBase: return lo(priq_base_);
    case RegOffset::kPriqBase + 4: return hi(priq_base_);
    case RegOffset::kPriqIrqCfg0: return lo(priq_irq_cfg0_);
    case RegOffset::kPriqIrqCfg0 + 4: return hi(priq_irq_cfg0_);
    case RegOffset::kPriqIrqCfg1: return priq_irq_cfg1_;
    case RegOffset::kPriqIrqCfg2: return priq_irq_cfg2_;
    case RegOffset::kEventqProd: return eventq_prod_;
    case RegOffset::kEventqCons: return eventq_cons_;
    case RegOffset::kPriqProd: return priq_prod_;
    case RegOffset::kPriqCons: return priq_cons_;
    default: return 0;  // RES0 / unimplemented
  }
}

uint64_t Smmu::mmio_read64(uint32_t off) const {
  return Halves64::of(mmio_read32(off), mmio_read32(off + 4)).raw();
}

void Smmu::write_cr0(uint32_t v) {
  uint32_t implemented = sp::Cr0::smmuen_mask | sp::Cr0::eventqen_mask | sp::Cr0::cmdqen_mask;
  if (caps_.pri) implemented |= sp::Cr0::priqen_mask;
  if (caps_.ats) implemented |= sp::Cr0::atschk_mask;
  const uint32_t old = cr0ack_;
  cr0_ = v & implemented;
  cr0ack_ = cr0_;  // the model completes every CR0 update at once (§6.3.9: CR0ACK follows CR0)
  if (as<sp::Cr0Ack>(cr0ack_).cmdqen() && !as<sp::Cr0Ack>(old).cmdqen()) {
    if (auto_process_) process_commands();
  }
}

void Smmu::mmio_write32(uint32_t off, uint32_t v) {
  const sp::Cr0Ack ack = as<sp::Cr0Ack>(cr0ack_);
  const bool smmuen = ack.smmuen(), cmdqen = ack.cmdqen(), eventqen = ack.eventqen();
  switch (off) {
    case RegOffset::kCr0: write_cr0(v); break;
    case RegOffset::kCr1: cr1_ = v & kCr1Mask; break;
    case RegOffset::kCr2:  // E2H is RES0 without HYP
      cr2_ = sp::Cr2{}.set_recinvsid(as<sp::Cr2>(v).recinvsid()).set_ptm(as<sp::Cr2>(v).ptm()).value;
      break;
    case RegOffset::kGbpa:
      // §6.3.14: the fields change only on a write with UPDATE=1.
      if (as<sp::Gbpa>(v).update()) gbpa_ = gbpa_fields(v);
      break;
    case RegOffset::kIrqCtrl:
      irq_ctrl_ = v & static_cast<uint32_t>(sp::IrqCtrl::gerror_irqen_mask | sp::IrqCtrl::eventq_irqen_mask |
                       (caps_.pri ? sp::IrqCtrl::priq_irqen_mask : 0));
      break;
    case RegOffset::kGerrorn: {
      const bool was_cmdq_err = gerror_active(kCmdqErr);
      gerrorn_ = v & sp::kGerrorAllMask;
      if (was_cmdq_err && !gerror_active(kCmdqErr) && auto_process_) process_commands();
      break;
    }
    case RegOffset::kGerrorIrqCfg0: gerror_irq_cfg0_ = set_lo(gerror_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kGerrorIrqCfg0 + 4: gerror_irq_cfg0_ = set_hi(gerror_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kGerrorIrqCfg1: gerror_irq_cfg1_ = v; break;
    case RegOffset::kGerrorIrqCfg2: gerror_irq_cfg2_ = v & kIrqCfg2Mask; break;
    case RegOffset::kEventqIrqCfg0: eventq_irq_cfg0_ = set_lo(eventq_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kEventqIrqCfg0 + 4: eventq_irq_cfg0_ = set_hi(eventq_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kEventqIrqCfg1: eventq_irq_cfg1_ = v; break;
    case RegOffset::kEventqIrqCfg2: eventq_irq_cfg2_ = v & kIrqCfg2Mask; break;
    case RegOffset::kPriqIrqCfg0: priq_irq_cfg0_ = set_lo(priq_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kPriqIrqCfg0 + 4: priq_irq_cfg0_ = set_hi(priq_irq_cfg0_, v) & kIrqCfg0Mask; break;
    case RegOffset::kPriqIrqCfg1: priq_irq_cfg1_ = v; break;
    case RegOffset::kPriqIrqCfg2: priq_irq_cfg2_ = v & kIrqCfg2Mask; break;
    // The stream table and queue bases may only change while the unit that uses them is disabled; the model
    // ignores writes made while it is enabled (§6.3.23, §6.3.25, §6.3.28).
    case RegOffset::kStrtabBase:
      if (!smmuen) strtab_base_ = set_lo(strtab_base_, v) & kStrtabBaseMask;
      break;
    case RegOffset::kStrtabBase + 4:
      if (!smmuen) strtab_base_ = set_hi(strtab_base_, v) & kStrtabBaseMask;
      break;
    case RegOffset::kStrtabBaseCfg:
      if (!smmuen) strtab_base_cfg_ = v & kStrtabBaseCfgMask;
      break;
    case RegOffset::kCmdqBase:
      if (!cmdqen) cmdq_base_ = set_lo(cmdq_base_, v) & kQueueBaseMask;
      break;
    case RegOffset::kCmdqBase + 4:
      if (!cmdqen) cmdq_base_ = set_hi(cmdq_base_, v) & kQueueBaseMask;
      break;
    case RegOffset::kCmdqProd:
      cmdq_prod_ = prod_fields(v);
      if (auto_process_) process_commands();
      break;
    case RegOffset::kCmdqCons:
      if (!cmdqen) cmdq_cons_ = cons_fields(v);
      break;
    case RegOffset::kEventqBase:
      if (!eventqen) eventq_base_ = set_lo(eventq_base_, v) & kQueueBaseMask;
      break;
    case RegOffset::kEventqBase + 4:
      if (!eventqen) eventq_base_ = set_hi(eventq_base_, v) & kQueueBaseMask;
      break;
    case RegOffset::kEventqProd:
      if (!eventqen) eventq_prod_ = eventq_prod_fields(v);
      break;
    case RegOffset::kEventqCons: eventq_cons_ = eventq_cons_fields(v); break;
    case RegOffset::kPriqBase: priq_base_ = set_lo(priq_base_, v) & kQueueBaseMask; break;
    case RegOffset::kPriqBase + 4: priq_base_ = set_hi(priq_base_, v) & kQueueBaseMask; break;
    case RegOffset::kPriqProd: priq_prod_ = eventq_prod_fields(v); break;  // PRIQ_PROD/CONS: the EVENTQ layout
    case RegOffset::kPriqCons: priq_cons_ = eventq_cons_fields(v); break;
    default: break;  // read-only or RES0: writes ignored
  }
}

void Smmu::mmio_write64(uint32_t off, uint64_t v) {
  mmio_write32(off, lo(v));
  mmio_write32(off + 4, hi(v));
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, interrupts, event queue

void Smmu::signal_msi(uint64_t cfg0, uint32_t cfg1, uint32_t gerror_bit) {
  if (!caps_.msi || (cfg0 & kIrqCfg0Mask) == 0) return;
  if (!mem_.write32(cfg0 & kIrqCfg0Mask, cfg1)) {
    if (gerror_bit) activate_gerror(gerror_bit);
    return;
  }
  ++counters_.msi_writes;
}

// §6.3.18: an error is activated by toggling GERROR[x] only when it is not already active.
void Smmu::activate_gerror(uint32_t bit) {
  if (gerror_active(bit)) return;
  gerror_ ^= bit;
  if (as<sp::IrqCtrl>(irq_ctrl_).gerror_irqen()) {
    ++counters_.gerror_irqs;
    // A failed GERROR MSI is itself reported as MSI_GERROR_ABT_ERR, without a further MSI.
    if (caps_.msi && (gerror_irq_cfg0_ & kIrqCfg0Mask)) {
      if (mem_.write32(gerror_irq_cfg0_ & kIrqCfg0Mask, gerror_irq_cfg1_)) {
        ++counters_.msi_writes;
      } else if (!gerror_active(kMsiGerrorAbtErr)) {
        gerror_ ^= kMsiGerrorAbtErr;
      }
    }
  }
}

// §3.5 / §7.2: records go at EVENTQ_PROD when the queue is enabled and not full. When it is full the record is
// lost and PROD.OVFLG is toggled, unless an earlier overflow is still unacknowledged (OVFLG != CONS.OVACKFLG).
void Smmu::record_event(const sp::EventRecord& e) {
  if (!as<sp::Cr0Ack>(cr0ack_).eventqen()) {
    ++counters_.events_dropped;
    return;
  }
  const unsigned n = eventq_log2();
  const QueuePtr prod(n, eventq_prod_), cons(n, eventq_cons_);
  if (sp::queue_full(prod, cons)) {
    sp::EventqProd p = as<sp::EventqProd>(eventq_prod_);
    if (p.ovflg() == as<sp::EventqCons>(eventq_cons_).ovackflg()) eventq_prod_ = p.set_ovflg(!p.ovflg()).value;
    ++counters_.events_overflowed;
    return;
  }
  sp::EventqBase base{};
  base.set_raw(eventq_base_);
  const uint64_t addr = base.address() + uint64_t{prod.index()} * sizeof(sp::EventRecord);
  if (!mem_.write(addr, e.words.data(), sizeof(sp::EventRecord))) {
    activate_gerror(kEventqAbtErr);
    ++counters_.events_dropped;
    return;
  }
  eventq_prod_ = (prod + 1).in(eventq_prod_);
  ++counters_.events_written;
  if (as<sp::IrqCtrl>(irq_ctrl_).eventq_irqen()) {
    ++counters_.eventq_irqs;
    signal_msi(eventq_irq_cfg0_, eventq_irq_cfg1_, kMsiEventqAbtErr);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Translation with caches

Outcome Smmu::translate(const Transaction& txn) {
  if (!as<sp::Cr0Ack>(cr0ack_).smmuen()) return Walker(mem_, caps_).run(global_state(), txn);
  CfgEntry& ce = cfg_[cfg_index(txn.sid, txn.ssv, txn.ssid)];
  if (ce.valid && ce.sid == txn.sid && ce.ssv == txn.ssv && (!txn.ssv || ce.ssid == txn.ssid)) {
    ++counters_.cfg_hits;
  } else {
    ++counters_.cfg_misses;
    ResolvedCfg rc;
    Outcome out;
    if (!Walker(mem_, caps_).resolve(global_state(), txn, rc, out)) {
      if (out.status == Status::kFault && out.record) record_event(out.event);
      return out;
    }
    ce.valid = true;
    ce.sid = txn.sid;
    ce.ssv = txn.ssv;
    ce.ssid = txn.ssv ? txn.ssid : 0;
    ce.cfg = rc;
  }
  const ResolvedCfg& rc = ce.cfg;
  if (txn.kind == TxnKind::kUntranslated && !rc.abort && (rc.s1 || rc.s2)) {
    // TLB hit path: no virtual calls, one direct-mapped probe.
    const Transaction eff = Walker::effective_attrs(rc.ste, txn);  // STE.PRIVCFG / INSTCFG
    const bool priv = eff.privileged;
    const AccessKind acc = txn.write ? kAccWrite : (eff.instruction ? kAccExec : kAccRead);
    const uint64_t top = spec::vmsa::va_tag(txn.iova);
    bool top_ok = top == 0;
    if (!top_ok && rc.s1) {
      const unsigned sel = spec::vmsa::va_range(txn.iova);
      top_ok = rc.cd.tbi[sel] || top == (sel ? spec::vmsa::kVaTagAllOnes : 0);
    }
    const uint64_t va = spec::vmsa::va_untagged(txn.iova);
    const uint16_t vmid = rc.ste.vmid;
    TlbEntry& e = tlb_[tlb_index(vmid, va)];
    if (top_ok && e.valid && e.vmid == vmid && e.s1 == rc.s1 && e.s2 == rc.s2 &&
        (!rc.s1 || e.global || e.asid == rc.cd.asid) && ((va ^ e.va) >> e.size_shift) == 0 &&
        (e.perms & perm_bit(acc, priv))) {
      ++counters_.tlb_hits;
      return Outcome{Status::kOk, false, e.pa | offset_in(va, e.size_shift), {}};
    }
    ++counters_.tlb_misses;
    TlbFill fill;
    Outcome out = Walker(mem_, caps_).translate(rc, txn, &fill);
    if (out.ok()) {
      TlbEntry& slot = tlb_[tlb_index(vmid, va)];
      if (!slot.valid) ++tlb_valid_;
      slot.va = fill.va;
      slot.pa = fill.pa;
      slot.ipa = fill.ipa;
      slot.asid = rc.s1 ? rc.cd.asid : 0;
      slot.vmid = vmid;
      slot.size_shift = fill.size_shift;
      slot.level = fill.level;
      slot.gshift = fill.gshift;
      slot.perms = fill.perms;
      slot.valid = true;
      slot.global = fill.global;
      slot.s1 = fill.s1;
      slot.s2 = fill.s2;
    } else if (out.status == Status::kFault && out.record) {
      record_event(out.event);
    }
    return out;
  }
  Outcome out = Walker(mem_, caps_).translate(rc, txn, nullptr);
  if (out.status == Status::kFault && out.record) record_event(out.event);
  return out;
}

unsigned Smmu::tlb_occupancy() const { return tlb_valid_; }
unsigned Smmu::cfg_occupancy() const {
  unsigned n = 0;
  for (const auto& e : cfg_) n += e.valid;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Invalidation

void Smmu::invalidate_cfg_sid_range(uint32_t first, uint32_t last) {
  for (auto& e : cfg_) {
    if (e.valid && e.sid >= first && e.sid <= last) e.valid = false;
  }
}

// CMD_CFGI_CD: the cached configurations that used CD `ssid` of StreamID `sid` (a non-substream transaction
// that used CD 0 is covered by SubstreamID 0).
void Smmu::invalidate_cfg_cd(uint32_t sid, uint32_t ssid) {
  for (auto& e : cfg_) {
    if (e.valid && e.sid == sid && e.cfg.cd_used && e.cfg.cd_index == ssid) e.valid = false;
  }
}

template <typename Pred>
void Smmu::invalidate_tlb(Pred pred) {
  if (tlb_valid_ == 0) return;
  for (auto& e : tlb_) {
    if (e.valid && pred(e)) {
      e.valid = false;
      --tlb_valid_;
    }
  }
}

// TLBI by address (§4.4.3 CMD_TLBI_NH_VA and friends, §4.4.1 range semantics).
//   TG == 0 (or no RIL): invalidate the entries whose range contains Address. TTL is ignored.
//   TG != 0: invalidate entries that overlap [Address, Address + (NUM+1) * 2^SCALE * granule), where Address is
//   aligned down to the granule. An entry is only covered when its granule is TG's granule and, when TTL != 0,
//   its leaf level is TTL (4 KiB: TTL 1..3; 16 KiB: TTL 2..3, 0b01 reserved = no hint; 64 KiB: TTL 1..3).
//   Entries of other granules or levels are left alone: the specification makes their invalidation
//   CONSTRAINED UNPREDICTABLE, and a maximally caching model keeps them.
//   Leaf only restricts which walk-cache entries go; the model has no walk cache.
CmdError Smmu::tlbi_by_addr(const sp::Command& c, bool by_asid, bool ipa) {
  const sp::CmdTlbiNhVa& t = static_cast<const sp::CmdTlbiNhVa&>(c);
  const uint16_t vmid = caps_.s2p ? sp::vmid_value(t.vmid(), caps_.vmid16) : 0;
  const uint16_t asid = sp::asid_value(t.asid(), caps_.asid16);
  // §4.4.12: CMD_TLBI_S2_IPA's Address is IPA[51:12]; a VA's top byte (VA[63:56]) takes no part in the match.
  const uint64_t addr = ipa ? offset_in(t.addr(), 52) : spec::vmsa::va_untagged(t.addr());
  const unsigned tg = caps_.ril ? static_cast<unsigned>(t.tg()) : 0;
  uint64_t start, end;
  unsigned gshift = 0, ttl = 0;
  if (tg == 0) {
    start = addr;
    end = addr + 1;
  } else {
    gshift = sp::tlbi_tg_granule_shift(tg);
    start = align_down(addr, gshift);
    const uint64_t pages = (t.num() + 1) << t.scale();  // at most 32 * 2^31
    const uint64_t len = pages << gshift;               // at most 2^52: no overflow
    end = start + len;
    if (end < start) end = ~uint64_t{0};
    ttl = static_cast<unsigned>(t.ttl());
    if (gshift == 14 && ttl == 1) ttl = 0;
  }
  invalidate_tlb([&](const TlbEntry& e) {
    if (e.vmid != vmid) return false;
    if (ipa) {
      if (e.s1 || !e.s2) return false;  // S2_IPA: stage-2-only entries (combined S1+S2 entries are not required)
    } else {
      if (!e.s1) return false;
      if (by_asid && !e.global && e.asid != asid) return false;
    }
    if (gshift != 0 && e.gshift != gshift) return false;
    if (ttl != 0 && e.level != ttl) return false;
    const uint64_t base = ipa ? e.ipa : e.va;
    const uint64_t last = base + low_bits(e.size_shift);
    return base < end && last >= start;
  });
  return CmdError::kNone;
}

// ---------------------------------------------------------------------------------------------------------------
// Commands (§4)

CmdError Smmu::execute(const sp::Command& c) {
  ++counters_.commands;
  // The StreamID and SubstreamID operands, where the command has them (checked per opcode below).
  const auto& operands = static_cast<const sp::CmdStreamOperands&>(c);
  const uint32_t sid = static_cast<uint32_t>(operands.streamid());
  const bool sid_ok = caps_.sidsize >= 32 || uint64_t{sid} < (uint64_t{1} << caps_.sidsize);
  const uint32_t ssid = static_cast<uint32_t>(operands.substreamid());
  const bool ssid_ok = uint64_t{ssid} < (uint64_t{1} << caps_.ssidsize);
  auto vmid_of = [&](uint64_t v) -> uint16_t { return caps_.s2p ? sp::vmid_value(v, caps_.vmid16) : 0; };
  switch (static_cast<Opcode>(c.opcode())) {
    case Opcode::kPrefetchConfig:
    case Opcode::kPrefetchAddr:
      // Prefetches are hints with no architecturally visible effect; the model does not prefetch.
      return sid_ok ? CmdError::kNone : CmdError::kIll;
    case Opcode::kCfgiSte: {
      if (!sid_ok) return CmdError::kIll;
      // The model caches STE and CDs together per (SID, SSID), so an STE invalidation drops the CDs as well.
      invalidate_cfg_sid_range(sid, sid);
      return CmdError::kNone;
    }
    case Opcode::kCfgiSteRange: {
      const sp::CmdCfgiSteRange& r = static_cast<const sp::CmdCfgiSteRange&>(c);
      const unsigned range = static_cast<unsigned>(r.range());
      if (range == 31) {  // CMD_CFGI_ALL
        invalidate_cfg_sid_range(0, 0xffffffffu);
      } else {
        invalidate_cfg_sid_range(r.first_sid(), r.last_sid());
      }
      return CmdError::kNone;
    }
    case Opcode::kCfgiCd:
      if (!sid_ok || !ssid_ok) return CmdError::kIll;
      invalidate_cfg_cd(sid, ssid);
      return CmdError::kNone;
    case Opcode::kCfgiCdAll:
      if (!sid_ok) return CmdError::kIll;
      for (auto& e : cfg_) {
        if (e.valid && e.sid == sid && e.cfg.cd_used) e.valid = false;
      }
      return CmdError::kNone;
    case Opcode::kTlbiNhAll: {
      const uint16_t vmid = vmid_of(static_cast<const sp::CmdTlbiNhAll&>(c).vmid());
      invalidate_tlb([&](const TlbEntry& e) { return e.s1 && e.vmid == vmid; });
      return CmdError::kNone;
    }
    case Opcode::kTlbiNhAsid: {
      const auto& t = static_cast<const sp::CmdTlbiNhAsid&>(c);
      const uint16_t vmid = vmid_of(t.vmid());
      const uint16_t asid = sp::asid_value(t.asid(), caps_.asid16);
      // Global entries are not tagged with an ASID and survive an invalidation by ASID.
      invalidate_tlb([&](const TlbEntry& e) { return e.s1 && !e.global && e.vmid == vmid && e.asid == asid; });
      return CmdError::kNone;
    }
    case Opcode::kTlbiNhVa: return tlbi_by_addr(c, true, false);
    case Opcode::kTlbiNhVaa: return tlbi_by_addr(c, false, false);
    case Opcode::kTlbiS12Vmall: {
      if (!caps_.s2p) return CmdError::kIll;
      const uint16_t vmid = vmid_of(static_cast<const sp::CmdTlbiS12Vmall&>(c).vmid());
      invalidate_tlb([&](const TlbEntry& e) { return e.vmid == vmid; });
      return CmdError::kNone;
    }
    case Opcode::kTlbiS2Ipa:
      if (!caps_.s2p) return CmdError::kIll;
      return tlbi_by_addr(c, false, true);
    case Opcode::kTlbiNsnhAll:
      invalidate_tlb([](const TlbEntry&) { return true; });
      return CmdError::kNone;
    case Opcode::kTlbiEl2All:
    case Opcode::kTlbiEl2Asid:
    case Opcode::kTlbiEl2Va:
    case Opcode::kTlbiEl2Vaa:
      return caps_.hyp ? CmdError::kNone : CmdError::kIll;  // EL2 commands need SMMU_IDR0.HYP
    case Opcode::kTlbiEl3All:
    case Opcode::kTlbiEl3Va:
      return CmdError::kIll;  // Secure-only commands on the Non-secure queue
    case Opcode::kCfgiVmsPidm:
      return CmdError::kIll;  // no VMS
    case Opcode::kAtcInv:
      if (!caps_.ats || !sid_ok) return CmdError::kIll;
      return CmdError::kNone;  // no ATC modelled
    case Opcode::kPriResp:
      if (!caps_.pri || !sid_ok) return CmdError::kIll;
      return CmdError::kNone;
    case Opcode::kResume:
    case Opcode::kStallTerm:
      if (caps_.stall_model == sp::kStallModelTerminateOnly || !sid_ok) return CmdError::kIll;
      return CmdError::kNone;  // no stalled transactions are ever held
    case Opcode::kSync: {
      const auto& s = static_cast<const sp::CmdSync&>(c);
      const unsigned cs = static_cast<unsigned>(s.cs());
      if (cs == 3) return CmdError::kIll;  // reserved CS encoding
      ++counters_.syncs;
      if (cs == sp::kSyncCsIrq) {
        // §4.7.3: with MSIs, completion writes MSIData (32 bits) to MSIAddress; MSIAddress 0 means the wired
        // interrupt. A failed MSI write is MSI_CMDQ_ABT_ERR.
        const uint64_t a = s.msi_address();
        if (caps_.msi && a != 0) {
          if (mem_.write32(a, static_cast<uint32_t>(s.msidata()))) {
            ++counters_.msi_writes;
          } else {
            activate_gerror(kMsiCmdqAbtErr);
          }
        } else {
          ++counters_.sync_irqs;
        }
      }
      return CmdError::kNone;
    }
    default:
      return CmdError::kIll;  // §4.7.3: unknown opcode
  }
}

// §3.5 / §4.7.3: commands are consumed in order from CONS. On an error, CONS stays at the failing command,
// CMDQ_CONS.ERR holds the reason and GERROR.CMDQ_ERR is activated; the queue stops until software acknowledges
// through GERRORN.
void Smmu::process_commands() {
  if (in_process_) return;
  if (!as<sp::Cr0Ack>(cr0ack_).cmdqen() || gerror_active(kCmdqErr)) return;
  in_process_ = true;
  const unsigned n = cmdq_log2();
  sp::CmdqBase base{};
  base.set_raw(cmdq_base_);
  while (!sp::queue_empty(QueuePtr(n, cmdq_prod_), QueuePtr(n, cmdq_cons_))) {
    const uint64_t addr = base.address() + uint64_t{QueuePtr(n, cmdq_cons_).index()} * sizeof(sp::Command);
    sp::Command c;
    CmdError err;
    if (!mem_.read(addr, c.words.data(), sizeof c)) {
      err = CmdError::kAbt;
    } else {
      err = execute(c);
    }
    if (err != CmdError::kNone) {
      cmdq_cons_ = as<sp::CmdqCons>(cmdq_cons_).set_err(static_cast<uint64_t>(err)).value;
      activate_gerror(kCmdqErr);
      break;
    }
    cmdq_cons_ = (QueuePtr(n, cmdq_cons_) + 1).in(cmdq_cons_);
  }
  in_process_ = false;
}

}  // namespace model::smmuv3
