#include "tests/conformance/intel_vtd/fixture.h"

#include <cstdio>

#include "kernel/platform.h"
#include "tests/kit/fault_record.h"
#include "tests/kit/two_domain_adapter.h"

namespace intel_vtd_tests {

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Domains with an endpoint attached: translation is on while there is one. An endpoint detached while another
// domain keeps translation on cannot re-initialise (its context entry is gone): it waits here for the last one.
unsigned g_attached = 0;
drivers::DmaEndpoint* g_waiting[4] = {};

void reset_waiting() {
  for (drivers::DmaEndpoint*& ep : g_waiting)
    if (ep) {
      if (!drivers::reset_endpoint(ep)) printf("# intel-vtd: %s did not re-initialise after detach\n", ep->name());
      ep = nullptr;
    }
}

// After a case the runner abandoned (its Domains' destructors never ran): the unit as init() left it
// (translation off), every endpoint back on its identity view and re-initialised.
void recover_after_abort() {
  IntelVtd* v = IntelVtd::get();
  if (!v) return;
  if (!v->recover()) printf("# intel-vtd: recovery: %s\n", v->last_error());
  g_attached = 0;
  for (drivers::DmaEndpoint*& ep : g_waiting) ep = nullptr;
  for (size_t k = 0; k < drivers::endpoint_count(); ++k) {
    drivers::DmaEndpoint* ep = drivers::endpoint(k);
    drivers::set_driver_iova(ep, nullptr, nullptr);
    if (!drivers::reset_endpoint(ep)) printf("# intel-vtd: recovery: %s did not re-initialise\n", ep->name());
  }
}

}  // namespace

uint8_t next_seed() {
  static uint8_t seed = 0x29;
  return seed = static_cast<uint8_t>(seed + 0x3b);
}

IntelVtd* need_iommu(kernel::Test& t) {
  IntelVtd* v = IntelVtd::get();
  if (!v) t.skip("no Intel VT-d unit (no ACPI DMAR with a DRHD, or its initialisation failed)");
  else kernel::register_abort_cleanup(recover_after_abort);
  return v;
}

drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n) {
  return kit::need_endpoint(t, name, n, kit::Buses::kBus0);
}

bool need_agaw(kernel::Test& t, IntelVtd* v, unsigned agaw) {
  if (v->supports_agaw(agaw)) return true;
  t.skip("CAP.SAGAW 0x%llx offers no %u-bit AGAW (%u-level table)", ull(v->cap().sagaw()), agaw,
         s::levels_for_agaw(agaw));
  return false;
}

unsigned agaws(IntelVtd* v, unsigned out[3]) {
  unsigned n = 0;
  for (unsigned a = 39; a <= 57; a += 9)
    if (v->supports_agaw(a)) out[n++] = a;
  return n;
}

model::intel_vtd::Iommu& model_of(IntelVtd* v) {
  const kernel::Platform& p = kernel::platform();
  static model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  static model::intel_vtd::Iommu m(mem);
  model::intel_vtd::Config c;
  c.cap = v->cap().raw();
  c.ecap = v->ecap().raw();
  c.haw = v->dmar().host_address_bits();
  m.reset(c);
  m.write(s::reg::kRtaddr, v->read(s::reg::kRtaddr));
  s::Gcmd g;
  g.set_srtp(1);
  m.write(s::reg::kGcmd, g.value);
  g.set_srtp(0).set_te(v->translation_enabled());
  m.write(s::reg::kGcmd, g.value);
  return m;
}

model::intel_vtd::Result predict(IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction d) {
  model::intel_vtd::Request r;
  r.source_id = sid;
  r.address = iova;
  r.write = d == kDeviceWrites;
  return model_of(v).lookup(r);
}

// ---- Domain ----

Domain::Domain(kernel::Test& t, IntelVtd* v, unsigned agaw, uint16_t did, uint64_t stage_pa)
    : t_(t), v_(v), dom_(v, did, agaw) {
  if (!v_) return;
  if (!dom_.init()) {
    t.error("no memory for the second-stage root table");
    return;
  }
  own_stage_ = stage_pa == 0;
  stage_ = own_stage_ ? kernel::DmaMemory::alloc(kPage) : stage_pa;
  if (!stage_ || !dom_.pt().map_4k(kStageIova, stage_)) {
    t.error("no memory for the staging page");
    return;
  }
  ready_ = true;
}

Domain::Domain(kernel::Test& t, IntelVtd* v, drivers::DmaEndpoint* ep, unsigned agaw, uint16_t did)
    : Domain(t, v, agaw, did) {
  if (ready_) (void)attach(ep);  // ok() says whether it worked
}

