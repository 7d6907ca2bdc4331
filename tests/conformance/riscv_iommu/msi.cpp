// riscv-iommu.msi.*: MSI address translation through a flat MSI page table (§2.1.3.6, §2.3.3). A G-stage
// context (msiptp needs one) recognises the guest-physical pages matching msi_addr_pattern outside
// msi_addr_mask as virtual interrupt files; an access there goes through the file's MSI PTE: in basic
// translate mode to msipte.PPN << 12 | A[11:0], ordinary RAM here, so that the endpoint's write (an MSI is a
// write) lands where the PTE says and its read reads from there ("R=W=U=1 and X=0"). Invalid and misconfigured
// MSI PTEs fault; an address outside the pattern is translated by the G-stage. The outcomes are the model's.
#include "kernel/msi.h"
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// The GPA of the virtual interrupt file(s): 512 MiB, mapped by nothing in the G-stage.
constexpr uint64_t kFileGpa = 0x2000'0000;

// A flat MSI page table of `files` entries in one page, and the DC that uses it.
struct MsiTable {
  DmaBlock table{kPage};
  void put(unsigned file, const s::MsiPte& pte) const {
    volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(table.pa + file * s::MsiPte::kBytes);
    p[1] = pte.words[1];
    arch::mb();
    p[0] = pte.words[0];
    arch::mb();
  }
  static s::MsiPte basic(uint64_t pa) {
    s::MsiPte p;
    p.set_v(1).set_m(static_cast<uint64_t>(s::MsiPteMode::kBasic)).set_ppn(pa >> 12);
    return p;
  }
  s::DeviceContext dc_with(s::DeviceContext dc, uint64_t mask) const {
    s::Msiptp m;
    m.set_mode(static_cast<uint64_t>(s::MsiptpMode::kFlat)).set_ppn(table.pa >> 12);
    s::MsiAddrMask am;
    am.set_mask(mask);
    s::MsiAddrPattern ap;
    ap.set_pattern(kFileGpa >> 12);
    return dc.set_msiptp(m).set_msi_addr_mask(am).set_msi_addr_pattern(ap);
  }
};

// edu in a G-stage domain whose DC translates MSIs through `table` (mask `mask`), then body(v, a).
template <typename F>
void with_msi(kernel::Test& t, uint16_t gscid, const MsiTable& table, uint64_t mask, F&& body) {
  with_domain(t, g_stage(s::kSv39x4, gscid), [&](RiscvIommu* v, Domain& a) {
    if (!v->caps().msi_flat()) return t.skip("capabilities.MSI_FLAT=0");
    if (!table.table.pa) return t.error("no DMA memory");
    if (!a.set_context(table.dc_with(a.context(), mask))) return;
    body(v, a);
  }, "edu");
}

}  // namespace

VIOMMU_TEST(riscv_iommu_msi_write, "riscv-iommu.msi.flat_write", "riscv-iommu,dma") {
  MsiTable msi;
  const DmaBlock target(kPage);
  if (!target.pa) return t.error("no DMA memory");
  msi.put(0, MsiTable::basic(target.pa));
  with_msi(t, 0x91, msi, 0, [&](RiscvIommu* v, Domain& a) {
    // The endpoint writes 8 bytes at the file's page + 0x40: they land at the PTE's page + 0x40.
    const auto p = predict(v, a.devid(), kFileGpa + 0x40, kDeviceWrites);
    t.check("oracle", kernel::kSuite, p.ok() && p.msi && p.pa == target.pa + 0x40, "model: %s to 0x%llx (msi %d)",
            model::riscv_iommu::to_string(p.outcome), ull(p.pa), p.msi);
    v->drain_faults();
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kMsiRecognise, kMsiFlat});
    probe.expect_translated(kDeviceWrites, kFileGpa + 0x40, target.pa + 0x40, 8, next_seed());
    expect_record_of(t, v, a.devid(), kFileGpa + 0x40, kDeviceWrites);
  });
}

