// amd-vi.irq.*: the IOMMU's own MSI (48882 §3.1 MSI capability; Control EventIntEn / ComWaitIntEn;
// §2.4.1 COMPLETION_WAIT I bit; an event-log write raises the event interrupt; section numbers
// unverified, see clauses.h).
#include "drivers/iommu/amd_vi/interrupts.h"
#include "kernel/arch.h"
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT
using drivers::amd_vi::IntRemapTable;

namespace {

constexpr uint32_t kIommuVector = arch::kFirstDeviceIrq + 0x20;
constexpr uint32_t kIrqWaitMs = 200;
constexpr uint32_t kQuietMs = 30;  // how long "no interrupt" is watched for after the trigger completed

volatile unsigned g_count[2] = {};
void count_irq(void* ctx) {
  const unsigned i = static_cast<unsigned>(reinterpret_cast<uintptr_t>(ctx));
  g_count[i] = g_count[i] + 1;
}

// The IOMMU's MSI delivering kIommuVector with Control = default | `extra`; undone on destruction.
class IommuMsi {
 public:
  IommuMsi(kernel::Test& t, AmdVi* v, uint64_t extra) : v_(v) {
    g_count[0] = 0;
    uint64_t addr = 0;
    uint32_t data = 0;
    if (!arch::msi_message(kIommuVector, &addr, &data)) {
      t.skip("no MSI message for this architecture");
      return;
    }
    if (!arch::irq_attach(kIommuVector, count_irq, reinterpret_cast<void*>(0), true)) {
      t.error("cannot attach vector 0x%x", kIommuVector);
      return;
    }
    attached_ = true;
    if (!t.check("irq.msi_capability", kMsiCapability, v->pci()->msi_enable(addr, data),
                 "%s", "the IOMMU function has no MSI capability"))
      return;
    v->write(s::Mmio::kStatus, s::Status::kW1C);  // start from no pending status
    v->set_control(v->default_control() | extra);
    ok_ = true;
  }
  ~IommuMsi() {
    v_->set_control(v_->default_control());
    v_->pci()->msi_disable();
    if (attached_) arch::irq_detach(kIommuVector);
  }
  bool ok() const { return ok_; }

 private:
  AmdVi* v_;
  bool attached_ = false, ok_ = false;
};

uint64_t control_bits(bool event_int, bool com_wait_int) {
  s::Control c;
  c.set_event_int_en(event_int).set_com_wait_int_en(com_wait_int);
  return c.raw();
}

// COMPLETION_WAIT with S=1 (so completion is observable) and the given I bit; true when the store landed.
bool completion_wait(AmdVi* v, bool interrupt) {
  const uint64_t pa = v->completion_word_pa() + 0x100;
  volatile uint64_t* word = reinterpret_cast<volatile uint64_t*>(pa);
  *word = 0;
  s::CompletionWait w;
  w.set_s(1).set_i(interrupt).set_store_addr_8(pa >> 3).set_store_data(0x1c0ffee);
  v->queue(w);
  return kernel::wait_until([&] { return *word == 0x1c0ffee; }, drivers::amd_vi::kWaitMs);
}

// The IOMMU's MSI with Control = default | `extra`, then a COMPLETION_WAIT (S=1, I as given): body(v) once
// it completed.
template <typename F>
void after_completion_wait(kernel::Test& t, uint64_t extra, bool interrupt, F body) {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  IommuMsi msi(t, v, extra);
  if (!msi.ok()) return;
  if (t.check("cmd.sync", kCompletionWait, completion_wait(v, interrupt), "COMPLETION_WAIT (S=1, I=%d) did not complete",
              interrupt))
    body(v);
}

}  // namespace

VIOMMU_TEST(amd_vi_irq_cap, "amd-vi.irq.msi_capability", "amd-vi,irq") {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  // The IOMMU function carries an MSI capability through which it signals its interrupts.
  const uint8_t cap = v->pci()->find_capability(drivers::amd_vi::kPciCapMsi);
  if (!t.check("irq.msi_capability", kMsiCapability, cap != 0, "%s", "no MSI capability (ID 05h) on the IOMMU function"))
    return;
  uint64_t addr = 0;
  uint32_t data = 0;
  if (!arch::msi_message(kIommuVector, &addr, &data)) return t.skip("no MSI message for this architecture");
  t.check("irq.msi_capability", kMsiCapability, v->pci()->msi_enable(addr, data), "%s",
          "programming the MSI capability failed");
  t.expect_eq("irq.msi.address", kMsiCapability, static_cast<uint32_t>(addr), v->pci()->cfg_read32(cap + 4));
  t.expect_eq("irq.msi.enable", kMsiCapability, 1, v->pci()->cfg_read16(cap + 2) & 1);
  v->pci()->msi_disable();
}

