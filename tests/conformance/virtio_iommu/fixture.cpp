#include "tests/conformance/virtio_iommu/fixture.h"

#include <cstdio>
#include <cstring>

#include "kernel/dma_memory.h"
#if defined(VIOMMU_ARCH_aarch64)
#include "kernel/fdt.h"
#include "kernel/platform.h"
#endif
#include "tests/kit/fault_record.h"

namespace virtio_iommu_tests {

namespace {

// How long a fault report is waited for. Reports are optional (§5.13.6.9 "can report"): one that does
// not arrive is a note, never a failure, so the bound only has to cover a device that reports at once.
constexpr uint32_t kFaultWaitMs = 500;
uint8_t g_model_reply[vi::VirtioIommu::kReplySize];
// The last request as the model saw it, and the model before it: follow()/adopt() replay it with another
// choice. Static: a Device is several KiB.
uint8_t g_last_readable[vi::VirtioIommu::kPage];
size_t g_last_rlen = 0;
uint32_t g_last_wlen = 0;
mv::Device g_before;
mv::Device g_alt;


#if defined(VIOMMU_ARCH_aarch64)
// Platform fact: the doorbell of the machine's MSI controller (QEMU's virt names it in the PCI host's
// msi-map), which the IOMMU must let through untranslated (§5.13.6.8.1 RESV_MEM_T_MSI). GICv2m: the whole
// frame; GICv3 ITS: the GITS_TRANSLATER page, the ITS's second 64 KiB frame (IHI 0069 §12.19). QEMU's
// virt puts the DTB at the start of RAM, where it stays.
bool msi_doorbell(mv::ResvRegion* out) {
  kernel::Fdt fdt;
  if (!fdt.init(reinterpret_cast<const void*>(kernel::platform().ram_base))) return false;
  kernel::Fdt::Node n;
  uint64_t base = 0, size = 0;
  if (fdt.find_compatible("arm,gic-v2m-frame", &n) && fdt.reg(n, 0, &base, &size) && size) {
    *out = mv::ResvRegion{base, base + size - 1, sv::ProbeResvMem::kSubtypeMsi};
    return true;
  }
  if (fdt.find_compatible("arm,gic-v3-its", &n) && fdt.reg(n, 0, &base, &size)) {
    *out = mv::ResvRegion{base + 0x10000, base + 0x1ffff, sv::ProbeResvMem::kSubtypeMsi};
    return true;
  }
  return false;
}
#endif

}  // namespace

// ---- Buf ----

Buf::~Buf() {
  if (pa_) kernel::DmaMemory::free(pa_, len_);
}

bool Buf::alloc(size_t len) {
  pa_ = kernel::DmaMemory::alloc(len);
  len_ = pa_ ? len : 0;
  return pa_ != 0;
}

void Buf::fill(uint8_t seed) const {
  for (size_t i = 0; i < len_; ++i) data()[i] = kit::pattern(seed, i);
}

// ---- Session ----

const char* answer_name(uint8_t a) {
  switch (a) {
    case kNoStatus: return "returned unwritten";
    case kReset: return "DEVICE_NEEDS_RESET";
    case kLost: return "not returned";
    default: return sv::status_name(a);
  }
}

uint8_t boot_bypass() {
  static bool read = false;
  static uint8_t value = 0;
  if (!read) {
    vi::VirtioIommu* d = vi::VirtioIommu::get();
    value = d ? d->read_bypass() : 0;
    read = true;
  }
  return value;
}

bool Session::begin(uint64_t want) {
  dev_ = vi::VirtioIommu::get();
  if (!dev_) {
    t_.skip("no virtio-iommu (PCI 1af4:1057) on this machine");
    return false;
  }
  const uint8_t boot = boot_bypass();
  want_ = want;
  const virtio::InitResult r = dev_->init(want);
  switch (r) {
    case virtio::InitResult::kOk:
      break;
    case virtio::InitResult::kQueueAlloc:
      t_.error("virtio-iommu initialization: out of DMA memory for the queues");
      return false;
    case virtio::InitResult::kFeaturesRejected:
      t_.check("init", kFeatSubset, false, "FEATURES_OK refused for a subset of the offered features");
      return false;
    case virtio::InitResult::kResetTimeout:
      t_.check("init", kDeviceReset, false, "device_status did not read 0 after the reset");
      return false;
    case virtio::InitResult::kNoVersion1:
      t_.check("init", kVersion1, false, "VIRTIO_F_VERSION_1 not offered");
      return false;
    default:
      t_.check("init", kQueues, false, "virtio-iommu initialization failed: %s", virtio::to_string(r));
      return false;
  }
  begun_ = true;
  // A previous case may have cleared config.bypass; device reset keeps it (§5.13.4), so restore it.
  if ((dev_->negotiated() & sv::feature::kBypassConfig) && dev_->read_bypass() != boot) dev_->write_bypass(boot);

  // The model: the device's advertised configuration is the VMM's choice (an input, not a prediction).
  const sv::Config c = dev_->read_config();
  mv::DeviceConfig dc;
  dc.features = dev_->offered();
  dc.page_size_mask = c.page_size_mask();
  dc.input_start = c.input_range_start();
  dc.input_end = c.input_range_end();
  dc.domain_start = static_cast<uint32_t>(c.domain_range_start());
  dc.domain_end = static_cast<uint32_t>(c.domain_range_end());
  dc.probe_size = static_cast<uint32_t>(c.probe_size());
  dc.bypass = static_cast<uint8_t>(c.bypass());
  model_ = mv::Device(dc);
  if (!model_.negotiate(dev_->negotiated())) {
    t_.error("the model refuses features 0x%lx that the driver negotiated", static_cast<unsigned long>(dev_->negotiated()));
    return false;
  }
  // Endpoints the firmware places behind this IOMMU.
  for (size_t i = 0; i < drivers::endpoint_count(); ++i) {
    drivers::DmaEndpoint* e = drivers::endpoint(i);
    const vi::EndpointId id = vi::endpoint_id(e->rid(), dev_->rid());
    if (id.source != vi::IdSource::kNotTranslated) model_.add_endpoint(id.id);
  }
#if defined(VIOMMU_ARCH_x86_64)
  // Platform fact: on x86 the MSI window 0xfee00000-0xfeefffff is the interrupt controllers' doorbell
  // (Intel SDM vol. 3 §11.11.1), which a virtio-iommu without interrupt remapping reports as an
  // RESV_MEM_T_MSI region and passes through (§5.13.6.8.1).
  model_.add_reserved_region({0xfee00000, 0xfeefffff, sv::ProbeResvMem::kSubtypeMsi});
#elif defined(VIOMMU_ARCH_aarch64)
  mv::ResvRegion msi;
  if (msi_doorbell(&msi)) model_.add_reserved_region(msi);
#endif
  dev_->drain_faults();
  return true;
}

Session::~Session() {
  if (!begun_ || !dev_) return;
  // Leave the boot state behind: no endpoint attached, config.bypass at its boot value. The explicit
  // DETACHes come first because a device reset alone does not detach on every implementation (see
  // virtio-iommu.reset.detaches_endpoints); their statuses are not checked here.
  for (size_t i = 0; i < drivers::endpoint_count(); ++i) {
    drivers::DmaEndpoint* e = drivers::endpoint(i);
    const vi::EndpointId id = vi::endpoint_id(e->rid(), dev_->rid());
    if (id.source == vi::IdSource::kNotTranslated) continue;
    for (uint32_t domain = 1; domain <= kCaseDomains; ++domain) dev_->detach(domain, id.id);
  }
  for (size_t i = 0; i < n_named_; ++i)  // IDs the case named itself (a device may have accepted an alias)
    for (uint32_t domain = 1; domain <= kCaseDomains; ++domain) dev_->detach(domain, named_[i]);
  dev_->init(vi::VirtioIommu::kWanted);
  if ((dev_->negotiated() & sv::feature::kBypassConfig) && dev_->read_bypass() != boot_bypass())
    dev_->write_bypass(boot_bypass());
  dev_->drain_faults();
}

bool Session::require(uint64_t feature, const char* name) {
  if (dev_->negotiated() & feature) return true;
  t_.skip("%s not negotiated", name);
  return false;
}

Ep Session::need(const char* name) {
  drivers::DmaEndpoint* e = drivers::find_endpoint(name);
  if (!e) {
    t_.skip("no %s endpoint", name);
    return Ep{};
  }
  if (!drivers::dma_translated(e)) {
    t_.skip("%s does not DMA through the IOMMU (VIRTIO_F_ACCESS_PLATFORM not negotiated)", name);
    return Ep{};
  }
  const vi::EndpointId id = vi::endpoint_id(e->rid(), dev_->rid());
  if (id.source == vi::IdSource::kNotTranslated) {
    t_.skip("%s (RID 0x%04x) is not behind this virtio-iommu according to the firmware", name, e->rid());
    return Ep{};
  }
  if (id.source == vi::IdSource::kRidFallback)
    t_.note("no DT iommu-map and no ACPI VIOT: using the RID 0x%04x as endpoint ID", e->rid());
  if (n_needed_ < kMaxNamed) needed_[n_needed_++] = id.id;
  return Ep{e, id.id};
}

bool Session::alloc(std::initializer_list<Buf*> bufs, size_t len) {
  for (Buf* b : bufs) {
    if (b->alloc(len)) continue;
    t_.error("out of DMA memory (%zu bytes)", len);
    return false;
  }
  return true;
}

void Session::resync_after_reset() {
  // The driver reset and re-initialized the device (§5.13.5: nothing attached any more).
  model_.reset();
  model_.negotiate(dev_->negotiated());
}

uint8_t Session::exchange(const char* what, size_t len, uint32_t reply_len, uint32_t status_off, const Permit& p) {
  const vi::ChainPart parts[2] = {{false, 0, static_cast<uint32_t>(len)}, {true, 0, reply_len}};
  return exchange_chain(what, parts, 2, status_off, p);
}

uint8_t Session::exchange_chain(const char* what, const vi::ChainPart* parts, size_t n, uint32_t status_off,
                                const Permit& p) {
  // The model sees the chain as the device must: readable parts concatenated, writable parts concatenated.
  size_t rlen = 0;
  uint32_t wlen = 0;
  for (size_t i = 0; i < n; ++i) {
    if (parts[i].device_writes) {
      wlen += parts[i].len;
    } else {
      memcpy(g_last_readable + rlen, dev_->request_page() + parts[i].offset, parts[i].len);
      rlen += parts[i].len;
    }
  }
  g_last_rlen = rlen;
  g_last_wlen = wlen;
  g_before = model_;
  memset(g_model_reply, 0, wlen);
  const mv::Completion m = model_.handle(g_last_readable, rlen, g_model_reply, wlen);
  const uint8_t expected = verdict::answer_of(m);
  const vi::Reply d = dev_->submit(parts, n, status_off);

  uint8_t got;
  if (d.needs_reset) {
    got = kReset;
  } else if (d.timed_out) {
    t_.check("request.returned", kReturned, false, "%s: not returned within the driver's bound (model: %s)", what,
             answer_name(expected));
    resync_after_reset();
    return kLost;
  } else if (!d.used) {
    t_.error("%s: the driver could not submit the chain", what);
    return kLost;
  } else {
    // The status is the driver's to read only within the used length (§2.7.8.2: the device writes at least
    // `len` bytes; the driver relies on nothing beyond them).
    got = d.used_len >= status_off + sv::kTailSize ? d.status : kNoStatus;
    if (got == kNoStatus && d.used_len != 0)
      t_.note("%s: used length %u does not cover the status at offset %u", what, d.used_len, status_off);
  }

  const bool permitted = verdict::answer_permitted(got, expected, p);
  t_.check("status", *p.clause, permitted, "%s: device %s (%u), model %s", what, answer_name(got), got,
           answer_name(expected));
  if (permitted && got != expected)
    t_.choice("status", p.note ? *p.note : *p.clause, false, "%s: device %s, model %s", what, answer_name(got), answer_name(expected));

  if (got == kReset) {
    resync_after_reset();
    return kReset;
  }
  if (got < kLost && status_off + sv::kTailSize <= vi::VirtioIommu::kReplySize) {
    const uint8_t* tail = dev_->reply_page() + status_off;
    t_.check("tail.reserved", kTailReserved, tail[1] == 0 && tail[2] == 0 && tail[3] == 0,
             "%s: tail reserved bytes %02x %02x %02x", what, tail[1], tail[2], tail[3]);
  }
  if (got == expected && got != kNoStatus && d.used_len != m.used_len)
    t_.choice("used_len", kUsedLen, false, "%s: used length %u, model %u", what, d.used_len, m.used_len);
  if (got != expected) follow(got, wlen);
  return got;
}

void Session::follow(uint8_t device_answer, uint32_t wlen) {
  // Which one of the model's choices, taken the other way, gives the device's answer?
  for (const mv::Choices::Field& f : mv::Choices::kFieldList) {
    mv::Choices c = g_before.choices();
    if (c.*f.member) continue;
    c.*f.member = true;
    g_alt = g_before;
    g_alt.set_choices(c);
    memset(g_model_reply, 0, wlen);
    if (verdict::answer_of(g_alt.handle(g_last_readable, g_last_rlen, g_model_reply, wlen)) != device_answer) continue;
    t_.note("the device's answer is the model's choice '%s' taken the other way; the model follows it", f.name);
    model_ = g_alt;
    return;
  }
  t_.note("no single model choice gives the device's answer: the model keeps its own state");
}

void Session::adopt(bool mv::Choices::*field, bool replay_last_request) {
  mv::Choices c = model_.choices();
  c.*field = true;
  if (!replay_last_request) {
    model_.set_choices(c);
    return;
  }
  model_ = g_before;
  model_.set_choices(c);
  memset(g_model_reply, 0, g_last_wlen);
  model_.handle(g_last_readable, g_last_rlen, g_model_reply, g_last_wlen);
}

uint8_t Session::attach(uint32_t domain, uint32_t ep, uint32_t flags, const Permit& p) {
  bool known = false;
  for (size_t i = 0; i < n_named_; ++i) known |= named_[i] == ep;
  if (!known && n_named_ < kMaxNamed) named_[n_named_++] = ep;
  sv::ReqAttach r;
  r.set_domain(domain).set_endpoint(ep).set_flags(flags);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqAttach::kReadable);
  char what[80];
  snprintf(what, sizeof what, "ATTACH(domain %u, endpoint 0x%x, flags 0x%x)", domain, ep, flags);
  return exchange(what, sv::ReqAttach::kReadable, sv::kTailSize, 0, p);
}

