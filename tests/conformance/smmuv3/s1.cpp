// smmuv3.s1.*: stage-1 translation (IHI 0070 §3.4 / Arm ARM D8): every granule the SMMU advertises, the
// starting levels, pages and blocks, TTB0/TTB1 selection, EPD, and each stage-1 fault with its full record.
#include "spec/smmuv3/pte.h"
#include "tests/conformance/smmuv3/fixture.h"

namespace {

using namespace smmu_tests;
using spec::smmuv3::EventType;
using spec::vmsa::Descriptor;

bool granule_ok(kernel::Test& t, Smmu* s, unsigned g) {
  const auto i5 = s->idr5();
  const bool ok = g == 12 ? i5.gran4k() : g == 14 ? i5.gran16k() : i5.gran64k();
  if (!ok) t.skip("SMMU_IDR5 does not advertise the %u KiB granule", 1u << (g - 10));
  return ok;
}

// Page mapping with granule g and T0SZ tsz at `iova`; the device writes (or reads) through it.
void page_case(kernel::Test& t, unsigned g, unsigned tsz, uint64_t iova, Dir d) {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, g)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = g;
  c.t0sz = tsz;
  if (!e.init_domain(dom, c)) return;
  t.note("granule %u KiB, T0SZ %u: walk starts at level %u", 1u << (g - 10), tsz, dom.tt(0).start_level());
  const uint64_t pa = e.page64k();  // aligned for every granule
  if (!pa || !e.mapped(dom.map(iova, pa, 1u << g), "map") || !e.attach(dom, e.blk)) return;
  // Inside the page at an offset: the page offset passes through untranslated (D8.3).
  expect_ok(e, e.blk, iova + 0xa00, d, pa + 0xa00);
}

// A block at `level` mapping the naturally aligned region that contains a staging target.
void block_case(kernel::Test& t, unsigned g, unsigned level) {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, g)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = g;
  if (!e.init_domain(dom, c)) return;
  const uint64_t size = uint64_t{1} << dom.tt(0).level_shift(level);
  const uint64_t pa = e.target(2);
  const uint64_t base_pa = pa & ~(size - 1);
  const uint64_t iova = kIova & ~(size - 1);
  if (!e.mapped(dom.map_block(iova, base_pa, level), "map_block") || !e.attach(dom, e.blk)) return;
  t.note("level-%u block of 0x%lx bytes: iova 0x%lx -> 0x%lx", level, static_cast<unsigned long>(size),
         static_cast<unsigned long>(iova), static_cast<unsigned long>(base_pa));
  expect_ok(e, e.blk, iova + (pa - base_pa), Dir::kDeviceWrites, pa);
}

}  // namespace

