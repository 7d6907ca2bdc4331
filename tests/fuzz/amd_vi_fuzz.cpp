// libFuzzer target: hostile device tables, page tables (v1, v2, nested v2-over-v1), command buffers and
// event-log state for the AMD-Vi reference model (model/amd_vi), in 256 KiB of guest RAM at 1 MiB.
//
// The input is a sequence of operations, an opcode byte followed by its operands:
//   0 memory:    u16 slot, u64 value              (one quadword anywhere in RAM)
//   1 register:  u8 register, u64 value           (any MMIO register of §3.4)
//   2 translate: u8 DeviceID, u64 address, u8 flags (bit 0 write, 1 PASID, 2 user), u32 PASID
//   3 MSI:       u8 DeviceID, u32 data, u8 address (low byte of an address in the MSI window)
//   4 command:   16 bytes written at the command tail, then the tail moved by one entry
//   5 DTE:       u8 DeviceID, then 8 bytes that become a well-formed-looking DTE (pages, mode, flags)
//   6 PTE:       u8 table page, u16 index, u8 target page, u8 flags (v1 and v2 bits) -> one entry
//   7 layout:    u16 Control: device table, command buffer and event log at fixed pages, then Control
//   8 flush:     IommuEn off and on again (empties every cache), so translate() must equal walk()
//   9 reset:     u64 extended feature register
// Operations 5 and 6 are shortcuts to structures the raw quadword writes could also build.
//
// Invariants (a violation traps):
// - a request that is not aborted had the permission it asked for; a translation's page size is a
//   power of two of at least 4 KiB and the address keeps its offset inside that page;
// - an event carries a defined code, and a translation event names the requesting DeviceID;
// - while no cache may be stale (after a flush, with no write to RAM or to a register since, including
//   the model's own event and completion-wait stores), translate() agrees with the uncached walk() on
//   outcome, address and event, also for a second request answered from the IOTLB (unless a large
//   page was not replicated as §2.2.3.2 requires: see consistent());
// - the Status Run bits follow Control, the ring pointers stay 16-byte aligned inside [18:4];
// - a remapped MSI is delivered; an MSI that logged an event is not;
// - a tail write leaves the command buffer with head == tail or halted.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/amd_vi/iommu.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace ma = model::amd_vi;
namespace s = spec::amd_vi;

constexpr uint64_t kRamBase = 0x10'0000;
constexpr size_t kRamSize = 256 * 1024;
constexpr unsigned kPages = kRamSize / 4096;
constexpr uint64_t page(uint8_t p) { return kRamBase + uint64_t{p % kPages} * 4096; }