uint8_t Session::detach(uint32_t domain, uint32_t ep, const Permit& p) {
  sv::ReqDetach r;
  r.set_domain(domain).set_endpoint(ep);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqDetach::kReadable);
  char what[80];
  snprintf(what, sizeof what, "DETACH(domain %u, endpoint 0x%x)", domain, ep);
  return exchange(what, sv::ReqDetach::kReadable, sv::kTailSize, 0, p);
}

uint8_t Session::map(uint32_t domain, uint64_t va, uint64_t size, uint64_t pa, uint32_t flags, const Permit& p) {
  sv::ReqMap r;
  r.set_domain(domain).set_virt_start(va).set_virt_end(va + size - 1).set_phys_start(pa).set_flags(flags);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqMap::kReadable);
  char what[120];
  snprintf(what, sizeof what, "MAP(domain %u, [0x%lx, 0x%lx] -> 0x%lx, flags 0x%x)", domain,
           static_cast<unsigned long>(va), static_cast<unsigned long>(va + size - 1), static_cast<unsigned long>(pa),
           flags);
  return exchange(what, sv::ReqMap::kReadable, sv::kTailSize, 0, p);
}

uint8_t Session::unmap(uint32_t domain, uint64_t va, uint64_t size, const Permit& p) {
  sv::ReqUnmap r;
  r.set_domain(domain).set_virt_start(va).set_virt_end(va + size - 1);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqUnmap::kReadable);
  char what[100];
  snprintf(what, sizeof what, "UNMAP(domain %u, [0x%lx, 0x%lx])", domain, static_cast<unsigned long>(va),
           static_cast<unsigned long>(va + size - 1));
  return exchange(what, sv::ReqUnmap::kReadable, sv::kTailSize, 0, p);
}

