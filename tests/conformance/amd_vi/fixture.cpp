#include "tests/conformance/amd_vi/fixture.h"

#include <cstdio>
#include <cstring>

#include "kernel/platform.h"
#include "tests/kit/fault_record.h"
#include "tests/kit/two_domain_adapter.h"

namespace amd_vi_tests {

namespace {
// After a case the runner abandoned (its Domains' destructors never ran): the IOMMU as init() left it, and
// every endpoint back on its identity view (the abandoned Domain's driver_iova context is a dead stack
// frame) and re-initialised.
void recover_after_abort() {
  AmdVi* v = AmdVi::get();
  if (!v) return;
  if (!v->recover()) printf("# amd-vi: recovery: INVALIDATE_IOMMU_ALL + COMPLETION_WAIT did not complete\n");
  for (size_t k = 0; k < drivers::endpoint_count(); ++k) {
    drivers::DmaEndpoint* ep = drivers::endpoint(k);
    drivers::set_driver_iova(ep, nullptr, nullptr);
    if (!drivers::reset_endpoint(ep)) printf("# amd-vi: recovery: %s did not re-initialise\n", ep->name());
  }
  v->drain_events();
}
}  // namespace

AmdVi* need_iommu(kernel::Test& t) {
  AmdVi* v = AmdVi::get();
  if (!v) t.skip("no AMD-Vi IOMMU (PCI class 0806h with capability 0Fh)");
  else kernel::register_abort_cleanup(recover_after_abort);
  return v;
}

drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n) {
  return kit::need_endpoint(t, name, n, kit::Buses::kBus0);
}

model::amd_vi::Iommu& model_of(AmdVi* iommu) {
  const kernel::Platform& p = kernel::platform();
  static model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  static model::amd_vi::Iommu m(mem);
  m.write(s::Mmio::kDeviceTableBase, iommu->read(s::Mmio::kDeviceTableBase));
  m.write(s::Mmio::kControl, iommu->default_control());
  return m;
}

model::amd_vi::Result predict(AmdVi* iommu, uint16_t devid, uint64_t iova, kit::Direction d) {
  model::amd_vi::Request r;
  r.device_id = devid;
  r.address = iova;
  r.write = d == kDeviceWrites;
  return model_of(iommu).walk(r);
}

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Every probe moves a pattern of its own, so that data left behind by an earlier DMA never matches.
uint8_t next_seed() {
  static uint8_t seed = 0x17;
  return seed = static_cast<uint8_t>(seed + 0x3b);
}

// The case's own derivation (translated to pa) against the model.
bool oracle_translated(kernel::Test& t, AmdVi* iommu, uint16_t devid, uint64_t iova, kit::Direction d, uint64_t pa) {
  const auto p = predict(iommu, devid, iova, d);
  return t.check("oracle", kernel::kSuite, p.ok() && p.pa == pa,
                 "model: %s at iova 0x%llx %s to pa 0x%llx, the case expects pa 0x%llx", kit::to_string(d), ull(iova),
                 model::amd_vi::to_string(p.outcome), ull(p.pa), ull(pa));
}

}  // namespace

Domain::Domain(kernel::Test& t, AmdVi* iommu, unsigned mode, uint16_t id, uint64_t stage_pa)
    : t_(t), iommu_(iommu), pt_(mode), id_(id) {
  if (!iommu_) return;
  // A v1 table, and with it every DMA of the endpoint (its rings are mapped here too), needs host translation.
  if (!iommu_->translates()) {
    t.skip("IVHD HATDis=1: the IOMMU does no host address translation (a DTE with a page table is illegal)");
    return;
  }
  if (!pt_.init()) {
    t.error("no memory for the page table root");
    return;
  }
  own_stage_ = stage_pa == 0;
  stage_ = own_stage_ ? kernel::DmaMemory::alloc(kPage) : stage_pa;
  if (!stage_ || !pt_.map_4k(kStageIova, stage_)) {
    t.error("no memory for the staging page");
    return;
  }
  ready_ = true;
}

