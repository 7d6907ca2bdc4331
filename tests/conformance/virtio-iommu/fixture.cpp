#include "tests/conformance/virtio-iommu/fixture.h"

#include <cstdio>
#include <cstring>

#include "kernel/dma_memory.h"
#if defined(VIOMMU_ARCH_aarch64)
#include "kernel/fdt.h"
#include "kernel/platform.h"
#endif

namespace viommu_tests {

namespace {

constexpr uint32_t kFaultWaitMs = 500;
uint8_t g_model_reply[vi::VirtioIommu::kReplySize];

const char* dir_name(mv::Access a) { return a == kDevReads ? "device read" : "device write"; }

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
  for (size_t i = 0; i < len_; ++i) data()[i] = pattern(seed, i);
}

long Buf::mismatch(uint8_t seed, size_t off, size_t n) const {
  for (size_t i = off; i < off + n && i < len_; ++i)
    if (data()[i] != pattern(seed, i)) return static_cast<long>(i);
  return -1;
}

// ---- Session ----

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
  if (r != virtio::InitResult::kOk) {
    t_.fail("virtio-iommu initialization failed: %s", virtio::to_string(r));
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
  if (!t_.check(model_.negotiate(dev_->negotiated()), "device accepted features 0x%lx the model refuses",
                static_cast<unsigned long>(dev_->negotiated())))
    return false;
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

void Session::resync_after_reset() {
  // The driver reset and re-initialized the device (§5.13.5: nothing attached any more).
  model_.reset();
  model_.negotiate(dev_->negotiated());
}

uint8_t Session::exchange(const char* what, size_t len, uint32_t reply_len, uint32_t status_off) {
  const vi::ChainPart parts[2] = {{false, 0, static_cast<uint32_t>(len)}, {true, 0, reply_len}};
  return exchange_chain(what, parts, 2, status_off);
}

uint8_t Session::exchange_chain(const char* what, const vi::ChainPart* parts, size_t n, uint32_t status_off) {
  // The model sees the chain as the device must: readable parts concatenated, writable parts concatenated.
  static uint8_t readable[vi::VirtioIommu::kPage];
  size_t rlen = 0, wlen = 0;
  for (size_t i = 0; i < n; ++i) {
    if (parts[i].device_writes) {
      wlen += parts[i].len;
    } else {
      memcpy(readable + rlen, dev_->request_page() + parts[i].offset, parts[i].len);
      rlen += parts[i].len;
    }
  }
  memset(g_model_reply, 0, wlen);
  const mv::Completion m = model_.handle(readable, rlen, g_model_reply, wlen);
  const vi::Reply d = dev_->submit(parts, n, status_off);
  if (!d.used) {
    t_.check(false, "%s: the device %s instead of returning the buffers (model: used length %u, status %s)", what,
             d.needs_reset ? "set DEVICE_NEEDS_RESET" : "did not answer within the bound", m.used_len,
             m.written ? sv::status_name(m.status) : "not written");
    resync_after_reset();
    return 0xff;
  }
  t_.check(d.used_len == m.used_len, "%s: used length %u, model expects %u", what, d.used_len, m.used_len);
  if (!m.written) return d.used_len ? d.status : 0xff;
  if (!t_.check(d.used_len != 0, "%s: buffers returned unwritten, model expects status %s", what,
                sv::status_name(m.status)))
    return 0xff;
  t_.check(d.status == m.status, "%s: status %s (%u), model expects %s (%u)", what, sv::status_name(d.status),
           d.status, sv::status_name(m.status), m.status);
  return d.status;
}

uint8_t Session::attach(uint32_t domain, uint32_t ep, uint32_t flags) {
  bool known = false;
  for (size_t i = 0; i < n_named_; ++i) known |= named_[i] == ep;
  if (!known && n_named_ < kMaxNamed) named_[n_named_++] = ep;
  sv::ReqAttach r;
  r.set_domain(domain).set_endpoint(ep).set_flags(flags);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqAttach::kReadable);
  char what[80];
  snprintf(what, sizeof what, "ATTACH(domain %u, endpoint 0x%x, flags 0x%x)", domain, ep, flags);
  return exchange(what, sv::ReqAttach::kReadable, sv::kTailSize, 0);
}

uint8_t Session::detach(uint32_t domain, uint32_t ep) {
  sv::ReqDetach r;
  r.set_domain(domain).set_endpoint(ep);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqDetach::kReadable);
  char what[80];
  snprintf(what, sizeof what, "DETACH(domain %u, endpoint 0x%x)", domain, ep);
  return exchange(what, sv::ReqDetach::kReadable, sv::kTailSize, 0);
}