VIOMMU_TEST(amd_vi_irq_cw, "amd-vi.irq.completion_wait_interrupt", "amd-vi,irq") {
  // With I=1 the IOMMU signals the completion through its MSI when ComWaitIntEn=1.
  after_completion_wait(t, control_bits(false, true), true, [&](AmdVi*) {
    const bool delivered = kernel::wait_until([] { return g_count[0] != 0; }, kIrqWaitMs);
    t.check("irq.delivered", kComWaitIntEnable, delivered, "no MSI at vector 0x%x within %u ms of the completion",
            kIommuVector, kIrqWaitMs);
    kernel::wait_until([] { return false; }, kQuietMs);
    if (delivered) t.expect_eq("irq.count", kInterruptCount, 1, g_count[0]);
  });
}

VIOMMU_TEST(amd_vi_irq_cw_status, "amd-vi.irq.completion_wait_status", "amd-vi,irq") {
  // ComWaitInt is set by a COMPLETION_WAIT with I=1 (whether or not the MSI is enabled).
  after_completion_wait(t, control_bits(false, true), true, [&](AmdVi* v) {
    s::Status st;
    st.set_raw(v->read(s::Mmio::kStatus));
    t.expect_eq("reg.Status.ComWaitInt", kComWaitInt, 1, st.com_wait_int());
  });
}

VIOMMU_TEST(amd_vi_irq_cw_disabled, "amd-vi.irq.completion_wait_int_disabled", "amd-vi,irq") {
  // ComWaitIntEn=0: a COMPLETION_WAIT with I=1 sets ComWaitInt but signals no interrupt.
  after_completion_wait(t, control_bits(false, false), true, [&](AmdVi*) {
    kernel::wait_until([] { return g_count[0] != 0; }, kQuietMs);
    t.check("irq.ComWaitIntEn", kComWaitIntEnable, g_count[0] == 0,
            "%u MSIs for a COMPLETION_WAIT with I=1 while Control.ComWaitIntEn=0", g_count[0]);
  });
}

VIOMMU_TEST(amd_vi_irq_cw_no_i, "amd-vi.irq.completion_wait_without_i", "amd-vi,irq") {
  // I=0 asks for no interrupt even with ComWaitIntEn=1.
  after_completion_wait(t, control_bits(false, true), false, [&](AmdVi*) {
    kernel::wait_until([] { return g_count[0] != 0; }, kQuietMs);
    t.check("irq.none", kComWaitInt, g_count[0] == 0, "%u MSIs for a COMPLETION_WAIT with I=0", g_count[0]);
  });
}

namespace {
// One IO_PAGE_FAULT from virtio-blk with the IOMMU's MSI enabled as `extra` says; `body` checks.
template <typename F>
void with_event(kernel::Test& t, uint64_t extra, uint16_t domain, F body) {
  with_domain(t, 3, domain, [&](AmdVi* v, Domain& a) {
    v->reset_event_log();
    IommuMsi msi(t, v, extra);
    if (!msi.ok()) return;
    a.ep()->read(0x5000, 512);  // unmapped IOVA: IO_PAGE_FAULT
    const bool logged = kernel::wait_until([&] { return v->pending_events() > 0; }, kIrqWaitMs);
    body(v, logged);
    v->reset_event_log();
  });
}
}  // namespace

VIOMMU_TEST(amd_vi_irq_event, "amd-vi.irq.event_interrupt", "amd-vi,irq,dma,event") {
  with_event(t, control_bits(true, false), 0x71, [&](AmdVi*, bool logged) {
    // Writing an event-log entry with EventIntEn=1 signals the IOMMU's MSI.
    if (!t.check("event.logged", kEventLogged, logged, "%s", "no event logged for a DMA to an unmapped IOVA")) return;
    const bool delivered = kernel::wait_until([] { return g_count[0] != 0; }, kIrqWaitMs);
    t.check("irq.delivered", kEventIntEnable, delivered, "no MSI at vector 0x%x within %u ms of the event",
            kIommuVector, kIrqWaitMs);
  });
}

VIOMMU_TEST(amd_vi_irq_event_disabled, "amd-vi.irq.event_int_disabled", "amd-vi,irq,dma,event") {
  with_event(t, control_bits(false, true), 0x72, [&](AmdVi*, bool logged) {
    // EventIntEn=0: the event is logged, EventLogInt set, and no interrupt signalled.
    if (!t.check("event.logged", kEventLogged, logged, "%s", "no event logged for a DMA to an unmapped IOVA")) return;
    kernel::wait_until([] { return g_count[0] != 0; }, kQuietMs);
    t.check("irq.EventIntEn", kEventIntEnable, g_count[0] == 0, "%u MSIs for an event logged while EventIntEn=0",
            g_count[0]);
  });
}