bool Session::map_driver_memory(const Ep& ep, uint32_t domain) {
  drivers::DmaRange r[8];
  const size_t n = drivers::driver_dma_ranges(ep.dma, r, 8);
  for (size_t i = 0; i < n && i < 8; ++i)
    if (map(domain, r[i].pa, r[i].len, r[i].pa, kRW) != kOk) return false;
  return true;
}

bool Session::attach_with_driver_memory(const Ep& ep, uint32_t domain) {
  if (attach(domain, ep.id) != kOk) return false;
  return map_driver_memory(ep, domain);
}

bool Session::under_test(uint32_t endpoint) const {
  for (size_t i = 0; i < n_needed_; ++i)
    if (needed_[i] == endpoint) return true;
  return false;
}

void Session::expect_no_fault(const Ep& ep, uint64_t iova, size_t len, const char* after) {
  sv::Fault f;
  // A report from an endpoint this case does not drive says nothing about the case: QEMU's virtio-rng
  // completes a buffer queued in an earlier case whenever its entropy backend answers, and that DMA
  // faults once the rng's domain is gone. Nor does a late report of an earlier blocked access: only a
  // translation fault that names an address of the allowed access itself is a false report. The check is
  // recorded either way: passed when no such report came.
  bool reported = false;
  while (dev_->next_fault(&f)) {
    const bool addressed = (f.flags() & sv::Fault::kFlagAddress) != 0;
    const bool translation =
        f.reason() == sv::Fault::kReasonDomain || f.reason() == sv::Fault::kReasonMapping;
    const bool names_it = f.endpoint() == ep.id && addressed && f.address() >= iova && f.address() - iova < len;
    if (translation && names_it) {
      reported = true;
      t_.check("fault.none", kFaultNone, false,
               "%s: fault report (reason %lu, flags 0x%lx) for address 0x%lx of the allowed access", after,
               static_cast<unsigned long>(f.reason()), static_cast<unsigned long>(f.flags()),
               static_cast<unsigned long>(f.address()));
      continue;
    }
    t_.note("%s: fault report from endpoint 0x%lx not about this access (reason %lu, flags 0x%lx, address 0x%lx)",
            after, static_cast<unsigned long>(f.endpoint()), static_cast<unsigned long>(f.reason()),
            static_cast<unsigned long>(f.flags()), static_cast<unsigned long>(f.address()));
  }
  if (!reported) t_.check("fault.none", kFaultNone, true, "%s: no fault report for the allowed access", after);
}

