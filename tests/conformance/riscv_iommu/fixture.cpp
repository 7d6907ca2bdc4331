#include "tests/conformance/riscv_iommu/fixture.h"

#include <cstdio>
#include <cstring>
#include <span>

#include "kernel/arch.h"
#include "kernel/platform.h"
#include "tests/kit/fault_record.h"
#include "tests/kit/two_domain_adapter.h"

namespace riscv_iommu_tests {

namespace m = ::model::riscv_iommu;

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

uint8_t next_seed() {
  static uint8_t seed = 0x29;
  return seed = static_cast<uint8_t>(seed + 0x3b);
}

namespace {
// After a case the runner abandoned (its Domains' destructors never ran): the IOMMU as init() left it, and
// every endpoint back on its identity view (the abandoned Domain's driver_iova context is a dead stack frame)
// and re-initialised.
void recover_after_abort() {
  RiscvIommu* v = RiscvIommu::get();
  if (!v) return;
  if (!v->recover()) printf("# riscv-iommu: recovery: %s\n", v->last_error());
  for (size_t k = 0; k < drivers::endpoint_count(); ++k) {
    drivers::DmaEndpoint* ep = drivers::endpoint(k);
    drivers::set_driver_iova(ep, nullptr, nullptr);
    drivers::reset_endpoint(ep);  // its DMA is blocked (every DC invalid) until a case attaches it
  }
  v->drain_faults();
}
}  // namespace

RiscvIommu* need_iommu(kernel::Test& t) {
  RiscvIommu* v = RiscvIommu::get();
  if (v) {
    kernel::register_abort_cleanup(recover_after_abort);
    return v;
  }
  const char* why = RiscvIommu::init_error();
  if (strncmp(why, "no RISC-V IOMMU", 15) == 0) t.skip("%s", why);
  else t.error("RISC-V IOMMU bring-up failed: %s", why);
  return nullptr;
}

drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n) {
  return kit::need_endpoint(t, name, n, kit::Buses::kAll);
}

m::Iommu& model_of(RiscvIommu* iommu) {
  const kernel::Platform& p = kernel::platform();
  static model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  static m::Iommu model(mem);
  m::Config c;
  // The device's capabilities, less what the model does not implement (ATS and PRI, the HPM).
  s::Capabilities caps = iommu->caps();
  caps.set_ats(0).set_hpm(0);
  c.capabilities = caps.raw();
  model.reset(c);
  // fctl while the model is Off, then the device's ddtp (Off -> nLVL is a permitted transition).
  model.write(s::reg::kFctl.offset, iommu->read(s::reg::kFctl), 4);
  model.write(s::reg::kDdtp.offset, iommu->ddtp().raw(), 8);
  return model;
}

m::Request request_of(uint32_t device_id, uint64_t iova, kit::Direction d) {
  m::Request r;
  r.device_id = device_id;
  r.iova = iova;
  r.write = d == kDeviceWrites;
  r.read = !r.write;
  return r;
}

m::Result predict(RiscvIommu* iommu, uint32_t device_id, uint64_t iova, kit::Direction d) {
  return model_of(iommu).lookup(request_of(device_id, iova, d));
}

DomainConfig first_stage(const s::PagingScheme& scheme, uint32_t pscid) {
  DomainConfig c;
  c.stages = Stages::kFirst;
  c.first = &scheme;
  c.pscid = pscid;
  return c;
}

DomainConfig g_stage(const s::PagingScheme& scheme, uint16_t gscid) {
  DomainConfig c;
  c.stages = Stages::kSecond;
  c.second = &scheme;
  c.gscid = gscid;
  return c;
}

DomainConfig nested(const s::PagingScheme& first, const s::PagingScheme& second, uint32_t pscid, uint16_t gscid) {
  DomainConfig c;
  c.stages = Stages::kNested;
  c.first = &first;
  c.second = &second;
  c.pscid = pscid;
  c.gscid = gscid;
  return c;
}

