// riscv-iommu.irq.*: the IOMMU's own interrupts as MSIs (fctl.WSI = 0; §5.18 ipsr, §5.28 icvec, §5.29
// msi_cfg_tbl, §6.5, §7.1): the MSI-X table of the PCI function is msi_cfg_tbl; icvec is WARL with 2^N vectors;
// a fault record with fqcsr.fie sets ipsr.fip and sends the message of the vector icvec.fiv selects, once per
// 0->1 transition of the bit; ipsr is RW1C and a bit whose condition persists comes back (with a new message);
// cmd_ill with cqcsr.cie sets ipsr.cip; a masked vector holds its message until unmasked. The target of the
// messages is a kernel::Msi (an identity of the boot hart's IMSIC): every wait is bounded.
#include "kernel/msi.h"
#include "spec/pci.h"
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

constexpr uint32_t kIrqMs = 200;    // an MSI the device owes
constexpr uint32_t kQuietMs = 30;   // a window in which no MSI may come

void quiet() { (void)kernel::wait_until([] { return false; }, kQuietMs); }

s::Icvec icvec_ones() {
  s::Icvec c;
  c.set_civ(0xf).set_fiv(0xf).set_pmiv(0xf).set_piv(0xf);
  return c;
}

// The highest vector both civ and fiv can name ("writing 0xF to each field and reading back").
unsigned max_vector(RiscvIommu* v) {
  v->set_icvec(icvec_ones());
  const s::Icvec r = v->icvec();
  v->set_icvec(s::Icvec{});
  return static_cast<unsigned>(r.civ() < r.fiv() ? r.civ() : r.fiv());
}

// The IOMMU's interrupts for the length of a case: a kernel::Msi as the message of msi_cfg_tbl entry
// vector(), which icvec.civ and icvec.fiv select; cqcsr.cie and fqcsr.fie as asked. Everything off again on the
// way out. ok() false after t.skip (no MSI target / no MSI-X) or t.error.
class IommuIrq {
 public:
  IommuIrq(kernel::Test& t, RiscvIommu* v, unsigned want_vector, bool cie, bool fie) : v_(v) {
    if (!msi_.allocate()) {
      t.skip("%s", kernel::Msi::kUnavailable);
      return;
    }
    v->disable_interrupts();  // nothing pending, nothing enabled
    // The vector: the one asked for when icvec has room for it, else the highest it has.
    const unsigned top = max_vector(v);
    vector_ = want_vector <= top ? want_vector : top;
    if (!t.check("irq.msix", kMsixRecommended, v->set_msi(vector_, msi_.address(), msi_.data()), "%s",
                 v->last_error())) {
      t.skip("the IOMMU function has no usable MSI-X");
      return;
    }
    s::Icvec c;
    c.set_civ(vector_).set_fiv(vector_);
    v->set_icvec(c);
    if (v->icvec().fiv() != vector_ || v->icvec().civ() != vector_) {
      t.error("icvec 0x%llx after writing civ = fiv = %u", ull(v->icvec().raw()), vector_);
      return;
    }
    v->set_cq_interrupt(cie);
    v->set_fq_interrupt(fie);
    ok_ = true;
  }
  ~IommuIrq() {
    v_->disable_interrupts();
    msi_.release();
  }
  IommuIrq(const IommuIrq&) = delete;
  IommuIrq& operator=(const IommuIrq&) = delete;
  bool ok() const { return ok_; }
  unsigned vector() const { return vector_; }
  kernel::Msi& msi() { return msi_; }

 private:
  RiscvIommu* v_;
  kernel::Msi msi_;
  unsigned vector_ = 0;
  bool ok_ = false;
};

// One record made by edu: a 4-byte write at an IOVA the domain leaves unmapped. False (t.error) when no record
// came (the fault queue is judged by the riscv-iommu.fq.* cases).
bool make_fault(kernel::Test& t, RiscvIommu* v, Domain& a) {
  const uint32_t before = v->fqt();
  (void)a.ep()->write(kTestIova + 0x40, 4);
  if (kernel::wait_until([&] { return v->fqt() != before; }, kIrqMs)) return true;
  t.error("no fault record within %u ms of a DMA to an unmapped IOVA (fqt %u, fqcsr 0x%x)", kIrqMs, v->fqt(),
          v->fqcsr().value);
  return false;
}

