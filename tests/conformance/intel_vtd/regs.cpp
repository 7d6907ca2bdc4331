// intel-vtd.regs.*: the register file of the first DRHD's unit, driven one register at a time: capability
// consistency, read-only registers, the GCMD -> GSTS handshakes (SRTP, TE, QIE, WBF), register-based
// invalidation with the granularity the unit reports, and the event registers. intel-vtd.boot.reset_values
// reads the unit before any case programs it (cases run in name order; "boot" sorts before every other
// intel-vtd group).
//
// These cases talk to the registers themselves rather than through the driver's protocol steps: the handshake is
// what they test. Each leaves the unit as it found it (root table pointer, translation and queued invalidation
// off), so that the driver's state survives them.
#include "drivers/iommu/intel_vtd/dmar.h"
#include "kernel/dma_memory.h"
#include "kernel/mmio.h"
#include "kernel/test.h"
#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/registers.h"
#include "tests/conformance/intel_vtd/clauses.h"

using namespace intel_vtd_tests;  // NOLINT

namespace {

namespace s = spec::intel_vtd;
namespace reg = spec::intel_vtd::reg;
using drivers::intel_vtd::DmarInfo;

constexpr uint32_t kWaitMs = 1000;

// The register set of the DMAR's first unit.
struct Unit {
  kernel::Mmio m;
  s::Cap cap;
  s::Ecap ecap;
  unsigned pages = 1;  // DRHD Size: 2^N 4 KiB pages

  uint32_t r32(const s::Mmio& r) const { return m.read32(r.offset); }
  uint64_t r64(const s::Mmio& r) const { return m.read64(r.offset); }
  void w32(const s::Mmio& r, uint32_t v) const { m.write32(r.offset, v); }
  void w64(const s::Mmio& r, uint64_t v) const { m.write64(r.offset, v); }
  s::Gsts gsts() const { return spec::reg_from<s::Gsts>(r32(reg::kGsts)); }

  // One global command: GCMD = the persistent enables GSTS reports (minus `clear`) | `set`, then a bounded wait
  // until GSTS & mask == want (the 12th-gen EDC procedure: one-shot bits are never written back).
  [[nodiscard]] bool command(uint32_t set, uint32_t clear, uint32_t mask, uint32_t want) const {
    const uint32_t keep = gsts().value & s::Gcmd::kPersistent & ~clear;
    w32(reg::kGcmd, keep | set);
    return kernel::wait_until([&] { return (gsts().value & mask) == want; }, kWaitMs);
  }
};

[[nodiscard]] bool find_unit(kernel::Test& t, Unit& u) {
  DmarInfo d;
  if (!drivers::intel_vtd::parse_dmar(d) || d.drhd_count == 0) {
    t.skip("no ACPI DMAR table with a DRHD");
    return false;
  }
  u.m = kernel::Mmio(d.drhds[0].register_base);
  u.cap.set_raw(u.r64(reg::kCap));
  u.ecap.set_raw(u.r64(reg::kEcap));
  u.pages = 1u << (d.drhds[0].size & 0xf);
  return true;
}

// Puts back what a case changed: translation and queued invalidation as they were (off, where the driver keeps
// them between cases), the queue address and the root table pointer it found. A case the runner abandons skips
// this (its destructor never runs); the driver's recovery then reinstalls its own tables.
class Restore {
 public:
  explicit Restore(const Unit& u) : u_(u), rtaddr_(u.r64(reg::kRtaddr)), iqa_(u.r64(reg::kIqa)), gsts_(u.gsts()) {}
  ~Restore() {
    if (u_.gsts().tes() && !gsts_.tes()) (void)u_.command(0, s::Gcmd::te_mask, s::Gsts::tes_mask, 0);
    if (u_.gsts().qies() && !gsts_.qies()) (void)u_.command(0, s::Gcmd::qie_mask, s::Gsts::qies_mask, 0);
    if (!u_.gsts().qies()) u_.w64(reg::kIqa, iqa_);
    u_.w64(reg::kRtaddr, rtaddr_);
    if (gsts_.rtps()) (void)u_.command(s::Gcmd::srtp_mask, 0, s::Gsts::rtps_mask, s::Gsts::rtps_mask);
  }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  const Unit& u_;
  uint64_t rtaddr_, iqa_;
  s::Gsts gsts_;
};

// A root table of 256 not-present entries (a zeroed page), installed with SRTP.
[[nodiscard]] bool install_empty_root(kernel::Test& t, const Unit& u, const kernel::DmaBlock& root) {
  if (!root.pa) {
    t.error("no DMA memory for a root table");
    return false;
  }
  u.w64(reg::kRtaddr, s::Rtaddr{}.set_rta(root.pa).raw());
  return t.check("reg.GSTS.RTPS", kRtpsStatus,
                 u.command(s::Gcmd::srtp_mask, 0, s::Gsts::rtps_mask, s::Gsts::rtps_mask),
                 "GSTS.RTPS not set within %u ms of GCMD.SRTP (GSTS 0x%08x)", kWaitMs, u.gsts().value);
}

// Register-based invalidation (queued invalidation off): the request, then a bounded wait for ICC / IVT to
// clear; the register's final value in *out.
[[nodiscard]] bool context_invalidate(const Unit& u, const s::Ccmd& c, s::Ccmd* out) {
  u.w64(reg::kCcmd, c.raw());
  const bool done = kernel::wait_until([&] { return !spec::reg_from<s::Ccmd>(u.r64(reg::kCcmd)).icc(); }, kWaitMs);
  *out = spec::reg_from<s::Ccmd>(u.r64(reg::kCcmd));
  return done;
}
[[nodiscard]] bool iotlb_invalidate(const Unit& u, const s::IotlbReg& c, const s::Iva& iva, s::IotlbReg* out) {
  const s::Mmio ivt = s::iotlb_reg(u.ecap.iro());
  u.w64(s::iva_reg(u.ecap.iro()), iva.raw());
  u.w64(ivt, c.raw());
  const bool done = kernel::wait_until([&] { return !spec::reg_from<s::IotlbReg>(u.r64(ivt)).ivt(); }, kWaitMs);
  *out = spec::reg_from<s::IotlbReg>(u.r64(ivt));
  return done;
}

// The width a SAGAW bit stands for (bit 1: 39, 2: 48, 3: 57), 0 for the reserved bits.
constexpr unsigned agaw_bits(unsigned bit) { return bit >= 1 && bit <= 3 ? 30 + 9 * bit : 0; }

}  // namespace

