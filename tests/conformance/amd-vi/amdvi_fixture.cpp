#include "tests/conformance/amd-vi/amdvi_fixture.h"

#include <cstring>

#include "kernel/platform.h"

namespace amdvi_tests {

AmdVi* need_iommu(kernel::Test& t) {
  AmdVi* v = AmdVi::get();
  if (!v) t.skip("no AMD-Vi IOMMU (PCI class 0806h with capability 0Fh)");
  return v;
}

drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n) {
  // The n-th such endpoint on bus 0 (the configuration's own endpoints; the ones behind the root port
  // are reached through the bridge cases).
  drivers::DmaEndpoint* ep = nullptr;
  for (unsigned k = 0, seen = 0; (ep = drivers::find_endpoint(name, k)); ++k)
    if ((ep->rid() >> 8) == 0 && seen++ == n) break;
  if (!ep) {
    t.skip("no %s endpoint #%u on bus 0", name, n);
    return nullptr;
  }
  if (!drivers::dma_translated(ep)) {
    t.skip("%s does not use the platform IOMMU (no VIRTIO_F_ACCESS_PLATFORM)", name);
    return nullptr;
  }
  return ep;
}

model::amd_vi::Iommu& model_of(AmdVi* iommu) {
  const kernel::Platform& p = kernel::platform();
  static model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  static model::amd_vi::Iommu m(mem);
  m.write(s::Mmio::kDeviceTableBase, iommu->read(s::Mmio::kDeviceTableBase));
  m.write(s::Mmio::kControl, iommu->default_control());
  return m;
}

model::amd_vi::Result predict(AmdVi* iommu, uint16_t devid, uint64_t iova, bool write) {
  model::amd_vi::Request r;
  r.device_id = devid;
  r.address = iova;
  r.write = write;
  return model_of(iommu).walk(r);
}

uint64_t driver_iova(void* ctx, uint64_t pa) {
  auto* a = static_cast<Attach*>(ctx);
  uint64_t iova = kDriverIova;
  for (size_t i = 0; i < a->nranges_ && i < 8; ++i) {
    const drivers::DmaRange& r = a->ranges_[i];
    if (pa >= r.pa && pa < r.pa + r.len) return iova + (pa - r.pa);
    iova += r.len;
  }
  return pa;  // not driver memory: untranslated view (will fault, which the test then reports)
}

Attach::Attach(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, unsigned mode, uint16_t domain)
    : t_(t), iommu_(iommu), ep_(ep), pt_(mode), domain_(domain) {
  devid_ = drivers::amd_vi::device_id_of(ep->rid());
  if (!pt_.init()) {
    t.error("no memory for the page table root");
    return;
  }
  stage_ = kernel::DmaMemory::alloc(4096);
  if (!stage_ || !pt_.map_4k(kStageIova, stage_)) {
    t.error("no memory for the staging page");
    return;
  }
  nranges_ = drivers::driver_dma_ranges(ep, ranges_, 8);
  uint64_t iova = kDriverIova;
  for (size_t i = 0; i < nranges_ && i < 8; ++i)
    for (uint64_t off = 0; off < ranges_[i].len; off += 4096, iova += 4096)
      if (!pt_.map_4k(iova, ranges_[i].pa + off)) {
        t.error("no memory for page tables mapping driver memory at iova 0x%llx", static_cast<unsigned long long>(iova));
        return;
      }
  if (!set_dte(base_dte())) return;
  drivers::set_driver_iova(ep, driver_iova, this);
  if (!t.check("dma.status", kTranslate, drivers::reset_endpoint(ep),
               "%s did not re-initialise behind the IOMMU (its rings mapped from IOVA 0x%llx in domain 0x%x)",
               ep->name(), static_cast<unsigned long long>(kDriverIova), domain))
    return;
  iommu->drain_events();
  ok_ = true;
}

s::Dte Attach::base_dte() const {
  s::Dte d;
  d.set_v(1).set_tv(1).set_ir(1).set_iw(1).set_mode(pt_.mode()).set_page_table_root_4k(pt_.root() >> 12);
  d.set_domain_id(domain_);
  return d;
}

