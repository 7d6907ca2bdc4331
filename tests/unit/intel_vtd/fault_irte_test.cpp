// VT-d fault records, fault reasons, IQE codes and interrupt remapping (spec/intel_vtd/fault.h, irte.h): every
// expected word worked out by hand from VT-d rev 4.x §11.4.9.6, the fault-reason appendix, §9.10, §9.11 and
// §5.1.2.2, cross-read in QEMU, Linux (dmar.c's dword reads of the record) and VirtualBox.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "spec/intel_vtd/fault.h"
#include "spec/intel_vtd/irte.h"

namespace intel_vtd_tests {
namespace {

using namespace spec::intel_vtd;

TEST(IntelVtdFault, RecordLayout) {
  // §11.4.9.6: FI [63:12]; SID [79:64], PP [95], FR [103:96], PV [123:104], F [127]. A write fault (T1 0) of
  // SID 0x00f8 with PASID 0x12345 at 0x1234_5000, reason 05h: high 0xf8 | 1 << 31 | 0x05 << 32 | 0x12345 << 40
  // | 1 << 63.
  FaultRecord r;
  r.set_page_address(0x1234'5000).set_sid(0x00f8).set_pp(1).set_fr(0x05).set_pv(0x12345).set_f(1);
  EXPECT_EQ(r.words[0], 0x1234'5000ull);
  EXPECT_EQ(r.words[1], 0x8123'4505'8000'00f8ull);
  EXPECT_EQ(r.reason(), FaultReason::kWriteDenied);
}

TEST(IntelVtdFault, RecordReadAsDwords) {
  // Linux's dmar_fault reads the record as dwords: at +12 F is bit 31, the type bit 30, FR bits 7:0, the PASID
  // value bits 27:8; at +8 the SID is bits 15:0 and PP bit 31. The same bits through the fields:
  FaultRecord r;
  r.set_page_address(0x8000).set_sid(0x0010).set_pp(1).set_pv(0xabcde).set_fr(0x06).set_t1(1).set_f(1);
  const auto dword3 = static_cast<uint32_t>(r.words[1] >> 32);
  const auto dword2 = static_cast<uint32_t>(r.words[1]);
  EXPECT_EQ(dword3 >> 31, 1u);
  EXPECT_EQ((dword3 >> 30) & 1, 1u);
  EXPECT_EQ(dword3 & 0xff, 0x06u);
  EXPECT_EQ((dword3 >> 8) & 0xfffff, 0xabcdeu);
  EXPECT_EQ(dword2 & 0xffff, 0x0010u);
  EXPECT_EQ(dword2 >> 31, 1u);
  EXPECT_EQ(FaultRecord::kFInDword, 0x8000'0000u);
  EXPECT_EQ(FaultRecord::kFDwordOffset, 12u);
}

TEST(IntelVtdFault, RecordTypeBits) {
  // §11.4.9.6: T2 [92], PRIV [93], EXE [94], AT [125:124], T1 [126].
  EXPECT_EQ(FaultRecord::t2_mask, 1ull << 28);
  EXPECT_EQ(FaultRecord::priv_mask, 1ull << 29);
  EXPECT_EQ(FaultRecord::exe_mask, 1ull << 30);
  EXPECT_EQ(FaultRecord::at_mask, 0x3ull << 60);
  EXPECT_EQ(FaultRecord::t1_mask, 1ull << 62);
  FaultRecord r;
  r.set_t1(1);
  EXPECT_STREQ(request_type_name(request_type(r)), "read");
  r.set_t1(0);
  EXPECT_STREQ(request_type_name(request_type(r)), "write");
}

TEST(IntelVtdFault, RecordFieldList) {
  // The record's fields as kit::compare_record iterates them, spelled as the spec spells them, in record order.
  const char* expected[] = {"FI", "SID", "T2", "PRIV", "EXE", "PP", "FR", "PV", "AT", "T1", "F"};
  ASSERT_EQ(std::size(FaultRecord::kFields), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) EXPECT_STREQ(FaultRecord::kFields[i].name, expected[i]);
  EXPECT_EQ(FaultRecord::kFields[0].lo, 12u);
  EXPECT_EQ(FaultRecord::kFields[10].hi, 127u);
}

TEST(IntelVtdFault, DefinedFieldsFollowTheRecord) {
  // A DMA fault without PASID defines no PV; FI is an address (scaled by 12) and FR is named.
  FaultRecord dma;
  dma.set_fr(0x06).set_f(1);
  auto l = dma.defined_fields();
  EXPECT_EQ(l.count, 10u);
  EXPECT_STREQ(l.fields[0].name, "FI");
  EXPECT_EQ(l.fields[0].scale, 12u);
  bool has_pv = false;
  for (const spec::Field& f : l) {
    if (std::strcmp(f.name, "PV") == 0) has_pv = true;
    if (std::strcmp(f.name, "FR") == 0) {
      ASSERT_NE(f.describe, nullptr);
      EXPECT_STREQ(f.describe(f.get(dma)), "read denied");
    }
  }
  EXPECT_FALSE(has_pv);
  // With PP=1 the PASID value is defined.
  dma.set_pp(1);
  EXPECT_EQ(dma.defined_fields().count, 11u);
  // An interrupt-remapping fault carries the interrupt index in FI[63:48] instead of an address.
  FaultRecord ir;
  ir.set_fr(0x22).set_f(1);
  ir.words[0] = uint64_t{0x0005} << 48;
  EXPECT_EQ(ir.interrupt_index(), 5u);
  EXPECT_STREQ(ir.defined_fields().fields[0].name, "FI.interrupt_index");
  EXPECT_EQ(FaultRecord::interrupt_index_field.get(ir), 5u);
}

TEST(IntelVtdFault, LegacyReasons) {
  // Fault-reason appendix, legacy mode: 01h root P clear ... 05h write, 06h read, 0Dh TT blocks the request.
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kRootNotPresent), 0x01u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kContextNotPresent), 0x02u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kAddressBeyondMgaw), 0x04u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kWriteDenied), 0x05u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kReadDenied), 0x06u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kPagingEntryReserved), 0x0cu);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kContextTtBlocked), 0x0du);
  std::set<std::string> names;
  for (unsigned fr = kLegacyFaultReasonFirst; fr <= kLegacyFaultReasonLast; ++fr) names.insert(fault_reason_name(fr));
  EXPECT_EQ(names.size(), 13u);  // thirteen distinct conditions
  EXPECT_EQ(names.count("reserved"), 0u);
  EXPECT_STREQ(fault_reason_name(0x00), "reserved");
  EXPECT_STREQ(fault_reason_name(0x0e), "reserved");
}

