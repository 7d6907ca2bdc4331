#include "model/intel_vtd/iommu.h"

#include "spec/address.h"

namespace model::intel_vtd {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kTranslated: return "translated";
    case Outcome::kPassThrough: return "pass-through";
    case Outcome::kFaulted: return "faulted";
    case Outcome::kBlocked: return "blocked";
    case Outcome::kNotModelled: return "not modelled";
  }
  return "?";
}

namespace {

using spec::align_down_to;
using spec::offset_within;
using FR = s::FaultReason;
using G = s::Granularity;

constexpr uint64_t g_of(G g) { return static_cast<uint64_t>(g); }

// A 32-bit register's value seen through its fields.
template <class R>
R as(uint32_t v) {
  R r;
  r.value = v;
  return r;
}
uint32_t without_ip(uint32_t event_control) { return as<s::EventControl>(event_control).set_ip(0).value; }

Result pass_through(const Request& req) {
  Result r;
  r.outcome = Outcome::kPassThrough;
  r.pa = req.address;
  r.page_size = uint64_t{1} << s::kPageShift;
  r.r = r.w = true;
  return r;
}

Result faulted(const Request& req, FR reason, bool fpd) {
  Result r;
  r.has_fault = true;
  r.fault = fault_for(req, reason);
  r.outcome = fpd && qualified(reason) ? Outcome::kBlocked : Outcome::kFaulted;
  return r;
}

// CCMD.FM / cc_inv_dsc FM: "01: mask most significant bit of function number ... 11: mask all three bits".
bool same_device(uint16_t a, uint16_t b, uint64_t fm) {
  const unsigned ignored = fm == 0 ? 0u : ((1u << fm) - 1) << (3 - fm);
  return (a | ignored) == (b | ignored);
}

bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
  return a < b + b_size && b < a + a_size;
}

}  // namespace

bool qualified(s::FaultReason reason) {
  // The faults FPD cannot suppress are the ones found before a context entry is known to be sound: root-table
  // access, root not present, root reserved bits, context-table access, context reserved bits (QEMU's
  // vtd_qualified_faults reading; the appendix's "qualified" column was not found).
  switch (reason) {
    case FR::kRootNotPresent:
    case FR::kRootTableAccess:
    case FR::kRootReserved:
    case FR::kContextTableAccess:
    case FR::kContextReserved:
    case FR::kSmRootTableInvalid:
    case FR::kSmTtm31:
    case FR::kSmRootAccess:
    case FR::kSmRootNotPresent:
    case FR::kSmRootReserved:
    case FR::kSmContextAccess:
    case FR::kSmContextReserved:
    case FR::kSmPasidDirAccess:
    case FR::kSmPasidAccess: return false;
    default: return true;
  }
}

s::FaultRecord fault_for(const Request& req, s::FaultReason reason) {
  s::FaultRecord rec;
  // FI: "bits 63:12 of this field contain the page address in the faulted DMA request"; T: "0 = DMA write
  // 1 = DMA read request"; AT: "the AT field from the faulted DMA request" (00b: untranslated).
  rec.set_page_address(spec::align_down(req.address, s::kPageShift));
  rec.set_sid(req.source_id);
  rec.set_t1(req.write ? 0 : 1);
  rec.set_at(static_cast<uint64_t>(s::AddressType::kUntranslated));
  rec.set_fr(static_cast<uint64_t>(reason));
  if (req.has_pasid) {
    rec.set_pp(1).set_pv(spec::bits_of(req.pasid, s::kPasidBits - 1, 0));
    rec.set_exe(req.exec).set_priv(req.priv);
  }
  rec.set_f(1);
  return rec;
}

void Iommu::reset(const Config& config) {
  config_ = config;
  if (config_.iotlb_entries > kMaxIotlb) config_.iotlb_entries = kMaxIotlb;
  if (config_.context_cache_entries > kMaxContextCache) config_.context_cache_entries = kMaxContextCache;
  if (config_.iec_entries > kMaxIec) config_.iec_entries = kMaxIec;
  cap_.set_raw(config_.cap);
  ecap_.set_raw(config_.ecap);
  gsts_ = fsts_ = fedata_ = feaddr_ = feuaddr_ = 0;
  ics_ = iedata_ = ieaddr_ = ieuaddr_ = pmen_ = plmbase_ = plmlimit_ = 0;
  prs_ = pedata_ = peaddr_ = peuaddr_ = 0;
  // FECTL / IECTL / PECTL.IM: set at reset (QEMU: 0x80000000 after reset, measured).
  s::EventControl masked;
  masked.set_im(1);
  fectl_ = iectl_ = pectl_ = masked.value;
  rtaddr_ = root_ = ccmd_ = iotlb_reg_ = iva_ = aflog_ = phmbase_ = phmlimit_ = 0;
  iqh_ = iqt_ = iqa_ = iqercd_ = irta_ = irta_active_ = pqh_ = pqt_ = pqa_ = 0;
  ttm_ = s::Ttm::kLegacy;
  fri_ = next_fr_ = 0;
  fault_events_ = inv_events_ = 0;
  for (auto& f : frcd_) f = s::FaultRecord{};
  for (auto& e : iotlb_) e = IotlbEntry{};
  for (auto& e : cc_) e = ContextCacheEntry{};
  iotlb_next_ = cc_next_ = 0;
  for (auto& e : iec_) e = IecEntry{};
  iec_next_ = 0;
}

// ---- register file ----------------------------------------------------------------------------------------

bool Iommu::frcd_offset(uint32_t offset, unsigned& index, unsigned& byte) const {
  const uint32_t base = cap_.fault_recording_offset();
  const unsigned n = cap_.fault_recording_registers();
  if (offset < base || offset - base >= 16u * n) return false;
  index = (offset - base) / 16;
  byte = (offset - base) % 16;
  return true;
}

bool Iommu::is_reg64(uint32_t offset) const {
  switch (offset) {
    case s::reg::kCap.offset:
    case s::reg::kEcap.offset:
    case s::reg::kRtaddr.offset:
    case s::reg::kCcmd.offset:
    case s::reg::kAflog.offset:
    case s::reg::kPhmbase.offset:
    case s::reg::kPhmlimit.offset:
    case s::reg::kIqh.offset:
    case s::reg::kIqt.offset:
    case s::reg::kIqa.offset:
    case s::reg::kIqercd.offset:
    case s::reg::kIrta.offset:
    case s::reg::kPqh.offset:
    case s::reg::kPqt.offset:
    case s::reg::kPqa.offset: return true;
    default: break;
  }
  if (offset == s::iva_reg(ecap_.iro()).offset || offset == s::iotlb_reg(ecap_.iro()).offset) return true;
  unsigned index = 0, byte = 0;
  return frcd_offset(offset, index, byte);
}

uint64_t Iommu::read(s::Mmio r) const {
  if (r.bytes == 8) {
    if (r.offset % 8 != 0) return 0;
    if (is_reg64(r.offset)) return read64(r.offset);
    return spec::Halves64::of(read32(r.offset), read32(r.offset + 4)).raw();
  }
  if (r.bytes == 4) {
    if (r.offset % 4 != 0) return 0;
    const uint32_t qword = r.offset - r.offset % 8;
    if (!is_reg64(qword)) return read32(r.offset);
    const auto v = spec::Halves64::of(read64(qword));
    return r.offset == qword ? v.lo() : v.hi();
  }
  return 0;
}

