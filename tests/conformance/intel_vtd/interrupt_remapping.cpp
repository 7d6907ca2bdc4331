// intel-vtd.ir.*: interrupt remapping of an endpoint's MSI (VT-d chapter 5). edu (QEMU docs/specs/edu.rst: one MSI
// per write of its interrupt raise register 60h while its MSI capability is enabled) sends a remappable-format
// message (address bit 4 = 1, the handle in address bits 19:5 and 2, SHV in bit 3, the subhandle in data[15:0])
// through a table of 16-byte IRTEs (IRTA_REG, SIRTP -> IRTPS, global IEC invalidation, IRE -> IRES). The IRTE
// names a vector this CPU counts (kernel::Msi), so "delivered with the IRTE's vector and destination" is an arrival
// at that vector and nowhere else; "blocked" is no arrival within kQuietMs at the vector the (refused) IRTE names,
// plus the fault record's FR, SID and FI[63:48] = the interrupt index.
//
// Under KVM, intremap=on needs -machine kernel-irqchip=split (QEMU x86-iommu.c refuses kernel-irqchip=on): the
// IOAPIC must be emulated in QEMU for its messages to pass the remapping unit; under TCG (these runs) the option is
// accepted and has no effect, and ECAP.EIM = 0 (xAPIC destinations only: IRTE.DST[15:8]). QEMU caches no IRTE
// itself (a changed IRTE is used at once under TCG); its IEC invalidation is what updates the MSI routes KVM
// holds for irqfds (x86_iommu_iec_notify_all), so under KVM the old entry may be seen until then: iec_* accept
// either before the invalidation (OPEN) and require the new one after it. The reference model (hosted runner,
// model-intel-vtd) caches IRTEs (model::intel_vtd::Config::iec_entries): before the invalidation it uses the old one.
#include "drivers/endpoints/edu.h"
#include "drivers/iommu/intel_vtd/interrupt_remapping.h"
#include "kernel/msi.h"
#include "kernel/pci.h"
#include "tests/conformance/intel_vtd/fixture.h"

using namespace intel_vtd_tests;  // NOLINT
using drivers::intel_vtd::InterruptRemapTable;

namespace {

constexpr uint32_t kIrqWaitMs = 300;   // a delivered MSI: edu sends it at once (TCG: well inside this)
constexpr uint32_t kQuietMs = 100;     // a blocked MSI: how long the case listens for it anyway
constexpr uint32_t kFaultWaitMs = 200;
constexpr uint64_t kEduIrqRaise = 0x60, kEduIrqAck = 0x64;  // edu.rst
constexpr unsigned kTableSize = 7;  // IRTA.S 7: 256 IRTEs, one page

// A vector this CPU counts, and the IRTE that delivers to it.
struct Target {
  kernel::Msi msi;
  uint8_t vector = 0, apic_id = 0;
  bool allocate() {
    if (!msi.allocate()) return false;
    vector = static_cast<uint8_t>(msi.data() & 0xff);  // compatibility format: data[7:0] vector, address[19:12] id
    apic_id = static_cast<uint8_t>((msi.address() >> 12) & 0xff);
    return true;
  }
  s::Irte irte() const { return drivers::intel_vtd::fixed_irte(vector, apic_id); }
};

// edu with its MSIs going through a fresh interrupt remapping table; remapping, CFI and the faults undone at the end.
class RemappedEdu {
 public:
  RemappedEdu(kernel::Test& t, unsigned size_field = kTableSize) : t_(t), table_(size_field) {
    ok_ = setup(size_field);
  }
  ~RemappedEdu() {
    if (fn_) {
      fn_->msi_disable();
      fn_->bar_mmio(0).write32(kEduIrqAck, ~0u);
    }
    if (v_ && v_->gsts().cfis() && !drivers::intel_vtd::set_compatibility_format(*v_, false))
      t_.note("CFI not cleared: %s", v_->last_error());
    if (v_ && v_->gsts().ires() && !drivers::intel_vtd::disable_interrupt_remapping(*v_))
      t_.note("interrupt remapping not turned off: %s", v_->last_error());
    if (v_ && !qi_was_on_ && v_->queued_invalidation_enabled() && !v_->set_queued_invalidation(false))
      t_.note("queued invalidation not turned off again: %s", v_->last_error());
    if (v_) v_->clear_faults();
  }
  bool ok() const { return ok_; }
  IntelVtd* v() { return v_; }
  InterruptRemapTable& table() { return table_; }
  Target& a() { return a_; }
  Target& b() { return b_; }
  uint16_t sid() const { return fn_->rid(); }