VIOMMU_TEST(s1_4k_page_write, "smmuv3.s1.4k_page_device_write", "smmuv3,s1") { page_case(t, 12, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_4k_page_read, "smmuv3.s1.4k_page_device_read", "smmuv3,s1") { page_case(t, 12, 16, kIova, Dir::kDeviceReads); }
VIOMMU_TEST(s1_16k_page_write, "smmuv3.s1.16k_page_device_write", "smmuv3,s1") { page_case(t, 14, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_16k_page_read, "smmuv3.s1.16k_page_device_read", "smmuv3,s1") { page_case(t, 14, 16, kIova, Dir::kDeviceReads); }
VIOMMU_TEST(s1_64k_page_write, "smmuv3.s1.64k_page_device_write", "smmuv3,s1") { page_case(t, 16, 16, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_64k_page_read, "smmuv3.s1.64k_page_device_read", "smmuv3,s1") { page_case(t, 16, 16, kIova, Dir::kDeviceReads); }

// Starting levels (D8.2: the number of levels follows from 64 - TxSZ and the granule). The IOVA is kept
// below 2^(64-T0SZ); RAM (identity mapped for the endpoint's rings) must stay reachable, which bounds T0SZ.
VIOMMU_TEST(s1_4k_start_l1, "smmuv3.s1.4k_start_level1_t0sz25", "smmuv3,s1") { page_case(t, 12, 25, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_16k_start_l1, "smmuv3.s1.16k_start_level1_t0sz20", "smmuv3,s1") { page_case(t, 14, 20, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_16k_start_l2, "smmuv3.s1.16k_start_level2_t0sz28", "smmuv3,s1") { page_case(t, 14, 28, 0x8'0000'0000ull, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_64k_start_l2, "smmuv3.s1.64k_start_level2_t0sz22", "smmuv3,s1") { page_case(t, 16, 22, kIova, Dir::kDeviceWrites); }
VIOMMU_TEST(s1_4k_t0sz32, "smmuv3.s1.4k_t0sz32_4gib_space", "smmuv3,s1") { page_case(t, 12, 32, 0x1'0000'0000ull - 0x10000, Dir::kDeviceWrites); }

// Blocks: 4 KiB granule at levels 1 (1 GiB) and 2 (2 MiB); 16 KiB and 64 KiB at level 2 (32 MiB, 512 MiB).
VIOMMU_TEST(s1_4k_l1_block, "smmuv3.s1.4k_level1_block_1g", "smmuv3,s1") { block_case(t, 12, 1); }
VIOMMU_TEST(s1_4k_l2_block, "smmuv3.s1.4k_level2_block_2m", "smmuv3,s1") { block_case(t, 12, 2); }
VIOMMU_TEST(s1_16k_l2_block, "smmuv3.s1.16k_level2_block_32m", "smmuv3,s1") { block_case(t, 14, 2); }
VIOMMU_TEST(s1_64k_l2_block, "smmuv3.s1.64k_level2_block_512m", "smmuv3,s1") { block_case(t, 16, 2); }

namespace {

// A 4 KiB-granule domain with blk attached and kIova -> target(0) mapped with `leaf`; runs `body`.
template <typename F>
void with_domain(kernel::Test& t, const DomainConfig& c, Descriptor leaf, F body) {
  Env e(t);
  if (!e.ready()) return;
  Domain dom;
  if (!e.init_domain(dom, c)) return;
  if (!e.mapped(dom.map(kIova, e.target(0), 0x1000, leaf), "map") || !e.attach(dom, e.blk)) return;
  body(e, dom);
}

// A descriptor with a field changed from the ordinary RW leaf.
Descriptor leaf_with(uint64_t ap, bool af) { return spec::vmsa::make_s1_leaf(0, true, ap, af); }

void fault_case(kernel::Test& t, Descriptor leaf, Dir d, EventType type, const kernel::Clause& why,
                DomainConfig c = DomainConfig{}) {
  with_domain(t, c, leaf, [&](Env& e, Domain&) { expect_fault(e, e.blk, kIova, d, type, e.target(0), why); });
}

void ok_case(kernel::Test& t, Descriptor leaf, Dir d, const kernel::Clause& why, DomainConfig c = DomainConfig{}) {
  with_domain(t, c, leaf, [&](Env& e, Domain&) { expect_ok(e, e.blk, kIova, d, e.target(0), why); });
}

}  // namespace

// ---- permissions (D8.4.1: AP[2:1]; a DMA without PASID is an unprivileged data access) ----
VIOMMU_TEST(s1_perm_ro_write, "smmuv3.s1.permission_write_to_read_only", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRoAll, true), Dir::kDeviceWrites, EventType::kFPermission, kApTable);
}
VIOMMU_TEST(s1_perm_ro_read, "smmuv3.s1.permission_read_of_read_only", "smmuv3,s1") {
  ok_case(t, leaf_with(spec::vmsa::kApRoAll, true), Dir::kDeviceReads, kApTable);
}
VIOMMU_TEST(s1_perm_priv_only_read, "smmuv3.s1.permission_unprivileged_read_of_el1_only", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRwPriv, true), Dir::kDeviceReads, EventType::kFPermission, kApUnpriv);
}
VIOMMU_TEST(s1_perm_priv_only_write, "smmuv3.s1.permission_unprivileged_write_of_el1_only", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRwPriv, true), Dir::kDeviceWrites, EventType::kFPermission, kApUnpriv);
}
VIOMMU_TEST(s1_perm_ro_priv_read, "smmuv3.s1.permission_unprivileged_read_of_el1_read_only", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRoPriv, true), Dir::kDeviceReads, EventType::kFPermission, kApUnpriv);
}
VIOMMU_TEST(s1_perm_aptable_ro, "smmuv3.s1.permission_aptable_read_only_write", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    // APTable[1] = 1 in the level-2 table descriptor: everything below is read-only (D8.4.2).
    volatile uint64_t* td = d.tt(0).slot(kIova, 2, false);
    if (!td) return t.error("no level-2 table descriptor in the driver's tables");
    *td = *td | (uint64_t{1} << 62);
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFPermission, e.target(0), kApTableHier);
  });
}
VIOMMU_TEST(s1_perm_aptable_el1, "smmuv3.s1.permission_aptable_no_el0_read", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    volatile uint64_t* td = d.tt(0).slot(kIova, 1, false);
    if (!td) return t.error("no level-1 table descriptor in the driver's tables");
    *td = *td | (uint64_t{1} << 61);  // APTable[0]: no unprivileged access below ("Removes UnprivRead and UnprivWrite")
    static constexpr kernel::Clause kApTableUnpriv{kernel::Strength::kMust,
        "IHI0070 G.b §13.7, DDI0487 M.a.a D8.4.1.2.1 Table D8-64",
        "a normal transaction without a PASID TLP prefix as 'Data' and 'Unprivileged' ... 01 | Removes UnprivRead and "
        "UnprivWrite."};
    expect_fault(e, e.blk, kIova, Dir::kDeviceReads, EventType::kFPermission, e.target(0), kApTableUnpriv);
  });
}