// An illegal command (a reserved opcode) at the tail: cmd_ill. False (t.error) when cqcsr does not report it.
bool make_cmd_ill(kernel::Test& t, RiscvIommu* v) {
  s::Command bad;
  bad.set_opcode(5);  // "Reserved for future standard use"
  if (!v->queue(bad)) {
    t.error("command queue full");
    return false;
  }
  if (kernel::wait_until([&] { return v->cqcsr().cmd_ill(); }, kIrqMs)) return true;
  t.error("cqcsr.cmd_ill not set within %u ms of a reserved opcode (%s)", kIrqMs, cq_state(v));
  return false;
}

s::Ipsr ipsr_bits(bool cip, bool fip) {
  s::Ipsr i;
  i.set_cip(cip).set_fip(fip);
  return i;
}

template <typename F>
void with_faulting_edu(kernel::Test& t, uint32_t pscid, F&& body) {
  with_domain(t, first_stage(s::kSv39, pscid), body, "edu");
}

}  // namespace

VIOMMU_TEST(riscv_iommu_irq_msix_table, "riscv-iommu.irq.msix_table", "riscv-iommu,irq") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  kernel::PciFunction* fn = v->pci();
  const uint8_t cap = fn ? fn->find_capability(spec::pci::kCapMsix) : 0;
  if (!t.check("irq.msix", kMsixRecommended, cap != 0, "the IOMMU function has no MSI-X capability")) return;
  // The table the capability names is msi_cfg_tbl of the register BAR.
  spec::pci::MsixTable tbl;
  tbl.value = fn->cfg_read32(cap + spec::pci::kMsixTable);
  const uint64_t table = fn->bar(tbl.bir()).cpu + (tbl.offset_qwords() << 3);
  t.check("msix.table", kMsixTable, tbl.bir() <= 5 && table == v->mmio_base() + s::reg::kMsiCfgTbl.offset,
          "MSI-X table at BAR%u + 0x%llx (0x%llx); msi_cfg_tbl at 0x%llx", static_cast<unsigned>(tbl.bir()),
          ull(tbl.offset_qwords() << 3), ull(table), ull(v->mmio_base() + s::reg::kMsiCfgTbl.offset));
  // An entry written through the PCI view reads back through msi_addr_x / msi_data_x.
  constexpr uint64_t kAddr = 0x2800'0abc;
  constexpr uint32_t kData = 0x5a5;
  if (!fn->msix_enable(1, kAddr & ~uint64_t{3}, kData)) return t.error("MSI-X entry 1 could not be programmed");
  const s::MsiAddr a = v->reg<s::MsiAddr>(s::reg::msi_addr(1));
  const s::MsiData d = v->reg<s::MsiData>(s::reg::msi_data(1));
  t.check("msi_cfg_tbl.entry", kMsixTable, a.addr() == (kAddr & ~uint64_t{3}) && d.data() == kData,
          "msi_addr_1 0x%llx, msi_data_1 0x%x after MSI-X entry 1 = (0x%llx, 0x%x)", ull(a.addr()), static_cast<uint32_t>(d.data()),
          ull(kAddr & ~uint64_t{3}), kData);
  v->disable_interrupts();
}

VIOMMU_TEST(riscv_iommu_irq_icvec, "riscv-iommu.irq.icvec_values", "riscv-iommu,irq") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  // The vectors each field has (0 .. its value after 0xF; riscv-iommu.regs.icvec_vectors judges that value).
  v->set_icvec(icvec_ones());
  const s::Icvec ones = v->icvec();
  const uint64_t f[4] = {ones.civ(), ones.fiv(), ones.pmiv(), ones.piv()};
  static const char* const kName[4] = {"civ", "fiv", "pmiv", "piv"};
  // Every value in every field: a vector the IOMMU has reads back as written; any other reads as one it has.
  unsigned bad = 0;
  for (unsigned x = 0; x < 16; ++x) {
    s::Icvec w;
    w.set_civ(x).set_fiv(x).set_pmiv(x).set_piv(x);
    v->set_icvec(w);
    const s::Icvec r = v->icvec();
    const uint64_t got[4] = {r.civ(), r.fiv(), r.pmiv(), r.piv()};
    for (unsigned i = 0; i < 4; ++i) {
      if (got[i] <= f[i] && (x > f[i] || got[i] == x)) continue;
      if (bad++ < 4) t.note("%s: wrote %u, read %llu (vectors 0..%llu)", kName[i], x, ull(got[i]), ull(f[i]));
    }
  }
  t.check("icvec.values", kIcvecValues, bad == 0, "%u field writes read back a vector the IOMMU lacks or not the "
          "one written", bad);
  v->set_icvec(s::Icvec{});
}

