// VT-d in-memory translation structures (spec/intel_vtd/root_table.h, pasid.h, pte.h): every expected word is
// worked out by hand from the bit positions of VT-d rev 4.x chapter 9, cross-read in QEMU, Linux and VirtualBox.
#include <gtest/gtest.h>

#include "spec/intel_vtd/pasid.h"
#include "spec/intel_vtd/pte.h"
#include "spec/intel_vtd/registers.h"
#include "spec/intel_vtd/root_table.h"

namespace intel_vtd_tests {
namespace {

using namespace spec::intel_vtd;

TEST(IntelVtdTables, RootEntry) {
  // §9.1: P [0], CTP [63:12], bits 127:64 reserved. Context table at 0x12_3000: 0x12_3001.
  RootEntry r;
  r.set_p(1).set_ctp(0x12'3000);
  EXPECT_EQ(r.words[0], 0x12'3001ull);
  EXPECT_EQ(r.words[1], 0u);
  EXPECT_EQ(r.ctp(), 0x12'3000ull);
  EXPECT_EQ(RootEntry::kReserved0, 0xffeull);  // QEMU's VTD_ROOT_ENTRY_RSVD without the HAW part
  EXPECT_EQ(sizeof(RootEntry) * kRootEntries, 4096u);
}

TEST(IntelVtdTables, ScalableRootEntry) {
  // §9.2: LP [0], LCTP [63:12]; UP [64], UCTP [127:76]. Lower table 0x1000, upper 0x2000.
  ScalableRootEntry r;
  r.set_lp(1).set_lctp(0x1000).set_up(1).set_uctp(0x2000);
  EXPECT_EQ(r.words[0], 0x1001ull);
  EXPECT_EQ(r.words[1], 0x2001ull);
  EXPECT_EQ(r.uctp(), 0x2000ull);
  // devfn 0x85 (16.5) is entry 5 of the upper table; devfn 0x7f the last of the lower.
  EXPECT_TRUE(ScalableRootEntry::upper_half(0x85));
  EXPECT_EQ(ScalableRootEntry::index_in_half(0x85), 5u);
  EXPECT_FALSE(ScalableRootEntry::upper_half(0x7f));
  EXPECT_EQ(sizeof(ScalableContextEntry) * kScalableContextEntries, 4096u);
}

TEST(IntelVtdTables, LegacyContextEntry) {
  // §9.3: P [0], FPD [1], TT [3:2], SLPTPTR [63:12]; AW [66:64], AVAIL [70:67], DID [87:72]. A 3-level (AW 1)
  // table at 0x5000 for DID 7: low 0x5001, high 1 | 7 << 8 = 0x701.
  ContextEntry c;
  c.set_p(1).set_slptptr(0x5000).set_aw(1).set_did(7);
  EXPECT_EQ(c.words[0], 0x5001ull);
  EXPECT_EQ(c.words[1], 0x701ull);
  c.set_tt(static_cast<uint64_t>(TranslationType::kPassThrough)).set_fpd(1);
  EXPECT_EQ(c.words[0], 0x500bull);  // TT 10b = 0x8, FPD 0x2
  EXPECT_EQ(ContextEntry::avail_mask, 0x78ull);
  EXPECT_EQ(sizeof(ContextEntry) * kLegacyContextEntries, 4096u);
}

TEST(IntelVtdTables, LegacyContextEntryReserved) {
  // QEMU's reserved masks for a context entry, without the host-address-width part: low 0xff0 ([11:4]),
  // high 0xffff_ffff_ff00_0080 ([71] and [127:88]).
  EXPECT_EQ(ContextEntry::kReserved0, 0xff0ull);
  EXPECT_EQ(ContextEntry::kReserved1, 0xffff'ffff'ff00'0080ull);
  EXPECT_STREQ(translation_type_name(2), "pass-through");
  EXPECT_STREQ(translation_type_name(3), "reserved");
}

TEST(IntelVtdTables, AddressWidthEncoding) {
  // §9.3 AW: 001b 39-bit (3 levels), 010b 48-bit (4 levels), 011b 57-bit (5 levels); CAP.SAGAW bit AW says the
  // width is supported (SAGAW bit 1 = 39-bit, bit 2 = 48-bit).
  EXPECT_EQ(agaw_bits(1), 39u);
  EXPECT_EQ(agaw_bits(3), 57u);
  EXPECT_EQ(aw_levels(1), 3u);
  EXPECT_EQ(aw_levels(3), 5u);
  EXPECT_EQ(aw_for_agaw(39), 1u);
  EXPECT_EQ(uint64_t{1} << aw_for_agaw(39), kSagaw39);
  EXPECT_EQ(uint64_t{1} << aw_for_agaw(48), kSagaw48);
}

TEST(IntelVtdTables, ScalableContextEntry) {
  // §9.4: P [0], FPD [1], DTE [2], PASIDE [3], PRE [4], PDTS [11:9], PASIDDIRPTR [63:12]; RID_PASID [83:64],
  // RID_PRIV [84]. Directory 0x7000 of 2^(3+7) entries, DTE, PASIDE, PRE: 0x7000 | 0x600 | 0x1d = 0x761d;
  // RID_PASID 5 with RID_PRIV: 0x10_0005.
  ScalableContextEntry c;
  c.set_p(1).set_dte(1).set_paside(1).set_pre(1).set_pdts(3).set_pasiddirptr(0x7000);
  c.set_rid_pasid(5).set_rid_priv(1);
  EXPECT_EQ(c.words[0], 0x761dull);
  EXPECT_EQ(c.words[1], 0x10'0005ull);
  EXPECT_EQ(c.words[2], 0u);
  EXPECT_EQ(c.words[3], 0u);
  EXPECT_EQ(c.pasid_directory_entries(), 1024u);
  // QEMU: VTD_SM_CONTEXT_ENTRY_RSVD_VAL0 low part 0x1e0, VAL1 0xffff_ffff_ffe0_0000.
  EXPECT_EQ(ScalableContextEntry::kReserved0, 0x1e0ull);
  EXPECT_EQ(ScalableContextEntry::kReserved1, 0xffff'ffff'ffe0'0000ull);
}

TEST(IntelVtdTables, PasidDirectoryEntryAndIndex) {
  // §9.5: P [0], FPD [1], SMPTBLPTR [63:12]: table 0x9000, FPD: 0x9003. PASID 0x12345: directory index
  // PASID[19:6] = 0x48d, table index PASID[5:0] = 0x05.
  PasidDirEntry d;
  d.set_p(1).set_fpd(1).set_smptblptr(0x9000);
  EXPECT_EQ(d.words[0], 0x9003ull);
  EXPECT_EQ(pasid_directory_index(0x12345), 0x48du);
  EXPECT_EQ(pasid_table_index(0x12345), 0x05u);
  EXPECT_EQ(sizeof(PasidEntry) * kPasidTableEntries, 4096u);
}

TEST(IntelVtdTables, PasidEntryWord0) {
  // §9.6 word 0: P [0], FPD [1], AW [4:2], SLEE [5], PGTT [8:6], SLADE [9], SLPTPTR [63:12]. Second-stage
  // (PGTT 010b) 4-level (AW 010b) at 0xa000 with A/D: 1 | 2<<2 | 2<<6 | 1<<9 | 0xa000 = 0xa289.
  PasidEntry p;
  p.set_p(1).set_aw(2).set_pgtt(static_cast<uint64_t>(Pgtt::kSecondStage)).set_slade(1).set_slptptr(0xa000);
  EXPECT_EQ(p.words[0], 0xa289ull);
  EXPECT_EQ(PasidEntry::slee_mask, 0x20ull);
  EXPECT_EQ(PasidEntry::pgtt_mask, 0x1c0ull);  // QEMU's VTD_SM_PASID_ENTRY_PGTT
}

TEST(IntelVtdTables, PasidEntryWord1) {
  // §9.6 word 1: DID [79:64], PWSNP [87], PGSNP [88] (Linux: val[1] bits 23 and 24), CD [89], EMTE [90],
  // EMT [93:91], PWT [94], PCD [95], PAT [127:96]. DID 0x10 with both snoop bits: 0x180_0010.
  PasidEntry p;
  p.set_did(0x10).set_pwsnp(1).set_pgsnp(1);
  EXPECT_EQ(p.words[1], 0x180'0010ull);
  EXPECT_EQ(PasidEntry::cd_mask, 1ull << 25);
  EXPECT_EQ(PasidEntry::emte_mask, 1ull << 26);
  EXPECT_EQ(PasidEntry::emt_mask, 0x3800'0000ull);
  EXPECT_EQ(PasidEntry::pcd_mask, 1ull << 31);
  EXPECT_EQ(PasidEntry::pat_mask, 0xffff'ffff'0000'0000ull);
  EXPECT_EQ(PasidEntry::kReserved1, 0x7f'0000ull);  // [86:80]
}

TEST(IntelVtdTables, PasidEntryWord2) {
  // §9.6 word 2: SRE [128], ERE [129], FLPM [131:130], WPE [132], NXE [133], SMEP [134], EAFE [135], FLPTPTR
  // [191:140]. A 5-level (FLPM 01b) first-stage table at 0xb000 with SRE, ERE, WPE: 0xb000 | 0x17 = 0xb017.
  PasidEntry p;
  p.set_sre(1).set_ere(1).set_flpm(static_cast<uint64_t>(Flpm::k5Level)).set_wpe(1).set_flptptr(0xb000);
  EXPECT_EQ(p.words[2], 0xb017ull);
  EXPECT_EQ(p.flptptr(), 0xb000ull);
  EXPECT_EQ(PasidEntry::eafe_mask, 0x80ull);
  EXPECT_EQ(PasidEntry::smep_mask, 0x40ull);
  EXPECT_EQ(flpm_levels(p.flpm()), 5u);
  for (unsigned w = 3; w < 8; ++w) EXPECT_EQ(p.words[w], 0u);
}

TEST(IntelVtdTables, PgttEncodings) {
  // §9.6 PGTT: 001b first-stage, 010b second-stage, 011b nested, 100b pass-through (QEMU VTD_SM_PASID_ENTRY_FLT
  // 1<<6 ... PT 4<<6, Linux PASID_ENTRY_PGTT_FL_ONLY 1 ... PT 4); 000b, 101b-111b reserved.
  EXPECT_EQ(static_cast<unsigned>(Pgtt::kFirstStage), 1u);
  EXPECT_EQ(static_cast<unsigned>(Pgtt::kPassThrough), 4u);
  EXPECT_STREQ(pgtt_name(3), "nested");
  EXPECT_STREQ(pgtt_name(0), "reserved");
  EXPECT_STREQ(pgtt_name(5), "reserved");
}

TEST(IntelVtdTables, SecondStagePte) {
  // §9.8: R [0], W [1], X [2], EMT [5:3], IPAT [6], PS [7], A [8], D [9], SNP [11], ADDR [51:12], TM [62]. A 1 GiB
  // read/write leaf at 0x4000_0000: 0x4000_0083.
  SlPte e;
  e.set_r(1).set_w(1).set_ps(1).set_addr(0x4000'0000);
  EXPECT_EQ(e.words[0], 0x4000'0083ull);
  EXPECT_TRUE(e.present());
  EXPECT_EQ(SlPte::emt_mask, 0x38ull);
  EXPECT_EQ(SlPte::ipat_mask, 0x40ull);
  EXPECT_EQ(SlPte::a_mask, 0x100ull);
  EXPECT_EQ(SlPte::d_mask, 0x200ull);
  EXPECT_EQ(SlPte::snp_mask, 0x800ull);  // QEMU's VTD_SPTE_SNP, Linux's DMA_PTE_SNP
  EXPECT_EQ(SlPte::tm_mask, 1ull << 62);  // QEMU's VTD_SL_TM
  EXPECT_EQ(SlPte::addr_4k_mask, 0x000f'ffff'ffff'f000ull);
  EXPECT_FALSE(SlPte{}.present());
}

TEST(IntelVtdTables, FirstStagePte) {
  // §9.7 (IA-32e paging): P [0], R/W [1], U/S [2], PWT [3], PCD [4], A [5], D [6], PS [7], G [8], EA [10], ADDR
  // [51:12], XD [63]. A user, writable, accessed, dirty, non-executable page at 0x1234_5000:
  // 0x8000_0000_1234_5067.
  FlPte e;
  e.set_p(1).set_rw(1).set_us(1).set_a(1).set_d(1).set_xd(1).set_addr(0x1234'5000);
  EXPECT_EQ(e.words[0], 0x8000'0000'1234'5067ull);
  EXPECT_EQ(FlPte::ea_mask, 0x400ull);
  EXPECT_EQ(FlPte::g_mask, 0x100ull);
  EXPECT_EQ(FlPte::pcd_mask, 0x10ull);
}

TEST(IntelVtdTables, WalkIndexes) {
  // 9 bits a level above the 12-bit offset: 0x1234_5000 has level-1 index (>>12)&0x1ff = 0x145, level-2 index
  // (>>21)&0x1ff = 0x91, level-3 index 0. 0x7fff_ffff_f000 (the top of 48 bits) has level-4 index 0xff; the
  // 57-bit address 0x01ff_0000_0000_0000 has level-5 index 0x1ff.
  EXPECT_EQ(level_index(0x1234'5000, 1), 0x145u);
  EXPECT_EQ(level_index(0x1234'5000, 2), 0x91u);
  EXPECT_EQ(level_index(0x1234'5000, 3), 0u);
  EXPECT_EQ(level_index(0x7fff'ffff'f000, 4), 0xffu);
  EXPECT_EQ(level_index(0x01ff'0000'0000'0000, 5), 0x1ffu);
  EXPECT_EQ(level_shift(4), 39u);
  EXPECT_EQ(level_page_size(1), 4096u);
}

TEST(IntelVtdTables, AgawLevels) {
  // 3/4/5-level walks for AGAW 39/48/57 (§3.6, §3.7; SAGAW bits 1/2/3).
  EXPECT_EQ(levels_for_agaw(39), 3u);
  EXPECT_EQ(levels_for_agaw(48), 4u);
  EXPECT_EQ(levels_for_agaw(57), 5u);
  EXPECT_EQ(agaw_for_levels(3), 39u);
  EXPECT_EQ(agaw_for_levels(5), 57u);
}

TEST(IntelVtdTables, LargePageSupport) {
  // §11.4.2 SLLPS: bit 0 21-bit offset (2 MiB, a level-2 leaf), bit 1 30-bit (1 GiB, level 3); QEMU reports
  // 0011b.
  EXPECT_TRUE(sllps_allows(0x3, 2));
  EXPECT_TRUE(sllps_allows(0x3, 3));
  EXPECT_FALSE(sllps_allows(0x3, 4));
  EXPECT_FALSE(sllps_allows(0x3, 1));
  EXPECT_FALSE(sllps_allows(0x1, 3));
}

TEST(IntelVtdTables, CanonicalAddresses) {
  // §3.6: a first-stage input address must be canonical (bits 63:N-1 equal).
  EXPECT_TRUE(is_canonical(0, 48));
  EXPECT_TRUE(is_canonical(0xffff'ffff'ffff'f000, 48));
  EXPECT_FALSE(is_canonical(0x0001'0000'0000'0000, 48));
  EXPECT_TRUE(is_canonical(0x00ff'ffff'ffff'f000, 57));
  EXPECT_FALSE(is_canonical(0x0100'0000'0000'0000, 57));
}

}  // namespace
}  // namespace intel_vtd_tests
