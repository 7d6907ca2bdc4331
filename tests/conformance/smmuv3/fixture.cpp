#include "tests/conformance/smmuv3/fixture.h"

#include <cstring>

#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"

namespace smmu_tests {

using model::smmuv3::Outcome;
using model::smmuv3::Status;
using spec::smmuv3::EventRecord;
using spec::smmuv3::EventType;

namespace {
constexpr size_t kStagingBytes = 0x10000;
constexpr uint8_t kCanary = 0xa5;
unsigned long ul(uint64_t v) { return static_cast<unsigned long>(v); }
uint8_t pattern(uint8_t seed, size_t i) { return static_cast<uint8_t>(seed + i * 7 + (i >> 8)); }
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
    t.fail("no DMA memory for the staging block");
    return;
  }
  staging_iova = staging;
  if (!smmu->init(o)) {
    t.fail("SMMU initialisation failed (CR0=0x%x CR0ACK=0x%x GERROR^GERRORN=0x%x)", smmu->read32(0x20),
           smmu->read32(0x24), smmu->gerror_active());
    return;
  }
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
    return x;
  }
  return 0;
}

bool Env::init_domain(Domain& d, const DomainConfig& c) {
  if (d.init(*smmu, c)) return true;
  t.fail("domain init failed (out of DMA memory?)");
  return false;
}

bool Env::attach(Domain& d, DmaEndpoint* ep) {
  if (!d.map_identity(staging, kStagingBytes) || !d.attach(ep)) {
    t.fail("attaching %s (SID 0x%x) failed (GERROR^GERRORN=0x%x)", ep->name(), sid(ep), smmu->gerror_active());
    return false;
  }
  return true;
}

Outcome Env::predict(uint32_t sid, uint64_t iova, bool write) const {
  const auto& p = kernel::platform();
  const model::FlatGuestMemory mem(p.ram_base, reinterpret_cast<uint8_t*>(p.ram_base), p.ram_size);
  model::smmuv3::Transaction txn;
  txn.sid = sid;
  txn.iova = iova;
  txn.write = write;
  // A PCIe request without a PASID prefix is Unprivileged Data (IHI 0070 §3.9, §13.7: "Data, unprivileged").
  txn.privileged = false;
  txn.instruction = false;
  return model::smmuv3::walk(mem, smmu->model_config(), smmu->global_state(), txn);
}

bool Env::load(DmaEndpoint* ep, size_t len, uint8_t seed) {
  uint8_t* s = kernel::DmaMemory::ptr<uint8_t>(staging);
  for (size_t i = 0; i < len; ++i) s[i] = pattern(seed, i);
  arch::dma_wmb();
  const drivers::DmaStatus st = ep->read(staging_iova, len);
  return t.check(st == drivers::DmaStatus::kOk, "loading the endpoint from the staging block (iova 0x%lx): %s",
                 ul(staging_iova), drivers::to_string(st));
}

bool expect_event(kernel::Test& t, const EventRecord& x, const EventRecord& o) {
  bool ok = true;
  ok &= t.check(x.type() == o.type(), "event.type: expected 0x%02lx (%s), observed 0x%02lx (%s)", ul(x.type()),
                event_name(x.type()), ul(o.type()), event_name(o.type()));
  ok &= t.expect_eq("event.StreamID", x.streamid(), o.streamid());
  ok &= t.expect_eq("event.SSV", x.ssv(), o.ssv());
  if (x.ssv()) ok &= t.expect_eq("event.SubstreamID", x.substreamid(), o.substreamid());
  switch (x.event_type()) {
    case EventType::kFWalkEabt:
    case EventType::kFTranslation:
    case EventType::kFAddrSize:
    case EventType::kFAccess:
    case EventType::kFPermission:
      // §7.3.12-16: the full transaction description.
      ok &= t.expect_eq("event.Stall", x.stall(), o.stall());
      ok &= t.expect_eq("event.PnU", x.pnu(), o.pnu());
      ok &= t.expect_eq("event.InD", x.ind(), o.ind());
      ok &= t.expect_eq("event.RnW", x.rnw(), o.rnw());
      ok &= t.expect_eq("event.S2", x.s2(), o.s2());
      ok &= t.expect_eq("event.CLASS", x.class_(), o.class_());
      ok &= t.expect_eq("event.InputAddr", x.input_addr(), o.input_addr());
      if (x.event_type() == EventType::kFWalkEabt) {
        ok &= t.expect_eq("event.FetchAddr", x.fetch_addr(), o.fetch_addr());
      } else if (x.s2()) {
        ok &= t.expect_eq("event.IPA", x.ipa(), o.ipa());
        ok &= t.expect_eq("event.NSIPA", x.nsipa(), o.nsipa());
        if (x.class_() == static_cast<uint64_t>(spec::smmuv3::EventClass::kTt))
          ok &= t.expect_eq("event.TTRnW", x.ttrnw(), o.ttrnw());
      }
      break;
    case EventType::kFSteFetch:
    case EventType::kFCdFetch:
      ok &= t.expect_eq("event.FetchAddr", x.fetch_addr(), o.fetch_addr());
      break;
    case EventType::kFTranslForbidden:
      ok &= t.expect_eq("event.RnW", x.rnw(), o.rnw());
      ok &= t.expect_eq("event.InputAddr", x.input_addr(), o.input_addr());
      break;
    default:
      break;  // C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, C_BAD_SUBSTREAMID, F_STREAM_DISABLED: word 0 only
  }
  return ok;
}

