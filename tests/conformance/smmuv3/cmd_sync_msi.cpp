// smmuv3.queues.cmd_sync_msi_*: CMD_SYNC completion signalled by an MSI write to Normal memory
// (IHI 0070 §4.7.3 SIG_IRQ, §3.18 "a location in Normal memory ... so that the PE can poll"): with
// SMMU_IDR0.MSI = 1 the SMMU writes MSIData to MSIAddress once the CMD_SYNC is consumed; without MSIs,
// MSIAddress and MSIData are IGNORED and memory stays untouched.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::CmdSync;

constexpr uint32_t kMsiData = 0x5eed'c0deu;
constexpr uint32_t kPoison = 0xdead'beefu;
constexpr uint64_t kMemAttrNormalWb = 0b1111;  // STE.MemAttr encoding: Normal, Inner/Outer Write-Back
constexpr uint64_t kMshInner = 0b11;

// A CMD_SYNC with CS = SIG_IRQ whose MSI targets addr.
CmdSync msi_sync(uint64_t addr) {
  CmdSync s;
  s.set_cs(spec::smmuv3::kSyncCsIrq).set_msh(kMshInner).set_msiattr(kMemAttrNormalWb).set_msidata(kMsiData);
  s.set_msi_address(addr);
  return s;
}

volatile uint32_t* poisoned_word(Env& e) {
  auto* w = kernel::DmaMemory::ptr<volatile uint32_t>(e.target(7) + 0x40);
  *w = kPoison;
  arch::dma_wmb();
  return w;
}

}  // namespace

VIOMMU_TEST(q_sync_msi, "smmuv3.queues.cmd_sync_msi_write", "smmuv3,queues") {
  Env e(t);
  if (!e.ready()) return;
  if (!e.smmu->idr0().msi()) return t.skip("SMMU_IDR0.MSI = 0: no MSIs, CMD_SYNC MSIAddress/MSIData are IGNORED");
  volatile uint32_t* w = poisoned_word(e);
  if (!e.synced(e.smmu->submit(msi_sync(e.target(7) + 0x40)), "submitting CMD_SYNC")) return;
  const uint32_t target = e.smmu->cmdq_prod_after_last();
  const uint32_t wm = (1u << (e.smmu->options().cmdq_log2 + 1)) - 1;
  // §4.7.3: the MSI is a 32-bit write of MSIData to MSIAddress on completion.
  const bool written = kernel::wait_until([&] { return *w != kPoison; }, 100);
  arch::dma_rmb();
  if (!t.check("msi.write", kSyncMsi, written, "no MSI write: the word at 0x%lx still holds 0x%x (CMDQ_CONS 0x%x)",
               static_cast<unsigned long>(e.target(7) + 0x40), kPoison, e.smmu->cmdq_cons()))
    return;
  t.expect_eq("msi.data", kSyncMsi, kMsiData, *w);
  // §4.7.3: consumption of the CMD_SYNC is observable before the interrupt (the MSI) is.
  t.expect_eq("cmdq.CONS", kSyncMsiOrder, target, e.smmu->cmdq_cons() & wm);
}

VIOMMU_TEST(q_sync_msi_ignored, "smmuv3.queues.cmd_sync_msi_ignored_without_msi", "smmuv3,queues") {
  Env e(t);
  if (!e.ready()) return;
  if (e.smmu->idr0().msi()) return t.skip("SMMU_IDR0.MSI = 1: the MSI is written (see cmd_sync_msi_write)");
  volatile uint32_t* w = poisoned_word(e);
  if (!e.synced(e.smmu->submit(msi_sync(e.target(7) + 0x40)), "submitting CMD_SYNC")) return;
  const uint32_t target = e.smmu->cmdq_prod_after_last();
  const uint32_t wm = (1u << (e.smmu->options().cmdq_log2 + 1)) - 1;
  const bool consumed = kernel::wait_until([&] { return (e.smmu->cmdq_cons() & wm) == target; }, 100);
  t.check("cmdq.sync", kCmdSync, consumed, "CMD_SYNC (SIG_IRQ) not consumed: CONS 0x%x, expected 0x%x",
          e.smmu->cmdq_cons(), target);
  // §4.7.3: "On implementations that do not support MSIs, MSIAddress and MSIData are IGNORED."
  arch::dma_rmb();
  t.expect_eq("msi.untouched", kSyncMsiIgnored, kPoison, *w);
}