TEST(IntelVtdFault, InterruptRemappingReasons) {
  // 20h..27h: request reserved bit, index beyond IRTA.S, IRTE not present, table access, IRTE reserved,
  // compatibility format blocked, source-id check, posted descriptor access.
  std::set<std::string> names;
  for (unsigned fr = kIrFaultReasonFirst; fr <= kIrFaultReasonLast; ++fr) {
    EXPECT_TRUE(is_interrupt_remapping_fault(fr));
    names.insert(fault_reason_name(fr));
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(names.count("reserved"), 0u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kIrteNotPresent), 0x22u);
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kIrSourceIdMismatch), 0x26u);
  EXPECT_FALSE(is_interrupt_remapping_fault(0x0d));
  EXPECT_FALSE(is_interrupt_remapping_fault(0x30));
}

TEST(IntelVtdFault, ScalableModeReasons) {
  // Scalable mode: 30h..32h RTADDR, 38h..3Ah root entry, 40h..48h context entry, 50h..52h PASID directory,
  // 58h..5Dh PASID entry, 70h..77h first stage, 78h..7Ch second stage, 80h..87h permissions, 90h A/D.
  const unsigned defined[] = {0x30, 0x31, 0x32, 0x38, 0x39, 0x3a, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
                              0x47, 0x48, 0x50, 0x51, 0x52, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x70, 0x71,
                              0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x80, 0x81,
                              0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x90};
  std::set<std::string> names;
  for (unsigned fr : defined) {
    EXPECT_TRUE(is_scalable_mode_fault(fr));
    names.insert(fault_reason_name(fr));
  }
  EXPECT_EQ(names.size(), std::size(defined));
  EXPECT_EQ(names.count("reserved"), 0u);
  for (unsigned gap : {0x33u, 0x3bu, 0x49u, 0x53u, 0x5eu, 0x60u, 0x7du, 0x88u, 0x91u}) {
    EXPECT_STREQ(fault_reason_name(gap), "reserved") << gap;
  }
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kSmContextPreClear), 0x47u);  // QEMU: "SCT.8 : PRE bit ... is 0"
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kSmPasidDirAccess), 0x50u);   // QEMU: VTD_FR_PASID_DIR_ACCESS_ERR
  EXPECT_EQ(static_cast<unsigned>(FaultReason::kSmPasidAccess), 0x58u);      // QEMU: VTD_FR_PASID_TABLE_INV
}