VIOMMU_TEST(riscv_iommu_msi_read, "riscv-iommu.msi.flat_read", "riscv-iommu,dma") {
  MsiTable msi;
  const DmaBlock target(kPage), file_page(kPage);
  if (!target.pa || !file_page.pa) return t.error("no DMA memory");
  msi.put(0, MsiTable::basic(target.pa));
  with_msi(t, 0x92, msi, 0, [&](RiscvIommu* v, Domain& a) {
    // The file's GPA is also mapped by the G-stage (to another page): a read of it is an access to a virtual
    // interrupt file all the same, and reads the MSI PTE's page.
    if (!a.pt().map_4k(kFileGpa, file_page.pa)) return t.error("no memory for page tables");
    const auto p = predict(v, a.devid(), kFileGpa + 0x80, kDeviceReads);
    t.check("oracle", kernel::kSuite, p.ok() && p.msi && p.pa == target.pa + 0x80, "model: %s to 0x%llx (msi %d)",
            model::riscv_iommu::to_string(p.outcome), ull(p.pa), p.msi);
    v->drain_faults();
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kMsiRead, kMsiRead});
    probe.expect_translated(kDeviceReads, kFileGpa + 0x80, target.pa + 0x80, 8, next_seed());
  });
}

VIOMMU_TEST(riscv_iommu_msi_file_number, "riscv-iommu.msi.file_number_write", "riscv-iommu,dma") {
  MsiTable msi;
  const DmaBlock f0(kPage), f1(kPage);
  if (!f0.pa || !f1.pa) return t.error("no DMA memory");
  msi.put(0, MsiTable::basic(f0.pa));
  msi.put(1, MsiTable::basic(f1.pa));
  // Mask bit 0 of the page number: the pages kFileGpa and kFileGpa + 4 KiB are files 0 and 1
  // ("I = extract(A >> 12, DC.msi_addr_mask)").
  with_msi(t, 0x93, msi, 1, [&](RiscvIommu* v, Domain& a) {
    const auto p = predict(v, a.devid(), kFileGpa + kPage + 0x10, kDeviceWrites);
    t.check("oracle", kernel::kSuite, p.ok() && p.pa == f1.pa + 0x10, "model: %s to 0x%llx",
            model::riscv_iommu::to_string(p.outcome), ull(p.pa));
    v->drain_faults();
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kMsiFlat, kMsiFlat});
    probe.expect_translated(kDeviceWrites, kFileGpa + kPage + 0x10, f1.pa + 0x10, 8, next_seed());
  });
}

VIOMMU_TEST(riscv_iommu_msi_not_matching, "riscv-iommu.msi.outside_pattern_g_stage", "riscv-iommu,dma") {
  MsiTable msi;
  const DmaBlock target(kPage), other(kPage), src(kPage);
  if (!target.pa || !other.pa || !src.pa) return t.error("no DMA memory");
  msi.put(0, MsiTable::basic(target.pa));
  with_msi(t, 0x94, msi, 0, [&](RiscvIommu* v, Domain& a) {
    // kFileGpa + 4 KiB does not match the pattern (mask 0): the G-stage translates it.
    if (!a.pt().map_4k(kFileGpa + kPage, other.pa) || !a.pt().map_4k(kTestIova, src.pa))
      return t.error("no memory for page tables");
    expect_translated(t, v, a.requester(), kTestIova + 0x10, src.pa + 0x10, kFileGpa + kPage + 0x20, other.pa + 0x20, 64,
                      kMsiNotMatching);
  });
}

namespace {

void msi_fault_case(kernel::Test& t, uint16_t gscid, s::MsiPte (*pte)(uint64_t), const kernel::Clause& c) {
  MsiTable msi;
  const DmaBlock target(kPage);
  if (!target.pa) return t.error("no DMA memory");
  msi.put(0, pte(target.pa));
  with_msi(t, gscid, msi, 0, [&](RiscvIommu* v, Domain& a) {
    expect_fault(t, v, a.requester(), kFileGpa + 0x40, kDeviceWrites, target.pa, c, RecordLeeway{&c});
  });
}

}  // namespace

VIOMMU_TEST(riscv_iommu_msi_invalid, "riscv-iommu.msi.pte_not_valid_write", "riscv-iommu,dma,fault") {
  msi_fault_case(t, 0x95, [](uint64_t pa) { return MsiTable::basic(pa).set_v(0); }, kMsiPteNotValid);
}

VIOMMU_TEST(riscv_iommu_msi_mode, "riscv-iommu.msi.pte_mode_reserved_write", "riscv-iommu,dma,fault") {
  msi_fault_case(t, 0x96, [](uint64_t pa) { return MsiTable::basic(pa).set_m(2); }, kMsiPteMode);
}

