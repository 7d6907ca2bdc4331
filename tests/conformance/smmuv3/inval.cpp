// smmuv3.inval.*: after a change to the tables plus the right invalidation and CMD_SYNC, the next DMA must
// see the change (IHI 0070 §3.21, §4.3, §4.4). A stale translation after that is an isolation failure.
// Every case first DMAs through the old mapping so that an SMMU with a TLB has it cached.
#include "kernel/dma_memory.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {
using namespace smmuv3_tests;
using namespace spec::smmuv3;

// Maps `pages` pages at kIova, warms the TLB with a DMA to each, unmaps them, runs `inval`, and expects each
// page to fault now: the write must not reach the old page (dma.untouched) and the fault must be recorded
// (§4.7.3: after the CMD_SYNC "all matching TLB entries are invalidated").
template <typename F>
void unmap_case(kernel::Test& t, unsigned pages, F inval, unsigned gshift = 12) {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  DomainConfig c;
  c.gshift0 = gshift;
  if (!e.init_domain(d, c)) return;
  const uint64_t g = uint64_t{1} << gshift;
  // 4 KiB pages go to the staging targets; larger granules to 64 KiB-aligned buffers.
  uint64_t pa[8];
  for (unsigned i = 0; i < pages && i < 8; ++i) pa[i] = gshift == 12 ? e.target(i) : e.page64k();
  for (unsigned i = 0; i < pages; ++i)
    if (!pa[i] || !e.mapped(d.map(kIova + i * g, pa[i], g), "map")) return;
  if (!e.attach(d, e.blk)) return;
  for (unsigned i = 0; i < pages; ++i) expect_ok(e, e.blk, kIova + i * g, Dir::kDeviceWrites, pa[i]);
  for (unsigned i = 0; i < pages; ++i)
    if (!e.mapped(d.unmap(kIova + i * g), "unmap")) return;
  if (!e.synced(inval(e, d), "the invalidation command")) return;
  for (unsigned i = 0; i < pages; ++i)
    expect_fault(e, e.blk, kIova + i * g, Dir::kDeviceWrites, EventType::kFTranslation, pa[i], kTlbiComplete);
}

// A range TLBI (§4.4.1 range fields, SMMU_IDR3.RIL): TG = 4 KiB, (NUM+1) * 2^SCALE pages from kIova.
CmdTlbiNhVa range_va(uint16_t asid, unsigned num, unsigned scale, unsigned ttl) {
  CmdTlbiNhVa c;
  c.set_vmid(DomainConfig{}.vmid).set_asid(asid).set_tg(0b01).set_num(num).set_scale(scale).set_ttl(ttl).set_leaf(1).set_addr(kIova);
  return c;
}
bool need_ril(kernel::Test& t) {
  Smmu* s = Smmu::get();
  if (s && !s->idr3().ril()) {
    t.skip("SMMU_IDR3.RIL = 0: no range invalidation");
    return false;
  }
  return true;
}
}  // namespace

