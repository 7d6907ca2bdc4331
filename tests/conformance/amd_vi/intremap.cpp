// amd-vi.ir.*: interrupt remapping of an endpoint's MSI (48882 §2.2.5; the IRTE subsections unverified,
// see clauses.h). edu's MSI (QEMU docs/specs/edu.rst: MSI when its capability is enabled, raised by writing the interrupt raise register 60h)
// carries an IRTE index in data[10:0]; the DTE (IV=1, IntCtl=10b) points at a table of 32-bit IRTEs
// (Control.GAEn=0, §2.2.5.1). The delivered vector and destination are checked against remap_msi().
// Runs only where the machine offers remapping: QEMU's IVRS lists the IOAPIC (special entry 48h) only
// with -device amd-iommu,intremap=on (inferred from QEMU's build_amd_iommu()), otherwise SKIP.
#include "drivers/endpoints/edu.h"
#include "drivers/iommu/amd_vi/interrupts.h"
#include "kernel/arch.h"
#include "tests/conformance/amd_vi/fixture.h"

using namespace amd_vi_tests;  // NOLINT
using drivers::amd_vi::IntRemapTable;

namespace {

constexpr uint32_t kEduVector = arch::kFirstDeviceIrq + 0x21;
constexpr uint32_t kIrqWaitMs = 300;
constexpr uint32_t kQuietMs = 50;
constexpr uint64_t kEduIrqRaise = 0x60, kEduIrqAck = 0x64;  // edu.rst
constexpr unsigned kGoodIndex = 3, kBlockedIndex = 4;
constexpr unsigned kTableLen = 4;  // IntTabLen 4: 16 IRTEs
constexpr uint64_t kMsiAddress = s::kMsiWindowBase;  // destination comes from the IRTE, not the address

volatile unsigned g_edu_irqs = 0;
void count_edu(void*) { g_edu_irqs = g_edu_irqs + 1; }

// edu behind a DTE that remaps its interrupts through `table`; everything undone on destruction.
class RemappedEdu {
 public:
  RemappedEdu(kernel::Test& t, AmdVi* v, IntRemapTable& table) : t_(t), v_(v) {
    if (!v->ivrs().has_ioapic) {
      t.skip("interrupt remapping not offered (no IOAPIC entry in IVRS: QEMU needs amd-iommu,intremap=on)");
      return;
    }
    fn_ = kernel::Pci::find(drivers::Edu::kPciVendor, drivers::Edu::kPciDevice);
    if (!fn_) {
      t.skip("no edu device");
      return;
    }
    if (!table.ok()) {
      t.error("no memory for the interrupt remapping table");
      return;
    }
    fn_->enable(true);  // memory decode for BAR0 (the raise register) and bus mastering (the MSI write)
    devid_ = drivers::amd_vi::device_id_of(fn_->rid());
    // V=1, TV=1, Mode 0 with IR=IW=1: DMA untranslated (§2.2.2.1), interrupts through the table.
    s::Dte d;
    d.set_v(1).set_tv(1).set_mode(0).set_ir(1).set_iw(1).set_domain_id(0x7e);
    table.attach(d);
    if (!t.check("cmd.sync", kCompletionWait, v->set_dte(devid_, d), "DTE update for DeviceID 0x%x did not complete",
                 devid_))
      return;
    g_edu_irqs = 0;
    if (!arch::irq_attach(kEduVector, count_edu, nullptr, true)) {
      t.error("cannot attach vector 0x%x", kEduVector);
      return;
    }
    attached_ = true;
    ok_ = true;
  }
  ~RemappedEdu() {
    if (fn_) fn_->msi_disable();
    if (attached_) arch::irq_detach(kEduVector);
    if (devid_) v_->release(devid_);
  }
  bool ok() const { return ok_; }
  uint16_t devid() const { return devid_; }

  // INVALIDATE_INTERRUPT_TABLE after an IRTE changed, then a completion wait.
  bool invalidate() {
    s::InvalidateInterruptTable c;
    c.set_device_id(devid_);
    v_->queue(c);
    return v_->sync();
  }
  // edu sends one MSI with data = `index` (an IRTE index, §2.2.5: data[10:0]).
  bool raise(unsigned index) {
    if (!fn_->msi_enable(kMsiAddress, index)) {
      t_.error("edu has no MSI capability");
      return false;
    }
    kernel::Mmio regs = fn_->bar_mmio(0);
    regs.write32(kEduIrqRaise, 1);
    return true;
  }
  void ack() { fn_->bar_mmio(0).write32(kEduIrqAck, 1); }