// ---- Access flag (D8.4.x; CD.AFFD §5.4) ----
VIOMMU_TEST(s1_af_fault_write, "smmuv3.s1.access_flag_fault_write", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRwAll, false), Dir::kDeviceWrites, EventType::kFAccess, kAffd);
}
VIOMMU_TEST(s1_af_fault_read, "smmuv3.s1.access_flag_fault_read", "smmuv3,s1,fault") {
  fault_case(t, leaf_with(spec::vmsa::kApRwAll, false), Dir::kDeviceReads, EventType::kFAccess, kAffd);
}
VIOMMU_TEST(s1_af_affd, "smmuv3.s1.access_flag_disabled_affd", "smmuv3,s1") {
  DomainConfig c;
  c.affd = true;
  ok_case(t, leaf_with(spec::vmsa::kApRwAll, false), Dir::kDeviceWrites, kAffdSet, c);
}
VIOMMU_TEST(s1_af_before_perm, "smmuv3.s1.access_flag_before_permission", "smmuv3,s1,fault") {
  // AF=0 and read-only, written: the Access flag fault has priority over the Permission fault (D8.15.5).
  static constexpr kernel::Clause kAfFirst{kernel::Strength::kMust, "DDI0487 M.a.a D8.15.5 R_XCHFJ",
      "the possible MMU faults on a memory access, from highest priority to lowest priority ... 34. Access flag "
      "fault. ... 36. Permission fault."};
  fault_case(t, leaf_with(spec::vmsa::kApRoAll, false), Dir::kDeviceWrites, EventType::kFAccess, kAfFirst);
}

