// riscv-iommu.discovery.* and riscv-iommu.regs.*: the PCI function (§7.1) and the register page (§5): what
// capabilities reports, the read-only and WARL fields, the ddtp busy handshake, the writable bits of the queue
// indices, icvec's vector count (§6.2).
#include <cstring>

#include "kernel/platform.h"
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

VIOMMU_TEST(riscv_iommu_pci_function, "riscv-iommu.discovery.pci_function", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  kernel::PciFunction* f = v->pci();
  // §7.1: the IOMMU "may" be a function of class 08h/06h/00h; the driver found it by that class, so a note.
  t.note("class code 0x%06x (§7.1's 0x%06x)", f->class_code(), drv::kPciClass);
  const kernel::PciBar& bar = f->bar(0);
  t.check("pci.bar0", kPciFunction, bar.cpu != 0 && !bar.io && bar.size >= s::kRegisterPageBytes,
          "BAR0 at 0x%llx, %llu bytes, %s: the 4 KiB register page", ull(bar.cpu), ull(bar.size),
          bar.io ? "I/O space" : "memory space");
  // The DT (QEMU virt) names the function the driver found: the platform's binding, not a clause of the spec.
  if (const kernel::IommuDesc* d = kernel::platform().find_iommu(kernel::IommuKind::kRiscvIommuPci))
    t.check("dt.rid", kernel::kSuite, d->pci_rid == f->rid(), "the DT's riscv,pci-iommu is RID 0x%x, the function 0x%x",
            d->pci_rid, f->rid());
  else
    t.note("no riscv,pci-iommu node in the DT: found by class code");
  t.note("%02x:%02x.%x %04x:%04x BAR0 0x%llx capabilities 0x%llx", f->bus(), f->devfn() >> 3, f->devfn() & 7,
         f->vendor(), f->device(), ull(bar.cpu), ull(v->caps().raw()));
}

VIOMMU_TEST(riscv_iommu_caps_values, "riscv-iommu.regs.capabilities_values", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const s::Capabilities c = v->caps();
  // Major version 1 (the upper nibble); a later minor version is noted.
  t.check("caps.version", kVersion, c.version() >> 4 == s::kVersion1_0 >> 4, "version 0x%02llx, expected major 1",
          ull(c.version()));
  if (c.version() != s::kVersion1_0) t.note("version 0x%02llx: a 1.x other than 1.0", ull(c.version()));
  t.check("caps.sv48", kCapsConsistent, !c.sv48() || c.sv39(), "Sv48 without Sv39 (0x%llx)", ull(c.raw()));
  t.check("caps.sv57", kCapsConsistent, !c.sv57() || c.sv48(), "Sv57 without Sv48 (0x%llx)", ull(c.raw()));
  t.check("caps.igs", kCapsIgs, c.igs() != 3, "IGS 3 is reserved (0x%llx)", ull(c.raw()));
  // §5.3 note: the IOMMU supports what the harts support (the DT lists Svpbmt for -cpu max).
  if (kernel::platform().riscv_svpbmt)
    t.check("caps.svpbmt", kCapsHartExtensions, c.svpbmt(), "the harts implement Svpbmt, capabilities.Svpbmt is 0");
  t.note("capabilities 0x%016llx: Sv39 %llu Sv48 %llu Sv57 %llu Sv39x4 %llu Sv48x4 %llu Sv57x4 %llu MSI_FLAT %llu "
         "MSI_MRIF %llu AMO_HWAD %llu ATS %llu T2GPA %llu END %llu IGS %llu HPM %llu DBG %llu PAS %llu PD8/17/20 "
         "%llu%llu%llu", ull(c.raw()), ull(c.sv39()), ull(c.sv48()), ull(c.sv57()), ull(c.sv39x4()), ull(c.sv48x4()),
         ull(c.sv57x4()), ull(c.msi_flat()), ull(c.msi_mrif()), ull(c.amo_hwad()), ull(c.ats()), ull(c.t2gpa()),
         ull(c.end()), ull(c.igs()), ull(c.hpm()), ull(c.dbg()), ull(c.pas()), ull(c.pd8()), ull(c.pd17()),
         ull(c.pd20()));
}