bool has_scheme(kernel::Test& t, RiscvIommu* iommu, const s::PagingScheme& scheme) {
  const s::Capabilities c = iommu->caps();
  const bool g = scheme.extra_root != 0;
  bool have = false;
  switch (scheme.levels) {
    case 3: have = g ? c.sv39x4() : c.sv39(); break;
    case 4: have = g ? c.sv48x4() : c.sv48(); break;
    case 5: have = g ? c.sv57x4() : c.sv57(); break;
    default: break;
  }
  if (!have) t.skip("capabilities (0x%llx) has no %s", ull(c.raw()), scheme.name);
  return have;
}

namespace {

// The case's own derivation (translated to pa) against the model.
bool oracle_translated(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, uint64_t iova, kit::Direction d,
                       uint64_t pa) {
  const auto p = predict(iommu, devid, iova, d);
  return t.check("oracle", kernel::kSuite, p.ok() && p.pa == pa,
                 "model: %s by device 0x%x at iova 0x%llx %s to pa 0x%llx (cause %llu), the case expects pa 0x%llx",
                 kit::to_string(d), devid, ull(iova), m::to_string(p.outcome), ull(p.pa),
                 ull(p.has_fault ? p.fault.cause() : 0), ull(pa));
}

}  // namespace

Domain::Domain(kernel::Test& t, RiscvIommu* iommu, const DomainConfig& c, uint64_t stage_pa)
    : t_(t), iommu_(iommu), dom_(iommu, c) {
  if (!iommu_) return;
  if (!dom_.init()) {
    t.error("no memory for the %s page tables", drv::to_string(c.stages));
    return;
  }
  own_stage_ = stage_pa == 0;
  stage_ = own_stage_ ? kernel::DmaMemory::alloc(kPage) : stage_pa;
  if (!stage_ || !dom_.map(kStageIova, stage_, kPage)) {
    t.error("no memory for the staging page");
    return;
  }
  ready_ = true;
}

Domain::Domain(kernel::Test& t, RiscvIommu* iommu, drivers::DmaEndpoint* ep, const DomainConfig& c)
    : Domain(t, iommu, c) {
  if (ready_) (void)attach(ep);  // ok() says whether it worked; the destructor undoes a partial attach
}

bool Domain::attach(drivers::DmaEndpoint* ep) {
  if (!ready_) return false;
  if (at_.ep) {
    t_.error("a domain already has %s attached (one endpoint per domain)", at_.ep->name());
    return false;
  }
  at_.ep = ep;
  at_.devid = drv::device_id_of(ep->rid());
  if (!map_driver_memory(ep) || !set_context(context())) return false;
  at_.window.use(ep);
  if (!t_.check("dma.status", kFirstStage, drivers::reset_endpoint(ep),
                "%s did not re-initialise behind the IOMMU (its rings mapped from IOVA 0x%llx, %s)", ep->name(),
                ull(kDriverIova), drv::to_string(dom_.config().stages)))
    return false;
  iommu_->drain_faults();
  at_.attached = true;
  return true;
}

bool Domain::set_context(const s::DeviceContext& dc) {
  return t_.check("cmd.fence", kIofence, iommu_->set_dc(at_.devid, dc),
                  "device context of device_id 0x%x: IODIR.INVAL_DDT/IOTINVAL + IOFENCE.C: %s", at_.devid,
                  iommu_->last_error());
}

bool Domain::map_driver_memory(drivers::DmaEndpoint* ep) {
  return at_.window.map(ep, [&](uint64_t iova, uint64_t pa, size_t len) {
    if (dom_.map(iova, pa, len)) return true;
    t_.error("no memory for page tables mapping driver memory at iova 0x%llx", ull(iova));
    return false;
  });
}