  // edu sends one MSI (address, data) as given; the case printed it first.
  bool raise(uint32_t address, uint32_t data) {
    t_.note("edu MSI: address 0x%08x data 0x%08x", address, data);
    if (!fn_->msi_enable(address, data)) {
      t_.error("edu has no MSI capability");
      return false;
    }
    fn_->bar_mmio(0).write32(kEduIrqRaise, 1);
    return true;
  }
  // A remappable-format message selecting `handle` (with the subhandle when shv).
  bool raise_remappable(uint32_t handle, bool shv = false, uint16_t subhandle = 0) {
    return raise(s::RemappableMsiAddress::of(handle, shv).value, subhandle);
  }
  void ack() { fn_->bar_mmio(0).write32(kEduIrqAck, ~0u); }

  // The message arrived at `at` (and nothing at the other vector).
  void expect_delivered(const char* id, const kernel::Clause& c, Target& at, const char* what) {
    Target& other = &at == &a_ ? b_ : a_;
    const bool got = at.msi.wait(kIrqWaitMs);
    ack();
    t_.check(id, c, got && other.msi.unconsumed() == 0,
             "%s: waited %u ms for vector 0x%x: %s; %u arrival(s) at the other vector 0x%x", what, kIrqWaitMs,
             at.vector, got ? "arrived" : "nothing", other.msi.unconsumed(), other.vector);
  }
  // Nothing arrived at either vector within kQuietMs.
  void expect_blocked(const char* id, const kernel::Clause& c, const char* what) {
    kernel::wait_until([&] { return a_.msi.unconsumed() + b_.msi.unconsumed() != 0; }, kQuietMs);
    ack();
    t_.check(id, c, a_.msi.unconsumed() + b_.msi.unconsumed() == 0,
             "%s: %u arrival(s) at vector 0x%x and %u at 0x%x within %u ms (expected none)", what,
             a_.msi.unconsumed(), a_.vector, b_.msi.unconsumed(), b_.vector, kQuietMs);
  }
  // The unit's next fault record: FR, SID and (when the reason has one) FI[63:48] = index, FI[47:12] = 0.
  void expect_fault(s::FaultReason reason, uint32_t index, bool has_index = true) {
    s::FaultRecord r;
    unsigned n = 0;
    const bool got = v_->next_fault(r, &n, kFaultWaitMs);
    if (t_.check("fault.recorded", kIrRecorded, got,
                 "no fault recorded within %u ms (FSTS 0x%08x), expected FR 0x%02x (%s)", kFaultWaitMs,
                 v_->fsts().value, static_cast<unsigned>(reason), s::to_string(reason))) {
      t_.expect_eq("fault.FR", kFaultReason, static_cast<uint64_t>(reason), r.fr());
      t_.expect_eq("fault.SID", kFaultSid, sid(), r.sid());
      if (has_index) {
        t_.expect_eq("fault.FI.interrupt_index", kFaultIrIndex, index, r.interrupt_index());
        t_.expect_eq("fault.FI.47_12", kFaultIrIndex, 0, (r.words[0] >> 12) & ((uint64_t{1} << 36) - 1));
      }
    }
    v_->clear_faults();
  }
  // No fault record within kFaultWaitMs.
  void expect_no_fault(const char* id, const kernel::Clause& c) {
    s::FaultRecord r;
    unsigned n = 0;
    const bool got = v_->next_fault(r, &n, kFaultWaitMs);
    t_.check(id, c, !got, "a fault was recorded: FR 0x%02x SID 0x%04x FI[63:48] 0x%llx", static_cast<unsigned>(r.fr()),
             static_cast<unsigned>(r.sid()), static_cast<unsigned long long>(r.interrupt_index()));
    v_->clear_faults();
  }