VIOMMU_TEST(riscv_iommu_irq_fq, "riscv-iommu.irq.fault_queue", "riscv-iommu,irq,fault") {
  with_faulting_edu(t, 0xa1, [&](RiscvIommu* v, Domain& a) {
    IommuIrq irq(t, v, 1, false, false);
    if (!irq.ok()) return;
    kernel::Msi& msi = irq.msi();
    // fie = 0: a record, no fip, no message.
    if (!make_fault(t, v, a)) return;
    quiet();
    t.check("ipsr.fip", kIpNotWithoutEnable, !v->ipsr().fip(), "fip set by a record while fqcsr.fie = 0");
    t.check("irq.none", kIpNotWithoutEnable, msi.unconsumed() == 0, "%u MSI(s) while fqcsr.fie = 0",
            msi.unconsumed());
    v->write_ipsr(ipsr_bits(false, true));
    v->drain_faults();
    (void)msi.wait(0);  // consumes a stray one, reported above
    // fie = 1: the next record sets fip and sends the message of msi_cfg_tbl[icvec.fiv].
    v->set_fq_interrupt(true);
    if (!make_fault(t, v, a)) return;
    t.check("ipsr.fip", kFipSet, v->ipsr().fip(), "ipsr 0x%x after a record with fqcsr.fie = 1", v->ipsr().value);
    t.check("ipsr.cip", kCipSet, !v->ipsr().cip(), "cip set by a fault record (cqcsr 0x%x)", v->cqcsr().value);
    t.check("irq.msi", kIrqMessage, msi.wait(kIrqMs), "no MSI (vector %u, data 0x%x) within %u ms of fip", irq.vector(),
            msi.data(), kIrqMs);
    // Another record while fip is still 1: no transition, no message.
    if (!make_fault(t, v, a)) return;
    quiet();
    t.check("irq.edge", kIrqMessage, msi.unconsumed() == 0, "%u more MSI(s) for a record while fip was already 1",
            msi.unconsumed());
    // fip cleared (the records stay in the queue; neither fqof nor fqmf): it reads 0, no message.
    v->write_ipsr(ipsr_bits(false, true));
    t.check("ipsr.clear", kIpsrRw1c, !v->ipsr().fip(), "fip still 1 after writing 1 to it (fqcsr 0x%x)",
            v->fqcsr().value);
    // The next record: fip 0 -> 1 again, a new message.
    if (!make_fault(t, v, a)) return;
    t.check("ipsr.fip_again", kFipSet, v->ipsr().fip(), "ipsr 0x%x after a record following the clear",
            v->ipsr().value);
    t.check("irq.msi_again", kIrqMessage, msi.wait(kIrqMs), "no MSI within %u ms of fip set again", kIrqMs);
    v->drain_faults();
  });
}

VIOMMU_TEST(riscv_iommu_irq_fq_overflow, "riscv-iommu.irq.fault_queue_overflow", "riscv-iommu,irq,fault") {
  with_faulting_edu(t, 0xa2, [&](RiscvIommu* v, Domain& a) {
    IommuIrq irq(t, v, 1, false, true);
    if (!irq.ok()) return;
    kernel::Msi& msi = irq.msi();
    if (!v->reset_fq(1)) return t.error("a 2-record fault queue: %s", v->last_error());
    v->set_fq_interrupt(true);
    // One record fills a 2-record queue; the next fault sets fqof.
    for (unsigned i = 0; i < 4 && !v->fqcsr().fqof(); ++i) (void)a.ep()->write(kTestIova + 0x100 * i, 4);
    if (!v->fqcsr().fqof()) return t.error("fqof clear after 4 faults into a 2-record queue (fqcsr 0x%x)",
                                           v->fqcsr().value);
    t.check("irq.msi", kIrqMessage, msi.wait(kIrqMs), "no MSI within %u ms of fip", kIrqMs);
    (void)msi.wait(kQuietMs);  // a message per record or one for both: either is one transition or two
    // fip cleared while fqof is still 1: the condition is present, fip comes back with a new message.
    v->write_ipsr(ipsr_bits(false, true));
    t.check("ipsr.reassert", kIpsrReassert, v->ipsr().fip(), "fip 0 after its clear although fqcsr.fqof is 1 "
            "(fqcsr 0x%x)", v->fqcsr().value);
    t.check("irq.reassert", kIpsrReassert, msi.wait(kIrqMs), "no new MSI within %u ms of fip coming back (fqof 1)",
            kIrqMs);
    if (!v->reset_fq()) t.error("fault queue reset: %s", v->last_error());
  });
}

