#include "model/amd_vi/iommu.h"

namespace model::amd_vi {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kTranslated: return "translated";
    case Outcome::kUntranslated: return "untranslated";
    case Outcome::kAborted: return "aborted";
  }
  return "?";
}

}  // namespace model::amd_vi

namespace spec::amd_vi {
const char* to_string(EventCode c) {
  switch (c) {
    case EventCode::kIllegalDevTableEntry: return "ILLEGAL_DEV_TABLE_ENTRY";
    case EventCode::kIoPageFault: return "IO_PAGE_FAULT";
    case EventCode::kDevTabHardwareError: return "DEV_TAB_HARDWARE_ERROR";
    case EventCode::kPageTabHardwareError: return "PAGE_TAB_HARDWARE_ERROR";
    case EventCode::kIllegalCommandError: return "ILLEGAL_COMMAND_ERROR";
    case EventCode::kCommandHardwareError: return "COMMAND_HARDWARE_ERROR";
    case EventCode::kIotlbInvTimeout: return "IOTLB_INV_TIMEOUT";
    case EventCode::kInvalidDeviceRequest: return "INVALID_DEVICE_REQUEST";
  }
  return "?";
}
}  // namespace spec::amd_vi

namespace model::amd_vi {

namespace {

using spec::align_down_to;
using spec::offset_within;

s::Event make_event(s::EventCode code, uint16_t device_id, uint64_t address) {
  s::Event e;
  e.set_event_code(static_cast<uint64_t>(code)).set_device_id(device_id).set_address(address);
  return e;
}

Result abort_with(const s::Event& e) {
  Result r;
  r.outcome = Outcome::kAborted;
  r.has_event = true;
  r.event = e;
  return r;
}

}  // namespace

s::Event io_page_fault(uint16_t device_id, uint16_t domain_id, uint64_t address, bool write, bool present,
                       bool interrupt) {
  // §2.5.3 IO_PAGE_FAULT: DomainID in [47:32] when GN=0, RW = the access was a write, PR = the
  // translation was present (a permission fault) rather than not present, I = an interrupt request.
  s::Event e = make_event(s::EventCode::kIoPageFault, device_id, address);
  e.set_domain_or_pasid(domain_id).set_rw(write).set_pr(present).set_i(interrupt);
  return e;
}

void Iommu::reset(uint64_t efr) {
  devtab_ = cmd_base_ = evt_base_ = control_ = status_ = 0;
  excl_base_ = excl_limit_ = ppr_base_ = 0;
  cmd_head_ = cmd_tail_ = evt_head_ = evt_tail_ = ppr_head_ = ppr_tail_ = 0;
  efr_ = efr;
  cmd_halted_ = evt_stopped_ = false;
  interrupts_ = 0;
  for (auto& e : iotlb_) e = IotlbEntry{};
  for (auto& e : dte_cache_) e = DteCacheEntry{};
}

uint64_t Iommu::read(s::Mmio r) const {
  s::Control c;
  c.set_raw(control_);
  switch (r) {
    case s::Mmio::kDeviceTableBase: return devtab_;
    case s::Mmio::kCommandBufferBase: return cmd_base_;
    case s::Mmio::kEventLogBase: return evt_base_;
    case s::Mmio::kControl: return control_;
    case s::Mmio::kExclusionBase: return excl_base_;
    case s::Mmio::kExclusionLimit: return excl_limit_;
    case s::Mmio::kExtendedFeature: return efr_;
    case s::Mmio::kPprLogBase: return ppr_base_;
    case s::Mmio::kCommandBufferHead: return cmd_head_;
    case s::Mmio::kCommandBufferTail: return cmd_tail_;
    case s::Mmio::kEventLogHead: return evt_head_;
    case s::Mmio::kEventLogTail: return evt_tail_;
    case s::Mmio::kPprLogHead: return ppr_head_;
    case s::Mmio::kPprLogTail: return ppr_tail_;
    case s::Mmio::kStatus: {
      // §3.4.5: the Run bits reflect the state of the engines and are read-only.
      s::Status st;
      st.set_raw(status_ & s::Status::kW1C);
      st.set_cmd_buf_run(c.iommu_en() && c.cmd_buf_en() && !cmd_halted_);
      st.set_event_log_run(c.iommu_en() && c.event_log_en() && !evt_stopped_);
      return st.raw();
    }
  }
  return 0;
}

void Iommu::write(s::Mmio r, uint64_t v) {
  auto ptr = s::RingPointer::offset_of;  // head and tail pointers keep only their [18:4] field
  switch (r) {
    case s::Mmio::kDeviceTableBase: devtab_ = v & s::DeviceTableBase::kImplemented; return;
    case s::Mmio::kCommandBufferBase: cmd_base_ = v & s::RingBase::kImplemented; return;
    case s::Mmio::kEventLogBase: evt_base_ = v & s::RingBase::kImplemented; return;
    case s::Mmio::kExclusionBase: excl_base_ = v; return;
    case s::Mmio::kExclusionLimit: excl_limit_ = v; return;
    case s::Mmio::kExtendedFeature: return;  // read-only (§3.4.6)
    case s::Mmio::kPprLogBase: ppr_base_ = v; return;
    case s::Mmio::kCommandBufferHead: cmd_head_ = ptr(v); return;
    case s::Mmio::kCommandBufferTail:
      cmd_tail_ = ptr(v);
      process_commands();
      return;
    case s::Mmio::kEventLogHead: evt_head_ = ptr(v); return;
    case s::Mmio::kEventLogTail: evt_tail_ = ptr(v); return;
    case s::Mmio::kPprLogHead: ppr_head_ = ptr(v); return;
    case s::Mmio::kPprLogTail: ppr_tail_ = ptr(v); return;
    case s::Mmio::kStatus: status_ &= ~(v & s::Status::kW1C); return;  // RW1C; RO bits ignore writes
    case s::Mmio::kControl: {
      s::Control old, now;
      old.set_raw(control_);
      now.set_raw(v);
      control_ = v;
      // Clearing CmdBufEn is how software restarts a halted command buffer (§2.4, §3.4.4).
      if (!now.cmd_buf_en()) cmd_halted_ = false;
      // Clearing EventLogEn re-arms logging after an overflow (§2.5, §3.4.5 EventOverflow).
      if (!now.event_log_en()) evt_stopped_ = false;
      if (now.cmd_buf_en() && !old.cmd_buf_en()) process_commands();
      if (!now.iommu_en()) {
        for (auto& e : iotlb_) e = IotlbEntry{};
        for (auto& e : dte_cache_) e = DteCacheEntry{};
      }
      return;
    }
  }
}

uint64_t Iommu::ring_bytes(uint64_t base_reg) const {
  s::RingBase b;
  b.set_raw(base_reg);
  const unsigned len = static_cast<unsigned>(b.len());
  if (len < s::RingBase::kMinLen) return 0;  // reserved encodings: treated as no ring
  return uint64_t{16} << len;
}

// §2.5: an event is written at the tail when the log is enabled and not full; full means that one more
// entry would make tail == head. On overflow EventOverflow is set and the event is lost.
void Iommu::log_event(const s::Event& e) {
  s::Control c;
  c.set_raw(control_);
  if (!c.iommu_en() || !c.event_log_en() || evt_stopped_) return;
  const uint64_t size = ring_bytes(evt_base_);
  if (size == 0) return;
  const uint64_t next = (evt_tail_ + 16) % size;
  if (next == evt_head_) {
    status_ |= s::Status::event_overflow_mask;
    evt_stopped_ = true;
    if (c.event_int_en()) ++interrupts_;
    return;
  }
  s::RingBase b;
  b.set_raw(evt_base_);
  mem_.write(b.base() + evt_tail_, e.words.data(), 16);
  evt_tail_ = next;
  status_ |= s::Status::event_log_int_mask;
  if (c.event_int_en()) ++interrupts_;
}

bool Iommu::fetch_dte(uint16_t device_id, s::Dte& dte, Result& r, bool use_cache) {
  if (use_cache) {
    for (const auto& e : dte_cache_)
      if (e.valid && e.device_id == device_id) {
        dte = e.dte;
        return true;
      }
  }
  s::DeviceTableBase base;
  base.set_raw(devtab_);
  const uint64_t table = base.base();
  const uint64_t entries = s::DeviceTableBase::bytes_for(base.size()) / sizeof(s::Dte);
  // §2.2.2: a DeviceID beyond the table's size has no DTE: the request is target aborted and an
  // ILLEGAL_DEV_TABLE_ENTRY is logged for the address the entry would have had.
  const uint64_t pa = table + uint64_t{device_id} * sizeof(s::Dte);
  if (device_id >= entries) {
    r = abort_with(make_event(s::EventCode::kIllegalDevTableEntry, device_id, pa));
    return false;
  }
  if (!mem_.read(pa, dte.words.data(), sizeof(s::Dte))) {
    // §2.5.4 DEV_TAB_HARDWARE_ERROR: the DTE fetch failed; Address = the DTE's address.
    s::Event e = make_event(s::EventCode::kDevTabHardwareError, device_id, pa);
    e.set_tr(0).set_rw(0).set_type(0b10);  // target abort on the fetch
    r = abort_with(e);
    return false;
  }
  if (use_cache && dte.v()) {
    dte_cache_[dte_next_] = DteCacheEntry{true, device_id, dte};
    dte_next_ = (dte_next_ + 1) % kDteCacheSize;
  }
  return true;
}

namespace {

struct Perm {
  bool r = true, w = true;
};

// One v1 walk (§2.2.3) of `iova` below `root` with `mode` levels, used for the host table and for
// every guest-table pointer of a nested walk. Returns false with r filled on a fault.
bool walk_v1(const GuestMemory& mem, uint64_t root, unsigned mode, uint64_t iova, Perm& perm, uint64_t& pa,
             uint64_t& size, bool& fault_present, bool& hw_error, uint64_t& hw_addr, bool& reserved) {
  fault_present = hw_error = reserved = false;
  // §2.2.3: with Mode < 6, IOVA bits above the top level's reach must be zero.
  if (mode < 6 && !spec::fits_bits(iova, s::v1_index_shift(mode + 1))) return false;
  uint64_t table = root;
  unsigned level = mode;
  for (;;) {
    const uint64_t index = s::v1_index(iova, level);
    s::V1Pte pte;
    const uint64_t pte_pa = table + index * 8;
    if (!mem.read64(pte_pa, pte.words[0])) {
      hw_error = true;
      hw_addr = pte_pa;
      return false;
    }
    if (!pte.pr()) return false;
    perm.r = perm.r && pte.ir();
    perm.w = perm.w && pte.iw();
    const unsigned nl = static_cast<unsigned>(pte.next_level());
    if (nl == 0 || nl == s::kNextLevelSized) {
      uint64_t page = s::v1_level_size(level);
      if (nl == s::kNextLevelSized) {
        // §2.2.3.2: a NextLevel=7 PTE in a level-L table maps a page larger than level L's default
        // and smaller than level L+1's (e.g. 8 KiB..1 MiB in a level-1 table), replicated over the
        // slots it spans; anything else is malformed.
        page = s::v1_sized_page_size(pte.addr());
        const uint64_t reach = level == 6 ? 0 : s::v1_level_size(level + 1);
        if (page <= s::v1_level_size(level) || (reach != 0 && page >= reach)) {
          fault_present = true;
          reserved = true;
          return false;
        }
      }
      pa = align_down_to(pte.addr(), page) | offset_within(iova, page);
      size = page;
      fault_present = true;
      return true;
    }
    if (nl >= level) {  // a PDE must point to a lower level (§2.2.3, Table 12)
      fault_present = true;
      reserved = true;
      return false;
    }
    // §2.2.3.1 level skipping: the index bits of every skipped level must be zero.
    for (unsigned skipped = nl + 1; skipped < level; ++skipped)
      if (s::v1_index(iova, skipped) != 0) return false;
    table = pte.addr();
    level = nl;
  }
}

}  // namespace

Result Iommu::walk(const Request& req) const {
  // A const walk: same decode as translate() minus caches and logging.
  s::Dte dte;
  s::DeviceTableBase base;
  base.set_raw(devtab_);
  const uint64_t entries = s::DeviceTableBase::bytes_for(base.size()) / sizeof(s::Dte);
  const uint64_t pa = base.base() + uint64_t{req.device_id} * sizeof(s::Dte);
  s::Control c;
  c.set_raw(control_);
  if (!c.iommu_en()) {
    Result r;
    r.outcome = Outcome::kUntranslated;
    r.pa = req.address;
    r.readable = r.writable = true;
    return r;
  }
  if (req.device_id >= entries) return abort_with(make_event(s::EventCode::kIllegalDevTableEntry, req.device_id, pa));
  if (!mem_.read(pa, dte.words.data(), sizeof dte)) {
    s::Event e = make_event(s::EventCode::kDevTabHardwareError, req.device_id, pa);
    e.set_type(0b10);
    return abort_with(e);
  }
  return walk_impl(req, dte);
}

Result Iommu::walk_impl(const Request& req, const s::Dte& dte) const {
  Result r;
  s::DeviceTableBase base;
  base.set_raw(devtab_);
  const uint64_t dte_pa = base.base() + uint64_t{req.device_id} * sizeof(s::Dte);
  const uint16_t dom = static_cast<uint16_t>(dte.domain_id());
  // §2.2.2.1 Table 7: V=0 -> the DTE is not valid and the request passes untranslated.
  if (!dte.v()) {
    r.outcome = Outcome::kUntranslated;
    r.pa = req.address;
    r.readable = r.writable = true;
    return r;
  }
  // V=1 with a reserved bit set, or a reserved Mode with TV=1: ILLEGAL_DEV_TABLE_ENTRY (§2.5, unverified).
  // The model's choices where implementations differ (the conformance cases accept both): it checks every
  // reserved bit (QEMU does; the spec lets some go unchecked), Address = the DTE's address (QEMU;
  // VirtualBox reports the request's address), RZ = a reserved bit was set (VirtualBox), and Mode 7 is
  // ILLEGAL_DEV_TABLE_ENTRY (VirtualBox logs IO_PAGE_FAULT).
  const bool reserved = (dte.words[0] & s::Dte::kReserved0) || (dte.words[1] & s::Dte::kReserved1) ||
                        (dte.words[2] & s::Dte::kReserved2) || (dte.words[3] & s::Dte::kReserved3);
  if (reserved || (dte.tv() && dte.mode() == 7)) {
    s::Event e = make_event(s::EventCode::kIllegalDevTableEntry, req.device_id, dte_pa);
    e.set_rw(req.write).set_rz(reserved);
    return abort_with(e);
  }
  // §2.2.2.1 Table 7: V=1, TV=0 -> no translation information: the request is target aborted and
  // an IO_PAGE_FAULT (not present) is logged.
  if (!dte.tv()) return abort_with(io_page_fault(req.device_id, dom, req.address, req.write, false));

  const unsigned mode = static_cast<unsigned>(dte.mode());
  Perm perm{dte.ir() != 0, dte.iw() != 0};
  uint64_t gpa = req.address;
  uint64_t size = 4096;
  bool guest_w = true, guest_us = true;

  // §2.2.6: v2 (guest) translation for requests with a PASID, or for all requests with GIoV.
  if (dte.gv() && (req.has_pasid || dte.giov())) {
    const uint32_t pasid = req.has_pasid ? req.pasid : 0;
    auto host = [&](uint64_t addr, uint64_t& out) -> bool {  // guest table pointer -> system physical
      if (mode == 0) {
        out = addr;
        return true;
      }
      Perm p;
      uint64_t sz;
      bool pres, hw, rz;
      uint64_t hwa;
      return walk_v1(mem_, dte.page_table_root(), mode, addr, p, out, sz, pres, hw, hwa, rz) && p.r;
    };
    auto gfault = [&](bool present) {
      s::Event e = io_page_fault(req.device_id, 0, req.address, req.write, present);
      e.set_gn(1).set_pasid(pasid).set_us(req.user);
      return abort_with(e);
    };
    // GCR3 table: GLX 00b one level indexed by PASID[8:0]; 01b two levels ([17:9] then [8:0]).
    uint64_t gcr3_table = 0;
    if (!host(dte.gcr3_table_root(), gcr3_table)) return gfault(false);
    uint64_t entry_pa = gcr3_table;
    if (dte.glx() == 1) {
      s::Gcr3Entry l1;
      if (!mem_.read64(gcr3_table + s::gcr3_index(pasid, 2) * 8, l1.words[0]) || !l1.gv()) return gfault(false);
      if (!host(l1.gcr3(), entry_pa)) return gfault(false);
    }
    s::Gcr3Entry g;
    if (!mem_.read64(entry_pa + s::gcr3_index(pasid, 1) * 8, g.words[0]) || !g.gv()) return gfault(false);
    uint64_t table = 0;
    if (!host(g.gcr3(), table)) return gfault(false);
    // AMD64 4-level walk: bits 47:39, 38:30, 29:21, 20:12; PS at levels 3 and 2.
    bool rw = true, us = true;
    for (unsigned level = 4; level >= 1; --level) {
      const unsigned shift = s::v1_index_shift(level);  // the v2 (AMD64) tables have the v1 geometry
      s::V2Pte pte;
      if (!mem_.read64(table + s::v1_index(req.address, level) * 8, pte.words[0])) return gfault(false);
      if (!pte.p()) return gfault(false);
      rw = rw && pte.rw();
      us = us && pte.us();
      if (level == 1 || ((level == 2 || level == 3) && pte.ps())) {
        const uint64_t page = uint64_t{1} << shift;
        if ((req.write && !rw) || (req.user && !us)) return gfault(true);
        gpa = align_down_to(pte.addr(), page) | offset_within(req.address, page);
        size = page;
        break;
      }
      if (!host(pte.addr(), table)) return gfault(false);
    }
    if (mode == 0) {
      r.outcome = Outcome::kTranslated;
      r.pa = gpa;
      r.page_size = size;
      r.readable = true;
      r.writable = rw;
      r.user = us;
      return r;
    }
    guest_w = rw;
    guest_us = us;
  }
  perm.w = perm.w && guest_w;

  if (mode == 0) {
    // §2.2.2.1: Mode 0 -> untranslated, permissions from DTE.IR/IW.
    if ((req.write && !perm.w) || (!req.write && !perm.r))
      return abort_with(io_page_fault(req.device_id, dom, req.address, req.write, true));
    r.outcome = Outcome::kUntranslated;
    r.pa = gpa;
    r.page_size = 4096;
    r.readable = perm.r;
    r.writable = perm.w;
    return r;
  }
  uint64_t pa = 0;
  bool present = false, hw = false, rz = false;
  uint64_t hw_addr = 0;
  const uint64_t guest_size = size;  // 4 KiB unless a v2 walk found a larger guest page
  if (!walk_v1(mem_, dte.page_table_root(), mode, gpa, perm, pa, size, present, hw, hw_addr, rz)) {
    if (hw) {
      // §2.5.5 PAGE_TAB_HARDWARE_ERROR: Address = the PTE's address.
      s::Event e = make_event(s::EventCode::kPageTabHardwareError, req.device_id, hw_addr);
      e.set_domain_or_pasid(dom).set_rw(req.write).set_type(0b10);
      return abort_with(e);
    }
    s::Event e = io_page_fault(req.device_id, dom, req.address, req.write, present);
    e.set_rz(rz);
    return abort_with(e);
  }
  if ((req.write && !perm.w) || (!req.write && !perm.r))
    return abort_with(io_page_fault(req.device_id, dom, req.address, req.write, true));
  r.outcome = Outcome::kTranslated;
  r.pa = pa;
  // A nested translation is contiguous only over the smaller of the guest and the host page (§2.2.6);
  // that is the reach of the one IOTLB entry it becomes.
  r.page_size = (dte.gv() && (req.has_pasid || dte.giov()) && guest_size < size) ? guest_size : size;
  r.readable = perm.r;
  r.writable = perm.w;
  r.user = guest_us;
  return r;
}

Result Iommu::translate(const Request& req) {
  s::Control c;
  c.set_raw(control_);
  if (!c.iommu_en()) return walk(req);
  const uint32_t pasid_key = req.has_pasid ? static_cast<uint32_t>(spec::offset_in(req.pasid, s::kPasidBits)) : 0;
  for (const auto& e : iotlb_) {
    if (!e.valid || e.device_id != req.device_id || e.gn != req.has_pasid || e.pasid != pasid_key) continue;
    if (req.address < e.base || req.address - e.base >= e.size) continue;
    if ((req.write && !e.w) || (!req.write && !e.r) || (req.user && !e.u)) continue;  // never widens access
    Result r;
    r.outcome = Outcome::kTranslated;
    r.pa = e.pa + (req.address - e.base);
    r.page_size = e.size;
    r.readable = e.r;
    r.writable = e.w;
    r.user = e.u;
    return r;
  }
  Result r;
  s::Dte dte;
  if (!fetch_dte(req.device_id, dte, r, true)) {
    log_event(r.event);
    return r;
  }
  r = walk_impl(req, dte);
  if (r.has_event) {
    log_event(r.event);
    return r;
  }
  if (r.outcome == Outcome::kTranslated) {
    IotlbEntry& e = iotlb_[iotlb_next_];
    iotlb_next_ = (iotlb_next_ + 1) % kIotlbSize;
    e = IotlbEntry{true, req.device_id, static_cast<uint16_t>(dte.domain_id()), req.has_pasid, pasid_key,
                   align_down_to(req.address, r.page_size), r.page_size, align_down_to(r.pa, r.page_size), r.readable,
                   r.writable, r.user};
  }
  return r;
}

size_t Iommu::iotlb_entries() const {
  size_t n = 0;
  for (const auto& e : iotlb_) n += e.valid;
  return n;
}

void Iommu::invalidate_pages(uint16_t domain, bool gn, uint32_t pasid, uint64_t base, uint64_t size) {
  for (auto& e : iotlb_) {
    if (!e.valid || e.domain_id != domain || e.gn != gn || (gn && e.pasid != pasid)) continue;
    const bool overlaps = size == 0 || (e.base < base + size && base < e.base + e.size);
    if (overlaps) e.valid = false;
  }
}

bool Iommu::command_reserved_bits(const s::Command& c) const {
  switch (c.op()) {
    case s::Opcode::kCompletionWait: return (c.words[0] & s::CompletionWait::kReserved0) != 0;
    case s::Opcode::kInvalidateDevtabEntry:
      return (c.words[0] & s::InvalidateDevtabEntry::kReserved0) || (c.words[1] & s::InvalidateDevtabEntry::kReserved1);
    case s::Opcode::kInvalidateIommuPages:
      return (c.words[0] & s::InvalidateIommuPages::kReserved0) || (c.words[1] & s::InvalidateIommuPages::kReserved1);
    case s::Opcode::kInvalidateInterruptTable:
      return (c.words[0] & s::InvalidateInterruptTable::kReserved0) ||
             (c.words[1] & s::InvalidateInterruptTable::kReserved1);
    case s::Opcode::kInvalidateIommuAll:
      return (c.words[0] & s::InvalidateIommuAll::kReserved0) || (c.words[1] & s::InvalidateIommuAll::kReserved1);
    default: return false;
  }
}

void Iommu::execute(const s::Command& c, uint64_t cmd_pa) {
  switch (c.op()) {
    case s::Opcode::kCompletionWait: {
      s::CompletionWait w;
      w.words = c.words;
      // §2.4.1: all prior commands are complete; then the store, then the interrupt.
      if (w.s()) mem_.write64(w.store_addr(), w.store_data());
      if (w.i()) {
        status_ |= s::Status::com_wait_int_mask;
        s::Control ctl;
        ctl.set_raw(control_);
        if (ctl.com_wait_int_en()) ++interrupts_;
      }
      return;
    }
    case s::Opcode::kInvalidateDevtabEntry: {
      s::InvalidateDevtabEntry d;
      d.words = c.words;
      for (auto& e : dte_cache_)
        if (e.valid && e.device_id == d.device_id()) e.valid = false;
      return;
    }
    case s::Opcode::kInvalidateIommuPages: {
      s::InvalidateIommuPages p;
      p.words = c.words;
      const uint64_t size = p.s() ? s::s_encoded_size(p.address()) : 4096;
      const uint64_t base = size == 0 ? 0 : align_down_to(p.address(), size);
      invalidate_pages(static_cast<uint16_t>(p.domain_id()), p.gn(), static_cast<uint32_t>(p.pasid()), base, size);
      return;
    }
    case s::Opcode::kInvalidateIotlbPages:    // remote (ATS) IOTLBs: none modelled
    case s::Opcode::kInvalidateInterruptTable:  // IRTEs are not cached by this model
    case s::Opcode::kPrefetchIommuPages:      // a hint; no observable effect required
    case s::Opcode::kCompletePprRequest:
      return;
    case s::Opcode::kInvalidateIommuAll:
      for (auto& e : iotlb_) e = IotlbEntry{};
      for (auto& e : dte_cache_) e = DteCacheEntry{};
      return;
  }
  (void)cmd_pa;
}

// §2.4: commands are fetched from head to tail while CmdBufEn (and IommuEn) are set. An illegal
// command (unknown opcode or reserved bit set) logs ILLEGAL_COMMAND_ERROR with the command's address
// and halts the buffer with head pointing at it; a failed fetch logs COMMAND_HARDWARE_ERROR.
void Iommu::process_commands() {
  s::Control c;
  c.set_raw(control_);
  if (!c.iommu_en() || !c.cmd_buf_en() || cmd_halted_) return;
  const uint64_t size = ring_bytes(cmd_base_);
  if (size == 0) return;
  s::RingBase b;
  b.set_raw(cmd_base_);
  const uint64_t base = b.base();
  for (unsigned guard = 0; cmd_head_ != cmd_tail_ && guard < 32768; ++guard) {
    if (cmd_head_ >= size || cmd_tail_ >= size) {  // pointer outside the ring: nothing sensible to do
      cmd_halted_ = true;
      return;
    }
    const uint64_t pa = base + cmd_head_;
    s::Command cmd;
    if (!mem_.read(pa, cmd.words.data(), 16)) {
      s::Event e = make_event(s::EventCode::kCommandHardwareError, 0, pa);
      e.set_type(0b10);
      log_event(e);
      cmd_halted_ = true;
      return;
    }
    const uint64_t op = cmd.opcode();
    if (op == 0 || op > 8 || command_reserved_bits(cmd)) {
      log_event(make_event(s::EventCode::kIllegalCommandError, 0, pa));
      cmd_halted_ = true;
      return;
    }
    execute(cmd, pa);
    cmd_head_ = (cmd_head_ + 16) % size;
  }
}

MsiResult Iommu::remap_msi(uint16_t device_id, uint64_t address, uint32_t data) {
  MsiResult m;
  m.address = address;
  m.data = data;
  s::Control c;
  c.set_raw(control_);
  if (!c.iommu_en()) {
    m.delivered = true;
    return m;
  }
  Result r;
  s::Dte dte;
  if (!fetch_dte(device_id, dte, r, false)) {
    log_event(r.event);
    m.has_event = true;
    m.event = r.event;
    return m;
  }
  // §2.2.5: with V=0 or IV=0 interrupts pass through unremapped.
  if (!dte.v() || !dte.iv()) {
    m.delivered = true;
    return m;
  }
  s::MsiData msi;
  msi.value = data;
  if (msi.delivery_mode() > 1) {  // only fixed/arbitrated go through IntCtl and the table in this model
    m.delivered = true;
    return m;
  }
  auto fault = [&]() {
    s::Event e = io_page_fault(device_id, static_cast<uint16_t>(dte.domain_id()), address, true, false, true);
    log_event(e);
    m.has_event = true;
    m.event = e;
    return m;
  };
  switch (dte.int_ctl()) {
    case s::kIntCtlPass: m.delivered = true; return m;
    case s::kIntCtlRemap: break;
    default: return fault();  // 00b target abort, 11b reserved
  }
  const uint32_t index = static_cast<uint32_t>(msi.irte_index());
  if (index >= (1u << dte.int_tab_len())) return fault();
  // §2.2.5.1 / §2.2.5.2: the IRTE format follows Control.GAEn.
  if (!c.ga_en()) {
    s::Irte32 irte;
    if (!mem_.read32(dte.int_table_root() + index * 4, irte.value) || !irte.remap_en()) return fault();
    m.delivered = m.remapped = true;
    m.vector = static_cast<uint8_t>(irte.vector());
    m.destination = static_cast<uint32_t>(irte.destination());
    m.dest_mode = static_cast<uint8_t>(irte.dm());
    m.int_type = static_cast<uint8_t>(irte.int_type());
    return m;
  }
  s::Irte128 irte;
  if (!mem_.read(dte.int_table_root() + index * 16, irte.words.data(), 16) || !irte.remap_en()) return fault();
  m.delivered = m.remapped = true;
  m.vector = static_cast<uint8_t>(irte.vector());
  m.destination = irte.destination();
  m.dest_mode = static_cast<uint8_t>(irte.dm());
  m.int_type = static_cast<uint8_t>(irte.int_type());
  return m;
}

}  // namespace model::amd_vi
