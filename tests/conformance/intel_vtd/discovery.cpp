// intel-vtd.discovery.*: the remapping hardware as the ACPI DMAR table reports it (VT-d chapter 8), and the
// register set at the reported base.
#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/iommu/intel_vtd/dmar.h"
#include "kernel/mmio.h"
#include "kernel/platform.h"
#include "spec/intel_vtd/registers.h"
#include "tests/conformance/intel_vtd/clauses.h"

using namespace intel_vtd_tests;  // NOLINT
using drivers::intel_vtd::DmarInfo;

namespace {

namespace reg = spec::intel_vtd::reg;

uint32_t read32(const kernel::Mmio& m, const spec::intel_vtd::Mmio& r) { return m.read32(r.offset); }
unsigned long long read64(const kernel::Mmio& m, const spec::intel_vtd::Mmio& r) { return m.read64(r.offset); }

void check_scopes(kernel::Test& t, const DmarInfo& d, size_t first, size_t count, const char* owner) {
  for (size_t k = first; k < first + count; ++k) {
    const drivers::intel_vtd::DmarScope& s = d.scopes[k];
    t.check("dmar.scope.length", kStructureLength, s.well_formed,
            "%s device scope %zu (type %u) has Length %u: not 6 + 2 per path entry inside its structure", owner,
            k - first, s.type, s.length);
  }
}

}  // namespace

VIOMMU_TEST(intel_vtd_dmar, "intel-vtd.discovery.dmar", "intel-vtd") {
  DmarInfo d;
  if (!drivers::intel_vtd::parse_dmar(d)) return t.skip("no ACPI DMAR table");
  t.note("DMAR revision %u, length %u, Host Address Width %u bits, flags 0x%x (INTR_REMAP %u, X2APIC_OPT_OUT %u, "
         "DMA_CTRL_PLATFORM_OPT_IN %u), %zu DRHD, %zu RMRR, %zu ATSR", d.revision, d.table_length,
         d.host_address_bits(), d.flags, d.flags & 1, (d.flags >> 1) & 1, (d.flags >> 2) & 1, d.drhd_count,
         d.rmrr_count, d.atsr_count);
  t.check("dmar.structure.length", kStructureLength, !d.truncated,
          "the remapping structure at table offset 0x%x has a Length below 4 or past the table's end",
          d.truncated_at);
  bool ordered = true;
  for (size_t i = 1; i < d.type_count; ++i) ordered = ordered && d.types[i - 1] <= d.types[i];
  t.check("dmar.structure.order", kDmarOrder, ordered, "remapping structure types are not in numerical order");

  bool segment0 = false;
  for (size_t i = 0; i < d.drhd_count; ++i) segment0 = segment0 || d.drhds[i].segment == 0;
  if (!t.check("dmar.drhd", kDrhdPerSegment, segment0, "no DRHD for PCI segment 0 (%zu DRHDs)", d.drhd_count))
    return;

  for (size_t i = 0; i < d.drhd_count; ++i) {
    const drivers::intel_vtd::DmarDrhd& u = d.drhds[i];
    t.note("DRHD %zu: base 0x%llx, flags 0x%x (INCLUDE_PCI_ALL %u), size %u (2^N pages), segment %u, %zu scopes", i,
           static_cast<unsigned long long>(u.register_base), u.flags, u.flags & 1, u.size, u.segment, u.scope_count);
    t.check("dmar.drhd.base_aligned", kRegisterPage, u.register_base != 0 && (u.register_base & 0xfff) == 0,
            "DRHD %zu register base 0x%llx is zero or not 4 KiB aligned", i,
            static_cast<unsigned long long>(u.register_base));
    check_scopes(t, d, u.first_scope, u.scope_count, "DRHD");
  }
  for (size_t i = 0; i < d.rmrr_count; ++i) {
    const drivers::intel_vtd::DmarRmrr& r = d.rmrrs[i];
    t.check("dmar.rmrr.range", kRmrrRange,
            (r.base & 0xfff) == 0 && r.limit > r.base && ((r.limit - r.base + 1) & 0xfff) == 0,
            "RMRR %zu [0x%llx, 0x%llx] is not a 4 KiB aligned range of whole 4 KiB pages", i,
            static_cast<unsigned long long>(r.base), static_cast<unsigned long long>(r.limit));
    check_scopes(t, d, r.first_scope, r.scope_count, "RMRR");
  }
  if (d.rmrr_count == 0) t.note("no RMRR: no reserved memory region is reported as a DMA target");

  // The configuration places every endpoint behind the IOMMU: the table must put each under a unit's scope.
  for (size_t k = 0; k < drivers::endpoint_count(); ++k) {
    const drivers::DmaEndpoint* ep = drivers::endpoint(k);
    const uint16_t rid = ep->rid();
    t.check("dmar.drhd.scope", kDrhdScope, d.unit_for(rid) != nullptr,
            "%s (%02x:%02x.%x) is under no DRHD's scope (no INCLUDE_PCI_ALL, no device scope names it)", ep->name(),
            rid >> 8, (rid >> 3) & 0x1f, rid & 7);
  }

  // The platform list (what a driver looks the IOMMU up in) has the first unit's base.
  const kernel::IommuDesc* desc = kernel::platform().find_iommu(kernel::IommuKind::kIntelVtd);
  t.expect_eq("platform.iommu.base", kernel::kSuite, d.drhds[0].register_base, desc ? desc->base : 0);

  // The register set at the reported base: VER (offset 0).
  const kernel::Mmio regs(d.drhds[0].register_base);
  spec::intel_vtd::Ver ver;
  ver.value = read32(regs, reg::kVer);
  const unsigned major = static_cast<unsigned>(ver.max()), minor = static_cast<unsigned>(ver.min());
  t.check("reg.VER.present", kDrhdBase, ver.value != 0xffffffffu,
          "VER at the DRHD base reads 0x%08x: no VT-d register set there", ver.value);
  t.check("reg.VER.MAX", kVersion, major >= 1, "VER 0x%08x: major version %u", ver.value, major);
  t.check("reg.VER.reserved", kVersionReserved, spec::bits_of(ver.value, 31, 8) == 0, "VER 0x%08x: bits 31:8 not zero",
          ver.value);
  spec::intel_vtd::Cap cap;
  cap.set_raw(read64(regs, reg::kCap));
  t.note("VER 0x%x (architecture %u.%u), CAP 0x%llx, ECAP 0x%llx", ver.value, major, minor,
         static_cast<unsigned long long>(cap.raw()), read64(regs, reg::kEcap));
  // Noted as found: an earlier case may have initialised the driver (intel-vtd.boot.reset_values judges reset).
  t.note("registers now: GSTS 0x%x RTADDR 0x%llx FSTS 0x%x FECTL 0x%x IQH 0x%llx IQT 0x%llx IQA 0x%llx IRTA 0x%llx",
         read32(regs, reg::kGsts), read64(regs, reg::kRtaddr), read32(regs, reg::kFsts), read32(regs, reg::kFectl),
         read64(regs, reg::kIqh), read64(regs, reg::kIqt), read64(regs, reg::kIqa), read64(regs, reg::kIrta));
  // The DMAR's Host Address Width against CAP.MGAW (width - 1): noted, no sentence ties them.
  t.note("DMAR HAW %u bits, CAP.MGAW %u bits, CAP.SAGAW 0x%llx", d.host_address_bits(),
         static_cast<unsigned>(cap.mgaw() + 1), static_cast<unsigned long long>(cap.sagaw()));
}
