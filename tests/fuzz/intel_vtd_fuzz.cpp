// libFuzzer target: hostile root/context tables, second-stage page tables, register writes and invalidation
// descriptors for the VT-d reference model (model/intel_vtd), in 256 KiB of guest RAM at 1 MiB.
//
// The input is a sequence of operations, an opcode byte followed by its operands:
//   0 memory:     u16 slot, u64 value                 (one quadword anywhere in RAM)
//   1 register:   u8 register, u64 value              (any register, 4- and 8-byte accesses, FRCD included)
//   2 translate:  u16 source-id, u64 address, u8 flags (bit 0 write, bit 1 PASID); with bit 2 an interrupt
//                 request instead: remap_interrupt(source-id, 0xFEEx_xxxx from address[19:0] (bit 3: the raw
//                 address), data = address[63:32])
//   3 context:    u8 devfn, u8 table page, u8 flags, u8 DID -> bus 0's context entry (root entry 0 -> page 1)
//   4 PTE:        u8 table page, u16 index, u8 target page, u8 flags (R, W, PS, SNP) -> one entry
//   5 reset:      u8 variant (CM, NFR, collapsing, cache sizes), then root table at page 0, SRTP, TE; the
//                 interrupt remapping table at page 4 (IRTA.S 7), SIRTP, IRE
//   6 descriptor: 16 bytes at the queue tail (page 2, QI enabled on first use), IQT moved by one
//   7 flush:      global context-cache and IOTLB invalidation (registers, or descriptors with QI on)
//
// Invariants (a violation traps):
// - a request that is not blocked had the permission it asked for; a translation's page size is a power of two
//   of at least 4 KiB and the address keeps its offset inside it;
// - a fault record names the requester, a legacy or scalable-mode fault reason, F = 1; kFaulted always carries a record;
// - FSTS has no bit outside its fields; IQH stays 16-byte aligned inside the queue; CAP/ECAP never change;
// - while no cache may be stale (after a flush that left both caches empty, with no write to RAM or to a
//   register since, the model's own status writes included), translate() agrees with lookup() on outcome,
//   address and fault reason;
// - an interrupt request is delivered or has a fault; its fault record names the requester, an IR fault reason
//   (20h-27h), F = 1 and FI[47:12] = 0.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/intel_vtd/iommu.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace mv = model::intel_vtd;
namespace s = spec::intel_vtd;

constexpr uint64_t kRamBase = 0x10'0000;
constexpr size_t kRamSize = 256 * 1024;
constexpr unsigned kPages = kRamSize / 4096;
constexpr uint64_t page(uint8_t p) { return kRamBase + uint64_t{p % kPages} * 4096; }
constexpr uint64_t kRoot = kRamBase, kContext = kRamBase + 0x1000, kQueue = kRamBase + 0x2000;