void Session::expect_fault(const mv::FaultRecord& e, kit::Direction d) {
  sv::Fault f;
  // Reports from endpoints the case does not drive are passed over (see expect_no_fault).
  const bool got = kernel::wait_until(
      [&] { return dev_->next_fault(&f) && under_test(static_cast<uint32_t>(f.endpoint())); }, kFaultWaitMs);
  if (!got) {
    t_.choice("fault.report", kFaultOptional, false,
              "no fault report within %u ms; the model reports reason %u, flags 0x%x, endpoint 0x%x, address 0x%lx",
              kFaultWaitMs, e.reason, e.flags, e.endpoint, static_cast<unsigned long>(e.address));
    return;
  }
  const auto reason = static_cast<uint8_t>(f.reason());
  const auto flags = static_cast<uint32_t>(f.flags());
  const verdict::FaultJudgement j =
      verdict::judge_fault(reason, flags, static_cast<uint32_t>(f.endpoint()), f.address(),
                           static_cast<uint32_t>(f.reserved()), static_cast<uint32_t>(f.reserved1()), e, access(d));
  t_.check("fault.reason", kFaultReason, j.reason_ok, "reason %u, model %u (R_UNKNOWN also permitted)", reason, e.reason);
  if (j.reason_ok) t_.choice("fault.reason", kFaultReason, j.reason_same, "reason %u (R_UNKNOWN), model %u", reason, e.reason);
  t_.check("fault.endpoint", kFaultEndpoint, j.endpoint_ok, "endpoint 0x%lx, faulting endpoint 0x%x",
           static_cast<unsigned long>(f.endpoint()), e.endpoint);
  // §5.13.6.9.2: the device MAY omit F_ADDRESS; when it sets it, the address is the faulting one.
  if (j.address_given)
    t_.check("fault.address", kFaultAddress, j.address_ok, "address 0x%lx, the first faulting byte 0x%lx",
             static_cast<unsigned long>(f.address()), static_cast<unsigned long>(e.address));
  else
    t_.choice("fault.address", kFaultAddressMay, !(e.flags & sv::Fault::kFlagAddress),
              "no F_ADDRESS; the model reports address 0x%lx", static_cast<unsigned long>(e.address));
  // F_READ / F_WRITE are information about the access: absent, or the direction that faulted.
  t_.check("fault.flags", kFaultFlags, j.direction_ok, "flags 0x%x name another direction than the access's (%s)", flags,
           kit::to_string(d));
  if (j.direction_ok)
    t_.choice("fault.flags", kFaultFlags, j.direction_same, "flags 0x%x, model 0x%x", flags, e.flags);
  t_.check("fault.reserved", kFaultReserved, j.reserved_ok, "reserved 0x%lx, reserved1 0x%lx",
           static_cast<unsigned long>(f.reserved()), static_cast<unsigned long>(f.reserved1()));
  t_.check("fault.flags_undefined", kFaultUndefinedFlags, j.undefined_flags_ok, "flags 0x%x", flags);
  const bool all_ok = j.reason_ok && j.endpoint_ok && (!j.address_given || j.address_ok) && j.direction_ok &&
                      j.reserved_ok && j.undefined_flags_ok;
  if (!all_ok) {
    char text[256];
    kit::format_record(text, sizeof text, sv::Fault::kFields, f);
    t_.note("the device's fault report: %s", text);
  }
}

