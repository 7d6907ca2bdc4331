#include "drivers/iommu/smmuv3/domain.h"

#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "spec/address.h"

namespace drivers::smmuv3 {

using namespace spec::smmuv3;

namespace {
// The 3-bit PA size encoding of a bit count (IDR5.OAS / CD.IPS / STE.S2PS).
uint64_t ps_enc(unsigned bits) {
  for (uint64_t e = 0; e < 7; ++e)
    if (spec::smmuv3::pa_size_bits(e) >= bits) return e;
  return 6;
}
}  // namespace

bool Domain::init(Smmu& smmu, const DomainConfig& c) {
  destroy();
  smmu_ = &smmu;
  cfg_ = c;
  if (c.stage1) {
    cd_table_ = alloc_table(64);
    if (!cd_table_) return false;
    if (!c.epd0 && !tt_[0].init(c.gshift0, 64 - c.t0sz)) return false;
    if (c.ttb1 && !tt_[1].init(c.gshift1, 64 - c.t1sz)) return false;
  }
  if (c.stage2 && !s2_.init(c.s2_gshift, 64 - c.s2_t0sz)) return false;
  if (c.stage1) {
    const ContextDescriptor d = make_cd();
    ContextDescriptor* slot = cd();
    for (int i = 7; i >= 1; --i) slot->words[i] = d.words[i];
    arch::dma_wmb();
    slot->words[0] = d.words[0];  // V last
    arch::dma_wmb();
    // Nested: the CD table and every stage-1 table are IPAs. They all come from the DMA pool, so stage 2
    // maps the whole pool to itself with level-2 blocks (tests that want stage-2 holes punch them).
    if (c.stage2) {
      const uint64_t step = uint64_t{1} << s2_.level_shift(2);
      const uint64_t first = spec::align_down(kernel::DmaMemory::pool_base(), s2_.level_shift(2));
      const uint64_t end = kernel::DmaMemory::pool_base() + kernel::DmaMemory::pool_size();
      for (uint64_t a = first; a < end; a += step)
        if (!s2_.map(a, a, 2, spec::vmsa::make_s2_leaf(0, false))) return false;
    }
  }
  return true;
}

void Domain::destroy() {
  tt_[0].destroy();
  tt_[1].destroy();
  s2_.destroy();
  if (cd_table_) kernel::DmaMemory::free(cd_table_, kernel::kDmaMinBlock);
  cd_table_ = 0;
}

ContextDescriptor* Domain::cd() const { return kernel::DmaMemory::ptr<ContextDescriptor>(cd_table_); }

ContextDescriptor Domain::make_cd() const {
  ContextDescriptor d;
  const unsigned ips = smmu_->oas_bits();
  // §5.4: V, AArch64 tables, R (record faults), A=1 (abort on fault; required when IDR0.TERM_MODEL = 1).
  d.set_v(1).set_aa64(1).set_r(cfg_.record).set_a(1).set_ips(ps_enc(ips)).set_asid(cfg_.asid);
  d.set_affd(cfg_.affd);
  d.set_mair0(0xff);  // attr index 0: Normal, inner/outer WB
  if (cfg_.epd0) {
    d.set_epd0(1).set_t0sz(cfg_.t0sz).set_tg0(tg0_encoding(cfg_.gshift0));
  } else {
    d.set_t0sz(cfg_.t0sz).set_tg0(tg0_encoding(cfg_.gshift0)).set_ir0(1).set_or0(1).set_sh0(3);
    d.set_ttb0_address(tt_[0].root());
  }
  if (cfg_.ttb1) {
    d.set_t1sz(cfg_.t1sz).set_tg1(tg1_encoding(cfg_.gshift1)).set_ir1(1).set_or1(1).set_sh1(3);
    d.set_ttb1_address(tt_[1].root());
  } else {
    d.set_epd1(1).set_t1sz(cfg_.t1sz).set_tg1(tg1_encoding(12));
  }
  return d;
}

Ste Domain::make_ste() const {
  Ste s;
  const SteConfig config = cfg_.stage1 && cfg_.stage2 ? SteConfig::kNested
                           : cfg_.stage2               ? SteConfig::kS2Trans
                                                       : SteConfig::kS1Trans;
  s.set_v(1).set_config(static_cast<uint64_t>(config));
  if (cfg_.stage1) {
    // Linear CD table of one CD (S1CDMax = 0), CD fetches Normal WB inner shareable.
    s.set_s1fmt(static_cast<uint64_t>(S1Fmt::kLinear)).set_s1_context_address(cd_table_).set_s1cdmax(0);
    s.set_s1cir(1).set_s1cor(1).set_s1csh(3);
  }
  s.set_strw(static_cast<uint64_t>(Strw::kNsEl1)).set_shcfg(1);
  // §5.2 S2VMID: with stage 2 implemented, stage-1-only translations are tagged with S2VMID too, so TLBI
  // commands naming this domain's VMID must find them.
  s.set_s2vmid(cfg_.vmid);
  if (cfg_.stage2) {
    const unsigned start = s2_.start_level();
    s.set_s2vmid(cfg_.vmid).set_s2t0sz(cfg_.s2_t0sz).set_s2sl0(s2_sl0(cfg_.s2_gshift, start));
    s.set_s2ir0(1).set_s2or0(1).set_s2sh0(3);
    s.set_s2tg(tg0_encoding(cfg_.s2_gshift));  // STE.S2TG uses the TG0 encoding
    s.set_s2ps(ps_enc(smmu_->oas_bits())).set_s2aa64(1).set_s2r(cfg_.record).set_s2_ttb_address(s2_.root());
  }
  return s;
}

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, spec::vmsa::Descriptor leaf) {
  if (!cfg_.stage1) return s2_.map_range(iova, pa, len, leaf);
  PageTable& t = tt_[spec::vmsa::va_range(iova)];
  if (!t.root()) return false;
  // Nested: the output of stage 1 is an IPA, which stage 2 already maps to itself (the whole DMA pool).
  return t.map_range(iova, pa, len, leaf);
}