 private:
  bool setup(unsigned size_field) {
    kernel::Test& t = t_;
    v_ = need_iommu(t);
    if (!v_) return false;
    if (!v_->ecap().ir()) return skip("ECAP.IR=0: no interrupt remapping (QEMU needs intel-iommu,intremap=on)");
    fn_ = kernel::Pci::find(drivers::Edu::kPciVendor, drivers::Edu::kPciDevice);
    if (!fn_) return skip("no edu device");
    if (!a_.allocate() || !b_.allocate()) return skip(kernel::Msi::kUnavailable);
    if (!table_.ok()) {
      t.error("no DMA memory for the interrupt remapping table");
      return false;
    }
    fn_->enable(true);  // memory decode for the raise register, bus mastering for the MSI write
    qi_was_on_ = v_->queued_invalidation_enabled();
    v_->clear_faults();
    t.note("IRTA 0x%llx (S=%u: %u IRTEs), edu %02x:%02x.%x, vectors 0x%x/0x%x to APIC %u",
           static_cast<unsigned long long>(table_.irta().raw()), size_field, table_.entries(), fn_->rid() >> 8,
           (fn_->rid() >> 3) & 0x1f, fn_->rid() & 7, a_.vector, b_.vector, a_.apic_id);
    return t.check("reg.GSTS.IRES", kIrEnableStatus, drivers::intel_vtd::enable_interrupt_remapping(*v_, table_),
                   "%s", v_->last_error());
  }
  bool skip(const char* why) {
    t_.skip("%s", why);
    return false;
  }

  kernel::Test& t_;
  IntelVtd* v_ = nullptr;
  kernel::PciFunction* fn_ = nullptr;
  InterruptRemapTable table_;
  Target a_, b_;
  bool ok_ = false, qi_was_on_ = false;
};

// The IRTE at `index` changed from vector a to vector b, edu's MSI sent before (OPEN: either) and after the IEC
// invalidation (the new vector).
void iec_case(kernel::Test& t, bool index_selective) {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  constexpr uint32_t kIndex = 9;
  edu.table().set(kIndex, edu.a().irte());
  if (!t.check("qi.sync", kQueueComplete, drivers::intel_vtd::invalidate_iec(*edu.v(), true, kIndex), "%s",
               edu.v()->last_error()))
    return;
  if (!edu.raise_remappable(kIndex)) return;
  edu.expect_delivered("irq.remapped", kIrRemap, edu.a(), "before the change (IRTE vector a)");
  edu.table().set(kIndex, edu.b().irte());
  if (!edu.raise_remappable(kIndex)) return;
  const bool old_seen = edu.a().msi.wait(kIrqWaitMs);
  const bool new_seen = !old_seen && edu.b().msi.wait(kIrqWaitMs);
  edu.ack();
  t.check("irq.stale_or_new", kIecStale, old_seen || new_seen, "changed IRTE, not invalidated: no MSI at 0x%x (old) "
          "or 0x%x (new) within %u ms", edu.a().vector, edu.b().vector, kIrqWaitMs);
  t.note("iec.cached (OPEN; the reference model caches IRTEs, so it uses the old one): before the invalidation "
         "the unit used the %s IRTE",
         old_seen ? "cached old" : new_seen ? "new" : "(no)");
  const bool done = index_selective ? drivers::intel_vtd::invalidate_iec(*edu.v(), true, kIndex)
                                    : drivers::intel_vtd::invalidate_iec(*edu.v(), false);
  if (!t.check("qi.sync", kQueueComplete, done, "%s", edu.v()->last_error())) return;
  if (!edu.raise_remappable(kIndex)) return;
  edu.expect_delivered("irq.invalidated", kIecInvalidated, edu.b(),
                       index_selective ? "after index-selective IEC invalidation" : "after global IEC invalidation");
}

}  // namespace

