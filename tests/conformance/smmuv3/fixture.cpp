#include "tests/conformance/smmuv3/fixture.h"

#include <cstring>

#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"
#include "tests/kit/fault_record.h"

namespace smmuv3_tests {

using model::smmuv3::Outcome;
using model::smmuv3::Status;
using spec::smmuv3::EventClass;
using spec::smmuv3::EventRecord;
using spec::smmuv3::EventType;

namespace {
constexpr size_t kStagingBytes = 0x10000;
constexpr uint8_t kCanary = 0xa5;  // memory a blocked device write must leave alone
unsigned long ul(uint64_t v) { return static_cast<unsigned long>(v); }
using kit::pattern;

const char* outcome_name(const Outcome& o) {
  switch (o.status) {
    case Status::kOk: return "translated";
    case Status::kAbort: return "aborted without a record";
    case Status::kFault: return o.record ? event_name(o.event.type()) : "terminated without a record";
  }
  return "?";
}

bool recorded(const Outcome& o) { return o.status == Status::kFault && o.record; }

// One DMA the device must end as `o`, judged by the kit's DmaProbe (translated: dma.status, dma.data,
// dma.canary; terminated: dma.untouched, dma.no_leak at `victim_pa`), then its event records. `staging`: the
// oracle lets the endpoint reach the staging block (under the configuration `o` was predicted with).
void judge(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, const Outcome& o, uint64_t victim_pa, bool staging,
           const kernel::Clause& why, size_t len, uint8_t seed) {
  e.smmu->drain_events();
  kit::DmaProbe probe(e.t, ep, staging ? e.staging_area() : kit::Staging{}, kit::ProbeClauses{why, why});
  if (o.ok()) {
    probe.expect_translated(d, iova, o.pa, len, seed);
  } else {
    // How the device reports a terminated transaction is the device's business (QEMU's DMA API turns a failed
    // translation into a bounce buffer with nothing behind it, so virtio-blk may even report success): the
    // SMMU's part is that memory stays untouched, nothing leaks, and the record is right.
    probe.expect_terminated(d, iova, victim_pa, len, seed);
  }
  expect_records(e, e.sid(ep), o, why, len);
}

// What one DMA did, seen without judging it (check_dma_open: which permitted outcome did the device take?).
struct Seen {
  bool through = false;  // the data arrived (a write at pa, a read delivered pa's bytes)
  bool got = false;      // an event record
  EventRecord ev{};
};
Seen observe(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t pa, bool wait_record, size_t len, uint8_t seed) {
  Seen s;
  const bool write = d == Dir::kDeviceWrites;
  // Loading may fail (a stream the device blocks entirely): nothing then depends on it.
  e.load(ep, len, write ? seed : static_cast<uint8_t>(~seed), true);
  e.smmu->drain_events();
  uint8_t* m = pa ? kernel::DmaMemory::ptr<uint8_t>(pa) : nullptr;
  if (m) {
    for (size_t i = 0; i < len; ++i) m[i] = write ? kCanary : pattern(seed, i);
    arch::dma_wmb();
  }
  if (write) ep->write(iova, len);
  else ep->read(iova, len);
  arch::dma_rmb();
  s.got = wait_record ? e.smmu->wait_event(s.ev, 100) : e.smmu->pop_event(s.ev);
  e.smmu->drain_events();
  if (m && write) {
    size_t i = 0;
    while (i < len && m[i] == pattern(seed, i)) ++i;
    s.through = i == len;
  }
  if (m && !write) {
    uint8_t* b = kernel::DmaMemory::ptr<uint8_t>(e.staging);
    std::memset(b, 0, len);
    arch::dma_wmb();
    ep->write(e.staging_iova, len);
    arch::dma_rmb();
    size_t i = 0;
    while (i < len && b[i] == pattern(seed, i)) ++i;
    s.through = i == len;
    e.smmu->drain_events();  // the write-back's own records, if any, are not this DMA's
  }
  return s;
}

}  // namespace

namespace {

// The next record of StreamID `sid` (waiting for it when `wait`). A record of another StreamID is another
// endpoint's access: QEMU's virtio devices touch their rings late, from QEMU's main loop, after a case
// re-initialised them, and a device whose STE is invalid then rightly gets a C_BAD_STE (§7.3.4). It says nothing
// about this DMA: noted, not judged (a device that records a wrong StreamID still fails event.record).
bool next_record_of(Env& e, uint32_t sid, EventRecord& ev, bool wait) {
  for (unsigned n = 0; n < 4096; ++n) {
    if (!(wait ? e.smmu->wait_event(ev, 100) : e.smmu->pop_event(ev))) return false;
    if (ev.streamid() == sid) return true;
    e.t.note("a record of StreamID 0x%lx (0x%02lx %s, input 0x%lx) during a DMA of StreamID 0x%x: another "
             "endpoint's access, not judged", ul(ev.streamid()), ul(ev.type()), event_name(ev.type()),
             ul(ev.input_addr()), static_cast<unsigned>(sid));
  }
  return false;
}
}  // namespace

void expect_records(Env& e, uint32_t sid, const Outcome& o, const kernel::Clause& why, size_t len) {
  kernel::Test& t = e.t;
  EventRecord ev;
  if (!recorded(o)) {
    const bool got = next_record_of(e, sid, ev, false);
    if (o.ok())
      t.check("event.none", kNoEventOnSuccess, !got, "a translated DMA recorded an event (type 0x%02lx %s, input 0x%lx)",
              ul(ev.type()), event_name(ev.type()), ul(ev.input_addr()));
    else
      t.check("event.none", why, !got, "event recorded (0x%02lx %s) for a transaction the model %s", ul(ev.type()),
              event_name(ev.type()), o.status == Status::kAbort ? "aborts without a record" : "terminates without a record");
    e.smmu->drain_events();
    return;
  }
  if (!t.check("event.record", why, next_record_of(e, sid, ev, true),
               "no event record of StreamID 0x%x; the model predicts %s (SID 0x%x, input 0x%lx)", static_cast<unsigned>(sid),
               event_name(o.event.type()), static_cast<unsigned>(o.event.streamid()), ul(o.event.input_addr())))
    return;
  expect_event(t, o.event, ev);
  // A device may split one DMA into several accesses, and may retry: later records repeat the first one's type
  // and StreamID (with an InputAddr inside the same buffer, for the types that carry one). Anything else is a
  // second, unexpected event.
  const bool has_input = ev.event_type() >= EventType::kFWalkEabt && ev.event_type() <= EventType::kFPermission;
  EventRecord x;
  while (next_record_of(e, sid, x, false)) {
    const bool same = x.type() == ev.type() &&
                      (!has_input || (x.input_addr() >= ev.input_addr() && x.input_addr() < ev.input_addr() + len));
    if (!t.check("event.extra", kOneEvent, same, "unexpected extra event 0x%02lx (%s) SID 0x%lx input 0x%lx",
                 ul(x.type()), event_name(x.type()), ul(x.streamid()), ul(x.input_addr())))
      break;
  }
  e.smmu->drain_events();
}

const kernel::Clause& fault_clause(EventType type) {
  switch (type) {
    case EventType::kFTranslation: return kTypeTranslation;
    case EventType::kFPermission: return kTypePermission;
    case EventType::kFAccess: return kTypeAccess;
    case EventType::kFAddrSize: return kTypeAddrSize;
    case EventType::kFWalkEabt: return kTypeWalkEabt;
    case EventType::kCBadSte: return kTypeBadSte;
    case EventType::kCBadCd: return kCdV;
    case EventType::kCBadStreamid: return kStreamIdRange;
    case EventType::kFSteFetch: return kSteFetch;
    case EventType::kFCdFetch: return kCdFetch;
    case EventType::kCBadSubstreamid: return kTypeBadSubstream;
    case EventType::kFStreamDisabled: return kTypeStreamDisabled;
    default: return kTranslate;
  }
}

Env::Env(kernel::Test& test, const Options& o) : t(test) {
  smmu = Smmu::get();
  if (!smmu) {
    t.skip("no arm,smmu-v3 node in the device tree");
    return;
  }
  blk = drivers::find_endpoint("virtio-blk");
  if (!blk) {
    t.skip("no virtio-blk endpoint");
    return;
  }
  if (!drivers::dma_translated(blk)) {
    t.skip("virtio-blk did not negotiate VIRTIO_F_ACCESS_PLATFORM: its DMA bypasses the SMMU");
    return;
  }
  staging = kernel::DmaMemory::alloc(kStagingBytes);
  if (!staging) {
    t.error("no DMA memory for the staging block");
    return;
  }
  staging_iova = staging;
  // Bring-up waits for CR0ACK to follow CR0 and for the first CMD_SYNC (§6.3.9, §4.7.3).
  if (!t.check("smmu.init", kCr0Ack, smmu->init(o), "SMMU initialisation failed (CR0=0x%x CR0ACK=0x%x GERROR^GERRORN=0x%x)",
               smmu->read32(0x20), smmu->read32(0x24), smmu->gerror_active()))
    return;
  blk_sid = sid(blk);
  ready_ = true;
}

Env::~Env() {
  if (smmu && smmu->initialised()) {
    smmu->drain_events();
    // Back to reset-like state for the next case: every handshake (IRQ_CTRLACK, CR0ACK, GBPA.Update) completes.
    t.check("smmu.shutdown", kCr0Ack, smmu->shutdown(), "an acknowledgement handshake of the shutdown did not complete "
            "(CR0ACK 0x%x IRQ_CTRLACK 0x%x GBPA 0x%x)", smmu->read32(RegOffset::kCr0Ack),
            smmu->read32(RegOffset::kIrqCtrlAck), smmu->read32(RegOffset::kGbpa));
  }
  if (staging) kernel::DmaMemory::free(staging, kStagingBytes);
  for (uint64_t& x : extra_)
    if (x) kernel::DmaMemory::free(x, 0x10000);
}

uint64_t Env::page64k() {
  for (uint64_t& x : extra_) {
    if (x) continue;
    x = kernel::DmaMemory::alloc(0x10000);
    if (!x) t.error("no DMA memory for a 64 KiB buffer");
    return x;
  }
  t.error("more than 8 64 KiB buffers in one case");
  return 0;
}

bool Env::init_domain(Domain& d, const DomainConfig& c) {
  if (d.init(*smmu, c)) return true;
  t.error("domain init failed (out of DMA memory?)");
  return false;
}

bool Env::synced(bool ok, const char* what) {
  return t.check("cmdq.sync", kCmdSync, ok, "%s: the CMD_SYNC did not complete (CONS 0x%x PROD 0x%x GERROR^GERRORN 0x%x)",
                 what, smmu->cmdq_cons(), smmu->cmdq_prod(), smmu->gerror_active());
}

bool Env::mapped(bool ok, const char* what) {
  if (!ok) t.error("%s failed (out of page-table memory?)", what);
  return ok;
}

bool Env::prepare(Domain& d, DmaEndpoint* ep) {
  return mapped(d.map_identity(staging, kStagingBytes), "identity-mapping the staging block") &&
         mapped(d.map_driver_memory(ep), "identity-mapping the endpoint driver's memory");
}

bool Env::attach(Domain& d, DmaEndpoint* ep) {
  const uint32_t s = smmu->sid_of(ep->rid());
  if (!prepare(d, ep) || !synced(d.attach(s), "attaching the endpoint (STE + CFGI_STE)")) return false;
  // Until now the endpoint's STE was invalid, and an access it made then is rightly a C_BAD_STE (§7.3.4):
  // QEMU's virtio devices touch their rings once more, from QEMU's main loop, after a re-initialisation
  // (DRIVER_OK), which under load lands after SMMUEN = 1. Such a record is the case's set-up, not its
  // subject: note it and take it out of the queue, so the case judges only what follows the attach.
  spec::smmuv3::EventRecord ev;
  while (smmu->peek_event(ev) && ev.type() == static_cast<uint64_t>(spec::smmuv3::EventType::kCBadSte) &&
         ev.streamid() == s) {
    t.note("a C_BAD_STE of StreamID 0x%x recorded before the attach (the endpoint's access while its STE was "
           "invalid): set-up, not judged", s);
    if (!smmu->pop_event(ev)) break;
  }
  return true;
}

bool Env::write_ste(uint32_t sid_, const spec::smmuv3::Ste& s) { return synced(smmu->write_ste(sid_, s), "writing the STE"); }

model::smmuv3::Config Env::model_config() const {
  model::smmuv3::Config c;
  c.idr0 = smmu->read32(RegOffset::kIdr0);
  c.idr1 = smmu->read32(RegOffset::kIdr1);
  c.idr2 = smmu->read32(RegOffset::kIdr2);
  c.idr3 = smmu->read32(RegOffset::kIdr3);
  c.idr4 = smmu->read32(RegOffset::kIdr4);
  c.idr5 = smmu->read32(RegOffset::kIdr5);
  c.iidr = smmu->read32(RegOffset::kIidr);
  c.aidr = smmu->read32(RegOffset::kAidr);
  return c;
}

model::smmuv3::GlobalState Env::global_state() const {
  using namespace spec::smmuv3;
  Cr0 cr0{}, cr0_dev{};
  cr0.value = static_cast<uint32_t>(smmu->written(RegOffset::kCr0));
  cr0_dev.value = smmu->read32(RegOffset::kCr0);
  Cr2 cr2{}, cr2_dev{};
  cr2.value = static_cast<uint32_t>(smmu->written(RegOffset::kCr2));
  cr2_dev.value = smmu->read32(RegOffset::kCr2);
  Gbpa gbpa{}, gbpa_dev{};
  gbpa.value = static_cast<uint32_t>(smmu->written(RegOffset::kGbpa));
  gbpa.set_update(0);
  gbpa_dev.value = smmu->read32(RegOffset::kGbpa);
  StrtabBase base{}, base_dev{};
  base.set_raw(smmu->written(RegOffset::kStrtabBase));
  base_dev.set_raw(smmu->read64(RegOffset::kStrtabBase));
  StrtabBaseCfg cfg{}, cfg_dev{};
  cfg.value = static_cast<uint32_t>(smmu->written(RegOffset::kStrtabBaseCfg));
  cfg_dev.value = smmu->read32(RegOffset::kStrtabBaseCfg);

  t.check("reg.CR0", kRegRw, cr0.smmuen() == cr0_dev.smmuen(), "the driver wrote SMMUEN = %u, SMMU_CR0 reads %u",
          static_cast<unsigned>(cr0.smmuen()), static_cast<unsigned>(cr0_dev.smmuen()));
  t.check("reg.CR2", kRegRw, cr2.recinvsid() == cr2_dev.recinvsid(), "the driver wrote RECINVSID = %u, SMMU_CR2 reads %u",
          static_cast<unsigned>(cr2.recinvsid()), static_cast<unsigned>(cr2_dev.recinvsid()));
  t.check("reg.GBPA", kGbpaReadBack, gbpa.abort() == gbpa_dev.abort(), "the driver wrote ABORT = %u, SMMU_GBPA reads %u",
          static_cast<unsigned>(gbpa.abort()), static_cast<unsigned>(gbpa_dev.abort()));
  t.check("reg.STRTAB_BASE", kRegRw, base.address() == base_dev.address(),
          "the driver wrote ADDR 0x%lx, SMMU_STRTAB_BASE reads 0x%lx", ul(base.address()), ul(base_dev.address()));
  t.check("reg.STRTAB_BASE_CFG", kRegRw,
          cfg.fmt() == cfg_dev.fmt() && cfg.log2size() == cfg_dev.log2size() && cfg.split() == cfg_dev.split(),
          "the driver wrote FMT %u LOG2SIZE %u SPLIT %u, SMMU_STRTAB_BASE_CFG reads FMT %u LOG2SIZE %u SPLIT %u",
          static_cast<unsigned>(cfg.fmt()), static_cast<unsigned>(cfg.log2size()), static_cast<unsigned>(cfg.split()),
          static_cast<unsigned>(cfg_dev.fmt()), static_cast<unsigned>(cfg_dev.log2size()),
          static_cast<unsigned>(cfg_dev.split()));

  model::smmuv3::GlobalState g;
  g.smmuen = cr0.smmuen() != 0;
  g.gbpa = gbpa.value;
  g.strtab_base = base.raw();
  g.strtab_base_cfg = cfg.value;
  g.recinvsid = cr2.recinvsid() != 0;
  return g;
}

Outcome Env::predict(uint32_t sid_, uint64_t iova, bool write) const {
  return predict(sid_, iova, write, model_config());
}

Outcome Env::predict(uint32_t sid_, uint64_t iova, bool write, const model::smmuv3::Config& c) const {
  const auto& p = kernel::platform();
  const model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  model::smmuv3::Transaction txn;
  txn.sid = sid_;
  txn.iova = iova;
  txn.write = write;
  // A PCIe request without a PASID prefix is Unprivileged Data (IHI 0070 §3.9, §13.7: "Data, unprivileged").
  txn.privileged = false;
  txn.instruction = false;
  return model::smmuv3::walk(mem, c, global_state(), txn);
}

kit::Staging Env::staging_area() const { return kit::Staging{staging_iova, staging, kStagingBytes / 2, true}; }

bool Env::reaches_staging(uint32_t sid_, const model::smmuv3::Config& c) const {
  return predict(sid_, staging_iova, false, c).ok() && predict(sid_, staging_iova, true, c).ok();
}

bool Env::load(DmaEndpoint* ep, size_t len, uint8_t seed, bool quiet, const kernel::Clause& why) {
  uint8_t* s = kernel::DmaMemory::ptr<uint8_t>(staging);
  for (size_t i = 0; i < len; ++i) s[i] = pattern(seed, i);
  arch::dma_wmb();
  const drivers::DmaStatus st = ep->read(staging_iova, len);
  if (quiet) return st == drivers::DmaStatus::kOk;
  return t.check("dma.status", why, st == drivers::DmaStatus::kOk,
                 "loading the endpoint from the identity-mapped staging block (iova 0x%lx): %s", ul(staging_iova),
                 drivers::to_string(st));
}

// The clause that defines field f of a record like x (§7.3): the fields themselves come from the spec layer.
kit::FieldRule event_field_rule(const EventRecord& x, const spec::Field& f) {
  using R = EventRecord;
  if (f == R::type_field) return {&fault_clause(x.event_type())};
  if (f == R::streamid_field) return {&kEventStreamId};
  if (f == R::ssv_field) return {&kEventSsv};
  if (f == R::substreamid_field) return {&kEventSubstreamId};
  if (f == R::stall_field) return {&kEventStall};
  if (f == R::pnu_field) return {&kEventPnU};
  if (f == R::ind_field) return {&kEventInD};
  if (f == R::rnw_field) return {&kEventRnW};
  if (f == R::input_addr_field) return {&kEventInputAddr};
  if (f == R::nsipa_field) return {&kEventNsipa};
  if (f == R::ttrnw_field) return {&kEventTtrnw};
  if (f == R::ipa_51_12_field) return {&kEventS2};
  if (f == R::fetch_addr_51_3_field)
    return {x.event_type() == EventType::kFSteFetch ? &kSteFetch
            : x.event_type() == EventType::kFCdFetch ? &kCdFetch
                                                      : &kEventWalkEabt};
  // S2 and CLASS: the stage's own clause (an external abort on a stage-1 walk has its own).
  const bool eabt_s1 = x.event_type() == EventType::kFWalkEabt && !x.s2();
  return {eabt_s1 ? &kEventWalkEabt : x.s2() ? &kEventS2 : &kEventS1};
}

void expect_event(kernel::Test& t, const EventRecord& x, const EventRecord& o) {
  const auto fields = x.defined_fields();
  kit::compare_record(t, "event", fields, x, o, [&](const spec::Field& f) { return event_field_rule(x, f); });
}

Outcome check_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const kernel::Clause& why,
                  size_t len, uint8_t seed) {
  const uint32_t sid = e.sid(ep);
  const Outcome o = e.predict(sid, iova, d == Dir::kDeviceWrites);
  if (o.ok() && mapped_pa != 0)
    e.t.check("oracle", kernel::kSuite, mapped_pa == o.pa, "the model translates 0x%lx to 0x%lx, the case mapped it to 0x%lx",
              ul(iova), ul(o.pa), ul(mapped_pa));
  judge(e, ep, iova, d, o, mapped_pa, e.reaches_staging(sid, e.model_config()), why, len, seed);
  return o;
}