VIOMMU_TEST(intel_vtd_reset_values, "intel-vtd.boot.reset_values", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  const uint64_t rtaddr = u.r64(reg::kRtaddr), iqa = u.r64(reg::kIqa);
  const uint32_t gsts = u.gsts().value;
  // A unit some earlier case programmed no longer shows its reset state: nothing to judge then.
  if (rtaddr != 0 || iqa != 0 || gsts != 0)
    return t.skip("the unit was programmed before this case (RTADDR 0x%llx, IQA 0x%llx, GSTS 0x%08x)",
                  static_cast<unsigned long long>(rtaddr), static_cast<unsigned long long>(iqa), gsts);
  t.expect_eq("reg.GSTS", kGstsReset, 0, gsts);
  t.expect_eq("reg.FECTL.IM", kFectlImReset, 1, spec::reg_from<s::Fectl>(u.r32(reg::kFectl)).im());
  if (u.ecap.qi()) t.expect_eq("reg.IECTL.IM", kIectlImReset, 1, spec::reg_from<s::Iectl>(u.r32(reg::kIectl)).im());
  t.note("after reset: FSTS 0x%08x FECTL 0x%08x IECTL 0x%08x IQH 0x%llx IQT 0x%llx ICS 0x%x", u.r32(reg::kFsts),
         u.r32(reg::kFectl), u.r32(reg::kIectl), static_cast<unsigned long long>(u.r64(reg::kIqh)),
         static_cast<unsigned long long>(u.r64(reg::kIqt)), u.r32(reg::kIcs));
}

