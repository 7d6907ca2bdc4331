// RISC-V IOMMU reference model (see iommu.h). Section names are those of the RISC-V IOMMU 1.0 specification
// (src/iommu_data_structures.adoc, iommu_registers.adoc, iommu_in_memory_queues.adoc); "Priv" is the RISC-V
// Privileged Architecture, whose page-table walk the IOMMU uses for both stages.
#include "model/riscv_iommu/iommu.h"

#include "spec/address.h"

namespace model::riscv_iommu {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kTranslated: return "translated";
    case Outcome::kBypassed: return "bypassed";
    case Outcome::kFaulted: return "faulted";
    case Outcome::kAborted: return "aborted";
  }
  return "?";
}

s::Ttyp ttyp_of(const Request& req) {
  if (req.write) return s::Ttyp::kUntranslatedWrite;
  if (req.exec) return s::Ttyp::kUntranslatedExec;
  return s::Ttyp::kUntranslatedRead;
}

// "Fault/Event-Queue (FQ)": "DID holds the device_id of the transaction. If PV is 0, then PID and PRIV are 0.
// If PV is 1, the PID holds a process_id of the transaction and if the privilege of the transaction was
// Supervisor then the PRIV bit is 1".
s::FaultRecord fault_for(const Request& req, s::Cause cause, uint64_t iotval, uint64_t iotval2) {
  s::FaultRecord r;
  r.set_cause(static_cast<uint64_t>(cause)).set_ttyp(static_cast<uint64_t>(ttyp_of(req)));
  r.set_did(spec::bits_of(req.device_id, 23, 0));
  if (req.has_pasid) r.set_pv(1).set_pid(spec::bits_of(req.pasid, 19, 0)).set_priv(req.priv);
  r.set_iotval(iotval).set_iotval2(iotval2);
  return r;
}