void Iommu::write(s::Mmio r, uint64_t value) {
  if (r.bytes == 8) {
    if (r.offset % 8 != 0) return;
    if (is_reg64(r.offset)) return write64(r.offset, value);
    const auto v = spec::Halves64::of(value);
    write32(r.offset, static_cast<uint32_t>(v.lo()));
    write32(r.offset + 4, static_cast<uint32_t>(v.hi()));
    return;
  }
  if (r.bytes != 4 || r.offset % 4 != 0) return;
  const uint32_t qword = r.offset - r.offset % 8;
  if (!is_reg64(qword)) return write32(r.offset, static_cast<uint32_t>(value));
  unsigned index = 0, byte = 0;
  if (frcd_offset(r.offset, index, byte)) {
    // Only F is writable (RW1C), in the record's last dword: "Software writes the value read from this field
    // to clear it."
    if (byte == s::FaultRecord::kFDwordOffset && (value & s::FaultRecord::kFInDword)) {
      frcd_[index].set_f(0);
      if (!fault_status_pending()) fectl_ = without_ip(fectl_);
    }
    return;
  }
  // A 32-bit half of a 64-bit register: the other half keeps its value.
  auto v = spec::Halves64::of(read64(qword));
  if (r.offset == qword) {
    v.set_lo(spec::bits_of(value, 31, 0));
  } else {
    v.set_hi(spec::bits_of(value, 31, 0));
  }
  write64(qword, v.raw());
}

uint32_t Iommu::read32(uint32_t offset) const {
  switch (offset) {
    case s::reg::kVer.offset: return kVersion;
    case s::reg::kGcmd.offset: return 0;  // write-only
    case s::reg::kGsts.offset: return gsts_;
    case s::reg::kFsts.offset: {
      // PPF: "the logical OR of Fault (F) fields across all the fault recording registers".
      s::Fsts f;
      f.value = fsts_;
      bool any = false;
      for (unsigned i = 0; i < cap_.fault_recording_registers(); ++i) any = any || frcd_[i].f();
      f.set_ppf(any).set_fri(fri_);
      return f.value;
    }
    case s::reg::kFectl.offset: return fectl_;
    case s::reg::kFedata.offset: return fedata_;
    case s::reg::kFeaddr.offset: return feaddr_;
    case s::reg::kFeuaddr.offset: return feuaddr_;
    case s::reg::kPmen.offset: return pmen_;
    case s::reg::kPlmbase.offset: return plmbase_;
    case s::reg::kPlmlimit.offset: return plmlimit_;
    case s::reg::kIcs.offset: return ics_;
    case s::reg::kIectl.offset: return iectl_;
    case s::reg::kIedata.offset: return iedata_;
    case s::reg::kIeaddr.offset: return ieaddr_;
    case s::reg::kIeuaddr.offset: return ieuaddr_;
    case s::reg::kPrs.offset: return prs_;
    case s::reg::kPectl.offset: return pectl_;
    case s::reg::kPedata.offset: return pedata_;
    case s::reg::kPeaddr.offset: return peaddr_;
    case s::reg::kPeuaddr.offset: return peuaddr_;
    default: return 0;
  }
}

uint64_t Iommu::read64(uint32_t offset) const {
  switch (offset) {
    case s::reg::kCap.offset: return cap_.raw();
    case s::reg::kEcap.offset: return ecap_.raw();
    case s::reg::kRtaddr.offset: return rtaddr_;
    case s::reg::kCcmd.offset: return ccmd_;
    case s::reg::kAflog.offset: return aflog_;
    case s::reg::kPhmbase.offset: return phmbase_;
    case s::reg::kPhmlimit.offset: return phmlimit_;
    case s::reg::kIqh.offset: return iqh_;
    case s::reg::kIqt.offset: return iqt_;
    case s::reg::kIqa.offset: return iqa_;
    case s::reg::kIqercd.offset: return iqercd_;
    case s::reg::kIrta.offset: return irta_;
    case s::reg::kPqh.offset: return pqh_;
    case s::reg::kPqt.offset: return pqt_;
    case s::reg::kPqa.offset: return pqa_;
    default: break;
  }
  if (offset == s::iva_reg(ecap_.iro()).offset) return iva_;
  if (offset == s::iotlb_reg(ecap_.iro()).offset) return iotlb_reg_;
  unsigned index = 0, byte = 0;
  if (frcd_offset(offset, index, byte)) return frcd_[index].words[byte / 8];
  return 0;
}

void Iommu::write32(uint32_t offset, uint32_t value) {
  switch (offset) {
    case s::reg::kGcmd.offset: return write_gcmd(value);
    case s::reg::kFsts.offset: {
      // RW1C: PFO, AFO, APF, IQE, ICE, ITE; PPF and FRI are read-only.
      s::Fsts w;
      w.value = value & s::Fsts::kRw1c;
      fsts_ &= ~w.value;
      if (!fault_status_pending()) fectl_ = without_ip(fectl_);
      // With IQE cleared the queue is fetched again from IQH (which still points at the bad descriptor).
      if (w.iqe()) process_queue();
      return;
    }
    case s::reg::kFectl.offset: return write_fectl(value);
    case s::reg::kFedata.offset: fedata_ = value; return;
    case s::reg::kFeaddr.offset: feaddr_ = value & s::EventAddress::ma_mask; return;
    case s::reg::kFeuaddr.offset: feuaddr_ = value; return;
    case s::reg::kPmen.offset: {
      if (!cap_.plmr() && !cap_.phmr()) return;
      // PRS follows EPM at once (the model has no DMA in flight to wait for).
      s::Pmen p;
      p.value = value & s::Pmen::epm_mask;
      p.set_prs(p.epm());
      pmen_ = p.value;
      return;
    }
    case s::reg::kPlmbase.offset:
      if (cap_.plmr()) plmbase_ = value & s::Plmbase::plmb_mask;
      return;
    case s::reg::kPlmlimit.offset:
      if (cap_.plmr()) plmlimit_ = value & s::Plmlimit::plml_mask;
      return;
    case s::reg::kIcs.offset:
      if (!ecap_.qi()) return;  // "treated as RsvdZ by implementations reporting Queued Invalidation as not supported"
      ics_ &= ~(value & s::Ics::iwc_mask);
      if (!as<s::Ics>(ics_).iwc()) iectl_ = without_ip(iectl_);
      return;
    case s::reg::kIectl.offset:
      if (ecap_.qi()) write_iectl(value);
      return;
    case s::reg::kIedata.offset:
      if (ecap_.qi()) iedata_ = value;
      return;
    case s::reg::kIeaddr.offset:
      if (ecap_.qi()) ieaddr_ = value & s::EventAddress::ma_mask;
      return;
    case s::reg::kIeuaddr.offset:
      if (ecap_.qi()) ieuaddr_ = value;
      return;
    default: return;  // read-only, or a page-request register (ECAP.PRS is not modelled)
  }
}