uint8_t Session::map(uint32_t domain, uint64_t va, uint64_t size, uint64_t pa, uint32_t flags) {
  sv::ReqMap r;
  r.set_domain(domain).set_virt_start(va).set_virt_end(va + size - 1).set_phys_start(pa).set_flags(flags);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqMap::kReadable);
  char what[120];
  snprintf(what, sizeof what, "MAP(domain %u, [0x%lx, 0x%lx] -> 0x%lx, flags 0x%x)", domain,
           static_cast<unsigned long>(va), static_cast<unsigned long>(va + size - 1), static_cast<unsigned long>(pa),
           flags);
  return exchange(what, sv::ReqMap::kReadable, sv::kTailSize, 0);
}

uint8_t Session::unmap(uint32_t domain, uint64_t va, uint64_t size) {
  sv::ReqUnmap r;
  r.set_domain(domain).set_virt_start(va).set_virt_end(va + size - 1);
  memcpy(dev_->request_page(), r.words.data(), sv::ReqUnmap::kReadable);
  char what[100];
  snprintf(what, sizeof what, "UNMAP(domain %u, [0x%lx, 0x%lx])", domain, static_cast<unsigned long>(va),
           static_cast<unsigned long>(va + size - 1));
  return exchange(what, sv::ReqUnmap::kReadable, sv::kTailSize, 0);
}

bool Session::map_driver_memory(const Ep& ep, uint32_t domain) {
  drivers::DmaRange r[8];
  const size_t n = drivers::driver_dma_ranges(ep.dma, r, 8);
  for (size_t i = 0; i < n && i < 8; ++i) {
    if (!t_.check(map(domain, r[i].pa, r[i].len, r[i].pa, kRW) == 0,
                  "setup: mapping %s's driver memory [0x%lx, +0x%zx) failed", ep.dma->name(),
                  static_cast<unsigned long>(r[i].pa), r[i].len))
      return false;
  }
  return true;
}

bool Session::attach_with_driver_memory(const Ep& ep, uint32_t domain) {
  if (!t_.check(attach(domain, ep.id) == 0, "setup: attaching %s to domain %u failed", ep.dma->name(), domain))
    return false;
  return map_driver_memory(ep, domain);
}

bool Session::under_test(uint32_t endpoint) const {
  for (size_t i = 0; i < n_needed_; ++i)
    if (needed_[i] == endpoint) return true;
  return false;
}

bool Session::expect_no_fault(const char* after) {
  sv::Fault f;
  // A report from an endpoint this case does not drive says nothing about the case: QEMU's virtio-rng
  // completes a buffer queued in an earlier case whenever its entropy backend answers, and that DMA
  // faults once the rng's domain is gone. It is shown, not counted.
  for (;;) {
    if (!dev_->next_fault(&f)) return true;
    if (under_test(static_cast<uint32_t>(f.endpoint()))) break;
    t_.note("%s: fault report from endpoint 0x%lx, which this case does not drive (reason %lu, address 0x%lx)",
            after, static_cast<unsigned long>(f.endpoint()), static_cast<unsigned long>(f.reason()),
            static_cast<unsigned long>(f.address()));
  }
  t_.check(false, "%s: unexpected fault report (reason %lu, flags 0x%lx, endpoint 0x%lx, address 0x%lx)", after,
           static_cast<unsigned long>(f.reason()), static_cast<unsigned long>(f.flags()),
           static_cast<unsigned long>(f.endpoint()), static_cast<unsigned long>(f.address()));
  dev_->drain_faults();
  return false;
}

