// Shared fixture for the AMD-Vi model tests: 16 MiB of guest RAM at 0x0100_0000, a 256-entry device
// table, 256-entry command buffer and event log at fixed places, and a bump allocator for page tables.
//
// Expected values are derived by hand from AMD 48882 and written out beside each assertion; the model
// never produces an expected value.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "model/amd_vi/iommu.h"
#include "model/guest_memory.h"

namespace amd_vi_test {

using namespace spec::amd_vi;  // NOLINT
using model::amd_vi::Iommu;
using model::amd_vi::Outcome;
using model::amd_vi::Request;
using model::amd_vi::Result;

inline constexpr uint64_t kRamBase = 0x0100'0000;
inline constexpr uint64_t kRamSize = 16ull << 20;
inline constexpr uint64_t kDevtab = kRamBase;              // Size=1: 8 KiB = 256 DTEs of 32 bytes
inline constexpr uint64_t kCmdBuf = kRamBase + 0x1'0000;   // ComLen=8: 256 * 16 B = 4 KiB
inline constexpr uint64_t kEvtLog = kRamBase + 0x2'0000;   // EventLen=8: 4 KiB
inline constexpr uint64_t kStore = kRamBase + 0x3'0000;    // COMPLETION_WAIT store target
inline constexpr uint64_t kPool = kRamBase + 0x10'0000;

// Control: IommuEn (bit 0) | EventLogEn (bit 2) | CmdBufEn (bit 12) = 0x1005.
inline constexpr uint64_t kControlOn = 0x1005;

class AmdViTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize);
  model::FlatGuestMemory mem{kRamBase, ram.data(), ram.size()};
  Iommu iommu{mem};
  uint64_t next_ = kPool;
  uint64_t cmd_tail_ = 0;

  uint64_t r64(uint64_t pa) const {
    uint64_t v = 0;
    EXPECT_TRUE(mem.read64(pa, v));
    return v;
  }
  void w64(uint64_t pa, uint64_t v) { ASSERT_TRUE(mem.write64(pa, v)); }
  uint64_t table() {  // a zeroed 4 KiB page-table page
    const uint64_t t = next_;
    next_ += 4096;
    return t;
  }
  // Device table base: address | Size (1 -> (1+1)*4 KiB = 8 KiB); rings: address | Len 8 << 56.
  void enable(uint64_t control = kControlOn) {
    iommu.write(Mmio::kDeviceTableBase, kDevtab | 1);
    iommu.write(Mmio::kCommandBufferBase, kCmdBuf | (uint64_t{8} << 56));
    iommu.write(Mmio::kEventLogBase, kEvtLog | (uint64_t{8} << 56));
    iommu.write(Mmio::kCommandBufferHead, 0);
    iommu.write(Mmio::kCommandBufferTail, 0);
    iommu.write(Mmio::kEventLogHead, 0);
    iommu.write(Mmio::kEventLogTail, 0);
    iommu.write(Mmio::kControl, control);
  }
  void set_dte(uint16_t devid, const Dte& d) {
    for (unsigned i = 0; i < 4; ++i) w64(kDevtab + devid * 32u + i * 8, d.words[i]);
  }
  // A translated DTE: V=1 TV=1 IR=1 IW=1, Mode, root, DomainID.
  static Dte dte_v1(unsigned mode, uint64_t root, uint16_t domain) {
    Dte d;
    d.set_v(1).set_tv(1).set_ir(1).set_iw(1).set_mode(mode).set_page_table_root_4k(root >> 12).set_domain_id(domain);
    return d;
  }
  // A PDE/PTE: PR=1, IR, IW, NextLevel, address.
  static uint64_t pte(uint64_t addr, unsigned next_level, bool ir = true, bool iw = true) {
    V1Pte p;
    p.set_pr(1).set_ir(ir).set_iw(iw).set_next_level(next_level).set_addr_4k(addr >> 12);
    return p.words[0];
  }
  void submit(const Command& c) {
    ASSERT_TRUE(mem.write(kCmdBuf + cmd_tail_, c.words.data(), 16));
    cmd_tail_ = (cmd_tail_ + 16) % 4096;
    iommu.write(Mmio::kCommandBufferTail, cmd_tail_);
  }
  Event event(unsigned i) const {
    Event e;
    EXPECT_TRUE(mem.read(kEvtLog + i * 16u, e.words.data(), 16));
    return e;
  }
  unsigned events_logged() const { return static_cast<unsigned>(iommu.read(Mmio::kEventLogTail) / 16); }
  Result dma(uint16_t devid, uint64_t iova, bool write) {
    Request r;
    r.device_id = devid;
    r.address = iova;
    r.write = write;
    return iommu.translate(r);
  }
  Command completion_wait_store(uint64_t addr, uint64_t data) {
    CompletionWait c;
    c.set_s(1).set_store_addr_8(addr >> 3).set_store_data(data);
    return c;
  }
  Command invalidate_pages(uint16_t domain, uint64_t addr, bool s) {
    InvalidateIommuPages c;
    c.set_domain_id(domain).set_s(s).set_address_4k(addr >> 12);
    return c;
  }
};

}  // namespace amd_vi_test