constexpr s::Mmio kRegs[] = {
    s::Mmio::kDeviceTableBase,   s::Mmio::kCommandBufferBase, s::Mmio::kEventLogBase,     s::Mmio::kControl,
    s::Mmio::kExclusionBase,     s::Mmio::kExclusionLimit,    s::Mmio::kExtendedFeature,  s::Mmio::kPprLogBase,
    s::Mmio::kCommandBufferHead, s::Mmio::kCommandBufferTail, s::Mmio::kEventLogHead,     s::Mmio::kEventLogTail,
    s::Mmio::kStatus,            s::Mmio::kPprLogHead,        s::Mmio::kPprLogTail,
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

using CountingMemory = fuzz::CountingMemory<kRamBase, kRamSize>;
using fuzz::Reader;

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool valid_code(const s::Event& e) {
  const uint64_t c = e.event_code();
  return c >= static_cast<uint64_t>(s::EventCode::kIllegalDevTableEntry) &&
         c <= static_cast<uint64_t>(s::EventCode::kInvalidDeviceRequest);
}

void check_result(const ma::Request& req, const ma::Result& r) {
  if (r.ok()) {
    check(req.write ? r.writable : r.readable);
    check(!r.has_event);
  }
  if (r.outcome == ma::Outcome::kTranslated) {
    check(power_of_two(r.page_size) && r.page_size >= 4096);
    check(((r.pa ^ req.address) & (r.page_size - 1)) == 0);
  }
  if (r.outcome == ma::Outcome::kAborted) check(r.has_event);
  if (r.has_event) {
    check(valid_code(r.event));
    const auto code = static_cast<s::EventCode>(r.event.event_code());
    if (code == s::EventCode::kIoPageFault || code == s::EventCode::kIllegalDevTableEntry ||
        code == s::EventCode::kDevTabHardwareError || code == s::EventCode::kPageTabHardwareError)
      check(r.event.device_id() == req.device_id);
  }
}

// translate() (r) against the uncached walk() (w) while no cache can be stale. A cache never produces
// an abort, and a page of a level's own size (4 KiB, 2 MiB, 1 GiB, ...: one slot of one table) must
// translate exactly as the tables say. Only a NextLevel=7 page (§2.2.3.2: a size between two levels'
// sizes, which software must replicate over every slot it spans) may disagree, when the tables did not
// replicate it: the cached copy and the slot the walk reads then differ.
bool same(const ma::Result& a, const ma::Result& b);
bool level_size(uint64_t size) {
  for (uint64_t l = 4096; l != 0 && l <= (uint64_t{1} << 57); l <<= 9)
    if (size == l) return true;
  return false;
}
bool consistent(const ma::Result& r, const ma::Result& w) {
  if (r.outcome != ma::Outcome::kTranslated || same(r, w)) return same(r, w);
  return !level_size(r.page_size);
}

bool same(const ma::Result& a, const ma::Result& b) {
  if (a.outcome != b.outcome || a.has_event != b.has_event) return false;
  if (a.has_event && a.event.words != b.event.words) return false;
  if (a.outcome == ma::Outcome::kAborted) return true;
  return a.pa == b.pa && a.readable == b.readable && a.writable == b.writable;
}

void check_registers(const ma::Iommu& m) {
  s::Control c;
  c.set_raw(m.read(s::Mmio::kControl));
  s::Status st;
  st.set_raw(m.read(s::Mmio::kStatus));
  check((st.raw() & ~(s::Status::kW1C | s::Status::kRO)) == 0);
  if (!c.iommu_en() || !c.cmd_buf_en()) check(!st.cmd_buf_run());
  if (!c.iommu_en() || !c.event_log_en()) check(!st.event_log_run());
  check(st.cmd_buf_run() == !m.command_halted() || !c.iommu_en() || !c.cmd_buf_en());
  for (s::Mmio r : {s::Mmio::kCommandBufferHead, s::Mmio::kCommandBufferTail, s::Mmio::kEventLogHead,
                    s::Mmio::kEventLogTail})
    check((m.read(r) & ~uint64_t{0x7fff0}) == 0);
}

// After commands ran: either everything up to the tail was consumed, or the buffer stopped.
void check_commands(const ma::Iommu& m) {
  s::Control c;
  c.set_raw(m.read(s::Mmio::kControl));
  if (!c.iommu_en() || !c.cmd_buf_en() || m.command_halted()) return;
  s::RingBase b;
  b.set_raw(m.read(s::Mmio::kCommandBufferBase));
  if (b.len() < s::RingBase::kMinLen) return;
  check(m.read(s::Mmio::kCommandBufferHead) == m.read(s::Mmio::kCommandBufferTail));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static CountingMemory mem;
  static ma::Iommu iommu(mem);
  mem.clear();
  iommu.reset();
  bool clean = false;       // no cache can be stale
  unsigned clean_at = 0;    // mem.writes when `clean` was established

  Reader in{data, size};
  uint8_t op = 0;
  while (in.take(op)) {
    switch (op % 10) {
      case 0: {
        uint16_t slot = 0;
        uint64_t v = 0;
        if (!in.take(slot) || !in.take(v)) return 0;
        check(mem.write64(kRamBase + (uint64_t{slot} * 8) % kRamSize, v));
        break;
      }
      case 1: {
        uint8_t r = 0;
        uint64_t v = 0;
        if (!in.take(r) || !in.take(v)) return 0;
        const s::Mmio reg = kRegs[r % (sizeof kRegs / sizeof kRegs[0])];
        const uint64_t efr = iommu.read(s::Mmio::kExtendedFeature);
        iommu.write(reg, v);
        check(iommu.read(s::Mmio::kExtendedFeature) == efr);  // read-only (§3.4.6)
        if (reg != s::Mmio::kStatus) clean = false;
        // A tail write starts the fetch; a head write does not (software moves head only while stopped).
        if (reg == s::Mmio::kCommandBufferTail) check_commands(iommu);
        break;
      }
      case 2: {
        uint8_t dev = 0, flags = 0;
        uint64_t addr = 0;
        uint32_t pasid = 0;
        if (!in.take(dev) || !in.take(addr) || !in.take(flags) || !in.take(pasid)) return 0;
        ma::Request req;
        req.device_id = dev;
        req.address = addr;
        req.write = flags & 1;
        req.has_pasid = flags & 2;
        req.pasid = pasid & 0xfffff;
        req.user = flags & 4;
        const ma::Result w = iommu.walk(req);
        check_result(req, w);
        const ma::Result r = iommu.translate(req);
        check_result(req, r);
        if (clean && mem.writes == clean_at) {
          check(consistent(r, w));
          // A neighbouring request now possibly answered from the IOTLB entry just filled.
          ma::Request next = req;
          next.address = addr ^ (uint64_t{1} << (12 + (flags >> 3) % 21));
          const ma::Result w2 = iommu.walk(next);
          const ma::Result r2 = iommu.translate(next);
          check_result(next, r2);
          if (mem.writes == clean_at) check(consistent(r2, w2));
        }
        break;
      }
      case 3: {
        uint8_t dev = 0, lo = 0;
        uint32_t msi_data = 0;
        if (!in.take(dev) || !in.take(msi_data) || !in.take(lo)) return 0;
        const ma::MsiResult m = iommu.remap_msi(dev, s::kMsiWindowBase | (uint64_t{lo} << 4), msi_data);
        if (m.remapped) check(m.delivered);
        if (m.has_event) check(!m.delivered && valid_code(m.event));
        break;
      }
      case 4: {
        uint64_t w[2] = {};
        if (!in.take(w[0]) || !in.take(w[1])) return 0;
        s::RingBase b;
        b.set_raw(iommu.read(s::Mmio::kCommandBufferBase));
        const uint64_t tail = iommu.read(s::Mmio::kCommandBufferTail);
        mem.write((b.base_4k() << 12) + tail, w, 16);  // may fall outside RAM: then the ring holds old bytes
        const uint64_t ring = b.len() >= s::RingBase::kMinLen ? uint64_t{16} << b.len() : 0x80000;
        iommu.write(s::Mmio::kCommandBufferTail, (tail + 16) % ring);
        clean = false;
        check_commands(iommu);
        break;
      }
      case 5: {
        uint8_t dev = 0;
        uint8_t b[8] = {};
        if (!in.take(dev) || !in.take(b)) return 0;
        s::DeviceTableBase base;
        base.set_raw(iommu.read(s::Mmio::kDeviceTableBase));
        s::Dte d;
        d.set_v(b[0] & 1).set_tv((b[0] >> 1) & 1).set_ir((b[0] >> 2) & 1).set_iw((b[0] >> 3) & 1);
        d.set_gv((b[0] >> 4) & 1).set_giov((b[0] >> 5) & 1).set_glx((b[0] >> 6) & 1).set_iv(b[0] >> 7);
        d.set_mode(b[1] & 7).set_int_ctl((b[1] >> 3) & 3).set_int_tab_len(b[1] >> 5);
        d.set_page_table_root_4k(page(b[2]) >> 12).set_domain_id(b[3] & 7);
        d.set_gcr3_table_root(page(b[4])).set_int_table_root_64((page(b[5]) + (b[6] & 0x3f) * 64) >> 6);
        if (b[7] & 1) d.words[3] = 1;  // a reserved bit
        mem.write((base.base_4k() << 12) + uint64_t{dev} * 32, d.words.data(), 32);
        break;
      }
      case 6: {
        uint8_t table = 0, target = 0, flags = 0;
        uint16_t index = 0;
        if (!in.take(table) || !in.take(index) || !in.take(target) || !in.take(flags)) return 0;
        // flags: bit 0 PR/P, 1 RW, 2 US, 3 PS, bits 6:4 NextLevel, bit 7 IR+IW (v1).
        const uint64_t f = flags;
        uint64_t e = page(target) | (f & 7) | (((f >> 3) & 1) << 7) | (((f >> 4) & 7) << 9);
        if (flags & 0x80) e |= (uint64_t{1} << 61) | (uint64_t{1} << 62);
        check(mem.write64(page(table) + (index & 0x1ff) * 8u, e));
        break;
      }
      case 7: {
        uint16_t ctl = 0;
        if (!in.take(ctl)) return 0;
        iommu.write(s::Mmio::kDeviceTableBase, page(0) | 1);                        // 8 KiB: 256 DTEs
        iommu.write(s::Mmio::kCommandBufferBase, page(2) | (uint64_t{8} << 56));  // 4 KiB
        iommu.write(s::Mmio::kEventLogBase, page(3) | (uint64_t{8} << 56));       // 4 KiB
        for (s::Mmio r : {s::Mmio::kCommandBufferHead, s::Mmio::kCommandBufferTail, s::Mmio::kEventLogHead,
                          s::Mmio::kEventLogTail})
          iommu.write(r, 0);
        iommu.write(s::Mmio::kControl, uint64_t{ctl} | 1);
        clean = false;
        break;
      }
      case 8: {
        const uint64_t ctl = iommu.read(s::Mmio::kControl);
        iommu.write(s::Mmio::kControl, ctl & ~uint64_t{1});
        iommu.write(s::Mmio::kControl, ctl);
        check(iommu.iotlb_entries() == 0);
        clean = true;
        clean_at = mem.writes;
        break;
      }
      case 9: {
        uint64_t efr = 0;
        if (!in.take(efr)) return 0;
        iommu.reset(efr);
        check(iommu.read(s::Mmio::kExtendedFeature) == efr);
        clean = false;
        break;
      }
    }
    check_registers(iommu);
  }
  return 0;
}
