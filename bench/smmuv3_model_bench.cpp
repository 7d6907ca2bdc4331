// Google Benchmark figures for the SMMUv3 reference model:
//   BM_TlbHit        translations per second when every access hits the TLB
//   BM_ColdWalk4KStream  translations per second that all miss the TLB and do a cold 4-level 4 KiB walk (4
//                    GuestMemory reads; the STE/CD stay cached, as for a device whose configuration is live)
//   BM_OracleWalk    the cache-free oracle (STE + CD fetch + 4-level walk) per call
//   BM_Commands      commands per second through the command queue (CMD_TLBI_NH_VA + CMD_CFGI_STE + CMD_SYNC)
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "model/guest_memory.h"
#include "model/smmuv3/smmu.h"
#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/registers.h"
#include "spec/smmuv3/ste.h"

namespace {

using namespace model::smmuv3;  // NOLINT
namespace sp = spec::smmuv3;
namespace vmsa = spec::vmsa;

constexpr uint64_t kBase = 0x4000'0000;
constexpr uint64_t kStrtab = kBase, kCd = kBase + 0x1'0000, kCmdq = kBase + 0x2'0000, kEventq = kBase + 0x3'0000;
constexpr uint64_t kL0 = kBase + 0x10'0000, kL1 = kL0 + 0x1000, kL2 = kL0 + 0x2000, kL3 = kL0 + 0x3000;
constexpr unsigned kPages = 512;  // VA [0, 2 MiB) mapped page by page

struct Rig {
  std::vector<uint8_t> ram = std::vector<uint8_t>(32u << 20);
  model::FlatGuestMemory mem{kBase, ram.data(), ram.size()};
  Smmu smmu{mem, Config::full()};

  template <typename T>
  void put(uint64_t pa, const T& s) {
    mem.write(pa, s.words.data(), sizeof s);
  }
  Rig() {
    sp::Ste ste;
    ste.set_v(1).set_config(static_cast<uint64_t>(sp::SteConfig::kS1Trans)).set_s1_context_address(kCd);
    put(kStrtab + 64, ste);
    sp::Cd cd;
    cd.set_v(1).set_aa64(1).set_a(1).set_r(1).set_t0sz(16).set_epd1(1).set_ips(0b101).set_asid(1);
    cd.set_ttb0_address(kL0);
    put(kCd, cd);
    mem.write64(kL0, vmsa::make_table(kL1).words[0]);
    mem.write64(kL1, vmsa::make_table(kL2).words[0]);
    mem.write64(kL2, vmsa::make_table(kL3).words[0]);
    for (unsigned i = 0; i < kPages; ++i) mem.write64(kL3 + i * 8, vmsa::make_s1_leaf(0x8000'0000 + i * 0x1000ull, true).words[0]);
    smmu.mmio_write64(sp::RegOffset::kStrtabBase, kStrtab);
    smmu.mmio_write32(sp::RegOffset::kStrtabBaseCfg, 8);
    smmu.mmio_write64(sp::RegOffset::kCmdqBase, kCmdq | 8);
    smmu.mmio_write64(sp::RegOffset::kEventqBase, kEventq | 8);
    smmu.mmio_write32(sp::RegOffset::kCr0, 0b1101);
  }
};

Transaction txn(uint64_t iova) {
  Transaction t;
  t.sid = 1;
  t.iova = iova;
  return t;
}

void BM_TlbHit(benchmark::State& state) {
  Rig rig;
  for (unsigned i = 0; i < kPages; ++i) rig.smmu.translate(txn(i * 0x1000ull));
  uint64_t i = 0;
  for (auto _ : state) {
    const Outcome o = rig.smmu.translate(txn(((i++ & 255) << 12) | 0x10));
    benchmark::DoNotOptimize(o.pa);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["hit_rate"] = static_cast<double>(rig.smmu.counters().tlb_hits) /
                               static_cast<double>(rig.smmu.counters().tlb_hits + rig.smmu.counters().tlb_misses);
}
BENCHMARK(BM_TlbHit);

// Cold walks without PauseTiming overhead: each iteration uses a new page in a different TLB set, and the TLB
// is flushed once per 512 pages (1 flush per 512 walks, included in the time).
void BM_ColdWalk4KStream(benchmark::State& state) {
  Rig rig;
  rig.smmu.translate(txn(0));
  const sp::CmdTlbiNsnhAll inv;
  uint64_t i = 0;
  for (auto _ : state) {
    if ((i & 511) == 0) rig.smmu.execute(inv);
    const Outcome o = rig.smmu.translate(txn(((i++ & 511) << 12) | 0x10));
    benchmark::DoNotOptimize(o.pa);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["miss_rate"] = static_cast<double>(rig.smmu.counters().tlb_misses) /
                                static_cast<double>(rig.smmu.counters().tlb_hits + rig.smmu.counters().tlb_misses);
}
BENCHMARK(BM_ColdWalk4KStream);

void BM_OracleWalk(benchmark::State& state) {
  Rig rig;
  uint64_t i = 0;
  for (auto _ : state) {
    const Outcome o = rig.smmu.predict(txn(((i++ & 511) << 12) | 0x10));
    benchmark::DoNotOptimize(o.pa);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OracleWalk);

void BM_Commands(benchmark::State& state) {
  Rig rig;
  for (unsigned i = 0; i < kPages; ++i) rig.smmu.translate(txn(i * 0x1000ull));
  // 255 commands per batch in the 256-entry queue: TLBI_NH_VA / CFGI_STE / SYNC repeated.
  uint32_t prod = 0;
  for (auto _ : state) {
    for (unsigned k = 0; k < 255; ++k) {
      sp::Command c;
      switch (k % 3) {
        case 0: {
          sp::CmdTlbiNhVa t;
          t.set_asid(1).set_addr(uint64_t{k} << 12);
          c = t;
          break;
        }
        case 1: {
          sp::CmdCfgiSte t;
          t.set_streamid(1);
          c = t;
          break;
        }
        default:
          c = sp::CmdSync{};
      }
      rig.mem.write(kCmdq + (prod & 0xff) * 16, c.words.data(), 16);
      prod = (prod + 1) & 0x1ff;
    }
    rig.smmu.mmio_write32(sp::RegOffset::kCmdqProd, prod);
  }
  state.SetItemsProcessed(state.iterations() * 255);
}
BENCHMARK(BM_Commands);

}  // namespace

BENCHMARK_MAIN();