VIOMMU_TEST(riscv_iommu_irq_cq, "riscv-iommu.irq.command_queue", "riscv-iommu,irq") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  IommuIrq irq(t, v, 2, true, false);
  if (!irq.ok()) return;
  kernel::Msi& msi = irq.msi();
  if (!make_cmd_ill(t, v)) return;
  t.check("ipsr.cip", kCipSet, v->ipsr().cip(), "ipsr 0x%x with cqcsr.cmd_ill and cie", v->ipsr().value);
  t.check("ipsr.fip", kFipSet, !v->ipsr().fip(), "fip set by a command error (fqcsr 0x%x)", v->fqcsr().value);
  t.check("irq.msi", kIrqMessage, msi.wait(kIrqMs), "no MSI (vector %u, data 0x%x) within %u ms of cip", irq.vector(),
          msi.data(), kIrqMs);
  // cip cleared while cmd_ill is still 1: it comes back, and with it a message.
  v->write_ipsr(ipsr_bits(true, false));
  t.check("ipsr.reassert", kIpsrReassert, v->ipsr().cip(), "cip 0 after its clear although cqcsr.cmd_ill is 1");
  t.check("irq.reassert", kIpsrReassert, msi.wait(kIrqMs), "no new MSI within %u ms of cip coming back "
          "(cmd_ill 1)", kIrqMs);
  // cmd_ill gone (the queue re-enabled: cqen 0 -> 1 clears the error bits and cie; cie set again), then cip
  // cleared: 0 and no message. (Clearing cmd_ill alone would resume processing at the illegal command.)
  if (!v->reset_cq()) return t.error("command queue reset: %s", v->last_error());
  v->set_cq_interrupt(true);
  (void)msi.wait(kQuietMs);  // a message for the clear of cmd_ill is none of this check's business
  v->write_ipsr(ipsr_bits(true, false));
  t.check("ipsr.clear", kIpsrRw1c, !v->ipsr().cip(), "cip still 1 after cmd_ill and cip were cleared (cqcsr 0x%x)",
          v->cqcsr().value);
  quiet();
  t.check("irq.none", kIrqMessage, msi.unconsumed() == 0, "%u MSI(s) after cip was cleared for good",
          msi.unconsumed());
}

VIOMMU_TEST(riscv_iommu_irq_ipsr_rw1c, "riscv-iommu.irq.ipsr_write_zero", "riscv-iommu,irq,fault") {
  with_faulting_edu(t, 0xa3, [&](RiscvIommu* v, Domain& a) {
    IommuIrq irq(t, v, 1, true, true);
    if (!irq.ok()) return;
    // Both pending: cip from cmd_ill, fip from a record.
    if (!make_cmd_ill(t, v) || !make_fault(t, v, a)) return;
    if (!v->ipsr().cip() || !v->ipsr().fip()) return t.error("ipsr 0x%x: cip and fip not both set", static_cast<uint32_t>(v->ipsr().value));
    // cmd_ill gone (the queue re-enabled, cie 0): cip has no condition left but "stays 1 till software clears" it.
    if (!v->reset_cq()) return t.error("command queue reset: %s", v->last_error());
    t.check("ipsr.cip_stays", kIpsrRw1c, v->ipsr().cip(), "cip cleared by the command queue's re-enable (ipsr 0x%x)",
            v->ipsr().value);
    // 1 to fip, 0 to cip: fip clears (no fqof/fqmf, no new record), cip stays.
    v->write_ipsr(ipsr_bits(false, true));
    const s::Ipsr after = v->ipsr();
    t.check("ipsr.write_zero", kIpsrRw1c, after.cip(), "cip cleared by a write of 0 to it (ipsr 0x%x)", after.value);
    t.check("ipsr.clear", kIpsrRw1c, !after.fip(), "fip still 1 after writing 1 to it (ipsr 0x%x)", after.value);
    v->write_ipsr(ipsr_bits(true, false));
    v->drain_faults();
  });
}

VIOMMU_TEST(riscv_iommu_irq_masked, "riscv-iommu.irq.masked_vector", "riscv-iommu,irq,fault") {
  with_faulting_edu(t, 0xa4, [&](RiscvIommu* v, Domain& a) {
    IommuIrq irq(t, v, 3, false, true);
    if (!irq.ok()) return;
    kernel::Msi& msi = irq.msi();
    v->mask_msi(irq.vector(), true);
    t.check("msi_vec_ctl.M", kMsiMask, v->msi_vec_ctl(irq.vector()).m(), "msi_vec_ctl_%u.M reads 0 after 1",
            irq.vector());
    if (!make_fault(t, v, a)) return;
    t.check("ipsr.fip", kFipSet, v->ipsr().fip(), "ipsr 0x%x after a record with fqcsr.fie = 1", v->ipsr().value);
    quiet();
    t.check("irq.masked", kMsiMask, msi.unconsumed() == 0, "%u MSI(s) through a masked vector", msi.unconsumed());
    // Unmasked: the pending message goes out.
    v->mask_msi(irq.vector(), false);
    t.check("irq.unmasked", kMsiMask, msi.wait(kIrqMs), "no MSI within %u ms of unmasking a vector with a pending "
            "message", kIrqMs);
    v->drain_faults();
  });
}

