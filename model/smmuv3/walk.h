// The cache-free half of the SMMUv3 model: configuration decode (stream table, STE, CD) and the VMSAv8-64
// stage 1 / stage 2 / nested table walks, producing either an output address or the exact event record.
//
// `walk()` is the oracle: it reads the structures as they are in guest memory right now and has no side
// effects. The stateful Smmu (smmu.h) uses the same Walker behind its configuration cache and TLB.
#pragma once

#include <cstdint>

#include "model/guest_memory.h"
#include "model/smmuv3/types.h"
#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/ste.h"

namespace model::smmuv3 {

// Access kinds used by permission masks: bit (kind * 2 + privileged).
enum AccessKind : uint8_t { kAccRead = 0, kAccWrite = 1, kAccExec = 2 };
constexpr uint8_t perm_bit(AccessKind k, bool priv) { return static_cast<uint8_t>(1u << (k * 2 + (priv ? 1 : 0))); }
inline constexpr uint8_t kPermAll = 0x3f;

// Decoded STE stage-2 state.
struct S2Cfg {
  uint64_t ttb = 0;
  uint8_t in_bits = 0, gshift = 12, start_level = 0, ps_bits = 0;
  bool affd = false, ptw = false, record = false;
};

// Decoded stage-1 translation table (one of TTB0/TTB1).
struct TtCfg {
  uint64_t ttb = 0;
  uint8_t in_bits = 0, gshift = 12, start_level = 0;
  bool disabled = true, had = false;
};

struct StreamCfg {
  uint8_t config = 0;  // spec::smmuv3::SteConfig
  bool s1 = false, s2 = false;
  uint8_t s1fmt = 0, s1cdmax = 0, s1dss = 0, privcfg = 0, instcfg = 0, eats = 0;
  uint64_t ctx_ptr = 0;
  uint16_t vmid = 0;  // TLB tag: STE.S2VMID when SMMU_IDR0.S2P, else 0
  S2Cfg s2c;
};

struct CtxCfg {
  TtCfg tt[2];
  uint8_t ips_bits = 0;
  bool tbi[2] = {false, false};  // CD.TBI0 / CD.TBI1: Top Byte Ignore for the TTB0 / TTB1 range
  bool affd = false, wxn = false, pan = false, record = false, two_ranges = true;
  uint16_t asid = 0;
};

// Everything a transaction's translation depends on once its STE and CD are decoded (what the
// configuration cache holds).
struct ResolvedCfg {
  StreamCfg ste;
  CtxCfg cd;
  bool abort = false;      // STE.Config == abort: terminate silently
  bool s1 = false;         // stage 1 translates this transaction
  bool s2 = false;         // stage 2 translates this transaction
  bool cd_used = false;
  uint32_t cd_index = 0;   // the CD (SubstreamID) used, when cd_used
};

// What a successful walk hands to a TLB.
struct TlbFill {
  uint64_t va = 0;   // input address (top byte cleared) aligned to 2^size_shift
  uint64_t pa = 0;   // output address aligned to 2^size_shift
  uint64_t ipa = 0;  // stage-2-only entries: the IPA (== va)
  uint8_t size_shift = 12;
  uint8_t level = 3;   // leaf level of the stage that TLBI by address matches (stage 1, or stage 2 when S2-only)
  uint8_t gshift = 12; // granule of that stage
  uint8_t perms = 0;   // combined permission mask (perm_bit)
  bool global = false;
  bool s1 = false, s2 = false;
};

// Faults found during a walk, before they become an event record.
struct Fault {
  spec::smmuv3::EventType type = spec::smmuv3::EventType::kNone;
  bool s2 = false;
  spec::smmuv3::EventClass cls = spec::smmuv3::EventClass::kIn;
  uint64_t ipa = 0;
  uint64_t fetch_addr = 0;
  bool record = true;
};

class Walker {
 public:
  Walker(const GuestMemory& mem, const Caps& caps) : mem_(mem), caps_(caps) {}

  // Fetches and checks the STE and CD for txn. Returns false with `out` set (fault or abort) when the
  // transaction cannot proceed past configuration.
  bool resolve(const GlobalState& gs, const Transaction& txn, ResolvedCfg& cfg, Outcome& out) const;

  // Translates txn under a resolved configuration. `fill` (optional) receives the TLB entry on success.
  Outcome translate(const ResolvedCfg& cfg, const Transaction& txn, TlbFill* fill) const;

  // resolve + translate, plus the SMMUEN=0 (GBPA) path: the complete, cache-free outcome.
  Outcome run(const GlobalState& gs, const Transaction& txn) const;

  // Applies STE.PRIVCFG / STE.INSTCFG to the incoming attributes (§5.2: 0b10 forces unprivileged/data,
  // 0b11 forces privileged/instruction, 0b0x uses the incoming value).
  static Transaction effective_attrs(const StreamCfg& ste, const Transaction& txn);

  // Builds the common part of an event record for txn.
  static spec::smmuv3::EventRecord make_event(spec::smmuv3::EventType t, const Transaction& txn);

 private:
  struct Leaf {
    uint64_t pa = 0;
    uint8_t size_shift = 12, level = 3;
    uint8_t perms = 0;
    bool global = false;
  };
  struct Geom {
    uint64_t ttb;
    uint8_t in_bits, gshift, start_level, oa_bits;
  };

  bool fetch_ste(const GlobalState& gs, const Transaction& txn, spec::smmuv3::Ste& ste, Outcome& out) const;
  bool decode_ste(const spec::smmuv3::Ste& ste, StreamCfg& sc) const;
  bool fetch_cd(const StreamCfg& sc, uint32_t index, const Transaction& txn, CtxCfg& cd, Outcome& out) const;
  bool decode_cd(const spec::smmuv3::ContextDescriptor& cd, CtxCfg& cc) const;

  // One VMSAv8-64 walk. For a stage-1 walk under nesting, s2_tables translates every table address.
  // `table_attrs` collects the hierarchical attributes (PXNTable, UXNTable, APTable) of the stage-1 table
  // descriptors on the way.
  bool table_walk(const Geom& g, uint64_t va, bool stage2, const S2Cfg* s2_tables, bool had,
                  spec::vmsa::Descriptor& desc, uint8_t& level, spec::vmsa::Descriptor& table_attrs, Fault& f) const;
  bool s2_translate(const S2Cfg& s2, uint64_t ipa, AccessKind acc, bool priv, spec::smmuv3::EventClass cls,
                    Leaf& leaf, Fault& f) const;
  uint8_t s1_perms(const CtxCfg& cd, const spec::vmsa::Descriptor& desc,
                   const spec::vmsa::Descriptor& table_attrs) const;
  uint8_t s2_perms(const spec::vmsa::Descriptor& desc) const;
  Outcome fault_outcome(const Fault& f, const Transaction& txn) const;

  const GuestMemory& mem_;
  const Caps& caps_;
};

// The oracle entry point: the outcome the SMMU must produce for txn given the registers in `gs` and the
// structures currently in guest memory (no caches, no event queue side effects).
Outcome walk(const GuestMemory& mem, const Config& config, const GlobalState& gs, const Transaction& txn);

}  // namespace model::smmuv3
