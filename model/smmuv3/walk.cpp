// SMMUv3 configuration decode and VMSAv8-64 table walks. See walk.h.
#include "model/smmuv3/walk.h"

#include "spec/address.h"
#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/ste.h"

namespace model::smmuv3 {

using spec::smmuv3::ContextDescriptor;
using spec::smmuv3::EventClass;
using spec::smmuv3::EventRecord;
using spec::smmuv3::EventType;
using spec::smmuv3::L1Cd;
using spec::smmuv3::L1Std;
using spec::smmuv3::Ste;
using spec::vmsa::Descriptor;
using spec::vmsa::level_shift;

namespace {

using spec::align_down;
using spec::fits_bits;
using spec::offset_in;

// Granule shift of an encoded CD.TG0 / CD.TG1 / STE.S2TG, or 0 when reserved or not supported.
uint8_t granule_shift(uint64_t enc, int which, const Caps& caps) {
  // which: 0 = TG0 / S2TG encoding, 1 = TG1 encoding
  const unsigned g = which == 0 ? spec::smmuv3::tg0_granule_shift(enc) : spec::smmuv3::tg1_granule_shift(enc);
  if ((g == 12 && !caps.gran4k) || (g == 14 && !caps.gran16k) || (g == 16 && !caps.gran64k)) return 0;
  return static_cast<uint8_t>(g);
}

constexpr unsigned min_u(unsigned a, unsigned b) { return a < b ? a : b; }

}  // namespace

EventRecord Walker::make_event(EventType t, const Transaction& txn) {
  EventRecord e;
  e.set_type(static_cast<uint64_t>(t));
  e.set_streamid(txn.sid);
  if (txn.ssv) {
    e.set_ssv(1);
    e.set_substreamid(txn.ssid);
  }
  return e;
}

Transaction Walker::effective_attrs(const StreamCfg& ste, const Transaction& txn) {
  Transaction t = txn;
  if (ste.privcfg == 0b10) t.privileged = false;
  if (ste.privcfg == 0b11) t.privileged = true;
  if (ste.instcfg == 0b10) t.instruction = false;
  if (ste.instcfg == 0b11) t.instruction = true;
  return t;
}

// §3.3 stream table lookup. Linear: STE at STRTAB_BASE + SID * 64. 2-level: L1STD at base + (SID >> SPLIT) * 8,
// then STE at L2Ptr + (SID & (2^SPLIT - 1)) * 64 when that index is within the descriptor's Span.
bool Walker::fetch_ste(const GlobalState& gs, const Transaction& txn, Ste& ste, Outcome& out) const {
  spec::smmuv3::StrtabBaseCfg cfg{};
  cfg.value = gs.strtab_base_cfg;
  spec::smmuv3::StrtabBase base_reg{};
  base_reg.set_raw(gs.strtab_base);
  // §6.3.24: LOG2SIZE larger than SIDSIZE behaves as SIDSIZE; StreamIDs at or above 2^size are out of range.
  const unsigned log2size = min_u(static_cast<unsigned>(cfg.log2size()), caps_.sidsize);
  if (log2size < 32 && uint64_t{txn.sid} >= (uint64_t{1} << log2size)) {
    out = Outcome{Status::kFault, gs.recinvsid, 0, make_event(EventType::kCBadStreamid, txn)};
    return false;
  }
  uint64_t base = base_reg.address();
  uint64_t ste_addr;
  if (caps_.two_level_strtab && cfg.fmt() == spec::smmuv3::kStrtabFmt2Level) {
    const unsigned split = min_u(static_cast<unsigned>(cfg.split()), 31);
    const unsigned l1_log2 = log2size > split ? log2size - split : 0;
    // The L1 table is aligned to its size (2^(LOG2SIZE-SPLIT) descriptors of 8 bytes), at least 64 bytes.
    base = align_down(base, l1_log2 + 3 > 6 ? l1_log2 + 3 : 6);
    const uint64_t l1_addr = base + uint64_t{spec::smmuv3::strtab_l1_index(txn.sid, split)} * 8;
    L1Std l1;
    if (!mem_.read64(l1_addr, l1.words[0])) {
      EventRecord e = make_event(EventType::kFSteFetch, txn);
      e.set_fetch_addr(l1_addr);
      out = Outcome{Status::kFault, true, 0, e};
      return false;
    }
    const unsigned span = static_cast<unsigned>(l1.span());
    // Span 0 marks the L1 descriptor invalid; Span > SPLIT+1 is reserved and treated the same way.
    if (span == 0 || span > split + 1) {
      out = Outcome{Status::kFault, gs.recinvsid, 0, make_event(EventType::kCBadStreamid, txn)};
      return false;
    }
    const uint64_t l2_index = spec::smmuv3::strtab_l2_index(txn.sid, split);
    // §5.1.1: StreamIDs "that select a valid Level 1 descriptor but are outside of the level 2 range described by
    // Span, are deemed invalid": C_BAD_STREAMID under RECINVSID (§7.3.3 d: StreamID[SPLIT-1:0] >= 2^(Span-1)).
    if (l2_index >= (uint64_t{1} << (span - 1))) {
      out = Outcome{Status::kFault, gs.recinvsid, 0, make_event(EventType::kCBadStreamid, txn)};
      return false;
    }
    const uint64_t l2 = align_down(l1.l2_address(), span - 1 + 6);
    ste_addr = l2 + l2_index * 64;
  } else {
    base = align_down(base, log2size + 6);  // a linear table is aligned to its size
    ste_addr = base + uint64_t{txn.sid} * 64;
  }
  if (!mem_.read(ste_addr, ste.words.data(), sizeof(Ste))) {
    EventRecord e = make_event(EventType::kFSteFetch, txn);
    e.set_fetch_addr(ste_addr);
    out = Outcome{Status::kFault, true, 0, e};
    return false;
  }
  return true;
}

// §5.2 STE validity (the §5.2.2 SteIllegal() pseudocode). Returns false when the STE is invalid (V=0) or ILLEGAL
// (-> C_BAD_STE).
bool Walker::decode_ste(const Ste& ste, StreamCfg& sc) const {
  if (!ste.v()) return false;
  // §5.2 Config: "0b0xx ... Reserved (behaves as 0b000 )": abort, no event, and no other field is checked
  // (SteIllegal(): "if STE.Config == '0xx' then return FALSE").
  const uint8_t config = ste.config_2() ? static_cast<uint8_t>(ste.config()) : 0;
  sc.config = config;
  if (config == 0) return true;  // abort
  sc.privcfg = static_cast<uint8_t>(ste.privcfg());
  sc.instcfg = static_cast<uint8_t>(ste.instcfg());
  sc.eats = caps_.ats ? static_cast<uint8_t>(ste.eats()) : 0;  // RES0 without ATS
  sc.s1 = ste.config_s1();
  sc.s2 = ste.config_s2();
  // §5.2: enabling a stage the SMMU does not implement is ILLEGAL.
  if (sc.s1 && !caps_.s1p) return false;
  if (sc.s2 && !caps_.s2p) return false;
  // The VMID tags TLB entries whenever stage 2 is implemented, even for stage-1-only STEs.
  sc.vmid = caps_.s2p ? spec::smmuv3::vmid_value(ste.s2vmid(), caps_.vmid16) : 0;
  if (config == static_cast<uint8_t>(spec::smmuv3::SteConfig::kBypass)) return true;

  if (sc.s1) {
    // STRW: "If SMMU_IDR0.Hyp == 0 and the STE is in the Non-secure Stream table this field is RES0" (§5.2), and
    // IgnoreSTESTRW() leaves it out of the validity check: the StreamWorld is NS-EL1. EL2 StreamWorlds are not
    // modelled (Caps::hyp is always false). A non-zero RES0 value may instead be deemed invalid: a Config choice.
    if (!caps_.hyp && ste.strw() != 0 && caps_.strw_res0_nonzero_invalid) return false;
    // S1CDMax "If SMMU_IDR1.SSIDSIZE == 0, this field is IGNORED"; S1Fmt and S1DSS are IGNORED when S1CDMax == 0
    // or SSIDSIZE == 0 (§5.2), and an IGNORED field cannot make the STE ILLEGAL (§1.2 ILLEGAL).
    sc.s1cdmax = caps_.ssidsize == 0 ? 0 : static_cast<uint8_t>(ste.s1cdmax());
    if (sc.s1cdmax > caps_.ssidsize) return false;
    if (sc.s1cdmax != 0) {
      sc.s1fmt = static_cast<uint8_t>(ste.s1fmt());
      if (sc.s1fmt == 3) sc.s1fmt = 0;  // "0b11 | Reserved (behaves as 0b00 )"
      if (sc.s1fmt != 0 && !caps_.cd2l) return false;
      sc.s1dss = static_cast<uint8_t>(ste.s1dss());
      if (sc.s1dss == 3) sc.s1dss = 0;  // "0b11 | Reserved (behaves as 0b00 )": Terminate
    }
    // §5.5: "an STE is considered ILLEGAL if: SMMU_(S_)IDR0.STALL_MODEL != 0b00 and STE.S1STALLD == 1".
    if (ste.s1stalld() && caps_.stall_model != 0) return false;
    sc.ctx_ptr = ste.s1_context_address();
  }
  if (sc.s2) {
    S2Cfg& s2 = sc.s2c;
    // Only the VMSAv8-64 stage-2 format is modelled; with TTF = AArch64-only, S2AA64 = 0 is ILLEGAL.
    if (!ste.s2aa64()) return false;
    s2.gshift = granule_shift(ste.s2tg(), 0, caps_);
    if (s2.gshift == 0) return false;
    // Effective S2PS is capped to the OAS (§5.2 S2PS).
    s2.ps_bits = static_cast<uint8_t>(min_u(spec::smmuv3::pa_size_bits(ste.s2ps()), caps_.oas_bits));
    const unsigned tsz = static_cast<unsigned>(ste.s2t0sz());
    // S2T0SZ range: at most 39 (no SMMU_IDR3.STT); at least 64 - IAS (IAS = OAS for AArch64-only), and at
    // least 16 for the 4 KiB and 16 KiB granules.
    const unsigned min_tsz = s2.gshift == 16 ? 64u - caps_.oas_bits : (64u - caps_.oas_bits > 16 ? 64u - caps_.oas_bits : 16);
    if (tsz > 39 || tsz < min_tsz) return false;
    s2.in_bits = static_cast<uint8_t>(64 - tsz);
    // S2SL0 -> starting level (VTCR_EL2.SL0 encoding); 0b11 reserved without TTST/LPA2.
    const unsigned sl0 = static_cast<unsigned>(ste.s2sl0());
    if (sl0 == 3) return false;
    s2.start_level = static_cast<uint8_t>(spec::smmuv3::s2_start_level(s2.gshift, sl0));
    // Consistency of S2SL0 with S2T0SZ (Arm ARM S2InconsistentSL): the start level must resolve at least one
    // bit and at most stride + 4 bits (up to 16 concatenated tables).
    const unsigned ls = level_shift(s2.gshift, s2.start_level);
    if (s2.in_bits <= ls) return false;
    if (s2.in_bits - ls > static_cast<unsigned>(s2.gshift - 3) + 4) return false;
    s2.ttb = ste.s2_ttb_address();
    if (!fits_bits(s2.ttb, s2.ps_bits)) return false;  // S2TTB outside the effective S2PS is ILLEGAL
    if (caps_.ttendian == spec::smmuv3::kTtEndianLittle && ste.s2endi()) return false;
    if (caps_.ttendian == spec::smmuv3::kTtEndianBig && !ste.s2endi()) return false;
    if (ste.s2s() && caps_.stall_model == spec::smmuv3::kStallModelTerminateOnly) return false;
    s2.affd = ste.s2affd();
    s2.ptw = ste.s2ptw();
    s2.record = ste.s2r();
  }
  return true;
}

// §5.4 CD validity. Returns false when the CD is invalid or ILLEGAL (-> C_BAD_CD).
bool Walker::decode_cd(const ContextDescriptor& cd, CtxCfg& cc) const {
  if (!cd.v()) return false;
  if (!cd.aa64()) return false;  // AArch32 (VMSAv8-32 LPAE) stage 1 is not modelled; ILLEGAL with TTF=AArch64
  if (caps_.ttendian == spec::smmuv3::kTtEndianLittle && cd.endi()) return false;
  if (caps_.ttendian == spec::smmuv3::kTtEndianBig && !cd.endi()) return false;
  if (cd.s() && caps_.stall_model == spec::smmuv3::kStallModelTerminateOnly) return false;
  if (!cd.a() && caps_.term_model) return false;  // TERM_MODEL=1: terminated transactions always abort (A=1)
  cc.ips_bits = static_cast<uint8_t>(min_u(spec::smmuv3::pa_size_bits(cd.ips()), caps_.oas_bits));
  cc.asid = spec::smmuv3::asid_value(cd.asid(), caps_.asid16);
  cc.two_ranges = true;  // NS-EL1 StreamWorld: TTB0 for VA[55]=0, TTB1 for VA[55]=1
  for (int i = 0; i < 2; ++i) {
    TtCfg& tt = cc.tt[i];
    tt.disabled = (i == 0 ? cd.epd0() : cd.epd1()) != 0;
    if (tt.disabled) continue;
    const unsigned tsz = static_cast<unsigned>(i == 0 ? cd.t0sz() : cd.t1sz());
    if (tsz < 16 || tsz > 39) return false;  // outside [16, 39] without VAX/STT
    tt.gshift = granule_shift(i == 0 ? cd.tg0() : cd.tg1(), i, caps_);
    if (tt.gshift == 0) return false;
    tt.ttb = i == 0 ? cd.ttb0_address() : cd.ttb1_address();
    if (!fits_bits(tt.ttb, cc.ips_bits)) return false;  // TTBx outside the effective IPS is ILLEGAL
    tt.had = caps_.had && (i == 0 ? cd.had0() : cd.had1());
    tt.in_bits = static_cast<uint8_t>(64 - tsz);
    tt.start_level = static_cast<uint8_t>(spec::vmsa::start_level(tt.in_bits, tt.gshift));
  }
  cc.affd = cd.affd();
  cc.wxn = cd.wxn();
  cc.pan = cd.pan();
  cc.record = cd.r();
  cc.tbi[0] = cd.tbi0();
  cc.tbi[1] = cd.tbi1();
  return true;
}

// §3.4.3 CD fetch: linear table (CD at S1ContextPtr + index * 64) or 2-level (L1CD at S1ContextPtr +
// (index >> split) * 8, split 6 for 4 KiB leaf tables and 10 for 64 KiB). Under nesting every CD-table
// address is an IPA translated by stage 2 (CLASS=CD).
bool Walker::fetch_cd(const StreamCfg& sc, uint32_t index, const Transaction& txn, CtxCfg& cc,
                      Outcome& out) const {
  auto fetch_fault = [&](uint64_t pa) {
    EventRecord e = make_event(EventType::kFCdFetch, txn);
    e.set_fetch_addr(pa);
    out = Outcome{Status::kFault, true, 0, e};
    return false;
  };
  auto to_pa = [&](uint64_t addr, uint64_t& pa) {
    if (!sc.s2) {
      pa = addr;
      return true;
    }
    Leaf l;
    Fault f;
    if (!s2_translate(sc.s2c, addr, kAccRead, true, EventClass::kCd, l, f)) {
      out = fault_outcome(f, effective_attrs(sc, txn));
      return false;
    }
    pa = l.pa;
    return true;
  };
  uint64_t cd_addr;
  if (sc.s1fmt == static_cast<uint8_t>(spec::smmuv3::S1Fmt::kLinear)) {
    cd_addr = sc.ctx_ptr + uint64_t{index} * 64;
  } else {
    const bool leaf4k = sc.s1fmt == static_cast<uint8_t>(spec::smmuv3::S1Fmt::k2Level4K);
    const unsigned split = leaf4k ? spec::smmuv3::kCdSplit4K : spec::smmuv3::kCdSplit64K;
    const uint64_t l1_addr = sc.ctx_ptr + uint64_t{spec::smmuv3::cdtab_l1_index(index, split)} * 8;
    uint64_t l1_pa;
    if (!to_pa(l1_addr, l1_pa)) return false;
    L1Cd l1;
    if (!mem_.read64(l1_pa, l1.words[0])) return fetch_fault(l1_pa);
    if (!l1.v()) {  // no leaf table for this SubstreamID
      out = Outcome{Status::kFault, true, 0, make_event(EventType::kCBadSubstreamid, txn)};
      return false;
    }
    cd_addr = l1.l2_address() + uint64_t{spec::smmuv3::cdtab_l2_index(index, split)} * 64;
  }
  uint64_t cd_pa;
  if (!to_pa(cd_addr, cd_pa)) return false;
  ContextDescriptor cd;
  if (!mem_.read(cd_pa, cd.words.data(), sizeof cd)) return fetch_fault(cd_pa);
  if (!decode_cd(cd, cc)) {
    out = Outcome{Status::kFault, true, 0, make_event(EventType::kCBadCd, txn)};
    return false;
  }
  return true;
}

bool Walker::resolve(const GlobalState& gs, const Transaction& txn, ResolvedCfg& cfg, Outcome& out) const {
  if (txn.kind == TxnKind::kUnsupported) {  // §7.3.2: rejected before any configuration is consulted
    EventRecord e = make_event(EventType::kFUut, txn);
    e.set_input_addr(txn.iova).set_rnw(!txn.write).set_ind(txn.instruction).set_pnu(txn.privileged);
    out = Outcome{Status::kFault, true, 0, e};
    return false;
  }
  Ste ste;
  if (!fetch_ste(gs, txn, ste, out)) return false;
  cfg = ResolvedCfg{};
  StreamCfg& sc = cfg.ste;
  if (!decode_ste(ste, sc)) {
    out = Outcome{Status::kFault, true, 0, make_event(EventType::kCBadSte, txn)};
    return false;
  }
  if (sc.config == 0) {
    cfg.abort = true;
    return true;
  }
  cfg.s2 = sc.s2;
  // §3.9 SubstreamID rules.
  auto bad_ssid = [&]() {
    out = Outcome{Status::kFault, true, 0, make_event(EventType::kCBadSubstreamid, txn)};
    return false;
  };
  uint32_t index = 0;
  bool use_s1 = sc.s1;
  if (txn.ssv) {
    // A SubstreamID needs stage 1 with substreams enabled (S1CDMax != 0) and must be within 2^S1CDMax;
    // with S1DSS=Substream0, SubstreamID 0 is reserved for non-substream traffic.
    if (caps_.ssidsize == 0 || !sc.s1 || sc.s1cdmax == 0) return bad_ssid();
    if (uint64_t{txn.ssid} >= (uint64_t{1} << sc.s1cdmax)) return bad_ssid();
    if (sc.s1dss == static_cast<uint8_t>(spec::smmuv3::S1Dss::kSubstream0) && txn.ssid == 0) return bad_ssid();
    index = txn.ssid;
  } else if (sc.s1 && sc.s1cdmax != 0) {
    switch (static_cast<spec::smmuv3::S1Dss>(sc.s1dss)) {
      case spec::smmuv3::S1Dss::kTerminate:
        out = Outcome{Status::kFault, true, 0, make_event(EventType::kFStreamDisabled, txn)};
        return false;
      case spec::smmuv3::S1Dss::kBypass:
        use_s1 = false;
        break;
      case spec::smmuv3::S1Dss::kSubstream0:
        index = 0;
        break;
    }
  }
  cfg.s1 = use_s1;
  if (use_s1) {
    if (!fetch_cd(sc, index, txn, cfg.cd, out)) return false;
    cfg.cd_used = true;
    cfg.cd_index = index;
  }
  return true;
}

bool Walker::table_walk(const Geom& g, uint64_t va, bool stage2, const S2Cfg* s2_tables, bool had, Descriptor& desc,
                        uint8_t& level, Descriptor& table_attrs, Fault& f) const {
  const unsigned stride = g.gshift - 3u;
  level = g.start_level;
  unsigned lshift = level_shift(g.gshift, level);
  unsigned bits = g.in_bits - lshift;
  // The starting table is aligned to its own size (Arm ARM: TTBR bits below the table size are ignored).
  uint64_t table = align_down(g.ttb, bits + 3);
  table_attrs = Descriptor{};
  auto fail = [&](EventType t) {
    f.type = t;
    f.s2 = stage2;
    return false;
  };
  for (;;) {
    const uint64_t desc_addr = table + spec::vmsa::table_index(va, lshift, bits) * 8;
    uint64_t desc_pa = desc_addr;
    if (s2_tables) {
      Leaf l;
      if (!s2_translate(*s2_tables, desc_addr, kAccRead, true, EventClass::kTt, l, f)) return false;
      desc_pa = l.pa;
    }
    if (!mem_.read64(desc_pa, desc.words[0])) {
      f.fetch_addr = desc_pa;
      return fail(EventType::kFWalkEabt);
    }
    if (!desc.valid()) return fail(EventType::kFTranslation);
    if (level == 3) {
      if (!desc.type()) return fail(EventType::kFTranslation);  // 0b01 at level 3 is reserved
      break;
    }
    if (desc.type()) {  // table descriptor
      const uint64_t next = align_down(desc.next_table_address(), g.gshift);
      if (!fits_bits(next, g.oa_bits)) return fail(EventType::kFAddrSize);
      if (!stage2 && !had) {
        table_attrs.set_pxn_table(table_attrs.pxn_table() | desc.pxn_table())
            .set_uxn_table(table_attrs.uxn_table() | desc.uxn_table())
            .set_ap_table(table_attrs.ap_table() | desc.ap_table());
      }
      table = next;
      ++level;
      lshift -= stride;
      bits = stride;
      continue;
    }
    // Block descriptor: 4 KiB granule at levels 1 and 2, 16 KiB and 64 KiB at level 2 only (48-bit OA).
    const bool block_ok = g.gshift == 12 ? (level == 1 || level == 2) : level == 2;
    if (!block_ok) return fail(EventType::kFTranslation);
    break;
  }
  if (!fits_bits(align_down(desc.address(), lshift), g.oa_bits)) return fail(EventType::kFAddrSize);
  return true;
}

// Stage-1 permissions for an EL1&0 regime (Arm ARM D8.4): AP[2:1], PXN/UXN, hierarchical APTable/XNTable,
// WXN, PAN, and "EL0-writable memory is never privileged-executable".
uint8_t Walker::s1_perms(const CtxCfg& cd, const Descriptor& desc, const Descriptor& ta) const {
  bool ap1 = desc.ap_1(), ap2 = desc.ap_2(), pxn = desc.pxn(), uxn = desc.uxn();
  if (ta.ap_table_0()) ap1 = false;  // APTable[0]: no EL0 access below
  if (ta.ap_table_1()) ap2 = true;   // APTable[1]: read-only below
  if (ta.pxn_table()) pxn = true;
  if (ta.uxn_table()) uxn = true;
  bool rp = true, wp = !ap2, ru = ap1, wu = ap1 && !ap2;
  bool xu = !uxn, xp = !pxn && !wu;
  if (cd.wxn && wp) xu = xp = false;
  if (cd.pan && ap1) rp = wp = false;  // PAN: privileged data access to EL0-accessible memory faults
  return static_cast<uint8_t>((ru ? perm_bit(kAccRead, false) : 0) | (rp ? perm_bit(kAccRead, true) : 0) |
                              (wu ? perm_bit(kAccWrite, false) : 0) | (wp ? perm_bit(kAccWrite, true) : 0) |
                              (xu ? perm_bit(kAccExec, false) : 0) | (xp ? perm_bit(kAccExec, true) : 0));
}

// Stage-2 permissions: S2AP[0] read, S2AP[1] write; XN[1:0] with FEAT_XNX (SMMU_IDR3.XNX), else XN = bit 54.
uint8_t Walker::s2_perms(const Descriptor& desc) const {
  const bool r = desc.s2ap_r(), w = desc.s2ap_w();
  bool xp, xu;
  if (caps_.xnx) {
    const uint64_t xn = desc.s2xn();
    xp = xn == 0 || xn == 3;
    xu = xn == 0 || xn == 1;
  } else {
    xp = xu = !desc.s2_xn();
  }
  return static_cast<uint8_t>((r ? perm_bit(kAccRead, false) | perm_bit(kAccRead, true) : 0) |
                              (w ? perm_bit(kAccWrite, false) | perm_bit(kAccWrite, true) : 0) |
                              (xu ? perm_bit(kAccExec, false) : 0) | (xp ? perm_bit(kAccExec, true) : 0));
}

bool Walker::s2_translate(const S2Cfg& s2, uint64_t ipa, AccessKind acc, bool priv, EventClass cls, Leaf& leaf,
                          Fault& f) const {
  auto fail = [&](EventType t) {
    f.type = t;
    f.s2 = true;
    f.cls = cls;
    f.ipa = ipa;
    f.record = t == EventType::kFWalkEabt ? true : s2.record;
    return false;
  };
  // An IPA beyond the stage-2 input size (64 - S2T0SZ) is a stage-2 Translation fault.
  if (!fits_bits(ipa, s2.in_bits)) return fail(EventType::kFTranslation);
  const Geom g{s2.ttb, s2.in_bits, s2.gshift, s2.start_level, s2.ps_bits};
  Descriptor desc, ta;
  uint8_t level;
  if (!table_walk(g, ipa, true, nullptr, false, desc, level, ta, f)) return fail(f.type);
  if (!desc.af() && !s2.affd) return fail(EventType::kFAccess);
  leaf.size_shift = static_cast<uint8_t>(level_shift(s2.gshift, level));
  leaf.level = level;
  leaf.pa = align_down(desc.address(), leaf.size_shift) | offset_in(ipa, leaf.size_shift);
  leaf.perms = s2_perms(desc);
  leaf.global = false;
  // S2PTW: a stage-1 walk or CD fetch that lands in stage-2 Device memory (MemAttr[3:2] == 0b00) faults.
  if (s2.ptw && cls != EventClass::kIn && desc.s2_memattr_3_2() == 0) return fail(EventType::kFPermission);
  if (!(leaf.perms & perm_bit(acc, priv))) return fail(EventType::kFPermission);
  return true;
}

Outcome Walker::fault_outcome(const Fault& f, const Transaction& txn) const {
  EventRecord e = make_event(f.type, txn);
  e.set_input_addr(txn.iova).set_rnw(!txn.write).set_ind(txn.instruction).set_pnu(txn.privileged);
  e.set_s2(f.s2).set_class_(static_cast<uint64_t>(f.cls));
  if (f.type == EventType::kFWalkEabt) {
    e.set_fetch_addr(f.fetch_addr);
  } else if (f.s2) {
    e.set_ipa(f.ipa);
  }
  // §7.3.16: TTRnW is defined for F_PERMISSION only ("valid when CLASS == TT"): a descriptor read faulted.
  if (f.type == EventType::kFPermission && f.s2 && f.cls == EventClass::kTt) e.set_ttrnw(1);
  return Outcome{Status::kFault, f.record, 0, e};
}

Outcome Walker::translate(const ResolvedCfg& cfg, const Transaction& txn_in, TlbFill* fill) const {
  if (cfg.abort) return Outcome{Status::kAbort, false, 0, {}};
  const Transaction t = effective_attrs(cfg.ste, txn_in);
  const bool bypass = !cfg.s1 && !cfg.s2;
  if (t.kind == TxnKind::kAtsTranslated) {
    // §3.9.1: Translated traffic bypasses translation only when ATS is enabled for the stream.
    if (caps_.ats && cfg.ste.eats != 0) return Outcome{Status::kOk, false, t.iova, {}};
    EventRecord e = make_event(EventType::kFTranslForbidden, t);
    e.set_input_addr(t.iova).set_rnw(!t.write);
    return Outcome{Status::kFault, true, 0, e};
  }
  if (t.kind == TxnKind::kAtsRequest && (!caps_.ats || cfg.ste.eats == 0 || bypass)) {
    EventRecord e = make_event(EventType::kFBadAtsTreq, t);
    e.set_input_addr(t.iova);
    return Outcome{Status::kFault, true, 0, e};
  }
  const AccessKind acc = t.write ? kAccWrite : (t.instruction ? kAccExec : kAccRead);
  const bool priv = t.privileged;
  if (bypass) {
    // Bypass cannot output an address the SMMU cannot emit: beyond the OAS it is an Address Size fault.
    if (!fits_bits(t.iova, caps_.oas_bits)) {
      Fault f;
      f.type = EventType::kFAddrSize;
      return fault_outcome(f, t);
    }
    return Outcome{Status::kOk, false, t.iova, {}};
  }
  TlbFill tf;
  uint64_t ipa = t.iova;
  if (cfg.s1) {
    const CtxCfg& cd = cfg.cd;
    const uint64_t va = t.iova;
    const unsigned sel = cd.two_ranges ? spec::vmsa::va_range(va) : 0;
    const TtCfg& tt = cd.tt[sel];
    Fault f;
    f.record = cd.record;
    if (tt.disabled) {
      f.type = EventType::kFTranslation;
      return fault_outcome(f, t);
    }
    // Bits [top:in_bits] must all equal the range selector (top = 55 with TBI, 63 without).
    const unsigned top = cd.tbi[sel] ? 56 : 64;
    const uint64_t hi = offset_in(va, top) >> tt.in_bits;
    if (hi != (sel ? spec::low_bits(top - tt.in_bits) : 0)) {
      f.type = EventType::kFTranslation;
      return fault_outcome(f, t);
    }
    const Geom g{tt.ttb, tt.in_bits, tt.gshift, tt.start_level, cd.ips_bits};
    Descriptor desc, ta;
    uint8_t level;
    if (!table_walk(g, va, false, cfg.s2 ? &cfg.ste.s2c : nullptr, tt.had, desc, level, ta, f)) {
      if (!f.s2) {
        // §7.3.12: an external abort on a stage-1 descriptor fetch is S2 == 0 with CLASS == TT, unlike
        // the other stage-1 faults, which are CLASS == IN (§7.3.13).
        f.cls = f.type == EventType::kFWalkEabt ? EventClass::kTt : EventClass::kIn;
        f.record = f.type == EventType::kFWalkEabt ? true : cd.record;
      }
      return fault_outcome(f, t);
    }
    if (!desc.af() && !cd.affd) {
      f.type = EventType::kFAccess;
      return fault_outcome(f, t);
    }
    const uint8_t perms = s1_perms(cd, desc, ta);
    if (!(perms & perm_bit(acc, priv))) {
      f.type = EventType::kFPermission;
      return fault_outcome(f, t);
    }
    const unsigned shift = level_shift(tt.gshift, level);
    ipa = align_down(desc.address(), shift) | offset_in(va, shift);
    tf.size_shift = static_cast<uint8_t>(shift);
    tf.level = level;
    tf.gshift = tt.gshift;
    tf.perms = perms;
    tf.global = !desc.ng();
    tf.s1 = true;
  } else {
    tf.perms = kPermAll;
    tf.size_shift = 64;
  }
  uint64_t pa = ipa;
  if (cfg.s2) {
    Leaf l;
    Fault f;
    if (!s2_translate(cfg.ste.s2c, ipa, acc, priv, EventClass::kIn, l, f)) return fault_outcome(f, t);
    pa = l.pa;
    tf.perms &= l.perms;
    tf.s2 = true;
    if (!cfg.s1) {
      tf.level = l.level;
      tf.gshift = cfg.ste.s2c.gshift;
    }
    if (l.size_shift < tf.size_shift) tf.size_shift = l.size_shift;
  }
  if (fill) {
    tf.va = align_down(spec::vmsa::va_untagged(t.iova), tf.size_shift);
    tf.ipa = align_down(ipa, tf.size_shift);
    tf.pa = align_down(pa, tf.size_shift);
    *fill = tf;
  }
  return Outcome{Status::kOk, false, pa, {}};
}

Outcome Walker::run(const GlobalState& gs, const Transaction& txn) const {
  if (!gs.smmuen) {
    // §6.3.14: with SMMUEN=0 every transaction follows SMMU_GBPA: abort (no event) or bypass.
    spec::smmuv3::Gbpa g{};
    g.value = gs.gbpa;
    if (g.abort()) return Outcome{Status::kAbort, false, 0, {}};
    return Outcome{Status::kOk, false, txn.iova, {}};
  }
  ResolvedCfg cfg;
  Outcome out;
  if (!resolve(gs, txn, cfg, out)) return out;
  return translate(cfg, txn, nullptr);
}

Outcome walk(const GuestMemory& mem, const Config& config, const GlobalState& gs, const Transaction& txn) {
  const Caps caps = Caps::from(config);
  return Walker(mem, caps).run(gs, txn);
}

}  // namespace model::smmuv3