void Iommu::write64(uint32_t offset, uint64_t value) {
  switch (offset) {
    case s::reg::kRtaddr.offset:
      // Takes effect at the next SRTP (§11.4.6: the pointer is latched by GCMD.SRTP).
      rtaddr_ = value & (s::Rtaddr::rta_4k_mask | s::Rtaddr::ttm_mask);
      return;
    case s::reg::kCcmd.offset: return context_command(value);
    case s::reg::kIqt.offset:
      iqt_ = value & s::Iqt::q_mask;
      return process_queue();
    case s::reg::kIqa.offset:
      if (!ecap_.qi()) return;
      // "writing to this register causes the Invalidation Queue Head and Invalidation Queue Tail registers to be
      // reset to 0h."
      iqa_ = value & (s::Iqa::qs_mask | s::Iqa::dw_mask | s::Iqa::iqa_4k_mask);
      iqh_ = iqt_ = 0;
      return;
    case s::reg::kIrta.offset:
      if (ecap_.ir()) irta_ = value & (s::Irta::s_mask | s::Irta::eime_mask | s::Irta::irta_4k_mask);
      return;
    case s::reg::kAflog.offset:
      if (cap_.afl()) aflog_ = value & (s::Aflog::fls_mask | s::Aflog::fla_4k_mask);
      return;
    case s::reg::kPhmbase.offset:
      if (cap_.phmr()) phmbase_ = value & s::Phmbase::phmb_mask;
      return;
    case s::reg::kPhmlimit.offset:
      if (cap_.phmr()) phmlimit_ = value & s::Phmlimit::phml_mask;
      return;
    default: break;  // CAP, ECAP, IQH, IQERCD: read-only
  }
  if (offset == s::iva_reg(ecap_.iro()).offset) {
    iva_ = value & (s::Iva::am_mask | s::Iva::ih_mask | s::Iva::addr_4k_mask);
    return;
  }
  if (offset == s::iotlb_reg(ecap_.iro()).offset) return iotlb_command(value);
  unsigned index = 0, byte = 0;
  if (frcd_offset(offset, index, byte) && byte == 8) {
    s::FaultRecord w;
    w.words[1] = value;
    if (w.f()) {
      frcd_[index].set_f(0);
      if (!fault_status_pending()) fectl_ = without_ip(fectl_);
    }
  }
}

// §11.4.4: each command bit's status bit in GSTS follows once the command is done (at once, here). TE, QIE, IRE,
// CFI are enables (a write carries the value software wants); SRTP, SIRTP, WBF are one-shot.
void Iommu::write_gcmd(uint32_t value) {
  s::Gcmd c;
  c.value = value;
  s::Gsts g;
  g.value = gsts_;
  const bool qi_was_on = g.qies();
  g.set_tes(c.te());
  if (c.srtp()) {
    // The root table pointer (and its mode) is latched: later RTADDR writes wait for the next SRTP.
    s::Rtaddr r;
    r.set_raw(rtaddr_);
    root_ = r.rta();
    ttm_ = static_cast<s::Ttm>(r.ttm());
    g.set_rtps(1);
  }
  if (c.wbf() && cap_.rwbf()) g.set_wbfs(0);  // the write-buffer flush completes at once
  if (ecap_.qi()) {
    g.set_qies(c.qie());
    // Disabling QI resets the head (QEMU does; software must first see the queue empty).
    if (qi_was_on && !c.qie()) iqh_ = 0;
  }
  if (ecap_.ir()) {
    g.set_ires(c.ire()).set_cfis(c.cfi());
    if (c.sirtp()) {
      irta_active_ = irta_;
      invalidate_iec(false, 0, 0);  // a new table: no entry of the old one is used again
      g.set_irtps(1);
    }
  }
  gsts_ = g.value;
  // §7.2.1: the internal fault recording index "is reset to zero when both address and interrupt translations
  // are disabled" (recalled; the chapter-7 text was not found).
  if (!g.tes() && !g.ires()) next_fr_ = 0;
  if (!qi_was_on && g.qies()) process_queue();
}

namespace {
// FECTL and IECTL alike: software writes IM only; a pending event (IP) is sent, and counted, once unmasked.
uint32_t write_event_control(uint32_t current, uint32_t value, unsigned& sent) {
  s::EventControl now, w;
  now.value = current;
  w.value = value;
  now.set_im(w.im());
  if (now.ip() && !now.im()) {
    ++sent;
    now.set_ip(0);
  }
  return now.value;
}
}  // namespace

void Iommu::write_fectl(uint32_t value) { fectl_ = write_event_control(fectl_, value, fault_events_); }

void Iommu::write_iectl(uint32_t value) { iectl_ = write_event_control(iectl_, value, inv_events_); }

bool Iommu::fault_status_pending() const {
  s::Fsts f;
  f.value = read32(s::reg::kFsts.offset);
  return f.ppf() || (f.value & s::Fsts::kRw1c) != 0;
}

// FECTL.IP: "If any of the status fields in the Fault Status register was already Set at the time of setting any
// of these fields, it is not treated as a new interrupt condition" (recalled from the FECTL description).
void Iommu::fault_condition(bool was_pending) {
  if (was_pending) return;
  s::EventControl c;
  c.value = fectl_;
  if (c.ip()) return;
  if (c.im()) {
    c.set_ip(1);
  } else {
    ++fault_events_;
  }
  fectl_ = c.value;
}

// IECTL.IP: "An Invalidation Wait Descriptor with Interrupt Flag (IF) field set completed, setting the IWC field
// ... If the IWC field ... was already set at the time of setting this field, it is not treated as a new
// interrupt condition."
void Iommu::invalidation_complete_event() {
  s::Ics ics;
  ics.value = ics_;
  if (ics.iwc()) return;
  ics_ = ics.set_iwc(1).value;
  s::EventControl c;
  c.value = iectl_;
  if (c.ip()) return;
  if (c.im()) {
    c.set_ip(1);
  } else {
    ++inv_events_;
  }
  iectl_ = c.value;
}

// ---- primary fault logging (§7.2.1) ---------------------------------------------------------------------------

// The internal index names the register the next fault goes to; its F still set means overflow (PFO), and a
// fault is not recorded while PFO is set. PPF going from clear to set updates FRI and is a fault-event condition.
void Iommu::record(const Result& r, Result& out) {
  if (r.outcome != Outcome::kFaulted) return;
  const bool was_pending = fault_status_pending();
  s::Fsts f;
  f.value = fsts_;
  if (f.pfo()) return;
  const unsigned n = cap_.fault_recording_registers();
  bool ppf = false;
  for (unsigned i = 0; i < n; ++i) {
    if (!frcd_[i].f()) continue;
    ppf = true;
    if (config_.collapse_same_sid && frcd_[i].sid() == r.fault.sid()) return;
  }
  if (next_fr_ >= n) next_fr_ = 0;
  if (frcd_[next_fr_].f()) {
    fsts_ = f.set_pfo(1).value;
    return;
  }
  frcd_[next_fr_] = r.fault;
  out.recorded = true;
  if (!ppf) {
    fri_ = next_fr_;
    fault_condition(was_pending);
  }
  next_fr_ = (next_fr_ + 1) % n;
}

// ---- translation ------------------------------------------------------------------------------------------------

Result Iommu::translate(const Request& req) {
  Result r = with_fi_below_mgaw(run(req, true));
  record(r, r);
  return r;
}

Result Iommu::lookup(const Request& req) const { return with_fi_below_mgaw(run(req, false)); }

// FRCD.FI: "bits 63:12 of this field contain the page address in the faulted DMA request. Hardware treats bits
// 63:N as reserved (0), where N is the maximum guest address width (MGAW) supported." (7700K datasheet p. 268).
// So a request beyond MGAW (FR 04h) records only the address bits below MGAW.
Result Iommu::with_fi_below_mgaw(Result r) const {
  if (!r.has_fault) return r;
  const unsigned n = cap_.max_guest_address_width();
  if (n < 64) r.fault.set_page_address(spec::bits_of(r.fault.page_address(), n - 1, 0));
  return r;
}