bool Session::dma(const Ep& ep, uint64_t iova, size_t len, kit::Direction d, const kernel::Clause* allowed) {
  dev_->drain_faults();
  const mv::Translation p = model_.translate_range(ep.id, iova, len, access(d));
  const drivers::DmaStatus s = d == kDevReads ? ep.dma->read(iova, len) : ep.dma->write(iova, len);
  if (p.ok) {
    const kernel::Clause& c = allowed ? *allowed : p.bypassed ? kBypassMode : kMapAccess;
    t_.check("dma.status", c, s == drivers::DmaStatus::kOk,
             "%s %s of %zu bytes at iova 0x%lx: %s; model: reaches pa 0x%lx", ep.dma->name(), kit::to_string(d), len,
             static_cast<unsigned long>(iova), drivers::to_string(s), static_cast<unsigned long>(p.pa));
    expect_no_fault(ep, iova, len, "after an allowed DMA");
    return s == drivers::DmaStatus::kOk;
  }
  // The IOMMU blocks the access and may report it; how the endpoint completes its request is the
  // endpoint's business (QEMU's memory core lets a blocked access read zeroes / drop writes and the
  // request complete). The cases check the memory that must stay untouched themselves.
  t_.note("%s %s of %zu bytes at iova 0x%lx, blocked by the model: endpoint reports %s", ep.dma->name(),
          kit::to_string(d), len, static_cast<unsigned long>(iova), drivers::to_string(s));
  expect_fault(p.fault, d);
  dev_->drain_faults();
  return s == drivers::DmaStatus::kOk;
}

