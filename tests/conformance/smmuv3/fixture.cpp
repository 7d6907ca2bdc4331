#include "tests/conformance/smmuv3/fixture.h"

#include <cstring>

#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"

namespace smmu_tests {

using model::smmuv3::Outcome;
using model::smmuv3::Status;
using spec::smmuv3::EventClass;
using spec::smmuv3::EventRecord;
using spec::smmuv3::EventType;

namespace {
constexpr size_t kStagingBytes = 0x10000;
constexpr uint8_t kCanary = 0xa5;        // memory a blocked device write must leave alone
constexpr uint8_t kReadBackFill = 0x5a;  // the staging block before the device writes back what it holds
// A run of this many bytes of the blocked read's source pattern in what the device delivers is a leak: the
// pattern changes from byte to byte, so neither a fill nor zeros can produce it by chance.
constexpr size_t kLeakRun = 4;
unsigned long ul(uint64_t v) { return static_cast<unsigned long>(v); }
uint8_t pattern(uint8_t seed, size_t i) { return static_cast<uint8_t>(seed + i * 7 + (i >> 8)); }

size_t first_not_pattern(const uint8_t* m, size_t len, uint8_t seed) {
  for (size_t i = 0; i < len; ++i)
    if (m[i] != pattern(seed, i)) return i;
  return len;
}
size_t first_changed(const uint8_t* m, size_t len, uint8_t fill) {
  for (size_t i = 0; i < len; ++i)
    if (m[i] != fill) return i;
  return len;
}
size_t longest_pattern_run(const uint8_t* m, size_t len, uint8_t seed) {
  size_t best = 0, run = 0;
  for (size_t i = 0; i < len; ++i) {
    run = m[i] == pattern(seed, i) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

const char* outcome_name(const Outcome& o) {
  switch (o.status) {
    case Status::kOk: return "translated";
    case Status::kAbort: return "aborted without a record";
    case Status::kFault: return o.record ? event_name(o.event.type()) : "terminated without a record";
  }
  return "?";
}

// What one DMA did, observed once.
struct Seen {
  drivers::DmaStatus st = drivers::DmaStatus::kOk;
  uint64_t pa = 0;
  uint8_t* m = nullptr;  // the memory the DMA would reach (prefilled), or nullptr
  bool got = false;      // an event record after the DMA
  EventRecord ev{};
  EventRecord extra[4]{};
  unsigned extras = 0, extras_dropped = 0;
  // Device reads: what the device holds afterwards, written back to the staging block.
  bool read_back = false;  // the write-back reported completion or changed the staging block
  drivers::DmaStatus back_st = drivers::DmaStatus::kOk;
  const uint8_t* back = nullptr;
};

// Prefills, runs the DMA, and collects the records and (for a read) what the device delivered. `wait_record`:
// wait (bounded) for a record instead of only looking for one. `preload`: first load the endpoint's storage
// (quietly: a stream the case blocks entirely cannot be loaded, and then nothing depends on it) with the data
// to write, or for a read with something other than what memory holds, so that what a read delivered is
// recognisable.
Seen run_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t pa, bool wait_record, bool preload, size_t len,
             uint8_t seed) {
  Seen s;
  const bool write = d == Dir::kDeviceWrites;
  if (preload) e.load(ep, len, write ? seed : static_cast<uint8_t>(seed ^ 0x80), true);
  e.smmu->drain_events();
  s.pa = pa;
  s.m = pa ? kernel::DmaMemory::ptr<uint8_t>(pa) : nullptr;
  if (s.m) {
    for (size_t i = 0; i < len; ++i) s.m[i] = write ? kCanary : pattern(seed, i);
    arch::dma_wmb();
  }
  s.st = write ? ep->write(iova, len) : ep->read(iova, len);
  arch::dma_rmb();
  s.got = wait_record ? e.smmu->wait_event(s.ev, 100) : e.smmu->pop_event(s.ev);
  if (s.got) {
    EventRecord more;
    while (e.smmu->pop_event(more)) {
      if (s.extras < 4) s.extra[s.extras++] = more;
      else ++s.extras_dropped;
    }
  }
  if (!write) {
    uint8_t* b = kernel::DmaMemory::ptr<uint8_t>(e.staging);
    std::memset(b, kReadBackFill, len);
    arch::dma_wmb();
    s.back_st = ep->write(e.staging_iova, len);
    arch::dma_rmb();
    s.back = b;
    s.read_back = s.back_st == drivers::DmaStatus::kOk || first_changed(b, len, kReadBackFill) < len;
    e.smmu->drain_events();  // the write-back's own records, if any, are not this DMA's
  }
  return s;
}

// Checks what run_dma saw against the outcome `o` the device had to produce.
void judge(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, const Outcome& o, const Seen& s, const kernel::Clause& why,
           size_t len, uint8_t seed) {
  kernel::Test& t = e.t;
  const bool write = d == Dir::kDeviceWrites;
  if (o.ok()) {
    t.check("dma.status", why, s.st == drivers::DmaStatus::kOk, "DMA %s 0x%lx (%s): %s, the model translates it to 0x%lx",
            write ? "to" : "from", ul(iova), ep->name(), drivers::to_string(s.st), ul(o.pa));
    if (s.st == drivers::DmaStatus::kOk) {
      if (write) {
        const size_t bad = first_not_pattern(s.m, len, seed);
        t.check("dma.data", why, bad == len,
                "device write did not land at the model's pa 0x%lx: byte %lu is 0x%02x, expected 0x%02x", ul(o.pa),
                ul(bad), bad < len ? s.m[bad] : 0, bad < len ? pattern(seed, bad) : 0);
      } else {
        const size_t bad = first_not_pattern(s.back, len, seed);
        t.check("dma.data", why, s.back_st == drivers::DmaStatus::kOk && bad == len,
                "device read from the model's pa 0x%lx: read-back %s, first differing byte %lu", ul(o.pa),
                drivers::to_string(s.back_st), ul(bad));
      }
    }
    t.check("event.none", kNoEventOnSuccess, !s.got, "a translated DMA recorded an event (type 0x%02lx %s, input 0x%lx)",
            ul(s.ev.type()), event_name(s.ev.type()), ul(s.ev.input_addr()));
    return;
  }

  // Fault or abort: the DMA must not have completed, must not have touched memory, and a read must have
  // delivered nothing. How the device reports a terminated transaction is the device's business (QEMU's DMA
  // API turns a failed translation into a bounce buffer with nothing behind it, so virtio-blk may even report
  // success): the SMMU's part is that memory stays untouched, nothing leaks, and the record is right.
  if (s.st == drivers::DmaStatus::kOk)
    t.note("%s reported success for a DMA the SMMU terminated (%s)", ep->name(), outcome_name(o));
  if (s.m && write) {
    const size_t bad = first_changed(s.m, len, kCanary);
    t.check("dma.untouched", why, bad == len, "memory at 0x%lx changed by a DMA that must not complete (byte %lu is 0x%02x)",
            ul(s.pa), ul(bad), bad < len ? s.m[bad] : 0);
  }
  if (s.m && !write) {
    if (s.read_back) {
      const size_t run = longest_pattern_run(s.back, len, seed);
      t.check("dma.no_leak", why, run < kLeakRun,
              "a blocked read delivered the source memory: %lu consecutive bytes of the pattern at 0x%lx came back",
              ul(run), ul(s.pa));
    } else {
      t.note("%s could not write back what it holds (%s): what the blocked read delivered is not observable",
             ep->name(), drivers::to_string(s.back_st));
    }
  }
  if (o.status == Status::kFault && o.record) {
    if (!t.check("event.record", why, s.got, "no event record; the model predicts %s (SID 0x%x, input 0x%lx)",
                 event_name(o.event.type()), static_cast<unsigned>(o.event.streamid()), ul(o.event.input_addr())))
      return;
    expect_event(t, o.event, s.ev);
    // A device may split one DMA into several accesses, and may retry: later records repeat the first one's type
    // and StreamID (with an InputAddr inside the same buffer, for the types that carry one). Anything else is a
    // second, unexpected event.
    const bool has_input = s.ev.event_type() >= EventType::kFWalkEabt && s.ev.event_type() <= EventType::kFPermission;
    for (unsigned i = 0; i < s.extras; ++i) {
      const EventRecord& x = s.extra[i];
      const bool same = x.type() == s.ev.type() && x.streamid() == s.ev.streamid() &&
                        (!has_input || (x.input_addr() >= s.ev.input_addr() && x.input_addr() < s.ev.input_addr() + len));
      if (!t.check("event.extra", kOneEvent, same, "unexpected extra event 0x%02lx (%s) SID 0x%lx input 0x%lx",
                   ul(x.type()), event_name(x.type()), ul(x.streamid()), ul(x.input_addr())))
        break;
    }
  } else {
    t.check("event.none", why, !s.got, "event recorded (0x%02lx %s) for a transaction the model %s", ul(s.ev.type()),
            event_name(s.ev.type()), o.status == Status::kAbort ? "aborts without a record" : "terminates without a record");
  }
}

}  // namespace

const char* event_name(uint64_t type) {
  switch (static_cast<EventType>(type)) {
    case EventType::kNone: return "none";
    case EventType::kFUut: return "F_UUT";
    case EventType::kCBadStreamid: return "C_BAD_STREAMID";
    case EventType::kFSteFetch: return "F_STE_FETCH";
    case EventType::kCBadSte: return "C_BAD_STE";
    case EventType::kFBadAtsTreq: return "F_BAD_ATS_TREQ";
    case EventType::kFStreamDisabled: return "F_STREAM_DISABLED";
    case EventType::kFTranslForbidden: return "F_TRANSL_FORBIDDEN";
    case EventType::kCBadSubstreamid: return "C_BAD_SUBSTREAMID";
    case EventType::kFCdFetch: return "F_CD_FETCH";
    case EventType::kCBadCd: return "C_BAD_CD";
    case EventType::kFWalkEabt: return "F_WALK_EABT";
    case EventType::kFTranslation: return "F_TRANSLATION";
    case EventType::kFAddrSize: return "F_ADDR_SIZE";
    case EventType::kFAccess: return "F_ACCESS";
    case EventType::kFPermission: return "F_PERMISSION";
    case EventType::kFTlbConflict: return "F_TLB_CONFLICT";
    case EventType::kFCfgConflict: return "F_CFG_CONFLICT";
    case EventType::kEPageRequest: return "E_PAGE_REQUEST";
    case EventType::kFVmsFetch: return "F_VMS_FETCH";
  }
  return "unknown";
}

const kernel::Clause& fault_clause(EventType type) {
  static constexpr kernel::Clause kTranslation{kernel::Strength::kMust, "IHI0070 G.b §7.3.13",
      "Translation fault: The address provided to a stage of translation failed the range check defined by "
      "TxSZ/SLx, the address was within a disabled TTBx, or a valid translation table descriptor was not found"};
  static constexpr kernel::Clause kPermission{kernel::Strength::kMust, "IHI0070 G.b §7.3.16",
      "Permission fault occurred on page access."};
  static constexpr kernel::Clause kAccess{kernel::Strength::kMust, "IHI0070 G.b §7.3.15",
      "Access flag fault due to AF == 0 in a Page or Block descriptor."};
  static constexpr kernel::Clause kAddrSize{kernel::Strength::kMust, "IHI0070 G.b §7.3.14",
      "Address Size fault: Output address of a translation stage caused Address Size fault."};
  static constexpr kernel::Clause kWalkEabt{kernel::Strength::kMust, "IHI0070 G.b §7.3.12",
      "An external abort occurred fetching (or updating) a translation table descriptor"};
  static constexpr kernel::Clause kBadSte{kernel::Strength::kMust, "IHI0070 G.b §7.3.5",
      "Used STE invalid (V == 0, Reserved field, incorrect configuration)."};
  static constexpr kernel::Clause kBadSubstream{kernel::Strength::kMust, "IHI0070 G.b §7.3.9",
      "C_BAD_SUBSTREAMID"};
  static constexpr kernel::Clause kStreamDisabled{kernel::Strength::kMust, "IHI0070 G.b §5.2 S1DSS",
      "Terminate. An abort is reported to the device and the F_STREAM_DISABLED event is recorded."};
  switch (type) {
    case EventType::kFTranslation: return kTranslation;
    case EventType::kFPermission: return kPermission;
    case EventType::kFAccess: return kAccess;
    case EventType::kFAddrSize: return kAddrSize;
    case EventType::kFWalkEabt: return kWalkEabt;
    case EventType::kCBadSte: return kBadSte;
    case EventType::kCBadCd: return kCdV;
    case EventType::kCBadStreamid: return kStreamIdRange;
    case EventType::kFSteFetch: return kSteFetch;
    case EventType::kFCdFetch: return kCdFetch;
    case EventType::kCBadSubstreamid: return kBadSubstream;
    case EventType::kFStreamDisabled: return kStreamDisabled;
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
    smmu->shutdown();
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

bool Env::attach(Domain& d, DmaEndpoint* ep) {
  if (!mapped(d.map_identity(staging, kStagingBytes), "identity-mapping the staging block")) return false;
  return synced(d.attach(ep), "attaching the endpoint (STE + CFGI_STE)");
}

bool Env::write_ste(uint32_t sid_, const spec::smmuv3::Ste& s) { return synced(smmu->write_ste(sid_, s), "writing the STE"); }

Outcome Env::predict(uint32_t sid_, uint64_t iova, bool write) const {
  return predict(sid_, iova, write, smmu->model_config());
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
  return model::smmuv3::walk(mem, c, smmu->global_state(), txn);
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

void expect_event(kernel::Test& t, const EventRecord& x, const EventRecord& o) {
  const kernel::Clause& type_clause = fault_clause(x.event_type());
  t.check("event.type", type_clause, x.type() == o.type(), "expected 0x%02lx (%s), observed 0x%02lx (%s)", ul(x.type()),
          event_name(x.type()), ul(o.type()), event_name(o.type()));
  t.expect_eq("event.StreamID", kEventStreamId, x.streamid(), o.streamid());
  t.expect_eq("event.SSV", kEventSsv, x.ssv(), o.ssv());
  if (x.ssv()) t.expect_eq("event.SubstreamID", kEventSubstreamId, x.substreamid(), o.substreamid());
  switch (x.event_type()) {
    case EventType::kFWalkEabt:
    case EventType::kFTranslation:
    case EventType::kFAddrSize:
    case EventType::kFAccess:
    case EventType::kFPermission: {
      // §7.3.12-16: the full transaction description.
      const bool eabt_s1 = x.event_type() == EventType::kFWalkEabt && !x.s2();
      const kernel::Clause& stage = eabt_s1 ? kEventWalkEabt : x.s2() ? kEventS2 : kEventS1;
      t.expect_eq("event.Stall", kEventStall, x.stall(), o.stall());
      t.expect_eq("event.PnU", kEventPnU, x.pnu(), o.pnu());
      t.expect_eq("event.InD", kEventInD, x.ind(), o.ind());
      t.expect_eq("event.RnW", kEventRnW, x.rnw(), o.rnw());
      t.expect_eq("event.S2", stage, x.s2(), o.s2());
      t.check("event.CLASS", stage, x.class_() == o.class_(), "expected %lu (%s), observed %lu (%s)", ul(x.class_()),
              x.class_() == 0 ? "CD" : x.class_() == 1 ? "TT" : x.class_() == 2 ? "IN" : "reserved", ul(o.class_()),
              o.class_() == 0 ? "CD" : o.class_() == 1 ? "TT" : o.class_() == 2 ? "IN" : "reserved");
      t.expect_eq("event.InputAddr", kEventInputAddr, x.input_addr(), o.input_addr());
      if (x.event_type() == EventType::kFWalkEabt) {
        t.expect_eq("event.FetchAddr", kEventWalkEabt, x.fetch_addr(), o.fetch_addr());
      } else if (x.s2()) {
        // §7.3.13: IPA is provided for stage-2 faults (UNKNOWN for stage 1, not compared then).
        t.expect_eq("event.IPA", kEventS2, x.ipa(), o.ipa());
        t.expect_eq("event.NSIPA", kEventNsipa, x.nsipa(), o.nsipa());
        if (x.event_type() == EventType::kFPermission && x.class_() == static_cast<uint64_t>(EventClass::kTt))
          t.expect_eq("event.TTRnW", kEventTtrnw, x.ttrnw(), o.ttrnw());
      }
      break;
    }
    case EventType::kFSteFetch:
      t.expect_eq("event.FetchAddr", kSteFetch, x.fetch_addr(), o.fetch_addr());
      break;
    case EventType::kFCdFetch:
      t.expect_eq("event.FetchAddr", kCdFetch, x.fetch_addr(), o.fetch_addr());
      break;
    case EventType::kFTranslForbidden:
      t.expect_eq("event.RnW", kEventRnW, x.rnw(), o.rnw());
      t.expect_eq("event.InputAddr", kEventInputAddr, x.input_addr(), o.input_addr());
      break;
    default:
      break;  // C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, C_BAD_SUBSTREAMID, F_STREAM_DISABLED: word 0 only
  }
}

Outcome check_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const kernel::Clause& why,
                  size_t len, uint8_t seed) {
  kernel::Test& t = e.t;
  const bool write = d == Dir::kDeviceWrites;
  const Outcome o = e.predict(e.sid(ep), iova, write);
  if (o.ok() && mapped_pa != 0)
    t.check("oracle", kernel::kSuite, mapped_pa == o.pa, "the model translates 0x%lx to 0x%lx, the case mapped it to 0x%lx",
            ul(iova), ul(o.pa), ul(mapped_pa));
  // A DMA that must succeed needs the endpoint loaded first: a failed load is a failed `dma.status`.
  if (write && o.ok() && !e.load(ep, len, seed, false, why)) return o;
  const uint64_t pa = o.ok() ? o.pa : mapped_pa;
  // A blocked read is preloaded so that a leak is recognisable; a blocked write needs no data (and a stream
  // the case blocks entirely would record the load's own fault).
  const bool preload = !write && pa != 0;
  const Seen s = run_dma(e, ep, iova, d, pa, o.status == Status::kFault && o.record, preload, len, seed);
  judge(e, ep, iova, d, o, s, why, len, seed);
  return o;
}

void check_dma_open(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, const Outcome* permitted,
                    const char* const* names, size_t n, const char* id, const kernel::Clause& c) {
  kernel::Test& t = e.t;
  const bool write = d == Dir::kDeviceWrites;
  const size_t len = kLen;
  const uint8_t seed = 0x3c;
  uint64_t pa = mapped_pa;
  bool any_record = false;
  for (size_t i = 0; i < n; ++i) {
    if (permitted[i].ok() && pa == mapped_pa) pa = permitted[i].pa;
    any_record |= permitted[i].status == Status::kFault && permitted[i].record;
  }
  const Seen s = run_dma(e, ep, iova, d, pa, any_record, write || pa != 0, len, seed);
  // Which permitted outcome did the device take? Data through: a translation; else by the record, or silence.
  bool through = false;
  if (s.m && write) through = first_not_pattern(s.m, len, seed) == len;
  if (s.m && !write) through = s.read_back && first_not_pattern(s.back, len, seed) == len;
  size_t pick = n;
  for (size_t i = 0; i < n && pick == n; ++i) {
    const Outcome& o = permitted[i];
    if (through) {
      if (o.ok()) pick = i;
    } else if (s.got) {
      if (o.status == Status::kFault && o.record && o.event.type() == s.ev.type()) pick = i;
    } else if (!o.ok() && !(o.status == Status::kFault && o.record)) {
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
               through ? "let the DMA through" : s.got ? event_name(s.ev.type()) : "terminated it without a record",
               list))
    return;
  t.choice(id, c, pick == 0, "the device chose '%s', the model '%s'", names[pick], names[0]);
  judge(e, ep, iova, d, permitted[pick], s, c, len, seed);
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

}  // namespace smmu_tests