bool Domain::map_driver_memory(drivers::DmaEndpoint* ep) {
  return at_.window.map(ep, [&](uint64_t iova, uint64_t pa, size_t len) {
    if (dom_.map(iova, pa, len)) return true;
    t_.error("no memory for page tables mapping driver memory at iova 0x%llx", ull(iova));
    return false;
  });
}

bool Domain::attach(drivers::DmaEndpoint* ep) {
  if (!ready_) return false;
  if (at_.ep) {
    t_.error("domain %u already has %s attached (one endpoint per domain)", did(), at_.ep->name());
    return false;
  }
  at_.ep = ep;
  at_.devid = ep->rid();
  if (!map_driver_memory(ep)) return false;
  if (!t_.check("context.set", kernel::kSuite, v_->set_context_entry(at_.devid, context()),
                "context entry of %04x (DID %u, AGAW %u): %s", at_.devid, did(), agaw(), v_->last_error()))
    return false;
  at_.attached = true;
  ++g_attached;
  if (!v_->translation_enabled() &&
      !t_.check("gsts.TES", kTranslationStatus, v_->set_translation(true), "%s", v_->last_error()))
    return false;
  at_.window.use(ep);
  if (!t_.check("dma.status", kTranslate, drivers::reset_endpoint(ep),
                "%s did not re-initialise behind the IOMMU (its rings mapped from IOVA 0x%llx in domain %u)",
                ep->name(), ull(kDriverIova), did()))
    return false;
  v_->clear_faults();
  return true;
}

void Domain::take_over(Domain& from) { at_.take_over(from.at_); }

bool Domain::set_context(const s::ContextEntry& e) {
  return t_.check("context.set", kernel::kSuite, v_->set_context_entry(at_.devid, e), "context entry of %04x: %s",
                  at_.devid, v_->last_error());
}

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) {
  const Access a{(static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kRead)) != 0,
                 (static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kWrite)) != 0};
  return ready_ && dom_.map(iova, pa, len, a);
}

bool Domain::unmap(uint64_t iova, uint64_t len) { return ready_ && dom_.unmap(iova, len); }

bool Domain::invalidate(uint64_t iova, uint64_t len) {
  ops_ += (len + kPage - 1) / kPage;
  return t_.check("iotlb.invalidate", v_->queued_invalidation_enabled() ? kQueueComplete : kIotlbComplete,
                  ready_ && dom_.invalidate_pages(iova, len),
                  "page-selective IOTLB invalidation (DID %u, iova 0x%llx, %llu bytes): %s", did(), ull(iova),
                  ull(len), v_->last_error());
}

bool Domain::invalidate_all() {
  ++ops_;
  return t_.check("iotlb.invalidate", v_->queued_invalidation_enabled() ? kQueueComplete : kIotlbComplete,
                  ready_ && dom_.invalidate_domain(), "domain-selective IOTLB invalidation (DID %u): %s", did(),
                  v_->last_error());
}

Domain::~Domain() {
  if (at_.ep) {
    drivers::set_driver_iova(at_.ep, nullptr, nullptr);
    if (!v_->clear_context_entry(at_.devid)) printf("# intel-vtd: detach %04x: %s\n", at_.devid, v_->last_error());
    if (at_.attached && g_attached > 0) --g_attached;
    if (g_attached == 0) {
      if (!v_->set_translation(false)) printf("# intel-vtd: %s\n", v_->last_error());
      reset_waiting();
      if (!drivers::reset_endpoint(at_.ep))
        printf("# intel-vtd: %s did not re-initialise after detach\n", at_.ep->name());
    } else {
      for (drivers::DmaEndpoint*& w : g_waiting)
        if (!w || w == at_.ep) {
          w = at_.ep;
          break;
        }
    }
    v_->clear_faults();
  }
  if (own_stage_ && stage_) kernel::DmaMemory::free(stage_, kPage);
}

// ---- DMA and fault checks ----

namespace {

bool oracle_translated(kernel::Test& t, IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction d, uint64_t pa) {
  const auto p = predict(v, sid, iova, d);
  return t.check("oracle", kernel::kSuite, p.ok() && p.pa == pa,
                 "model: %s at iova 0x%llx from %04x %s to pa 0x%llx, the case expects pa 0x%llx", kit::to_string(d),
                 ull(iova), sid, model::intel_vtd::to_string(p.outcome), ull(p.pa), ull(pa));
}

}  // namespace

bool expect_translated_one(kernel::Test& t, IntelVtd* v, Domain& d, kit::Direction dir, uint64_t iova, uint64_t pa,
                           size_t len, const kernel::Clause& c) {
  bool ok = oracle_translated(t, v, d.sid(), iova, dir, pa);
  kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{c, c});
  return probe.expect_translated(dir, iova, pa, len, next_seed()) && ok;
}