VIOMMU_TEST(intel_vtd_capabilities, "intel-vtd.regs.capabilities", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  const s::Cap& c = u.cap;
  const s::Ecap& e = u.ecap;
  t.note("CAP 0x%016llx: ND %u, RWBF %u, CM %u, SAGAW 0x%x, MGAW %u, FRO 0x%x, SLLPS 0x%x, PSI %u, NFR %u, MAMV %u; "
         "ECAP 0x%016llx: QI %u, DT %u, IR %u, EIM %u, PT %u, IRO 0x%x, SMTS %u",
         static_cast<unsigned long long>(c.raw()), static_cast<unsigned>(c.nd()), static_cast<unsigned>(c.rwbf()),
         static_cast<unsigned>(c.cm()), static_cast<unsigned>(c.sagaw()), c.max_guest_address_width(),
         static_cast<unsigned>(c.fro()), static_cast<unsigned>(c.sllps()), static_cast<unsigned>(c.psi()),
         static_cast<unsigned>(c.nfr()), static_cast<unsigned>(c.mamv()), static_cast<unsigned long long>(e.raw()),
         static_cast<unsigned>(e.qi()), static_cast<unsigned>(e.dt()), static_cast<unsigned>(e.ir()),
         static_cast<unsigned>(e.eim()), static_cast<unsigned>(e.pt()), static_cast<unsigned>(e.iro()),
         static_cast<unsigned>(e.smts()));

  t.check("cap.ECAP.IR", kEcapIrNeedsQi, !e.ir() || e.qi(), "ECAP.IR=1 with ECAP.QI=0");
  t.check("cap.ECAP.DT", kEcapDtNeedsQi, !e.dt() || e.qi(), "ECAP.DT=1 with ECAP.QI=0");

  unsigned narrowest = 0, widest = 0;
  for (unsigned bit = 0; bit < 5; ++bit) {
    if (!((c.sagaw() >> bit) & 1) || agaw_bits(bit) == 0) continue;
    if (narrowest == 0) narrowest = agaw_bits(bit);
    widest = agaw_bits(bit);
  }
  t.check("cap.SAGAW", kCapSagaw, narrowest != 0 && (c.sagaw() & ~uint64_t{0xe}) == 0,
          "SAGAW 0x%x: no supported width, or a reserved bit (0, 4) set", static_cast<unsigned>(c.sagaw()));
  t.check("cap.MGAW", kCapMgaw,
          narrowest != 0 && c.max_guest_address_width() >= narrowest && c.max_guest_address_width() <= widest,
          "MGAW %u bits outside the reported AGAWs [%u, %u]", c.max_guest_address_width(), narrowest, widest);
  t.check("cap.ND", kCapNd, c.nd() != 7, "ND 111b is a reserved encoding");

  // The registers at fixed offsets end with PEUADDR; the fault recording and IOTLB registers sit after them.
  constexpr uint32_t kFixedEnd = reg::kPeuaddr.offset + reg::kPeuaddr.bytes;
  const uint32_t set_bytes = u.pages * s::kRegisterPageBytes;
  const uint32_t frcd_end = c.fault_recording_offset() + 16 * c.fault_recording_registers();
  t.check("cap.FRO", kRegisterOffsets, c.fault_recording_offset() >= kFixedEnd && frcd_end <= set_bytes,
          "%u fault recording registers at 0x%x end past the %u-byte register set (or overlap the fixed registers)",
          c.fault_recording_registers(), c.fault_recording_offset(), set_bytes);
  t.check("cap.ECAP.IRO", kRegisterOffsets, e.iotlb_offset() >= kFixedEnd && e.iotlb_offset() + 16 <= set_bytes,
          "IOTLB registers at 0x%x outside the %u-byte register set (or over the fixed registers)",
          e.iotlb_offset(), set_bytes);
  t.check("cap.IRO_FRO", kRegisterOffsets,
          e.iotlb_offset() + 16 <= c.fault_recording_offset() || e.iotlb_offset() >= frcd_end,
          "IOTLB registers at 0x%x overlap the fault recording registers [0x%x, 0x%x)", e.iotlb_offset(),
          c.fault_recording_offset(), frcd_end);
}

VIOMMU_TEST(intel_vtd_read_only, "intel-vtd.regs.read_only", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  const uint32_t ver = u.r32(reg::kVer), gsts = u.gsts().value;
  const uint64_t cap = u.cap.raw(), ecap = u.ecap.raw();
  // All ones is the write most likely to stick somewhere; GSTS gets the bits of nothing it could enable.
  u.w32(reg::kVer, ~0u);
  u.w64(reg::kCap, ~uint64_t{0});
  u.w64(reg::kEcap, ~uint64_t{0});
  u.w32(reg::kGsts, ~gsts);
  t.expect_eq("reg.VER", kReadOnlyRegs, ver, u.r32(reg::kVer));
  t.expect_eq("reg.CAP", kReadOnlyRegs, cap, u.r64(reg::kCap));
  t.expect_eq("reg.ECAP", kReadOnlyRegs, ecap, u.r64(reg::kEcap));
  t.expect_eq("reg.GSTS", kReadOnlyRegs, gsts, u.gsts().value);
}