VIOMMU_TEST(intel_vtd_ir_remapped, "intel-vtd.ir.remapped", "intel-vtd,irq,ir") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  constexpr uint32_t kIndex = 5;
  // IRTA as programmed (base and S; EIME 0): the register the SIRTP handshake latched.
  t.expect_eq("reg.IRTA", kIrtaReadback, edu.table().irta().raw(), edu.v()->read(s::reg::kIrta));
  edu.table().set(kIndex, edu.a().irte());
  edu.table().set(kIndex + 1, edu.b().irte());  // the neighbour names the other vector: a wrong index shows
  if (!edu.raise_remappable(kIndex)) return;
  edu.expect_delivered("irq.remapped", kIrRemap, edu.a(), "remappable MSI, handle 5, SHV=0");
  edu.expect_no_fault("fault.none", kIrRemap);
}

VIOMMU_TEST(intel_vtd_ir_subhandle, "intel-vtd.ir.subhandle", "intel-vtd,irq,ir") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  // handle 0x20 + subhandle 0x13 = index 0x33; the IRTE at the handle alone names the other vector.
  edu.table().set(0x20, edu.b().irte());
  edu.table().set(0x33, edu.a().irte());
  if (!edu.raise_remappable(0x20, true, 0x13)) return;
  edu.expect_delivered("irq.remapped", kIrRemap, edu.a(), "SHV=1 handle 0x20 subhandle 0x13 (index 0x33)");
  // SHV=0: the same address without SHV selects the handle's own entry; data is then not a subhandle.
  if (!edu.raise_remappable(0x20, false, 0x13)) return;
  edu.expect_delivered("irq.remapped_shv0", kIrRemap, edu.b(), "SHV=0 handle 0x20 (data ignored for the index)");
}

VIOMMU_TEST(intel_vtd_ir_not_present, "intel-vtd.ir.irte_not_present", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  // Everything but P: a unit that ignored P would deliver at vector a. Selected as handle 8 + subhandle 3, so
  // FI must hold the computed interrupt_index 11, not the handle.
  edu.table().set(11, edu.a().irte().set_p(0));
  if (!edu.raise_remappable(8, true, 3)) return;
  edu.expect_blocked("irq.blocked", kIrBlocked, "IRTE 11 P=0");
  edu.expect_fault(s::FaultReason::kIrteNotPresent, 11);
}

VIOMMU_TEST(intel_vtd_ir_beyond_size, "intel-vtd.ir.index_beyond_size", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t, 3);  // IRTA.S 3: 16 IRTEs
  if (!edu.ok()) return;
  // The slot past the end (still inside the table's page) holds a valid IRTE: a unit ignoring S would deliver.
  edu.table().set(20, edu.a().irte());
  if (!edu.raise_remappable(20)) return;
  edu.expect_blocked("irq.blocked", kIrBlocked, "index 20 with 16 IRTEs (IRTA.S=3)");
  edu.expect_fault(s::FaultReason::kIrIndexBeyondSize, 20);
}

VIOMMU_TEST(intel_vtd_ir_reserved, "intel-vtd.ir.irte_reserved", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  s::Irte e = edu.a().irte();
  e.words[0] |= uint64_t{1} << 24;  // IRTE bits 31:24 are reserved (s::Irte::kReserved0)
  edu.table().set(7, e);
  if (!edu.raise_remappable(7)) return;
  edu.expect_blocked("irq.blocked", kIrBlocked, "IRTE 7 with reserved bit 24 set");
  edu.expect_fault(s::FaultReason::kIrteReserved, 7);
}

