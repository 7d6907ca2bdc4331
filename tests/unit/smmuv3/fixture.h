// Shared fixture for the SMMUv3 model tests: a 32 MiB guest RAM at 0x4000_0000 (as on aarch64 virt), fixed
// places for the stream table, CD table and queues, and a bump allocator for translation tables.
//
// Expected values in the tests are derived by hand from IHI 0070 / Arm ARM D8 and written out next to the
// assertion; the model is never used to produce an expected value.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <vector>

#include "model/guest_memory.h"
#include "model/smmuv3/smmu.h"
#include "model/smmuv3/walk.h"
#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/events.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/registers.h"
#include "spec/smmuv3/ste.h"

namespace smmuv3_test {

using namespace spec::smmuv3;  // NOLINT
using model::smmuv3::Config;
using model::smmuv3::GlobalState;
using model::smmuv3::Outcome;
using model::smmuv3::Smmu;
using model::smmuv3::Status;
using model::smmuv3::Transaction;
using model::smmuv3::TxnKind;
namespace vmsa = spec::vmsa;

inline constexpr uint64_t kRamBase = 0x4000'0000;
inline constexpr uint64_t kRamSize = 32ull << 20;
inline constexpr uint64_t kRamEnd = kRamBase + kRamSize;  // first address outside RAM
inline constexpr uint64_t kStrtab = kRamBase + 0x0'0000;  // linear: 256 STEs * 64 B = 16 KiB
inline constexpr uint64_t kCdTable = kRamBase + 0x1'0000;
inline constexpr uint64_t kCmdq = kRamBase + 0x2'0000;    // 256 * 16 B
inline constexpr uint64_t kEventq = kRamBase + 0x3'0000;  // 256 * 32 B
inline constexpr uint64_t kMsi = kRamBase + 0x3'f000;
inline constexpr uint64_t kPool = kRamBase + 0x10'0000;

// Register values used throughout.
inline constexpr uint32_t kCr0All = 0b1101;  // SMMUEN | EVENTQEN | CMDQEN

class Smmuv3Test : public ::testing::Test {
 protected:
  std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize);
  model::FlatGuestMemory mem{kRamBase, ram.data(), ram.size()};
  uint64_t next_ = kPool;
  Config cfg = Config::full();

  uint64_t r64(uint64_t pa) const {
    uint64_t v = 0;
    EXPECT_TRUE(mem.read64(pa, v));
    return v;
  }
  uint32_t r32(uint64_t pa) const {
    uint32_t v = 0;
    EXPECT_TRUE(mem.read32(pa, v));
    return v;
  }
  void w64(uint64_t pa, uint64_t v) { ASSERT_TRUE(mem.write64(pa, v)); }
  template <typename T>
  void put(uint64_t pa, const T& s) {
    ASSERT_TRUE(mem.write(pa, s.words.data(), sizeof s));
  }
  template <typename T>
  T get(uint64_t pa) const {
    T s;
    EXPECT_TRUE(mem.read(pa, s.words.data(), sizeof s));
    return s;
  }
  // A zeroed, 64 KiB-aligned block of `bytes` from the table pool.
  uint64_t alloc(uint64_t bytes = 0x1'0000) {
    const uint64_t a = next_;
    next_ += (bytes + 0xffff) & ~uint64_t{0xffff};
    return a;
  }
  void desc(uint64_t table, uint64_t index, const vmsa::Descriptor& d) { w64(table + index * 8, d.words[0]); }