bool expect_translated(kernel::Test& t, IntelVtd* v, Domain& d, uint64_t src_iova, uint64_t src_pa, uint64_t dst_iova,
                       uint64_t dst_pa, size_t len, const kernel::Clause& c) {
  bool ok = expect_translated_one(t, v, d, kDeviceReads, src_iova, src_pa, len, c);
  return expect_translated_one(t, v, d, kDeviceWrites, dst_iova, dst_pa, len, c) && ok;
}

void expect_record(kernel::Test& t, IntelVtd* v, const s::FaultRecord& e, const s::FaultRecord& o, uint64_t address) {
  const unsigned mgaw = v->cap().max_guest_address_width();
  // In scalable mode a request without PASID is processed as one with RID_PASID: whether its record then says
  // PP=1 (PV = RID_PASID, 0 in every case here) is not decided (OPEN).
  const bool rid_pasid =
      !e.pp() && spec::reg_from<s::Rtaddr>(v->read(s::reg::kRtaddr)).ttm() == static_cast<uint64_t>(s::Ttm::kScalable);
  const auto fields = e.defined_fields();
  // A request at or above MGAW: fault.FI.reserved judges the FI sentence on its own ("bits 63:N as reserved (0)"),
  // so that fault.FI accepts the page address with or without those bits, whichever the model records.
  const uint64_t page = address & ~uint64_t{kPage - 1};
  s::FaultRecord masked, full;
  masked.set_page_address(spec::bits_of(page, mgaw - 1, 0));
  full.set_page_address(page);
  const bool above = masked.fi() != full.fi() && !s::is_interrupt_remapping_fault(e.fr());
  if (above)
    t.check("fault.FI.reserved", kFaultInfoReserved, o.fi() == masked.fi(),
            "FI 0x%llx for a request at 0x%llx: bits 63:%u not 0 (MGAW %u)", ull(o.page_address()), ull(address),
            mgaw, mgaw);
  const uint64_t alt = e.fi() == masked.fi() ? full.fi() : masked.fi();
  kit::compare_record(t, "fault", std::span<const spec::Field>(fields.begin(), fields.count), e, o,
                      [&](const spec::Field& f) -> kit::FieldRule {
                        if (f == s::FaultRecord::fi_field)
                          return above ? kit::FieldRule{&kFaultInfo, kit::FieldRule::Kind::kEqualOrAlt, alt}
                                       : kit::FieldRule{&kFaultInfo};
                        if (f == s::FaultRecord::sid_field) return {&kFaultSid};
                        if (f == s::FaultRecord::fr_field) return {&kFaultReason};
                        if (f == s::FaultRecord::t1_field) return {&kFaultType};
                        if (f == s::FaultRecord::at_field) return {&kFaultAt};
                        if (f == s::FaultRecord::f_field) return {&kFaultF};
                        if (f == s::FaultRecord::pp_field && rid_pasid)
                          return {&kFaultPpRidPasid, kit::FieldRule::Kind::kEqualOrAlt, 1};
                        return {&kFaultPasid};
                      });
}

void expect_fault_record(kernel::Test& t, IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction dir,
                         s::FaultReason reason, const char* recorded_id) {
  const auto p = predict(v, sid, iova, dir);
  if (!t.check("oracle", kernel::kSuite, p.has_fault && p.fault.reason() == reason,
               "model: %s at iova 0x%llx from %04x is %s (FR 0x%llx), the case expects FR 0x%x (%s)",
               kit::to_string(dir), ull(iova), sid, model::intel_vtd::to_string(p.outcome),
               ull(p.has_fault ? p.fault.fr() : 0), static_cast<unsigned>(reason), s::to_string(reason)))
    return;
  s::FaultRecord o;
  unsigned index = 0;
  const bool got = v->next_fault(o, &index, 200);
  if (!t.check(recorded_id, kFaultRecorded, got,
               "no fault recording register with F=1 within 200 ms after the blocked %s at iova 0x%llx (FSTS 0x%x)",
               kit::to_string(dir), ull(iova), v->fsts().value))
    return;
  t.check("fsts.PPF", kFaultPpf, v->fsts().ppf() != 0, "FRCD %u has F=1 but FSTS 0x%x has PPF=0", index,
          v->fsts().value);
  expect_record(t, v, p.fault, o, iova);
  v->clear_faults();
}

