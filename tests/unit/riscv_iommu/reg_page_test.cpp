// The memory-resident register file (model/riscv_iommu/reg_page.h): the "guest" stores to the page in RAM with
// plain memory writes and, where the write monitor exists, tells the IOMMU where it stored (stored()); the IOMMU
// takes its registers from the page and writes its own back. Offsets and bit positions from the spec's register
// layout ("Register layout": capabilities 0x00, fctl 0x08, ddtp 0x10, cqb 0x18, cqh 0x20, cqt 0x24, fqb 0x28,
// fqh 0x30, fqt 0x34, cqcsr 0x48, fqcsr 0x4C; cqcsr: cqen bit 0, cmd_ill bit 10, cqon bit 16).
#include "model/riscv_iommu/reg_page.h"

#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

using model::riscv_iommu::Observe;
using model::riscv_iommu::RegPageIommu;

constexpr uint64_t kPage = 0x8000'4000;  // the register page: a page of the fixture's RAM
constexpr uint32_t kCqcsrOn = 0x1'0001;  // cqon | cqen
constexpr uint32_t kCmdIll = 1u << 10;

class RvRegPage : public RvTest {
 protected:
  // The guest's stores: a plain memory write, then (with a monitor) the notice of where it went.
  void store32(RegPageIommu& rp, uint32_t off, uint32_t v) {
    w32(kPage + off, v);
    rp.stored(off, 4);
  }
  void store64(RegPageIommu& rp, uint32_t off, uint64_t v) {
    w64(kPage + off, v);
    rp.stored(off, 8);
  }
  uint32_t load32(uint32_t off) const { return r32(kPage + off); }
  uint64_t load64(uint32_t off) const { return r64(kPage + off); }

  // The command queue at kCq with 16 entries (cqb: LOG2SZ-1 = 3 in bits 4:0, PPN from bit 10) and on.
  void enable_cq(RegPageIommu& rp) {
    store64(rp, 0x18, 3 | (kCq >> 12) << 10);
    store32(rp, 0x48, 1);
  }
  // A command at slot `i`, then cqt = i + 1.
  void submit(RegPageIommu& rp, unsigned i, const Command& c) {
    w64(kCq + 16 * i, c.words[0]);
    w64(kCq + 16 * i + 8, c.words[1]);
    store32(rp, 0x24, i + 1);
  }
  // The queue on and stopped by a reserved opcode at slot 0: cqcsr.cmd_ill, cqh on the command.
  void stop_with_cmd_ill(RegPageIommu& rp) {
    ASSERT_TRUE(rp.attach(kPage));
    enable_cq(rp);
    rp.step();
    submit(rp, 0, reserved_opcode());
    rp.step();
    ASSERT_EQ(load32(0x48), kCqcsrOn | kCmdIll) << to_string(rp.observe());
  }
  static Command fence(uint32_t data) {
    IofenceCommand f = IofenceCommand::c();
    f.set_av(1).set_data(data).set_addr(kFence);
    return f;
  }
  static Command reserved_opcode() {
    Command c;
    c.set_opcode(5);  // opcode 5: reserved ("Reserved for future standard use")
    return c;
  }
};