Domain::Domain(kernel::Test& t, AmdVi* iommu, drivers::DmaEndpoint* ep, unsigned mode, uint16_t id)
    : Domain(t, iommu, mode, id) {
  if (ready_) (void)attach(ep);  // ok() says whether it worked; the destructor undoes a partial attach
}

bool Domain::attach(drivers::DmaEndpoint* ep) {
  if (!ready_) return false;
  if (at_.ep) {
    t_.error("domain 0x%x already has %s attached (one endpoint per domain)", id_, at_.ep->name());
    return false;
  }
  at_.ep = ep;
  at_.devid = drivers::amd_vi::device_id_of(ep->rid());
  if (!map_driver_memory(ep) || !set_dte(base_dte())) return false;
  at_.window.use(ep);
  if (!t_.check("dma.status", kTranslate, drivers::reset_endpoint(ep),
                "%s did not re-initialise behind the IOMMU (its rings mapped from IOVA 0x%llx in domain 0x%x)",
                ep->name(), ull(kDriverIova), id_))
    return false;
  iommu_->drain_events();
  at_.attached = true;
  return true;
}

bool Domain::map_driver_memory(drivers::DmaEndpoint* ep) {
  return at_.window.map(ep, [&](uint64_t iova, uint64_t pa, size_t len) {
    for (uint64_t off = 0; off < len; off += kPage)
      if (!pt_.map_4k(iova + off, pa + off)) {
        t_.error("no memory for page tables mapping driver memory at iova 0x%llx", ull(iova + off));
        return false;
      }
    return true;
  });
}

void Domain::take_over(Domain& from) { at_.take_over(from.at_); }

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) {
  const bool ir = (static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kRead)) != 0;
  const bool iw = (static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kWrite)) != 0;
  bool ok = ready_;
  for (uint64_t off = 0; ok && off < len; off += kPage) ok = pt_.map_4k(iova + off, pa + off, ir, iw);
  return ok;
}

bool Domain::unmap(uint64_t iova, uint64_t len) {
  bool ok = ready_;
  for (uint64_t off = 0; ok && off < len; off += kPage) ok = pt_.unmap(iova + off);
  return ok;
}

bool Domain::invalidate(uint64_t iova, uint64_t len) {
  bool ok = ready_;
  for (uint64_t off = 0; ok && off < len; off += kPage) ok = iommu_->invalidate_pages(id_, iova + off, false);
  ops_ += 2 * ((len + kPage - 1) / kPage);
  return t_.check("cmd.sync", kCompletionWait, ok,
                  "INVALIDATE_IOMMU_PAGES (DomainID 0x%x, iova 0x%llx, %llu bytes) + COMPLETION_WAIT store missing",
                  id_, ull(iova), ull(len));
}

void Domain::queue_pages(uint64_t address, bool s_bit) {
  s::InvalidateIommuPages c;
  c.set_domain_id(id_).set_s(s_bit).set_address_4k(address >> 12);
  iommu_->queue(c);
  ++ops_;
}

bool Domain::invalidate_batch(uint64_t iova, uint64_t len, kit::Inval how) {
  if (!ready_) return false;
  const uint64_t pages = (len + kPage - 1) / kPage;
  bool ok = true;
  if (how == kit::Inval::kRange && pages > 1) {
    // §2.4.3 INVALIDATE_IOMMU_PAGES with S = 1: the range is 2^(n+1) pages when address bits [12+n-1:12]
    // are ones and bit 12+n is zero, naturally aligned. The smallest such block holding [iova, iova+len).
    unsigned order = 1;
    while (((iova >> 12) >> order) != (((iova + len - 1) >> 12) >> order)) ++order;
    const uint64_t base = (iova >> (12 + order)) << (12 + order);
    queue_pages(base | (((uint64_t{1} << (order - 1)) - 1) << 12), true);
  } else {
    for (uint64_t p = 0; p < pages; ++p) {
      queue_pages(iova + p * kPage, false);
      // A wait every half buffer, so that the ring never fills (its head is not read here).
      if ((p + 1) % (drivers::amd_vi::kRingEntries / 2) == 0 && p + 1 < pages) {
        ++ops_;
        ok = ok && iommu_->sync();
      }
    }
  }
  ++ops_;
  ok = iommu_->sync() && ok;
  return t_.check("cmd.sync", kCompletionWait, ok,
                  "INVALIDATE_IOMMU_PAGES batch (DomainID 0x%x, iova 0x%llx, %llu bytes) + COMPLETION_WAIT store missing",
                  id_, ull(iova), ull(len));
}