bool Iommu::fetch_context(const Request& req, s::ContextEntry& ce, Result& fault, bool live) const {
  if (live) {
    for (unsigned i = 0; i < config_.context_cache_entries; ++i) {
      if (cc_[i].valid && cc_[i].sid == req.source_id) {
        ce = cc_[i].ce;
        return true;
      }
    }
  }
  const uint64_t bus = spec::bits_of(req.source_id, 15, 8), devfn = spec::bits_of(req.source_id, 7, 0);
  s::RootEntry re;
  if (!mem_.read(root_ + bus * s::RootEntry::kBytes, re.words.data(), s::RootEntry::kBytes)) {
    fault = faulted(req, FR::kRootTableAccess, false);
    return false;
  }
  if (!re.p()) {
    fault = faulted(req, FR::kRootNotPresent, false);
    return false;
  }
  if ((re.word(0) & s::RootEntry::kReserved0) || (re.word(1) & s::RootEntry::kReserved1) ||
      !spec::fits_bits(re.ctp(), config_.haw)) {
    fault = faulted(req, FR::kRootReserved, false);
    return false;
  }
  if (!mem_.read(re.ctp() + devfn * s::ContextEntry::kBytes, ce.words.data(), s::ContextEntry::kBytes)) {
    fault = faulted(req, FR::kContextTableAccess, false);
    return false;
  }
  // The context cache keeps sound present entries, and (CM = 1) not-present ones.
  const bool cache_np = cap_.cm() && config_.cache_not_present;
  if (live && config_.context_cache_entries && (ce.p() ? context_error(ce) == 0 : cache_np)) {
    cc_[cc_next_] = ContextCacheEntry{true, req.source_id, ce};
    cc_next_ = (cc_next_ + 1) % config_.context_cache_entries;
  }
  return true;
}

// §9.3: the checks of a present legacy context entry; 0 when it is usable.
uint8_t Iommu::context_error(const s::ContextEntry& ce) const {
  if ((ce.word(0) & s::ContextEntry::kReserved0) || (ce.word(1) & s::ContextEntry::kReserved1) ||
      !spec::fits_bits(ce.slptptr(), config_.haw))
    return static_cast<uint8_t>(FR::kContextReserved);
  switch (static_cast<s::TranslationType>(ce.tt())) {
    case s::TranslationType::kMultiLevel: break;
    case s::TranslationType::kMultiLevelDeviceTlb:
      if (!ecap_.dt()) return static_cast<uint8_t>(FR::kContextInvalid);
      break;
    case s::TranslationType::kPassThrough:
      if (!ecap_.pt()) return static_cast<uint8_t>(FR::kContextInvalid);
      break;
    case s::TranslationType::kReserved: return static_cast<uint8_t>(FR::kContextInvalid);
  }
  // CAP.SAGAW: "Software must ensure that the adjusted guest address width used to setup the page tables is one
  // of the supported guest address widths reported in this field." An AW outside SAGAW is an invalid
  // programming (checked for pass-through too, as QEMU does: the spec asks software for the largest AGAW there).
  if (ce.aw() > 4 || ((cap_.sagaw() >> ce.aw()) & 1) == 0) return static_cast<uint8_t>(FR::kContextInvalid);
  return 0;
}

Result Iommu::run(const Request& req, bool live) const {
  s::Gsts g;
  g.value = gsts_;
  // GSTS.TES = 0: "DMA requests are not translated" (QEMU: untranslated until TE, measured).
  if (!g.tes()) return pass_through(req);
  if (ttm_ == s::Ttm::kScalable && ecap_.smts()) return run_scalable(req, live);
  // Abort-DMA mode (TTM = 11b, ECAP.ADMS): every request blocked, nothing recorded.
  if (ttm_ == s::Ttm::kAbortDma && ecap_.adms()) return Result{};
  if (ttm_ != s::Ttm::kLegacy) {  // a TTM the ECAP does not offer: the model does not guess an outcome
    Result r;
    r.outcome = Outcome::kNotModelled;
    return r;
  }
  // Legacy mode has no PASID-granular translation: a request with a PASID is blocked (unverified reading; QEMU
  // ignores the PASID in legacy mode).
  if (req.has_pasid) return Result{};
  s::ContextEntry ce;
  Result fault;
  if (!fetch_context(req, ce, fault, live)) return fault;
  const bool fpd = ce.fpd() && (ce.p() || config_.fpd_of_not_present_context);
  if (!ce.p()) return faulted(req, FR::kContextNotPresent, fpd);
  if (const uint8_t err = context_error(ce)) return faulted(req, static_cast<FR>(err), fpd);
  if (ce.tt() == static_cast<uint64_t>(s::TranslationType::kPassThrough)) return pass_through(req);
  if (live) {
    const uint16_t did = static_cast<uint16_t>(ce.did());
    for (unsigned i = 0; i < config_.iotlb_entries; ++i) {
      const IotlbEntry& e = iotlb_[i];
      if (!e.valid || e.did != did || e.sid != req.source_id || !overlaps(e.base, e.size, req.address, 1)) continue;
      if (e.not_present) {
        Result r = faulted(req, req.write ? FR::kWriteDenied : FR::kReadDenied, fpd);
        r.from_iotlb = true;
        return r;
      }
      if (req.write ? !e.w : !e.r) continue;  // a cached entry never denies what the tables may now allow
      Result r;
      r.outcome = Outcome::kTranslated;
      r.pa = e.pa + (req.address - e.base);
      r.page_size = e.size;
      r.r = e.r;
      r.w = e.w;
      r.from_iotlb = true;
      return r;
    }
  }
  Result r = walk(req, ce, live);
  if (r.has_fault) return faulted(req, r.fault.reason(), fpd);
  return r;
}

// §9.8 reserved bits of a present second-stage entry at `level`: address bits at or above HAW, SNP without
// ECAP.SC (QEMU: "treated as reserved(0) by hardware implementations not supporting Snoop Control"), PS where
// CAP.SLLPS offers no page of that level (CAP.SLLPS: "A value of 1 in any of these bits indicates the
// corresponding super-page size is supported"), and a large page's address bits below its size.
bool Iommu::pte_reserved(const s::SlPte& pte, unsigned level) const {
  if (!spec::fits_bits(pte.addr(), config_.haw)) return true;
  if (pte.snp() && !ecap_.sc()) return true;
  if (level > 1 && pte.ps()) {
    if (!s::sllps_allows(cap_.sllps(), level)) return true;
    if (offset_within(pte.addr(), s::level_page_size(level)) != 0) return true;
  }
  return false;
}