void Domain::take_over(Domain& from) { at_.take_over(from.at_); }

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) {
  Perm perm;
  perm.r = (static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kRead)) != 0;
  perm.w = (static_cast<unsigned>(p) & static_cast<unsigned>(kit::Perm::kWrite)) != 0;
  // A write-only leaf (R=0, W=1) is a reserved encoding: write-only mappings get R too.
  if (perm.w) perm.r = true;
  return ready_ && dom_.map(iova, pa, len, perm);
}

bool Domain::unmap(uint64_t iova, uint64_t len) { return ready_ && dom_.unmap(iova, len); }

bool Domain::invalidate(uint64_t iova, uint64_t len) {
  ops_ += (len + kPage - 1) / kPage + 1;
  return t_.check("cmd.fence", kIofence, ready_ && dom_.invalidate(iova, len),
                  "IOTINVAL (iova 0x%llx, %llu bytes) + IOFENCE.C: %s", ull(iova), ull(len), iommu_->last_error());
}

bool Domain::invalidate_batch(uint64_t iova, uint64_t len, kit::Inval) { return invalidate(iova, len); }

bool Domain::invalidate_all() {
  ops_ += 2;
  return t_.check("cmd.fence", kIofence, ready_ && dom_.invalidate_all(), "IOTINVAL (AV=0) + IOFENCE.C: %s",
                  iommu_->last_error());
}

Domain::~Domain() {
  if (at_.ep) {
    if (!iommu_->clear_dc(at_.devid)) printf("# riscv-iommu: releasing device_id 0x%x: %s\n", at_.devid, iommu_->last_error());
    drivers::set_driver_iova(at_.ep, nullptr, nullptr);
    drivers::reset_endpoint(at_.ep);
    // QEMU's virtio-blk reads and writes its rings once more after the re-initialisation, on its own thread: those
    // accesses (blocked, the context is invalid now) are recorded a little later; let them come before draining.
    kernel::wait_until([] { return false; }, 10);
    iommu_->drain_faults();
  }
  if (own_stage_ && stage_) kernel::DmaMemory::free(stage_, kPage);
}

bool expect_translated(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t src_iova, uint64_t src_pa,
                       uint64_t dst_iova, uint64_t dst_pa, size_t len, const kernel::Clause& c) {
  bool ok = oracle_translated(t, iommu, r.devid, src_iova, kDeviceReads, src_pa);
  ok &= oracle_translated(t, iommu, r.devid, dst_iova, kDeviceWrites, dst_pa);
  iommu->drain_faults();
  kit::DmaProbe probe(t, r.ep, r.staging, kit::ProbeClauses{c, c});
  ok &= probe.expect_translated(kDeviceReads, src_iova, src_pa, len, next_seed());
  ok &= probe.expect_translated(kDeviceWrites, dst_iova, dst_pa, len, next_seed());
  s::FaultRecord rec;
  const bool none = !pop_record_of(t, iommu, r.devid, rec);
  t.check("fault.none", kNoFaultOnSuccess, none, "a translated DMA left a record: CAUSE %llu (%s) iotval 0x%llx",
          ull(rec.cause()), s::cause_name(rec.cause()), ull(rec.iotval()));
  iommu->drain_faults();
  return ok && none;
}

void expect_blocked(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                    uint64_t victim_page, const kernel::Clause& c) {
  const auto p = predict(iommu, r.devid, iova, d);
  t.check("oracle", kernel::kSuite, !p.ok(), "model: %s at iova 0x%llx is %s (pa 0x%llx), the case expects it terminated",
          kit::to_string(d), ull(iova), m::to_string(p.outcome), ull(p.pa));
  const size_t off = iova & (kPage - 1);
  const size_t len = kBlockedLen < kPage - off ? kBlockedLen : kPage - off;
  kit::DmaProbe probe(t, r.ep, r.staging, kit::ProbeClauses{kFirstStage, c});
  probe.expect_terminated(d, iova, victim_page ? victim_page + off : 0, len, next_seed());
}