bool Domain::invalidate_all() {
  if (!ready_) return false;
  ops_ += 2;
  return t_.check("cmd.sync", kCompletionWait, iommu_->invalidate_pages(id_, s::InvalidateIommuPages::kAllAddress, true),
                  "INVALIDATE_IOMMU_PAGES (DomainID 0x%x, every address) + COMPLETION_WAIT store missing", id_);
}

s::Dte Domain::base_dte() const {
  s::Dte d;
  d.set_v(1).set_tv(1).set_ir(1).set_iw(1).set_mode(pt_.mode()).set_page_table_root_4k(pt_.root() >> 12);
  d.set_domain_id(id_);
  return d;
}

bool Domain::set_dte(const s::Dte& d) {
  // The domain's IOTLB entries go too: a DTE change must not leave translations of the old one behind.
  const bool done =
      iommu_->set_dte(at_.devid, d) && iommu_->invalidate_pages(id_, s::InvalidateIommuPages::kAllAddress, true);
  return t_.check("cmd.sync", kCompletionWait, done,
                  "DTE update for DeviceID 0x%04x: INVALIDATE_DEVTAB_ENTRY/INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT "
                  "store missing",
                  at_.devid);
}

Domain::~Domain() {
  if (at_.ep) {
    iommu_->release(at_.devid);
    drivers::set_driver_iova(at_.ep, nullptr, nullptr);
    drivers::reset_endpoint(at_.ep);
    iommu_->drain_events();
  }
  if (own_stage_ && stage_) kernel::DmaMemory::free(stage_, kPage);
}

bool expect_translated(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t src_iova, uint64_t src_pa,
                       uint64_t dst_iova, uint64_t dst_pa, size_t len, const kernel::Clause& c) {
  bool ok = oracle_translated(t, iommu, r.devid, src_iova, kDeviceReads, src_pa);
  ok &= oracle_translated(t, iommu, r.devid, dst_iova, kDeviceWrites, dst_pa);
  kit::DmaProbe probe(t, r.ep, r.staging, kit::ProbeClauses{c, c});
  ok &= probe.expect_translated(kDeviceReads, src_iova, src_pa, len, next_seed());
  ok &= probe.expect_translated(kDeviceWrites, dst_iova, dst_pa, len, next_seed());
  return ok;
}

void expect_blocked(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                    uint64_t victim_page, const kernel::Clause& c) {
  const auto p = predict(iommu, r.devid, iova, d);
  t.check("oracle", kernel::kSuite, p.outcome == model::amd_vi::Outcome::kAborted,
          "model: %s at iova 0x%llx is %s, the case expects it aborted", kit::to_string(d), ull(iova),
          model::amd_vi::to_string(p.outcome));
  const size_t off = iova & (kPage - 1);
  const size_t len = 512 < kPage - off ? 512 : kPage - off;
  kit::DmaProbe probe(t, r.ep, r.staging, kit::ProbeClauses{kTranslate, c});
  probe.expect_terminated(d, iova, victim_page + off, len, next_seed());
}