namespace {

using s::Cause;
using spec::bits_of;

// A fetched command seen as the command its opcode names (same words, that command's fields).
template <class T>
T as(const s::Command& c) {
  T t;
  t.words = c.words;
  return t;
}

// The page fault, guest-page fault and access fault "corresponding to the original access type".
Cause page_fault(const Request& r) {
  return r.write ? Cause::kWritePageFault : r.exec ? Cause::kInstructionPageFault : Cause::kReadPageFault;
}
Cause guest_page_fault(const Request& r) {
  return r.write ? Cause::kWriteGuestPageFault
                 : r.exec ? Cause::kInstructionGuestPageFault : Cause::kReadGuestPageFault;
}
Cause access_fault(const Request& r) {
  return r.write ? Cause::kWriteAccessFault : r.exec ? Cause::kInstructionAccessFault : Cause::kReadAccessFault;
}

// An MSI write that an MRIF-mode MSI PTE stores (AIA "MSI PTE, MRIF mode": A[11:3] and D[31:11] zero, bit 2 of
// A zero for a little-endian MSI), and the doubleword holding its interrupt-pending bit (pending bits are the
// even doublewords of the MRIF).
bool mrif_store(const Request& r) {
  return r.write && r.msi && spec::offset_in(r.iova, 12) == 0 && r.msi_data < 2048;
}
uint64_t mrif_pending_address(uint64_t mrif, const Request& r) { return mrif + (r.msi_data / 64) * 16; }

// "Encodings of iohgatp.MODE" (GXL=0: Sv39x4/48x4/57x4; GXL=1: Sv32x4) and "Encodings of iosatp.MODE"
// (SXL=0: Sv39/48/57; SXL=1: Sv32): the scheme of a supported mode, or nullptr.
const s::PagingScheme* g_scheme(uint64_t mode, bool gxl, s::Capabilities c) {
  if (gxl) return mode == 8 && c.sv32x4() ? &s::kSv32x4 : nullptr;
  if (mode == 8 && c.sv39x4()) return &s::kSv39x4;
  if (mode == 9 && c.sv48x4()) return &s::kSv48x4;
  if (mode == 10 && c.sv57x4()) return &s::kSv57x4;
  return nullptr;
}
const s::PagingScheme* s_scheme(uint64_t mode, bool sxl, s::Capabilities c) {
  if (sxl) return mode == 8 && c.sv32() ? &s::kSv32 : nullptr;
  if (mode == 8 && c.sv39()) return &s::kSv39;
  if (mode == 9 && c.sv48()) return &s::kSv48;
  if (mode == 10 && c.sv57()) return &s::kSv57;
  return nullptr;
}

// One PTE of either width, as the walk reads it.
struct AnyPte {
  uint64_t raw = 0;
  bool wide = true;  // 8 bytes (else Sv32's 4)
  s::Pte p() const { return s::reg_of<s::Pte>(raw); }
  bool v() const { return raw & s::Pte::v_mask; }
  bool r() const { return raw & s::Pte::r_mask; }
  bool w() const { return raw & s::Pte::w_mask; }
  bool x() const { return raw & s::Pte::x_mask; }
  bool u() const { return raw & s::Pte::u_mask; }
  bool g() const { return raw & s::Pte::g_mask; }
  bool a() const { return raw & s::Pte::a_mask; }
  bool d() const { return raw & s::Pte::d_mask; }
  uint64_t ppn() const { return wide ? p().ppn() : bits_of(raw, 31, 10); }  // Sv32: PPN [31:10]
};

// Priv, "Virtual Address Translation Process" step 3: "if any bits or encodings that are reserved for future
// standard use are set within pte, stop and raise a page-fault". Non-leaf PTEs: "the D, A, and U bits are
// reserved"; Svpbmt: "For non-leaf PTEs, bits 62-61 are reserved", PBMT=3 reserved; Svnapot: N on a non-leaf.
bool pte_reserved(const AnyPte& e, bool leaf, s::Capabilities caps) {
  if (!leaf && (e.a() || e.d() || e.u())) return true;
  if (!e.wide) return false;
  const s::Pte p = e.p();
  if (p.raw() & s::Pte::kReserved) return true;
  if (p.rsw60t59b() && !caps.svrsw60t59b()) return true;
  if (!leaf && (p.pbmt() || p.n())) return true;
  if (p.pbmt() == 3 || (p.pbmt() && !caps.svpbmt())) return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// One translation ("Process to translate an IOVA").
struct Iommu::Walk {
  const Iommu& io;
  const Request& req;
  bool live;  // translate(): caches used and filled, A/D written

  Result out{};
  bool dtf = false;  // DC located: its DTF applies
  s::DeviceContext dc{};
  bool extended = false;
  const s::PagingScheme* gs = nullptr;  // G-stage scheme (nullptr: Bare)
  uint64_t g_root = 0;
  uint16_t gscid = 0;
  bool gade = false, sade = false, sxl = false;
  bool process_id_valid = false;  // a PC was used (with the request's process_id or DPE's default 0)
  uint32_t process_id = 0;

  s::Capabilities caps() const { return io.caps_; }
  uint64_t iotval() const { return io.config_.report_page_offset ? req.iova : spec::align_down(req.iova, 12); }
  uint64_t gpa_val(uint64_t gpa) const { return io.config_.report_page_offset ? gpa : spec::align_down(gpa, 12); }

  bool fail(Cause c, uint64_t iotval2 = 0) {
    out.has_fault = true;
    out.fault = fault_for(req, c, iotval(), iotval2);
    return false;
  }
  bool read(uint64_t pa, void* dst, size_t len) const { return io.mem_.read(pa, dst, len); }

  // ---- G-stage ("Two-Stage Address Translation"): gpa to spa. `implicit`: an access for first-stage
  // translation (a PTE or a PDT entry), needing R, or W when it updates A/D (`implicit_write`). `for_pdt`:
  // "An access fault in the second stage is reported as "PDT entry load access fault" (cause = 265)".
  struct Leaf {
    uint64_t base = 0, size = 0;  // page base (output address) and size
    bool r = false, w = false, x = false, dirty = false, global = false;
  };
  bool g_translate(uint64_t gpa, bool implicit, bool implicit_write, bool for_pdt, Leaf& leaf) {
    const uint64_t iotval2 = s::FaultRecord::iotval2_of(gpa_val(gpa), implicit, implicit_write);
    // "If the second-stage is not Bare, then a guest page fault ... occurs if the incoming GPA has bits beyond
    // bit 33 set to 1" (SXL=1); the x4 schemes take GPAs 2 bits wider than their base scheme.
    if (!s::g_stage_address_ok(*gs, gpa) || (sxl && (gpa >> 34) != 0)) return fail(guest_page_fault(req), iotval2);
    const bool want_w = implicit ? implicit_write : req.write;
    const bool want_x = !implicit && req.exec;
    uint64_t table = g_root;
    for (int level = static_cast<int>(gs->levels) - 1; level >= 0; --level) {
      const uint64_t pte_pa = table + gs->index(gpa, static_cast<unsigned>(level)) * gs->pte_bytes;
      AnyPte e;
      e.wide = gs->pte_bytes == 8;
      if (!read(pte_pa, &e.raw, gs->pte_bytes)) {
        return fail(for_pdt ? Cause::kPdtLoadAccessFault : access_fault(req));
      }
      const bool leaf_pte = e.r() || e.x();
      if (!e.v() || (!e.r() && e.w()) || pte_reserved(e, leaf_pte, caps())) {
        return fail(guest_page_fault(req), iotval2);
      }
      if (!leaf_pte) {
        table = e.ppn() << 12;
        continue;
      }
      // "When checking the U bit in a second-stage PTE, the transaction is treated as not requesting
      // supervisor privilege."
      if (!e.u() || (want_x && !e.x()) || (want_w && !e.w()) || (!want_x && !e.r())) {
        return fail(guest_page_fault(req), iotval2);
      }
      if (!napot_and_alignment(e, static_cast<unsigned>(level), *gs, gpa, leaf)) {
        return fail(guest_page_fault(req), iotval2);
      }
      // "If GADE is 0, the IOMMU causes a guest-page-fault corresponding to the original access type if the A
      // bit is 0 or if the memory access is a store and the D bit is 0."
      if (!e.a() || (want_w && !e.d())) {
        if (!gade) return fail(guest_page_fault(req), iotval2);
        if (live) {
          uint64_t v = e.raw | s::Pte::a_mask | (want_w ? s::Pte::d_mask : 0);
          io.mem_.write(pte_pa, &v, gs->pte_bytes);
        }
      }
      leaf.r = e.r();
      leaf.w = e.w();
      leaf.x = e.x();
      leaf.dirty = e.d() || want_w;
      return true;
    }
    return fail(guest_page_fault(req), iotval2);  // no leaf at level 0
  }

  // Priv: a superpage whose PPN has low bits set is misaligned (a page fault); Svnapot: N=1 at level 0 with
  // PPN[3:0] = 1000b is a 64 KiB page, any other N=1 leaf reserved.
  static bool napot_and_alignment(const AnyPte& e, unsigned level, const s::PagingScheme& sc, uint64_t va,
                                  Leaf& leaf) {
    uint64_t ppn = e.ppn();
    uint64_t size = sc.page_size(level);
    if (e.wide && e.p().n()) {
      if (level != 0 || spec::offset_in(ppn, 4) != s::kNapot64kPpnLow) return false;
      size = s::kNapot64kSize;
      ppn = spec::align_down(ppn, 4);
    }
    const uint64_t low_ppn_bits = size >> 12;
    if (spec::offset_within(ppn, low_ppn_bits) != 0) return false;
    leaf.base = ppn << 12;
    leaf.size = size;
    (void)va;
    return true;
  }

  // A GPA to SPA for an implicit access (first-stage PTE, PDT entry), or the address itself without G-stage.
  bool implicit_spa(uint64_t gpa, bool write, bool for_pdt, uint64_t& spa) {
    if (!gs) {
      spa = gpa;
      return true;
    }
    Leaf l;
    if (!g_translate(gpa, true, write, for_pdt, l)) return false;
    spa = l.base + spec::offset_within(gpa, l.size);
    return true;
  }

  // ---- first stage (Priv "Virtual Address Translation Process"): iova to gpa.
  bool s_translate(const s::PagingScheme& sc, uint64_t root_ppn, bool priv, bool sum, Leaf& leaf) {
    const uint64_t va = req.iova;
    // "If the first-stage is not Bare, then a page fault ... occurs if the IOVA has bits beyond bit 31 set to
    // 1" (SXL=1); Sv39/48/57: bits above the scheme's top bit equal to it.
    if (!s::first_stage_address_ok(sc, va)) return fail(page_fault(req));
    uint64_t table = root_ppn << 12;
    for (int level = static_cast<int>(sc.levels) - 1; level >= 0; --level) {
      const uint64_t pte_gpa = table + sc.index(va, static_cast<unsigned>(level)) * sc.pte_bytes;
      uint64_t pte_pa = 0;
      if (!implicit_spa(pte_gpa, false, false, pte_pa)) return false;
      AnyPte e;
      e.wide = sc.pte_bytes == 8;
      if (!read(pte_pa, &e.raw, sc.pte_bytes)) return fail(access_fault(req));
      const bool leaf_pte = e.r() || e.x();
      if (!e.v() || (!e.r() && e.w()) || pte_reserved(e, leaf_pte, caps())) return fail(page_fault(req));
      if (!leaf_pte) {
        table = e.ppn() << 12;
        continue;
      }
      // "When SUM is 0, supervisor privilege transactions to pages mapped with U bit in PTE set to 1 are
      // disallowed"; "supervisor privilege transactions that read with execute intent to pages mapped with U
      // bit in PTE set to 1 are disallowed, regardless of the value of SUM." Without supervisor privilege a
      // page needs U=1.
      if (priv ? (e.u() && (req.exec || !sum)) : !e.u()) return fail(page_fault(req));
      if ((req.exec && !e.x()) || (req.write && !e.w()) || (!req.exec && !e.r())) return fail(page_fault(req));
      if (!napot_and_alignment(e, static_cast<unsigned>(level), sc, va, leaf)) return fail(page_fault(req));
      // "If SADE is 0, the IOMMU causes a page-fault corresponding to the original access type if the A bit is
      // 0 or if the memory access is a store and the D bit is 0."
      if (!e.a() || (req.write && !e.d())) {
        if (!sade) return fail(page_fault(req));
        // The update is an implicit write through the G-stage ("If bit 0 of iotval2 is 1, and the implicit
        // access was a write then bit 1 of iotval2 is set to 1").
        uint64_t w_pa = 0;
        if (!implicit_spa(pte_gpa, true, false, w_pa)) return false;
        if (live) {
          uint64_t v = e.raw | s::Pte::a_mask | (req.write ? s::Pte::d_mask : 0);
          io.mem_.write(w_pa, &v, sc.pte_bytes);
        }
      }
      leaf.r = e.r();
      leaf.w = e.w();
      leaf.x = e.x();
      leaf.dirty = e.d() || req.write;
      leaf.global = e.g();
      return true;
    }
    return fail(page_fault(req));
  }

  // ---- "Process to locate the Device-context".
  bool locate_dc(const s::Ddtp& ddtp, unsigned levels) {
    if (live) {
      for (const auto& e : io.dc_cache_) {
        if (e.valid && e.device_id == req.device_id) {
          dc = e.dc;
          return true;
        }
      }
    }
    uint64_t a = ddtp.ppn() << 12;
    for (int i = static_cast<int>(levels) - 1; i > 0; --i) {
      s::DdtEntry ddte;
      uint64_t raw = 0;
      if (!read(a + s::ddi(req.device_id, static_cast<unsigned>(i), extended) * 8, &raw, 8)) {
        return fail(Cause::kDdtLoadAccessFault);
      }
      ddte.set_raw(raw);
      if (!ddte.v()) return fail(Cause::kDdtNotValid);
      if (raw & s::DdtEntry::kReserved) return fail(Cause::kDdtMisconfigured);
      a = ddte.ppn() << 12;
    }
    const unsigned bytes = s::DeviceContext::bytes(extended);
    dc = s::DeviceContext{};
    if (!read(a + s::ddi(req.device_id, 0, extended) * bytes, dc.words.data(), bytes)) {
      return fail(Cause::kDdtLoadAccessFault);
    }
    if (!dc.tc().v()) return fail(Cause::kDdtNotValid);
    if (dc_misconfigured()) return fail(Cause::kDdtMisconfigured);
    if (live && io.config_.dc_cache_entries) {
      auto& slot = io.dc_cache_[io.dc_next_++ % io.config_.dc_cache_entries];
      slot = DcCacheEntry{true, req.device_id, dc};
    }
    return true;
  }

  // "Device-context configuration checks".
  bool dc_misconfigured() const {
    const s::Capabilities c = caps();
    const s::Fctl fctl{io.fctl_};
    const s::Tc tc = dc.tc();
    const s::Iohgatp g = dc.iohgatp();
    const s::DcTa ta = dc.ta();
    const s::Fsc fsc = dc.fsc();
    // 1. reserved bits and encodings (RCID/MCID: "If capabilities.QOSID is 0, these bits are reserved").
    if (tc.raw() & s::Tc::kReserved) return true;
    if (ta.raw() & (s::DcTa::kReserved | (c.qosid() ? 0 : s::DcTa::rcid_mask | s::DcTa::mcid_mask))) return true;
    if (fsc.raw() & s::Fsc::kReserved) return true;
    if (extended) {
      // "if MGPAW < 64, then bits 51 : MGPAW - 12 are reserved"
      const unsigned mgpaw = c.sv57x4() ? 59 : c.sv48x4() ? 50 : c.sv39x4() ? 41 : c.sv32x4() ? 34
                                                                                : static_cast<unsigned>(c.pas());
      const uint64_t wide = mgpaw >= 64 ? 0 : ~spec::low_bits(mgpaw - 12);
      if (dc.msiptp().raw() & s::Msiptp::kReserved) return true;
      if (dc.msi_addr_mask().raw() & (s::MsiAddrMask::kReserved | wide)) return true;
      if (dc.msi_addr_pattern().raw() & (s::MsiAddrPattern::kReserved | wide)) return true;
      if (dc.reserved_dw7()) return true;
    }
    // 2-7: ATS, PRI, T2GPA.
    if (!c.ats() && (tc.en_ats() || tc.en_pri() || tc.prpr())) return true;
    if (!tc.en_ats() && (tc.t2gpa() || tc.en_pri())) return true;
    if (!tc.en_pri() && tc.prpr()) return true;
    if (!c.t2gpa() && tc.t2gpa()) return true;
    if (tc.t2gpa() && g.mode() == 0) return true;
    // 8: pdtp.MODE supported.
    if (tc.pdtv()) {
      const uint64_t m = fsc.mode();
      if (m > 3 || (m == 1 && !c.pd8()) || (m == 2 && !c.pd17()) || (m == 3 && !c.pd20())) return true;
    } else {
      // 9-11: iosatp.MODE valid and supported for SXL; 12: DPE needs PDTV.
      if (fsc.mode() != 0 && !s_scheme(fsc.mode(), tc.sxl(), c)) return true;
      if (tc.dpe()) return true;
    }
    // 13-15: iohgatp.MODE valid and supported for GXL; 17: its root 16 KiB aligned.
    if (g.mode() != 0 && !g_scheme(g.mode(), fctl.gxl(), c)) return true;
    if (g.mode() != 0 && spec::offset_in(g.ppn(), 2) != 0) return true;
    // 16: msiptp.MODE Off or Flat; and the recommended check of msiptp.MODE = Off when iohgatp is Bare.
    if (extended) {
      const uint64_t mm = dc.msiptp().mode();
      if (mm > 1) return true;
      if (mm != 0 && g.mode() == 0 && io.config_.msiptp_needs_g_stage) return true;
    }
    // 18: A/D updates need AMO_HWAD. 19, 21: SBE (END=0 and BE not writable: SBE must equal fctl.BE).
    if (!c.amo_hwad() && (tc.sade() || tc.gade())) return true;
    if (!c.end() && tc.sbe() != fctl.be()) return true;
    // 20: "If fctl.GXL is 1, then DC.tc.SXL must be 1. ... If fctl.GXL is 0 and is not writable then DC.tc.SXL
    // must be 0."
    if (fctl.gxl() && !tc.sxl()) return true;
    if (!fctl.gxl() && !io.config_.gxl_writable && tc.sxl()) return true;
    return false;
  }

  // ---- "Process to locate the Process-context".
  bool locate_pc(uint64_t pdtp_mode, uint64_t pdtp_ppn, uint32_t pid, s::ProcessContext& pc) {
    if (live) {
      for (const auto& e : io.pc_cache_) {
        if (e.valid && e.device_id == req.device_id && e.process_id == pid) {
          pc = e.pc;
          return true;
        }
      }
    }
    uint64_t a = pdtp_ppn << 12;
    for (int i = static_cast<int>(s::pdt_levels(pdtp_mode)) - 1; i >= 0; --i) {
      const uint64_t gpa = i != 0 ? a + s::pdi(pid, static_cast<unsigned>(i)) * 8 : a + s::pdi(pid, 0) * 16;
      uint64_t spa = 0;
      if (!implicit_spa(gpa, false, true, spa)) return false;
      if (i != 0) {
        uint64_t raw = 0;
        if (!read(spa, &raw, 8)) return fail(Cause::kPdtLoadAccessFault);
        const s::PdtEntry pdte = s::reg_of<s::PdtEntry>(raw);
        if (!pdte.v()) return fail(Cause::kPdtNotValid);
        if (raw & s::PdtEntry::kReserved) return fail(Cause::kPdtMisconfigured);
        a = pdte.ppn() << 12;
        continue;
      }
      if (!read(spa, pc.words.data(), s::ProcessContext::kBytes)) return fail(Cause::kPdtLoadAccessFault);
      if (!pc.ta().v()) return fail(Cause::kPdtNotValid);
      // "Process-context configuration checks".
      const s::Fsc fsc = pc.fsc();
      if ((pc.ta().raw() & s::PcTa::kReserved) || (fsc.raw() & s::Fsc::kReserved) ||
          (fsc.mode() != 0 && !s_scheme(fsc.mode(), sxl, caps()))) {
        return fail(Cause::kPdtMisconfigured);
      }
    }
    if (live && io.config_.pc_cache_entries) {
      auto& slot = io.pc_cache_[io.pc_next_++ % io.config_.pc_cache_entries];
      slot = PcCacheEntry{true, req.device_id, pid, pc};
    }
    return true;
  }

  // ---- "Process to translate addresses of MSIs": true when `gpa` was an MSI address (then `out` holds the
  // translation or the fault).
  bool msi_translate(uint64_t gpa, bool& done) {
    done = false;
    if (!extended || dc.msiptp().mode() != static_cast<uint64_t>(s::MsiptpMode::kFlat)) return true;
    const uint64_t mask = dc.msi_addr_mask().mask(), pattern = dc.msi_addr_pattern().pattern();
    if (!s::is_msi_address(gpa, mask, pattern)) return true;
    done = true;
    out.msi = true;
    const uint64_t pte_pa = (dc.msiptp().ppn() << 12) | (s::interrupt_file_number(gpa, mask) * 16);
    s::MsiPte pte;
    if (!read(pte_pa, pte.words.data(), s::MsiPte::kBytes)) return fail(Cause::kMsiPteLoadAccessFault);
    if (!pte.v()) return fail(Cause::kMsiPteNotValid);
    if (pte.c()) return fail(Cause::kMsiPteMisconfigured);  // Config: no custom interpretation
    if (pte.m() == static_cast<uint64_t>(s::MsiPteMode::kBasic)) {
      if (pte.words[0] & s::MsiPte::kBasicReserved0) return fail(Cause::kMsiPteMisconfigured);
      out.pa = (pte.ppn() << 12) | spec::offset_in(gpa, 12);
    } else if (pte.m() == static_cast<uint64_t>(s::MsiPteMode::kMrif)) {
      if (!caps().msi_mrif()) return fail(Cause::kMsiPteMisconfigured);
      if ((pte.words[0] & s::MsiPte::kMrifReserved0) || (pte.words[1] & s::MsiPte::kMrifReserved1)) {
        return fail(Cause::kMsiPteMisconfigured);
      }
      out.mrif = true;
      out.pa = pte.mrif_address();
      out.notice_address = pte.notice_address();
      out.notice_data = pte.nid();
      // The MSI's pending doubleword must be readable for the update (else "MRIF access fault", 264); checked
      // here so that lookup() predicts what translate() does.
      uint64_t pending = 0;
      if (mrif_store(req) && !read(mrif_pending_address(out.pa, req), &pending, 8)) {
        return fail(Cause::kMrifAccessFault);
      }
    } else {
      return fail(Cause::kMsiPteMisconfigured);  // "If msipte.M == 0 or msipte.M == 2"
    }
    // "equivalent to that of a regular RISC-V second-stage PTE with R=W=U=1 and X=0 ... If the transaction is
    // an Untranslated or Translated read-for-execute then stop and report "Instruction access fault""
    if (req.exec && !req.write) return fail(Cause::kInstructionAccessFault);
    out.r = out.w = true;
    out.x = false;
    out.page_size = 4096;
    out.outcome = Outcome::kTranslated;
    return true;
  }

  // ---- the whole process.
  void go() {
    const s::Ddtp ddtp = s::reg_of<s::Ddtp>(io.ddtp_);
    const uint64_t mode = ddtp.iommu_mode();
    if (mode == static_cast<uint64_t>(s::IommuMode::kOff)) {
      fail(Cause::kAllInboundDisallowed);
      return;
    }
    if (mode == static_cast<uint64_t>(s::IommuMode::kBare)) {
      bypass(req.iova);
      return;
    }
    const unsigned levels = s::ddt_levels(mode);
    extended = caps().msi_flat();
    // "If the device_id is wider than that supported by the IOMMU mode ... "Transaction type disallowed""
    if ((req.device_id >> s::device_id_bits(levels, extended)) != 0) {
      fail(Cause::kTransactionTypeDisallowed);
      return;
    }
    if (!locate_dc(ddtp, levels)) return;
    const s::Tc tc = dc.tc();
    dtf = tc.dtf();
    sxl = tc.sxl();
    gade = tc.gade();
    sade = tc.sade();
    const s::Fsc fsc = dc.fsc();
    const uint64_t pid_mode = fsc.mode();
    // Step 7: a process_id without PDTV, or wider than pdtp.MODE supports (pdtp Bare: no limit).
    if (req.has_pasid && !tc.pdtv()) {
      fail(Cause::kTransactionTypeDisallowed);
      return;
    }
    if (req.has_pasid && pid_mode != 0 && (req.pasid >> s::process_id_bits(pid_mode)) != 0) {
      fail(Cause::kTransactionTypeDisallowed);
      return;
    }
    const s::Iohgatp g = dc.iohgatp();
    gs = g.mode() ? g_scheme(g.mode(), s::Fctl{io.fctl_}.gxl(), caps()) : nullptr;
    g_root = g.ppn() << 12;
    gscid = static_cast<uint16_t>(g.gscid());

    // Steps 10-16: the first-stage controls.
    const s::PagingScheme* ss = nullptr;
    uint64_t s_root = 0;
    uint32_t pscid = 0;
    bool priv = false, sum = false;
    if (!tc.pdtv()) {
      ss = fsc.mode() ? s_scheme(fsc.mode(), sxl, caps()) : nullptr;
      s_root = fsc.ppn();
      pscid = static_cast<uint32_t>(dc.ta().pscid());
    } else if ((req.has_pasid || tc.dpe()) && pid_mode != 0) {
      s::ProcessContext pc;
      const uint32_t pid = req.has_pasid ? req.pasid : 0;  // "let process_id be the default value of 0"
      if (!locate_pc(pid_mode, fsc.ppn(), pid, pc)) return;
      process_id_valid = true;
      process_id = pid;
      priv = req.has_pasid && req.priv;
      if (priv && !pc.ta().ens()) {
        fail(Cause::kTransactionTypeDisallowed);
        return;
      }
      sum = pc.ta().sum();
      ss = pc.fsc().mode() ? s_scheme(pc.fsc().mode(), sxl, caps()) : nullptr;
      s_root = pc.fsc().ppn();
      pscid = static_cast<uint32_t>(pc.ta().pscid());
    }
    const uint8_t kind = static_cast<uint8_t>((ss ? 1 : 0) | (gs ? 2 : 0));

    // The IOATC (a G-stage-only GPA is checked against the MSI pattern first: MSI translations are not cached).
    if (live && kind != 0 && !(kind == 2 && msi_candidate(req.iova)) && ioatc_hit(kind, pscid, priv)) return;

    Leaf s1;
    uint64_t gpa = req.iova;
    uint64_t size = ~uint64_t{0};
    bool r = true, w = true, x = true, dirty = true, global = false;
    if (ss) {
      if (!s_translate(*ss, s_root, priv, sum, s1)) return;
      gpa = s1.base + spec::offset_within(req.iova, s1.size);
      size = s1.size;
      r = s1.r, w = s1.w, x = s1.x, dirty = s1.dirty, global = s1.global;
    }
    bool was_msi = false;
    if (!msi_translate(gpa, was_msi)) return;
    if (was_msi) return;
    uint64_t pa = gpa;
    if (gs) {
      Leaf l2;
      if (!g_translate(gpa, false, false, false, l2)) return;
      pa = l2.base + spec::offset_within(gpa, l2.size);
      if (l2.size < size) size = l2.size;
      r = r && l2.r, w = w && l2.w, x = x && l2.x, dirty = dirty && l2.dirty;
    }
    if (kind == 0) {
      bypass(req.iova);
      return;
    }
    out.outcome = Outcome::kTranslated;
    out.pa = pa;
    out.page_size = size;
    out.r = r, out.w = w, out.x = x;
    if (live) fill(kind, pscid, priv, global, gpa, size, dirty);
  }

  bool msi_candidate(uint64_t gpa) const {
    return extended && dc.msiptp().mode() != 0 &&
           s::is_msi_address(gpa, dc.msi_addr_mask().mask(), dc.msi_addr_pattern().pattern());
  }

  void bypass(uint64_t pa) {
    out.outcome = Outcome::kBypassed;
    out.pa = pa;
    out.page_size = 4096;
    out.r = out.w = out.x = true;
  }

  bool matches(const IoatcEntry& e, uint8_t kind, uint32_t pscid, bool priv) const {
    if (!e.valid || e.kind != kind || req.iova < e.va || req.iova - e.va >= e.size) return false;
    if (e.device_id != req.device_id || e.has_process_id != process_id_valid || e.process_id != process_id) {
      return false;
    }
    if ((kind & 2) && e.gscid != gscid) return false;
    if ((kind & 1) && (e.pscid != pscid || e.priv != priv)) return false;
    return true;
  }
  bool ioatc_hit(uint8_t kind, uint32_t pscid, bool priv) {
    for (const auto& e : io.ioatc_) {
      if (!matches(e, kind, pscid, priv)) continue;
      // A cached entry grants what it recorded; a request it does not grant walks again (and faults or
      // refreshes the entry).
      if ((req.write && !(e.w && e.dirty)) || (req.exec && !e.x) || (!req.exec && !e.r)) return false;
      out.outcome = Outcome::kTranslated;
      out.pa = e.pa + (req.iova - e.va);
      out.page_size = e.size;
      out.r = e.r, out.w = e.w, out.x = e.x;
      return true;
    }
    return false;
  }
  void fill(uint8_t kind, uint32_t pscid, bool priv, bool global, uint64_t gpa, uint64_t size, bool dirty) {
    const unsigned n = io.config_.ioatc_entries < kMaxIoatc ? io.config_.ioatc_entries : kMaxIoatc;
    if (n == 0) return;
    const uint64_t va = spec::align_down_to(req.iova, size);
    // One entry per page: an older entry for the same page goes.
    for (auto& e : io.ioatc_) {
      if (matches(e, kind, pscid, priv)) e.valid = false;
    }
    IoatcEntry& e = io.ioatc_[io.ioatc_next_++ % n];
    e = IoatcEntry{};
    e.valid = true;
    e.kind = kind;
    e.global = global;
    e.priv = priv;
    e.device_id = req.device_id;
    e.has_process_id = process_id_valid;
    e.process_id = process_id;
    e.pscid = pscid;
    e.gscid = gscid;
    e.va = va;
    e.gpa = spec::align_down_to(gpa, size);
    e.pa = spec::align_down_to(out.pa, size);
    e.size = size;
    e.r = out.r;
    e.x = out.x;
    e.w = out.w;
    e.dirty = dirty;  // a write to a page whose D bit is clear must walk (and set D or fault)
  }
};

// ---------------------------------------------------------------------------------------------------------
Result Iommu::run(const Request& req, bool live) const {
  Walk w{*this, req, live};
  w.go();
  Result r = w.out;
  if (r.has_fault) {
    // "If a fault condition prevents locating a valid device context then the DTF value assumed for reporting
    // such faults is 0"; with DTF = 1 only the causes the table marks "Yes" are reported.
    const bool suppressed = w.dtf && !s::reported_when_dtf(r.fault.cause_code());
    r.outcome = suppressed ? Outcome::kAborted : Outcome::kFaulted;
  }
  return r;
}

Result Iommu::lookup(const Request& req) const { return run(req, false); }

Result Iommu::translate(const Request& req) {
  Result r = run(req, true);
  if (r.outcome == Outcome::kFaulted) {
    r.queued = queue_fault(r.fault);
    if (!r.queued) r.outcome = Outcome::kAborted;
  }
  // MRIF mode (AIA "MSI PTE, MRIF mode"): "If either A[11:3] or D[31:11] is not zero, or if bit 2 of A is one
  // and big-endian MSIs are not supported, then the incoming write is accepted but discarded. Else ... setting
  // the interrupt-pending bit that corresponds to the interrupt identity D in the destination MRIF to one";
  // pending bits are the even doublewords, enable bits the odd ones. Then "the 11-bit NID value is
  // zero-extended to 32 bits, and this value is written to the address NPPN<<12" -- always ("an IOMMU is
  // required always to send a notice MSI ... even when the corresponding enable bit ... is zero").
  // Only a Request marked msi is taken as the 32-bit MSI write (the model sees no access size).
  if (r.ok() && r.mrif && mrif_store(req)) {
    const uint64_t pending_pa = mrif_pending_address(r.pa, req);
    uint64_t pending = 0;
    if (!mem_.read64(pending_pa, pending) ||
        !mem_.write64(pending_pa, pending | (uint64_t{1} << (req.msi_data % 64)))) {
      r.has_fault = true;
      r.fault = fault_for(req, s::Cause::kMrifAccessFault, req.iova);
      r.queued = queue_fault(r.fault);
      r.outcome = r.queued ? Outcome::kFaulted : Outcome::kAborted;
    } else if (sink_) {
      sink_->msi(r.notice_address, r.notice_data);
    } else {
      mem_.write32(r.notice_address, r.notice_data);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// The fault queue ("Fault/Event-Queue (FQ)"): a record is written at fqt when the queue is on, no error bit
// is set and it is not full ("fqt == fqh - 1"); "While either error bit is set in fqcsr, the IOMMU discards
// the record that led to the fault and all further fault records."
bool Iommu::queue_fault(const s::FaultRecord& rec) {
  s::Fqcsr csr{fqcsr_};
  if (!csr.fqon() || csr.fqmf() || csr.fqof()) return false;
  const uint64_t mask = queue_mask(fqb_);
  const uint32_t next = static_cast<uint32_t>((fqt_ + 1) & mask);
  bool ok = false;
  if (next == (fqh_ & mask)) {
    csr.set_fqof(1);
  } else if (!mem_.write(s::reg_of<s::QueueBase>(fqb_).base() + uint64_t{fqt_} * s::kFaultRecordBytes,
                         rec.words.data(), s::kFaultRecordBytes)) {
    csr.set_fqmf(1);
  } else {
    fqt_ = next;
    ok = true;
  }
  fqcsr_ = csr.value;
  // "fip ... is set to 1 if fqcsr.fie is 1 and any of the following are true: fqof, fqmf, A new record is
  // produced in the FQ."
  if (csr.fie()) raise(1);
  return ok;
}

// ---------------------------------------------------------------------------------------------------------
// Interrupts ("Interrupt pending status register (ipsr)", "Interrupt-cause-to-vector register (icvec)", "MSI
// configuration table"): "MSI have edge semantics and an interrupt message is generated when an
// interrupt-pending bit transitions from 0 to 1".
void Iommu::raise(unsigned bit) {
  if (ipsr_ & (1u << bit)) return;
  ipsr_ |= 1u << bit;
  signal(bit, true);
}

void Iommu::signal(unsigned bit, bool rising) {
  const unsigned vector = static_cast<unsigned>((icvec_ >> (4 * bit)) & 0xf);
  if (s::Fctl{fctl_}.wsi()) {
    if (sink_) sink_->wire(vector, rising);
    if (rising) ++interrupts_;
    return;
  }
  if (!rising) return;
  if (msi_vec_ctl_[vector] & s::MsiVecCtl::m_mask) {
    msi_pending_[vector] = true;  // "Pending messages for that vector are later generated if ... cleared"
    return;
  }
  ++interrupts_;
  if (sink_ && !sink_->msi(msi_addr_[vector], msi_data_[vector])) {
    // "If an access fault is detected on a MSI write using msi_addr_x, then the IOMMU reports a "IOMMU MSI
    // write access fault" (cause 273) fault, with TTYP set to 0 and iotval set to the value of msi_addr_x."
    s::FaultRecord rec;
    rec.set_cause(static_cast<uint64_t>(s::Cause::kMsiWriteAccessFault)).set_iotval(msi_addr_[vector]);
    if (bit != 1) queue_fault(rec);  // a failing fault-queue MSI does not feed itself
  }
}

void Iommu::update_ipsr_conditions() {
  const s::Cqcsr cq{cqcsr_};
  if (cq.cie() && (cq.fence_w_ip() || cq.cmd_ill() || cq.cmd_to() || cq.cqmf())) raise(0);
  const s::Fqcsr fq{fqcsr_};
  if (fq.fie() && (fq.fqof() || fq.fqmf())) raise(1);
}

// ---------------------------------------------------------------------------------------------------------
void Iommu::reset(const Config& config) {
  config_ = config;
  if (config_.ioatc_entries > kMaxIoatc) config_.ioatc_entries = kMaxIoatc;
  if (config_.dc_cache_entries > kMaxDcCache) config_.dc_cache_entries = kMaxDcCache;
  if (config_.pc_cache_entries > kMaxPcCache) config_.pc_cache_entries = kMaxPcCache;
  caps_.set_raw(config_.capabilities);
  // fctl.WSI reads 1 when the IOMMU can only signal wires.
  fctl_ = caps_.igs() == static_cast<uint64_t>(s::Igs::kWsi) ? static_cast<uint32_t>(s::Fctl::wsi_mask) : 0;
  s::Ddtp d;
  d.set_iommu_mode(static_cast<uint64_t>(config_.reset_bare ? s::IommuMode::kBare : s::IommuMode::kOff));
  ddtp_ = d.raw();
  cqb_ = fqb_ = icvec_ = 0;
  cqh_ = cqt_ = fqh_ = fqt_ = 0;
  cqcsr_ = fqcsr_ = ipsr_ = 0;
  tr_req_iova_ = tr_req_ctl_ = tr_response_ = 0;
  for (unsigned v = 0; v < s::reg::kMsiVectors; ++v) {
    msi_addr_[v] = 0;
    msi_data_[v] = msi_vec_ctl_[v] = 0;
    msi_pending_[v] = false;
  }
  interrupts_ = 0;
  // "After a reset the caches must have no valid entries."
  for (auto& e : ioatc_) e = IoatcEntry{};
  for (auto& e : dc_cache_) e = DcCacheEntry{};
  for (auto& e : pc_cache_) e = PcCacheEntry{};
  ioatc_next_ = dc_next_ = pc_next_ = 0;
}

size_t Iommu::ioatc_valid_entries() const {
  size_t n = 0;
  for (const auto& e : ioatc_) n += e.valid;
  return n;
}
size_t Iommu::dc_cache_valid_entries() const {
  size_t n = 0;
  for (const auto& e : dc_cache_) n += e.valid;
  return n;
}
bool Iommu::command_queue_stopped() const {
  const s::Cqcsr c{cqcsr_};
  return !c.cqon() || c.cmd_ill() || c.cqmf() || c.cmd_to();
}

// ---------------------------------------------------------------------------------------------------------
// The register page, in 32-bit halves.
uint64_t Iommu::read(uint32_t offset, unsigned size) const {
  if ((size != 4 && size != 8) || offset % size != 0 || offset + size > s::kRegisterPageBytes) return 0;
  if (size == 4) return read32(offset);
  return read32(offset) | (uint64_t{read32(offset + 4)} << 32);
}

void Iommu::write(uint32_t offset, uint64_t value, unsigned size) {
  if ((size != 4 && size != 8) || offset % size != 0 || offset + size > s::kRegisterPageBytes) return;
  if (size == 4) {
    write32(offset, static_cast<uint32_t>(value));
    return;
  }
  // "such an access may appear, internally to the IOMMU, as if two separate 4 byte accesses -- first to the
  // high half and second to the low half -- were performed."
  write32(offset + 4, static_cast<uint32_t>(value >> 32));
  write32(offset, static_cast<uint32_t>(value));
}

namespace {
// cqcsr and fqcsr (and pqcsr) share their shape: en [0] and ie [1] RW, error bits RW1C, on [16] and busy [17] RO.
// The model turns a queue on and off at once: on follows en, busy reads 0. True when en went from 0 to 1, which
// also clears every error bit.
bool write_queue_csr(uint32_t& csr, uint32_t v, uint32_t rw, uint32_t rw1c) {
  const uint32_t en = static_cast<uint32_t>(s::Cqcsr::cqen_mask), on = static_cast<uint32_t>(s::Cqcsr::cqon_mask);
  uint32_t now = csr & ~(v & rw1c);
  const bool turned_on = (v & en) && !(now & en);
  if (turned_on) now &= ~rw1c;
  csr = (now & rw1c) | (v & rw) | ((v & en) ? on : 0);
  return turned_on;
}
uint32_t lo32(uint64_t v) { return static_cast<uint32_t>(v); }
uint32_t hi32(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
uint64_t with_half(uint64_t reg, bool high, uint32_t v) {
  return high ? (reg & 0xffff'ffffull) | (uint64_t{v} << 32) : (reg & ~0xffff'ffffull) | v;
}
}  // namespace

uint32_t Iommu::read32(uint32_t off) const {
  namespace r = s::reg;
  const bool high = off % 8 == 4;
  const uint32_t base8 = off & ~7u;
  auto half = [&](uint64_t v) { return high ? hi32(v) : lo32(v); };
  if (base8 == r::kCapabilities.offset) return half(caps_.raw());
  if (off == r::kFctl.offset) return fctl_;
  if (base8 == r::kDdtp.offset) return half(ddtp_);
  if (base8 == r::kCqb.offset) return half(cqb_);
  if (off == r::kCqh.offset) return cqh_;
  if (off == r::kCqt.offset) return cqt_;
  if (base8 == r::kFqb.offset) return half(fqb_);
  if (off == r::kFqh.offset) return fqh_;
  if (off == r::kFqt.offset) return fqt_;
  if (off == r::kCqcsr.offset) return cqcsr_;
  if (off == r::kFqcsr.offset) return fqcsr_;
  if (off == r::kIpsr.offset) return ipsr_;
  if (caps_.dbg()) {
    if (base8 == r::kTrReqIova.offset) return half(tr_req_iova_);
    if (base8 == r::kTrReqCtl.offset) return half(tr_req_ctl_);
    if (base8 == r::kTrResponse.offset) return half(tr_response_);
  }
  if (off == r::kIcvec.offset) return lo32(icvec_);
  // "These registers are hardwired to 0 if capabilities.IGS == WSI."
  if (off >= r::kMsiCfgTbl.offset && off < r::kMsiCfgTbl.offset + r::kMsiCfgTbl.bytes &&
      caps_.igs() != static_cast<uint64_t>(s::Igs::kWsi)) {
    const unsigned v = (off - r::kMsiCfgTbl.offset) / 16, slot = (off - r::kMsiCfgTbl.offset) % 16;
    if (slot == 0) return lo32(msi_addr_[v]);
    if (slot == 4) return hi32(msi_addr_[v]);
    if (slot == 8) return msi_data_[v];
    return msi_vec_ctl_[v];
  }
  // The page-request queue (ATS = 0), HPM (HPM = 0), iommu_qosid (QOSID = 0), reserved and custom space:
  // "a read from the memory-mapped register offset of the register returns 0".
  return 0;
}

void Iommu::write32(uint32_t off, uint32_t v) {
  namespace r = s::reg;
  const bool high = off % 8 == 4;
  const uint32_t base8 = off & ~7u;
  if (off == r::kFctl.offset) {
    // WARL: BE writable only with END; WSI only when IGS is BOTH; GXL when the configuration says so.
    s::Fctl now{fctl_};
    const s::Fctl w{v};
    if (caps_.end()) now.set_be(w.be());
    if (caps_.igs() == static_cast<uint64_t>(s::Igs::kBoth)) now.set_wsi(w.wsi());
    if (config_.gxl_writable) now.set_gxl(w.gxl());
    fctl_ = now.value;
    return;
  }
  if (base8 == r::kDdtp.offset) {
    s::Ddtp now = s::reg_of<s::Ddtp>(ddtp_);
    const s::Ddtp w = s::reg_of<s::Ddtp>(with_half(ddtp_, high, v));
    now.set_ppn(w.ppn());
    // iommu_mode is WARL: a reserved or custom encoding leaves the mode as it was (model choice).
    if (!high && w.iommu_mode() <= static_cast<uint64_t>(s::IommuMode::k3Lvl)) now.set_iommu_mode(w.iommu_mode());
    ddtp_ = now.raw();
    return;
  }
  if (base8 == r::kCqb.offset || base8 == r::kFqb.offset) {
    uint64_t& reg = base8 == r::kCqb.offset ? cqb_ : fqb_;
    reg = with_half(reg, high, v) & (s::QueueBase::log2sz_1_mask | s::QueueBase::ppn_mask);
    // "The status of bits 31:cqb.LOG2SZ in cqt following a write to cqb is 0" (fqh alike). The model keeps
    // its own index (cqh, fqt) inside the queue too; enabling the queue sets it to 0 anyway.
    if (base8 == r::kCqb.offset) {
      cqt_ &= static_cast<uint32_t>(queue_mask(cqb_));
      cqh_ &= static_cast<uint32_t>(queue_mask(cqb_));
    } else {
      fqh_ &= static_cast<uint32_t>(queue_mask(fqb_));
      fqt_ &= static_cast<uint32_t>(queue_mask(fqb_));
    }
    return;
  }
  if (off == r::kCqt.offset) {
    cqt_ = v & static_cast<uint32_t>(queue_mask(cqb_));  // "Only LOG2SZ-1:0 bits are writable."
    process();
    return;
  }
  if (off == r::kFqh.offset) {
    fqh_ = v & static_cast<uint32_t>(queue_mask(fqb_));
    return;
  }
  if (off == r::kCqcsr.offset) {
    // "Changing cqen from 0 to 1 sets the cqh register and the cqcsr bits cmd_ill, cmd_to, cqmf, fence_w_ip to 0".
    if (write_queue_csr(cqcsr_, v, s::Cqcsr::kRw, s::Cqcsr::kRw1c)) cqh_ = 0;
    update_ipsr_conditions();
    process();
    return;
  }
  if (off == r::kFqcsr.offset) {
    // "Changing fqen from 0 to 1 sets the fqt register and the fqcsr bits fqof and fqmf to 0."
    if (write_queue_csr(fqcsr_, v, s::Fqcsr::kRw, s::Fqcsr::kRw1c)) fqt_ = 0;
    update_ipsr_conditions();
    return;
  }
  if (off == r::kIpsr.offset) {
    // RW1C; "If the conditions to set that bit are still present ... then that bit transitions again from
    // 0->1."
    const uint32_t cleared = ipsr_ & v & s::Ipsr::kRw1c;
    ipsr_ &= ~cleared;
    for (unsigned b = 0; b < 4; ++b) {
      if (cleared & (1u << b)) signal(b, false);
    }
    update_ipsr_conditions();
    return;
  }
  if (caps_.dbg() && base8 == r::kTrReqIova.offset) {
    tr_req_iova_ = with_half(tr_req_iova_, high, v) & s::TrReqIova::vpn_mask;
    return;
  }
  if (caps_.dbg() && base8 == r::kTrReqCtl.offset) {
    const uint64_t keep = s::TrReqCtl::priv_mask | s::TrReqCtl::exe_mask | s::TrReqCtl::nw_mask |
                          s::TrReqCtl::pid_mask | s::TrReqCtl::pv_mask | s::TrReqCtl::did_mask;
    const uint64_t w = with_half(tr_req_ctl_, high, v);
    tr_req_ctl_ = (w & keep) | (tr_req_ctl_ & s::TrReqCtl::go_busy_mask);
    if (!high && (v & s::TrReqCtl::go_busy_mask)) debug_translate();  // Go/Busy is RW1S
    return;
  }
  if (off == r::kIcvec.offset) {
    icvec_ = v & (s::Icvec::civ_mask | s::Icvec::fiv_mask | s::Icvec::pmiv_mask | s::Icvec::piv_mask);
    return;
  }
  if (off >= r::kMsiCfgTbl.offset && off < r::kMsiCfgTbl.offset + r::kMsiCfgTbl.bytes &&
      caps_.igs() != static_cast<uint64_t>(s::Igs::kWsi)) {
    const unsigned vec = (off - r::kMsiCfgTbl.offset) / 16, slot = (off - r::kMsiCfgTbl.offset) % 16;
    if (slot == 0 || slot == 4) {
      msi_addr_[vec] = with_half(msi_addr_[vec], slot == 4, v) & s::MsiAddr::addr_55_2_mask;
    } else if (slot == 8) {
      msi_data_[vec] = v;
    } else {
      msi_vec_ctl_[vec] = v & static_cast<uint32_t>(s::MsiVecCtl::m_mask);
      if (!msi_vec_ctl_[vec] && msi_pending_[vec]) {
        msi_pending_[vec] = false;
        ++interrupts_;
        if (sink_) sink_->msi(msi_addr_[vec], msi_data_[vec]);
      }
    }
    return;
  }
  // Read-only, absent or reserved: ignored.
}

// ---------------------------------------------------------------------------------------------------------
// "Translation-request interface": a translation of tr_req_iova for tr_req_ctl's device and process; "The
// detected fault may be reported through the fault-queue" (the model reports it).
void Iommu::debug_translate() {
  const s::TrReqCtl ctl = s::reg_of<s::TrReqCtl>(tr_req_ctl_);
  Request req;
  req.device_id = static_cast<uint32_t>(ctl.did());
  req.iova = tr_req_iova_;
  req.exec = ctl.exe();
  req.write = !ctl.nw();  // "If set to 0, both read and write permissions are requested."
  req.has_pasid = ctl.pv();
  req.pasid = static_cast<uint32_t>(ctl.pid());
  req.priv = ctl.pv() && ctl.priv();
  const Result r = translate(req);
  s::TrResponse resp;
  if (!r.ok()) {
    resp.set_fault(1);
  } else {
    // "If the S bit is 1 ... the first bit with a value of 0 at position X, then the superpage size is
    // 2^(X+1) * 4 KiB": a size of 2^(13+X) has PPN bits [X-1:0] set and bit X clear.
    uint64_t ppn = r.pa >> 12;
    if (r.page_size > 4096) {
      const uint64_t pages = r.page_size >> 12;
      ppn = (spec::align_down_to(ppn, pages)) | ((pages >> 1) - 1);
      resp.set_s(1);
    }
    resp.set_ppn(bits_of(ppn, 43, 0));
  }
  tr_response_ = resp.raw();
  tr_req_ctl_ &= ~s::TrReqCtl::go_busy_mask;
}

// ---------------------------------------------------------------------------------------------------------
// The command queue ("Command-Queue (CQ)").
void Iommu::process() {
  const uint64_t mask = queue_mask(cqb_);
  // Bounded by the queue's size: each step moves cqh one entry towards cqt or stops.
  for (uint64_t n = 0; n <= mask && !command_queue_stopped() && cqh_ != cqt_; ++n) {
    s::Command c;
    if (!mem_.read(s::reg_of<s::QueueBase>(cqb_).base() + uint64_t{cqh_} * s::kCommandBytes, c.words.data(),
                   s::kCommandBytes)) {
      cqcsr_ |= static_cast<uint32_t>(s::Cqcsr::cqmf_mask);  // "command-queue access to fetch a command"
      break;
    }
    // "If an illegal or unsupported command is fetched ... sets the cqcsr.cmd_ill bit and stops"; "cqh
    // references the command in the CQ that caused the error".
    if (command_illegal(c)) {
      cqcsr_ |= static_cast<uint32_t>(s::Cqcsr::cmd_ill_mask);
      break;
    }
    if (!execute(c)) break;
    cqh_ = static_cast<uint32_t>((cqh_ + 1) & mask);
  }
  update_ipsr_conditions();
}

// "A command is determined to be illegal if it uses a reserved encoding or if a reserved bit is set to 1. A
// command is unsupported if it is defined but not implemented as determined by the IOMMU capabilities".
bool Iommu::command_illegal(const s::Command& c) const {
  const uint64_t func3 = c.func3();
  switch (static_cast<s::Opcode>(c.opcode())) {
    case s::Opcode::kIotinval: {
      if (func3 > 1) return true;
      const auto t = as<s::IotinvalCommand>(c);
      uint64_t r0 = s::IotinvalCommand::kReserved0, r1 = s::IotinvalCommand::kReserved1;
      if (!caps_.nl()) r0 |= s::IotinvalCommand::nl_mask;  // "When the capabilities.NL bit is 0, bit 34
                                                           // remains reserved."
      if (!caps_.s()) r1 |= s::IotinvalCommand::s_mask;    // "... bit 73 remains reserved."
      if ((t.words[0] & r0) || (t.words[1] & r1)) return true;
      // "Setting PSCV to 1 with IOTINVAL.GVMA is illegal."
      return func3 == static_cast<uint64_t>(s::IotinvalFunc::kGvma) && t.pscv();
    }
    case s::Opcode::kIofence: {
      if (func3 != 0) return true;
      const auto f = as<s::IofenceCommand>(c);
      if ((f.words[0] & s::IofenceCommand::kReserved0) || (f.words[1] & s::IofenceCommand::kReserved1)) return true;
      // WSI: "This bit is reserved if the IOMMU does not support wired-interrupts or wired-interrupts have not
      // been enabled (i.e., fctl.WSI == 0)."
      return f.wsi() && !s::Fctl{fctl_}.wsi();
    }
    case s::Opcode::kIodir: {
      if (func3 > 1) return true;
      const auto d = as<s::IodirCommand>(c);
      if ((d.words[0] & s::IodirCommand::kReserved0) || (d.words[1] & s::IodirCommand::kReserved1)) return true;
      // "The PID operand is reserved for the IODIR.INVAL_DDT command." "The DV operand must be 1 for
      // IODIR.INVAL_PDT else the command is illegal."
      if (func3 == static_cast<uint64_t>(s::IodirFunc::kInvalDdt)) return d.pid() != 0;
      return !d.dv();
    }
    case s::Opcode::kAts:
      return true;  // "This command is supported if capabilities.ATS is set to 1": the model has no ATS.
  }
  return true;  // reserved (5-63) and custom (64-127) opcodes
}

// Executes a legal command; false when it could not complete (cqmf set, cqh stays on it).
bool Iommu::execute(const s::Command& c) {
  switch (static_cast<s::Opcode>(c.opcode())) {
    case s::Opcode::kIotinval: {
      const auto t = as<s::IotinvalCommand>(c);
      if (t.func3() == static_cast<uint64_t>(s::IotinvalFunc::kVma)) invalidate_vma(t);
      else invalidate_gvma(t);
      return true;
    }
    case s::Opcode::kIofence: {
      const auto f = as<s::IofenceCommand>(c);
      // "If AV=1, the IOMMU writes DATA to memory at a 4-byte aligned address ADDR[63:2] * 4 as a 4-byte
      // store when the command completes. ... If the attempt to perform this write encounters a memory fault,
      // the cmd_mf bit in cqcsr is set ... and the cqh holds the index of the IOFENCE.C".
      if (f.av() && !mem_.write32(f.addr(), static_cast<uint32_t>(f.data()))) {
        cqcsr_ |= static_cast<uint32_t>(s::Cqcsr::cqmf_mask);
        return false;
      }
      if (f.wsi()) cqcsr_ |= static_cast<uint32_t>(s::Cqcsr::fence_w_ip_mask);
      return true;
    }
    case s::Opcode::kIodir: {
      const auto d = as<s::IodirCommand>(c);
      // INVAL_DDT: "If DV is 0, then the command invalidates all DDT and PDT entries cached for all devices
      // ... If DV is 1, then the command invalidates cached leaf-level DDT entry for the device identified by
      // DID operand and all associated PDT entries." INVAL_PDT: "cached leaf PDT entry for the specified PID
      // and DID". "The IOTINVAL command has no effect on the IOMMU directory caches" and IODIR none on the IOATC.
      const bool pdt = d.func3() == static_cast<uint64_t>(s::IodirFunc::kInvalPdt);
      for (auto& e : dc_cache_) {
        if (!pdt && (!d.dv() || e.device_id == d.did())) e.valid = false;
      }
      for (auto& e : pc_cache_) {
        if (!d.dv() || (e.device_id == d.did() && (!pdt || e.process_id == d.pid()))) e.valid = false;
      }
      return true;
    }
    case s::Opcode::kAts:
      return true;
  }
  return true;
}

// "IOTINVAL.VMA operands and operations": GV=0 operates on host address spaces (second stage Bare: entries of
// kind 1), GV=1 on the VM address spaces of GSCID (kind 3); PSCV selects a PSCID and then spares global
// entries; AV selects the leaf entries for ADDR (with S, the NAPOT range).
void Iommu::invalidate_vma(const s::IotinvalCommand& c) {
  const uint64_t range = c.s() && caps_.s() ? s::range_bytes(c.addr_63_12()) : 4096;
  const uint64_t lo = range ? spec::align_down_to(c.addr(), range) : 0;
  for (auto& e : ioatc_) {
    if (!e.valid) continue;
    if (c.gv() ? (e.kind != 3 || e.gscid != c.gscid()) : e.kind != 1) continue;
    if (c.pscv() && (e.pscid != c.pscid() || e.global)) continue;
    if (c.av() && range && (e.va + e.size <= lo || e.va >= lo + range)) continue;
    e.valid = false;
  }
}

// "IOTINVAL.GVMA operands and operations": GV=0 every VM address space; GV=1 those of GSCID; with AV the leaf
// entries for the guest-physical address ADDR. The model tags nested entries with the GPA their IOVA maps to
// and invalidates exactly the entries whose GPA page matches ("any entry whose guest virtual address maps to
// a guest physical address that matches the IOTINVAL.GVMA address and GSCID arguments must be invalidated").
void Iommu::invalidate_gvma(const s::IotinvalCommand& c) {
  const uint64_t range = c.s() && caps_.s() ? s::range_bytes(c.addr_63_12()) : 4096;
  const uint64_t lo = range ? spec::align_down_to(c.addr(), range) : 0;
  for (auto& e : ioatc_) {
    if (!e.valid || !(e.kind & 2)) continue;
    if (c.gv() && e.gscid != c.gscid()) continue;
    if (c.gv() && c.av() && range && (e.gpa + e.size <= lo || e.gpa >= lo + range)) continue;
    e.valid = false;
  }
}

}  // namespace model::riscv_iommu