namespace {

// fctl.WSI = `wsi` with the IOMMU Off and both queues off (§5.4 "software must ... before changing fctl"); the
// value read back.
bool set_fctl_wsi(kernel::Test& t, RiscvIommu* v, bool wsi) {
  Quiesced q(t, v);
  if (!q.ok()) return false;
  s::Fctl f = v->reg<s::Fctl>(s::reg::kFctl);
  v->write(s::reg::kFctl, f.set_wsi(wsi).value);
  return v->reg<s::Fctl>(s::reg::kFctl).wsi();
}

}  // namespace

VIOMMU_TEST(riscv_iommu_irq_fence_wsi, "riscv-iommu.irq.iofence_wsi", "riscv-iommu,irq") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  // Wired interrupts where the IOMMU lets them be chosen (capabilities.IGS = MSI makes fctl.WSI read 0; a device
  // that still lets it be set - riscv-iommu.regs.fctl_wsi_warl judges that - claims wired interrupts, and then
  // IOFENCE.C.WSI is a legal request).
  if (!set_fctl_wsi(t, v, true)) return t.skip("fctl.WSI reads 0 after a write of 1: no wired interrupts");
  v->disable_interrupts();
  v->set_cq_interrupt(true);
  s::IofenceCommand c = s::IofenceCommand::c();
  c.set_wsi(1);
  const bool done = v->queue(c) && v->fence();
  const s::Cqcsr csr = v->cqcsr();
  if (done) {
    t.check("cqcsr.fence_w_ip", kFenceWsi, csr.fence_w_ip(), "cqcsr 0x%x after IOFENCE.C with WSI=1 completed",
            csr.value);
    t.check("ipsr.cip", kCipSet, !csr.fence_w_ip() || v->ipsr().cip(), "ipsr 0x%x with cqcsr.fence_w_ip and cie",
            v->ipsr().value);
  } else {
    t.error("IOFENCE.C with WSI=1 did not complete: %s", v->last_error());
  }
  v->disable_interrupts();
  v->clear_cq_errors();
  if (set_fctl_wsi(t, v, false)) t.error("fctl.WSI could not be set back to 0");
}

VIOMMU_TEST(riscv_iommu_irq_vectors, "riscv-iommu.irq.vector_per_cause", "riscv-iommu,irq,fault") {
  with_faulting_edu(t, 0xa6, [&](RiscvIommu* v, Domain& a) {
    // civ and fiv on different vectors, each entry its own message: each cause sends only its own.
    IommuIrq irq(t, v, 1, true, true);
    if (!irq.ok()) return;
    if (max_vector(v) < 2) return t.skip("icvec has fewer than 3 vectors per cause");
    kernel::Msi& cq_msi = irq.msi();
    kernel::Msi fq_msi;
    if (!fq_msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
    if (!v->set_msi(2, fq_msi.address(), fq_msi.data())) return t.error("msi_cfg_tbl entry 2: %s", v->last_error());
    s::Icvec c;
    c.set_civ(irq.vector()).set_fiv(2);
    v->set_icvec(c);
    if (!make_fault(t, v, a)) return;
    t.check("irq.fiv", kIrqMessage, fq_msi.wait(kIrqMs), "no MSI from msi_cfg_tbl[icvec.fiv = 2] within %u ms",
            kIrqMs);
    quiet();
    t.check("irq.civ_quiet", kIrqMessage, cq_msi.unconsumed() == 0, "%u MSI(s) from msi_cfg_tbl[icvec.civ = %u] for a "
            "fault record", cq_msi.unconsumed(), irq.vector());
    if (!make_cmd_ill(t, v)) return;
    t.check("irq.civ", kIrqMessage, cq_msi.wait(kIrqMs), "no MSI from msi_cfg_tbl[icvec.civ = %u] within %u ms",
            irq.vector(), kIrqMs);
    quiet();
    t.check("irq.fiv_quiet", kIrqMessage, fq_msi.unconsumed() == 0, "%u more MSI(s) from msi_cfg_tbl[icvec.fiv] for "
            "cmd_ill", fq_msi.unconsumed());
    if (!v->reset_cq()) t.error("command queue reset: %s", v->last_error());
    v->drain_faults();
  });
}