VIOMMU_TEST(intel_vtd_srtp, "intel-vtd.regs.gcmd_srtp", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  Restore restore(u);
  if (u.gsts().tes()) return t.skip("translation is enabled: the root table pointer is in use");
  kernel::DmaBlock root(4096);
  if (!install_empty_root(t, u, root)) return;
  t.expect_eq("reg.RTADDR", kRtaddrReadback, s::Rtaddr{}.set_rta(root.pa).raw(), u.r64(reg::kRtaddr));
  // A GCMD write without SRTP (only the persistent enables) leaves the pointer's status as it was.
  u.w32(reg::kGcmd, u.gsts().value & s::Gcmd::kPersistent);
  t.expect_eq("reg.GSTS.RTPS.kept", kSrtpClearNoEffect, 1, u.gsts().rtps());
  // A second pointer, latched by a second SRTP.
  kernel::DmaBlock root2(4096);
  if (!install_empty_root(t, u, root2)) return;
  t.expect_eq("reg.RTADDR.second", kRtaddrReadback, s::Rtaddr{}.set_rta(root2.pa).raw(), u.r64(reg::kRtaddr));
}

VIOMMU_TEST(intel_vtd_te, "intel-vtd.regs.gcmd_te", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  Restore restore(u);
  if (u.gsts().tes() || u.gsts().qies()) return t.skip("translation or queued invalidation already on");
  kernel::DmaBlock root(4096);
  if (!install_empty_root(t, u, root)) return;
  // The enable sequence the TE field describes: root table pointer, then global context-cache and IOTLB
  // invalidation, then TE.
  s::Ccmd cc;
  if (!t.check("reg.CCMD.ICC", kCcmdComplete, context_invalidate(u, s::Ccmd{}.set_cirg(1).set_icc(1), &cc),
               "CCMD.ICC still set %u ms after a global context-cache invalidation", kWaitMs))
    return;
  s::IotlbReg it;
  if (!t.check("reg.IOTLB.IVT", kIotlbComplete, iotlb_invalidate(u, s::IotlbReg{}.set_iirg(1).set_ivt(1), s::Iva{}, &it),
               "IOTLB_REG.IVT still set %u ms after a global IOTLB invalidation", kWaitMs))
    return;
  t.check("reg.GSTS.TES.on", kTranslationStatus, u.command(s::Gcmd::te_mask, 0, s::Gsts::tes_mask, s::Gsts::tes_mask),
          "GSTS.TES not set within %u ms of GCMD.TE=1 (GSTS 0x%08x)", kWaitMs, u.gsts().value);
  t.expect_eq("reg.GSTS.RTPS.kept", kRtpsStatus, 1, u.gsts().rtps());
  t.check("reg.GSTS.TES.off", kTranslationStatus, u.command(0, s::Gcmd::te_mask, s::Gsts::tes_mask, 0),
          "GSTS.TES still set %u ms after GCMD.TE=0 (GSTS 0x%08x)", kWaitMs, u.gsts().value);
}

VIOMMU_TEST(intel_vtd_ccmd_granularity, "intel-vtd.regs.ccmd_granularity", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  if (u.gsts().qies()) return t.skip("queued invalidation is on: register-based invalidation is not used then");
  struct Request {
    unsigned cirg;
    uint64_t allowed;  // CAIG values permitted: this granularity or a coarser one
    const char* name;
  };
  const Request requests[] = {{1, 1u << 1, "global"}, {2, (1u << 1) | (1u << 2), "domain-selective"},
                              {3, (1u << 1) | (1u << 2) | (1u << 3), "device-selective"}};
  for (const Request& r : requests) {
    s::Ccmd c, out;
    c.set_icc(1).set_cirg(r.cirg).set_did(1).set_sid(0x0008).set_fm(0);
    if (!t.check("reg.CCMD.ICC", kCcmdComplete, context_invalidate(u, c, &out),
                 "CCMD.ICC still set %u ms after a %s context-cache invalidation", kWaitMs, r.name))
      continue;
    const unsigned caig = static_cast<unsigned>(out.caig());
    t.check("reg.CCMD.CAIG", kCaig, (r.allowed >> caig) & 1, "a %s request reported CAIG %u (%s)", r.name, caig,
            s::granularity_name(caig));
    t.choice("reg.CCMD.CAIG.coarser", kCaig, caig == r.cirg, "a %s request performed as %s", r.name,
             s::granularity_name(caig));
  }
}

