// The command queue ("Command-Queue (CQ)"): IOFENCE.C, illegal commands (cmd_ill), memory faults (cqmf), the
// command-queue interrupt, and the invalidation of cached translations and directory entries by IOTINVAL.VMA,
// IOTINVAL.GVMA and IODIR ("IOMMU Page-Table cache invalidation commands", "IOMMU directory cache
// invalidation commands").
#include "tests/unit/riscv_iommu/fixture.h"

namespace riscv_iommu_tests {
namespace {

class RvCommands : public RvTest {
 protected:
  void SetUp() override { enable_cq(); }
};

class Sink final : public model::riscv_iommu::InterruptSink {
 public:
  bool msi(uint64_t address, uint32_t data) override {
    last_address = address;
    last_data = data;
    ++msis;
    return accept;
  }
  void wire(unsigned vector, bool level) override {
    last_vector = vector;
    wire_level = level;
    ++wires;
  }
  bool accept = true;
  uint64_t last_address = 0;
  uint32_t last_data = 0;
  unsigned msis = 0, wires = 0, last_vector = 0;
  bool wire_level = false;
};

TEST_F(RvCommands, IofenceWritesDataWhenAv) {
  // "If AV=1, the IOMMU writes DATA to memory at a 4-byte aligned address ADDR[63:2] * 4 as a 4-byte store".
  IofenceCommand f = IofenceCommand::c();
  f.set_av(1).set_data(0xcafe'f00d).set_addr(kFence + 4);
  submit(f);
  EXPECT_EQ(r32(kFence + 4), 0xcafe'f00du);
  EXPECT_EQ(r32(kFence), 0u);
  EXPECT_EQ(reg(reg::kCqh), 1u);
}

TEST_F(RvCommands, IofenceWithoutAvWritesNothing) {
  IofenceCommand f = IofenceCommand::c();
  f.set_data(0x1).set_addr(kFence);  // "When AV is 0, the ADDR[63:2] and DATA operands are ignored."
  submit(f);
  EXPECT_EQ(r32(kFence), 0u);
  EXPECT_EQ(reg(reg::kCqh), 1u);
}

TEST_F(RvCommands, IofenceWriteFaultSetsCqmf) {
  // "If the attempt to perform this write encounters a memory fault, the cmd_mf bit in cqcsr is set ... and
  // the cqh holds the index of the IOFENCE.C that encountered such a memory fault".
  IofenceCommand f = IofenceCommand::c();
  f.set_av(1).set_addr(0x10);
  submit(f);
  EXPECT_EQ(cqcsr().cqmf(), 1u);
  EXPECT_EQ(reg(reg::kCqh), 0u);
}

TEST_F(RvCommands, FetchFaultSetsCqmf) {
  // "If command-queue access to fetch a command ... leads to a memory fault, then the command-queue-memory-fault
  // bit is set to 1, and the command-queue stalls".
  QueueBase b;
  b.set_log2sz_1(3).set_ppn(1);  // 0x1000: no RAM
  set(reg::kCqcsr, 0);
  set(reg::kCqb, b.raw());
  set(reg::kCqcsr, 1);
  set(reg::kCqt, 1);
  EXPECT_EQ(cqcsr().cqmf(), 1u);
  EXPECT_EQ(reg(reg::kCqh), 0u);
}

TEST_F(RvCommands, IllegalCommandStopsTheQueue) {
  Command bad;
  bad.set_opcode(9);
  submit(bad);
  IofenceCommand f = IofenceCommand::c();
  f.set_av(1).set_data(7).set_addr(kFence);
  submit(f);
  EXPECT_EQ(cqcsr().cmd_ill(), 1u);
  EXPECT_EQ(reg(reg::kCqh), 0u);
  EXPECT_EQ(r32(kFence), 0u);  // the fence behind it did not run
}

TEST_F(RvCommands, CommandInterruptThroughMsiTable) {
  // cie: cmd_ill sets ipsr.cip; with fctl.WSI = 0 the message of icvec.civ's vector (2) is sent.
  Sink sink;
  io.set_interrupt_sink(&sink);
  set(reg::kIcvec, 0x2);
  set(reg::msi_addr(2), 0x2400'0000);
  set(reg::msi_data(2), 0x45);
  set(reg::kCqcsr, 0x3);
  Command bad;
  bad.set_opcode(0);
  submit(bad);
  EXPECT_EQ(reg(reg::kIpsr), 1u);
  EXPECT_EQ(sink.msis, 1u);
  EXPECT_EQ(sink.last_address, 0x2400'0000u);
  EXPECT_EQ(sink.last_data, 0x45u);
}

TEST_F(RvCommands, FenceWiredInterrupt) {
  // IGS = BOTH, fctl.WSI = 1: IOFENCE.C with WSI sets cqcsr.fence_w_ip [11]; with cie the wire of civ rises.
  Config c;
  c.capabilities = Config::kQemu10Capabilities | (uint64_t{2} << 28);
  reconfigure(c);
  Sink sink;
  io.set_interrupt_sink(&sink);
  Fctl f;
  f.set_wsi(1);
  set(reg::kFctl, f.value);
  set(reg::kIcvec, 0x3);
  enable_cq();
  set(reg::kCqcsr, 0x3);
  IofenceCommand fence = IofenceCommand::c();
  fence.set_wsi(1);
  submit(fence);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0803u);
  EXPECT_EQ(sink.wires, 1u);
  EXPECT_EQ(sink.last_vector, 3u);
  EXPECT_TRUE(sink.wire_level);
  set(reg::kCqcsr, 0x803);  // fence_w_ip is RW1C
  set(reg::kIpsr, 1);
  EXPECT_FALSE(sink.wire_level);
}

// Illegal commands: each alone sets cmd_ill with cqh on it.
struct IllegalCase {
  const char* name;
  Command command;
};
Command raw(uint64_t w0, uint64_t w1 = 0) {
  Command c;
  c.words = {w0, w1};
  return c;
}
const IllegalCase kIllegal[] = {
    {"opcode0", raw(0)},                                       // opcode 0 is not defined
    {"opcode5", raw(5)},                                       // "Reserved 5-63"
    {"custom64", raw(64)},                                     // custom, none implemented
    {"iotinval_func3_2", raw(1 | 2 << 7)},                     // IOTINVAL func3 2
    {"iotinval_rsvd11", raw(1 | 1ull << 11)},                  // rsvd [11]
    {"iotinval_rsvd35", raw(1 | 1ull << 35)},                  // rsvd [43:35]
    {"iotinval_rsvd60", raw(1 | 1ull << 60)},                  // rsvd [63:60]
    {"iotinval_rsvd64", raw(1, 1)},                            // rsvd [72:64]
    {"iotinval_rsvd126", raw(1, 1ull << 62)},                  // rsvd [127:126]
    {"gvma_pscv", raw(1 | 1 << 7 | 1ull << 32)},               // "Setting PSCV to 1 with IOTINVAL.GVMA is illegal."
    {"iotinval_nl_without_cap", raw(1 | 1ull << 34)},          // NL: "When capabilities.NL bit is 0, bit 34 remains reserved"
    {"iotinval_s_without_cap", raw(1, 1ull << 9)},             // S (bit 73) without capabilities.S
    {"iofence_func3_1", raw(2 | 1 << 7)},                      // IOFENCE: only C (0)
    {"iofence_rsvd14", raw(2 | 1ull << 14)},                   // rsvd [31:14]
    {"iofence_rsvd126", raw(2, 1ull << 63)},                   // rsvd [127:126]
    {"iofence_wsi_without_fctl_wsi", raw(2 | 1ull << 11)},     // WSI "reserved if ... fctl.WSI == 0"
    {"iodir_func3_2", raw(3 | 2 << 7)},                        // IODIR: INVAL_DDT (0), INVAL_PDT (1)
    {"inval_ddt_with_pid", raw(3 | 1ull << 12)},               // "The PID operand is reserved for IODIR.INVAL_DDT"
    {"inval_pdt_without_dv", raw(3 | 1 << 7)},                 // "The DV operand must be 1 for IODIR.INVAL_PDT"
    {"iodir_rsvd32", raw(3 | 1ull << 32)},                     // rsvd [32]
    {"iodir_rsvd_word1", raw(3, 1)},                           // the second doubleword is rsvd
    {"ats_without_cap", raw(4)},                               // "supported if capabilities.ATS is set to 1"
};

class RvIllegal : public RvTest, public ::testing::WithParamInterface<IllegalCase> {};

TEST_P(RvIllegal, SetsCmdIllAndStops) {
  enable_cq();
  submit(GetParam().command);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0401u);  // cqen | cmd_ill | cqon
  EXPECT_EQ(reg(reg::kCqh), 0u);
}
INSTANTIATE_TEST_SUITE_P(Commands, RvIllegal, ::testing::ValuesIn(kIllegal),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(RvCommands, LegalCommandsRun) {
  // One of each legal form: VMA all, GVMA all, INVAL_DDT all, INVAL_PDT for DID 1 PID 2, a fence.
  submit(IotinvalCommand::vma());
  submit(IotinvalCommand::gvma());
  submit(IodirCommand::inval_ddt());
  IodirCommand p = IodirCommand::inval_pdt();
  p.set_dv(1).set_did(1).set_pid(2);
  submit(p);
  submit(IofenceCommand::c());
  EXPECT_EQ(reg(reg::kCqh), 5u);
  EXPECT_EQ(reg(reg::kCqcsr), 0x1'0001u);
}

TEST_F(RvCommands, QueueWraps) {
  // 16 entries: 20 fences leave cqh at 20 mod 16 = 4.
  for (int i = 0; i < 20; ++i) submit(IofenceCommand::c());
  EXPECT_EQ(reg(reg::kCqh), 4u);
}

// ---- invalidation: a cached translation stays in use after the tables change, until the command that
// covers it ("an implementation may use any translation for an address that was valid at any time since the
// most recent IOTINVAL that subsumes that address").
class RvInval : public RvCommands {
 protected:
  uint64_t root = 0;
  void SetUp() override {
    enable_cq();
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    root = page();
    put_dc(1, dc_first_stage(8, root, 0x11));
    map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
    map(kSv39, root, 0x2000, 0x8040'1000, kRWUAD | kG);
    io.translate(rd(1, 0x1000));
    io.translate(rd(1, 0x2000));
    map(kSv39, root, 0x1000, 0x8050'0000, kRWUAD);  // both remapped behind the caches
    map(kSv39, root, 0x2000, 0x8050'1000, kRWUAD | kG);
  }
  uint64_t pa(uint64_t iova) { return io.translate(rd(1, iova)).pa; }
  static IotinvalCommand vma(bool av, uint64_t addr, bool pscv, uint32_t pscid) {
    IotinvalCommand c = IotinvalCommand::vma();
    c.set_av(av).set_addr(addr).set_pscv(pscv).set_pscid(pscid);
    return c;
  }
};

TEST_F(RvInval, StaleUntilInvalidated) {
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
  EXPECT_EQ(io.lookup(rd(1, 0x1000)).pa, 0x8050'0000u);  // the tables say the new page
  submit(vma(false, 0, false, 0));  // GV=0 AV=0 PSCV=0: every host address space
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
  EXPECT_EQ(pa(0x2000), 0x8050'1000u);  // "including those that contain global mappings"
}

TEST_F(RvInval, ByAddress) {
  submit(vma(true, 0x1000, false, 0));  // AV=1: the leaf for 0x1000 only
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
  EXPECT_EQ(pa(0x2000), 0x8040'1000u);
}

TEST_F(RvInval, ByPscidSparesGlobalMappings) {
  // PSCV=1: "except for entries containing global mappings".
  submit(vma(false, 0, true, 0x11));
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
  EXPECT_EQ(pa(0x2000), 0x8040'1000u);
}

TEST_F(RvInval, OtherPscidUntouched) {
  submit(vma(false, 0, true, 0x12));
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
}

TEST_F(RvInval, VmaWithGscidLeavesHostEntries) {
  // GV=1 operates on VM address spaces only.
  IotinvalCommand c = vma(false, 0, false, 0);
  c.set_gv(1).set_gscid(0x11);
  submit(c);
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
}

TEST_F(RvInval, GvmaLeavesHostEntries) {
  // IOTINVAL.GVMA GV=0: "Invalidates information cached from any level of the second-stage page table, for all
  // VM address spaces" -- not the host's first-stage entries.
  submit(IotinvalCommand::gvma());
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
}

TEST_F(RvInval, IodirDoesNotInvalidateTranslations) {
  // "The IOTINVAL command has no effect on the IOMMU directory caches" and IODIR none on cached translations.
  submit(IodirCommand::inval_ddt());
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
}

TEST_F(RvInval, WriteToCachedReadOnlyPermissionWalksAgain) {
  // A request the cached entry does not grant walks the tables (here: the new leaf grants it).
  map(kSv39, root, 0x3000, 0x8060'0000, kV | kR | kU | kA);
  EXPECT_EQ(pa(0x3000), 0x8060'0000u);
  map(kSv39, root, 0x3000, 0x8060'0000, kRWUAD);
  EXPECT_EQ(io.translate(wr(1, 0x3000)).outcome, Outcome::kTranslated);
}

class RvInvalRange : public RvInval {
 protected:
  void SetUp() override {
    Config c;
    c.capabilities = Config::kQemu10Capabilities | Capabilities::s_mask;
    reconfigure(c);
    RvInval::SetUp();
  }
};

TEST_F(RvInvalRange, RangeCoversTwoPages) {
  // S=1 with ADDR bit 12 clear: X = 0, "the size of the range is 8 KiB": 0x0..0x2000 holds page 0x1000 only;
  // ADDR 0x1000 has bit 12 set, bit 13 clear: X = 1, 16 KiB from 0x0: both pages.
  IotinvalCommand c = vma(true, 0x1000, false, 0);
  c.set_s(1);
  submit(c);
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
  EXPECT_EQ(pa(0x2000), 0x8050'1000u);
}

class RvInvalNested : public RvCommands {
 protected:
  uint64_t groot = 0;
  void SetUp() override {
    enable_cq();
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    groot = page(16384);
    DeviceContext g = dc_valid();
    put_dc(1, with_g_stage(g, 8, groot, 7));  // G-stage only, GSCID 7
    map(kSv39x4, groot, 0x1000, 0x8040'0000, kRWUAD);
    map(kSv39x4, groot, 0x2000, 0x8040'1000, kRWUAD);
    io.translate(rd(1, 0x1000));
    io.translate(rd(1, 0x2000));
    map(kSv39x4, groot, 0x1000, 0x8050'0000, kRWUAD);
    map(kSv39x4, groot, 0x2000, 0x8050'1000, kRWUAD);
  }
  uint64_t pa(uint64_t iova) { return io.translate(rd(1, iova)).pa; }
};

TEST_F(RvInvalNested, GvmaByGscid) {
  IotinvalCommand other = IotinvalCommand::gvma();
  other.set_gv(1).set_gscid(8);
  submit(other);
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
  IotinvalCommand mine = IotinvalCommand::gvma();
  mine.set_gv(1).set_gscid(7);
  submit(mine);
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
}

TEST_F(RvInvalNested, GvmaByGuestPhysicalAddress) {
  // GV=1 AV=1: "Invalidates information cached from leaf second-stage page table entries corresponding to the
  // guest-physical-address in ADDR operand".
  IotinvalCommand c = IotinvalCommand::gvma();
  c.set_gv(1).set_gscid(7).set_av(1).set_addr(0x2000);
  submit(c);
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
  EXPECT_EQ(pa(0x2000), 0x8050'1000u);
}

TEST_F(RvInvalNested, GvmaAllVirtualMachines) {
  submit(IotinvalCommand::gvma());  // GV=0
  EXPECT_EQ(pa(0x1000), 0x8050'0000u);
}

TEST_F(RvInvalNested, VmaDoesNotTouchGStageOnlyEntries) {
  IotinvalCommand c = IotinvalCommand::vma();
  c.set_gv(1).set_gscid(7);
  submit(c);
  EXPECT_EQ(pa(0x1000), 0x8040'0000u);
}

class RvInvalDirectory : public RvCommands {
 protected:
  void SetUp() override {
    enable_cq();
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    put_dc(1, dc_valid());
    put_dc(2, dc_valid());
    io.translate(rd(1, 0x1000));
    io.translate(rd(2, 0x1000));
    put_dc(1, DeviceContext{});  // both made invalid behind the DC cache
    put_dc(2, DeviceContext{});
  }
  Outcome outcome(uint32_t dev) { return io.translate(rd(dev, 0x1000)).outcome; }
};

TEST_F(RvInvalDirectory, CachedDeviceContextUntilInvalDdt) {
  EXPECT_EQ(outcome(1), Outcome::kBypassed);
  IodirCommand c = IodirCommand::inval_ddt();
  c.set_dv(1).set_did(1);  // "invalidates cached leaf-level DDT entry for the device identified by DID"
  submit(c);
  EXPECT_EQ(outcome(1), Outcome::kFaulted);
  EXPECT_EQ(fq(0).cause(), 258u);
  EXPECT_EQ(outcome(2), Outcome::kBypassed);
}

TEST_F(RvInvalDirectory, InvalDdtWithoutDvInvalidatesEveryDevice) {
  submit(IodirCommand::inval_ddt());
  EXPECT_EQ(outcome(1), Outcome::kFaulted);
  EXPECT_EQ(outcome(2), Outcome::kFaulted);
}

TEST_F(RvInvalDirectory, IotinvalLeavesTheDirectoryCache) {
  submit(IotinvalCommand::vma());
  submit(IotinvalCommand::gvma());
  EXPECT_EQ(outcome(1), Outcome::kBypassed);
}

class RvInvalPdt : public RvCommands {
 protected:
  uint64_t pdt = 0, root = 0;
  void SetUp() override {
    enable_cq();
    enable_fq();
    set_ddtp(IommuMode::k1Lvl);
    pdt = page();
    root = page();
    DeviceContext dc = dc_valid();
    dc.words[0] |= Tc::pdtv_mask;
    dc.words[3] = (1ull << 60) | (pdt >> 12);  // PD8
    put_dc(1, dc);
    map(kSv39, root, 0x1000, 0x8040'0000, kRWUAD);
    PcTa ta;
    ta.set_v(1).set_pscid(1);
    w64(pdt + 0x30, ta.raw());                   // process_id 3
    w64(pdt + 0x38, (8ull << 60) | (root >> 12));
    io.translate(with_pasid(rd(1, 0x1000), 3));
    w64(pdt + 0x30, 0);  // invalid behind the PC cache
    submit(IotinvalCommand::vma());  // drop the cached translation, keep the cached PC
  }
};

TEST_F(RvInvalPdt, CachedProcessContextUntilInvalPdt) {
  EXPECT_EQ(io.translate(with_pasid(rd(1, 0x1000), 3)).outcome, Outcome::kTranslated);
  IodirCommand c = IodirCommand::inval_pdt();
  c.set_dv(1).set_did(1).set_pid(3);
  submit(c);
  const Result r = io.translate(with_pasid(rd(1, 0x1000), 3));
  EXPECT_EQ(r.outcome, Outcome::kFaulted);
  EXPECT_EQ(r.fault.cause(), 266u);
}

TEST_F(RvInvalPdt, InvalDdtAlsoDropsTheDevicesProcessContexts) {
  // "If DV is 1, then the command invalidates cached leaf-level DDT entry for the device ... and all associated
  // PDT entries."
  IodirCommand c = IodirCommand::inval_ddt();
  c.set_dv(1).set_did(1);
  submit(c);
  EXPECT_EQ(io.translate(with_pasid(rd(1, 0x1000), 3)).fault.cause(), 266u);
}

}  // namespace
}  // namespace riscv_iommu_tests
