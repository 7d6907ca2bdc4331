// libFuzzer target: hostile DDTs, device and process contexts, first-stage / G-stage / MSI page tables, command
// queues and register writes for the RISC-V IOMMU reference model (model/riscv_iommu), in 256 KiB of guest RAM
// at 0x8000_0000. Every access the model makes goes through GuestMemory, which refuses anything outside RAM;
// AddressSanitizer catches any other.
//
// The input is a sequence of operations, an opcode byte followed by its operands:
//   0 memory:    u16 slot, u64 value                 (one quadword anywhere in RAM)
//   1 register:  u16 offset, u64 value, u8 size      (any offset of the register page, 4 or 8 bytes)
//   2 translate: u32 device_id, u64 iova, u8 flags (0 write, 1 exec, 2 priv, 3 PASID, 4 MSI), u32 PASID, u16 data
//   3 command:   16 bytes written at cqt, then cqt moved by one
//   4 DC:        u8 device (1LVL slot), 8 bytes shaped into tc, fsc, iohgatp, ta, msiptp and the MSI mask
//   5 PTE:       u8 table page, u16 index, u8 target page, u8 low flags (V R W X U G A D), u8 high bits
//   6 layout:    u8 ddtp mode, u8 fctl: DDT root, command and fault queues at fixed pages, both enabled
//   7 flush:     IOTINVAL.VMA, IOTINVAL.GVMA and IODIR.INVAL_DDT through a fresh command queue
//   8 reset:     u64 capabilities, u8 choices
//   9 debug:     u64 tr_req_iova, u64 tr_req_ctl
//
// Invariants (a violation traps):
// - a request that completes had the permission it asked for, its page size is a power of two of at least
//   4 KiB and (outside MSI pages) the address keeps its offset inside the page; one that does not carries a
//   fault record with a listed CAUSE, the request's TTYP, DID and PV, and iotval2 only for guest-page faults;
// - while no cache can be stale (after a flush, with no memory write since, the model's own included),
//   translate() agrees with the uncached lookup() on outcome, address, permissions and record;
// - the register page keeps its RO/WARL shape: busy reads 0, cqon follows cqen, fqon follows fqen, heads and
//   tails stay inside their queues, reserved bits read 0; a cqt write leaves the queue empty or stopped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "model/riscv_iommu/iommu.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace mr = model::riscv_iommu;
namespace s = spec::riscv_iommu;

constexpr uint64_t kRamBase = 0x8000'0000;
constexpr size_t kRamSize = 256 * 1024;
constexpr unsigned kPages = kRamSize / 4096;
constexpr uint64_t page(uint8_t p) { return kRamBase + uint64_t{p % kPages} * 4096; }
constexpr uint64_t kDdt = page(0), kCq = page(1), kFq = page(2), kFlushCq = page(3);

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  fprintf(stderr, "riscv_iommu_fuzz: check failed at line %d: %s\n", line, what);
  __builtin_trap();
}
#define check(x) check_at((x), #x, __LINE__)

using CountingMemory = fuzz::CountingMemory<kRamBase, kRamSize>;
using fuzz::Reader;