void expect_fault_record_of(kernel::Test& t, IntelVtd* v, uint16_t sid, uint64_t iova, kit::Direction dir) {
  const auto p = predict(v, sid, iova, dir);
  if (p.has_fault && p.outcome == model::intel_vtd::Outcome::kFaulted)
    return expect_fault_record(t, v, sid, iova, dir, p.fault.reason());
  s::FaultRecord r;
  const bool any = v->next_fault(r, nullptr, 20);
  t.check("fault.none", kFaultRecorded, !any,
          "a fault was recorded after a %s at iova 0x%llx from %04x, which the model %s without a record: FR 0x%llx "
          "SID %04llx FI 0x%llx",
          kit::to_string(dir), ull(iova), sid, p.ok() ? "translates" : "blocks", ull(r.fr()), ull(r.sid()),
          ull(r.page_address()));
  v->clear_faults();
}

void expect_fault(kernel::Test& t, IntelVtd* v, Domain& d, uint64_t iova, kit::Direction dir, uint64_t victim_page,
                  const kernel::Clause& c, const char* recorded_id) {
  v->clear_faults();
  const auto p = predict(v, d.sid(), iova, dir);
  if (!t.check("oracle", kernel::kSuite, p.outcome == model::intel_vtd::Outcome::kFaulted && p.has_fault,
               "model: %s at iova 0x%llx from %04x is %s, the case expects a fault", kit::to_string(dir), ull(iova),
               d.sid(), model::intel_vtd::to_string(p.outcome)))
    return;
  const size_t off = iova & (kPage - 1);
  const size_t len = 512 < kPage - off ? 512 : kPage - off;
  kit::DmaProbe probe(t, d.ep(), d.staging(), kit::ProbeClauses{d.staging_clause(), c});
  probe.expect_terminated(dir, iova, victim_page ? victim_page + off : 0, len, next_seed());
  expect_fault_record(t, v, d.sid(), iova, dir, p.fault.reason(), recorded_id);
}

unsigned widest_agaw() {
  IntelVtd* v = IntelVtd::get();
  return v ? v->max_agaw() : 0;
}

void expect_blocked_while(kernel::Test& t, IntelVtd* v, Domain& d, Breakage& b, kit::Direction dir, uint64_t iova,
                          uint64_t victim_page, s::FaultReason reason, const kernel::Clause& c) {
  drivers::DmaEndpoint* ep = d.ep();
  const size_t off = iova & (kPage - 1);
  const size_t len = 256 < kPage - off ? 256 : kPage - off;
  volatile uint8_t* victim = reinterpret_cast<volatile uint8_t*>(victim_page + off);
  volatile uint8_t* stage = reinterpret_cast<volatile uint8_t*>(d.stage_pa());
  const uint8_t held = next_seed(), there = next_seed();
  kit::DmaProbe probe(t, ep, d.staging(), kit::ProbeClauses{kTranslate, c});
  if (!probe.load(len, held)) return t.error("could not load %s through the staging area", ep->name());
  for (size_t i = 0; i < len; ++i) victim[i] = kit::pattern(there, i);
  arch::dma_wmb();
  v->clear_faults();
  if (!b.apply()) return;
  t.note("%s %s at iova 0x%llx with its entry broken", ep->name(), kit::to_string(dir), ull(iova));
  const drivers::DmaStatus st = dir == kDeviceWrites ? ep->write(iova, len) : ep->read(iova, len);
  t.note("%s reported %s", ep->name(), drivers::to_string(st));
  expect_fault_record(t, v, d.sid(), iova, dir, reason);
  if (!b.undo()) return;
  arch::dma_rmb();
  if (dir == kDeviceWrites) {
    size_t changed = 0;
    for (size_t i = 0; i < len; ++i) changed += victim[i] != kit::pattern(there, i);
    t.check("dma.untouched", c, changed == 0, "%zu of %zu bytes at pa 0x%llx changed by the blocked write", changed,
            len, ull(victim_page + off));
    return;
  }
  for (size_t i = 0; i < len; ++i) stage[i] = 0;
  arch::dma_wmb();
  const drivers::DmaStatus back = ep->write(kStageIova, len);
  arch::dma_rmb();
  size_t leaked = 0, kept = 0;
  for (size_t i = 0; i < len; ++i) {
    leaked += stage[i] == kit::pattern(there, i);
    kept += stage[i] == kit::pattern(held, i);
  }
  t.note("write-back through the staging area %s: %zu of %zu bytes still the device's own", drivers::to_string(back),
         kept, len);
  t.check("dma.no_leak", c, back == drivers::DmaStatus::kOk && leaked < len / 8,
          "the blocked read delivered %zu of %zu bytes of pa 0x%llx to %s (write-back %s)", leaked, len,
          ull(victim_page + off), ep->name(), drivers::to_string(back));
}

}  // namespace intel_vtd_tests
