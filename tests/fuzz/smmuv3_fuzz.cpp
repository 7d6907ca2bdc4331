// libFuzzer target for the SMMUv3 model: arbitrary stream tables, CDs, translation tables and command queues in
// a bounded guest memory, driven through register writes, translations and command processing.
//
// Input layout:
//   byte 0        config preset (full / qemu 7.2 / qemu 10.0) and GBPA reset
//   bytes 1..8    STRTAB_BASE_CFG, low bits of STRTAB_BASE
//   next 16 KiB   guest RAM image (zero-padded)
//   rest          operations, each an opcode byte and its operands
//
// Guest memory "folds": any address below 2^40 lands in the 64 KiB RAM (modulo its size), so random pointers in
// random structures reach other random structures; addresses at or above 2^40 are outside RAM (external aborts).
//
// Checked invariants (a violation traps):
//   * no sanitizer report (memory safety, UB) and termination of every operation;
//   * right after a full invalidation (CMD_CFGI_ALL + CMD_TLBI_NSNH_ALL), Smmu::translate agrees with the
//     cache-free oracle Smmu::predict on status, output address and the event record;
//   * a successful translation is reproducible from the TLB (a second translate gives the same address).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/guest_memory.h"
#include "model/smmuv3/smmu.h"
#include "model/smmuv3/walk.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/registers.h"

namespace {

using namespace model::smmuv3;  // NOLINT
namespace sp = spec::smmuv3;

constexpr size_t kRamSize = 64 * 1024;
constexpr size_t kImage = 16 * 1024;
constexpr unsigned kMaxOps = 96;

class FoldingMemory final : public model::GuestMemory {
 public:
  uint8_t ram[kRamSize];
  bool read(uint64_t pa, void* dst, size_t len) const override {
    if (pa >> 40) return false;
    auto* d = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < len; ++i) d[i] = ram[(pa + i) % kRamSize];
    return true;
  }
  bool write(uint64_t pa, const void* src, size_t len) override {
    if (pa >> 40) return false;
    const auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < len; ++i) ram[(pa + i) % kRamSize] = s[i];
    return true;
  }
};

struct Reader {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint64_t take(unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && n; ++i, --n) v |= uint64_t{*p++} << (8 * i);
    return v;
  }
};

constexpr uint32_t kOffsets[] = {
    sp::RegOffset::kCr0,         sp::RegOffset::kCr1,         sp::RegOffset::kCr2,
    sp::RegOffset::kGbpa,        sp::RegOffset::kIrqCtrl,     sp::RegOffset::kGerrorn,
    sp::RegOffset::kGerrorIrqCfg0, sp::RegOffset::kGerrorIrqCfg1, sp::RegOffset::kStrtabBase,
    sp::RegOffset::kStrtabBase + 4, sp::RegOffset::kStrtabBaseCfg, sp::RegOffset::kCmdqBase,
    sp::RegOffset::kCmdqProd,    sp::RegOffset::kCmdqCons,    sp::RegOffset::kEventqBase,
    sp::RegOffset::kEventqProd,  sp::RegOffset::kEventqCons,  sp::RegOffset::kEventqIrqCfg0,
    sp::RegOffset::kEventqIrqCfg1, sp::RegOffset::kGerror,    sp::RegOffset::kIdr0,
};

bool same(const Outcome& a, const Outcome& b) {
  if (a.status != b.status) return false;
  if (a.status == Status::kOk) return a.pa == b.pa;
  if (a.status == Status::kFault) return a.record == b.record && a.event == b.event;
  return true;
}

Transaction make_txn(Reader& r) {
  Transaction t;
  const uint64_t f = r.take(1);
  t.sid = static_cast<uint32_t>(r.take(2)) & ((f & 0x80) ? 0xffffu : 0x1fu);
  t.ssv = f & 1;
  t.ssid = static_cast<uint32_t>(r.take(1));
  t.write = f & 2;
  t.privileged = f & 4;
  t.instruction = f & 8;
  t.kind = static_cast<TxnKind>((f >> 4) & 3 ? ((f >> 4) & 7) % 4 : 0);
  t.iova = r.take(8);
  if (f & 0x40) t.iova &= 0xffffff;  // mostly small addresses
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FoldingMemory mem;  // 64 KiB; static to keep the stack small
  std::memset(mem.ram, 0, sizeof mem.ram);
  Reader r{data, size};
  const uint64_t sel = r.take(1);
  Config cfg = (sel % 3) == 0 ? Config::full() : (sel % 3) == 1 ? Config::qemu_7_2() : Config::qemu_10_0();
  if (sel & 0x80) cfg.gbpa_reset = 1u << 20;
  if (sel & 0x40) cfg.idr0 |= 1u << 10;  // ATS
  const uint32_t strtab_cfg = static_cast<uint32_t>(r.take(4));
  const uint64_t strtab_base = r.take(4) & 0xffc0;
  const size_t image = r.n < kImage ? r.n : kImage;
  std::memcpy(mem.ram, r.p, image);
  r.p += image;
  r.n -= image;

  Smmu smmu(mem, cfg);
  smmu.mmio_write64(sp::RegOffset::kStrtabBase, strtab_base);
  smmu.mmio_write32(sp::RegOffset::kStrtabBaseCfg, strtab_cfg);
  smmu.mmio_write64(sp::RegOffset::kCmdqBase, 0x8000 | 6);
  smmu.mmio_write64(sp::RegOffset::kEventqBase, 0xc000 | 4);
  smmu.mmio_write32(sp::RegOffset::kCr0, 0b1101);

  // The oracle entry point on its own, with the same registers.
  (void)walk(mem, cfg, smmu.global_state(), Transaction{});

  for (unsigned op = 0; op < kMaxOps && !r.empty(); ++op) {
    switch (r.take(1) % 6) {
      case 0: {  // translate through the caches
        const Transaction t = make_txn(r);
        const Outcome o = smmu.translate(t);
        if (o.ok() && t.kind == TxnKind::kUntranslated) {
          const Outcome again = smmu.translate(t);
          if (!again.ok() || again.pa != o.pa) __builtin_trap();
        }
        break;
      }
      case 1: {  // differential: fresh caches must agree with the oracle
        const Transaction t = make_txn(r);
        smmu.execute(sp::CmdCfgiAll{});
        smmu.execute(sp::CmdTlbiNsnhAll{});
        const Outcome expect = smmu.predict(t);
        const Outcome got = smmu.translate(t);
        if (!same(expect, got)) __builtin_trap();
        break;
      }
      case 2: {  // register write
        const uint32_t off = kOffsets[r.take(1) % (sizeof kOffsets / sizeof kOffsets[0])];
        uint32_t v = static_cast<uint32_t>(r.take(4));
        // Keep queues small so one PROD write cannot ask for 2^19 commands.
        if (off == sp::RegOffset::kCmdqBase || off == sp::RegOffset::kEventqBase) v = (v & ~0x1fu) | (v & 7);
        smmu.mmio_write32(off, v);
        (void)smmu.mmio_read32(off);
        break;
      }
      case 3: {  // one command straight to the executor
        sp::Command c;
        c.words[0] = r.take(8);
        c.words[1] = r.take(8);
        smmu.execute(c);
        break;
      }
      case 4: {  // write a 64-bit word of guest memory (tables change under the caches)
        const uint64_t pa = r.take(2) & ~uint64_t{7};
        const uint64_t v = r.take(8);
        mem.write64(pa, v);
        break;
      }
      case 5:  // drain the command queue
        smmu.process_commands();
        break;
    }
  }
  return 0;
}