bool Session::untouched(const kernel::Clause& c, const Buf& b, size_t off, size_t n, uint8_t fill, const char* what) {
  size_t changed = 0, first = n;
  for (size_t i = 0; i < n; ++i) {
    if (b.data()[off + i] == fill) continue;
    if (first == n) first = i;
    ++changed;
  }
  return t_.check("dma.untouched", c, changed == 0, "%s: %zu of %zu bytes changed (first at +0x%zx: 0x%02x)", what,
                  changed, n, first == n ? 0 : off + first, first == n ? fill : b.data()[off + first]);
}

bool Session::roundtrip(const Ep& ep, uint64_t src_iova, const Buf& src, uint64_t dst_iova, size_t len, uint8_t seed,
                        const kernel::Clause& blocked, const kernel::Clause* allowed) {
  const mv::Translation rp = model_.translate_range(ep.id, src_iova, len, mv::Access::kRead);
  const mv::Translation wp = model_.translate_range(ep.id, dst_iova, len, mv::Access::kWrite);
  // The probe reads back through dst; for a blocked read it first loads the endpoint through dst too.
  const bool staging = wp.ok && (rp.ok || model_.translate_range(ep.id, dst_iova, len, mv::Access::kRead).ok);
  if (!staging) {  // no staging area: the two DMAs judged by the model alone
    dma(ep, src_iova, len, kDevReads, allowed);
    dma(ep, dst_iova, len, kDevWrites, allowed);
    return false;
  }
  const uint64_t src_pa = src.pa() + (src_iova & (page() - 1));  // what the read reaches, or must not
  const kernel::Clause& c = allowed ? *allowed : rp.bypassed ? kBypassMode : kMapPa;
  kit::DmaProbe probe(t_, ep.dma, kit::Staging{dst_iova, wp.pa, len}, kit::ProbeClauses{c, blocked});
  dev_->drain_faults();
  if (!rp.ok) {
    probe.expect_terminated(kDevReads, src_iova, src_pa, len, seed);
    expect_fault(rp.fault, kDevReads);
    expect_no_fault(ep, dst_iova, len, "after the write-back through the staging area");
    return false;
  }
  t_.check("oracle", kernel::kSuite, rp.pa == src_pa, "the model translates iova 0x%lx to 0x%lx, the case's source is "
           "0x%lx", static_cast<unsigned long>(src_iova), static_cast<unsigned long>(rp.pa),
           static_cast<unsigned long>(src_pa));
  const bool ok = probe.expect_translated(kDevReads, src_iova, rp.pa, len, seed);
  expect_no_fault(ep, src_iova, len, "after an allowed device read");
  expect_no_fault(ep, dst_iova, len, "after an allowed device write");
  return ok;
}

bool BlkCase::begin(size_t pages) {
  if (!s.begin()) return false;
  blk = s.need("virtio-blk");
  return blk && s.alloc({&src, &dst}, pages * s.page()) && s.attach_with_driver_memory(blk, 1);
}

bool BlkCase::join_rng() {
  rng = s.need("virtio-rng");
  return rng && s.attach(1, rng.id, 0, Permit(kAttachShared).also(bit(sv::Status::kUnsupp))) == kOk &&
         s.map_driver_memory(rng, 1);
}

void Session::set_bypass(uint8_t v) {
  dev_->write_bypass(v);
  model_.write_bypass(v);
  t_.expect_eq("config.bypass", kBypassWrite, model_.config().bypass(), dev_->read_bypass());
}

}  // namespace virtio_iommu_tests