void expect_fault(kernel::Test& t, RiscvIommu* iommu, const Requester& r, uint64_t iova, kit::Direction d,
                  uint64_t victim_page, const kernel::Clause& c, const RecordLeeway& leeway) {
  iommu->drain_faults();
  expect_blocked(t, iommu, r, iova, d, victim_page, c);
  if (!t.check("oracle", kernel::kSuite, predict(iommu, r.devid, iova, d).has_fault,
               "model: no fault record for the terminated %s at iova 0x%llx", kit::to_string(d), ull(iova)))
    return;
  expect_record_of(t, iommu, r.devid, iova, d, leeway);
}

void expect_record_of(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, uint64_t iova, kit::Direction d,
                      const RecordLeeway& leeway, size_t len) {
  const auto p = predict(iommu, devid, iova, d);
  if (!p.has_fault || p.outcome == m::Outcome::kAborted) {
    // A record would be in the queue by the time the DMA completed; a short grace for a slow writer.
    kernel::wait_until([&] { return iommu->pending_faults() > 0; }, 20);
    s::FaultRecord rec;
    const bool none = !pop_record_of(t, iommu, devid, rec);
    t.check("fault.none", p.ok() ? kNoFaultOnSuccess : kDtf, none,
            "a record (CAUSE %llu %s, DID 0x%llx, iotval 0x%llx) after a %s at iova 0x%llx by device 0x%x, which the "
            "model %s without one", ull(rec.cause()), s::cause_name(rec.cause()), ull(rec.did()), ull(rec.iotval()),
            kit::to_string(d), ull(iova), devid, p.ok() ? "translates" : "terminates");
    iommu->drain_faults();
    return;
  }
  s::FaultRecord o;
  if (next_record(t, iommu, devid, o)) {
    expect_record(t, p.fault, o, leeway);
    expect_only_same_dma(t, iommu, o, iova, len);
  }
}

void expect_record(kernel::Test& t, const s::FaultRecord& e, const s::FaultRecord& o, const RecordLeeway& leeway) {
  const auto fields = e.defined_fields();
  const std::span<const spec::Field> list(fields.begin(), fields.count);
  kit::compare_record(t, "fault", list, e, o, [&](const spec::Field& f) -> kit::FieldRule {
    if (f == s::FaultRecord::cause_field) return {leeway.cause_clause};
    if (f == s::FaultRecord::ttyp_field) return {&kFaultTtyp};
    if (f == s::FaultRecord::did_field) return {&kFaultDid};
    // The page offsets may be reported as 0 (§3.2 NOTE); any other difference is against the field's definition.
    if (f == s::FaultRecord::iotval_field)
      return {&kFaultIotval, kit::FieldRule::Kind::kEqualOrAlt, e.iotval() & ~uint64_t{kPage - 1}};
    if (f == s::FaultRecord::iotval2_field)
      return {&kFaultIotval2, kit::FieldRule::Kind::kEqualOrAlt, e.iotval2() & ~uint64_t{kPage - 1 - 3}};
    if (f == s::FaultRecord::pv_field && leeway.default_process_id && !e.pv())
      return {&kFaultPvDefaultProcess, kit::FieldRule::Kind::kEqualOrAlt, 1};
    return {&kFaultPv};  // PV, PID, PRIV
  });
}

bool pop_record_of(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, s::FaultRecord& r) {
  for (unsigned n = 0; n < iommu->fq_entries() && iommu->pop_fault(r); ++n) {
    if (r.did() == devid) return true;
    t.note("a record of another device taken: DID 0x%llx CAUSE %llu (%s) TTYP %llu iotval 0x%llx", ull(r.did()),
           ull(r.cause()), s::cause_name(r.cause()), ull(r.ttyp()), ull(r.iotval()));
  }
  return false;
}

bool next_record(kernel::Test& t, RiscvIommu* iommu, uint32_t devid, s::FaultRecord& r, const kernel::Clause& c) {
  const bool logged =
      kernel::wait_until([&] { return iommu->pending_faults() > 0 && pop_record_of(t, iommu, devid, r); }, 200);
  return t.check("fault.logged", c, logged, "no record in the fault queue within 200 ms (fqh %u, fqt %u, fqcsr 0x%x)",
                 iommu->fqh(), iommu->fqt(), iommu->fqcsr().value);
}