VIOMMU_TEST(intel_vtd_iotlb_granularity, "intel-vtd.regs.iotlb_granularity", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  if (u.gsts().qies()) return t.skip("queued invalidation is on: register-based invalidation is not used then");
  struct Request {
    unsigned iirg;
    unsigned am;
    uint64_t allowed;  // IAIG values permitted
    const Clause& clause;
    const char* name;
  };
  const unsigned mamv = static_cast<unsigned>(u.cap.mamv());
  const Request requests[] = {
      {1, 0, 1u << 1, kIaig, "global"},
      {2, 0, (1u << 1) | (1u << 2), kIaig, "domain-selective"},
      {3, 0, (1u << 1) | (1u << 2) | (1u << 3), kIaig, "page-selective"},
      // An address mask above CAP.MAMV is the datasheet's example of an incorrect request: 000b (ignored), or a
      // coarser invalidation.
      {3, mamv + 1, (1u << 0) | (1u << 1) | (1u << 2), kIaigIncorrect, "page-selective with AM = MAMV + 1"},
  };
  for (const Request& r : requests) {
    if (r.iirg == 3 && !u.cap.psi()) continue;  // no page-selective invalidation to ask for
    s::IotlbReg c, out;
    c.set_ivt(1).set_iirg(r.iirg).set_did(1).set_dr(u.cap.drd()).set_dw(u.cap.dwd());
    s::Iva iva;
    iva.set_am(r.am).set_addr(0);
    if (!t.check("reg.IOTLB.IVT", kIotlbComplete, iotlb_invalidate(u, c, iva, &out),
                 "IOTLB_REG.IVT still set %u ms after a %s IOTLB invalidation", kWaitMs, r.name))
      continue;
    const unsigned iaig = static_cast<unsigned>(out.iaig());
    t.check("reg.IOTLB.IAIG", r.clause, (r.allowed >> iaig) & 1, "a %s request reported IAIG %u (%s)", r.name,
            iaig, iaig ? s::granularity_name(iaig) : "not performed");
    t.note("%s: IAIG %u", r.name, iaig);
  }
  // IIRG 00b is reserved: ignored, completion reported with IAIG 000b.
  s::IotlbReg out;
  if (t.check("reg.IOTLB.IVT.reserved", kIirgReserved,
              iotlb_invalidate(u, s::IotlbReg{}.set_ivt(1).set_iirg(0), s::Iva{}, &out),
              "IOTLB_REG.IVT still set %u ms after a request with the reserved IIRG 00b", kWaitMs))
    t.expect_eq("reg.IOTLB.IAIG.reserved", kIirgReserved, 0, out.iaig());
}