VIOMMU_TEST(inval_tlbi_va_nonleaf, "smmuv3.inval.unmap_tlbi_nh_va_leaf0", "smmuv3,inval") {
  unmap_case(t, 1, [](Env&, Domain& d) { return d.tlbi_va(kIova, false); });
}
VIOMMU_TEST(inval_tlbi_vaa, "smmuv3.inval.unmap_tlbi_nh_vaa", "smmuv3,inval") {
  unmap_case(t, 1, [](Env& e, Domain&) {
    CmdTlbiNhVaa c;
    c.set_vmid(DomainConfig{}.vmid).set_leaf(1).set_addr(kIova);
    return e.smmu->command(c);
  });
}
VIOMMU_TEST(inval_tlbi_asid, "smmuv3.inval.unmap_tlbi_nh_asid", "smmuv3,inval") {
  unmap_case(t, 2, [](Env&, Domain& d) { return d.tlbi_asid(); });
}
VIOMMU_TEST(inval_tlbi_nsnh_all, "smmuv3.inval.unmap_tlbi_nsnh_all", "smmuv3,inval") {
  unmap_case(t, 2, [](Env& e, Domain&) { return e.smmu->command(CmdTlbiNsnhAll{}); });
}
VIOMMU_TEST(inval_tlbi_va_64k, "smmuv3.inval.unmap_tlbi_nh_va_64k_granule", "smmuv3,inval") {
  Smmu* s = Smmu::get();
  if (s && !s->idr5().gran64k()) return t.skip("no 64 KiB granule");
  unmap_case(t, 1, [](Env&, Domain& d) { return d.tlbi_va(kIova + 0x8000); }, 16);
}
namespace {
// CMD_TLBI_NH_VA with a range (RIL): (NUM+1) * 2^SCALE pages from the first unmapped one, TTL as given.
void range_case(kernel::Test& t, unsigned pages, unsigned num, unsigned scale, unsigned ttl) {
  if (!need_ril(t)) return;
  unmap_case(t, pages, [&](Env& e, Domain& d) { return e.smmu->command(range_va(d.config().asid, num, scale, ttl)); });
}
}  // namespace
VIOMMU_TEST(inval_range_4, "smmuv3.inval.range_num3_scale0_four_pages", "smmuv3,inval") { range_case(t, 4, 3, 0, 3); }
VIOMMU_TEST(inval_range_scale, "smmuv3.inval.range_num0_scale2_four_pages", "smmuv3,inval") {
  range_case(t, 4, 0, 2, 0);  // (NUM+1) * 2^SCALE = 1 * 4 pages
}
VIOMMU_TEST(inval_range_single, "smmuv3.inval.range_num0_scale0_one_page", "smmuv3,inval") { range_case(t, 1, 0, 0, 3); }
VIOMMU_TEST(inval_range_odd, "smmuv3.inval.range_num2_scale1_six_pages", "smmuv3,inval") {
  range_case(t, 6, 2, 1, 0);  // (2+1) * 2^1 = 6 pages: not a power of two
}
namespace {
// A 2 MiB block around target(0) at kIova, translated, unmapped, invalidated by `inval`: the block is gone.
template <typename F>
void block_case(kernel::Test& t, F inval) {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{})) return;
  const uint64_t base_pa = e.target(0) & ~uint64_t{0x1fffff};
  if (!e.mapped(d.map_block(kIova, base_pa, 2), "map_block") || !e.attach(d, e.blk)) return;
  const uint64_t off = e.target(0) - base_pa;
  expect_ok(e, e.blk, kIova + off, Dir::kDeviceWrites, e.target(0));
  if (!e.mapped(d.unmap(kIova), "unmap") || !inval(e, d)) return;
  expect_fault(e, e.blk, kIova + off, Dir::kDeviceWrites, EventType::kFTranslation, e.target(0), kTlbiComplete);
}
}  // namespace

VIOMMU_TEST(inval_range_ttl_block, "smmuv3.inval.range_over_2m_block_ttl2", "smmuv3,inval") {
  if (!need_ril(t)) return;
  // One 2 MiB block = 512 pages of 4 KiB: NUM = 15, SCALE = 5 gives 16 * 32 = 512; TTL = 2 (leaf at level 2).
  block_case(t, [](Env& e, Domain& d) {
    return e.synced(e.smmu->command(range_va(d.config().asid, 15, 5, 2)), "range TLBI");
  });
}
VIOMMU_TEST(inval_block_va, "smmuv3.inval.unmap_2m_block_tlbi_va_inside", "smmuv3,inval") {
  // A TLBI by VA anywhere inside a block removes the whole block entry (Armv8-A TLBI semantics, §3.21.1: an
  // invalidation by VA applies to every entry that translates that VA).
  block_case(t, [](Env& e, Domain& d) { return e.synced(d.tlbi_va(kIova + 0x123000), "TLBI_NH_VA"); });
}
VIOMMU_TEST(inval_remap, "smmuv3.inval.remap_tlbi_va_new_target", "smmuv3,inval") {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  if (!e.mapped(d.map(kIova, e.target(5), 0x1000), "remap")) return;
  if (!e.synced(d.tlbi_va(kIova), "TLBI_NH_VA")) return;
  // The old page must stay untouched: a stale translation would write it.
  uint8_t* old_page = kernel::DmaMemory::ptr<uint8_t>(e.target(0));
  for (size_t i = 0; i < kLen; ++i) old_page[i] = 0xee;
  arch::dma_wmb();
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(5), kTlbiComplete);
  arch::dma_rmb();
  size_t bad = kLen;
  for (size_t i = 0; i < kLen && bad == kLen; ++i)
    if (old_page[i] != 0xee) bad = i;
  t.check("dma.untouched", kTlbiComplete, bad == kLen, "the old page 0x%lx was written through the stale translation",
          static_cast<unsigned long>(e.target(0)));
}
VIOMMU_TEST(inval_perm_downgrade, "smmuv3.inval.make_read_only_tlbi_va_write_faults", "smmuv3,inval") {
  Env e(t);
  if (!e.ready()) return;
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, e.blk))
    return;
  expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0));
  if (!e.mapped(d.map(kIova, e.target(0), 0x1000, spec::vmsa::make_s1_leaf(0, true, spec::vmsa::kApRoAll)), "remap"))
    return;
  if (!e.synced(d.tlbi_va(kIova), "TLBI_NH_VA")) return;
  expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFPermission, e.target(0), kTlbiComplete);
}

