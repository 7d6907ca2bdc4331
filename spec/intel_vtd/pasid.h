// Scalable-mode PASID structures (Intel VT-d rev 4.x §9.5 Scalable-Mode PASID Directory Entry, §9.6 Scalable-
// Mode PASID Table Entry). A PASID walks two levels: the directory (PASIDDIRPTR of the context entry) indexed
// by PASID[19:6], each present entry pointing to a 4 KiB table of 64 PASID entries of 64 bytes indexed by
// PASID[5:0]. The field names are the rev 3.x ones (SL*, FL*); rev 4.x renames second-level/first-level to
// second-stage/first-stage (SS*, FS*) without moving a bit.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::intel_vtd {

inline constexpr unsigned kPasidBits = 20;
inline constexpr unsigned kPasidTableEntries = 64;
constexpr uint32_t pasid_directory_index(uint32_t pasid) { return (pasid >> 6) & 0x3fff; }
constexpr uint32_t pasid_table_index(uint32_t pasid) { return pasid & 0x3f; }
static_assert(pasid_directory_index(0xfffff) == 0x3fff && pasid_table_index(0x41) == 1 &&
              pasid_directory_index(0x41) == 1);

// §9.5: P [0], FPD [1], SMPTBLPTR [63:12].
struct PasidDirEntry : Words<1> {
  static constexpr unsigned kBytes = 8;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_FIELD(63, 12, smptblptr_4k, "SMPTBLPTR");
  constexpr uint64_t smptblptr() const { return smptblptr_4k() << 12; }
  constexpr PasidDirEntry& set_smptblptr(uint64_t pa) { return set_smptblptr_4k(pa >> 12); }
  static constexpr uint64_t kReserved0 = uint64_t{0xffc};  // [11:2]
};
static_assert(sizeof(PasidDirEntry) == PasidDirEntry::kBytes);

// §9.6 (512 bits). Word 0: P, FPD, AW, SLEE, PGTT, SLADE, SLPTPTR. Word 1: DID, PWSNP, PGSNP, CD, EMTE, EMT, PWT,
// PCD, PAT. Word 2: SRE, ERE, FLPM, WPE, NXE, SMEP, EAFE, FLPTPTR. Words 3..7 reserved here (rev 4.x puts
// nested/HPT fields there that QEMU does not model).
struct PasidEntry : Words<8> {
  static constexpr unsigned kBytes = 64;
  VIOMMU_NAMED_BIT(0, p, "P");
  VIOMMU_NAMED_BIT(1, fpd, "FPD");
  VIOMMU_NAMED_FIELD(4, 2, aw, "AW");  // encoded as the context entry's AW (1: 39-bit, 2: 48-bit, 3: 57-bit)
  VIOMMU_NAMED_BIT(5, slee, "SLEE");
  VIOMMU_NAMED_FIELD(8, 6, pgtt, "PGTT");
  VIOMMU_NAMED_BIT(9, slade, "SLADE");
  VIOMMU_NAMED_FIELD(63, 12, slptptr_4k, "SLPTPTR");
  VIOMMU_NAMED_FIELD(79, 64, did, "DID");
  VIOMMU_NAMED_BIT(87, pwsnp, "PWSNP");
  VIOMMU_NAMED_BIT(88, pgsnp, "PGSNP");
  VIOMMU_NAMED_BIT(89, cd, "CD");
  VIOMMU_NAMED_BIT(90, emte, "EMTE");
  VIOMMU_NAMED_FIELD(93, 91, emt, "EMT");
  VIOMMU_NAMED_BIT(94, pwt, "PWT");
  VIOMMU_NAMED_BIT(95, pcd, "PCD");
  VIOMMU_NAMED_FIELD(127, 96, pat, "PAT");
  VIOMMU_NAMED_BIT(128, sre, "SRE");
  VIOMMU_NAMED_BIT(129, ere, "ERE");
  VIOMMU_NAMED_FIELD(131, 130, flpm, "FLPM");  // 00b 4-level, 01b 5-level first-stage paging
  VIOMMU_NAMED_BIT(132, wpe, "WPE");
  VIOMMU_NAMED_BIT(133, nxe, "NXE");
  VIOMMU_NAMED_BIT(134, smep, "SMEP");
  VIOMMU_NAMED_BIT(135, eafe, "EAFE");
  VIOMMU_NAMED_FIELD(191, 140, flptptr_4k, "FLPTPTR");
  constexpr uint64_t slptptr() const { return slptptr_4k() << 12; }
  constexpr uint64_t flptptr() const { return flptptr_4k() << 12; }
  constexpr PasidEntry& set_slptptr(uint64_t pa) { return set_slptptr_4k(pa >> 12); }
  constexpr PasidEntry& set_flptptr(uint64_t pa) { return set_flptptr_4k(pa >> 12); }
  static constexpr uint64_t kReserved0 = uint64_t{0xc00};     // [11:10]
  static constexpr uint64_t kReserved1 = uint64_t{0x7f0000};  // [86:80]
  static constexpr uint64_t kReserved2 = uint64_t{0xf00};     // [139:136]
};
static_assert(sizeof(PasidEntry) == PasidEntry::kBytes);

// PASID-entry PGTT: 001b first-stage, 010b second-stage, 011b nested, 100b pass-through; others reserved.
enum class Pgtt : uint8_t { kFirstStage = 1, kSecondStage = 2, kNested = 3, kPassThrough = 4 };
constexpr const char* pgtt_name(uint64_t v) {
  switch (v) {
    case 1: return "first-stage";
    case 2: return "second-stage";
    case 3: return "nested";
    case 4: return "pass-through";
    default: return "reserved";
  }
}
// PASID-entry FLPM: first-stage paging mode.
enum class Flpm : uint8_t { k4Level = 0, k5Level = 1 };
constexpr unsigned flpm_levels(uint64_t flpm) { return flpm == 1 ? 5 : 4; }

}  // namespace spec::intel_vtd
