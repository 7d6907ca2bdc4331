// Shared fixture for the RISC-V IOMMU model tests: 32 MiB of guest RAM at 0x8000_0000, the DDT root, the
// command and fault queues and the fence target at fixed places, a bump allocator for tables, and a "guest
// window": G-stage tests map GPA 0 .. 16 MiB to SPA 0x8100_0000 .. 0x8200_0000, so a guest table allocated
// at SPA s has GPA s - 0x8100_0000.
//
// Expected values are worked out by hand from the RISC-V IOMMU 1.0 specification (and the Privileged spec's
// page-table walk) and written beside each assertion; the model never produces an expected value.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "model/guest_memory.h"
#include "model/riscv_iommu/iommu.h"

namespace riscv_iommu_tests {

using namespace spec::riscv_iommu;  // NOLINT
using model::riscv_iommu::Config;
using model::riscv_iommu::Iommu;
using model::riscv_iommu::Outcome;
using model::riscv_iommu::Request;
using model::riscv_iommu::Result;

inline constexpr uint64_t kRamBase = 0x8000'0000;
inline constexpr uint64_t kRamSize = 32ull << 20;
inline constexpr uint64_t kDdtRoot = 0x8000'0000;
inline constexpr uint64_t kCq = 0x8000'1000;     // 16 commands (LOG2SZ-1 = 3)
inline constexpr uint64_t kFq = 0x8000'2000;     // 16 records (LOG2SZ-1 = 3)
inline constexpr uint64_t kFence = 0x8000'3000;  // IOFENCE.C data target
inline constexpr uint64_t kPool = 0x8010'0000;
inline constexpr uint64_t kGuestSpa = 0x8100'0000;  // SPA of GPA 0 in the guest window
inline constexpr uint64_t kGuestPool = kGuestSpa + 0x10'0000;

// PTE permission bits (Priv: V R W X U G A D = bits 0..7).
inline constexpr uint64_t kV = Pte::v_mask, kR = Pte::r_mask, kW = Pte::w_mask, kX = Pte::x_mask,
                          kU = Pte::u_mask, kG = Pte::g_mask, kA = Pte::a_mask, kD = Pte::d_mask;
inline constexpr uint64_t kRWUAD = kV | kR | kW | kU | kA | kD;

class RvTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize);
  model::FlatGuestMemory mem{kRamBase, ram.data(), ram.size()};
  Config config{};
  Iommu io{mem, config};
  uint64_t next_ = kPool, next_guest_ = kGuestPool;
  IommuMode mode_ = IommuMode::kOff;
  uint32_t cqt_ = 0;

  void reconfigure(const Config& c) {
    config = c;
    io.reset(c);
  }
  bool extended() const { return reg_of<Capabilities>(config.capabilities).msi_flat(); }

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
  void w32(uint64_t pa, uint32_t v) { ASSERT_TRUE(mem.write32(pa, v)); }
  uint64_t page(uint64_t bytes = 4096) {  // zeroed, aligned to its size
    next_ = (next_ + bytes - 1) & ~(bytes - 1);
    const uint64_t t = next_;
    next_ += bytes;
    return t;
  }
  uint64_t guest_page(uint64_t bytes = 4096) {  // an SPA in the guest window
    next_guest_ = (next_guest_ + bytes - 1) & ~(bytes - 1);
    const uint64_t t = next_guest_;
    next_guest_ += bytes;
    return t;
  }
  static uint64_t gpa_of(uint64_t spa) { return spa - kGuestSpa; }

  // Registers.
  uint64_t reg(Mmio r) const { return io.read(r.offset, r.bytes); }
  void set(Mmio r, uint64_t v) { io.write(r.offset, v, r.bytes); }

  void set_ddtp(IommuMode m, uint64_t root = kDdtRoot) {
    Ddtp d;
    d.set_iommu_mode(static_cast<uint64_t>(m)).set_ppn(root >> 12);
    set(reg::kDdtp, d.raw());
    mode_ = m;
  }
  // The DC's address for `dev` in the DDT at kDdtRoot, creating the non-leaf levels.
  uint64_t dc_addr(uint32_t dev) {
    const unsigned levels = ddt_levels(static_cast<uint64_t>(mode_));
    uint64_t table = kDdtRoot;
    for (int i = static_cast<int>(levels) - 1; i > 0; --i) {
      const uint64_t slot = table + ddi(dev, static_cast<unsigned>(i), extended()) * 8;
      DdtEntry e = reg_of<DdtEntry>(r64(slot));
      if (!e.v()) {
        e.set_v(1).set_ppn(page() >> 12);
        w64(slot, e.raw());
      }
      table = e.ppn() << 12;
    }
    return table + ddi(dev, 0, extended()) * DeviceContext::bytes(extended());
  }
  void put_dc(uint32_t dev, const DeviceContext& dc) {
    const uint64_t a = dc_addr(dev);
    for (unsigned i = 0; i < DeviceContext::bytes(extended()) / 8; ++i) w64(a + 8 * i, dc.words[i]);
  }
  static DeviceContext dc_valid() {
    DeviceContext dc;
    Tc tc;
    tc.set_v(1);
    return dc.set_tc(tc);
  }
  static DeviceContext dc_first_stage(uint64_t mode, uint64_t root, uint32_t pscid) {
    DeviceContext dc = dc_valid();
    Fsc f;
    f.set_mode(mode).set_ppn(root >> 12);
    DcTa ta;
    ta.set_pscid(pscid);
    return dc.set_fsc(f).set_ta(ta);
  }
  static DeviceContext& with_g_stage(DeviceContext& dc, uint64_t mode, uint64_t root, uint16_t gscid) {
    Iohgatp g;
    g.set_mode(mode).set_ppn(root >> 12).set_gscid(gscid);
    return dc.set_iohgatp(g);
  }

  // Page tables. `guest`: tables allocated in the guest window and linked by GPA (first stage under a
  // G-stage); the leaf holds `out` as given.
  void map(const PagingScheme& sc, uint64_t root, uint64_t va, uint64_t out, uint64_t flags, unsigned level = 0,
           bool guest = false) {
    uint64_t table = root;  // an SPA
    for (int l = static_cast<int>(sc.levels) - 1; l > static_cast<int>(level); --l) {
      const uint64_t slot = table + sc.index(va, static_cast<unsigned>(l)) * sc.pte_bytes;
      uint64_t pte = sc.pte_bytes == 8 ? r64(slot) : r32(slot);
      if (!(pte & kV)) {
        const uint64_t next = guest ? guest_page() : page();
        pte = kV | (((guest ? gpa_of(next) : next) >> 12) << 10);
        if (sc.pte_bytes == 8) w64(slot, pte);
        else w32(slot, static_cast<uint32_t>(pte));
      }
      table = ((pte >> 10) << 12) + (guest ? kGuestSpa : 0);
      if (sc.pte_bytes == 4) table = (((pte & 0xffff'ffff) >> 10) << 12) + (guest ? kGuestSpa : 0);
    }
    const uint64_t slot = table + sc.index(va, level) * sc.pte_bytes;
    const uint64_t pte = flags | ((out >> 12) << 10);
    if (sc.pte_bytes == 8) w64(slot, pte);
    else w32(slot, static_cast<uint32_t>(pte));
  }
  // The address of the leaf PTE for va (after map()).
  uint64_t leaf_slot(const PagingScheme& sc, uint64_t root, uint64_t va, unsigned level = 0, bool guest = false) {
    uint64_t table = root;
    for (int l = static_cast<int>(sc.levels) - 1; l > static_cast<int>(level); --l) {
      const uint64_t pte = r64(table + sc.index(va, static_cast<unsigned>(l)) * 8);
      table = ((pte >> 10) << 12) + (guest ? kGuestSpa : 0);
    }
    return table + sc.index(va, level) * sc.pte_bytes;
  }
  // The guest window as a G-stage: GPA [0, 16 MiB) -> SPA [kGuestSpa, +16 MiB) with eight 2 MiB Sv39x4 leaves.
  uint64_t guest_window_sv39x4(uint64_t flags = kRWUAD) {
    const uint64_t root = page(16384);
    for (uint64_t gpa = 0; gpa < (16ull << 20); gpa += 2ull << 20) map(kSv39x4, root, gpa, kGuestSpa + gpa, flags, 1);
    return root;
  }

  // Queues.
  void enable_fq(unsigned log2sz_1 = 3) {
    QueueBase b;
    b.set_log2sz_1(log2sz_1).set_ppn(kFq >> 12);
    set(reg::kFqb, b.raw());
    Fqcsr c;
    c.set_fqen(1);
    set(reg::kFqcsr, c.value);
  }
  void enable_cq(unsigned log2sz_1 = 3) {
    QueueBase b;
    b.set_log2sz_1(log2sz_1).set_ppn(kCq >> 12);
    set(reg::kCqb, b.raw());
    Cqcsr c;
    c.set_cqen(1);
    set(reg::kCqcsr, c.value);
    cqt_ = 0;
  }
  void submit(const Command& c) {
    w64(kCq + cqt_ * 16, c.words[0]);
    w64(kCq + cqt_ * 16 + 8, c.words[1]);
    cqt_ = (cqt_ + 1) % 16;
    set(reg::kCqt, cqt_);
  }
  FaultRecord fq(unsigned i) const {
    FaultRecord r;
    for (unsigned w = 0; w < 4; ++w) r.words[w] = r64(kFq + 32 * i + 8 * w);
    return r;
  }
  uint64_t fqt() const { return reg(reg::kFqt); }
  Cqcsr cqcsr() const { return Cqcsr{static_cast<uint32_t>(reg(reg::kCqcsr))}; }
  Fqcsr fqcsr() const { return Fqcsr{static_cast<uint32_t>(reg(reg::kFqcsr))}; }

  // The record of a request that must fault (and be reported).
  FaultRecord fault(const Request& req) {
    const Result r = io.translate(req);
    EXPECT_EQ(r.outcome, Outcome::kFaulted);
    return r.fault;
  }

  static Request rd(uint32_t dev, uint64_t iova) {
    Request r;
    r.device_id = dev;
    r.iova = iova;
    return r;
  }
  static Request wr(uint32_t dev, uint64_t iova) {
    Request r = rd(dev, iova);
    r.write = true;
    return r;
  }
  static Request ex(uint32_t dev, uint64_t iova) {
    Request r = rd(dev, iova);
    r.exec = true;
    return r;
  }
  static Request with_pasid(Request r, uint32_t pasid, bool priv = false) {
    r.has_pasid = true;
    r.pasid = pasid;
    r.priv = priv;
    return r;
  }
};

}  // namespace riscv_iommu_tests
