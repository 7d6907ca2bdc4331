// riscv-iommu.cmd.*: the command queue (§3.1, §5.15): IOFENCE.C's 4-byte store and what its completion
// guarantees, the queue wrapping, illegal commands (cmd_ill with cqh at the command, nothing after it
// processed), processing again once cmd_ill is cleared, an IOFENCE.C whose store faults (cqmf), and cqen
// clearing the error bits. Each case leaves the queue as the driver set it up (reset_cq).
#include <cstring>

#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

constexpr uint32_t kErrors = s::Cqcsr::cmd_ill_mask | s::Cqcsr::cqmf_mask | s::Cqcsr::cmd_to_mask;

// The queue back as the driver keeps it, whatever the case left (reported, not a check of the device).
void restore_cq(kernel::Test& t, RiscvIommu* v) {
  if (!v->reset_cq()) t.error("command queue reset: %s", v->last_error());
}

s::IofenceCommand fence_to(uint64_t addr, uint32_t data) {
  s::IofenceCommand f = s::IofenceCommand::c();
  f.set_av(1).set_data(data).set_addr(addr);
  return f;
}

// Queues `bad` followed by an IOFENCE.C storing to a word of the case, then checks that the queue stops at the
// illegal command: cmd_ill, cqh at it, the fence not executed.
void illegal_case(kernel::Test& t, const s::Command& bad, const kernel::Clause& c) {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const DmaBlock word(kPage);
  if (!word.pa) return t.error("no DMA memory");
  volatile uint32_t* w = kernel::DmaMemory::ptr<volatile uint32_t>(word.pa);
  *w = 0;
  const uint32_t at = v->cq_tail();
  if (!v->queue(bad) || !v->queue(fence_to(word.pa, 0x5151'5151))) return t.error("%s", v->last_error());
  const bool stopped = kernel::wait_until([&] { return (v->cqcsr().value & kErrors) != 0 || *w != 0; }, 200);
  const s::Cqcsr csr = v->cqcsr();
  t.check("cqcsr.cmd_ill", c, stopped && csr.cmd_ill(), "cqcsr 0x%x after an illegal command at index %u (%s)",
          csr.value, at, cq_state(v));
  t.check("cqh", kCmdIllHead, !csr.cmd_ill() || v->cqh() == at, "cqh %u, the illegal command is at %u", v->cqh(), at);
  t.check("fence.not_done", kCmdIll, *w == 0, "the IOFENCE.C after the illegal command stored 0x%x", *w);
  restore_cq(t, v);
}

}  // namespace

VIOMMU_TEST(riscv_iommu_cmd_fence_store, "riscv-iommu.cmd.iofence_store", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const DmaBlock page(kPage);
  if (!page.pa) return t.error("no DMA memory");
  uint8_t* p = kernel::DmaMemory::ptr<uint8_t>(page.pa);
  std::memset(p, 0xee, 64);
  arch::dma_wmb();
  // A 4-byte store at a 4-byte aligned address that is not 8-byte aligned: exactly those 4 bytes change.
  if (!v->queue(fence_to(page.pa + 0x14, 0x1234'5678))) return t.error("%s", v->last_error());
  volatile uint32_t* w = reinterpret_cast<volatile uint32_t*>(p + 0x14);
  const bool stored = kernel::wait_until([&] { return *w == 0x1234'5678; }, 200);
  t.check("fence.data", kIofence, stored, "DATA not at 0x%llx within 200 ms: 0x%08x (%s)", ull(page.pa + 0x14), *w,
          cq_state(v));
  size_t around = 0;
  for (size_t i = 0; i < 64; ++i)
    if (i < 0x14 || i >= 0x18) around += p[i] != 0xee;
  t.check("fence.size", kIofence, around == 0, "%zu bytes around the 4-byte store changed", around);
  // The store and the cqh update may become visible in either order: wait (bounded) for cqh to pass the fence.
  const bool advanced = kernel::wait_until([&] { return v->cqh() == v->cq_tail(); }, 200);
  t.check("cqh", kCqHead, advanced, "cqh %u 200 ms after the fence's store, cqt %u", v->cqh(), v->cq_tail());
}

VIOMMU_TEST(riscv_iommu_cmd_fence_order, "riscv-iommu.cmd.iofence_completes_previous", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const DmaBlock page(kPage);
  if (!page.pa) return t.error("no DMA memory");
  volatile uint32_t* w = kernel::DmaMemory::ptr<volatile uint32_t>(page.pa);
  // Two fences writing the same word, then a third elsewhere: once the last one is done, both earlier stores
  // are done ("all previous commands fetched from the CQ have been completed"), the second over the first.
  const uint32_t start = v->cq_tail();
  bool q = v->queue(fence_to(page.pa, 1)) && v->queue(s::IodirCommand::inval_ddt()) &&
           v->queue(fence_to(page.pa, 2)) && v->queue(fence_to(page.pa + 8, 3));
  if (!q) return t.error("%s", v->last_error());
  const bool done = kernel::wait_until([&] { return w[2] == 3; }, 200);
  t.check("fence.data", kIofence, done, "the last IOFENCE.C's DATA not stored within 200 ms (%s)", cq_state(v));
  t.check("fence.order", kIofenceOrder, !done || w[0] == 2, "after the last IOFENCE.C completed the word of the "
          "earlier ones holds %u, expected 2", w[0]);
  // cqh may advance after the last store is seen: wait (bounded) for it.
  const uint32_t end = (start + 4) % v->cq_entries();
  const bool advanced = kernel::wait_until([&] { return v->cqh() == end; }, 200);
  t.check("cqh", kCqHead, advanced, "cqh %u 200 ms after the last fence's store, expected %u", v->cqh(), end);
}

VIOMMU_TEST(riscv_iommu_cmd_wrap, "riscv-iommu.cmd.queue_wraps", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  // 1.5 queues' worth of commands, a fence every 32: the indices wrap at 256 and every fence completes.
  const unsigned n = v->cq_entries() * 3 / 2;
  bool ok = true;
  for (unsigned i = 0; ok && i < n; ++i) {
    ok = v->queue(RiscvIommu::vma_command(drv::Inval{}));
    if (ok && i % 32 == 31) ok = v->fence();
  }
  t.check("fence.data", kQueueWrap, ok && v->fence(), "%u commands through a %u-entry queue: %s", n, v->cq_entries(),
          v->last_error());
  t.check("cqh", kQueueWrap, v->cqh() == v->cq_tail() && v->cqh() < v->cq_entries(),
          "cqh %u, cqt %u after wrapping", v->cqh(), v->cq_tail());
}

VIOMMU_TEST(riscv_iommu_cmd_ill_opcode, "riscv-iommu.cmd.illegal_opcode", "riscv-iommu") {
  s::Command c;
  c.set_opcode(5);  // 5-63: "Reserved for future standard use"
  illegal_case(t, c, kCmdIll);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_func, "riscv-iommu.cmd.illegal_func3", "riscv-iommu") {
  s::Command c;
  c.set_op(s::Opcode::kIotinval, 2);  // IOTINVAL functions are VMA (0) and GVMA (1)
  illegal_case(t, c, kCmdIll);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_gvma_pscv, "riscv-iommu.cmd.illegal_gvma_pscv", "riscv-iommu") {
  s::IotinvalCommand c = s::IotinvalCommand::gvma();
  c.set_pscv(1);
  illegal_case(t, c, kGvmaPscv);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_pdt_dv, "riscv-iommu.cmd.illegal_inval_pdt_dv0", "riscv-iommu") {
  illegal_case(t, s::IodirCommand::inval_pdt(), kInvalPdtDv);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_ddt_pid, "riscv-iommu.cmd.illegal_inval_ddt_pid", "riscv-iommu") {
  s::IodirCommand c = s::IodirCommand::inval_ddt();
  c.set_pid(1);
  illegal_case(t, c, kInvalDdtPid);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_fence_wsi, "riscv-iommu.cmd.illegal_iofence_wsi", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  if (v->reg<s::Fctl>(s::reg::kFctl).wsi()) return t.skip("fctl.WSI=1: IOFENCE.C.WSI is a legal request");
  s::IofenceCommand c = s::IofenceCommand::c();
  c.set_wsi(1);
  illegal_case(t, c, kFenceWsi);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_reserved, "riscv-iommu.cmd.illegal_reserved_bit", "riscv-iommu") {
  s::IotinvalCommand c = s::IotinvalCommand::vma();
  c.words[0] |= uint64_t{1} << 11;  // IOTINVAL bit 11: "rsvd"
  illegal_case(t, c, kCmdIll);
}
VIOMMU_TEST(riscv_iommu_cmd_ill_reserved_dw1, "riscv-iommu.cmd.illegal_reserved_operand", "riscv-iommu") {
  s::IodirCommand c = s::IodirCommand::inval_ddt();
  c.words[1] = 1;  // IODIR's second doubleword: "rsvd"
  illegal_case(t, c, kCmdIll);
}

VIOMMU_TEST(riscv_iommu_cmd_ill_resume, "riscv-iommu.cmd.cmd_ill_cleared_resumes", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const DmaBlock page(kPage);
  if (!page.pa) return t.error("no DMA memory");
  volatile uint32_t* w = kernel::DmaMemory::ptr<volatile uint32_t>(page.pa);
  s::Command bad;
  bad.set_opcode(5);
  const uint32_t at = v->cq_tail();
  if (!v->queue(bad) || !v->queue(fence_to(page.pa, 0x7777))) return t.error("%s", v->last_error());
  if (!t.check("cqcsr.cmd_ill", kCmdIll, kernel::wait_until([&] { return v->cqcsr().cmd_ill(); }, 200),
               "no cmd_ill after a reserved opcode (%s)", cq_state(v)))
    return restore_cq(t, v);
  // Software replaces the illegal command with a legal one and clears cmd_ill (write 1): processing resumes at
  // cqh without another cqt write, and the fence after it completes.
  volatile uint64_t* slot = v->cq_slot(at);
  const s::Command ok = RiscvIommu::vma_command(drv::Inval{});
  slot[1] = ok.words[1];
  slot[0] = ok.words[0];
  arch::dma_wmb();
  v->clear_cq_errors();
  const bool resumed = kernel::wait_until([&] { return *w == 0x7777; }, 200);
  t.check("cq.resumed", kCmdIllResume, resumed, "the IOFENCE.C after the replaced command did not complete within "
          "200 ms of clearing cmd_ill (%s)", cq_state(v));
  restore_cq(t, v);
}

VIOMMU_TEST(riscv_iommu_cmd_fence_fault, "riscv-iommu.cmd.iofence_store_fault", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  // A store far outside RAM (2^55, within PAS): a memory fault; cqh stays at the fence.
  const uint32_t at = v->cq_tail();
  if (!v->queue(fence_to(uint64_t{1} << 55, 1))) return t.error("%s", v->last_error());
  const bool stopped = kernel::wait_until([&] { return (v->cqcsr().value & kErrors) != 0; }, 200);
  const s::Cqcsr csr = v->cqcsr();
  t.check("cqcsr.cqmf", kIofenceMemoryFault, stopped && csr.cqmf(), "cqcsr 0x%x after an IOFENCE.C storing outside "
          "memory (%s)", csr.value, cq_state(v));
  t.check("cqh", kIofenceMemoryFault, !csr.cqmf() || v->cqh() == at, "cqh %u, the IOFENCE.C is at %u", v->cqh(), at);
  restore_cq(t, v);
}

VIOMMU_TEST(riscv_iommu_cmd_cqen_clears, "riscv-iommu.cmd.cqen_clears_errors", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  s::Command bad;
  bad.set_opcode(5);
  if (!v->queue(bad)) return t.error("%s", v->last_error());
  if (!t.check("cqcsr.cmd_ill", kCmdIll, kernel::wait_until([&] { return v->cqcsr().cmd_ill(); }, 200),
               "no cmd_ill after a reserved opcode (%s)", cq_state(v)))
    return restore_cq(t, v);
  // cqen 1 -> 0 -> 1: "sets the cqh register and the cqcsr bits cmd_ill, cmd_to, cqmf, fence_w_ip to 0".
  v->write(s::reg::kCqcsr, 0);
  const bool off = kernel::wait_until([&] { return !v->cqcsr().cqon() && !v->cqcsr().busy(); }, 200);
  v->write(s::reg::kCqt, 0);
  s::Cqcsr on;
  on.set_cqen(1);
  v->write(s::reg::kCqcsr, on.value);
  const bool up = kernel::wait_until([&] { return v->cqcsr().cqon() && !v->cqcsr().busy(); }, 200);
  const s::Cqcsr csr = v->cqcsr();
  t.check("cqcsr.cqon", kCqen, off && up, "cqcsr 0x%x after cqen 0 then 1", csr.value);
  t.check("cqcsr.errors", kCqen, (csr.value & s::Cqcsr::kRw1c) == 0, "cqcsr 0x%x: error bits still set", csr.value);
  t.check("cqh", kCqen, v->cqh() == 0, "cqh %u after cqen 0 -> 1", v->cqh());
  restore_cq(t, v);
}
