#include "drivers/iommu/smmuv3/smmuv3.h"

#include <cstdio>
#include <cstring>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"
#include "kernel/test.h"

namespace drivers::smmuv3 {

using namespace spec::smmuv3;

namespace {
constexpr uint32_t kAckTimeoutMs = 100;
Smmu g_smmu;
bool g_probed = false, g_present = false;

size_t round_block(size_t bytes) {
  size_t b = kernel::kDmaMinBlock;
  while (b < bytes) b <<= 1;
  return b;
}
}  // namespace

uint64_t alloc_table(size_t bytes) { return kernel::DmaMemory::alloc(round_block(bytes)); }

Smmu* Smmu::get() {
  if (!g_probed) {
    g_probed = true;
    g_present = g_smmu.probe();
  }
  return g_present ? &g_smmu : nullptr;
}

bool Smmu::probe() {
  desc_ = kernel::platform().find_iommu(kernel::IommuKind::kSmmuV3);
  if (!desc_ || desc_->base == 0) return false;
  regs_ = kernel::Mmio(desc_->base);
  for (size_t i = 0; i < sizeof(kTracked) / sizeof(kTracked[0]); ++i) {
    const uint32_t off = kTracked[i];
    const bool wide = off == RegOffset::kStrtabBase;
    written_[i] = Written{off, wide ? read64(off) : read32(off)};
  }
  // An SMMU without AArch64 stage-1 or stage-2 tables is not something this driver can use.
  const Idr0 i0 = idr0();
  return (i0.ttf() & kTtfAArch64) != 0 && (i0.s1p() || i0.s2p());
}

void Smmu::note_write(uint32_t off, uint64_t v) const {
  if (off == RegOffset::kGbpa) {
    Gbpa g{};
    g.value = static_cast<uint32_t>(v);
    if (!g.update()) return;  // §6.3.14.1: a write without Update changes nothing (IGNORED from SMMUv3.2)
  }
  for (Written& w : written_)
    if (w.off == off) w.value = v;
}

uint64_t Smmu::written(uint32_t off) const {
  for (const Written& w : written_)
    if (w.off == off) return w.value;
  return 0;
}

uint32_t Smmu::sid_of(uint16_t rid) const {
  const auto& p = kernel::platform();
  for (size_t i = 0; i < p.iommu_map_count; ++i) {
    const auto& m = p.iommu_map[i];
    if (desc_ && desc_->phandle != 0 && m.iommu_phandle != desc_->phandle) continue;
    if (rid >= m.rid_base && rid - m.rid_base < m.length) return m.iommu_base + (rid - m.rid_base);
  }
  return rid;
}

bool Smmu::set_cr0(uint32_t v) {
  write32(RegOffset::kCr0, v);
  // §6.3.10: a field of CR0 has taken effect once CR0ACK shows it.
  return kernel::wait_until([&] { return read32(RegOffset::kCr0Ack) == v; }, kAckTimeoutMs);
}

bool Smmu::set_irq_ctrl(uint32_t v) {
  write32(RegOffset::kIrqCtrl, v);
  // §6.3.16: each field has CR0/CR0ACK-style Update semantics with SMMU_IRQ_CTRLACK.
  return kernel::wait_until([&] { return read32(RegOffset::kIrqCtrlAck) == v; }, kAckTimeoutMs);
}

uint32_t Smmu::irq_intid(IrqSource s) const { return desc_ ? desc_->irqs[static_cast<unsigned>(s)] : 0; }

void Smmu::on_irq(void* ctx) {
  auto* c = static_cast<IrqCtx*>(ctx);
  Smmu& s = *c->smmu;
  IrqRecord& r = s.irq_[static_cast<unsigned>(c->source)];
  // The register the interrupt announces, read before anything else: §3.18 requires the new queue entry,
  // the CMD_SYNC consumption or the GERROR change to be observable once the interrupt is.
  switch (c->source) {
    case IrqSource::kEventq: r.snapshot = s.read32(RegOffset::kEventqProd); break;
    case IrqSource::kCmdSync: r.snapshot = s.read32(RegOffset::kCmdqCons); break;
    case IrqSource::kGerror: r.snapshot = s.gerror_active(); break;
    case IrqSource::kPriq: r.snapshot = 0; break;
  }
  r.count = r.count + 1;
}

bool Smmu::attach_irqs() {
  if (irqs_attached_) return true;
  for (unsigned i = 0; i < kIrqSources; ++i) {
    irq_ctx_[i] = IrqCtx{this, static_cast<IrqSource>(i)};
    const uint32_t intid = irq_intid(static_cast<IrqSource>(i));
    if (intid == 0) continue;
    // §3.18.2: the wired outputs are pulses (edge-triggered), which is also what the DT flags say.
    if (!arch::irq_attach(intid, on_irq, &irq_ctx_[i], true)) {
      printf("smmuv3: GIC refused INTID %u\n", static_cast<unsigned>(intid));
      for (unsigned k = 0; k < i; ++k)
        if (irq_intid(static_cast<IrqSource>(k))) arch::irq_detach(irq_intid(static_cast<IrqSource>(k)));
      return false;
    }
  }
  irqs_attached_ = true;
  return true;
}

void Smmu::detach_irqs() {
  if (!irqs_attached_) return;
  for (unsigned i = 0; i < kIrqSources; ++i)
    if (const uint32_t intid = irq_intid(static_cast<IrqSource>(i))) arch::irq_detach(intid);
  irqs_attached_ = false;
}

bool Smmu::wait_irq(IrqSource s, uint32_t seen, uint32_t timeout_ms) {
  const uint64_t end = arch::now_ns() + uint64_t{timeout_ms} * 1000000u;
  // The 1 kHz tick bounds each sleep, so the deadline is honoured without busy polling.
  while (irq_count(s) == seen) {
    if (arch::now_ns() >= end) return irq_count(s) != seen;
    arch::wait_for_interrupt();
  }
  return true;
}

bool Smmu::set_gbpa(uint32_t fields) {
  Gbpa g{};
  // §6.3.14: a write is only allowed when UPDATE reads 0; it is complete when UPDATE reads 0 again.
  auto updated = [&] { return reg<Gbpa>(RegOffset::kGbpa).update() == 0; };
  if (!kernel::wait_until(updated, kAckTimeoutMs)) return false;
  g.value = fields;
  g.set_update(1);
  write32(RegOffset::kGbpa, g.value);
  return kernel::wait_until(updated, kAckTimeoutMs);
}

void Smmu::free_memory() {
  if (strtab_) kernel::DmaMemory::free(strtab_, round_block(strtab_bytes_));
  for (auto& l2 : l2_) {
    if (l2) kernel::DmaMemory::free(l2, round_block(l2_bytes_));
    l2 = 0;
  }
  if (cmdq_) kernel::DmaMemory::free(cmdq_, round_block(cmdq_bytes_));
  if (eventq_) kernel::DmaMemory::free(eventq_, round_block(eventq_bytes_));
  strtab_ = cmdq_ = eventq_ = 0;
}

bool Smmu::init(const Options& o) {
  // Step 1: stop translation and the queues (CR0 = 0, acknowledged) before any base register changes:
  // §6.3.24/26/29 say the table and queue base registers may only be written while the unit is disabled.
  if (!set_cr0(0)) {
    printf("smmuv3: CR0ACK did not clear\n");
    return false;
  }
  // Interrupt sources off (acknowledged) before the queues they announce are rebuilt (§6.3.16).
  if (!set_irq_ctrl(0)) {
    printf("smmuv3: IRQ_CTRLACK did not clear\n");
    return false;
  }
  free_memory();
  opt_ = o;
  const Idr1 i1 = idr1();
  // Stream table size: cover every endpoint's StreamID unless the test asked for a size.
  unsigned log2 = o.strtab_log2;
  if (log2 == 0) {
    log2 = 8;
    for (size_t i = 0; i < drivers::endpoint_count(); ++i) {
      const uint32_t sid = sid_of(drivers::endpoint(i)->rid());
      while (log2 < 16 && (sid >> log2) != 0) ++log2;
    }
  }
  if (log2 > i1.sidsize()) log2 = static_cast<unsigned>(i1.sidsize());
  log2size_ = log2;
  if (o.cmdq_log2 > i1.cmdqs()) opt_.cmdq_log2 = static_cast<unsigned>(i1.cmdqs());
  if (o.eventq_log2 > i1.eventqs()) opt_.eventq_log2 = static_cast<unsigned>(i1.eventqs());

  // Step 2: table/queue attributes. Our memory is Normal WB inner-shareable, so say so (§6.3.11).
  Cr1 cr1{};
  cr1.set_queue_ic(1).set_queue_oc(1).set_queue_sh(3).set_table_ic(1).set_table_oc(1).set_table_sh(3);
  write32(RegOffset::kCr1, cr1.value);
  Cr2 cr2{};
  cr2.set_recinvsid(1);  // record C_BAD_STREAMID (§6.3.12)
  write32(RegOffset::kCr2, cr2.value);

  // Step 3: stream table.
  StrtabBaseCfg cfg{};
  cfg.set_log2size(log2);
  if (o.two_level) {
    if (idr0().st_level() != 1) return false;
    const unsigned l1_entries = log2 > o.split ? 1u << (log2 - o.split) : 1u;
    strtab_bytes_ = l1_entries * 8 < 64 ? 64 : l1_entries * 8;
    l2_bytes_ = (size_t{1} << o.split) * 64;
    cfg.set_fmt(kStrtabFmt2Level).set_split(o.split);
  } else {
    strtab_bytes_ = (size_t{1} << log2) * 64;
    cfg.set_fmt(kStrtabFmtLinear);
  }
  strtab_ = alloc_table(strtab_bytes_);
  if (!strtab_) return false;
  StrtabBase base{};
  base.set_address(strtab_).set_ra(1);
  write64(RegOffset::kStrtabBase, base.raw());
  write32(RegOffset::kStrtabBaseCfg, cfg.value);
  return queue_init();
}

bool Smmu::queue_init() {
  // Step 4: command queue, empty (PROD == CONS == 0), then CMDQEN.
  cmdq_bytes_ = size_t{16} << opt_.cmdq_log2;
  eventq_bytes_ = size_t{32} << opt_.eventq_log2;
  cmdq_ = alloc_table(cmdq_bytes_);
  eventq_ = alloc_table(eventq_bytes_);
  if (!cmdq_ || !eventq_) return false;
  QueueBase q{};
  q.set_address(cmdq_).set_log2size(opt_.cmdq_log2).set_ra_wa(1);
  write64(RegOffset::kCmdqBase, q.raw());
  write32(RegOffset::kCmdqProd, 0);
  write32(RegOffset::kCmdqCons, 0);
  Cr0 cr0{};
  cr0.set_cmdqen(1);
  arch::dma_wmb();
  if (!set_cr0(cr0.value)) return false;
  // Step 5: nothing cached from before may survive (§3.21: caches are not cleared by disabling the SMMU).
  if (!cfgi_all() || !tlbi_all()) return false;
  // Step 6: event queue, empty, then EVENTQEN.
  QueueBase e{};
  e.set_address(eventq_).set_log2size(opt_.eventq_log2).set_ra_wa(1);
  write64(RegOffset::kEventqBase, e.raw());
  write32(RegOffset::kEventqProd, 0);
  write32(RegOffset::kEventqCons, 0);
  cr0.set_eventqen(1);
  if (!set_cr0(cr0.value)) return false;
  // Step 7 (interrupt-driven only): handlers on the GIC first, then the sources on (§6.3.16: an interrupt
  // relates only to occurrences after the enable completed, so nothing is lost by enabling last).
  if (opt_.irq) {
    if (!attach_irqs()) return false;
    IrqCtrl ic{};
    ic.set_gerror_irqen(1).set_eventq_irqen(1);
    if (!set_irq_ctrl(ic.value)) return false;
  }
  eventq_irq_seen_ = irq_count(IrqSource::kEventq);
  // Step 8: translation on.
  if (opt_.enable) {
    cr0.set_smmuen(1);
    if (!set_cr0(cr0.value)) return false;
  }
  return true;
}

bool Smmu::shutdown() {
  bool ok = set_irq_ctrl(0);
  detach_irqs();
  ok &= set_cr0(0);
  ok &= set_gbpa(0);  // bypass, incoming attributes
  // Active global errors would otherwise greet the next user.
  ack_gerror(gerror_active());
  free_memory();
  strtab_bytes_ = 0;
  return ok;
}

Ste* Smmu::ste(uint32_t sid) {
  if (!strtab_ || (log2size_ < 32 && (uint64_t{sid} >> log2size_) != 0)) return nullptr;
  if (!opt_.two_level) return kernel::DmaMemory::ptr<Ste>(strtab_ + uint64_t{sid} * 64);
  const uint32_t l1 = strtab_l1_index(sid, opt_.split);
  if (l1 >= 64) return nullptr;
  L1Std* d = l1std(sid);
  if (!l2_[l1]) {
    l2_[l1] = alloc_table(l2_bytes_);
    if (!l2_[l1]) return nullptr;
    L1Std n{};
    n.set_l2_address(l2_[l1]).set_span(opt_.split + 1);  // 2^(Span-1) = 2^SPLIT STEs (§5.1)
    arch::dma_wmb();
    d->words[0] = n.words[0];
    arch::dma_wmb();
    // The L1 descriptor may be cached: CFGI_STE of any StreamID it covers refetches it (§4.3.1).
    if (!cfgi_ste(sid)) return nullptr;
  }
  return kernel::DmaMemory::ptr<Ste>(l2_[l1] + uint64_t{strtab_l2_index(sid, opt_.split)} * 64);
}

L1Std* Smmu::l1std(uint32_t sid) {
  if (!strtab_ || !opt_.two_level) return nullptr;
  return kernel::DmaMemory::ptr<L1Std>(strtab_ + uint64_t{strtab_l1_index(sid, opt_.split)} * 8);
}

bool Smmu::write_ste(uint32_t sid, const Ste& s) {
  Ste* slot = ste(sid);
  if (!slot) return false;
  volatile uint64_t* w = slot->words.data();
  Ste current;
  current.words[0] = w[0];
  const bool was_valid = current.v() != 0;
  if (was_valid) {
    // §3.21.3.1: a valid STE may only be changed in ways the SMMU tolerates seeing half-done. Make it
    // invalid first (word 0 single-copy atomically), invalidate, then build the new one.
    w[0] = 0;
    arch::dma_wmb();
    if (!cfgi_ste(sid)) return false;
  }
  for (int i = 7; i >= 1; --i) w[i] = s.words[i];
  arch::dma_wmb();
  w[0] = s.words[0];  // V last
  arch::dma_wmb();
  return cfgi_ste(sid);
}

Command* Smmu::cmdq_slot(unsigned index) const {
  return kernel::DmaMemory::ptr<Command>(cmdq_ + uint64_t{index & (cmdq_entries() - 1)} * 16);
}

QueuePtr Smmu::cmdq_prod_ptr() const { return QueuePtr(opt_.cmdq_log2, cmdq_prod()); }
QueuePtr Smmu::cmdq_cons_ptr() const { return QueuePtr(opt_.cmdq_log2, cmdq_cons()); }
QueuePtr Smmu::eventq_prod_ptr() const { return QueuePtr(opt_.eventq_log2, eventq_prod()); }
QueuePtr Smmu::eventq_cons_ptr() const { return QueuePtr(opt_.eventq_log2, eventq_cons()); }

bool Smmu::submit(const Command& c) {
  if (!kernel::wait_until([&] { return !queue_full(cmdq_prod_ptr(), cmdq_cons_ptr()); }, 200)) return false;
  const QueuePtr prod = cmdq_prod_ptr();
  Command* slot = cmdq_slot(prod.index());
  slot->words[0] = c.words[0];
  slot->words[1] = c.words[1];
  // The entry must be visible to the SMMU before PROD says it is there.
  arch::dma_wmb();
  write32(RegOffset::kCmdqProd, (prod + 1).value());
  return true;
}

bool Smmu::sync(uint32_t timeout_ms) {
  CmdSync s;
  s.set_cs(kSyncCsNone);
  if (!submit(s)) return false;
  const QueuePtr target = cmdq_prod_ptr();
  auto cmdq_err = [&] {
    Gerror g{};
    g.value = gerror_active();
    return g.cmdq_err() != 0;
  };
  // Consumed when CONS reaches the PROD value written after the CMD_SYNC (the queue drained up to it).
  const bool done = kernel::wait_until([&] { return cmdq_cons_ptr() == target || cmdq_err(); }, timeout_ms);
  return done && !cmdq_err();
}

bool Smmu::cfgi_ste(uint32_t sid) {
  CmdCfgiSte c;
  c.set_streamid(sid).set_leaf(0);
  return command(c);
}

bool Smmu::cfgi_all() { return command(CmdCfgiAll{}); }

bool Smmu::tlbi_all() {
  if (!submit(CmdTlbiNsnhAll{})) return false;
  if (idr0().hyp() && !submit(CmdTlbiEl2All{})) return false;
  return sync();
}

EventRecord* Smmu::eventq_slot(unsigned index) const {
  return kernel::DmaMemory::ptr<EventRecord>(eventq_ + uint64_t{index & (eventq_entries() - 1)} * 32);
}

bool Smmu::event_pending() const { return !queue_empty(eventq_prod_ptr(), eventq_cons_ptr()); }

bool Smmu::pop_event(EventRecord& e) {
  // Read the interrupt count before PROD: an interrupt for a record after this point counts as new.
  const uint32_t irqs = irq_count(IrqSource::kEventq);
  if (!eventq_ || !event_pending()) {
    eventq_irq_seen_ = irqs;
    return false;
  }
  const uint32_t cons_reg = eventq_cons();
  const QueuePtr cons(opt_.eventq_log2, cons_reg);
  read_event_slot(cons.index(), e);
  // Keep the overflow acknowledgement as it is (software copies OVFLG into OVACKFLG deliberately).
  write32(RegOffset::kEventqCons, (cons + 1).in(cons_reg));
  if (!event_pending()) eventq_irq_seen_ = irqs;
  return true;
}

bool Smmu::peek_event(EventRecord& e) const {
  if (!eventq_ || !event_pending()) return false;
  read_event_slot(QueuePtr(opt_.eventq_log2, eventq_cons()).index(), e);
  return true;
}

void Smmu::read_event_slot(uint32_t index, EventRecord& e) const {
  arch::dma_rmb();  // the record is complete once PROD covers it
  const EventRecord* slot = eventq_slot(index);
  for (int i = 0; i < 4; ++i) e.words[i] = reinterpret_cast<const volatile uint64_t*>(slot->words.data())[i];
}

bool Smmu::wait_event(EventRecord& e, uint32_t timeout_ms) {
  if (opt_.irq && irqs_attached_ && irq_intid(IrqSource::kEventq) != 0) {
    // Interrupt-driven: a record in a queue that was empty must be announced by the Event queue
    // interrupt (§3.18.2 "transitions from empty to non-empty"); without it the record is not taken.
    if (!wait_irq(IrqSource::kEventq, eventq_irq_seen_, timeout_ms)) {
      if (event_pending())
        printf("# smmuv3: an event record is in the queue but the Event queue interrupt (INTID %u) never came\n",
               static_cast<unsigned>(irq_intid(IrqSource::kEventq)));
      return false;
    }
    return pop_event(e);
  }
  if (!kernel::wait_until([&] { return event_pending(); }, timeout_ms)) return false;
  return pop_event(e);
}

size_t Smmu::drain_events() {
  size_t n = 0;
  EventRecord e;
  while (n < 4096 && pop_event(e)) ++n;
  return n;
}

void Smmu::ack_gerror(uint32_t bits) const {
  if (bits == 0) return;
  write32(RegOffset::kGerrorn, read32(RegOffset::kGerrorn) ^ bits);
}

}  // namespace drivers::smmuv3