bool Attach::set_dte(const s::Dte& d) {
  // The domain's IOTLB entries go too: a DTE change must not leave translations of the old one behind.
  const bool done =
      iommu_->set_dte(devid_, d) && iommu_->invalidate_pages(domain_, s::InvalidateIommuPages::kAllAddress, true);
  return t_.check("cmd.sync", kCompletionWait, done,
                  "DTE update for DeviceID 0x%04x: INVALIDATE_DEVTAB_ENTRY/INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT "
                  "store missing",
                  devid_);
}

Attach::~Attach() {
  iommu_->release(devid_);
  drivers::set_driver_iova(ep_, nullptr, nullptr);
  drivers::reset_endpoint(ep_);
  iommu_->drain_events();
  if (stage_) kernel::DmaMemory::free(stage_, 4096);
}

bool translated_roundtrip(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid,
                          uint64_t src_iova, uint64_t src_pa, uint64_t dst_iova, uint64_t dst_pa, size_t len,
                          const kernel::Clause& c) {
  const auto ps = predict(iommu, devid, src_iova, false);
  const auto pd = predict(iommu, devid, dst_iova, true);
  bool ok = t.check("oracle", kernel::kSuite, ps.ok() && ps.pa == src_pa,
                    "model: read at iova 0x%llx %s to pa 0x%llx, the case expects pa 0x%llx",
                    static_cast<unsigned long long>(src_iova), model::amd_vi::to_string(ps.outcome),
                    static_cast<unsigned long long>(ps.pa), static_cast<unsigned long long>(src_pa));
  ok &= t.check("oracle", kernel::kSuite, pd.ok() && pd.pa == dst_pa,
                "model: write at iova 0x%llx %s to pa 0x%llx, the case expects pa 0x%llx",
                static_cast<unsigned long long>(dst_iova), model::amd_vi::to_string(pd.outcome),
                static_cast<unsigned long long>(pd.pa), static_cast<unsigned long long>(dst_pa));
  uint8_t* src = reinterpret_cast<uint8_t*>(src_pa);
  uint8_t* dst = reinterpret_cast<uint8_t*>(dst_pa);
  for (size_t i = 0; i < len; ++i) {
    src[i] = static_cast<uint8_t>(0x5a + i * 7);
    dst[i] = 0xee;
  }
  arch::dma_wmb();
  const drivers::DmaStatus r = ep->read(src_iova, len);
  ok &= t.check("dma.status", c, r == drivers::DmaStatus::kOk, "device read at iova 0x%llx: %s",
                static_cast<unsigned long long>(src_iova), drivers::to_string(r));
  const drivers::DmaStatus w = ep->write(dst_iova, len);
  ok &= t.check("dma.status", c, w == drivers::DmaStatus::kOk, "device write at iova 0x%llx: %s",
                static_cast<unsigned long long>(dst_iova), drivers::to_string(w));
  arch::dma_rmb();
  size_t bad = 0;
  for (size_t i = 0; i < len; ++i) bad += dst[i] != static_cast<uint8_t>(0x5a + i * 7);
  ok &= t.check("dma.data", c, bad == 0, "%zu of %zu bytes at pa 0x%llx differ from what was read at pa 0x%llx", bad,
                len, static_cast<unsigned long long>(dst_pa), static_cast<unsigned long long>(src_pa));
  return ok;
}