Result Iommu::walk(const Request& req, const s::ContextEntry& ce, bool live) const {
  const unsigned levels = s::aw_levels(ce.aw());
  // CAP.MGAW: "Guest addressability for a given DMA request is limited to the minimum of the value reported
  // through this field and the adjusted guest address width of the corresponding page-table structure."
  unsigned width = s::agaw_bits(ce.aw());
  if (cap_.max_guest_address_width() < width) width = cap_.max_guest_address_width();
  if (!spec::fits_bits(req.address, width)) return faulted(req, FR::kAddressBeyondMgaw, false);
  const uint16_t did = static_cast<uint16_t>(ce.did());
  uint64_t table = ce.slptptr();
  bool r = true, w = true;
  for (unsigned level = levels; level >= 1; --level) {
    s::SlPte pte;
    if (!mem_.read64(table + s::level_index(req.address, level) * sizeof(s::SlPte), pte.words[0]))
      return faulted(req, FR::kPagingEntryAccess, false);
    r = r && pte.r();
    w = w && pte.w();
    // Legacy mode knows no separate not-present reason: a clear R (W) anywhere on the walk denies the read
    // (write), FR 06h (05h).
    if (req.write ? !w : !r) {
      if (live && !pte.present() && cap_.cm() && config_.cache_not_present && config_.iotlb_entries) {
        const uint64_t size = s::level_page_size(level);
        iotlb_[iotlb_next_] = IotlbEntry{true, did, req.source_id, align_down_to(req.address, size), size, 0,
                                         false, false, true};
        iotlb_next_ = (iotlb_next_ + 1) % config_.iotlb_entries;
      }
      return faulted(req, req.write ? FR::kWriteDenied : FR::kReadDenied, false);
    }
    if (pte_reserved(pte, level)) return faulted(req, FR::kPagingEntryReserved, false);
    if (level == 1 || pte.ps()) {
      const uint64_t size = s::level_page_size(level);
      Result out;
      out.outcome = Outcome::kTranslated;
      out.page_size = size;
      out.pa = align_down_to(pte.addr(), size) | offset_within(req.address, size);
      out.r = r;
      out.w = w;
      if (live && config_.iotlb_entries) {
        iotlb_[iotlb_next_] = IotlbEntry{true, did, req.source_id, align_down_to(req.address, size), size,
                                         align_down_to(pte.addr(), size), r, w, false};
        iotlb_next_ = (iotlb_next_ + 1) % config_.iotlb_entries;
      }
      return out;
    }
    table = pte.addr();
  }
  return faulted(req, FR::kPagingEntryReserved, false);  // unreachable: level 1 is always a leaf
}

// ---- scalable mode (§3.x scalable-mode translation, §9.2 / §9.4 / §9.5 / §9.6) ------------------------------------
// A first version: second-stage, first-stage and pass-through PASID entries, read through the tables each time
// (nothing cached: "a device may cache nothing" holds for every cache). Nested translation (PGTT 011b) is not
// modelled. The scalable root entry's reserved bits are not checked (the spec layer declares none yet).

Result Iommu::run_scalable(const Request& req, bool live) const {
  const uint64_t bus = spec::bits_of(req.source_id, 15, 8);
  const uint8_t devfn = static_cast<uint8_t>(spec::bits_of(req.source_id, 7, 0));
  s::ScalableRootEntry re;
  if (!mem_.read(root_ + bus * s::ScalableRootEntry::kBytes, re.words.data(), s::ScalableRootEntry::kBytes))
    return faulted(req, FR::kSmRootAccess, false);
  const bool upper = s::ScalableRootEntry::upper_half(devfn);
  if (!(upper ? re.up() : re.lp())) return faulted(req, FR::kSmRootNotPresent, false);
  const uint64_t ctp = upper ? re.uctp() : re.lctp();
  s::ScalableContextEntry ce;
  if (!mem_.read(ctp + s::ScalableRootEntry::index_in_half(devfn) * s::ScalableContextEntry::kBytes,
                 ce.words.data(), s::ScalableContextEntry::kBytes))
    return faulted(req, FR::kSmContextAccess, false);
  bool fpd = ce.fpd();
  if (!ce.p()) return faulted(req, FR::kSmContextNotPresent, fpd);
  if ((ce.word(0) & s::ScalableContextEntry::kReserved0) || (ce.word(1) & s::ScalableContextEntry::kReserved1) ||
      ce.word(2) != 0 || ce.word(3) != 0)
    return faulted(req, FR::kSmContextReserved, fpd);
  // A request without PASID uses RID_PASID (and RID_PRIV for its privilege).
  if (req.has_pasid && !ce.paside()) return faulted(req, FR::kSmContextPasideClear, fpd);
  const uint32_t pasid = req.has_pasid ? static_cast<uint32_t>(spec::bits_of(req.pasid, s::kPasidBits - 1, 0))
                                       : static_cast<uint32_t>(ce.rid_pasid());
  const bool priv = req.has_pasid ? req.priv : ce.rid_priv() != 0;
  if (s::pasid_directory_index(pasid) >= ce.pasid_directory_entries())
    return faulted(req, FR::kSmPasidBeyondPdts, fpd);
  s::PasidDirEntry de;
  if (!mem_.read64(ce.pasiddirptr() + s::pasid_directory_index(pasid) * s::PasidDirEntry::kBytes, de.words[0]))
    return faulted(req, FR::kSmPasidDirAccess, fpd);
  fpd = fpd || de.fpd();
  if (!de.p()) return faulted(req, FR::kSmPasidDirNotPresent, fpd);
  if (de.word(0) & s::PasidDirEntry::kReserved0) return faulted(req, FR::kSmPasidDirReserved, fpd);
  s::PasidEntry pe;
  if (!mem_.read(de.smptblptr() + s::pasid_table_index(pasid) * s::PasidEntry::kBytes, pe.words.data(),
                 s::PasidEntry::kBytes))
    return faulted(req, FR::kSmPasidAccess, fpd);
  fpd = fpd || pe.fpd();
  if (!pe.p()) return faulted(req, FR::kSmPasidNotPresent, fpd);
  if ((pe.word(0) & s::PasidEntry::kReserved0) || (pe.word(1) & s::PasidEntry::kReserved1) ||
      (pe.word(2) & s::PasidEntry::kReserved2))
    return faulted(req, FR::kSmPasidReserved, fpd);
  Result r;
  switch (pe.pgtt()) {
    case static_cast<uint64_t>(s::Pgtt::kPassThrough):
      if (!ecap_.pt()) return faulted(req, FR::kSmPasidInvalid, fpd);
      return pass_through(req);
    case static_cast<uint64_t>(s::Pgtt::kSecondStage):
      if (!ecap_.slts() || pe.aw() > 4 || ((cap_.sagaw() >> pe.aw()) & 1) == 0)
        return faulted(req, FR::kSmPasidInvalid, fpd);
      r = walk_second_stage_sm(req, pe);
      break;
    case static_cast<uint64_t>(s::Pgtt::kFirstStage):
      if (!ecap_.flts() || (pe.flpm() == static_cast<uint64_t>(s::Flpm::k5Level) && !cap_.fl5lp()) || pe.flpm() > 1)
        return faulted(req, FR::kSmPasidInvalid, fpd);
      if (!priv || pe.sre()) {
        r = walk_first_stage(req, pe, priv, live);
      } else {
        return faulted(req, FR::kSmPasidSreClear, fpd);
      }
      break;
    case static_cast<uint64_t>(s::Pgtt::kNested): {
      Result n;
      n.outcome = Outcome::kNotModelled;
      return n;
    }
    default: return faulted(req, FR::kSmPasidInvalid, fpd);
  }
  if (r.has_fault) return faulted(req, r.fault.reason(), fpd);
  return r;
}

// Second-stage walk in scalable mode: the legacy walk's shape with the scalable fault reasons (a not-present
// entry, R = W = 0, is 79h; a missing permission 85h/86h; beyond the address width 83h).
Result Iommu::walk_second_stage_sm(const Request& req, const s::PasidEntry& pe) const {
  unsigned width = s::agaw_bits(pe.aw());
  if (cap_.max_guest_address_width() < width) width = cap_.max_guest_address_width();
  if (!spec::fits_bits(req.address, width)) return faulted(req, FR::kSmAddressBeyondAw, false);
  uint64_t table = pe.slptptr();
  bool r = true, w = true;
  for (unsigned level = s::aw_levels(pe.aw()); level >= 1; --level) {
    s::SlPte pte;
    if (!mem_.read64(table + s::level_index(req.address, level) * sizeof(s::SlPte), pte.words[0]))
      return faulted(req, FR::kSmSecondStageAccess, false);
    if (!pte.present()) return faulted(req, FR::kSmSecondStageNotPresent, false);
    if (pte_reserved(pte, level)) return faulted(req, FR::kSmSecondStageReserved, false);
    r = r && pte.r();
    w = w && pte.w();
    if (level == 1 || pte.ps()) {
      if (req.write ? !w : !r) return faulted(req, req.write ? FR::kSmWriteDenied : FR::kSmReadDenied, false);
      const uint64_t size = s::level_page_size(level);
      Result out;
      out.outcome = Outcome::kTranslated;
      out.page_size = size;
      out.pa = align_down_to(pte.addr(), size) | offset_within(req.address, size);
      out.r = r;
      out.w = w;
      return out;
    }
    table = pte.addr();
  }
  return faulted(req, FR::kSmSecondStageReserved, false);  // unreachable: level 1 is always a leaf
}