// ---- translation faults ----
VIOMMU_TEST(s1_xlat_unmapped_write, "smmuv3.s1.translation_fault_unmapped_write", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain&) {
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kInvalidDesc);
  });
}
VIOMMU_TEST(s1_xlat_unmapped_read, "smmuv3.s1.translation_fault_unmapped_read", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain&) {
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceReads, EventType::kFTranslation, 0, kInvalidDesc);
  });
}
VIOMMU_TEST(s1_xlat_no_table, "smmuv3.s1.translation_fault_invalid_level1", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain&) {
    // Another 512 GiB region: the level-0 descriptor is invalid.
    expect_fault(e, e.blk, kIova + (uint64_t{1} << 39), Dir::kDeviceWrites, EventType::kFTranslation, 0, kInvalidDesc);
  });
}
VIOMMU_TEST(s1_xlat_reserved_l3, "smmuv3.s1.translation_fault_level3_block_encoding", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    volatile uint64_t* pte = d.tt(0).slot(kIova, 3, false);
    if (!pte) return t.error("no level-3 descriptor in the driver's tables");
    *pte = *pte & ~uint64_t{2};  // 0b01 at level 3 is reserved: treated as invalid (D8.3.1)
    expect_fault(e, e.blk, kIova, Dir::kDeviceWrites, EventType::kFTranslation, e.target(0), kL3Reserved);
  });
}
VIOMMU_TEST(s1_xlat_l0_block, "smmuv3.s1.translation_fault_level0_block_4k", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    // A block descriptor at level 0 of the 4 KiB granule is not permitted (48-bit OA): Translation fault.
    const uint64_t va = uint64_t{3} << 39;
    volatile uint64_t* l0 = d.tt(0).slot(va, 0, false);
    if (!l0) return t.error("no level-0 slot in the driver's tables");
    *l0 = spec::vmsa::make_s1_leaf(0, false).words[0];
    expect_fault(e, e.blk, va + 0x2000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kBlockLevel);
  });
}
VIOMMU_TEST(s1_xlat_64k_l1_block, "smmuv3.s1.translation_fault_level1_block_64k", "smmuv3,s1,fault") {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, 16)) return;
  Domain dom;
  DomainConfig c;
  c.gshift0 = 16;
  if (!e.init_domain(dom, c) || !e.attach(dom, e.blk)) return;
  // 64 KiB granule, level 1 covers 4 TiB: a block there needs FEAT_LPA (52-bit OA, D8.2 Table D8-17's 64KB
  // counterpart: "The 64KB translation granule, FEAT_LPA is implemented, and the descriptor is a level 1 Block").
  if (e.smmu->idr5().oas() >= 6) return t.skip("SMMU_IDR5.OAS = 52 bits: level-1 blocks of the 64 KiB granule exist");
  const uint64_t va = uint64_t{5} << 42;
  volatile uint64_t* l1 = dom.tt(0).slot(va, 1, false);
  if (!l1) return t.error("no level-1 slot in the driver's tables");
  *l1 = spec::vmsa::make_s1_leaf(0, false).words[0];
  expect_fault(e, e.blk, va + 0x4000, Dir::kDeviceWrites, EventType::kFTranslation, 0, kBlockLevel);
}
VIOMMU_TEST(s1_t0sz_limit, "smmuv3.s1.translation_fault_beyond_t0sz", "smmuv3,s1,fault") {
  DomainConfig c;
  c.t0sz = 25;  // 39-bit TTB0 range
  with_domain(t, c, Domain::rw_leaf(), [&](Env& e, Domain&) {
    // VA[63:39] not all zero and not all one: outside both ranges (§3.4.1, D8.15.1.1): Translation fault.
    expect_fault(e, e.blk, uint64_t{1} << 40, Dir::kDeviceWrites, EventType::kFTranslation, 0, kIaRange);
  });
}
VIOMMU_TEST(s1_cd_r0, "smmuv3.s1.fault_not_recorded_with_cd_r0", "smmuv3,s1,fault") {
  DomainConfig c;
  c.record = false;
  with_domain(t, c, Domain::rw_leaf(), [&](Env& e, Domain&) {
    // CD.R = 0: the transaction is still terminated, but no event is recorded (§5.5 R). The next page holds
    // target(1), so a write that went through anyway would be seen there.
    expect_abort(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, 0, kCdR);
  });
}

// ---- address size (D8.x: an output address beyond CD.IPS) ----
VIOMMU_TEST(s1_addr_size_leaf, "smmuv3.s1.address_size_fault_leaf", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    // IPS = 32 bits (0b000), the leaf outputs 0x1_0000_0000: Address Size fault (§5.4 IPS).
    auto* cd = d.cd();
    cd->set_ips(0);
    if (!e.synced(d.cfgi_cd(e.blk_sid), "CFGI_CD")) return;
    if (!e.mapped(d.map(kIova + 0x1000, 0x1'0000'0000ull, 0x1000), "map")) return;
    expect_fault(e, e.blk, kIova + 0x1000, Dir::kDeviceWrites, EventType::kFAddrSize, 0, kIpsCheck);
  });
}
VIOMMU_TEST(s1_addr_size_table, "smmuv3.s1.address_size_fault_table_descriptor", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    auto* cd = d.cd();
    cd->set_ips(0);
    if (!e.synced(d.cfgi_cd(e.blk_sid), "CFGI_CD")) return;
    // A level-1 table descriptor pointing above 4 GiB, in a region nothing else uses.
    const uint64_t va = kIova + (uint64_t{7} << 30);
    volatile uint64_t* l1 = d.tt(0).slot(va, 1, false);
    if (!l1) return t.error("no level-1 slot in the driver's tables");
    *l1 = spec::vmsa::make_table(0x2'0000'0000ull).words[0];
    expect_fault(e, e.blk, va, Dir::kDeviceWrites, EventType::kFAddrSize, 0, kIpsCheck);
  });
}
VIOMMU_TEST(s1_walk_eabt, "smmuv3.s1.walk_external_abort_ttb1", "smmuv3,s1,fault") {
  DomainConfig c;
  c.ttb1 = true;
  with_domain(t, c, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    // TTB1 points at an address with no memory behind it: F_WALK_EABT with the descriptor's FetchAddr.
    auto* cd = d.cd();
    cd->set_ttb1_address(0x100'0000'0000ull);
    if (!e.synced(d.cfgi_cd(e.blk_sid), "CFGI_CD")) return;
    expect_fault(e, e.blk, 0xffff'8000'0000'0000ull, Dir::kDeviceWrites, EventType::kFWalkEabt, 0, kEventWalkEabt);
  });
}