VIOMMU_TEST(riscv_iommu_caps_ro, "riscv-iommu.regs.capabilities_read_only", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const uint64_t before = v->read(s::reg::kCapabilities);
  v->write(s::reg::kCapabilities, ~before);
  const uint64_t after = v->read(s::reg::kCapabilities);
  t.check("caps.ro", kCapabilitiesRo, after == before, "capabilities 0x%llx after writing 0x%llx, was 0x%llx",
          ull(after), ull(~before), ull(before));
}

namespace {

// Writes fctl with `bit` flipped while the IOMMU is Off and its queues are off (§5.4), reads it back, puts the
// old value back. Returns the value read, or ~0 when the IOMMU could not be quiesced (reported).
uint64_t flip_fctl(kernel::Test& t, RiscvIommu* v, uint32_t bit) {
  Quiesced q(t, v);
  if (!q.ok()) return ~uint64_t{0};
  const uint32_t before = static_cast<uint32_t>(v->read(s::reg::kFctl));
  v->write(s::reg::kFctl, before ^ bit);
  const uint32_t after = static_cast<uint32_t>(v->read(s::reg::kFctl));
  v->write(s::reg::kFctl, before);
  return after;
}

}  // namespace

VIOMMU_TEST(riscv_iommu_fctl_be, "riscv-iommu.regs.fctl_be_warl", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  if (v->caps().end()) return t.skip("capabilities.END=1: both endiannesses, fctl.BE legally writable");
  const s::Fctl before = v->reg<s::Fctl>(s::reg::kFctl);
  const uint64_t after = flip_fctl(t, v, s::Fctl::be_mask);
  if (after == ~uint64_t{0}) return;
  s::Fctl a;
  a.value = static_cast<uint32_t>(after);
  t.check("fctl.BE", kFctlBe, a.be() == before.be(),
          "capabilities.END=0 (one endianness) but fctl.BE reads %llu after writing %llu (was %llu)", ull(a.be()),
          ull(!before.be()), ull(before.be()));
}

VIOMMU_TEST(riscv_iommu_fctl_wsi, "riscv-iommu.regs.fctl_wsi_warl", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const uint64_t igs = v->caps().igs();
  if (igs == static_cast<uint64_t>(s::Igs::kBoth)) return t.skip("capabilities.IGS=BOTH: fctl.WSI legally writable");
  const uint64_t after = flip_fctl(t, v, s::Fctl::wsi_mask);
  if (after == ~uint64_t{0}) return;
  s::Fctl a;
  a.value = static_cast<uint32_t>(after);
  const uint64_t want = igs == static_cast<uint64_t>(s::Igs::kWsi) ? 1 : 0;
  t.check("fctl.WSI", kFctlWsi, a.wsi() == want, "capabilities.IGS=%llu but fctl.WSI reads %llu after a write of %llu",
          ull(igs), ull(a.wsi()), ull(!want));
}

VIOMMU_TEST(riscv_iommu_fctl_gxl, "riscv-iommu.regs.fctl_gxl", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const s::Fctl before = v->reg<s::Fctl>(s::reg::kFctl);
  const uint64_t after = flip_fctl(t, v, s::Fctl::gxl_mask);
  if (after == ~uint64_t{0}) return;
  s::Fctl a;
  a.value = static_cast<uint32_t>(after);
  const bool writable = a.gxl() != before.gxl();
  // A writable GXL is also how an IOMMU with Sv32 but no Sv32x4 lets DC.tc.SXL be 1 (§2.1.4 "If fctl.GXL is 0 and
  // is writable, then DC.tc.SXL may be 0 or 1"): writable is legal with either scheme.
  t.check("fctl.GXL", kFctlGxl, !writable || v->caps().sv32() || v->caps().sv32x4(),
          "fctl.GXL writable without capabilities.Sv32 or Sv32x4");
  t.choice("fctl.GXL", kFctlGxl, !writable, "fctl.GXL is %s (the model: read-only 0)",
           writable ? "writable" : "read-only");
}