void expect_only_same_dma(kernel::Test& t, RiscvIommu* iommu, const s::FaultRecord& first, uint64_t iova, size_t len) {
  kernel::wait_until([] { return false; }, 5);  // a record of the same DMA written a little later
  const uint64_t lo = iova & ~uint64_t{kPage - 1}, hi = iova + len;
  s::FaultRecord more;
  unsigned other = 0, same = 0;
  while (pop_record_of(t, iommu, static_cast<uint32_t>(first.did()), more)) {
    s::FaultRecord a = more, b = first;
    a.set_iotval(0).set_iotval2(0);  // iotval2 (a GPA) moves with iotval
    b.set_iotval(0).set_iotval2(0);
    if (a == b && more.iotval() >= lo && more.iotval() < hi) ++same;
    else if (other++ == 0)
      t.check("fault.extra", kIdenticalFaults, false,
              "another record after the expected one, not of the same DMA (iova 0x%llx, %zu bytes): CAUSE %llu (%s) "
              "DID 0x%llx iotval 0x%llx iotval2 0x%llx", ull(iova), len, ull(more.cause()), s::cause_name(more.cause()),
              ull(more.did()), ull(more.iotval()), ull(more.iotval2()));
    if (same + other > iommu->fq_entries()) break;
  }
  if (same) t.note("%u more record(s) for other requests of the same DMA (permitted)", same);
  iommu->drain_faults();
}

DdtpMode::DdtpMode(kernel::Test& t, RiscvIommu* iommu, s::IommuMode mode) : t_(t), iommu_(iommu) {
  const uint64_t root = iommu->ddt_root();
  ok_ = iommu->set_ddtp(s::IommuMode::kOff, root) && (mode == s::IommuMode::kOff || iommu->set_ddtp(mode, root));
  if (!ok_) t.error("ddtp to mode %u: %s", static_cast<unsigned>(mode), iommu->last_error());
}

DdtpMode::~DdtpMode() {
  const uint64_t root = iommu_->ddt_root();
  const bool back = iommu_->set_ddtp(s::IommuMode::kOff, root) && iommu_->set_ddtp(iommu_->ddt_mode(), root) &&
                    iommu_->invalidate_everything();
  if (!back) t_.error("ddtp back to the driver's mode: %s", iommu_->last_error());
  iommu_->drain_faults();
}

Quiesced::Quiesced(kernel::Test& t, RiscvIommu* iommu) : t_(t), iommu_(iommu) {
  const uint64_t root = iommu->ddt_root();
  ok_ = iommu->set_ddtp(s::IommuMode::kOff, root) && iommu->disable_fq();
  if (ok_) {
    iommu->write(s::reg::kCqcsr, 0);
    ok_ = kernel::wait_until([&] { return !iommu->cqcsr().cqon() && !iommu->cqcsr().busy(); }, drv::kWaitMs);
  }
  if (!ok_) t.error("quiescing the IOMMU (Off, queues off): %s", iommu->last_error());
}

Quiesced::~Quiesced() {
  const uint64_t root = iommu_->ddt_root();
  const bool back = iommu_->reset_cq() && iommu_->reset_fq() && iommu_->set_ddtp(iommu_->ddt_mode(), root) &&
                    iommu_->invalidate_everything();
  if (!back) t_.error("IOMMU back on (queues, ddtp): %s", iommu_->last_error());
}

const char* cq_state(RiscvIommu* iommu) {
  static char buf[96];
  snprintf(buf, sizeof buf, "cqh %u, cqt %u, cqcsr 0x%x", iommu->cqh(), static_cast<uint32_t>(iommu->read(s::reg::kCqt)),
           iommu->cqcsr().value);
  return buf;
}

}  // namespace riscv_iommu_tests