bool Domain::map_block(uint64_t iova, uint64_t pa, unsigned level, spec::vmsa::Descriptor leaf) {
  PageTable& t = cfg_.stage1 ? tt_[spec::vmsa::va_range(iova)] : s2_;
  return t.map(iova, pa, level, leaf);
}

bool Domain::unmap(uint64_t iova) {
  PageTable& t = cfg_.stage1 ? tt_[spec::vmsa::va_range(iova)] : s2_;
  return t.unmap(iova);
}

bool Domain::map_identity(uint64_t pa, uint64_t len) {
  if (cfg_.stage1) {
    PageTable& t = tt_[0];
    if (t.root() && !t.map_range(pa, pa, len, rw_leaf())) return false;
  }
  // Stage 2 alone maps it page by page; nested already maps the DMA pool at stage 2 (see init).
  if (cfg_.stage2 && !cfg_.stage1 && !s2_.map_range(pa, pa, len, s2_rw_leaf())) return false;
  return true;
}

bool Domain::attach(uint32_t sid) { return smmu_->write_ste(sid, make_ste()); }

bool Domain::map_driver_memory(DmaEndpoint* ep) {
  DmaRange r[8];
  const size_t n = driver_dma_ranges(ep, r, 8);
  for (size_t i = 0; i < n && i < 8; ++i)
    if (!map_identity(r[i].pa, r[i].len)) return false;
  return true;
}

bool Domain::attach(DmaEndpoint* ep) { return map_driver_memory(ep) && attach(smmu_->sid_of(ep->rid())); }

bool Domain::tlbi_va(uint64_t iova, bool leaf) {
  if (!cfg_.stage1) {
    CmdTlbiS2Ipa c;
    c.set_vmid(cfg_.vmid).set_leaf(leaf).set_addr(iova);
    return smmu_->command(c);
  }
  CmdTlbiNhVa c;
  c.set_asid(cfg_.asid).set_vmid(cfg_.vmid).set_leaf(leaf).set_addr(iova);
  return smmu_->command(c);
}

bool Domain::tlbi_asid() {
  CmdTlbiNhAsid c;
  c.set_asid(cfg_.asid).set_vmid(cfg_.vmid);
  return smmu_->command(c);
}

bool Domain::cfgi_cd(uint32_t sid) {
  CmdCfgiCd c;
  c.set_streamid(sid).set_substreamid(0).set_leaf(1);
  return smmu_->command(c);
}

}  // namespace drivers::smmuv3