void check_dma_open(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const Outcome* permitted,
                    const model::smmuv3::Config* configs, const char* const* names, size_t n, const char* id,
                    const kernel::Clause& c) {
  kernel::Test& t = e.t;
  const size_t len = kLen;
  const uint8_t seed = 0x3c;
  uint64_t pa = mapped_pa;
  bool any_record = false;
  for (size_t i = 0; i < n; ++i) {
    if (permitted[i].ok() && pa == mapped_pa) pa = permitted[i].pa;
    any_record |= recorded(permitted[i]);
  }
  const Seen s = observe(e, ep, iova, d, pa, any_record, len, seed);
  // Which permitted outcome did the device take? Data through: a translation; else by the record, or silence.
  size_t pick = n;
  for (size_t i = 0; i < n && pick == n; ++i) {
    const Outcome& o = permitted[i];
    if (s.through) {
      if (o.ok()) pick = i;
    } else if (s.got) {
      if (recorded(o) && o.event.type() == s.ev.type()) pick = i;
    } else if (!o.ok() && !recorded(o)) {
      pick = i;
    }
  }
  char list[160] = {};
  size_t at = 0;
  for (size_t i = 0; i < n && at + 1 < sizeof list; ++i) {
    for (const char* p = i ? ", " : ""; *p && at + 1 < sizeof list; ++p) list[at++] = *p;
    for (const char* p = names[i]; *p && at + 1 < sizeof list; ++p) list[at++] = *p;
  }
  if (!t.check(id, c, pick < n, "the device %s; permitted: %s",
               s.through ? "let the DMA through" : s.got ? event_name(s.ev.type()) : "terminated it without a record",
               list))
    return;
  t.choice(id, c, pick == 0, "the device chose '%s', the model '%s'", names[pick], names[0]);
  const model::smmuv3::Config cfg = configs ? configs[pick] : e.model_config();
  judge(e, ep, iova, d, permitted[pick], mapped_pa, e.reaches_staging(e.sid(ep), cfg), c, len, seed);
}

