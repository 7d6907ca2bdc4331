// VMSAv8-64 translation table descriptors (Arm ARM DDI 0487, D8.3), as used by SMMUv3 stage 1 (CD.TTBx)
// and stage 2 (STE.S2TTB). SMMUv3 uses the Armv8-A formats unchanged (IHI 0070 §3.4).
//
// 4 KiB, 16 KiB and 64 KiB granules with up to 48-bit output addresses (no FEAT_LPA/LPA2 52-bit forms):
//   granule  bits/level  levels   block sizes                  page
//   4 KiB    9           0..3     L1 1 GiB, L2 2 MiB           L3 4 KiB
//   16 KiB   11          0..3     L2 32 MiB                    L3 16 KiB   (L0 has 1 index bit for 48-bit VA)
//   64 KiB   13          1..3     L2 512 MiB                   L3 64 KiB   (L1 has 6 index bits for 48-bit VA)
#pragma once

#include <cstdint>

#include "spec/address.h"
#include "spec/bitfield.h"

namespace spec::vmsa {

// One 64-bit descriptor; which fields mean something depends on its type (table / block / page) and on the
// stage. Bits [1:0]: 0bx0 invalid, 0b01 block (levels < 3), 0b11 table (levels < 3) or page (level 3).
struct Descriptor : Words<1> {
  VIOMMU_BIT(0, valid);
  VIOMMU_BIT(1, type);  // 1 = table (L0..L2) or page (L3); 0 = block (L1/L2)
  // Table descriptor (D8.3.1): next-level table address [47:12] (granule-aligned) and hierarchical attributes
  // (stage 1 only; RES0 at stage 2).
  VIOMMU_FIELD(47, 12, next_table);
  VIOMMU_BIT(59, pxn_table);
  VIOMMU_BIT(60, uxn_table);  // XNTable for a single-range regime
  VIOMMU_FIELD(62, 61, ap_table);
  VIOMMU_BIT(61, ap_table_0);  // APTable[0]: no EL0 access at the levels below
  VIOMMU_BIT(62, ap_table_1);  // APTable[1]: no write access at the levels below
  VIOMMU_BIT(63, ns_table);
  // Block and page descriptors: lower attributes [11:2], output address, upper attributes [63:50].
  VIOMMU_FIELD(4, 2, attr_indx);  // stage 1: MAIR index
  VIOMMU_FIELD(5, 2, s2_memattr);  // stage 2: MemAttr[3:0]
  VIOMMU_FIELD(5, 4, s2_memattr_3_2);  // stage 2: MemAttr[3:2], 0b00 = Device memory (D8.5.5)
  VIOMMU_BIT(5, ns);
  VIOMMU_FIELD(7, 6, ap);     // stage 1: AP[2:1]; bit 6 = AP[1] (EL0 access), bit 7 = AP[2] (read-only)
  VIOMMU_BIT(6, ap_1);        // stage 1 AP[1]: EL0 (unprivileged) access
  VIOMMU_BIT(7, ap_2);        // stage 1 AP[2]: read-only
  VIOMMU_FIELD(7, 6, s2ap);   // stage 2: S2AP; bit 6 = read allowed, bit 7 = write allowed
  VIOMMU_BIT(6, s2ap_r);
  VIOMMU_BIT(7, s2ap_w);
  VIOMMU_FIELD(9, 8, sh);
  VIOMMU_BIT(10, af);
  VIOMMU_BIT(11, ng);  // stage 1 only: not global (the entry is tagged with the ASID)
  VIOMMU_FIELD(47, 12, output_4k);  // output address [47:12], lower bits below the block size are RES0
  VIOMMU_BIT(51, dbm);
  VIOMMU_BIT(52, contiguous);
  VIOMMU_BIT(53, pxn);  // stage 1 PXN; stage 2 XN[0] when FEAT_XNX
  VIOMMU_BIT(54, uxn);  // stage 1 UXN / XN; stage 2 XN[1]
  VIOMMU_FIELD(54, 53, s2xn);
  VIOMMU_BIT(54, s2_xn);  // stage 2 XN without FEAT_XNX (XN[1]; XN[0] is RES0)
  VIOMMU_FIELD(58, 55, sw);

  // The hierarchical attributes of a stage-1 table descriptor (PXNTable, UXNTable, APTable), as one mask.
  static constexpr uint64_t kTableAttrs = pxn_table_mask | uxn_table_mask | ap_table_mask;

