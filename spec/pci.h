// The PCI MSI and MSI-X capabilities (PCI Local Bus Specification 3.0 §6.8.1, §6.8.2), as kernel/pci programs a
// function's messages. Offsets are from the capability pointer.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::pci {

inline constexpr uint8_t kCapMsi = 0x05;
inline constexpr uint16_t kMsiControl = 2, kMsiAddressLo = 4, kMsiAddressHi = 8;  // data at 8 or, 64-bit, 12

// §6.8.1.3 Message Control (16 bits).
struct MsiControl : Reg32 {
  VIOMMU_BIT(0, msi_enable);
  VIOMMU_FIELD(3, 1, multiple_message_capable);
  VIOMMU_FIELD(6, 4, multiple_message_enable);  // log2 of the vectors allocated; 000b = one
  VIOMMU_BIT(7, addr64);                        // 64-bit Message Address (Message Upper Address present)
  VIOMMU_BIT(8, per_vector_masking);
};

// §6.8.2 MSI-X: Message Control at 2, Table Offset/BIR at 4, PBA Offset/BIR at 8; the table, in the BAR the BIR
// names, holds 16-byte entries (§6.8.2.6-9): Message Address, Upper Address, Data, Vector Control.
inline constexpr uint8_t kCapMsix = 0x11;
inline constexpr uint16_t kMsixControl = 2, kMsixTable = 4;
inline constexpr uint64_t kMsixEntrySize = 16;
inline constexpr uint64_t kMsixEntryAddressLo = 0, kMsixEntryAddressHi = 4, kMsixEntryData = 8,
                          kMsixEntryVectorControl = 12;

// §6.8.2.3 Message Control for MSI-X (16 bits).
struct MsixControl : Reg32 {
  VIOMMU_FIELD(10, 0, table_size);  // N - 1
  VIOMMU_BIT(14, function_mask);
  VIOMMU_BIT(15, msix_enable);
};

// §6.8.2.4 Table Offset/Table BIR: the table at `offset` (QWORD aligned, bits [31:3] kept in place) of BAR `bir`.
struct MsixTable : Reg32 {
  VIOMMU_FIELD(2, 0, bir);
  VIOMMU_FIELD(31, 3, offset_qwords);
};

// §6.8.2.9 Vector Control: bit 0 masks the vector.
struct MsixVectorControl : Reg32 {
  VIOMMU_BIT(0, mask);
};

}  // namespace spec::pci