// First-stage walk (the IA-32e / 5-level paging of the Intel SDM, §9.7): the input address must be canonical;
// P = 0 is 71h; a user request needs U/S = 1 at every level (81h); a write needs R/W = 1 at every level for a user
// request, and for a supervisor one when WPE = 1 (85h); an execute request needs ERE and XD = 0 with NXE (82h).
// PS at level 2 is always a 2 MiB leaf, at level 3 it needs CAP.FL1GP, above it is reserved (72h).
// A live walk that translates sets A in every entry it used and D in the leaf of a write (SDM §4.8 "Whenever the
// processor uses a paging-structure entry as part of linear-address translation, it sets the accessed flag";
// "Whenever there is a write to a linear address, the processor sets the dirty flag ... in the paging-structure
// entry that identifies the final physical address"); a faulting walk sets nothing (QEMU sets A on the levels
// above the faulting one: no sentence decides, and no case looks). lookup() (the oracle) changes nothing.
Result Iommu::walk_first_stage(const Request& req, const s::PasidEntry& pe, bool priv, bool live) const {
  const unsigned levels = s::flpm_levels(pe.flpm());
  if (!s::is_canonical(req.address, s::agaw_for_levels(levels))) return faulted(req, FR::kSmNonCanonical, false);
  if (req.exec && !pe.ere()) return faulted(req, FR::kSmPasidEreClear, false);
  uint64_t table = pe.flptptr();
  bool rw = true, us = true, xd = false;
  uint64_t used[5] = {};  // the entries' addresses, top level first, for the A/D update
  unsigned n = 0;
  for (unsigned level = levels; level >= 1; --level) {
    s::FlPte pte;
    const uint64_t at = table + s::level_index(req.address, level) * sizeof(s::FlPte);
    if (!mem_.read64(at, pte.words[0])) return faulted(req, FR::kSmFirstStageAccess, false);
    if (!pte.p()) return faulted(req, FR::kSmFirstStageNotPresent, false);
    if (!spec::fits_bits(pte.addr(), config_.haw)) return faulted(req, FR::kSmFirstStageReserved, false);
    const bool large = level > 1 && pte.ps();
    if (large && !s::fl_large_page_allowed(cap_.fl1gp(), level)) return faulted(req, FR::kSmFirstStageReserved, false);
    used[n++] = at;
    rw = rw && pte.rw();
    us = us && pte.us();
    xd = xd || (pe.nxe() && pte.xd());
    if (level == 1 || large) {
      const uint64_t size = s::level_page_size(level);
      // A large page's PAT bit is bit 12 (the address field's lowest bit): the frame is the address above it.
      const uint64_t frame = align_down_to(pte.addr(), size);
      if (!priv && !us) return faulted(req, FR::kSmUserToSupervisor, false);
      if (req.write && !rw && (!priv || pe.wpe())) return faulted(req, FR::kSmWriteDenied, false);
      if (req.exec && xd) return faulted(req, FR::kSmExecuteDenied, false);
      if (live) set_accessed_dirty(used, n, req.write);
      Result out;
      out.outcome = Outcome::kTranslated;
      out.page_size = size;
      out.pa = frame | offset_within(req.address, size);
      out.r = true;
      out.w = rw || (priv && !pe.wpe());
      return out;
    }
    table = pte.addr();
  }
  return faulted(req, FR::kSmFirstStageReserved, false);  // unreachable
}

// A in each of the n entries at `used` (top level first), D in the last (the leaf) when `dirty`: written only where
// a flag was still 0 (the flags are sticky: the walk never clears one).
void Iommu::set_accessed_dirty(const uint64_t* used, unsigned n, bool dirty) const {
  for (unsigned i = 0; i < n; ++i) {
    s::FlPte e;
    if (!mem_.read64(used[i], e.words[0])) return;
    s::FlPte want = e;
    want.set_a(1);
    if (dirty && i + 1 == n) want.set_d(1);
    if (want.words[0] != e.words[0]) (void)mem_.write64(used[i], want.words[0]);
  }
}

size_t Iommu::iotlb_valid_entries() const {
  size_t n = 0;
  for (const auto& e : iotlb_) n += e.valid;
  return n;
}

size_t Iommu::context_cache_valid_entries() const {
  size_t n = 0;
  for (const auto& e : cc_) n += e.valid;
  return n;
}

// ---- interrupt remapping (chapter 5) ----------------------------------------------------------------------------

namespace {

// An interrupt-remapping fault record: FI[63:48] the interrupt index, FI[47:12] 0; SID the requester; the
// request is a write (T = 0), AT 00b.
s::FaultRecord ir_fault(uint16_t source_id, FR reason, uint32_t index) {
  s::FaultRecord rec;
  rec.words[0] = uint64_t{index & 0xffff} << 48;
  rec.set_sid(source_id).set_fr(static_cast<uint64_t>(reason)).set_f(1);
  return rec;
}

// IRTE.SQ with SVT = 01b: which requester-id function bits are ignored (00b none, 01b bit 2, 10b bits 2:1,
// 11b bits 2:0).
constexpr uint16_t kSqIgnored[4] = {0x0, 0x4, 0x6, 0x7};

s::Irta irta_of(uint64_t raw) {
  s::Irta r;
  r.set_raw(raw);
  return r;
}

}  // namespace

size_t Iommu::iec_valid_entries() const {
  size_t n = 0;
  for (const auto& e : iec_) n += e.valid;
  return n;
}

// IEC invalidation: every entry (global), or the 2^IM entries from IIDX (IIDX aligned down to them).
void Iommu::invalidate_iec(bool index_selective, uint32_t index, unsigned im) {
  const uint32_t span = im >= 16 ? 0x10000u : 1u << im;
  const uint32_t first = index & ~(span - 1);
  for (auto& e : iec_) {
    if (!index_selective || (e.index >= first && e.index - first < span)) e.valid = false;
  }
}

// The IRTE at `index` (index < the table size): the cached copy, else a read of the table that fills the cache
// with a present entry. False when the table cannot be read (FR 23h).
bool Iommu::fetch_irte(uint32_t index, s::Irte& e, bool& from_cache) {
  for (const auto& c : iec_) {
    if (!c.valid || c.index != index) continue;
    e = c.irte;
    from_cache = true;
    return true;
  }
  const uint64_t pa = irta_of(irta_active_).base() + uint64_t{index} * s::Irte::kBytes;
  if (!mem_.read64(pa, e.words[0]) || !mem_.read64(pa + 8, e.words[1])) return false;
  if (config_.iec_entries != 0 && e.p()) {
    iec_[iec_next_] = IecEntry{true, index, e};
    iec_next_ = (iec_next_ + 1) % config_.iec_entries;
  }
  return true;
}