TEST(IntelVtdFault, QueueErrorCodes) {
  // §11.4.11.9 IQEI as the 14th-gen Core datasheet gives it: 0 no information, 1 invalid tail, 2 fetch error,
  // 3 invalid descriptor type, 4 reserved field of a valid type, 5 invalid width in IQA.
  EXPECT_STREQ(to_string(Iqei::kInfoNotAvailable), "info not available");
  EXPECT_EQ(static_cast<unsigned>(Iqei::kInvalidTail), 1u);
  EXPECT_EQ(static_cast<unsigned>(Iqei::kFetchError), 2u);
  EXPECT_EQ(static_cast<unsigned>(Iqei::kInvalidDescriptorType), 3u);
  EXPECT_EQ(static_cast<unsigned>(Iqei::kReservedField), 4u);
  EXPECT_EQ(static_cast<unsigned>(Iqei::kInvalidWidth), 5u);
  EXPECT_STREQ(iqei_name(3), "invalid descriptor type");
  EXPECT_STREQ(iqei_name(4), "reserved field violation");
  EXPECT_STREQ(iqei_name(0xf), "reserved or not found");
}

TEST(IntelVtdIrte, RemappedFormat) {
  // §9.10: P [0], FPD [1], DM [2], RH [3], TM [4], DLM [7:5], AVAIL [11:8], IM [15], V [23:16], DST [63:32];
  // SID [79:64], SQ [81:80], SVT [83:82]. Vector 0x31 fixed to xAPIC 1 (DST 0x100), checked against requester
  // 0x00f8 (SVT 01b): low 1 | 0x31 << 16 | 0x100 << 32, high 0xf8 | 1 << 18.
  Irte e;
  e.set_p(1).set_vector(0x31).set_dst(Irte::xapic_dst(1)).set_sid(0x00f8).set_svt(static_cast<uint64_t>(Svt::kRequesterId));
  EXPECT_EQ(e.words[0], 0x0000'0100'0031'0001ull);
  EXPECT_EQ(e.words[1], 0x4'00f8ull);
  EXPECT_EQ(e.xapic_id(), 1u);
  EXPECT_EQ(Irte::im_mask, 0x8000ull);
  EXPECT_EQ(Irte::dlm_mask, 0xe0ull);
  EXPECT_EQ(Irte::avail_mask, 0xf00ull);
  EXPECT_EQ(Irte::sq_mask, 0x3ull << 16);
  EXPECT_EQ(Irte::kReserved0, 0xff00'7000ull);
  EXPECT_EQ(Irte::kReserved1, 0xffff'ffff'fff0'0000ull);
}

TEST(IntelVtdIrte, PostedFormat) {
  // §9.11: URG [14], IM [15] = 1, VV [23:16], PDA_L [63:38] (address bits 31:6), PDA_H [127:96] (bits 63:32).
  // Descriptor at 0x1_2345_6780, vector 0x40, urgent: low 0x2345_6780 << 32 | 0x40 << 16 | 0xc001, high 1 << 32.
  PostedIrte e;
  e.set_p(1).set_urg(1).set_im(1).set_vv(0x40).set_pda(0x1'2345'6780);
  EXPECT_EQ(e.words[0], 0x2345'6780'0040'c001ull);
  EXPECT_EQ(e.words[1], 0x1'0000'0000ull);
  EXPECT_EQ(e.pda(), 0x1'2345'6780ull);
}

TEST(IntelVtdIrte, RemappableMsiAddress) {
  // §5.1.2.2: 0xFEE [31:20], HANDLE[14:0] [19:5], Interrupt Format [4], SHV [3], HANDLE[15] [2]. Handle 0x8005
  // with SHV: 0xfee0_0000 | 5 << 5 | 0x10 | 0x8 | 0x4 = 0xfee0_00bc.
  const auto a = RemappableMsiAddress::of(0x8005, true);
  EXPECT_EQ(a.value, 0xfee0'00bcu);
  EXPECT_EQ(a.handle(), 0x8005u);
  EXPECT_TRUE(is_remappable_format(a.value));
  EXPECT_FALSE(is_remappable_format(0xfee0'1000u));  // compatibility format: destination 1, bit 4 clear
}

TEST(IntelVtdIrte, InterruptIndex) {
  // §5.1.3: with SHV=1 the index is handle + subhandle (data[15:0]); with SHV=0 the handle alone.
  RemappableMsiData d;
  d.set_subhandle(3);
  EXPECT_EQ(interrupt_index(RemappableMsiAddress::of(0x8005, true), d), 0x8008u);
  EXPECT_EQ(interrupt_index(RemappableMsiAddress::of(0x8005, false), d), 0x8005u);
  EXPECT_EQ(kInterruptAddressBase, 0xfee0'0000u);
  EXPECT_EQ(kInterruptAddressLast, 0xfeef'ffffu);
}

}  // namespace
}  // namespace intel_vtd_tests