 private:
  kernel::Test& t_;
  AmdVi* v_;
  kernel::PciFunction* fn_ = nullptr;
  uint16_t devid_ = 0;
  bool attached_ = false, ok_ = false;
};

// The IRTE delivering kEduVector (fixed, physical) to this CPU's local APIC.
bool irte_for_this_cpu(s::Irte32& e) {
  uint64_t addr = 0;
  uint32_t data = 0;
  if (!arch::msi_message(kEduVector, &addr, &data)) return false;
  e.set_remap_en(1).set_int_type(0).set_dm(0).set_destination((addr >> 12) & 0xff).set_vector(kEduVector);
  return true;
}

// edu's MSIs go through a fresh interrupt remapping table whose IRTE `index` delivers kEduVector to this
// CPU with RemapEn as given, invalidated: then body(v, edu, irte).
template <typename F>
void with_irte(kernel::Test& t, unsigned index, bool remap_en, F body) {
  AmdVi* v = need_iommu(t);
  if (!v) return;
  IntRemapTable table(kTableLen);
  RemappedEdu edu(t, v, table);
  if (!edu.ok()) return;
  s::Irte32 e;
  if (!irte_for_this_cpu(e)) return t.skip("no MSI message for this architecture");
  e.set_remap_en(remap_en);  // RemapEn=0 -> the interrupt is target aborted
  table.set(index, e);
  if (t.check("cmd.sync", kCompletionWait, edu.invalidate(), "%s",
              "INVALIDATE_INTERRUPT_TABLE + COMPLETION_WAIT did not complete"))
    body(v, edu, e);
}

}  // namespace

VIOMMU_TEST(amd_vi_ir_remapped, "amd-vi.ir.edu_msi_remapped", "amd-vi,irq,ir") {
  with_irte(t, kGoodIndex, true, [&](AmdVi* v, RemappedEdu& edu, const s::Irte32& e) {
    // What the model says the message becomes.
    const model::amd_vi::MsiResult want = model_of(v).remap_msi(edu.devid(), kMsiAddress, kGoodIndex);
    t.check("oracle", kernel::kSuite,
            want.delivered && want.remapped && want.vector == kEduVector && want.destination == e.destination(),
            "model: MSI index %u of DeviceID 0x%x %s to vector 0x%x destination 0x%x, the case expects vector 0x%x "
            "destination 0x%x",
            kGoodIndex, edu.devid(), want.delivered ? "delivered" : "aborted", static_cast<unsigned>(want.vector),
            static_cast<unsigned>(want.destination), kEduVector, static_cast<unsigned>(e.destination()));
    if (!edu.raise(kGoodIndex)) return;
    const bool delivered = kernel::wait_until([] { return g_edu_irqs != 0; }, kIrqWaitMs);
    t.check("irq.remapped", kIrte, delivered, "edu's MSI (data %u) did not arrive at vector 0x%x within %u ms",
            kGoodIndex, static_cast<unsigned>(want.vector), kIrqWaitMs);
    edu.ack();
  });
}

VIOMMU_TEST(amd_vi_ir_blocked, "amd-vi.ir.irte_not_remapped_blocks", "amd-vi,irq,ir") {
  with_irte(t, kBlockedIndex, false, [&](AmdVi* v, RemappedEdu& edu, const s::Irte32&) {
    const model::amd_vi::MsiResult want = model_of(v).remap_msi(edu.devid(), kMsiAddress, kBlockedIndex);
    t.check("oracle", kernel::kSuite, !want.delivered, "%s", "model: MSI through an IRTE with RemapEn=0 delivered");
    if (!edu.raise(kBlockedIndex)) return;
    kernel::wait_until([] { return g_edu_irqs != 0; }, kQuietMs);
    t.check("irq.blocked", kIrteBlocked, g_edu_irqs == 0, "%u interrupts through an IRTE with RemapEn=0",
            static_cast<unsigned>(g_edu_irqs));
    edu.ack();
  });
}

VIOMMU_TEST(amd_vi_ir_blocked_event, "amd-vi.ir.irte_not_remapped_event", "amd-vi,irq,ir,event") {
  with_irte(t, kBlockedIndex, false, [&](AmdVi* v, RemappedEdu& edu, const s::Irte32&) {
    v->reset_event_log();
    // A blocked interrupt request is an IO_PAGE_FAULT with I=1 for the MSI address (VirtualBox, the model).
    const model::amd_vi::MsiResult want = model_of(v).remap_msi(edu.devid(), kMsiAddress, kBlockedIndex);
    if (!t.check("oracle", kernel::kSuite, want.has_event, "%s", "model: no event for the blocked MSI")) return;
    if (!edu.raise(kBlockedIndex)) return;
    s::Event got;
    if (next_event(t, v, got)) {
      expect_event(t, want.event, got);
    }
    edu.ack();
    v->reset_event_log();
  });
}
