// Shared fixture for the VT-d model tests: 16 MiB of guest RAM at 0x0100_0000, a root table, one context table
// (bus 0), an invalidation queue and a status word at fixed places, and a bump allocator for page tables.
//
// Expected values are worked out by hand from the VT-d specification (the sentences /work/vtd-spec-notes.md
// lists, section numbers as spec/intel_vtd uses them) and QEMU's measured register values; the model never
// produces an expected value. Raw register values are written out in hex where the bit positions are the point.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "model/guest_memory.h"
#include "model/intel_vtd/iommu.h"

namespace intel_vtd_model_test {

using namespace spec::intel_vtd;  // NOLINT
using model::intel_vtd::Config;
using model::intel_vtd::Iommu;
using model::intel_vtd::Outcome;
using model::intel_vtd::Request;
using model::intel_vtd::Result;

inline constexpr uint64_t kRamBase = 0x0100'0000;
inline constexpr uint64_t kRamSize = 16ull << 20;
inline constexpr uint64_t kRoot = kRamBase;              // root table: 256 x 16 bytes
inline constexpr uint64_t kContext = kRamBase + 0x1000;  // context table of bus 0
inline constexpr uint64_t kQueue = kRamBase + 0x1'0000;  // invalidation queue, QS=0: 4 KiB, 256 descriptors
inline constexpr uint64_t kStatus = kRamBase + 0x2'0000; // invalidation-wait status word
inline constexpr uint64_t kPool = kRamBase + 0x10'0000;  // page-table pages
inline constexpr uint64_t kData = 0x0180'0000;           // a 2 MiB-aligned target inside RAM
inline constexpr uint16_t kSid = 0x0010;                 // 00:02.0
inline constexpr uint16_t kDid = 5;

// QEMU 10.0 with caching-mode=on: the default CAP with CM (bit 7) set (measured, /work/vtd-qemu-notes.md).
inline constexpr uint64_t kQemu10CapCm = 0x00d2'008c'222f'0686ull;
// The fault recording register 0 (CAP.FRO = 0x22: "X+(16*Y)" = 0x220) and the IOTLB registers (ECAP.IRO = 0x0f:
// IVA at 0xf0, IOTLB_REG at 0xf8) of the default configuration.
inline constexpr Mmio kFrcd0Lo{0x220, 8}, kFrcd0Hi{0x228, 8}, kFrcd0F{0x22c, 4};
inline constexpr Mmio kIva{0xf0, 8}, kIotlb{0xf8, 8};

class VtdModelTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize);
  model::FlatGuestMemory mem{kRamBase, ram.data(), ram.size()};
  Iommu iommu{mem};
  uint64_t next_ = kPool;
  uint32_t enables_ = 0;  // the persistent GCMD bits software keeps writing back
  uint32_t tail_ = 0;

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
  uint64_t reg(Mmio r) const { return iommu.read(r); }
  uint64_t page() {
    const uint64_t p = next_;
    next_ += 4096;
    return p;
  }
  void reconfigure(const Config& c) {
    iommu.reset(c);
    enables_ = 0;
    tail_ = 0;
  }
  static Config with_cap(uint64_t cap) {
    Config c;
    c.cap = cap;
    return c;
  }

  void gcmd(uint32_t v) { iommu.write(reg::kGcmd, v); }
  void enable(uint32_t bits) {
    enables_ |= bits;
    gcmd(enables_);
  }
  void set_root(uint8_t bus, uint64_t ctp) {
    RootEntry re;
    re.set_p(1).set_ctp(ctp);
    w64(kRoot + bus * 16u, re.words[0]);
    w64(kRoot + bus * 16u + 8, re.words[1]);
  }
  void set_context(uint16_t sid, const ContextEntry& ce) {  // bus 0 only
    w64(kContext + (sid & 0xff) * 16u, ce.words[0]);
    w64(kContext + (sid & 0xff) * 16u + 8, ce.words[1]);
  }
  static ContextEntry ctx(uint64_t slptptr, unsigned aw, uint16_t did,
                          TranslationType tt = TranslationType::kMultiLevel) {
    ContextEntry c;
    c.set_p(1).set_tt(static_cast<uint64_t>(tt)).set_slptptr(slptptr).set_aw(aw).set_did(did);
    return c;
  }
  static uint64_t pte(uint64_t addr, bool r = true, bool w = true, bool ps = false) {
    SlPte p;
    p.set_r(r).set_w(w).set_ps(ps).set_addr(addr);
    return p.words[0];
  }
  // Tables for `iova` below `root` (a `levels`-level walk) down to a leaf at `leaf_level`; returns the leaf slot.
  uint64_t map(uint64_t root, unsigned levels, uint64_t iova, uint64_t pa, unsigned leaf_level = 1, bool r = true,
               bool w = true) {
    uint64_t table = root;
    for (unsigned level = levels; level > leaf_level; --level) {
      const uint64_t slot = table + level_index(iova, level) * 8;
      SlPte e;
      e.words[0] = r64(slot);
      if (!e.present()) {
        const uint64_t next = page();
        w64(slot, pte(next));
        table = next;
      } else {
        table = e.addr();
      }
    }
    const uint64_t slot = table + level_index(iova, leaf_level) * 8;
    w64(slot, pte(pa, r, w, leaf_level > 1));
    return slot;
  }
  // Root pointer latched (SRTP), translation on (TE).
  void start() {
    Rtaddr rt;
    rt.set_rta(kRoot);
    iommu.write(reg::kRtaddr, rt.raw());
    gcmd(enables_ | Gcmd::srtp_mask);
    enable(Gcmd::te_mask);
  }
  // Bus 0's context table, kSid's context entry over a fresh `aw` table, translation on; returns the table.
  uint64_t setup(unsigned aw = 2, uint16_t did = kDid) {
    const uint64_t pt = page();
    set_root(0, kContext);
    set_context(kSid, ctx(pt, aw, did));
    start();
    return pt;
  }
  Result dma(uint64_t iova, bool write = false, uint16_t sid = kSid) {
    Request r;
    r.source_id = sid;
    r.address = iova;
    r.write = write;
    return iommu.translate(r);
  }
  Result oracle(uint64_t iova, bool write = false, uint16_t sid = kSid) const {
    Request r;
    r.source_id = sid;
    r.address = iova;
    r.write = write;
    return iommu.lookup(r);
  }
  FaultRecord frcd(unsigned n = 0) const {
    FaultRecord f;
    f.words[0] = reg(Mmio{kFrcd0Lo.offset + 16 * n, 8});
    f.words[1] = reg(Mmio{kFrcd0Hi.offset + 16 * n, 8});
    return f;
  }
  // Queued invalidation at kQueue (QS = 0), enabled.
  void qi_on() {
    iommu.write(reg::kIqa, kQueue);
    enable(Gcmd::qie_mask);
  }
  void put(const Descriptor& d) {
    w64(kQueue + tail_, d.words[0]);
    w64(kQueue + tail_ + 8, d.words[1]);
    tail_ = (tail_ + 16) % 4096;
  }
  void submit(const Descriptor& d) {
    put(d);
    iommu.write(reg::kIqt, tail_);
  }
  static Descriptor raw_desc(uint64_t lo, uint64_t hi) {
    Descriptor d;
    d.words[0] = lo;
    d.words[1] = hi;
    return d;
  }
};

}  // namespace intel_vtd_model_test