  constexpr bool is_valid() const { return valid() != 0; }
  // Output address bits [47:12] as a byte address (caller masks to the block/page size).
  constexpr uint64_t address() const { return output_4k() << output_4k_lo; }
  // A table descriptor's next-level table address (bits [47:12]; the caller aligns it to the granule).
  constexpr uint64_t next_table_address() const { return next_table() << next_table_lo; }
};
static_assert(sizeof(Descriptor) == 8);

// Descriptor type encodings of bits [1:0].
inline constexpr uint64_t kDescInvalid = 0b00;
inline constexpr uint64_t kDescBlock = 0b01;
inline constexpr uint64_t kDescTable = 0b11;
inline constexpr uint64_t kDescPage = 0b11;

// Stage-1 AP[2:1] values.
inline constexpr uint64_t kApRwPriv = 0b00, kApRwAll = 0b01, kApRoPriv = 0b10, kApRoAll = 0b11;
// Stage-2 S2AP values.
inline constexpr uint64_t kS2ApNone = 0b00, kS2ApRead = 0b01, kS2ApWrite = 0b10, kS2ApRw = 0b11;

// Geometry of a granule (D8.2): page shift g, index bits per level (g - 3).
struct Granule {
  unsigned shift;  // 12, 14 or 16
  constexpr unsigned stride() const { return shift - 3; }
  constexpr uint64_t size() const { return uint64_t{1} << shift; }
  // log2 of the region a descriptor at `level` maps (page at 3, blocks above).
  constexpr unsigned level_shift(unsigned level) const { return shift + stride() * (3 - level); }
};
inline constexpr Granule k4K{12}, k16K{14}, k64K{16};

// The same geometry from a granule shift g (12, 14 or 16), as model and driver walk it (D8.2):
// log2 of the region one descriptor at `level` maps, the first level of a walk resolving `in_bits` input
// bits, and the slot of `va` in a table at that level (`index_bits` wide: the stride, or fewer at the start
// level).
constexpr unsigned level_shift(unsigned gshift, unsigned level) { return gshift + (gshift - 3) * (3 - level); }
constexpr unsigned start_level(unsigned in_bits, unsigned gshift) {
  const unsigned stride = gshift - 3;
  return 4 - (in_bits - gshift + stride - 1) / stride;
}
constexpr uint64_t table_index(uint64_t va, unsigned lshift, unsigned index_bits) {
  return offset_in(va >> lshift, index_bits);
}
static_assert(level_shift(12, 2) == 21 && level_shift(16, 2) == 29 && start_level(48, 12) == 0 &&
              start_level(39, 12) == 1 && start_level(48, 16) == 1 && table_index(0x4020'1000, 21, 9) == 0x001);

// D8.2 / IHI 0070 §5.4: a regime with two VA ranges (CD.TTB0 / CD.TTB1) selects the range with VA[55], and with
// Top Byte Ignore VA[63:56] is a tag that takes no part in the translation.
constexpr unsigned va_range(uint64_t va) { return static_cast<unsigned>((va >> 55) & 1); }
constexpr uint64_t va_tag(uint64_t va) { return va >> 56; }
constexpr uint64_t va_untagged(uint64_t va) { return offset_in(va, 56); }
inline constexpr uint64_t kVaTagAllOnes = 0xff;  // the tag of an untagged upper-range VA (sign extension)

// Builders for tests and the guest driver (all addresses byte addresses).
constexpr Descriptor make_table(uint64_t next_table_pa) {
  Descriptor d;
  d.set_valid(1).set_type(1).set_next_table(next_table_pa >> Descriptor::next_table_lo);  // kDescTable
  return d;
}
// A stage-1 page (level 3) or block (levels 1/2) with AF=1, inner-shareable, attr index 0.
constexpr Descriptor make_s1_leaf(uint64_t out_pa, bool page, uint64_t ap = kApRwAll, bool af = true) {
  Descriptor d;
  d.set_valid(1).set_type(page ? 1 : 0).set_output_4k(out_pa >> Descriptor::output_4k_lo);
  d.set_ap(ap).set_af(af ? 1 : 0).set_sh(0b11);
  return d;
}
// A stage-2 page or block with AF=1, Normal WB memory (MemAttr 0b1111).
constexpr Descriptor make_s2_leaf(uint64_t out_pa, bool page, uint64_t s2ap = kS2ApRw, bool af = true) {
  Descriptor d;
  d.set_valid(1).set_type(page ? 1 : 0).set_output_4k(out_pa >> Descriptor::output_4k_lo);
  d.set_s2ap(s2ap).set_af(af ? 1 : 0).set_sh(0b11).set_s2_memattr(0b1111);
  return d;
}

}  // namespace spec::vmsa