void expect_fault(kernel::Test& t, AmdVi* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                  uint64_t victim_page, const kernel::Clause& c, const EventLeeway& leeway) {
  iommu->drain_events();
  expect_blocked(t, iommu, r, iova, d, victim_page, c);
  if (!t.check("oracle", kernel::kSuite, predict(iommu, r.devid, iova, d).has_event,
               "model: no event for the aborted %s at iova 0x%llx", kit::to_string(d), ull(iova)))
    return;
  expect_event_of(t, iommu, r.devid, iova, d, leeway);
}

void expect_event_of(kernel::Test& t, AmdVi* iommu, uint16_t devid, uint64_t iova, kit::Direction d,
                     const EventLeeway& leeway) {
  const auto p = predict(iommu, devid, iova, d);
  if (!p.has_event) {
    // An event would be in the log by the time the DMA completed; a short grace for a slow writer.
    kernel::wait_until([&] { return iommu->pending_events() > 0; }, 20);
    t.check("event.none", kEventNone, iommu->pending_events() == 0,
            "%u events logged after a %s at iova 0x%llx by DeviceID 0x%04x, which the model %s without an event",
            static_cast<unsigned>(iommu->pending_events()), kit::to_string(d), ull(iova), devid,
            p.ok() ? "translates" : "aborts");
    return;
  }
  s::Event o;
  if (next_event(t, iommu, o)) {
    expect_event(t, p.event, o, leeway);
  }
}

void expect_event(kernel::Test& t, const s::Event& e, const s::Event& o, const EventLeeway& leeway) {
  const bool has_alt = leeway.alt_code != static_cast<s::EventCode>(0);
  const bool alt = has_alt && o.code() == leeway.alt_code && o.code() != e.code();
  const kernel::Clause& type_clause = has_alt ? *leeway.code_clause : kEventFields;
  if (!t.check("event.type", type_clause, o.code() == e.code() || alt, "EventCode %s (0x%x), expected %s%s%s",
               s::to_string(o.code()), static_cast<unsigned>(o.event_code()), s::to_string(e.code()),
               has_alt ? " or " : "", has_alt ? s::to_string(leeway.alt_code) : ""))
    return;  // the other fields mean something else in another event
  if (alt) {
    // Another event the spec leaves open: its fields follow that event's layout, so only DeviceID is
    // compared.
    t.choice("event.type", *leeway.code_clause, false, "device logged %s, the model %s", s::to_string(o.code()),
             s::to_string(e.code()));
    t.expect_eq("event.DeviceID", kEventFields, e.device_id(), o.device_id());
    return;
  }
  // Every field through the spec layer; flags (and Type) rest on the flag definitions, the rest on the layout.
  kit::compare_record(t, "event", s::Event::kFields, e, o, [&](const spec::Field& f) -> kit::FieldRule {
    if (f == s::Event::address_field && leeway.has_alt_address)
      return {leeway.address_clause, kit::FieldRule::Kind::kEqualOrAlt, leeway.alt_address};
    // RW of a fault on a not-present entry: either value.
    if (f == s::Event::rw_field && e.code() == s::EventCode::kIoPageFault && !e.pr())
      return {&kEventRwNotPresent, kit::FieldRule::Kind::kAny};
    const bool flag = f.lo >= s::Event::gn_field.lo && f.hi <= s::Event::reserved_59_field.hi;
    return {flag ? &kEventFlags : &kEventFields};
  });
}

bool next_event(kernel::Test& t, AmdVi* iommu, s::Event& e) {
  const bool logged = kernel::wait_until([&] { return iommu->pending_events() > 0; }, 200) && iommu->pop_event(e);
  return t.check("event.logged", kEventLogged, logged,
                 "no event in the log within 200 ms (head 0x%llx, tail 0x%llx, status 0x%llx)",
                 ull(iommu->read(s::Mmio::kEventLogHead)), ull(iommu->read(s::Mmio::kEventLogTail)),
                 ull(iommu->read(s::Mmio::kStatus)));
}

}  // namespace amd_vi_tests