constexpr s::Mmio kRegs[] = {
    s::reg::kGcmd,    s::reg::kRtaddr,  s::reg::kCcmd,    s::reg::kFsts,   s::reg::kFectl,   s::reg::kFedata,
    s::reg::kFeaddr,  s::reg::kIqh,     s::reg::kIqt,     s::reg::kIqa,    s::reg::kIcs,     s::reg::kIectl,
    s::reg::kIrta,    s::reg::kCap,     s::reg::kEcap,    s::reg::kPmen,   {0xf0, 8},        {0xf8, 8},
    {0xfc, 4},        {0x220, 8},       {0x228, 8},       {0x22c, 4},      {0x230, 8},       {0x238, 8},
    {0x23c, 4},       {0x24c, 4},       {0x38, 8},        {0x2c, 4},       {0x20, 4},        {0x8c, 4},
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

using CountingMemory = fuzz::CountingMemory<kRamBase, kRamSize>;
using fuzz::Reader;

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void check_result(const mv::Request& req, const mv::Result& r) {
  if (r.ok()) check(req.write ? r.w : r.r);
  if (r.outcome == mv::Outcome::kTranslated) {
    check(power_of_two(r.page_size) && r.page_size >= 4096);
    check(((r.pa ^ req.address) & (r.page_size - 1)) == 0);
    check(!r.has_fault);
  }
  if (r.outcome == mv::Outcome::kFaulted) check(r.has_fault);
  if (r.has_fault) {
    check(r.fault.sid() == req.source_id && r.fault.f() == 1);
    check((r.fault.fr() >= s::kLegacyFaultReasonFirst && r.fault.fr() <= s::kLegacyFaultReasonLast) ||
          s::is_scalable_mode_fault(r.fault.fr()));
    check(!r.ok());
  }
}

void check_registers(const mv::Iommu& m, uint64_t cap, uint64_t ecap) {
  check(m.read(s::reg::kCap) == cap && m.read(s::reg::kEcap) == ecap);
  const uint64_t fsts = m.read(s::reg::kFsts);
  check((fsts & ~uint64_t{s::Fsts::kRw1c | s::Fsts::kRo}) == 0);
  s::Iqa q;
  q.set_raw(m.read(s::reg::kIqa));
  const uint64_t iqh = m.read(s::reg::kIqh);
  check(iqh % 16 == 0 && (iqh < q.bytes() || iqh == 0));
}

void check_interrupt(uint16_t sid, const mv::InterruptResult& r) {
  if (r.remapped) check(r.delivered);
  check(r.delivered != r.has_fault);
  if (!r.has_fault) return;
  check(r.fault.sid() == sid && r.fault.f() == 1 && s::is_interrupt_remapping_fault(r.fault.fr()));
  check(((r.fault.words[0] >> 12) & ((uint64_t{1} << 36) - 1)) == 0);
}

bool same(const mv::Result& a, const mv::Result& b) {
  if (a.outcome != b.outcome || a.has_fault != b.has_fault) return false;
  if (a.has_fault && a.fault.fr() != b.fault.fr()) return false;
  if (!a.ok()) return true;
  return a.pa == b.pa && a.r == b.r && a.w == b.w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static CountingMemory mem;
  static mv::Iommu iommu(mem);
  mem.clear();
  iommu.reset(mv::Config{});
  uint64_t cap = iommu.read(s::reg::kCap), ecap = iommu.read(s::reg::kEcap);
  bool clean = false;
  unsigned clean_at = 0;
  uint32_t tail = 0;
  bool qi = false;

  Reader in{data, size};
  uint8_t op = 0;
  while (in.take(op)) {
    switch (op % 8) {
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
        iommu.write(kRegs[r % (sizeof kRegs / sizeof kRegs[0])], v);
        clean = false;
        break;
      }
      case 2: {
        uint16_t sid = 0;
        uint64_t addr = 0;
        uint8_t flags = 0;
        if (!in.take(sid) || !in.take(addr) || !in.take(flags)) return 0;
        if (flags & 4) {
          const uint64_t msi = (flags & 8) ? addr : s::kInterruptAddressBase | (addr & 0xf'ffff);
          check_interrupt(sid, iommu.remap_interrupt(sid, msi, static_cast<uint32_t>(addr >> 32)));
          break;
        }
        mv::Request req;
        req.source_id = sid;
        req.address = addr;
        req.write = flags & 1;
        req.has_pasid = flags & 2;
        const mv::Result w = iommu.lookup(req);
        check_result(req, w);
        const mv::Result r = iommu.translate(req);
        check_result(req, r);
        if (clean && mem.writes == clean_at) check(same(r, w));
        break;
      }
      case 3: {
        uint8_t devfn = 0, p = 0, flags = 0, did = 0;
        if (!in.take(devfn) || !in.take(p) || !in.take(flags) || !in.take(did)) return 0;
        s::RootEntry re;
        re.set_p(1).set_ctp(kContext);
        check(mem.write(kRoot, re.words.data(), 16));
        s::ContextEntry ce;
        ce.set_p(flags & 1).set_fpd((flags >> 1) & 1).set_tt((flags >> 2) & 3).set_aw((flags >> 4) & 7);
        ce.set_slptptr(page(p)).set_did(did);
        check(mem.write(kContext + devfn * 16u, ce.words.data(), 16));
        break;
      }
      case 4: {
        uint8_t p = 0, target = 0, flags = 0;
        uint16_t index = 0;
        if (!in.take(p) || !in.take(index) || !in.take(target) || !in.take(flags)) return 0;
        s::SlPte e;
        e.set_r(flags & 1).set_w((flags >> 1) & 1).set_ps((flags >> 2) & 1).set_snp((flags >> 3) & 1);
        // A target page, or (bit 4) a large-page-aligned address anywhere below 2^40.
        e.set_addr((flags & 0x10) ? (uint64_t{target} << 30) : page(target));
        check(mem.write64(page(p) + (index % s::kTableEntries) * 8u, e.words[0]));
        break;
      }
      case 5: {
        uint8_t variant = 0;
        if (!in.take(variant)) return 0;
        mv::Config c;
        s::Cap k;
        k.set_raw(c.cap);
        k.set_cm(variant & 1).set_nfr((variant >> 1) & 3);
        if (variant & 8) k.set_sllps(0);
        if (variant & 16) k.set_psi(0);
        c.cap = k.raw();
        c.collapse_same_sid = (variant & 32) == 0;
        c.iotlb_entries = (variant & 64) ? 0 : 64;
        c.context_cache_entries = (variant & 128) ? 2 : 16;
        iommu.reset(c);
        cap = iommu.read(s::reg::kCap);
        ecap = iommu.read(s::reg::kEcap);
        iommu.write(s::reg::kRtaddr, kRoot);
        iommu.write(s::reg::kGcmd, s::Gcmd::srtp_mask);
        iommu.write(s::reg::kGcmd, s::Gcmd::te_mask);
        iommu.write(s::reg::kIrta, page(4) | 7);
        iommu.write(s::reg::kGcmd, s::Gcmd::te_mask | s::Gcmd::sirtp_mask);
        iommu.write(s::reg::kGcmd, s::Gcmd::te_mask | s::Gcmd::ire_mask);
        qi = false;
        tail = 0;
        clean = false;
        break;
      }
      case 6: {
        uint64_t lo = 0, hi = 0;
        if (!in.take(lo) || !in.take(hi)) return 0;
        if (!qi) {
          iommu.write(s::reg::kIqa, kQueue);
          s::Gsts g;  // interrupt remapping stays as it is
          g.value = static_cast<uint32_t>(iommu.read(s::reg::kGsts));
          iommu.write(s::reg::kGcmd, s::Gcmd::te_mask | s::Gcmd::qie_mask | (g.ires() ? s::Gcmd::ire_mask : 0));
          qi = true;
          tail = 0;
        }
        check(mem.write64(kQueue + tail, lo) && mem.write64(kQueue + tail + 8, hi));
        tail = (tail + 16) % 4096;
        iommu.write(s::reg::kIqt, tail);
        break;
      }
      case 7: {
        s::Gsts g;
        g.value = static_cast<uint32_t>(iommu.read(s::reg::kGsts));
        if (!g.qies()) {
          iommu.write(s::reg::kCcmd, 0xa000'0000'0000'0000ull);   // ICC | CIRG 01b
          iommu.write({0xf8, 8}, 0x9000'0000'0000'0000ull);      // IVT | IIRG 01b
        } else {
          iommu.write(s::reg::kFsts, s::Fsts::iqe_mask);
          s::Iqt t;
          t.set_raw(iommu.read(s::reg::kIqh));  // resume where the queue stands
          tail = t.byte_offset() % 4096;
          s::ContextCacheInv cc;
          cc.set_g(1);
          s::IotlbInv io;
          io.set_g(1);
          for (const s::Descriptor& d : {static_cast<const s::Descriptor&>(cc), static_cast<const s::Descriptor&>(io)}) {
            check(mem.write64(kQueue + tail, d.words[0]) && mem.write64(kQueue + tail + 8, d.words[1]));
            tail = (tail + 16) % 4096;
          }
          iommu.write(s::reg::kIqt, tail);
        }
        clean = iommu.iotlb_valid_entries() == 0 && iommu.context_cache_valid_entries() == 0;
        clean_at = mem.writes;
        break;
      }
    }
    check_registers(iommu, cap, ecap);
  }
  return 0;
}