void expect_event(kernel::Test& t, const s::Event& e, const s::Event& o, const EventLeeway& leeway) {
  const bool alt = leeway.alt_code != static_cast<s::EventCode>(0) && o.code() == leeway.alt_code && o.code() != e.code();
  if (alt) {
    // Another event the spec leaves open: its fields follow that event's layout, so only DeviceID is
    // compared.
    t.check("event.type", *leeway.code_clause, true, "%s", "as permitted");
    t.choice("event.type", *leeway.code_clause, false, "device logged %s, the model %s", s::to_string(o.code()),
             s::to_string(e.code()));
    t.expect_eq("event.DeviceID", kEventFields, e.device_id(), o.device_id());
    return;
  }
  const kernel::Clause& type_clause =
      leeway.alt_code != static_cast<s::EventCode>(0) ? *leeway.code_clause : kEventFields;
  if (!t.check("event.type", type_clause, o.code() == e.code(), "EventCode %s (0x%x), expected %s%s%s",
               s::to_string(o.code()), static_cast<unsigned>(o.event_code()), s::to_string(e.code()),
               leeway.alt_code != static_cast<s::EventCode>(0) ? " or " : "",
               leeway.alt_code != static_cast<s::EventCode>(0) ? s::to_string(leeway.alt_code) : ""))
    return;  // the other fields mean something else in another event
  t.expect_eq("event.DeviceID", kEventFields, e.device_id(), o.device_id());
  t.expect_eq("event.PASID_19_16", kEventFields, e.pasid_19_16(), o.pasid_19_16());
  t.expect_eq("event.DomainID", kEventFields, e.domain_or_pasid(), o.domain_or_pasid());
  if (leeway.has_alt_address) {
    const bool same = o.address() == e.address();
    t.check("event.Address", *leeway.address_clause, same || o.address() == leeway.alt_address,
            "Address 0x%llx, expected 0x%llx or 0x%llx", static_cast<unsigned long long>(o.address()),
            static_cast<unsigned long long>(e.address()), static_cast<unsigned long long>(leeway.alt_address));
    t.choice("event.Address", *leeway.address_clause, same, "device reported Address 0x%llx, the model 0x%llx",
             static_cast<unsigned long long>(o.address()), static_cast<unsigned long long>(e.address()));
  } else {
    t.expect_eq("event.Address", kEventFields, e.address(), o.address());
  }
  struct Flag {
    const char* id;
    unsigned bit;
  };
  static constexpr Flag kFlags[] = {{"event.flags.GN", 48}, {"event.flags.NX", 49}, {"event.flags.US", 50},
                                    {"event.flags.I", 51},  {"event.flags.PR", 52}, {"event.flags.RW", 53},
                                    {"event.flags.PE", 54}, {"event.flags.RZ", 55}, {"event.flags.TR", 56}};
  for (const Flag& f : kFlags) {
    const unsigned want = static_cast<unsigned>((e.words[0] >> f.bit) & 1), got = static_cast<unsigned>((o.words[0] >> f.bit) & 1);
    if (f.bit == 53 && e.code() == s::EventCode::kIoPageFault && !e.pr()) {
      // RW of a fault on a not-present entry: either value.
      t.check(f.id, kEventRwNotPresent, true, "%s", "as permitted");
      t.choice(f.id, kEventRwNotPresent, want == got, "device reported RW=%u for a not-present fault, the model %u",
               got, want);
      continue;
    }
    t.check(f.id, kEventFlags, want == got, "%s: expected %u, observed %u (event word 0 0x%016llx)", f.id + 12, want,
            got, static_cast<unsigned long long>(o.words[0]));
  }
  t.expect_eq("event.flags.Type", kEventFlags, (e.words[0] >> 57) & 7, (o.words[0] >> 57) & 7);
}

bool next_event(kernel::Test& t, AmdVi* iommu, s::Event& e) {
  if (kernel::wait_until([&] { return iommu->pending_events() > 0; }, 200)) return iommu->pop_event(e);
  t.check("event.logged", kEventLogged, false,
          "no event in the log within 200 ms (head 0x%llx, tail 0x%llx, status 0x%llx)",
          static_cast<unsigned long long>(iommu->read(s::Mmio::kEventLogHead)),
          static_cast<unsigned long long>(iommu->read(s::Mmio::kEventLogTail)),
          static_cast<unsigned long long>(iommu->read(s::Mmio::kStatus)));
  return false;
}