VIOMMU_TEST(intel_vtd_ir_fpd, "intel-vtd.ir.irte_fpd", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  s::Irte e = edu.a().irte();
  e.set_fpd(1);
  e.words[0] |= uint64_t{1} << 24;  // a qualified fault (reserved field) the FPD suppresses the record of
  edu.table().set(7, e);
  if (!edu.raise_remappable(7)) return;
  edu.expect_blocked("irq.blocked", kIrBlocked, "IRTE 7 FPD=1 with reserved bit 24 set");
  edu.expect_no_fault("fault.none", kIrFpd);
}

VIOMMU_TEST(intel_vtd_ir_source_id, "intel-vtd.ir.source_id", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  // SVT=01b, SQ=00b: all 16 bits of SID must match the requester. First edu's own, then another function's.
  s::Irte mine = edu.a().irte();
  mine.set_svt(static_cast<uint64_t>(s::Svt::kRequesterId)).set_sq(0).set_sid(edu.sid());
  s::Irte other = edu.b().irte();
  other.set_svt(static_cast<uint64_t>(s::Svt::kRequesterId)).set_sq(0).set_sid(edu.sid() ^ 0x8);  // devfn + 1 device
  edu.table().set(2, mine);
  edu.table().set(3, other);
  if (!edu.raise_remappable(2)) return;
  edu.expect_delivered("irq.sid_match", kIrRemap, edu.a(), "IRTE 2 SVT=01b SID = edu");
  edu.expect_no_fault("fault.none", kIrRemap);
  if (!edu.raise_remappable(3)) return;
  edu.expect_blocked("irq.blocked", kIrBlocked, "IRTE 3 SVT=01b SID = another device");
  edu.expect_fault(s::FaultReason::kIrSourceIdMismatch, 3);
}

VIOMMU_TEST(intel_vtd_ir_compat_blocked, "intel-vtd.ir.compat_blocked", "intel-vtd,irq,ir,fault") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  const s::Gsts g = edu.v()->gsts();
  t.note("GSTS 0x%08x (CFIS %u), IRTA.EIME 0", g.value, static_cast<unsigned>(g.cfis()));
  // A compatibility-format message (address bit 4 = 0) straight to vector a, while CFIS = 0.
  if (!edu.raise(static_cast<uint32_t>(edu.a().msi.address()), edu.a().msi.data())) return;
  edu.expect_blocked("irq.blocked", kIrCompatBlock, "compatibility-format MSI with GSTS.CFIS=0");
  edu.expect_fault(s::FaultReason::kIrCompatibilityBlocked, 0, false);
}

VIOMMU_TEST(intel_vtd_ir_compat_pass, "intel-vtd.ir.compat_passthrough", "intel-vtd,irq,ir") {
  RemappedEdu edu(t);
  if (!edu.ok()) return;
  t.check("reg.GSTS.CFIS", kIrCfiStatus, drivers::intel_vtd::set_compatibility_format(*edu.v(), true), "%s",
          edu.v()->last_error());
  // Whatever CFIS says, CFI=1 was written: the message must pass untranslated.
  if (!edu.raise(static_cast<uint32_t>(edu.a().msi.address()), edu.a().msi.data())) return;
  edu.expect_delivered("irq.passthrough", kIrCompatBlock, edu.a(), "compatibility-format MSI with GCMD.CFI=1");
  edu.expect_no_fault("fault.none", kIrCompatBlock);
}

VIOMMU_TEST(intel_vtd_ir_iec_index, "intel-vtd.ir.iec_index_selective", "intel-vtd,irq,ir,inval") {
  iec_case(t, true);
}

VIOMMU_TEST(intel_vtd_ir_iec_global, "intel-vtd.ir.iec_global", "intel-vtd,irq,ir,inval") { iec_case(t, false); }
