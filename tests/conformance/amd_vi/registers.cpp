// amd-vi.regs.*: Control/Status semantics (48882 MMIO 0018h Control, 2020h Status; section numbers
// unverified, see clauses.h) and base register read-back.
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT

namespace {
s::Status status(AmdVi* v) {
  s::Status st;
  st.set_raw(v->read(s::Mmio::kStatus));
  return st;
}
}  // namespace

VIOMMU_TEST(amd_vi_status_run, "amd-vi.regs.status_run_bits", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  // IommuEn & CmdBufEn & EventLogEn were set by the driver: both Run bits read 1.
  t.expect_eq("reg.Status.CmdBufRun", kRunBits, 1, status(v).cmd_buf_run());
  t.expect_eq("reg.Status.EventLogRun", kRunBits, 1, status(v).event_log_run());
}

VIOMMU_TEST(amd_vi_cmdbufrun_follows, "amd-vi.regs.cmdbufrun_follows_cmdbufen", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  s::Control c;
  c.set_raw(v->default_control());
  c.set_cmd_buf_en(0);
  v->set_control(c.raw());
  t.expect_eq("reg.Status.CmdBufRun", kRunBits, 0, status(v).cmd_buf_run());
  v->reset_command_buffer();
  t.expect_eq("reg.Status.CmdBufRun", kRunBits, 1, status(v).cmd_buf_run());
  t.check("cmd.sync", kCompletionWait, v->sync(), "%s", "command buffer does not complete after re-enable");
}

VIOMMU_TEST(amd_vi_evtrun_follows, "amd-vi.regs.eventlogrun_follows_eventlogen", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  s::Control c;
  c.set_raw(v->default_control());
  c.set_event_log_en(0);
  v->set_control(c.raw());
  t.expect_eq("reg.Status.EventLogRun", kRunBits, 0, status(v).event_log_run());
  v->reset_event_log();
  t.expect_eq("reg.Status.EventLogRun", kRunBits, 1, status(v).event_log_run());
}

VIOMMU_TEST(amd_vi_status_ro, "amd-vi.regs.status_run_bits_read_only", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  // Writing 0 to the RO Run bits (and to every RW1C bit) leaves them as they are.
  const uint64_t before = v->read(s::Mmio::kStatus) & s::Status::kRO;
  v->write(s::Mmio::kStatus, 0);
  t.expect_eq("reg.Status.RO", kRunBits, before, v->read(s::Mmio::kStatus) & s::Status::kRO);
}

VIOMMU_TEST(amd_vi_comwaitint_w1c, "amd-vi.regs.comwaitint_w1c", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  // COMPLETION_WAIT with I=1 sets Status.ComWaitInt; it is RW1C.
  v->write(s::Mmio::kStatus, 0x4);
  s::CompletionWait w;
  w.set_i(1);
  v->queue(w);
  t.check("cmd.sync", kCompletionWait, v->sync(), "%s", "COMPLETION_WAIT after the I=1 one did not complete");
  t.expect_eq("reg.Status.ComWaitInt", kComWaitInt, 1, status(v).com_wait_int());
  v->write(s::Mmio::kStatus, 0);
  t.check("reg.Status.ComWaitInt.W1C", kComWaitIntW1C, status(v).com_wait_int() == 1, "%s",
          "writing 0 to Status cleared ComWaitInt");
  v->write(s::Mmio::kStatus, 0x4);
  t.check("reg.Status.ComWaitInt.W1C", kComWaitIntW1C, status(v).com_wait_int() == 0, "%s",
          "writing 1 to Status.ComWaitInt (bit 2) did not clear it");
}

VIOMMU_TEST(amd_vi_control_readback, "amd-vi.regs.control_readback", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  t.expect_eq("reg.Control", kRegister, v->default_control(), v->control());
}

VIOMMU_TEST(amd_vi_devtab_readback, "amd-vi.regs.base_registers_readback", "amd-vi") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  s::DeviceTableBase d;
  d.set_raw(v->read(s::Mmio::kDeviceTableBase));
  t.expect_eq("reg.DeviceTableBase", kRegister, v->devtab_pa(), d.base_4k() << 12);
  t.expect_eq("reg.DeviceTableBase.Size", kRegister, drivers::amd_vi::kDevtabSizeField, d.size());
  s::RingBase c, e;
  c.set_raw(v->read(s::Mmio::kCommandBufferBase));
  e.set_raw(v->read(s::Mmio::kEventLogBase));
  t.expect_eq("reg.CommandBufferBase", kRegister, v->cmd_pa(), c.base_4k() << 12);
  t.expect_eq("reg.CommandBufferBase.ComLen", kRegister, drivers::amd_vi::kRingLen, c.len());
  t.expect_eq("reg.EventLogBase", kRegister, v->evt_pa(), e.base_4k() << 12);
  t.expect_eq("reg.EventLogBase.EventLen", kRegister, drivers::amd_vi::kRingLen, e.len());
}