bool same(const mr::Result& t, const mr::Result& l);
bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void check_result(const mr::Request& req, const mr::Result& r) {
  check(r.has_fault == !r.ok());
  if (r.ok()) {
    check(req.write ? r.w : req.exec ? r.x : r.r);
    check(power_of_two(r.page_size) && r.page_size >= 4096);
    if (!r.msi) check(((r.pa ^ req.iova) & (r.page_size - 1)) == 0);
    return;
  }
  const s::FaultRecord& f = r.fault;
  check(s::cause_description(f.cause()) != nullptr);
  if (f.cause() == static_cast<uint64_t>(s::Cause::kMsiWriteAccessFault)) return;
  check(f.ttyp() == static_cast<uint64_t>(mr::ttyp_of(req)));
  check(f.did() == (req.device_id & 0xff'ffff));
  check(f.pv() == req.has_pasid);
  if (!s::is_guest_page_fault(f.cause())) check(f.iotval2() == 0);
  if (!req.has_pasid) check(f.pid() == 0 && f.priv() == 0);
}

// translate() against lookup() while no cache can be stale: the queue may have refused the record. A cached
// Svnapot page (64 KiB) may answer for a slot the walk reads differently when software did not replicate the
// PTE over its 16 slots, as Svnapot requires: only that case may differ.
bool consistent(const mr::Result& t, const mr::Result& l) {
  if (t.outcome == mr::Outcome::kTranslated && t.page_size == 0x10000 && !same(t, l)) return true;
  return same(t, l);
}
bool same(const mr::Result& t, const mr::Result& l) {
  if (t.has_fault != l.has_fault) return false;
  if (t.has_fault) {
    if (t.fault.words != l.fault.words) return false;
    return t.outcome == l.outcome || (l.outcome == mr::Outcome::kFaulted && t.outcome == mr::Outcome::kAborted);
  }
  return t.outcome == l.outcome && t.pa == l.pa && t.r == l.r && t.w == l.w && t.x == l.x &&
         t.page_size == l.page_size;
}

uint64_t reg(const mr::Iommu& m, s::Mmio r) { return m.read(r.offset, r.bytes); }

void check_registers(const mr::Iommu& m) {
  const s::Cqcsr cq{static_cast<uint32_t>(reg(m, s::reg::kCqcsr))};
  const s::Fqcsr fq{static_cast<uint32_t>(reg(m, s::reg::kFqcsr))};
  check(!cq.busy() && cq.cqon() == cq.cqen());
  check(!fq.busy() && fq.fqon() == fq.fqen());
  check((cq.value & ~(s::Cqcsr::kRw | s::Cqcsr::kRw1c | s::Cqcsr::kRo)) == 0);
  check((fq.value & ~(s::Fqcsr::kRw | s::Fqcsr::kRw1c | s::Fqcsr::kRo)) == 0);
  const uint64_t cq_n = s::reg_of<s::QueueBase>(reg(m, s::reg::kCqb)).entries();
  const uint64_t fq_n = s::reg_of<s::QueueBase>(reg(m, s::reg::kFqb)).entries();
  check(reg(m, s::reg::kCqh) < cq_n && reg(m, s::reg::kCqt) < cq_n);
  check(reg(m, s::reg::kFqh) < fq_n && reg(m, s::reg::kFqt) < fq_n);
  check((reg(m, s::reg::kIpsr) & ~uint64_t{s::Ipsr::kRw1c}) == 0);
  check(!s::reg_of<s::Ddtp>(reg(m, s::reg::kDdtp)).busy());
  check(s::reg_of<s::Ddtp>(reg(m, s::reg::kDdtp)).iommu_mode() <= 4);
  check(reg(m, s::reg::kPqcsr) == 0);  // no ATS
}

void check_commands(const mr::Iommu& m) {
  if (m.command_queue_stopped()) return;
  check(reg(m, s::reg::kCqh) == reg(m, s::reg::kCqt));
}

void put_command(mr::Iommu& m, CountingMemory& mem, uint64_t base, const s::Command& c) {
  const uint64_t t = reg(m, s::reg::kCqt);
  mem.write(base + t * 16, c.words.data(), 16);
  const uint64_t n = s::reg_of<s::QueueBase>(reg(m, s::reg::kCqb)).entries();
  m.write(s::reg::kCqt.offset, (t + 1) % n, 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static CountingMemory mem;
  static mr::Iommu iommu(mem);
  mem.clear();
  iommu.reset(mr::Config{});
  bool clean = false;     // no cache can be stale
  unsigned clean_at = 0;  // mem.writes when `clean` was established

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
        uint16_t off = 0;
        uint64_t v = 0;
        uint8_t sz = 0;
        if (!in.take(off) || !in.take(v) || !in.take(sz)) return 0;
        const uint64_t caps = reg(iommu, s::reg::kCapabilities);
        iommu.write(off % s::kRegisterPageBytes, v, sz & 1 ? 8 : 4);
        check(reg(iommu, s::reg::kCapabilities) == caps);  // read-only
        clean = false;
        if ((off % s::kRegisterPageBytes) == s::reg::kCqt.offset) check_commands(iommu);
        break;
      }
      case 2: {
        uint32_t dev = 0, pasid = 0;
        uint64_t iova = 0;
        uint8_t flags = 0;
        uint16_t msi_data = 0;
        if (!in.take(dev) || !in.take(iova) || !in.take(flags) || !in.take(pasid) || !in.take(msi_data)) return 0;
        mr::Request req;
        req.device_id = dev & 0xff'ffff;
        req.iova = iova;
        req.write = flags & 1;
        req.exec = flags & 2;
        req.priv = flags & 4;
        req.has_pasid = flags & 8;
        req.pasid = pasid & 0xf'ffff;
        req.msi = flags & 16;
        req.msi_data = msi_data;
        const unsigned before = mem.writes;
        const mr::Result l = iommu.lookup(req);
        check(mem.writes == before);  // lookup() writes nothing
        check_result(req, l);
        const mr::Result t = iommu.translate(req);
        check_result(req, t);
        if (clean && before == clean_at && !consistent(t, l)) {
          fprintf(stderr, "dev %x iova %llx flags %x pasid %x: translate %s pa %llx size %llx rwx %d%d%d cause %llu; "
                  "lookup %s pa %llx size %llx rwx %d%d%d cause %llu\n", req.device_id,
                  (unsigned long long)req.iova, flags, req.pasid, mr::to_string(t.outcome), (unsigned long long)t.pa,
                  (unsigned long long)t.page_size, t.r, t.w, t.x, (unsigned long long)t.fault.cause(),
                  mr::to_string(l.outcome), (unsigned long long)l.pa, (unsigned long long)l.page_size, l.r, l.w, l.x,
                  (unsigned long long)l.fault.cause());
          check(consistent(t, l));
        }
        break;
      }
      case 3: {
        s::Command c;
        if (!in.take(c.words[0]) || !in.take(c.words[1])) return 0;
        put_command(iommu, mem, s::reg_of<s::QueueBase>(reg(iommu, s::reg::kCqb)).base(), c);
        clean = false;
        check_commands(iommu);
        break;
      }
      case 4: {
        uint8_t dev = 0;
        uint8_t b[8] = {};
        if (!in.take(dev) || !in.take(b)) return 0;
        static constexpr uint8_t kFscModes[] = {0, 8, 9, 10, 1, 2, 3};
        static constexpr uint8_t kGModes[] = {0, 8, 9, 10};
        s::DeviceContext dc;
        s::Tc tc;
        tc.set_raw(b[0] | (uint64_t(b[1] & 0xf) << 8) | (b[1] & 0x10 ? uint64_t{1} << 40 : 0));
        s::Fsc fsc;
        fsc.set_mode(kFscModes[b[2] % 7]).set_ppn(page(b[3]) >> 12);
        s::Iohgatp g;
        g.set_mode(kGModes[b[4] % 4]).set_ppn(page(b[5] & 0xfc) >> 12).set_gscid(b[6] & 3);
        s::DcTa ta;
        ta.set_pscid(b[7] & 3);
        s::Msiptp msi;
        msi.set_mode((b[6] >> 2) & 1).set_ppn(page(b[7]) >> 12);
        s::MsiAddrMask mask;
        mask.set_mask((b[4] >> 4) & 7);
        s::MsiAddrPattern pattern;
        pattern.set_pattern((kRamBase >> 12) + ((b[6] >> 3) & 0x1f) * 8);
        dc.set_tc(tc).set_fsc(fsc).set_iohgatp(g).set_ta(ta).set_msiptp(msi).set_msi_addr_mask(mask);
        dc.set_msi_addr_pattern(pattern);
        const uint64_t root = s::reg_of<s::Ddtp>(reg(iommu, s::reg::kDdtp)).ppn() << 12;
        mem.write(root + uint64_t(dev % 64) * 64, dc.words.data(), 64);
        break;
      }
      case 5: {
        uint8_t table = 0, target = 0, lo = 0, hi = 0;
        uint16_t index = 0;
        if (!in.take(table) || !in.take(index) || !in.take(target) || !in.take(lo) || !in.take(hi)) return 0;
        // hi: bit 0 N, bits 2:1 PBMT, bit 3 a reserved bit (54); bit 4: a GPA-relative target (RAM page as GPA).
        uint64_t ppn = (hi & 0x10) ? uint64_t(target % kPages) : page(target) >> 12;
        uint64_t e = lo | (ppn << 10) | (uint64_t(hi & 1) << 63) | (uint64_t((hi >> 1) & 3) << 61) |
                     (uint64_t((hi >> 3) & 1) << 54);
        const uint64_t at = page(table) - kRamBase + (index & 0x7ffu) * 8u;  // up to a 16 KiB x4 root
        check(mem.write64(kRamBase + at % kRamSize, e));
        break;
      }
      case 6: {
        uint8_t mode = 0, fctl = 0;
        if (!in.take(mode) || !in.take(fctl)) return 0;
        s::QueueBase cqb, fqb;
        cqb.set_log2sz_1(3).set_ppn(kCq >> 12);
        fqb.set_log2sz_1(3).set_ppn(kFq >> 12);
        iommu.write(s::reg::kFctl.offset, fctl, 4);
        iommu.write(s::reg::kCqcsr.offset, 0, 4);
        iommu.write(s::reg::kFqcsr.offset, 0, 4);
        iommu.write(s::reg::kCqb.offset, cqb.raw(), 8);
        iommu.write(s::reg::kFqb.offset, fqb.raw(), 8);
        iommu.write(s::reg::kFqh.offset, 0, 4);
        iommu.write(s::reg::kCqt.offset, 0, 4);
        iommu.write(s::reg::kCqcsr.offset, 0x3, 4);
        iommu.write(s::reg::kFqcsr.offset, 0x3, 4);
        s::Ddtp d;
        d.set_iommu_mode(mode % 5).set_ppn(kDdt >> 12);
        iommu.write(s::reg::kDdtp.offset, d.raw(), 8);
        clean = false;
        break;
      }
      case 7: {
        // A fresh queue at its own page; all three commands must run (nothing there can be illegal).
        s::QueueBase b;
        b.set_log2sz_1(3).set_ppn(kFlushCq >> 12);
        iommu.write(s::reg::kCqcsr.offset, 0, 4);
        iommu.write(s::reg::kCqb.offset, b.raw(), 8);
        iommu.write(s::reg::kCqt.offset, 0, 4);
        iommu.write(s::reg::kCqcsr.offset, 1, 4);
        put_command(iommu, mem, kFlushCq, s::IotinvalCommand::vma());
        put_command(iommu, mem, kFlushCq, s::IotinvalCommand::gvma());
        put_command(iommu, mem, kFlushCq, s::IodirCommand::inval_ddt());
        check(reg(iommu, s::reg::kCqh) == 3 && !iommu.command_queue_stopped());
        check(iommu.ioatc_valid_entries() == 0 && iommu.dc_cache_valid_entries() == 0);
        clean = true;
        clean_at = mem.writes;
        break;
      }
      case 8: {
        uint64_t caps = 0;
        uint8_t choices = 0;
        if (!in.take(caps) || !in.take(choices)) return 0;
        mr::Config c;
        c.capabilities = (caps & ~(s::Capabilities::end_mask | s::Capabilities::ats_mask |
                                   s::Capabilities::hpm_mask | s::Capabilities::qosid_mask)) |
                         (c.capabilities & 0xff);  // the version stays
        c.reset_bare = choices & 1;
        c.gxl_writable = choices & 2;
        c.msiptp_needs_g_stage = choices & 4;
        c.report_page_offset = choices & 8;
        c.ioatc_entries = (choices >> 4) * 5;
        iommu.reset(c);
        check(reg(iommu, s::reg::kCapabilities) == c.capabilities);
        clean = false;
        break;
      }
      case 9: {
        uint64_t iova = 0, ctl = 0;
        if (!in.take(iova) || !in.take(ctl)) return 0;
        iommu.write(s::reg::kTrReqIova.offset, iova, 8);
        iommu.write(s::reg::kTrReqCtl.offset, ctl, 8);
        check((reg(iommu, s::reg::kTrReqCtl) & s::TrReqCtl::go_busy_mask) == 0);  // completes at once
        clean = false;
        break;
      }
    }
    check_registers(iommu);
  }
  return 0;
}