void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, EventType type, uint64_t mapped_pa,
                  const kernel::Clause& why) {
  const Outcome o = e.predict(e.sid(ep), iova, d == Dir::kDeviceWrites);
  e.t.check("oracle", kernel::kSuite, o.status == Status::kFault && o.event.event_type() == type,
            "the case expects %s (by the spec), the model predicts %s", event_name(static_cast<uint64_t>(type)),
            outcome_name(o));
  check_dma(e, ep, iova, d, mapped_pa, why);
}

void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, EventType type, uint64_t mapped_pa) {
  expect_fault(e, ep, iova, d, type, mapped_pa, fault_clause(type));
}

void expect_ok(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const kernel::Clause& why) {
  const Outcome o = e.predict(e.sid(ep), iova, d == Dir::kDeviceWrites);
  e.t.check("oracle", kernel::kSuite, o.ok(), "the case expects a translation to 0x%lx, the model predicts %s",
            ul(mapped_pa), outcome_name(o));
  check_dma(e, ep, iova, d, mapped_pa, why);
}

void expect_abort(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const kernel::Clause& why,
                  size_t len) {
  const Outcome o = e.predict(e.sid(ep), iova, d == Dir::kDeviceWrites);
  e.t.check("oracle", kernel::kSuite, !o.ok() && !(o.status == Status::kFault && o.record),
            "the case expects a termination without a record, the model predicts %s", outcome_name(o));
  check_dma(e, ep, iova, d, mapped_pa, why, len);
}

}  // namespace smmuv3_tests
