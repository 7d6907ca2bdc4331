#include "model/virtio_iommu/device.h"

#include <cstring>

namespace model::virtio_iommu {

namespace {

constexpr uint8_t st(sv::Status s) { return static_cast<uint8_t>(s); }

// Copies the device-readable part into a zeroed structure (bytes past req_len stay zero; bytes past the
// structure are ignored, C3).
template <typename T>
T decode(const uint8_t* req, size_t len) {
  T r;
  r.words = {};
  const size_t n = len < sizeof(T) ? len : sizeof(T);
  std::memcpy(r.words.data(), req, n);
  return r;
}

bool overlaps(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi) { return a_lo <= b_hi && b_lo <= a_hi; }

void write_tail(uint8_t* at, uint8_t status) {
  // §5.13.6: the device SHOULD set the tail's reserved bytes to zero.
  at[0] = status;
  at[1] = at[2] = at[3] = 0;
}

}  // namespace

const Choices::Field Choices::kFieldList[Choices::kFields] = {
    {"malformed_needs_reset", &Choices::malformed_needs_reset},
    {"unknown_type_unsupp", &Choices::unknown_type_unsupp},
    {"probe_unnegotiated", &Choices::probe_unnegotiated},
    {"strict_request_size", &Choices::strict_request_size},
    {"probe_short_ok_first", &Choices::probe_short_ok_first},
    {"range_errors_inval", &Choices::range_errors_inval},
    {"map_inverted_ok", &Choices::map_inverted_ok},
    {"map_unchecked", &Choices::map_unchecked},
    {"mmio_flag_unnegotiated", &Choices::mmio_flag_unnegotiated},
    {"unmap_reserved_inval", &Choices::unmap_reserved_inval},
    {"detach_elsewhere_ok", &Choices::detach_elsewhere_ok},
    {"attach_detaches_first", &Choices::attach_detaches_first},
    {"write_only_readable", &Choices::write_only_readable},
    {"fault_direction_sparse", &Choices::fault_direction_sparse},
    {"fault_no_address", &Choices::fault_no_address},
    {"unattached_fault_unknown", &Choices::unattached_fault_unknown},
    {"accept_unoffered", &Choices::accept_unoffered},
};

Choices Choices::alternative() {
  Choices c;
  for (const Field& f : kFieldList) c.*f.member = true;
  return c;
}

Device::Device(const DeviceConfig& c, const Choices& ch) : cfg_(c), ch_(ch), bypass_(c.bypass) {}

bool Device::add_endpoint(uint32_t id) {
  if (find_endpoint(id)) return true;
  for (auto& e : eps_) {
    if (e.valid) continue;
    e = Endpoint{true, id, false, 0};
    return true;
  }
  return false;
}

bool Device::add_reserved_region(const ResvRegion& r) {
  if (resv_count_ == kMaxResv || r.end < r.start) return false;
  resv_[resv_count_++] = r;
  return true;
}

void Device::reset() {
  // §5.13.5: after a reset no endpoint is attached; domains and mappings are gone with them.
  for (auto& e : eps_) e.attached = false;
  for (auto& d : doms_) d.valid = false;
  for (auto& m : maps_) m.valid = false;
  negotiated_ = 0;
  // C16: config.bypass is not restored by a device reset (§5.13.4 device requirements).
}

bool Device::negotiate(uint64_t driver_features) {
  uint64_t specific = driver_features & sv::feature::kDeviceSpecificMask;
  // §2.2.1: accepting a feature the device did not offer is the driver's error; the model refuses the set
  // (C16), or masks the bits and keeps FEATURES_OK.
  if (specific & ~cfg_.features) {
    if (!ch_.accept_unoffered) return false;
    specific &= cfg_.features;
  }
  negotiated_ = specific;
  return true;
}

bool Device::write_bypass(uint8_t value) {
  // §5.13.4: writable only with BYPASS_CONFIG negotiated, and only 0 or 1.
  if (!(negotiated_ & sv::feature::kBypassConfig)) return false;
  if (value > 1) return false;
  bypass_ = value;
  return true;
}

sv::Config Device::config() const {
  sv::Config c;
  c.set_page_size_mask(cfg_.page_size_mask);
  if (cfg_.features & sv::feature::kInputRange) c.set_input_range_start(cfg_.input_start).set_input_range_end(cfg_.input_end);
  if (cfg_.features & sv::feature::kDomainRange)
    c.set_domain_range_start(cfg_.domain_start).set_domain_range_end(cfg_.domain_end);
  if (cfg_.features & sv::feature::kProbe) c.set_probe_size(cfg_.probe_size);
  if (cfg_.features & sv::feature::kBypassConfig) c.set_bypass(bypass_);
  return c;
}

uint64_t Device::granule() const {
  // §5.13.6: the least significant bit set in page_size_mask is the page granularity.
  const uint64_t m = cfg_.page_size_mask;
  return m ? (m & (~m + 1)) : 1;
}

bool Device::in_bypass_mode_when_unattached() const {
  // §5.13.6 "An endpoint is in bypass mode if": BYPASS_CONFIG offered and bypass == 1 (even when the
  // driver did not accept the feature), or legacy BYPASS negotiated.
  if ((cfg_.features & sv::feature::kBypassConfig) && bypass_ == 1) return true;
  return (negotiated_ & sv::feature::kBypass) != 0;
}

Device::Endpoint* Device::find_endpoint(uint32_t id) {
  for (auto& e : eps_)
    if (e.valid && e.id == id) return &e;
  return nullptr;
}
const Device::Endpoint* Device::find_endpoint(uint32_t id) const {
  return const_cast<Device*>(this)->find_endpoint(id);
}
Device::Domain* Device::find_domain(uint32_t id) {
  for (auto& d : doms_)
    if (d.valid && d.id == id) return &d;
  return nullptr;
}
const Device::Domain* Device::find_domain(uint32_t id) const { return const_cast<Device*>(this)->find_domain(id); }

bool Device::domain_in_range(uint32_t id) const {
  // §5.13.6: without DOMAIN_RANGE any domain value is valid.
  if (!(cfg_.features & sv::feature::kDomainRange)) return true;
  return id >= cfg_.domain_start && id <= cfg_.domain_end;
}

bool Device::attached(uint32_t endpoint, uint32_t* domain) const {
  const Endpoint* e = find_endpoint(endpoint);
  if (!e || !e->attached) return false;
  if (domain) *domain = e->domain;
  return true;
}

bool Device::domain_exists(uint32_t domain) const { return find_domain(domain) != nullptr; }

size_t Device::mapping_count(uint32_t domain) const {
  size_t n = 0;
  for (const auto& m : maps_) n += m.valid && m.domain == domain;
  return n;
}

void Device::destroy_domain(uint32_t id) {
  for (auto& m : maps_)
    if (m.valid && m.domain == id) m.valid = false;
  if (Domain* d = find_domain(id)) d->valid = false;
}

bool Device::last_in_domain(const Endpoint& ep) const {
  for (const auto& e : eps_)
    if (&e != &ep && e.valid && e.attached && e.domain == ep.domain) return false;
  return true;
}

void Device::leave_domain(Endpoint& ep) {
  if (!ep.attached) return;
  const uint32_t id = ep.domain;
  ep.attached = false;
  // C12 / §5.13.6.4: a domain whose last endpoint left ceases to exist.
  for (const auto& e : eps_)
    if (e.valid && e.attached && e.domain == id) return;
  destroy_domain(id);
}

const Device::Mapping* Device::find_mapping(uint32_t domain, uint64_t iova) const {
  for (const auto& m : maps_)
    if (m.valid && m.domain == domain && iova >= m.low && iova <= m.high) return &m;
  return nullptr;
}

Completion Device::handle(const uint8_t* req, size_t req_len, uint8_t* reply, size_t reply_cap) {
  // C1: without a head to read or room for a tail the request cannot be answered.
  if (req_len < sv::kHeadSize || reply_cap < sv::kTailSize) {
    Completion c;
    c.needs_reset = ch_.malformed_needs_reset;
    return c;
  }
  // §5.13.6: the device MUST ignore the head's reserved bytes; only `type` matters.
  const auto type = static_cast<sv::RequestType>(req[0]);
  const bool map_unmap = (negotiated_ & sv::feature::kMapUnmap) != 0;
  // C3: the size of the readable part against the type's structure. nullopt-like: `size_ok` false with
  // `unwritten` true returns the chain unwritten.
  bool unwritten = false;
  auto sized = [&](size_t readable) -> bool {
    if (req_len == readable) return true;
    if (!ch_.strict_request_size) return req_len > readable;  // longer: extra bytes ignored
    unwritten = req_len < readable;  // strict: short is unparsable, long is INVAL
    return false;
  };
  uint8_t status = 0;
  switch (type) {
    case sv::RequestType::kAttach:
      status = sized(sv::ReqAttach::kReadable) ? attach(decode<sv::ReqAttach>(req, req_len)) : st(sv::Status::kInval);
      break;
    case sv::RequestType::kDetach:
      status = sized(sv::ReqDetach::kReadable) ? detach(decode<sv::ReqDetach>(req, req_len)) : st(sv::Status::kInval);
      break;
    case sv::RequestType::kMap:
      if (!map_unmap) return Completion{};  // C2
      status = sized(sv::ReqMap::kReadable) ? map(decode<sv::ReqMap>(req, req_len)) : st(sv::Status::kInval);
      break;
    case sv::RequestType::kUnmap:
      if (!map_unmap) return Completion{};  // C2
      status = sized(sv::ReqUnmap::kReadable) ? unmap(decode<sv::ReqUnmap>(req, req_len)) : st(sv::Status::kInval);
      break;
    case sv::RequestType::kProbe: {
      // C2: PROBE without F_PROBE negotiated is not recognized (§5.13.6.7.2 SHOULD when not offered); the
      // other choice answers it when the feature is offered.
      if (!(negotiated_ & sv::feature::kProbe) &&
          !(ch_.probe_unnegotiated && (cfg_.features & sv::feature::kProbe)))
        return Completion{};
      const size_t need = size_t{cfg_.probe_size} + sv::kTailSize;
      if (reply_cap < need) {
        if (ch_.probe_short_ok_first) {  // C5 other: QEMU 10.0's answer
          write_tail(reply, st(sv::Status::kOk));
          return Completion{false, true, sv::kTailSize, st(sv::Status::kOk)};
        }
        write_tail(reply + reply_cap - sv::kTailSize, st(sv::Status::kInval));  // C5
        return Completion{false, true, static_cast<uint32_t>(reply_cap), st(sv::Status::kInval)};
      }
      if (!sized(sv::ReqProbe::kReadable)) {  // C3
        if (unwritten) return Completion{};
        std::memset(reply, 0, cfg_.probe_size);
        write_tail(reply + cfg_.probe_size, st(sv::Status::kInval));
        return Completion{false, true, static_cast<uint32_t>(need), st(sv::Status::kInval)};
      }
      return probe(decode<sv::ReqProbe>(req, req_len), reply, reply_cap);
    }
    default:
      // §5.13.6.2: an unrecognized type SHOULD NOT be written, used length 0 (C2); the other choice
      // answers UNSUPP.
      if (!ch_.unknown_type_unsupp) return Completion{};
      status = st(sv::Status::kUnsupp);
      break;
  }
  if (unwritten) return Completion{};  // C3 other
  write_tail(reply, status);  // C4
  return Completion{false, true, sv::kTailSize, status};
}

uint8_t Device::attach(const sv::ReqAttach& r) {
  // §5.13.6.3 device requirements, in the order a VMM checks them.
  if (r.reserved() != 0) return st(sv::Status::kInval);  // MUST
  uint32_t known = 0;
  if (negotiated_ & sv::feature::kBypassConfig) known |= sv::ReqAttach::kFlagBypass;
  if (r.flags() & ~uint64_t{known}) return st(sv::Status::kInval);  // MUST: unrecognized flag
  const auto id = static_cast<uint32_t>(r.domain());
  if (!domain_in_range(id)) return range_error();  // C6
  Endpoint* ep = find_endpoint(static_cast<uint32_t>(r.endpoint()));
  if (!ep) return st(sv::Status::kNoEnt);  // MUST
  const bool bypass = (r.flags() & sv::ReqAttach::kFlagBypass) != 0;
  Domain* d = find_domain(id);
  if (d && d->bypass != bypass) {  // SHOULD: inconsistent bypass flag
    // C11 other: behave as DETACH followed by the (rejected) ATTACH: the endpoint leaves its domain.
    if (ch_.attach_detaches_first && ep->attached && ep->domain != id) leave_domain(*ep);
    return st(sv::Status::kInval);
  }
  if (ep->attached && ep->domain == id) return st(sv::Status::kOk);  // C11
  if (!d) {
    // A new domain needs a free slot; the endpoint's old domain frees one only if it is the last member.
    // A full table is NOMEM before anything changes (C11).
    bool room = false;
    for (const auto& x : doms_) room |= !x.valid;
    if (!room && !(ep->attached && last_in_domain(*ep))) return st(sv::Status::kNoMem);
    leave_domain(*ep);
    for (auto& x : doms_)
      if (!x.valid) {
        x = Domain{true, id, bypass};
        break;
      }
  } else {
    // §5.13.6.3: already attached elsewhere: behave as DETACH followed by ATTACH.
    leave_domain(*ep);
  }
  ep->attached = true;
  ep->domain = id;
  return st(sv::Status::kOk);
}

uint8_t Device::range_error() const {
  // C6 / C7: RANGE ("Out-of-range parameters"), or INVAL; no status is fixed for these.
  return ch_.range_errors_inval ? st(sv::Status::kInval) : st(sv::Status::kRange);
}

uint8_t Device::detach(const sv::ReqDetach& r) {
  // §5.13.6.4: reserved MUST be ignored.
  const auto id = static_cast<uint32_t>(r.domain());
  Endpoint* ep = find_endpoint(static_cast<uint32_t>(r.endpoint()));
  if (!ep) return st(sv::Status::kNoEnt);  // MUST
  if (!domain_in_range(id)) return range_error();  // C6
  if (!ep->attached || ep->domain != id)  // C10 (MAY)
    return ch_.detach_elsewhere_ok ? st(sv::Status::kOk) : st(sv::Status::kInval);
  leave_domain(*ep);
  return st(sv::Status::kOk);
}

uint8_t Device::map(const sv::ReqMap& r) {
  // §5.13.6.5 device requirements.
  uint64_t known = sv::ReqMap::kFlagRead | sv::ReqMap::kFlagWrite;
  if ((negotiated_ & sv::feature::kMmio) || (ch_.mmio_flag_unnegotiated && (cfg_.features & sv::feature::kMmio)))
    known |= sv::ReqMap::kFlagMmio;  // C8
  if (r.flags() & ~known) return st(sv::Status::kInval);  // MUST
  const auto id = static_cast<uint32_t>(r.domain());
  if (!domain_in_range(id)) return range_error();  // C6
  const Domain* d = find_domain(id);
  if (!d) return st(sv::Status::kNoEnt);
  if (d->bypass) return st(sv::Status::kInval);
  const uint64_t lo = r.virt_start(), hi = r.virt_end(), pa = r.phys_start();
  // C7: only the driver is bound (virt_end MUST be strictly greater); the other choice answers OK and maps
  // nothing.
  if (hi < lo) return ch_.map_inverted_ok ? st(sv::Status::kOk) : st(sv::Status::kInval);
  const uint64_t g = granule();
  // SHOULD: virt_start, phys_start and virt_end + 1 aligned on the page granularity (RANGE).
  if (!ch_.map_unchecked && ((lo & (g - 1)) || (pa & (g - 1)) || ((hi + 1) & (g - 1)))) return st(sv::Status::kRange);
  if (cfg_.features & sv::feature::kInputRange) {
    if (lo < cfg_.input_start || hi > cfg_.input_end) return range_error();  // C7: "fails"
  }
  if (pa + (hi - lo) < pa) return range_error();  // C7: physical end wraps
  for (const auto& m : maps_)  // SHOULD: a mapping already exists in the range
    if (m.valid && m.domain == id && overlaps(lo, hi, m.low, m.high)) return st(sv::Status::kInval);
  for (size_t i = 0; i < resv_count_ && !ch_.map_unchecked; ++i)  // C7 / §5.13.6.8.1.2 SHOULD
    if (overlaps(lo, hi, resv_[i].start, resv_[i].end)) return st(sv::Status::kInval);
  for (auto& m : maps_) {
    if (m.valid) continue;
    m = Mapping{true, id, lo, hi, pa, static_cast<uint32_t>(r.flags())};
    return st(sv::Status::kOk);
  }
  return st(sv::Status::kNoMem);
}

uint8_t Device::unmap(const sv::ReqUnmap& r) {
  // §5.13.6.6 device requirements; reserved ignored (C9), or (MAY) INVAL without unmapping.
  if (r.reserved() != 0 && ch_.unmap_reserved_inval) return st(sv::Status::kInval);
  const auto id = static_cast<uint32_t>(r.domain());
  if (!domain_in_range(id)) return range_error();  // C6
  const Domain* d = find_domain(id);
  if (!d) return st(sv::Status::kNoEnt);
  if (d->bypass) return st(sv::Status::kInval);
  const uint64_t lo = r.virt_start(), hi = r.virt_end();
  if (hi < lo) return st(sv::Status::kInval);
  // A mapping touched but not covered entirely: RANGE, and no mapping is removed.
  for (const auto& m : maps_)
    if (m.valid && m.domain == id && overlaps(lo, hi, m.low, m.high) && !(lo <= m.low && m.high <= hi))
      return st(sv::Status::kRange);
  for (auto& m : maps_)
    if (m.valid && m.domain == id && lo <= m.low && m.high <= hi) m.valid = false;
  return st(sv::Status::kOk);
}

Completion Device::probe(const sv::ReqProbe& r, uint8_t* reply, size_t reply_cap) {
  (void)reply_cap;
  const size_t size = cfg_.probe_size;
  const Completion done{false, true, static_cast<uint32_t>(size + sv::kTailSize), 0};
  // §5.13.6.7: the bytes not filled with properties SHOULD be zero.
  std::memset(reply, 0, size);
  auto finish = [&](sv::Status s) {
    write_tail(reply + size, st(s));
    Completion c = done;
    c.status = st(s);
    return c;
  };
  if (!find_endpoint(static_cast<uint32_t>(r.endpoint()))) return finish(sv::Status::kNoEnt);
  // One RESV_MEM property per region, each (length + 4) bytes after the previous one.
  if (resv_count_ * sizeof(sv::ProbeResvMem) > size) return finish(sv::Status::kInval);
  for (size_t i = 0; i < resv_count_; ++i) {
    sv::ProbeResvMem p;
    p.set_type(sv::kProbeTypeResvMem)
        .set_length(sv::ProbeResvMem::kLength)
        .set_subtype(resv_[i].subtype)
        .set_start(resv_[i].start)
        .set_end(resv_[i].end);
    std::memcpy(reply + i * sizeof p, p.words.data(), sizeof p);
  }
  return finish(sv::Status::kOk);
}

Translation Device::translate(uint32_t endpoint, uint64_t iova, Access a) const {
  Translation t;
  // C14: every fault names the direction and the address.
  // C14 other: the direction only for permission faults, F_ADDRESS omitted.
  auto fault = [&](uint8_t reason, bool permission = false) {
    t.ok = false;
    t.fault.reason = reason;
    t.fault.flags = 0;
    if (permission || !ch_.fault_direction_sparse)
      t.fault.flags |= a == Access::kWrite ? sv::Fault::kFlagWrite : sv::Fault::kFlagRead;
    if (!ch_.fault_no_address) t.fault.flags |= sv::Fault::kFlagAddress;
    t.fault.endpoint = endpoint;
    t.fault.address = ch_.fault_no_address ? 0 : iova;
    return t;
  };
  auto identity = [&] {
    t.ok = true;
    t.bypassed = true;
    t.pa = iova;
    return t;
  };
  const Endpoint* ep = find_endpoint(endpoint);
  if (!ep) return fault(sv::Fault::kReasonUnknown);
  if (!ep->attached) {
    // §5.13.6: unattached endpoints not in bypass mode SHOULD NOT reach guest memory (C15).
    if (in_bypass_mode_when_unattached()) return identity();
    return fault(ch_.unattached_fault_unknown ? sv::Fault::kReasonUnknown : sv::Fault::kReasonDomain);
  }
  const Domain* d = find_domain(ep->domain);
  if (!d) return fault(sv::Fault::kReasonDomain);
  if (d->bypass) return identity();
  for (size_t i = 0; i < resv_count_; ++i) {  // C15
    if (iova < resv_[i].start || iova > resv_[i].end) continue;
    if (resv_[i].subtype == sv::ProbeResvMem::kSubtypeMsi) return identity();
    return fault(sv::Fault::kReasonMapping);
  }
  const Mapping* m = find_mapping(d->id, iova);
  if (!m) return fault(sv::Fault::kReasonMapping);
  // §5.13.6.5: no write without MAP_F_WRITE; C13: no read without MAP_F_READ (other: a write-only
  // mapping is readable, §5.13.6.5.2 MAY).
  const uint32_t need = a == Access::kWrite ? sv::ReqMap::kFlagWrite
                        : ch_.write_only_readable ? (sv::ReqMap::kFlagRead | sv::ReqMap::kFlagWrite)
                                                  : sv::ReqMap::kFlagRead;
  if (!(m->flags & need)) return fault(sv::Fault::kReasonMapping, true);
  t.ok = true;
  t.pa = iova - m->low + m->phys;
  return t;
}

Translation Device::translate_range(uint32_t endpoint, uint64_t iova, uint64_t len, Access a) const {
  Translation first = translate(endpoint, iova, a);
  if (!first.ok || len <= 1) return first;
  const uint64_t last = iova + (len - 1);
  uint64_t at = iova;
  for (;;) {
    const Translation t = at == iova ? first : translate(endpoint, at, a);
    if (!t.ok) return t;
    // The end of the region this translation holds for: the mapping, the reserved region, or everything.
    uint64_t end = ~uint64_t{0};
    uint32_t dom = 0;
    if (!t.bypassed && attached(endpoint, &dom)) {
      if (const Mapping* m = find_mapping(dom, at)) end = m->high;
    } else if (attached(endpoint, &dom) && !find_domain(dom)->bypass) {
      for (size_t i = 0; i < resv_count_; ++i)
        if (at >= resv_[i].start && at <= resv_[i].end) end = resv_[i].end;
    }
    if (end >= last) return first;
    at = end + 1;
  }
}

}  // namespace model::virtio_iommu