TEST_F(RvRegPage, AttachWritesTheResetRegisterFile) {
  w64(kPage, 0xdead'beef'dead'beefull);  // whatever the page held
  w64(kPage + 0x10, 0x1234);
  RegPageIommu rp(mem, mem, config);
  ASSERT_TRUE(rp.attach(kPage));
  // QEMU 10.0's capabilities less ATS and HPM: version 0x10, Sv32..Sv57 (0xf00), Sv32x4..Sv57x4 (0xf0000),
  // MSI_FLAT and MSI_MRIF (bits 22, 23), DBG (bit 31), PAS 56 (0x38 in 37:32), PD8 (bit 38).
  EXPECT_EQ(load64(0x00), 0x0000'0078'80cf'0f10ull);
  EXPECT_EQ(load64(0x10), 0u);  // ddtp: iommu_mode Off, busy 0, PPN 0
  EXPECT_EQ(load32(0x08), 0u);  // fctl
  EXPECT_EQ(load32(0x48), 0u);  // cqcsr
  EXPECT_FALSE(rp.attach(kPage + 8));  // not 4 KiB aligned
}

TEST_F(RvRegPage, ReadOnlyFieldsUndoneAtTheNextStep) {
  // A store to capabilities lands in memory; the IOMMU puts its value back when it acts: at once with the
  // monitor, only at its next step without one (a load in between sees the guest's own value).
  RegPageIommu seen(mem, mem, config, Observe::kStores);
  ASSERT_TRUE(seen.attach(kPage));
  store64(seen, 0x00, 0);
  EXPECT_EQ(load64(0x00), 0x0000'0078'80cf'0f10ull);

  RegPageIommu unseen(mem, mem, config, Observe::kValues);
  ASSERT_TRUE(unseen.attach(kPage));
  store64(unseen, 0x00, 0);
  EXPECT_EQ(load64(0x00), 0u);
  unseen.step();
  EXPECT_EQ(load64(0x00), 0x0000'0078'80cf'0f10ull);
}

TEST_F(RvRegPage, ReservedOffsetReadsZeroAfterTheStore) {
  // 0x0C follows fctl (4 bytes at 0x08) and is reserved: "a read ... returns 0".
  RegPageIommu rp(mem, mem, config, Observe::kStores);
  ASSERT_TRUE(rp.attach(kPage));
  store32(rp, 0x0c, 0xdead);
  EXPECT_EQ(load32(0x0c), 0u);
}

TEST_F(RvRegPage, CqtDoorbellActedOnAtOnceWithTheMonitor) {
  RegPageIommu rp(mem, mem, config, Observe::kStores);
  ASSERT_TRUE(rp.attach(kPage));
  enable_cq(rp);
  EXPECT_EQ(load32(0x48), kCqcsrOn);  // cqon follows cqen
  submit(rp, 0, fence(0x1234));
  EXPECT_EQ(r32(kFence), 0x1234u);  // IOFENCE.C AV=1 stored DATA
  EXPECT_EQ(load32(0x20), 1u);      // cqh written back: one command consumed
}

TEST_F(RvRegPage, DeferredStoresWaitForTheStep) {
  RegPageIommu rp(mem, mem, config, Observe::kStoresDeferred);
  ASSERT_TRUE(rp.attach(kPage));
  enable_cq(rp);
  submit(rp, 0, fence(0x5678));
  // cqb, cqcsr and cqt are in the page, nothing acted on: cqon is what the guest stored (0), DATA not written.
  EXPECT_EQ(load32(0x48), 1u);
  EXPECT_EQ(r32(kFence), 0u);
  rp.step();
  // Page order: cqb (0x18), cqt (0x24), then cqcsr (0x48) turns the queue on and the command runs.
  EXPECT_EQ(load32(0x48), kCqcsrOn);
  EXPECT_EQ(r32(kFence), 0x5678u);
  EXPECT_EQ(load32(0x20), 1u);
}

TEST_F(RvRegPage, Rw1cNeedsTheStoreToBeSeen) {
  // A reserved opcode stops the queue with cmd_ill, cqh on it. Software replaces the command (an IOFENCE.C) and
  // clears cmd_ill by storing the cqcsr it read ("To re-enable command processing software should clear this bit
  // by writing 1"). That store changes no bit of the page: only the monitor says it happened.
  for (Observe o : {Observe::kStores, Observe::kValues}) {
    w32(kFence, 0);
    RegPageIommu rp(mem, mem, config, o);
    ASSERT_NO_FATAL_FAILURE(stop_with_cmd_ill(rp));
    EXPECT_EQ(load32(0x20), 0u) << "cqh stays on the illegal command";
    const Command f = fence(0x9abc);
    w64(kCq, f.words[0]);
    w64(kCq + 8, f.words[1]);
    store32(rp, 0x48, kCqcsrOn | kCmdIll);
    rp.step();
    const bool seen = o == Observe::kStores;
    EXPECT_EQ(load32(0x48), seen ? kCqcsrOn : kCqcsrOn | kCmdIll) << to_string(o);
    EXPECT_EQ(r32(kFence), seen ? 0x9abcu : 0u) << to_string(o);  // processing resumed with the fence
    EXPECT_EQ(load32(0x20), seen ? 1u : 0u) << to_string(o);
  }
}

TEST_F(RvRegPage, StoresBetweenStepsCollapseToTheLast) {
  // cqen 1 -> 0 -> 1 clears the error bits and cqh ("Changing cqen from 0 to 1 sets the cqh register and the
  // cqcsr bits cmd_ill, cmd_to, cqmf, fence_w_ip to 0"). Without the monitor the page only ever shows cqen 1.
  for (Observe o : {Observe::kStores, Observe::kValues}) {
    RegPageIommu rp(mem, mem, config, o);
    ASSERT_NO_FATAL_FAILURE(stop_with_cmd_ill(rp));
    store32(rp, 0x48, 0);
    store32(rp, 0x24, 0);  // cqt back to 0: nothing to run after the restart
    store32(rp, 0x48, 1);
    rp.step();
    EXPECT_EQ(load32(0x48), o == Observe::kStores ? kCqcsrOn : kCqcsrOn | kCmdIll) << to_string(o);
  }
}

TEST_F(RvRegPage, TranslateTakesDdtpAndWritesTheFaultQueueIndexBack) {
  RegPageIommu rp(mem, mem, config, Observe::kValues);
  ASSERT_TRUE(rp.attach(kPage));
  // The fault queue at kFq, 16 records (LOG2SZ-1 = 3), on; no monitor: translate() steps first.
  w64(kPage + 0x28, 3 | (kFq >> 12) << 10);
  w32(kPage + 0x4c, 1);
  // ddtp Off: "All inbound transactions disallowed" (cause 256), an untranslated read (TTYP 2) of device 0x10.
  Result r = rp.translate(rd(0x10, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(load32(0x34), 1u);           // fqt
  EXPECT_EQ(load32(0x4c), 0x1'0001u);    // fqon | fqen
  EXPECT_EQ(fq(0).cause(), 256u);
  EXPECT_EQ(fq(0).ttyp(), 2u);
  EXPECT_EQ(fq(0).did(), 0x10u);
  // ddtp Bare (iommu_mode 1) stored with no notice: the next DMA finds it in the page and passes untranslated.
  w64(kPage + 0x10, 1);
  r = rp.translate(rd(0x10, 0x1234));
  EXPECT_EQ(r.outcome, Outcome::kBypassed);
  EXPECT_EQ(r.pa, 0x1234u);
  EXPECT_EQ(load32(0x34), 1u);  // no new record
}

}  // namespace
}  // namespace riscv_iommu_tests