Outcome check_dma(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa, size_t len, uint8_t seed) {
  kernel::Test& t = e.t;
  const bool write = d == Dir::kDeviceWrites;
  const Outcome o = e.predict(e.sid(ep), iova, write);
  if (o.ok() && mapped_pa != 0) e.t.expect_eq("oracle output address (model vs mapping)", mapped_pa, o.pa);

  // Data source: for a device write the endpoint must hold pattern(seed) first.
  if (write && o.ok() && !e.load(ep, len, seed)) return o;
  e.smmu->drain_events();

  // The memory the DMA would reach (predicted or mapped), prefilled so any change is visible.
  const uint64_t pa = o.ok() ? o.pa : mapped_pa;
  uint8_t* m = pa ? kernel::DmaMemory::ptr<uint8_t>(pa) : nullptr;
  if (m) {
    for (size_t i = 0; i < len; ++i) m[i] = write ? kCanary : pattern(seed, i);
    arch::dma_wmb();
  }
  const drivers::DmaStatus st = write ? ep->write(iova, len) : ep->read(iova, len);
  arch::dma_rmb();

  if (o.ok()) {
    t.check(st == drivers::DmaStatus::kOk, "DMA %s 0x%lx (%s): %s, the model translates it to 0x%lx",
            write ? "to" : "from", ul(iova), ep->name(), drivers::to_string(st), ul(o.pa));
    if (st == drivers::DmaStatus::kOk) {
      if (write) {
        size_t bad = len;
        for (size_t i = 0; i < len && bad == len; ++i)
          if (m[i] != pattern(seed, i)) bad = i;
        t.check(bad == len, "device write did not land at the model's pa 0x%lx: byte %lu is 0x%02x, expected 0x%02x",
                ul(o.pa), ul(bad), bad < len ? m[bad] : 0, bad < len ? pattern(seed, bad) : 0);
      } else {
        // What the device read comes back through the identity-mapped staging block.
        uint8_t* s = kernel::DmaMemory::ptr<uint8_t>(e.staging);
        std::memset(s, 0, len);
        arch::dma_wmb();
        const drivers::DmaStatus back = ep->write(e.staging_iova, len);
        arch::dma_rmb();
        size_t bad = len;
        for (size_t i = 0; i < len && bad == len; ++i)
          if (s[i] != pattern(seed, i)) bad = i;
        t.check(back == drivers::DmaStatus::kOk && bad == len,
                "device read from the model's pa 0x%lx: read-back %s, first differing byte %lu", ul(o.pa),
                drivers::to_string(back), ul(bad));
      }
    }
    EventRecord ev;
    const bool got = e.smmu->pop_event(ev);
    t.check(!got, "a translated DMA recorded an event (type 0x%02lx %s, input 0x%lx)", ul(ev.type()),
            event_name(ev.type()), ul(ev.input_addr()));
    return o;
  }

  // Fault or abort: the DMA must not have completed, and must not have touched memory.
  // How the device reports a terminated transaction is the device's business (QEMU's DMA API turns a failed
  // translation into a bounce buffer with nothing behind it, so virtio-blk may even report success): the
  // SMMU's part is that memory stays untouched and the record is right.
  if (st == drivers::DmaStatus::kOk)
    t.note("%s reported success for a DMA the SMMU terminated (%s)", ep->name(), event_name(o.event.type()));
  if (m && write) {
    size_t bad = len;
    for (size_t i = 0; i < len && bad == len; ++i)
      if (m[i] != kCanary) bad = i;
    t.check(bad == len, "memory at 0x%lx changed by a DMA that must not complete (byte %lu)", ul(pa), ul(bad));
  }
  EventRecord ev;
  if (o.status == Status::kFault && o.record) {
    if (t.check(e.smmu->wait_event(ev, 100), "no event record; the model predicts %s (SID 0x%x, input 0x%lx)",
                event_name(o.event.type()), static_cast<unsigned>(o.event.streamid()), ul(o.event.input_addr()))) {
      expect_event(t, o.event, ev);
      // Retries of the same access may repeat the record; anything else is a second, unexpected fault.
      while (e.smmu->pop_event(ev)) {
        // (A device may split one DMA into several accesses: later records of the same fault carry later
        // addresses of the same buffer.)
        if (ev.type() != o.event.type() || ev.streamid() != o.event.streamid() ||
            ev.input_addr() < o.event.input_addr() || ev.input_addr() >= o.event.input_addr() + len)
        {
          t.fail("unexpected extra event 0x%02lx (%s) SID 0x%lx input 0x%lx (%lu more drained)", ul(ev.type()),
                 event_name(ev.type()), ul(ev.streamid()), ul(ev.input_addr()), ul(e.smmu->drain_events()));
          break;
        }
      }
    }
  } else {
    const bool got = e.smmu->pop_event(ev);
    t.check(!got, "event recorded (0x%02lx %s) for a transaction the model %s without a record", ul(ev.type()),
            event_name(ev.type()), o.status == Status::kAbort ? "aborts" : "terminates");
  }
  return o;
}

void expect_fault(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, EventType type, uint64_t mapped_pa) {
  const Outcome o = e.predict(e.sid(ep), iova, d == Dir::kDeviceWrites);
  e.t.check(o.status == Status::kFault && o.event.event_type() == type,
            "oracle: expected %s (by the spec), the model predicts status %u %s", event_name(static_cast<uint64_t>(type)),
            static_cast<unsigned>(o.status), event_name(o.event.type()));
  check_dma(e, ep, iova, d, mapped_pa);
}

void expect_ok(Env& e, DmaEndpoint* ep, uint64_t iova, Dir d, uint64_t mapped_pa) {
  const Outcome o = e.predict(e.sid(ep), iova, d == Dir::kDeviceWrites);
  e.t.check(o.ok(), "oracle: expected a translation to 0x%lx, the model predicts status %u %s", ul(mapped_pa),
            static_cast<unsigned>(o.status), event_name(o.event.type()));
  check_dma(e, ep, iova, d, mapped_pa);
}

}  // namespace smmu_tests