VIOMMU_TEST(intel_vtd_qie, "intel-vtd.regs.gcmd_qie", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  if (!u.ecap.qi()) return t.skip("ECAP.QI=0: no queued invalidation");
  Restore restore(u);
  if (u.gsts().qies()) return t.skip("queued invalidation already on");
  kernel::DmaBlock queue(4096), status(4096);
  if (!queue.pa || !status.pa) return t.error("no DMA memory for a queue");
  // A tail left non-zero, then IQA written: both pointers reset to 0.
  u.w64(reg::kIqt, s::Iqt{}.set_byte_offset(0x20).raw());
  const uint64_t iqa = s::Iqa{}.set_base(queue.pa).set_qs(0).raw();
  u.w64(reg::kIqa, iqa);
  t.expect_eq("reg.IQA", kIqaReadback, iqa, u.r64(reg::kIqa));
  t.expect_eq("reg.IQT.reset", kIqaResetsPointers, 0, u.r64(reg::kIqt));
  u.w64(reg::kIqt, 0);  // whatever the unit did with IQA: the queue starts empty

  if (!t.check("reg.GSTS.QIES.on", kQiesStatus, u.command(s::Gcmd::qie_mask, 0, s::Gsts::qies_mask, s::Gsts::qies_mask),
               "GSTS.QIES not set within %u ms of GCMD.QIE=1 (GSTS 0x%08x)", kWaitMs, u.gsts().value))
    return;
  // One invalidation wait (SW=1): the head moves past it, the status arrives.
  volatile uint32_t* word = kernel::DmaMemory::ptr<volatile uint32_t>(status.pa);
  *word = 0;
  s::InvWait w;
  w.set_sw(1).set_status_data(0x5a5a0001).set_status_addr(status.pa);
  volatile uint64_t* q = kernel::DmaMemory::ptr<volatile uint64_t>(queue.pa);
  q[0] = w.words[0];
  q[1] = w.words[1];
  u.w64(reg::kIqt, s::Iqt{}.set_byte_offset(16).raw());
  t.check("qi.wait.status", kQueueComplete, kernel::wait_until([&] { return *word == 0x5a5a0001; }, kWaitMs),
          "no status write within %u ms (status word 0x%08x, IQH 0x%llx, FSTS 0x%08x)", kWaitMs, *word,
          static_cast<unsigned long long>(u.r64(reg::kIqh)), u.r32(reg::kFsts));
  t.expect_eq("reg.IQH.advanced", kIqhAdvances, 16,
              spec::reg_from<s::Iqh>(u.r64(reg::kIqh)).byte_offset());
  if (!t.check("reg.GSTS.QIES.off", kQiesStatus, u.command(0, s::Gcmd::qie_mask, s::Gsts::qies_mask, 0),
               "GSTS.QIES still set %u ms after GCMD.QIE=0 (GSTS 0x%08x)", kWaitMs, u.gsts().value))
    return;
  t.expect_eq("reg.IQH.disabled", kIqhResetOnDisable, 0, u.r64(reg::kIqh));
}

VIOMMU_TEST(intel_vtd_wbf, "intel-vtd.regs.gcmd_wbf", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  if (!u.cap.rwbf()) return t.skip("CAP.RWBF=0: the unit requires no write-buffer flush (GCMD.WBF not valid)");
  t.check("reg.GSTS.WBFS", kWbfsStatus, u.command(s::Gcmd::wbf_mask, 0, s::Gsts::wbfs_mask, 0),
          "GSTS.WBFS still set %u ms after GCMD.WBF (GSTS 0x%08x)", kWaitMs, u.gsts().value);
}

VIOMMU_TEST(intel_vtd_event_regs, "intel-vtd.regs.event_registers", "intel-vtd") {
  Unit u;
  if (!find_unit(t, u)) return;
  struct Event {
    s::Mmio ctl, data, addr;
    const char* name;
  };
  const Event events[] = {{reg::kFectl, reg::kFedata, reg::kFeaddr, "FE"}, {reg::kIectl, reg::kIedata, reg::kIeaddr, "IE"}};
  for (const Event& e : events) {
    if (e.ctl.offset == reg::kIectl.offset && !u.ecap.qi()) continue;
    const uint32_t ctl = u.r32(e.ctl), data = u.r32(e.data), addr = u.r32(e.addr);
    if (spec::reg_from<s::EventControl>(ctl).ip()) {
      t.note("%sCTL.IP is set (0x%08x): an event is pending; registers left alone", e.name, ctl);
      continue;
    }
    // Masked all along (IM=1): a data/address pair that no interrupt will use, read back; IP written 1 stays 0.
    u.w32(e.ctl, s::EventControl{}.set_im(1).set_ip(1).value);
    u.w32(e.data, 0x4321);
    u.w32(e.addr, 0xfee0f00c);
    t.expect_eq("reg.CTL.IM", kEventRegsRw, 1, spec::reg_from<s::EventControl>(u.r32(e.ctl)).im());
    t.expect_eq("reg.CTL.IP", kEventRegsRw, 0, spec::reg_from<s::EventControl>(u.r32(e.ctl)).ip());
    t.expect_eq("reg.DATA", kEventRegsRw, 0x4321, spec::reg_from<s::EventData>(u.r32(e.data)).imd());
    t.expect_eq("reg.ADDR", kEventRegsRw, 0xfee0f00c, spec::reg_from<s::EventAddress>(u.r32(e.addr)).address());
    u.w32(e.data, data);
    u.w32(e.addr, addr);
    u.w32(e.ctl, ctl);
  }
}
