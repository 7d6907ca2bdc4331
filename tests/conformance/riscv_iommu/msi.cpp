// riscv-iommu.msi.*: MSI address translation through a flat MSI page table (§2.1.3.6, §2.3.3). A G-stage
// context (msiptp needs one) recognises the guest-physical pages matching msi_addr_pattern outside
// msi_addr_mask as virtual interrupt files; an access there goes through the file's MSI PTE: in basic
// translate mode to msipte.PPN << 12 | A[11:0], ordinary RAM here, so that the endpoint's write (an MSI is a
// write) lands where the PTE says and its read reads from there ("R=W=U=1 and X=0"). Invalid and misconfigured
// MSI PTEs fault; an address outside the pattern is translated by the G-stage. The outcomes are the model's.
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