// ---- MSIs: edu's own MSI (a 32-bit write carrying its data, the kind of write MSI translation is for) ----
// riscv-iommu.msi.flat_imsic: through a basic-translate PTE to the real IMSIC interrupt file (kernel::Msi).
// riscv-iommu.msi.mrif_*: through an MRIF-mode PTE (capabilities.MSI_MRIF): the pending bit of the MSI's
// identity set in the MRIF in memory (AIA "Format of a memory-resident interrupt file": the pending bits of
// identities 64k..64k+63 at offset 16k, their enable bits at 16k+8), nothing else changed, then the notice MSI
// (NPPN << 12, data NID) to a kernel::Msi; MSIs the AIA says to discard; misconfigured PTEs, with the record
// field by field against the model's.

namespace {

constexpr uint32_t kMsiMs = 200;
constexpr uint32_t kQuietMs = 30;

// edu signals the completion of a small DMA (a read of the staging page) with the MSI (address, data); its MSI
// capability off again afterwards. False (t.error) when edu has no MSI or the DMA failed.
bool send_msi(kernel::Test& t, Domain& a, uint64_t address, uint32_t data) {
  // (The hosted runner's endpoints send no MSIs: nothing to judge there.)
  if (!a.ep()->set_completion_msi(address, data)) {
    t.skip("edu cannot send an MSI on this machine");
    return false;
  }
  const drivers::DmaStatus st = a.ep()->read(kStageIova, 8);
  a.ep()->clear_completion_msi();
  if (st == drivers::DmaStatus::kOk) return true;
  t.error("edu: the DMA whose completion sends the MSI failed (%s)", drivers::to_string(st));
  return false;
}

// What the model says the MSI (a 32-bit write of `data` at `gpa`) does.
model::riscv_iommu::Result predict_msi(RiscvIommu* v, uint32_t devid, uint64_t gpa, uint32_t data) {
  model::riscv_iommu::Request r = request_of(devid, gpa, kDeviceWrites);
  r.msi = true;
  r.msi_data = data;
  return model_of(v).lookup(r);
}

// An MRIF (512 bytes, in a page of its own) with the enable bits `enabled` set; snapshot and comparison.
struct Mrif {
  DmaBlock block{kPage};
  uint64_t before[64] = {};
  volatile uint64_t* dw() const { return reinterpret_cast<volatile uint64_t*>(block.pa); }
  void enable(uint32_t id) const { dw()[(id / 64) * 2 + 1] = dw()[(id / 64) * 2 + 1] | (uint64_t{1} << (id % 64)); }
  void snapshot() {
    arch::mb();
    for (unsigned i = 0; i < 64; ++i) before[i] = dw()[i];
  }
  // The doublewords that differ from the snapshot but for the pending bit of `id` (id > 2047: in any bit).
  unsigned others_changed(uint32_t id) const {
    arch::mb();
    unsigned n = 0;
    for (unsigned i = 0; i < 64; ++i) {
      const uint64_t allowed = id < 2048 && i == (id / 64) * 2 ? uint64_t{1} << (id % 64) : 0;
      if ((dw()[i] ^ before[i]) & ~allowed) ++n;
    }
    return n;
  }
  bool pending(uint32_t id) const { return (dw()[(id / 64) * 2] >> (id % 64)) & 1; }
};

s::MsiPte mrif_pte(uint64_t mrif_pa, const kernel::Msi& notice) {
  s::MsiPte p;
  p.set_v(1).set_m(static_cast<uint64_t>(s::MsiPteMode::kMrif)).set_mrif_addr_55_9(mrif_pa >> 9);
  p.set_nppn(notice.address() >> 12).set_n_9_0(notice.data() & 0x3ff).set_n10((notice.data() >> 10) & 1);
  return p;
}

// edu in a G-stage domain whose file 0 (kFileGpa) is the MRIF `m` with notices to `notice`, then body(v, a).
template <typename F>
void with_mrif(kernel::Test& t, uint16_t gscid, Mrif& m, kernel::Msi& notice, F&& body,
               s::MsiPte (*edit)(s::MsiPte) = nullptr) {
  if (!m.block.pa) return t.error("no DMA memory");
  if (!notice.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  if (notice.address() & 0xfff) return t.skip("the MSI target is not at a page's offset 0 (NPPN << 12)");
  MsiTable msi;
  s::MsiPte pte = mrif_pte(m.block.pa, notice);
  if (edit) pte = edit(pte);
  msi.put(0, pte);
  with_msi(t, gscid, msi, 0, [&](RiscvIommu* v, Domain& a) {
    if (!v->caps().msi_mrif()) return t.skip("capabilities.MSI_MRIF=0");
    body(v, a);
  });
}

// An MSI of identity `id` at kFileGpa + `offset` into an MRIF whose enable bits `enabled` are set: the model's
// outcome (stored or discarded), the MRIF, the notice, no record.
void mrif_case(kernel::Test& t, uint16_t gscid, uint32_t id, uint64_t offset, bool enable, const kernel::Clause& c) {
  Mrif m;
  kernel::Msi notice;
  with_mrif(t, gscid, m, notice, [&](RiscvIommu* v, Domain& a) {
    if (enable && id < 2048) m.enable(id);
    m.snapshot();
    const uint64_t gpa = kFileGpa + offset;
    const auto p = predict_msi(v, a.devid(), gpa, id);
    const bool store = offset == 0 && id < 2048;
    t.check("oracle", kernel::kSuite, p.ok() && p.mrif && p.pa == m.block.pa && p.notice_address == notice.address() &&
            p.notice_data == notice.data(), "model: %s, mrif %d at 0x%llx, notice 0x%x to 0x%llx",
            model::riscv_iommu::to_string(p.outcome), p.mrif, ull(p.pa), p.notice_data, ull(p.notice_address));
    v->drain_faults();
    if (!send_msi(t, a, gpa, id)) return;
    if (store) {
      t.check("mrif.pending", c, m.pending(id), "pending bit of identity %u (doubleword %u, bit %u) clear: MRIF "
              "doublewords 0..3 = 0x%llx 0x%llx 0x%llx 0x%llx", id, (id / 64) * 2, id % 64, ull(m.dw()[0]),
              ull(m.dw()[1]), ull(m.dw()[2]), ull(m.dw()[3]));
      t.check("mrif.notice", enable ? kMrifNotice : kMrifNoticeDisabled, notice.wait(kMsiMs),
              "no notice MSI (0x%x to 0x%llx) within %u ms of an MSI stored with its enable bit %s", notice.data(),
              ull(notice.address()), kMsiMs, enable ? "set" : "clear");
    } else {
      (void)kernel::wait_until([] { return false; }, kQuietMs);
      t.check("mrif.no_notice", c, notice.unconsumed() == 0, "%u notice MSI(s) for a discarded MSI",
              notice.unconsumed());
    }
    const unsigned changed = m.others_changed(store ? id : 4096);
    t.check("mrif.untouched", store ? kMrifStore : c, changed == 0, "%u MRIF doubleword(s) changed beyond the "
            "pending bit of identity %u: 0..3 = 0x%llx 0x%llx 0x%llx 0x%llx", changed, id, ull(m.dw()[0]),
            ull(m.dw()[1]), ull(m.dw()[2]), ull(m.dw()[3]));
    s::FaultRecord r;
    const bool recorded = pop_record_of(t, v, a.devid(), r);
    t.check("fault.none", c, !recorded, "a record for an MSI the MRIF takes: CAUSE %llu (%s) iotval 0x%llx",
            ull(r.cause()), s::cause_name(r.cause()), ull(r.iotval()));
  });
}

// A misconfigured MRIF-mode PTE: the MSI faults with the model's record, the MRIF untouched, no notice.
void mrif_fault_case(kernel::Test& t, uint16_t gscid, s::MsiPte (*edit)(s::MsiPte), const kernel::Clause& c) {
  Mrif m;
  kernel::Msi notice;
  constexpr uint32_t kId = 7;
  with_mrif(t, gscid, m, notice, [&](RiscvIommu* v, Domain& a) {
    m.enable(kId);
    m.snapshot();
    const auto p = predict_msi(v, a.devid(), kFileGpa, kId);
    t.check("oracle", kernel::kSuite, p.outcome == model::riscv_iommu::Outcome::kFaulted && p.has_fault,
            "model: %s", model::riscv_iommu::to_string(p.outcome));
    v->drain_faults();
    if (!send_msi(t, a, kFileGpa, kId)) return;
    s::FaultRecord r;
    if (next_record(t, v, a.devid(), r, c)) expect_record(t, p.fault, r, RecordLeeway{&c});
    (void)kernel::wait_until([] { return false; }, kQuietMs);
    t.check("mrif.untouched", c, m.others_changed(4096) == 0, "the MRIF changed although its PTE is misconfigured");
    t.check("mrif.no_notice", c, notice.unconsumed() == 0, "%u notice MSI(s) through a misconfigured PTE",
            notice.unconsumed());
    v->drain_faults();
  }, edit);
}

}  // namespace

VIOMMU_TEST(riscv_iommu_msi_flat_imsic, "riscv-iommu.msi.flat_imsic", "riscv-iommu,irq") {
  kernel::Msi target;
  if (!target.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
  MsiTable msi;
  msi.put(0, MsiTable::basic(target.address() & ~uint64_t{0xfff}));
  with_msi(t, 0x97, msi, 0, [&](RiscvIommu* v, Domain& a) {
    // edu's MSI to the virtual file's page, at the real file's register offset: the IMSIC takes the identity.
    const uint64_t gpa = kFileGpa | (target.address() & 0xfff);
    const auto p = predict_msi(v, a.devid(), gpa, target.data());
    t.check("oracle", kernel::kSuite, p.ok() && p.msi && p.pa == target.address(), "model: %s to 0x%llx",
            model::riscv_iommu::to_string(p.outcome), ull(p.pa));
    v->drain_faults();
    if (!send_msi(t, a, gpa, target.data())) return;
    t.check("irq.msi", kMsiFlatImsic, target.wait(kMsiMs), "no MSI (identity 0x%x) at the IMSIC within %u ms",
            target.data(), kMsiMs);
    s::FaultRecord r;
    const bool recorded = pop_record_of(t, v, a.devid(), r);
    t.check("fault.none", kMsiFlatImsic, !recorded, "a record for an MSI through a valid PTE: CAUSE %llu (%s)",
            ull(r.cause()), s::cause_name(r.cause()));
  });
}

VIOMMU_TEST(riscv_iommu_msi_mrif, "riscv-iommu.msi.mrif_store", "riscv-iommu,irq") {
  mrif_case(t, 0x98, 5, 0, true, kMrifStore);
}
VIOMMU_TEST(riscv_iommu_msi_mrif_high, "riscv-iommu.msi.mrif_store_identity_70", "riscv-iommu,irq") {
  mrif_case(t, 0x99, 70, 0, true, kMrifStore);  // the second pair of doublewords (k = 1)
}
VIOMMU_TEST(riscv_iommu_msi_mrif_last, "riscv-iommu.msi.mrif_store_identity_2047", "riscv-iommu,irq") {
  mrif_case(t, 0x9a, 2047, 0, true, kMrifStore);  // the last pair
}
VIOMMU_TEST(riscv_iommu_msi_mrif_disabled, "riscv-iommu.msi.mrif_notice_enable_clear", "riscv-iommu,irq") {
  mrif_case(t, 0x9b, 9, 0, false, kMrifStore);
}
VIOMMU_TEST(riscv_iommu_msi_mrif_big, "riscv-iommu.msi.mrif_identity_2048_discarded", "riscv-iommu,irq") {
  mrif_case(t, 0x9c, 2048, 0, true, kMrifDiscard);  // D[31:11] not zero
}
VIOMMU_TEST(riscv_iommu_msi_mrif_offset, "riscv-iommu.msi.mrif_offset_discarded", "riscv-iommu,irq") {
  mrif_case(t, 0x9d, 5, 0x40, true, kMrifDiscard);  // A[11:3] not zero
}
VIOMMU_TEST(riscv_iommu_msi_mrif_res0, "riscv-iommu.msi.mrif_pte_reserved_dw0", "riscv-iommu,irq,fault") {
  mrif_fault_case(t, 0x9e, [](s::MsiPte p) {
    p.words[0] |= uint64_t{1} << 3;  // bits 6:3 reserved in MRIF mode
    return p;
  }, kMrifReserved);
}
VIOMMU_TEST(riscv_iommu_msi_mrif_res1, "riscv-iommu.msi.mrif_pte_reserved_dw1", "riscv-iommu,irq,fault") {
  mrif_fault_case(t, 0x9f, [](s::MsiPte p) {
    p.words[1] |= uint64_t{1} << 54;  // bits 59:54 of the second doubleword reserved
    return p;
  }, kMrifReserved);
}
VIOMMU_TEST(riscv_iommu_msi_mrif_invalid, "riscv-iommu.msi.mrif_pte_not_valid", "riscv-iommu,irq,fault") {
  mrif_fault_case(t, 0xa0, [](s::MsiPte p) { return p.set_v(0); }, kMsiPteNotValid);
}
VIOMMU_TEST(riscv_iommu_msi_mrif_mode, "riscv-iommu.msi.mrif_pte_mode_reserved", "riscv-iommu,irq,fault") {
  mrif_fault_case(t, 0xa5, [](s::MsiPte p) { return p.set_m(2); }, kMsiPteMode);
}