// The fault a present IRTE gives this requester, 0 for none: reserved fields (IM = 1, posted format, is reserved
// without CAP.PI), then source-id verification (SVT 11b is reserved: a verification failure, as QEMU takes it).
uint8_t Iommu::irte_error(const s::Irte& e, uint16_t source_id) const {
  if ((e.words[0] & s::Irte::kReserved0) || (e.words[1] & s::Irte::kReserved1) || (e.im() && !cap_.pi()))
    return static_cast<uint8_t>(FR::kIrteReserved);
  const uint16_t sid = static_cast<uint16_t>(e.sid());
  switch (static_cast<s::Svt>(e.svt())) {
    case s::Svt::kNone: return 0;
    case s::Svt::kRequesterId: {
      const uint16_t keep = static_cast<uint16_t>(~kSqIgnored[e.sq()]);
      return (sid & keep) == (source_id & keep) ? 0 : static_cast<uint8_t>(FR::kIrSourceIdMismatch);
    }
    case s::Svt::kBusRange: {
      const unsigned bus = source_id >> 8;
      return bus >= (sid & 0xffu) && bus <= (sid >> 8) ? 0 : static_cast<uint8_t>(FR::kIrSourceIdMismatch);
    }
    default: return static_cast<uint8_t>(FR::kIrSourceIdMismatch);
  }
}

// §5.1: the request format, then the index against IRTA.S (2^(S+1) entries), the IRTE read, P, reserved fields,
// the source-id. FPD (IRTE bit 1) suppresses the record of the faults found once the IRTE is read (not present,
// reserved, source-id: QEMU's reading, the appendix's "qualified" column was not found); the request's own
// reserved bits (FR 20h: address bits 63:32, data[31:16] with SHV = 1) are checked first, before any IRTE is read,
// and record index 0 (QEMU).
InterruptResult Iommu::remap_interrupt(uint16_t source_id, uint64_t msi_address, uint32_t msi_data) {
  InterruptResult r;
  r.address = msi_address;
  r.data = msi_data;
  s::Gsts g;
  g.value = gsts_;
  if (!g.ires()) {
    r.delivered = true;
    return r;
  }
  auto fail = [&](FR reason, uint32_t index, bool fpd) {
    r.has_fault = true;
    r.fault = ir_fault(source_id, reason, index);
    if (fpd) return r;
    Result dma;
    dma.outcome = Outcome::kFaulted;
    dma.fault = r.fault;
    record(dma, dma);
    r.recorded = dma.recorded;
    return r;
  };
  const uint32_t lo = static_cast<uint32_t>(msi_address);
  s::RemappableMsiAddress a;
  a.value = lo;
  if ((msi_address >> 32) != 0 || a.fee() != s::RemappableMsiAddress::kFee) return fail(FR::kIrRequestReserved, 0, false);
  if (!s::is_remappable_format(lo)) {
    // Compatibility format: passes only while CFIS = 1 and IRTA.EIME = 0 (x2APIC mode blocks it).
    if (g.cfis() && !irta_of(irta_active_).eime()) {
      r.delivered = true;
      return r;
    }
    return fail(FR::kIrCompatibilityBlocked, 0, false);
  }
  s::RemappableMsiData d;
  d.value = msi_data;
  if (a.shv() && (msi_data >> 16) != 0) return fail(FR::kIrRequestReserved, 0, false);
  const uint32_t index = s::interrupt_index(a, d);
  r.index = index;
  const s::Irta irta = irta_of(irta_active_);
  if (index >= irta.entries()) return fail(FR::kIrIndexBeyondSize, index, false);
  s::Irte e;
  if (!fetch_irte(index, e, r.from_cache)) return fail(FR::kIrTableAccess, index, false);
  if (!e.p()) return fail(FR::kIrteNotPresent, index, e.fpd());
  if (const uint8_t why = irte_error(e, source_id)) return fail(static_cast<FR>(why), index, e.fpd());
  r.delivered = r.remapped = true;
  r.vector = static_cast<uint8_t>(e.vector());
  r.destination = irta.eime() ? static_cast<uint32_t>(e.dst()) : e.xapic_id();
  r.delivery_mode = static_cast<uint8_t>(e.dlm());
  r.dest_mode_logical = e.dm();
  r.redirection_hint = e.rh();
  r.trigger_level = e.tm();
  return r;
}

// ---- invalidation -----------------------------------------------------------------------------------------------

// Context-cache invalidation: global, domain-selective (DID; a cached not-present entry counts as DID 0, the
// model's tag for CM = 1), device-selective (SID under FM; the DID is not compared: invalidating more is always
// allowed).
void Iommu::invalidate_context(uint64_t g, uint16_t did, uint16_t sid, uint64_t fm) {
  for (auto& e : cc_) {
    if (!e.valid) continue;
    const uint16_t edid = e.ce.p() ? static_cast<uint16_t>(e.ce.did()) : 0;
    if (g == g_of(G::kDomain) && edid != did) continue;
    if (g == g_of(G::kSelective) && !same_device(e.sid, sid, fm)) continue;
    e.valid = false;
  }
}

// IOTLB invalidation; returns the granularity performed (0: the request was rejected). Page-selective without
// CAP.PSI is performed domain-selective; AM beyond CAP.MAMV is rejected ("The value in this field indicates the
// maximum supported value for the Address Mask (AM) field").
uint64_t Iommu::invalidate_iotlb(uint64_t g, uint16_t did, uint64_t addr, uint64_t am) {
  if (g == g_of(G::kReserved)) return 0;
  if (g == g_of(G::kSelective) && !cap_.psi()) g = g_of(G::kDomain);
  if (g == g_of(G::kSelective) && am > cap_.mamv()) return 0;
  const bool whole = am >= 52;
  const uint64_t size = whole ? 0 : s::am_bytes(am);
  const uint64_t base = whole ? 0 : align_down_to(addr, size);
  for (auto& e : iotlb_) {
    if (!e.valid) continue;
    if (g != g_of(G::kGlobal) && e.did != did) continue;
    if (g == g_of(G::kSelective) && !whole && !overlaps(e.base, e.size, base, size)) continue;
    e.valid = false;
  }
  return g;
}

// §11.4.7: ICC set starts the invalidation; hardware reports the granularity performed in CAIG and clears ICC.
// With queued invalidation enabled, register-based invalidation is not to be used: the model ignores it and
// leaves ICC set (as QEMU does).
void Iommu::context_command(uint64_t value) {
  s::Ccmd c;
  c.set_raw(value);
  ccmd_ = value;
  if (!c.icc() || as<s::Gsts>(gsts_).qies()) return;
  const uint64_t g = c.cirg();
  if (g != g_of(G::kReserved))
    invalidate_context(g, static_cast<uint16_t>(c.did()), static_cast<uint16_t>(c.sid()), c.fm());
  c.set_caig(g).set_icc(0);
  ccmd_ = c.raw();
}

// §11.4.8.1: "Hardware clears the IVT field to indicate the invalidation request is complete"; IAIG reports the
// granularity performed (00b: the request was not performed).
void Iommu::iotlb_command(uint64_t value) {
  s::IotlbReg c;
  c.set_raw(value);
  iotlb_reg_ = value;
  if (!c.ivt() || as<s::Gsts>(gsts_).qies()) return;
  s::Iva iva;
  iva.set_raw(iva_);
  const uint64_t done = invalidate_iotlb(c.iirg(), static_cast<uint16_t>(c.did()), iva.addr(), iva.am());
  c.set_iaig(done).set_ivt(0);
  iotlb_reg_ = c.raw();
}