bool Session::expect_fault(const mv::FaultRecord& e, bool check_direction) {
  sv::Fault f;
  // Reports from endpoints the case does not drive are passed over (see expect_no_fault).
  const bool got = kernel::wait_until(
      [&] { return dev_->next_fault(&f) && under_test(static_cast<uint32_t>(f.endpoint())); }, kFaultWaitMs);
  if (!t_.check(got, "no fault report within %u ms; model expects reason %u, flags 0x%x, endpoint 0x%x, address 0x%lx",
                kFaultWaitMs, e.reason, e.flags, e.endpoint, static_cast<unsigned long>(e.address)))
    return false;
  bool ok = t_.expect_eq("fault.reason", e.reason, f.reason());
  ok &= t_.expect_eq("fault.endpoint", e.endpoint, f.endpoint());
  // §5.13.6.9: the device MAY omit F_ADDRESS; when it sets it, the address must be the faulting one.
  if (f.flags() & sv::Fault::kFlagAddress)
    ok &= t_.expect_eq("fault.address", e.address, f.address());
  else
    t_.note("fault report without F_ADDRESS (allowed by §5.13.6.9)");
  if (check_direction)
    ok &= t_.expect_eq("fault.flags & (F_READ|F_WRITE)", e.flags & (sv::Fault::kFlagRead | sv::Fault::kFlagWrite),
                       f.flags() & (sv::Fault::kFlagRead | sv::Fault::kFlagWrite));
  // §5.13.6.9 device requirements: reserved fields and undefined flags SHOULD be zero.
  ok &= t_.expect_eq("fault.reserved", 0, f.reserved());
  ok &= t_.expect_eq("fault.reserved1", 0, f.reserved1());
  ok &= t_.expect_eq("fault.flags undefined bits", 0,
                     f.flags() & ~uint64_t{sv::Fault::kFlagRead | sv::Fault::kFlagWrite | sv::Fault::kFlagAddress});
  return ok;
}

bool Session::dma(const Ep& ep, uint64_t iova, size_t len, mv::Access a, bool check_direction) {
  dev_->drain_faults();
  const mv::Translation p = model_.translate_range(ep.id, iova, len, a);
  const drivers::DmaStatus s = a == kDevReads ? ep.dma->read(iova, len) : ep.dma->write(iova, len);
  if (p.ok) {
    t_.check(s == drivers::DmaStatus::kOk, "%s %s of %zu bytes at iova 0x%lx: %s; model expects it to reach pa 0x%lx",
             ep.dma->name(), dir_name(a), len, static_cast<unsigned long>(iova), drivers::to_string(s),
             static_cast<unsigned long>(p.pa));
    expect_no_fault("after an allowed DMA");
    return s == drivers::DmaStatus::kOk;
  }
  // The IOMMU blocks the access and reports it; how the endpoint completes its request is the endpoint's
  // business (QEMU's memory core lets a blocked access read zeroes / drop writes and the request complete).
  // The cases check the memory that must stay untouched themselves.
  t_.note("%s %s of %zu bytes at iova 0x%lx, blocked by the model: endpoint reports %s", ep.dma->name(), dir_name(a),
          len, static_cast<unsigned long>(iova), drivers::to_string(s));
  expect_fault(p.fault, check_direction);
  dev_->drain_faults();
  return s == drivers::DmaStatus::kOk;
}

bool Session::roundtrip(const Ep& ep, uint64_t src_iova, const Buf& src, uint64_t dst_iova, size_t len, uint8_t seed) {
  src.fill(seed);
  const mv::Translation rp = model_.translate_range(ep.id, src_iova, len, kDevReads);
  dma(ep, src_iova, len, kDevReads);
  const mv::Translation wp = model_.translate_range(ep.id, dst_iova, len, kDevWrites);
  if (!wp.ok) {
    dma(ep, dst_iova, len, kDevWrites);
    return false;
  }
  // Prefill the destination the model predicts with other bytes, so the arrival is visible.
  memset(reinterpret_cast<void*>(wp.pa), static_cast<uint8_t>(~seed), len);
  if (!dma(ep, dst_iova, len, kDevWrites)) return false;
  const auto* got = reinterpret_cast<const uint8_t*>(wp.pa);
  const size_t src_off = static_cast<size_t>(src_iova & (page() - 1));
  if (!rp.ok) {
    // The read was blocked: whatever the endpoint got, it must not be the protected memory's bytes.
    return t_.check(memcmp(got, src.data() + src_off, len) != 0,
                    "the bytes of the blocked source (iova 0x%lx) reached the endpoint anyway",
                    static_cast<unsigned long>(src_iova));
  }
  size_t same = 0;  // bytes that arrived as sent, up to the first that did not
  while (same < len && got[same] == src.data()[src_off + same]) ++same;
  const size_t i = same < len ? same : 0;  // the byte the diagnostic shows
  return t_.check(same == len, "data at pa 0x%lx (model's translation of iova 0x%lx + %zu): 0x%02x, expected 0x%02x",
                  static_cast<unsigned long>(wp.pa + i), static_cast<unsigned long>(dst_iova), i, got[i],
                  src.data()[src_off + i]);
}

void Session::set_bypass(uint8_t v) {
  dev_->write_bypass(v);
  model_.write_bypass(v);
  t_.expect_eq("config.bypass after write", model_.config().bypass(), dev_->read_bypass());
}

}  // namespace viommu_tests
