// The Device Table Entry (48882 §2.2.2.1 "Device Table Entry Format", as QEMU's 2025 commits cite it; the
// V/TV/GV table is Table 8 in the revision QEMU cites, Table 7 in older ones): 256 bits, indexed by DeviceID.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi {

struct Dte : Words<4> {
  VIOMMU_BIT(0, v);                  // DTE[127:1] valid
  VIOMMU_BIT(1, tv);                 // Mode, Page Table Root Pointer, IR, IW valid
  VIOMMU_FIELD(6, 5, had);           // host access/dirty update
  VIOMMU_FIELD(11, 9, mode);         // 0 untranslated, 1..6 levels of v1 page table, 7 reserved
  VIOMMU_FIELD(51, 12, page_table_root_4k);
  VIOMMU_BIT(52, ppr);
  VIOMMU_BIT(53, gprp);
  VIOMMU_BIT(54, giov);
  VIOMMU_BIT(55, gv);                // guest (v2) translation valid
  VIOMMU_FIELD(57, 56, glx);         // GCR3 table levels: 00b one level, 01b two levels
  VIOMMU_FIELD(60, 58, gcr3_trp_14_12);
  VIOMMU_BIT(61, ir);
  VIOMMU_BIT(62, iw);
  VIOMMU_FIELD(79, 64, domain_id);
  VIOMMU_FIELD(95, 80, gcr3_trp_30_15);
  VIOMMU_BIT(96, i);                 // IOTLB enable
  VIOMMU_BIT(97, se);
  VIOMMU_BIT(98, sa);
  VIOMMU_FIELD(100, 99, ioctl);
  VIOMMU_BIT(101, cache);
  VIOMMU_BIT(102, sd);
  VIOMMU_BIT(103, ex);
  VIOMMU_FIELD(105, 104, sys_mgt);
  VIOMMU_FIELD(127, 107, gcr3_trp_51_31);
  VIOMMU_BIT(128, iv);               // interrupt map valid
  VIOMMU_FIELD(132, 129, int_tab_len);  // 2^IntTabLen entries, 1011b max
  VIOMMU_BIT(133, ig);
  VIOMMU_FIELD(179, 134, int_table_root_64);  // interrupt remapping table, 128-byte aligned ([51:6])
  VIOMMU_BIT(184, init_pass);
  VIOMMU_BIT(185, eint_pass);
  VIOMMU_BIT(186, nmi_pass);
  VIOMMU_FIELD(189, 188, int_ctl);   // 00b target abort, 01b pass untranslated, 10b remap, 11b reserved
  VIOMMU_BIT(190, lint0_pass);
  VIOMMU_BIT(191, lint1_pass);

  uint64_t page_table_root() const { return page_table_root_4k() << 12; }
  uint64_t gcr3_table_root() const {
    return (gcr3_trp_14_12() << 12) | (gcr3_trp_30_15() << 15) | (gcr3_trp_51_31() << 31);
  }
  Dte& set_gcr3_table_root(uint64_t pa) {
    set_gcr3_trp_14_12(spec::bits_of(pa, 14, 12));
    set_gcr3_trp_30_15(spec::bits_of(pa, 30, 15));
    set_gcr3_trp_51_31(spec::bits_of(pa, 51, 31));
    return *this;
  }
  uint64_t int_table_root() const { return int_table_root_64() << 6; }
  Dte& set_int_table_root(uint64_t pa) { return set_int_table_root_64(pa >> 6); }  // pa 128-byte aligned

  // Bits the v1-only DTE of 48882 rev 2 reserves (Table 7): [8:7], [63], [106], [183:180], [187],
  // and all of quadword 3. An entry with V=1 that sets one is an ILLEGAL_DEV_TABLE_ENTRY (§2.2.2.1).
  static constexpr uint64_t kReserved0 = (uint64_t{3} << 7) | (uint64_t{1} << 63);
  static constexpr uint64_t kReserved1 = uint64_t{1} << (106 - 64);
  static constexpr uint64_t kReserved2 = (uint64_t{0xf} << (180 - 128)) | (uint64_t{1} << (187 - 128));
  static constexpr uint64_t kReserved3 = ~uint64_t{0};
};
static_assert(sizeof(Dte) == 32);

inline constexpr unsigned kIntCtlAbort = 0, kIntCtlPass = 1, kIntCtlRemap = 2;

}  // namespace spec::amd_vi