  // STE helpers.
  static Ste ste_s1(uint64_t cd_table = kCdTable, unsigned cdmax = 0) {
    Ste s;
    s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kS1Trans)).set_s1_context_address(cd_table);
    s.set_s1cdmax(cdmax);
    return s;
  }
  static Ste ste_bypass() {
    Ste s;
    s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kBypass));
    return s;
  }
  // Stage 2: 4 KiB granule, 40-bit IPA (S2T0SZ=24), start level 1 (S2SL0=0b01), S2PS 48 bits, S2R=1.
  static Ste ste_s2(uint64_t s2ttb, uint16_t vmid = 1) {
    Ste s;
    s.set_v(1).set_config(static_cast<uint64_t>(SteConfig::kS2Trans));
    s.set_s2vmid(vmid).set_s2t0sz(24).set_s2sl0(1).set_s2tg(0).set_s2ps(0b101).set_s2aa64(1).set_s2r(1);
    s.set_s2_ttb_address(s2ttb);
    return s;
  }
  void put_ste(uint32_t sid, const Ste& s) { put(kStrtab + uint64_t{sid} * 64, s); }

  // CD: 4 KiB granule, 48-bit VA (T0SZ=16), TTB1 disabled, IPS 48 bits, R=1, A=1, AArch64.
  static Cd cd_4k(uint64_t ttb0, uint16_t asid = 1, unsigned t0sz = 16) {
    Cd c;
    c.set_v(1).set_aa64(1).set_a(1).set_r(1).set_t0sz(t0sz).set_tg0(static_cast<uint64_t>(Tg0::k4K));
    c.set_epd1(1).set_ips(0b101).set_asid(asid).set_ttb0_address(ttb0);
    return c;
  }

  GlobalState gs(unsigned log2size = 8) const {
    GlobalState g;
    g.smmuen = true;
    g.strtab_base = kStrtab;
    g.strtab_base_cfg = log2size;
    return g;
  }
  Outcome oracle(const Transaction& t, unsigned log2size = 8) const {
    return model::smmuv3::walk(mem, cfg, gs(log2size), t);
  }

  static Transaction rd(uint32_t sid, uint64_t iova) {
    Transaction t;
    t.sid = sid;
    t.iova = iova;
    return t;
  }
  static Transaction wr(uint32_t sid, uint64_t iova) {
    Transaction t = rd(sid, iova);
    t.write = true;
    return t;
  }

  // Smmu programming: linear stream table of 2^log2size STEs, 256-entry queues, everything enabled.
  void enable(Smmu& s, unsigned log2size = 8) {
    s.mmio_write64(RegOffset::kStrtabBase, kStrtab);
    s.mmio_write32(RegOffset::kStrtabBaseCfg, log2size);
    s.mmio_write64(RegOffset::kCmdqBase, kCmdq | 8);
    s.mmio_write64(RegOffset::kEventqBase, kEventq | 8);
    s.mmio_write32(RegOffset::kCr0, kCr0All);
  }
  // Places commands at CMDQ_PROD and publishes them.
  void submit(Smmu& s, std::initializer_list<Command> cmds) {
    uint32_t prod = s.mmio_read32(RegOffset::kCmdqProd);
    for (const Command& c : cmds) {
      put(kCmdq + (prod & 0xff) * 16, c);
      prod = (prod + 1) & 0x1ff;  // 8 index bits + wrap bit
    }
    s.mmio_write32(RegOffset::kCmdqProd, prod);
  }
  EventRecord event_at(unsigned index) const { return get<EventRecord>(kEventq + index * 32ull); }
};

// Field-by-field check of an event record against what a test derived by hand.
inline void expect_translation_event(const EventRecord& e, EventType type, uint32_t sid, uint64_t input, bool rnw,
                                     bool s2, EventClass cls) {
  EXPECT_EQ(e.type(), static_cast<uint64_t>(type));
  EXPECT_EQ(e.streamid(), sid);
  EXPECT_EQ(e.input_addr(), input);
  EXPECT_EQ(e.rnw(), rnw ? 1u : 0u);
  EXPECT_EQ(e.s2(), s2 ? 1u : 0u);
  EXPECT_EQ(e.class_(), static_cast<uint64_t>(cls));
  EXPECT_EQ(e.stall(), 0u);
  EXPECT_EQ(e.stag(), 0u);
}

}  // namespace smmuv3_test
