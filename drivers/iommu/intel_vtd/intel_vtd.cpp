#include "drivers/iommu/intel_vtd/intel_vtd.h"

#include <cstdarg>
#include <cstdio>

#include "kernel/dma_memory.h"
#include "kernel/platform.h"
#include "kernel/test.h"

namespace drivers::intel_vtd {

namespace {
IntelVtd g_unit;
bool g_tried = false, g_ok = false;
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

IntelVtd* IntelVtd::get() {
  if (!g_tried) {
    g_tried = true;
    g_ok = g_unit.init();
  }
  return g_ok ? &g_unit : nullptr;
}

void IntelVtd::fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(error_, sizeof error_, fmt, ap);
  va_end(ap);
}

bool IntelVtd::init() {
  if (!parse_dmar(dmar_) || dmar_.drhd_count == 0 || dmar_.drhds[0].register_base == 0) return false;
  mmio_ = kernel::Mmio(dmar_.drhds[0].register_base);
  cap_.set_raw(read(s::reg::kCap));
  ecap_.set_raw(read(s::reg::kEcap));
  if (cap_.raw() == ~uint64_t{0}) return false;  // no register set at the reported base

  // The root table (one page, 256 root entries), the context tables of the buses the endpoints sit on, the
  // invalidation queue and the word invalidation waits write their status to.
  root_ = kernel::DmaMemory::alloc(4096);
  for (uint64_t& c : ctx_) c = kernel::DmaMemory::alloc(4096);
  iq_ = kernel::DmaMemory::alloc(kQueueBytes);
  status_ = kernel::DmaMemory::alloc(4096);
  if (!root_ || !iq_ || !status_) return false;
  for (uint64_t c : ctx_)
    if (!c) return false;
  return recover();
}

bool IntelVtd::supports_agaw(unsigned agaw) const {
  if (agaw < 39 || (agaw - 30) % 9 != 0) return false;
  return (cap_.sagaw() >> s::aw_for_agaw(agaw)) & 1;
}

unsigned IntelVtd::max_agaw() const {
  for (unsigned agaw = 57; agaw >= 39; agaw -= 9)
    if (supports_agaw(agaw)) return agaw;
  return 0;
}

bool IntelVtd::supports_large_page(unsigned level) const { return s::sllps_allows(cap_.sllps(), level); }

uint64_t IntelVtd::read(s::Mmio r) const { return r.bytes == 8 ? mmio_.read64(r.offset) : mmio_.read32(r.offset); }

void IntelVtd::write(s::Mmio r, uint64_t v) const {
  if (r.bytes == 8) mmio_.write64(r.offset, v);
  else mmio_.write32(r.offset, static_cast<uint32_t>(v));
}

s::Gsts IntelVtd::gsts() const {
  s::Gsts g;
  g.value = static_cast<uint32_t>(read(s::reg::kGsts));
  return g;
}

s::Fsts IntelVtd::fsts() const {
  s::Fsts f;
  f.value = static_cast<uint32_t>(read(s::reg::kFsts));
  return f;
}

// ---- Global command ----

bool IntelVtd::wait_gsts(uint32_t mask, uint32_t want, const char* what) {
  if (kernel::wait_until([&] { return (gsts().value & mask) == want; }, kWaitMs)) return true;
  fail("%s: GSTS 0x%08x, waited %u ms for GSTS & 0x%08x == 0x%08x", what, gsts().value, kWaitMs, mask, want);
  return false;
}

bool IntelVtd::global_command(uint32_t set, uint32_t clear, uint32_t mask, uint32_t want, const char* what) {
  // The persistent enables have their status bits at the same positions: keep the ones now on.
  const uint32_t keep = gsts().value & s::Gcmd::kPersistent & ~clear;
  write(s::reg::kGcmd, keep | set);
  return wait_gsts(mask, want, what);
}

bool IntelVtd::set_root_table(uint64_t pa, s::Ttm ttm) {
  s::Rtaddr rt;
  rt.set_rta(pa).set_ttm(static_cast<uint64_t>(ttm));
  write(s::reg::kRtaddr, rt.raw());
  return global_command(s::Gcmd::srtp_mask, 0, s::Gsts::rtps_mask, s::Gsts::rtps_mask, "SRTP (root table pointer)");
}

bool IntelVtd::set_translation(bool on) {
  return global_command(on ? s::Gcmd::te_mask : 0, on ? 0 : s::Gcmd::te_mask, s::Gsts::tes_mask,
                        on ? s::Gsts::tes_mask : 0, on ? "TE=1 (translation enable)" : "TE=0 (translation disable)");
}

bool IntelVtd::set_queued_invalidation(bool on) {
  if (on) {
    // IQA with IQH and IQT reset by the write ("writing to this register causes the Invalidation Queue Head and
    // Invalidation Queue Tail registers to be reset to 0h"); IQT written as well for units that do not.
    s::Iqa iqa;
    iqa.set_base(iq_).set_qs(kQueueSizeField).set_dw(static_cast<uint64_t>(want_dw_));
    write(s::reg::kIqa, iqa.raw());
    write(s::reg::kIqt, 0);
    tail_ = 0;
    queue_dw_ = want_dw_;
  }
  return global_command(on ? s::Gcmd::qie_mask : 0, on ? 0 : s::Gcmd::qie_mask, s::Gsts::qies_mask,
                        on ? s::Gsts::qies_mask : 0, on ? "QIE=1 (queued invalidation enable)" : "QIE=0");
}

bool IntelVtd::flush_write_buffer() {
  if (!cap_.rwbf()) return true;  // "software should explicitly flush" only when RWBF says so
  return global_command(s::Gcmd::wbf_mask, 0, s::Gsts::wbfs_mask, 0, "WBF (write buffer flush)");
}

bool IntelVtd::set_interrupt_remap_table(uint64_t irta) {
  write(s::reg::kIrta, irta);
  return global_command(s::Gcmd::sirtp_mask, 0, s::Gsts::irtps_mask, s::Gsts::irtps_mask,
                        "SIRTP (interrupt remapping table pointer)");
}

bool IntelVtd::set_interrupt_remapping(bool on) {
  return global_command(on ? s::Gcmd::ire_mask : 0, on ? 0 : s::Gcmd::ire_mask, s::Gsts::ires_mask,
                        on ? s::Gsts::ires_mask : 0, on ? "IRE=1 (interrupt remapping enable)" : "IRE=0");
}

// ---- Root and context tables ----

s::RootEntry IntelVtd::root_entry(uint8_t bus) const {
  const volatile uint64_t* p = kernel::DmaMemory::ptr<volatile uint64_t>(root_ + bus * s::RootEntry::kBytes);
  s::RootEntry e;
  e.words[0] = p[0];
  e.words[1] = p[1];
  return e;
}

void IntelVtd::write_root_entry(uint8_t bus, const s::RootEntry& e) const {
  volatile uint64_t* p = kernel::DmaMemory::ptr<volatile uint64_t>(root_ + bus * s::RootEntry::kBytes);
  p[1] = e.words[1];
  p[0] = e.words[0];
}

volatile uint64_t* IntelVtd::context_slot(uint16_t sid) const {
  const uint64_t table = context_table(bus_of(sid));
  if (!table) return nullptr;
  return kernel::DmaMemory::ptr<volatile uint64_t>(table + devfn_of(sid) * s::ContextEntry::kBytes);
}

s::ContextEntry IntelVtd::context_entry(uint16_t sid) const {
  s::ContextEntry e;
  if (const volatile uint64_t* p = context_slot(sid)) {
    e.words[0] = p[0];
    e.words[1] = p[1];
  }
  return e;
}

void IntelVtd::write_context_entry_raw(uint16_t sid, const s::ContextEntry& e) const {
  volatile uint64_t* p = context_slot(sid);
  if (!p) return;
  // The entry is 128 bits and stores are 64: the word with P goes last, so the unit never sees P=1 with a
  // half-written entry.
  p[1] = e.words[1];
  p[0] = e.words[0];
}

bool IntelVtd::replace_context_entry_atomic(uint16_t sid, const s::ContextEntry& e) const {
#if defined(__x86_64__)
  volatile uint64_t* p = context_slot(sid);
  if (!p) return false;
  uint64_t lo = p[0], hi = p[1];
  bool swapped = false;
  // A lost race only means the entry changed under us (nobody else writes it): retry with what is there now.
  for (int tries = 0; !swapped && tries < 4; ++tries)
    asm volatile("lock cmpxchg16b %[m]\n\tsete %[ok]"
                 : [m] "+m"(*reinterpret_cast<volatile unsigned __int128*>(p)), "+a"(lo), "+d"(hi), [ok] "=q"(swapped)
                 : "b"(e.words[0]), "c"(e.words[1])
                 : "memory", "cc");
  return swapped;
#else
  (void)sid;
  (void)e;
  return false;
#endif
}

bool IntelVtd::set_context_entry(uint16_t sid, const s::ContextEntry& e) {
  if (!context_slot(sid)) {
    fail("source-id %04x: bus %u has no context table (the driver keeps %u)", sid, bus_of(sid), kBuses);
    return false;
  }
  const s::ContextEntry old = context_entry(sid);
  write_context_entry_raw(sid, e);
  // The cached context entry of the device (tagged with the DID it had: the old one when it was present) and the
  // translations of its old and new domain go.
  const auto did_new = static_cast<uint16_t>(e.did()), did_old = static_cast<uint16_t>(old.did());
  bool ok = flush_write_buffer() && invalidate_context(s::Granularity::kSelective, old.p() ? did_old : did_new, sid);
  ok = ok && invalidate_iotlb(s::Granularity::kDomain, did_new);
  if (ok && old.p() && did_old != did_new) ok = invalidate_iotlb(s::Granularity::kDomain, did_old);
  return ok;
}

bool IntelVtd::clear_context_entry(uint16_t sid) {
  volatile uint64_t* p = context_slot(sid);
  if (!p) return true;
  const s::ContextEntry old = context_entry(sid);
  p[0] = 0;  // P first
  p[1] = 0;
  const auto did = static_cast<uint16_t>(old.did());
  return flush_write_buffer() && invalidate_context(s::Granularity::kSelective, did, sid) &&
         invalidate_iotlb(s::Granularity::kDomain, did);
}

// ---- Invalidation ----

bool IntelVtd::invalidate_context(s::Granularity g, uint16_t did, uint16_t sid, uint8_t fm) {
  if (!queued_invalidation_enabled()) return register_invalidate_context(g, did, sid, fm);
  s::ContextCacheInv d;
  d.set_g(static_cast<uint64_t>(g)).set_did(did).set_sid(sid).set_fm(fm);
  queue(d);
  return queue_sync();
}

bool IntelVtd::invalidate_iotlb(s::Granularity g, uint16_t did, uint64_t addr, unsigned am, bool ih) {
  if (g == s::Granularity::kSelective && !cap_.psi()) g = s::Granularity::kDomain;  // no page-selective support
  if (!queued_invalidation_enabled()) return register_invalidate_iotlb(g, did, addr, am, ih);
  s::IotlbInv d;
  d.set_g(static_cast<uint64_t>(g)).set_did(did).set_dr(cap_.drd()).set_dw(cap_.dwd());
  if (g == s::Granularity::kSelective) d.set_addr(addr).set_am(am).set_ih(ih);
  queue(d);
  return queue_sync();
}

bool IntelVtd::register_invalidate_context(s::Granularity g, uint16_t did, uint16_t sid, uint8_t fm,
                                           uint64_t* actual) {
  s::Ccmd c;
  c.set_icc(1).set_cirg(static_cast<uint64_t>(g)).set_did(did).set_sid(sid).set_fm(fm);
  write(s::reg::kCcmd, c.raw());
  s::Ccmd now;
  const bool done = kernel::wait_until([&] { return now.set_raw(read(s::reg::kCcmd)), !now.icc(); }, kWaitMs);
  if (actual) *actual = now.caig();
  if (!done)
    fail("CCMD (%s, DID %u, SID %04x): ICC still set after %u ms (CCMD 0x%llx)", s::granularity_name(c.cirg()), did,
         sid, kWaitMs, ull(now.raw()));
  return done;
}

bool IntelVtd::register_invalidate_iotlb(s::Granularity g, uint16_t did, uint64_t addr, unsigned am, bool ih,
                                         uint64_t* actual) {
  if (g == s::Granularity::kSelective) {
    s::Iva iva;
    iva.set_addr(addr).set_am(am).set_ih(ih);
    write(iva_reg(), iva.raw());
  }
  s::IotlbReg r;
  r.set_ivt(1).set_iirg(static_cast<uint64_t>(g)).set_did(did).set_dr(cap_.drd()).set_dw(cap_.dwd());
  write(iotlb_reg(), r.raw());
  s::IotlbReg now;
  const bool done = kernel::wait_until([&] { return now.set_raw(read(iotlb_reg())), !now.ivt(); }, kWaitMs);
  if (actual) *actual = now.iaig();
  if (!done)
    fail("IOTLB_REG (%s, DID %u, addr 0x%llx, AM %u): IVT still set after %u ms (IOTLB_REG 0x%llx)",
         s::granularity_name(r.iirg()), did, ull(addr), am, kWaitMs, ull(now.raw()));
  return done;
}

bool IntelVtd::set_queue_width(s::DescriptorWidth w) {
  // 256-bit descriptors carry the PASID-granular types, which exist only with scalable-mode support (the model and
  // QEMU ignore IQA.DW without ECAP.SMTS).
  if (w == s::DescriptorWidth::k256 && !ecap_.smts()) {
    fail("256-bit descriptors need ECAP.SMTS (ECAP 0x%llx)", ull(ecap_.raw()));
    return false;
  }
  want_dw_ = w;
  return true;
}

// The descriptor's words into the slot at the tail, the rest of a 256-bit slot zeroed, then IQT past it: the unit
// may fetch as soon as IQT moves, so the slot is complete first.
void IntelVtd::put_descriptor(const uint64_t* words, unsigned count) {
  const unsigned slot_words = descriptor_bytes() / 8;
  volatile uint64_t* slot = kernel::DmaMemory::ptr<volatile uint64_t>(iq_ + tail_);
  for (unsigned i = 0; i < slot_words; ++i) slot[i] = i < count ? words[i] : 0;
  tail_ = (tail_ + descriptor_bytes()) % kQueueBytes;
  s::Iqt t;
  t.set_byte_offset(tail_);
  write(s::reg::kIqt, t.raw());
}

void IntelVtd::queue_raw(uint64_t lo, uint64_t hi) {
  const uint64_t w[2] = {lo, hi};
  put_descriptor(w, 2);
}

void IntelVtd::queue_raw256(const s::Descriptor256& d) { put_descriptor(d.words.data(), 4); }

void IntelVtd::queue(const s::Descriptor& d) { queue_raw(d.words[0], d.words[1]); }

bool IntelVtd::need_wide_queue(const char* what) {
  if (queued_invalidation_enabled() && queue_wide()) return true;
  fail("%s: needs queued invalidation with 256-bit descriptors (GSTS.QIES %u, IQA.DW %u)", what,
       static_cast<unsigned>(queued_invalidation_enabled()), static_cast<unsigned>(queue_wide()));
  return false;
}

bool IntelVtd::invalidate_pasid_cache(s::PasidCacheGranularity g, uint16_t did, uint32_t pasid) {
  if (!need_wide_queue("pc_inv_dsc")) return false;
  s::PasidCacheInv d;
  d.set_g(static_cast<uint64_t>(g)).set_did(did);
  if (g == s::PasidCacheGranularity::kPasid) d.set_pasid(pasid);
  queue_raw256(s::Descriptor256::of(d));
  return queue_sync();
}

bool IntelVtd::invalidate_piotlb(s::PasidIotlbGranularity g, uint16_t did, uint32_t pasid, uint64_t addr, unsigned am,
                                 bool ih) {
  if (!need_wide_queue("p_iotlb_inv_dsc")) return false;
  s::PasidIotlbInv d;
  d.set_g(static_cast<uint64_t>(g)).set_did(did).set_pasid(pasid);
  if (g == s::PasidIotlbGranularity::kPageInPasid) d.set_addr(addr).set_am(am).set_ih(ih);
  queue_raw256(s::Descriptor256::of(d));
  return queue_sync();
}

bool IntelVtd::queue_sync() {
  volatile uint32_t* status = kernel::DmaMemory::ptr<volatile uint32_t>(status_);
  const uint32_t token = ++token_ == 0 ? ++token_ : token_;
  *status = 0;
  s::InvWait w;
  w.set_sw(1).set_status_data(token).set_status_addr(status_);
  queue(w);
  bool iqe = false;
  const bool done = kernel::wait_until([&] { return *status == token || (iqe = fsts().iqe()); }, kWaitMs) &&
                    *status == token;
  if (!done)
    fail("invalidation wait (SW=1, Status Data 0x%x at 0x%llx): %s after %u ms (IQH 0x%llx, IQT 0x%llx, FSTS 0x%x)",
         token, ull(status_), iqe ? "FSTS.IQE set (queue stopped)" : "no status write", kWaitMs,
         ull(read(s::reg::kIqh)), ull(read(s::reg::kIqt)), fsts().value);
  return done;
}

bool IntelVtd::reset_queue() {
  const bool was_on = queued_invalidation_enabled();
  bool ok = !was_on || set_queued_invalidation(false);
  s::Fsts clear;
  clear.set_iqe(1).set_ice(1).set_ite(1);
  write(s::reg::kFsts, clear.value);
  if (ok && was_on) ok = set_queued_invalidation(true);
  return ok;
}

// ---- Fault recording ----

s::FaultRecord IntelVtd::fault_record(unsigned n) const {
  const s::Mmio r = fault_recording_reg(n);
  s::FaultRecord f;
  f.words[0] = read64(r.offset);
  f.words[1] = read64(r.offset + 8);
  return f;
}

void IntelVtd::clear_fault_record(unsigned n) const {
  write32(fault_recording_reg(n).offset + s::FaultRecord::kFDwordOffset, s::FaultRecord::kFInDword);
}

bool IntelVtd::next_fault(s::FaultRecord& out, unsigned* index, uint32_t ms) const {
  if (!kernel::wait_until([&] { return fsts().ppf() != 0; }, ms)) return false;
  const unsigned n = fault_recording_registers();
  const unsigned first = static_cast<unsigned>(fsts().fri()) % n;
  for (unsigned k = 0; k < n; ++k) {
    const unsigned i = (first + k) % n;
    const s::FaultRecord f = fault_record(i);
    if (f.f()) {
      out = f;
      if (index) *index = i;
      return true;
    }
  }
  return false;
}

void IntelVtd::set_fault_event(uint64_t address, uint32_t data, bool masked) const {
  write(s::reg::kFedata, data);
  write(s::reg::kFeaddr, static_cast<uint32_t>(address));
  write(s::reg::kFeuaddr, static_cast<uint32_t>(address >> 32));
  write(s::reg::kFectl, s::Fectl{}.set_im(masked ? 1 : 0).value);
}

void IntelVtd::set_invalidation_event(uint64_t address, uint32_t data, bool masked) const {
  write(s::reg::kIedata, data);
  write(s::reg::kIeaddr, static_cast<uint32_t>(address));
  write(s::reg::kIeuaddr, static_cast<uint32_t>(address >> 32));
  write(s::reg::kIectl, s::Iectl{}.set_im(masked ? 1 : 0).value);
}

void IntelVtd::clear_faults() const {
  for (unsigned n = 0; n < fault_recording_registers(); ++n) clear_fault_record(n);
  write(s::reg::kFsts, s::Fsts::kRw1c);
}

// ---- Recovery ----

bool IntelVtd::recover() {
  error_[0] = 0;
  bool ok = true;
  if (gsts().tes()) ok = set_translation(false) && ok;
  if (gsts().ires()) ok = set_interrupt_remapping(false) && ok;
  if (gsts().qies()) ok = set_queued_invalidation(false) && ok;
  want_dw_ = s::DescriptorWidth::k128;  // the next enable programs 128-bit descriptors again
  // Every context entry gone, every root entry pointing at the driver's context tables, the rest not present.
  for (unsigned b = 0; b < s::kRootEntries; ++b) write_root_entry(static_cast<uint8_t>(b), s::RootEntry{});
  for (unsigned b = 0; b < kBuses; ++b) {
    volatile uint64_t* c = kernel::DmaMemory::ptr<volatile uint64_t>(ctx_[b]);
    for (unsigned i = 0; i < 2 * s::kLegacyContextEntries; ++i) c[i] = 0;
    s::RootEntry re;
    re.set_p(1).set_ctp(ctx_[b]);
    write_root_entry(static_cast<uint8_t>(b), re);
  }
  ok = ok && flush_write_buffer() && set_root_table(root_);
  ok = ok && register_invalidate_context(s::Granularity::kGlobal, 0, 0, 0) &&
       register_invalidate_iotlb(s::Granularity::kGlobal, 0, 0, 0, false);
  clear_faults();
  s::Ics ics;
  ics.set_iwc(1);
  write(s::reg::kIcs, ics.value);
  return ok;
}

}  // namespace drivers::intel_vtd
