// Process directory table and process context (RISC-V IOMMU 1.0, "Process-Directory-Table (PDT)",
// "Non-leaf PDT entry", "Leaf PDT entry", "Process-context fields").
#pragma once

#include <cstdint>

#include "spec/bitfield.h"
#include "spec/riscv_iommu/device_context.h"

namespace spec::riscv_iommu {

// "Non-leaf process-directory-table entry": V [0], PPN [53:10]; [9:1] and [63:54] reserved.
struct PdtEntry : Reg64 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_FIELD(53, 10, ppn, "PPN");
  static constexpr uint64_t kReserved = ~(v_mask | ppn_mask);
};

// "Translation attributes (ta)" of the PC: V [0], ENS [1], SUM [2], PSCID [31:12]; [11:3], [63:32] reserved.
struct PcTa : Reg64 {
  VIOMMU_NAMED_BIT(0, v, "V");
  VIOMMU_NAMED_BIT(1, ens, "ENS");
  VIOMMU_NAMED_BIT(2, sum, "SUM");
  VIOMMU_NAMED_FIELD(31, 12, pscid, "PSCID");
  static constexpr uint64_t kReserved = ~(v_mask | ens_mask | sum_mask | pscid_mask);
};

// "Process-context": ta then fsc (the fsc has the iosatp layout), 16 bytes.
struct ProcessContext : Words<2> {
  static constexpr unsigned kBytes = 16;
  constexpr PcTa ta() const { return reg_of<PcTa>(words[0]); }
  constexpr Fsc fsc() const { return reg_of<Fsc>(words[1]); }
  constexpr ProcessContext& set_ta(const PcTa& v) {
    words[0] = v.raw();
    return *this;
  }
  constexpr ProcessContext& set_fsc(const Fsc& v) {
    words[1] = v.raw();
    return *this;
  }
};
static_assert(sizeof(ProcessContext) == ProcessContext::kBytes && sizeof(PdtEntry) == 8);

// "process_id partitioning for PDT radix-tree traversal": PDI[0] = process_id[7:0], PDI[1] = [16:8],
// PDI[2] = [19:17]. PD8 has 1 level, PD17 2, PD20 3 ("Encodings of pdtp.MODE field").
inline constexpr unsigned kProcessIdBits = 20;
constexpr unsigned pdi_width(unsigned i) { return i == 0 ? 8 : i == 1 ? 9 : 3; }
constexpr unsigned pdi_shift(unsigned i) { return i == 0 ? 0 : i == 1 ? 8 : 17; }
constexpr uint64_t pdi(uint32_t process_id, unsigned i) {
  return (process_id >> pdi_shift(i)) & ((uint64_t{1} << pdi_width(i)) - 1);
}
constexpr unsigned pdt_levels(uint64_t pdtp_mode) {
  return pdtp_mode >= 1 && pdtp_mode <= 3 ? static_cast<unsigned>(pdtp_mode) : 0;
}
// "The bits 19:8 of process_id must be 0" (PD8), "19:17" (PD17): the width a PDT mode supports.
constexpr unsigned process_id_bits(uint64_t pdtp_mode) {
  return pdtp_mode == 1 ? 8 : pdtp_mode == 2 ? 17 : pdtp_mode == 3 ? 20 : 0;
}
static_assert(pdi(0xabcde, 0) == 0xde && pdi(0xabcde, 1) == 0xbc && pdi(0xabcde, 2) == 0x5);

}  // namespace spec::riscv_iommu