VIOMMU_TEST(riscv_iommu_ddtp_reserved_mode, "riscv-iommu.regs.ddtp_reserved_mode", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  DdtpMode off(t, v, s::IommuMode::kOff);
  if (!off.ok()) return;
  s::Ddtp d;
  d.set_iommu_mode(5).set_ppn(v->ddt_root() >> 12);  // 5..13: "Reserved for standard use"
  v->write(s::reg::kDdtp, d.raw());
  const bool idle = kernel::wait_until([&] { return !v->ddtp().busy(); }, drv::kWaitMs);
  t.check("ddtp.busy", kDdtpBusy, idle, "ddtp.busy still 1 %u ms after the write", drv::kWaitMs);
  const uint64_t mode = v->ddtp().iommu_mode();
  // Legal: Off, Bare, 1-3LVL, or an implemented custom mode (14-15).
  t.check("ddtp.iommu_mode", kDdtpModeWarl, mode <= 4 || mode >= 14, "iommu_mode reads %llu after writing the "
          "reserved 5", ull(mode));
  t.choice("ddtp.iommu_mode", kDdtpModeWarl, mode == 0, "iommu_mode reads %llu after the reserved write (was Off)",
           ull(mode));
}

VIOMMU_TEST(riscv_iommu_ddtp_modes, "riscv-iommu.regs.ddtp_mode_changes", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const uint64_t root = v->ddt_root();
  // Every permitted transition the driver makes: nLVL -> Off -> Bare -> Off -> nLVL; each write acknowledged
  // by busy = 0 and read back.
  const s::IommuMode seq[] = {s::IommuMode::kOff, s::IommuMode::kBare, s::IommuMode::kOff, v->ddt_mode()};
  for (s::IommuMode m : seq) {
    const bool ok = v->set_ddtp(m, root);
    if (!t.check("ddtp.iommu_mode", kDdtpBusy, ok, "%s", v->last_error())) break;
    t.check("ddtp.ppn", kDdtpPpn, v->ddtp().ppn() == root >> 12, "ddtp.PPN 0x%llx, written 0x%llx",
            ull(v->ddtp().ppn()), ull(root >> 12));
  }
  if (!v->invalidate_everything()) t.error("invalidation after the mode changes: %s", v->last_error());
}

VIOMMU_TEST(riscv_iommu_cqt_writable_bits, "riscv-iommu.regs.cqt_writable_bits", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  // The tail's own value with every bit above LOG2SZ-1 set: nothing new to process, and only the low bits stick.
  const uint32_t tail = v->cq_tail();
  v->write(s::reg::kCqt, tail | ~(v->cq_entries() - 1u));
  const uint32_t now = static_cast<uint32_t>(v->read(s::reg::kCqt));
  t.check("cqt.index", kQueueIndexWarl, now == tail, "cqt reads 0x%x after writing 0x%x (LOG2SZ = %u)", now,
          tail | ~(v->cq_entries() - 1u), drv::kCqLog2);
  v->write(s::reg::kCqt, tail);
  t.check("cmd.fence", kIofence, v->fence(), "%s", v->last_error());
}

VIOMMU_TEST(riscv_iommu_fqh_writable_bits, "riscv-iommu.regs.fqh_writable_bits", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  v->drain_faults();
  const uint32_t head = v->fqh();
  v->write(s::reg::kFqh, head | ~(v->fq_entries() - 1u));
  const uint32_t now = v->fqh();
  t.check("fqh.index", kFqhIndexWarl, now == head, "fqh reads 0x%x after writing 0x%x (%u records)", now,
          head | ~(v->fq_entries() - 1u), v->fq_entries());
  v->write(s::reg::kFqh, head);
}

VIOMMU_TEST(riscv_iommu_icvec, "riscv-iommu.regs.icvec_vectors", "riscv-iommu") {
  RiscvIommu* v = need_iommu(t);
  if (!v) return;
  const uint64_t before = v->read(s::reg::kIcvec);
  v->write(s::reg::kIcvec, 0xffff);
  s::Icvec i;
  i.set_raw(v->read(s::reg::kIcvec));
  v->write(s::reg::kIcvec, before);
  // Each field reads back its writable bits as ones: 2^N - 1 for N bits, N vectors' worth.
  const uint64_t f[4] = {i.civ(), i.fiv(), i.pmiv(), i.piv()};
  static constexpr const char* kName[4] = {"icvec.civ", "icvec.fiv", "icvec.pmiv", "icvec.piv"};
  for (unsigned k = 0; k < 4; ++k)
    t.check(kName[k], kIcvecWarl, (f[k] & (f[k] + 1)) == 0, "reads 0x%llx after writing 0xF: not N writable bits",
            ull(f[k]));
  t.note("icvec after writing 0xffff: 0x%llx (%llu vectors per cause)", ull(i.raw()), ull(f[0] + 1));
}