void expect_blocked(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid, uint64_t iova,
                    bool write, uint64_t victim_pa, uint64_t stage_pa, const kernel::Clause& c) {
  const auto p = predict(iommu, devid, iova, write);
  t.check("oracle", kernel::kSuite, p.outcome == model::amd_vi::Outcome::kAborted,
          "model: %s at iova 0x%llx is %s, the case expects it aborted", write ? "write" : "read",
          static_cast<unsigned long long>(iova), model::amd_vi::to_string(p.outcome));
  volatile uint8_t* victim = reinterpret_cast<volatile uint8_t*>(victim_pa);
  volatile uint8_t* stage = reinterpret_cast<volatile uint8_t*>(stage_pa);
  const size_t off = iova & 0xfff;
  const size_t len = 512 < 4096 - off ? 512 : 4096 - off;
  if (write) {
    // Stage a pattern into the device, then the blocked write: the victim keeps its bytes.
    for (size_t i = 0; i < len; ++i) victim[off + i] = 0x6c;
    if (stage) {  // no staging page when the DTE under test blocks everything
      for (size_t i = 0; i < len; ++i) stage[i] = static_cast<uint8_t>(0x90 + i);
      arch::dma_wmb();
      const drivers::DmaStatus sr = ep->read(kStageIova, len);
      t.check("dma.status", kTranslate, sr == drivers::DmaStatus::kOk, "staging read at iova 0x%llx (mapped): %s",
              static_cast<unsigned long long>(kStageIova), drivers::to_string(sr));
    }
    const drivers::DmaStatus st = ep->write(iova, len);
    arch::dma_rmb();
    size_t changed = 0;
    for (size_t i = 0; i < len; ++i) changed += victim[off + i] != 0x6c;
    t.check("dma.untouched", c, changed == 0,
            "blocked write at iova 0x%llx changed %zu of %zu bytes at pa 0x%llx (DMA status %s)",
            static_cast<unsigned long long>(iova), changed, len, static_cast<unsigned long long>(victim_pa + off),
            drivers::to_string(st));
    return;
  }
  // A secret in the victim; the blocked read, then the device's data written out to the staging page.
  if (!stage) {
    t.error("a blocked read needs a staging page");
    return;
  }
  for (size_t i = 0; i < len; ++i) {
    victim[off + i] = static_cast<uint8_t>(0x31 + 3 * i);
    stage[i] = 0;
  }
  arch::dma_wmb();
  const drivers::DmaStatus st = ep->read(iova, len);
  if (st != drivers::DmaStatus::kOk) t.note("blocked read reported %s", drivers::to_string(st));
  if (const drivers::DmaStatus back = ep->write(kStageIova, len); back != drivers::DmaStatus::kOk) {
    // Nothing to compare (an endpoint may drop a request whose read was blocked): not a check.
    t.note("write-back to the staging page reported %s: the device holds nothing of the blocked read",
           drivers::to_string(back));
    return;
  }
  arch::dma_rmb();
  size_t leaked = 0;
  for (size_t i = 0; i < len; ++i) leaked += stage[i] == static_cast<uint8_t>(0x31 + 3 * i);
  t.check("dma.no_leak", c, leaked < len / 4,
          "blocked read at iova 0x%llx delivered %zu of %zu bytes of pa 0x%llx to the device",
          static_cast<unsigned long long>(iova), leaked, len, static_cast<unsigned long long>(victim_pa + off));
}

void expect_fault(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, uint16_t devid, uint64_t iova,
                  bool write, uint64_t victim_pa, uint64_t stage_pa, const kernel::Clause& c,
                  const EventLeeway& leeway) {
  iommu->drain_events();
  const auto p = predict(iommu, devid, iova, write);
  expect_blocked(t, iommu, ep, devid, iova, write, victim_pa, stage_pa, c);
  if (!t.check("oracle", kernel::kSuite, p.has_event, "model: no event for the aborted %s at iova 0x%llx",
               write ? "write" : "read", static_cast<unsigned long long>(iova)))
    return;
  s::Event o;
  if (next_event(t, iommu, o)) {
    t.check("event.logged", kEventLogged, true, "%s", "as permitted");
    expect_event(t, p.event, o, leeway);
  }
}

}  // namespace amdvi_tests