// ---- configuration invalidation ----
namespace {
// blk translating through d; then edu's/blk's configuration changes and `inval` must make it visible.
template <typename F>
void cfg_case(kernel::Test& t, EventType expected, const kernel::Clause& why, F change_and_inval) {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map")) return;
  if (!e.attach(d, edu)) return;
  expect_ok(e, edu, kIova, Dir::kDeviceWrites, e.target(0));  // configuration now cached
  if (!e.synced(change_and_inval(e, d, e.sid(edu)), "the configuration invalidation")) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, expected, e.target(0), why);
}
void invalidate_ste_word0(Env& e, uint32_t sid) {
  spec::smmuv3::Ste* s = e.smmu->ste(sid);
  s->words[0] = s->words[0] & ~uint64_t{1};  // V = 0
  arch::dma_wmb();
}
}  // namespace

VIOMMU_TEST(inval_cfgi_ste, "smmuv3.inval.cfgi_ste", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadSte, kCfgiComplete, [](Env& e, Domain&, uint32_t sid) {
    invalidate_ste_word0(e, sid);
    return e.smmu->cfgi_ste(sid);
  });
}
VIOMMU_TEST(inval_cfgi_ste_range, "smmuv3.inval.cfgi_ste_range", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadSte, kCfgiSteRange, [](Env& e, Domain&, uint32_t sid) {
    invalidate_ste_word0(e, sid);
    CmdCfgiSteRange c;
    c.set_streamid(sid).set_range(3);  // 2^(3+1) = 16 StreamIDs around sid (§4.3.2)
    return e.smmu->command(c);
  });
}
VIOMMU_TEST(inval_cfgi_ste_range0, "smmuv3.inval.cfgi_ste_range_0_single", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadSte, kCfgiSteRange, [](Env& e, Domain&, uint32_t sid) {
    invalidate_ste_word0(e, sid);
    CmdCfgiSteRange c;
    c.set_streamid(sid).set_range(0);  // 2 StreamIDs: sid & ~1 and sid | 1
    return e.smmu->command(c);
  });
}
VIOMMU_TEST(inval_cfgi_all, "smmuv3.inval.cfgi_all", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadSte, kCfgiComplete, [](Env& e, Domain&, uint32_t sid) {
    invalidate_ste_word0(e, sid);
    return e.smmu->cfgi_all();
  });
}
VIOMMU_TEST(inval_cfgi_cd, "smmuv3.inval.cfgi_cd", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadCd, kCfgiComplete, [](Env&, Domain& d, uint32_t sid) {
    d.cd()->words[0] &= ~(uint64_t{1} << 31);  // CD.V = 0
    arch::dma_wmb();
    return d.cfgi_cd(sid);
  });
}
VIOMMU_TEST(inval_cfgi_cd_all, "smmuv3.inval.cfgi_cd_all", "smmuv3,inval") {
  cfg_case(t, EventType::kCBadCd, kCfgiComplete, [](Env& e, Domain& d, uint32_t sid) {
    d.cd()->words[0] &= ~(uint64_t{1} << 31);
    arch::dma_wmb();
    CmdCfgiCdAll c;
    c.set_streamid(sid);
    return e.smmu->command(c);
  });
}
VIOMMU_TEST(inval_cfgi_ste_to_abort, "smmuv3.inval.cfgi_ste_translate_to_abort", "smmuv3,inval") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint");
  Domain d;
  if (!e.init_domain(d, DomainConfig{}) || !e.mapped(d.map(kIova, e.target(0), 0x1000), "map") || !e.attach(d, edu))
    return;
  expect_ok(e, edu, kIova, Dir::kDeviceWrites, e.target(0));
  spec::smmuv3::Ste* s = e.smmu->ste(e.sid(edu));
  s->set_config(static_cast<uint64_t>(spec::smmuv3::SteConfig::kAbort));
  arch::dma_wmb();
  if (!e.synced(e.smmu->cfgi_ste(e.sid(edu)), "CFGI_STE")) return;
  expect_abort(e, edu, kIova, Dir::kDeviceWrites, e.target(0), kCfgiComplete);
}