void Iommu::queue_error(s::Iqei why) {
  const bool was_pending = fault_status_pending();
  fsts_ = as<s::Fsts>(fsts_).set_iqe(1).value;
  s::Iqercd e;
  e.set_raw(iqercd_);
  e.set_iqei(static_cast<uint64_t>(why));
  iqercd_ = e.raw();
  fault_condition(was_pending);
}

// §11.4.11: descriptors are fetched from IQH while IQH != IQT; IQH "is incremented after the command has been
// fetched successfully and has been verified to be a valid/supported command", so after an error it stays at
// the bad descriptor and fetching stops until software clears FSTS.IQE.
void Iommu::process_queue() {
  if (!as<s::Gsts>(gsts_).qies() || as<s::Fsts>(fsts_).iqe()) return;
  s::Iqa q;
  q.set_raw(iqa_);
  // 256-bit descriptors exist only with scalable-mode support: without ECAP.SMTS the model ignores IQA.DW (as
  // QEMU does; the DW sentence was not found).
  const bool wide = q.dw() && ecap_.smts();
  const uint32_t dbytes = wide ? s::Descriptor256::kBytes : s::Descriptor::kBytes;
  const uint64_t qbytes = q.bytes();
  s::Iqt t;
  t.set_raw(iqt_);
  if (t.byte_offset() % dbytes != 0 || t.byte_offset() >= qbytes) return queue_error(s::Iqei::kInvalidTail);
  for (unsigned guard = 0; guard < (1u << 16); ++guard) {
    s::Iqh h;
    h.set_raw(iqh_);
    if (h.byte_offset() == t.byte_offset()) return;
    s::Descriptor256 raw;
    if (!mem_.read(q.base() + h.byte_offset(), raw.words.data(), dbytes)) return queue_error(s::Iqei::kFetchError);
    if (wide && !raw.upper_reserved_clear()) return queue_error(s::Iqei::kReservedField);
    s::Iqei why = s::Iqei::kInvalidDescriptorType;
    if (execute(raw.low(), wide, why) == Desc::kError) return queue_error(why);
    iqh_ = h.set_byte_offset(static_cast<uint32_t>((h.byte_offset() + dbytes) % qbytes)).raw();
  }
}

Iommu::Desc Iommu::execute(const s::Descriptor& d, bool wide, s::Iqei& why) {
  why = s::Iqei::kInvalidDescriptorType;
  const s::DescType type = d.desc_type();
  if (d.type() == 0 || d.type() > static_cast<uint64_t>(s::DescType::kPageGroupResponse)) return Desc::kError;
  // The PASID-granular types need 256-bit descriptors: in a 128-bit queue the model reports the type as invalid
  // (no sentence found for this case; IQEI 5 names a width programmed in IQA, not a descriptor's).
  if (s::scalable_only(type) && !wide) return Desc::kError;
  // From here on the type is valid: an error is a reserved field (or a value beyond what CAP reports).
  why = s::Iqei::kReservedField;
  switch (type) {
    case s::DescType::kContextCache: {
      s::ContextCacheInv c;
      c.words = d.words;
      if ((c.word(0) & s::ContextCacheInv::kReserved0) || (c.word(1) & s::ContextCacheInv::kReserved1) ||
          c.g() == g_of(G::kReserved))
        return Desc::kError;
      invalidate_context(c.g(), static_cast<uint16_t>(c.did()), static_cast<uint16_t>(c.sid()), c.fm());
      return Desc::kDone;
    }
    case s::DescType::kIotlb: {
      s::IotlbInv c;
      c.words = d.words;
      if ((c.word(0) & s::IotlbInv::kReserved0) || (c.word(1) & s::IotlbInv::kReserved1)) return Desc::kError;
      // G = 00b, or AM beyond MAMV: an invalid descriptor (QEMU: IQE for AM > MAMV, measured).
      if (invalidate_iotlb(c.g(), static_cast<uint16_t>(c.did()), c.addr(), c.am()) == 0) return Desc::kError;
      return Desc::kDone;
    }
    case s::DescType::kDeviceTlb:
      return Desc::kDone;  // no device-TLB is modelled: nothing to invalidate
    case s::DescType::kInterruptEntryCache: {
      s::IecInv c;
      c.words = d.words;
      if ((c.word(0) & s::IecInv::kReserved0) || (c.word(1) & s::IecInv::kReserved1)) return Desc::kError;
      invalidate_iec(c.g(), static_cast<uint32_t>(c.iidx()), static_cast<unsigned>(c.im()));
      return Desc::kDone;
    }
    case s::DescType::kInvalidationWait: {
      s::InvWait c;
      c.words = d.words;
      if ((c.word(0) & s::InvWait::kReserved0) || (c.word(1) & s::InvWait::kReserved1)) return Desc::kError;
      // Every earlier descriptor is complete (the model is synchronous), so FN and PD ask for nothing more. SW
      // writes Status Data; a status write outside guest memory is lost (the model's choice: no error code for
      // it was found). SW = IF = 0 is a valid fence-only wait (QEMU reports IQE: a deviation to cite).
      if (c.sw()) mem_.write32(c.status_addr(), static_cast<uint32_t>(c.status_data()));
      if (c.if_()) invalidation_complete_event();
      return Desc::kDone;
    }
    case s::DescType::kPasidIotlb: {
      // Scalable mode is not cached: its IOTLB entries do not exist; the DID's legacy entries go too (more
      // than asked, always allowed). G = 00b / 01b name no granularity (reserved encodings, as QEMU 10.0+ and
      // Linux read them), and a page-selective AM beyond CAP.MAMV is invalid as for iotlb_inv_dsc.
      s::PasidIotlbInv c;
      c.words = d.words;
      if ((c.word(0) & s::PasidIotlbInv::kReserved0) || (c.word(1) & s::PasidIotlbInv::kReserved1))
        return Desc::kError;
      if (c.g() != static_cast<uint64_t>(s::PasidIotlbGranularity::kPasid) &&
          c.g() != static_cast<uint64_t>(s::PasidIotlbGranularity::kPageInPasid))
        return Desc::kError;
      if (c.g() == static_cast<uint64_t>(s::PasidIotlbGranularity::kPageInPasid) && c.am() > cap_.mamv())
        return Desc::kError;
      invalidate_iotlb(g_of(G::kDomain), static_cast<uint16_t>(c.did()), 0, 0);
      return Desc::kDone;
    }
    case s::DescType::kPasidCache: {
      // Nothing cached to drop (scalable mode is uncached); G = 10b names no granularity (reserved).
      s::PasidCacheInv c;
      c.words = d.words;
      if ((c.word(0) & s::PasidCacheInv::kReserved0) || (c.word(1) & s::PasidCacheInv::kReserved1))
        return Desc::kError;
      if (c.g() != static_cast<uint64_t>(s::PasidCacheGranularity::kDomain) &&
          c.g() != static_cast<uint64_t>(s::PasidCacheGranularity::kPasid) &&
          c.g() != static_cast<uint64_t>(s::PasidCacheGranularity::kGlobal))
        return Desc::kError;
      return Desc::kDone;
    }
    case s::DescType::kPasidDeviceTlb: return Desc::kDone;
    case s::DescType::kPageGroupResponse:
      if (ecap_.prs()) return Desc::kDone;
      why = s::Iqei::kInvalidDescriptorType;  // no page requests: the type is not one this unit takes
      return Desc::kError;
  }
  return Desc::kError;
}

}  // namespace model::intel_vtd
