// Layout tests for spec/: every structure's size and a selection of field positions, each checked against the
// raw bit pattern the specification gives (IHI 0070 §5.2 STE, §5.4 CD, §4 commands, §7.3 events, §6.3 registers).
#include <gtest/gtest.h>

#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/commands.h"
#include "spec/smmuv3/events.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/registers.h"
#include "spec/smmuv3/ste.h"

using namespace spec::smmuv3;  // NOLINT

TEST(SpecLayout, Sizes) {
  EXPECT_EQ(sizeof(Ste), 64u);
  EXPECT_EQ(sizeof(ContextDescriptor), 64u);
  EXPECT_EQ(sizeof(L1Std), 8u);
  EXPECT_EQ(sizeof(L1Cd), 8u);
  EXPECT_EQ(sizeof(Command), 16u);
  EXPECT_EQ(sizeof(EventRecord), 32u);
  EXPECT_EQ(sizeof(spec::vmsa::Descriptor), 8u);
  EXPECT_EQ(sizeof(Idr0), 4u);
  EXPECT_EQ(sizeof(StrtabBase), 8u);
}

TEST(SpecLayout, SteWord0) {
  Ste s;
  s.set_v(1).set_config(0b101).set_s1fmt(0b01).set_s1_context_address(0x0000'1234'5678'9ac0).set_s1cdmax(5);
  // V[0]=1, Config[3:1]=0b101 -> 0xb, S1Fmt[5:4]=01 -> 0x10, ptr bits [51:6] in place, S1CDMax[63:59]=5.
  EXPECT_EQ(s.words[0], 0x0000'1234'5678'9ac0ull | 0xb | 0x10 | (5ull << 59));
}

TEST(SpecLayout, SteWord1) {
  Ste s;
  s.set_s1dss(0b10).set_eats(0b01).set_strw(0b10).set_shcfg(0b01).set_privcfg(0b11).set_instcfg(0b10);
  // S1DSS [65:64] -> word1[1:0]; EATS [93:92] -> word1[29:28]; STRW [95:94] -> word1[31:30];
  // SHCFG [109:108] -> word1[45:44]; PRIVCFG [113:112] -> word1[49:48]; INSTCFG [115:114] -> word1[51:50].
  EXPECT_EQ(s.words[1], 0b10ull | (1ull << 28) | (2ull << 30) | (1ull << 44) | (3ull << 48) | (2ull << 50));
}

TEST(SpecLayout, SteWord2And3) {
  Ste s;
  s.set_s2vmid(0xbeef).set_s2t0sz(24).set_s2sl0(1).set_s2tg(0b10).set_s2ps(0b101).set_s2aa64(1).set_s2r(1);
  s.set_s2_ttb_address(0x0000'0008'1234'5000);
  // S2VMID [143:128] -> word2[15:0]; S2T0SZ [165:160] -> word2[37:32]; S2SL0 [167:166] -> word2[39:38];
  // S2TG [175:174] -> word2[47:46]; S2PS [178:176] -> word2[50:48]; S2AA64 [179] -> word2[51]; S2R [186] -> word2[58].
  EXPECT_EQ(s.words[2], 0xbeefull | (24ull << 32) | (1ull << 38) | (2ull << 46) | (5ull << 48) | (1ull << 51) |
                            (1ull << 58));
  // S2TTB [243:196] holds address bits [51:4] -> word3 bits [51:4] equal the address.
  EXPECT_EQ(s.words[3], 0x0000'0008'1234'5000ull);
  EXPECT_EQ(s.s2_ttb_address(), 0x0000'0008'1234'5000ull);
}

TEST(SpecLayout, L1Std) {
  L1Std d;
  d.set_span(9).set_l2_address(0x4001'2340);
  EXPECT_EQ(d.words[0], 0x4001'2340ull | 9);  // Span [4:0], L2Ptr [51:6]
}

TEST(SpecLayout, CdWord0) {
  ContextDescriptor c;
  c.set_t0sz(16).set_tg0(0b10).set_epd1(1).set_v(1).set_ips(0b101).set_aa64(1).set_r(1).set_a(1).set_asid(0x1234);
  // T0SZ[5:0]=16, TG0[7:6]=0b10, EPD1[30], V[31], IPS[34:32]=5, R[45], A[46], AA64[41], ASID[63:48].
  EXPECT_EQ(c.words[0], 16ull | (2ull << 6) | (1ull << 30) | (1ull << 31) | (5ull << 32) | (1ull << 41) |
                            (1ull << 45) | (1ull << 46) | (0x1234ull << 48));
}

TEST(SpecLayout, CdTtbWords) {
  ContextDescriptor c;
  c.set_ttb0_address(0x0000'00ab'cdef'1000).set_ttb1_address(0x0000'0012'3456'7000).set_had0(1);
  // TTB0 [115:68] holds bits [51:4] of the address: word1 = address (bits 51:4 in place) | HAD0 [65] -> bit 1.
  EXPECT_EQ(c.words[1], 0x0000'00ab'cdef'1000ull | 2);
  EXPECT_EQ(c.words[2], 0x0000'0012'3456'7000ull);
  c.set_mair0(0x44ff0400);
  EXPECT_EQ(c.words[3], 0x44ff0400ull);  // MAIR0 [223:192]
}

TEST(SpecLayout, L1Cd) {
  L1Cd d;
  d.set_v(1).set_l2_address(0x4005'6000);
  EXPECT_EQ(d.words[0], 0x4005'6001ull);
}

TEST(SpecLayout, CmdSync) {
  CmdSync c;
  c.set_cs(kSyncCsIrq).set_msidata(0xcafe).set_msi_address(0x4003'f004).set_msh(0b11).set_msiattr(0xf);
  // Opcode 0x46, CS [13:12] = 1, MSH [23:22], MSIAttr [27:24], MSIData [63:32]; MSIAddress [115:66] is
  // address bits [51:2], i.e. word1 holds the address itself in bits [51:2].
  EXPECT_EQ(c.words[0], 0x46ull | (1ull << 12) | (3ull << 22) | (0xfull << 24) | (0xcafeull << 32));
  EXPECT_EQ(c.words[1], 0x4003'f004ull);
}

TEST(SpecLayout, CmdTlbiNhVaRange) {
  CmdTlbiNhVa c;
  c.set_num(3).set_scale(2).set_vmid(7).set_asid(0x55).set_leaf(1).set_ttl(3).set_tg(1).set_addr(0xffff'8000'1234'5000);
  // word0: opcode 0x12, NUM [16:12], SCALE [24:20], VMID [47:32], ASID [63:48]
  EXPECT_EQ(c.words[0], 0x12ull | (3ull << 12) | (2ull << 20) | (7ull << 32) | (0x55ull << 48));
  // word1: Leaf [0], TTL [9:8], TG [11:10], Address [63:12] in place
  EXPECT_EQ(c.words[1], 0xffff'8000'1234'5000ull | 1 | (3ull << 8) | (1ull << 10));
}

TEST(SpecLayout, CmdCfgi) {
  CmdCfgiSte s;
  s.set_streamid(0x1234).set_leaf(1);
  EXPECT_EQ(s.words[0], 0x03ull | (0x1234ull << 32));
  EXPECT_EQ(s.words[1], 1ull);
  CmdCfgiCd cd;
  cd.set_streamid(9).set_substreamid(0xabcde).set_leaf(1);
  EXPECT_EQ(cd.words[0], 0x05ull | (0xabcdeull << 12) | (9ull << 32));
  CmdCfgiAll all;
  EXPECT_EQ(all.words[0], 0x04ull);
  EXPECT_EQ(all.words[1], 31ull);
  CmdCfgiSteRange r;
  r.set_streamid(0x40).set_range(5);
  EXPECT_EQ(r.words[1], 5ull);
}

TEST(SpecLayout, CmdOthers) {
  EXPECT_EQ(CmdTlbiNsnhAll{}.words[0], 0x30ull);
  EXPECT_EQ(CmdTlbiEl2All{}.words[0], 0x20ull);
  EXPECT_EQ(CmdTlbiEl3All{}.words[0], 0x18ull);
  CmdTlbiS12Vmall v;
  v.set_vmid(0x100);
  EXPECT_EQ(v.words[0], 0x28ull | (0x100ull << 32));
  CmdAtcInv a;
  a.set_global(1).set_ssv(1).set_substreamid(3).set_streamid(4).set_size(6);
  EXPECT_EQ(a.words[0], 0x40ull | (1ull << 9) | (1ull << 11) | (3ull << 12) | (4ull << 32));
  EXPECT_EQ(a.words[1], 6ull);
  CmdPriResp p;
  p.set_prgindex(0x1ff).set_resp(2);
  EXPECT_EQ(p.words[1], 0x1ffull | (2ull << 12));
  CmdResume res;
  res.set_ac(1).set_streamid(2).set_stag(0xbeef);
  EXPECT_EQ(res.words[0], 0x44ull | (1ull << 12) | (2ull << 32));
  EXPECT_EQ(res.words[1], 0xbeefull);
  EXPECT_EQ(CmdStallTerm{}.words[0], 0x45ull);
  EXPECT_EQ(CmdPrefetchConfig{}.words[0], 0x01ull);
  EXPECT_EQ(CmdTlbiS2Ipa{}.words[0], 0x2aull);
  EXPECT_EQ(CmdTlbiNhVaa{}.words[0], 0x13ull);
}

TEST(SpecLayout, EventCommonFields) {
  EvtFTranslation e;
  e.set_ssv(1).set_substreamid(0x12345).set_streamid(0xdead);
  EXPECT_EQ(e.words[0], 0x10ull | (1ull << 11) | (0x12345ull << 12) | (0xdeadull << 32));
}

TEST(SpecLayout, EventTranslationFields) {
  EvtFPermission e;
  e.set_stag(0x55).set_stall(1).set_pnu(1).set_ind(1).set_rnw(1).set_s2(1).set_class_(2).set_ttrnw(1);
  // word1: STAG [79:64] -> [15:0], Stall [95] -> 31, PnU [97] -> 33, InD [98] -> 34, RnW [99] -> 35,
  // S2 [103] -> 39, CLASS [105:104] -> [41:40], TTRnW [108] -> 44.
  EXPECT_EQ(e.words[1], 0x55ull | (1ull << 31) | (1ull << 33) | (1ull << 34) | (1ull << 35) | (1ull << 39) |
                            (2ull << 40) | (1ull << 44));
  e.set_input_addr(0xffff'0000'1234'5678).set_ipa(0x0000'0080'0000'3000);
  EXPECT_EQ(e.words[2], 0xffff'0000'1234'5678ull);
  // IPA [243:204] holds IPA bits [51:12] -> word3 holds the page address in bits [51:12].
  EXPECT_EQ(e.words[3], 0x0000'0080'0000'3000ull);
}

TEST(SpecLayout, EventFetchAddr) {
  EvtFSteFetch e;
  e.set_fetch_addr(0x0000'0040'0000'0048);
  // FetchAddr [243:195] holds bits [51:3]: word3 holds the 8-byte aligned address in place.
  EXPECT_EQ(e.words[3], 0x0000'0040'0000'0048ull);
  EXPECT_EQ(e.fetch_addr(), 0x0000'0040'0000'0048ull);
}

TEST(SpecLayout, EventTypeCodes) {
  EXPECT_EQ(EvtFUut{}.type(), 0x01u);
  EXPECT_EQ(EvtCBadStreamid{}.type(), 0x02u);
  EXPECT_EQ(EvtFSteFetch{}.type(), 0x03u);
  EXPECT_EQ(EvtCBadSte{}.type(), 0x04u);
  EXPECT_EQ(EvtFBadAtsTreq{}.type(), 0x05u);
  EXPECT_EQ(EvtFStreamDisabled{}.type(), 0x06u);
  EXPECT_EQ(EvtFTranslForbidden{}.type(), 0x07u);
  EXPECT_EQ(EvtCBadSubstreamid{}.type(), 0x08u);
  EXPECT_EQ(EvtFCdFetch{}.type(), 0x09u);
  EXPECT_EQ(EvtCBadCd{}.type(), 0x0au);
  EXPECT_EQ(EvtFWalkEabt{}.type(), 0x0bu);
  EXPECT_EQ(EvtFTranslation{}.type(), 0x10u);
  EXPECT_EQ(EvtFAddrSize{}.type(), 0x11u);
  EXPECT_EQ(EvtFAccess{}.type(), 0x12u);
  EXPECT_EQ(EvtFPermission{}.type(), 0x13u);
  EXPECT_EQ(EvtFTlbConflict{}.type(), 0x20u);
  EXPECT_EQ(EvtFCfgConflict{}.type(), 0x21u);
  EXPECT_EQ(EvtEPageRequest{}.type(), 0x24u);
  EXPECT_EQ(EvtFVmsFetch{}.type(), 0x25u);
}

TEST(SpecLayout, UnmodelledEventRecordsEncode) {
  // F_TLB_CONFLICT, F_CFG_CONFLICT, E_PAGE_REQUEST and F_VMS_FETCH are never produced by the model (no
  // conflicts, no stalls/PRI, no VMS); their records still encode the common fields in the common places.
  EvtFTlbConflict t;
  t.set_streamid(3).set_input_addr(0x1000);
  EXPECT_EQ(t.words[0], 0x20ull | (3ull << 32));
  EXPECT_EQ(t.words[2], 0x1000ull);
  EvtFCfgConflict c;
  c.set_streamid(4).set_ssv(1).set_substreamid(1);
  EXPECT_EQ(c.words[0], 0x21ull | (1ull << 11) | (1ull << 12) | (4ull << 32));
  EvtEPageRequest p;
  p.set_streamid(5).set_rnw(1).set_input_addr(0x2000);
  EXPECT_EQ(p.words[0], 0x24ull | (5ull << 32));
  EXPECT_EQ(p.words[1], 1ull << 35);
  EvtFVmsFetch v;
  v.set_streamid(6).set_fetch_addr(0x4000'1000);
  EXPECT_EQ(v.words[0], 0x25ull | (6ull << 32));
  EXPECT_EQ(v.words[3], 0x4000'1000ull);
}

TEST(SpecLayout, RegisterFields) {
  Idr0 i0;
  i0.value = 0x0d40101a;  // QEMU 7.2
  EXPECT_EQ(i0.s1p(), 1u);
  EXPECT_EQ(i0.s2p(), 0u);
  EXPECT_EQ(i0.ttf(), 2u);          // bits [3:2] = 0b10 AArch64
  EXPECT_EQ(i0.asid16(), 1u);       // bit 12
  EXPECT_EQ(i0.ttendian(), 2u);     // bits [22:21] = 0b10 little-endian
  EXPECT_EQ(i0.stall_model(), 1u);  // bits [25:24] = 0b01
  EXPECT_EQ(i0.term_model(), 1u);   // bit 26
  EXPECT_EQ(i0.st_level(), 1u);     // bits [28:27] = 0b01
  Idr1 i1;
  i1.value = 0x02730010;
  EXPECT_EQ(i1.sidsize(), 16u);
  EXPECT_EQ(i1.ssidsize(), 0u);
  EXPECT_EQ(i1.eventqs(), 19u);  // bits [20:16] = 0x13
  EXPECT_EQ(i1.cmdqs(), 19u);    // bits [25:21] = 0x13
  Idr5 i5;
  i5.value = 0x74;
  EXPECT_EQ(pa_size_bits(i5.oas()), 44u);
  EXPECT_EQ(i5.gran4k() + i5.gran16k() + i5.gran64k(), 3u);
}

TEST(SpecLayout, QueueAndStrtabRegisters) {
  QueueBase q;
  q.set_raw(0x4000'0000ull | 8 | (1ull << 62));
  EXPECT_EQ(q.log2size(), 8u);
  EXPECT_EQ(q.address(), 0x4000'0000ull);
  EXPECT_EQ(q.ra_wa(), 1u);
  StrtabBaseCfg c;
  c.set_fmt(1).set_split(8).set_log2size(16);
  EXPECT_EQ(c.value, (1u << 16) | (8u << 6) | 16u);
  CmdqCons cons;
  cons.set_err(static_cast<uint64_t>(CmdError::kAbt)).set_rd(0x1ff);
  EXPECT_EQ(cons.value, (2u << 24) | 0x1ffu);
  Gbpa g;
  g.set_abort(1).set_update(1);
  EXPECT_EQ(g.value, (1u << 20) | (1u << 31));
  EXPECT_EQ(RegOffset::kEventqProd, 0x100a8u);
  EXPECT_EQ(RegOffset::kEventqCons, 0x100acu);
}

TEST(SpecLayout, VmsaDescriptors) {
  using namespace spec::vmsa;  // NOLINT
  const Descriptor t = make_table(0x4010'0000);
  EXPECT_EQ(t.words[0], 0x4010'0003ull);
  const Descriptor p = make_s1_leaf(0x8000'0000, true, kApRoAll);
  // page 0b11, AP[2:1]=0b11 -> bits 7:6, SH=0b11 -> bits 9:8, AF bit 10
  EXPECT_EQ(p.words[0], 0x8000'0000ull | 3 | (3ull << 6) | (3ull << 8) | (1ull << 10));
  const Descriptor b = make_s2_leaf(0x4000'0000, false, kS2ApRead);
  // block 0b01, MemAttr 0b1111 -> bits 5:2, S2AP 0b01 -> bit 6, SH, AF
  EXPECT_EQ(b.words[0], 0x4000'0000ull | 1 | (0xfull << 2) | (1ull << 6) | (3ull << 8) | (1ull << 10));
  EXPECT_EQ(k4K.level_shift(1), 30u);
  EXPECT_EQ(k16K.level_shift(2), 25u);
  EXPECT_EQ(k64K.level_shift(2), 29u);
}

TEST(SpecLayout, VmsaNamedBitsAndGeometry) {
  using namespace spec::vmsa;  // NOLINT
  // D8.3: AP[1] bit 6, AP[2] bit 7 (stage 2: S2AP[0] read, S2AP[1] write), MemAttr[3:2] bits 5:4, nG bit 11,
  // XN bit 54, PXNTable 59, UXNTable 60, APTable[0] 61, APTable[1] 62.
  Descriptor d;
  d.words[0] = (1ull << 6) | (1ull << 11) | (1ull << 54) | (1ull << 61);
  EXPECT_TRUE(d.ap_1() && d.s2ap_r() && d.ng() && d.s2_xn() && d.ap_table_0());
  EXPECT_FALSE(d.ap_2() || d.s2ap_w() || d.ap_table_1() || d.pxn_table());
  EXPECT_EQ(Descriptor::kTableAttrs, 0xfull << 59);
  d.words[0] = 0x0000'1234'5678'9000ull | (0b10ull << 4) | 3;
  EXPECT_EQ(d.s2_memattr_3_2(), 0b10u);
  EXPECT_EQ(d.address(), 0x0000'1234'5678'9000ull);
  EXPECT_EQ(d.next_table_address(), 0x0000'1234'5678'9000ull);
  // TTB0 / TTB1 by VA[55]; the top byte is the TBI tag.
  EXPECT_EQ(va_range(0x0080'0000'0000'0000ull), 1u);
  EXPECT_EQ(va_tag(0xab00'0000'0000'1000ull), 0xabu);
  EXPECT_EQ(va_untagged(0xab00'0000'0000'1000ull), 0x1000ull);
  EXPECT_EQ(start_level(48, 12), 0u);
  EXPECT_EQ(start_level(36, 14), 2u);  // 16 KiB: levels 2 and 3 resolve 11 bits each
  EXPECT_EQ(table_index(0x0000'0012'3456'7000ull, level_shift(12, 3), 9), 0x167u);
}

TEST(SpecLayout, CommandOperandsAndEncodings) {
  // §4.3.2: Range = 3 covers the 16 StreamIDs around StreamID 0x1234.
  CmdCfgiSteRange r;
  r.set_streamid(0x1234).set_range(3);
  EXPECT_EQ(r.first_sid(), 0x1230u);
  EXPECT_EQ(r.last_sid(), 0x123fu);
  // StreamID [63:32] and SubstreamID [31:12] at the same place in every command that has them.
  CmdCfgiCd c;
  c.set_streamid(0xabcd).set_substreamid(0x12345);
  const auto& ops = static_cast<const CmdStreamOperands&>(static_cast<const Command&>(c));
  EXPECT_EQ(ops.streamid(), 0xabcdu);
  EXPECT_EQ(ops.substreamid(), 0x12345u);
  EXPECT_EQ(tlbi_tg_granule_shift(0b10), 14u);
  // TG0 and TG1 encode granules differently (CD, §5.4); STE.S2SL0 counts levels back from the last.
  EXPECT_EQ(tg0_encoding(16), 0b01u);
  EXPECT_EQ(tg1_encoding(16), 0b11u);
  EXPECT_EQ(s2_start_level(12, 0b01), 1u);
  Ste s;
  s.set_config(0b110);
  EXPECT_TRUE(s.config_2() && s.config_s2() && !s.config_s1());
  EXPECT_EQ(strtab_l1_index(0x1234, 8), 0x12u);
  EXPECT_EQ(strtab_l2_index(0x1234, 8), 0x34u);
  EXPECT_EQ(vmid_value(0xbeef, false), 0xefu);
}