// ---- TTB0 / TTB1 selection (VA[55]) and EPD ----
VIOMMU_TEST(s1_ttb1_translate, "smmuv3.s1.ttb1_translates_upper_range", "smmuv3,s1") {
  DomainConfig c;
  c.ttb1 = true;
  with_domain(t, c, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    const uint64_t va = 0xffff'ff00'0000'0000ull;
    if (!e.mapped(d.map(va, e.target(1), 0x1000), "map")) return;
    expect_ok(e, e.blk, va, Dir::kDeviceWrites, e.target(1), kTtbSelect);
  });
}
VIOMMU_TEST(s1_ttb_select, "smmuv3.s1.ttb0_ttb1_same_offset_different_pages", "smmuv3,s1") {
  DomainConfig c;
  c.ttb1 = true;
  with_domain(t, c, Domain::rw_leaf(), [&](Env& e, Domain& d) {
    // The same low bits in both ranges: VA[55] alone picks the table.
    const uint64_t hi = 0xffff'0000'0000'0000ull | kIova;
    if (!e.mapped(d.map(hi, e.target(2), 0x1000), "map")) return;
    expect_ok(e, e.blk, kIova, Dir::kDeviceWrites, e.target(0), kTtbSelect);
    expect_ok(e, e.blk, hi, Dir::kDeviceWrites, e.target(2), kTtbSelect);
  });
}
VIOMMU_TEST(s1_ttb1_16k, "smmuv3.s1.ttb1_16k_granule_tg1_encoding", "smmuv3,s1") {
  Env e(t);
  if (!e.ready() || !granule_ok(t, e.smmu, 14)) return;
  Domain dom;
  DomainConfig c;
  c.ttb1 = true;
  c.gshift1 = 14;  // TG1 = 0b01 (16 KiB): TG1 and TG0 encode granules differently (§5.4)
  if (!e.init_domain(dom, c)) return;
  const uint64_t va = 0xffff'ff00'0000'0000ull;
  const uint64_t pa = e.page64k();
  if (!pa || !e.mapped(dom.map(va, pa, 0x4000), "map") || !e.attach(dom, e.blk)) return;
  static constexpr kernel::Clause kTg1{kernel::Strength::kMust, "IHI0070 G.b §5.4 TG1",
      "Note: The different encoding of CD.TG1 to this field is consistent with the Translation System"};
  expect_ok(e, e.blk, va + 0x200, Dir::kDeviceWrites, pa + 0x200, kTg1);
}
VIOMMU_TEST(s1_epd1, "smmuv3.s1.epd1_upper_range_translation_fault", "smmuv3,s1,fault") {
  with_domain(t, DomainConfig{}, Domain::rw_leaf(), [&](Env& e, Domain&) {
    // EPD1 = 1: a TTB1-range access takes a Translation fault without a walk (§5.4 EPD1).
    expect_fault(e, e.blk, 0xffff'ff00'0000'0000ull, Dir::kDeviceWrites, EventType::kFTranslation, 0, kEpd);
  });
}
VIOMMU_TEST(s1_epd0_edu, "smmuv3.s1.epd0_lower_range_translation_fault", "smmuv3,s1,fault,edu") {
  Env e(t);
  if (!e.ready()) return;
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) return t.skip("no edu endpoint (the only one without driver-owned DMA in TTB0's range)");
  Domain dom;
  DomainConfig c;
  c.epd0 = true;
  c.ttb1 = true;
  if (!e.init_domain(dom, c) || !e.synced(dom.attach(e.sid(edu)), "attaching edu")) return;
  expect_fault(e, edu, kIova, Dir::kDeviceWrites, EventType::kFTranslation, 0, kEpd);
}
