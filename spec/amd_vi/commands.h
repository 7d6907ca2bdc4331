// Command buffer entries (48882 §2.4): 128 bits, opcode in [63:60].
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi {

enum class Opcode : uint8_t {
  kCompletionWait = 0x1,
  kInvalidateDevtabEntry = 0x2,
  kInvalidateIommuPages = 0x3,
  kInvalidateIotlbPages = 0x4,
  kInvalidateInterruptTable = 0x5,
  kPrefetchIommuPages = 0x6,
  kCompletePprRequest = 0x7,
  kInvalidateIommuAll = 0x8,
};

struct Command : Words<2> {
  VIOMMU_FIELD(63, 60, opcode);
  Opcode op() const { return static_cast<Opcode>(opcode()); }
};
static_assert(sizeof(Command) == 16);

// §2.4.1 COMPLETION_WAIT: S store StoreData at StoreAddress, I set Status.ComWaitInt, F flush.
struct CompletionWait : Command {
  CompletionWait() { set_opcode(static_cast<uint64_t>(Opcode::kCompletionWait)); }
  VIOMMU_BIT(0, s);
  VIOMMU_BIT(1, i);
  VIOMMU_BIT(2, f);
  VIOMMU_FIELD(51, 3, store_addr_8);
  VIOMMU_FIELD(127, 64, store_data);
  static constexpr uint64_t kReserved0 = uint64_t{0xff} << 52;  // [59:52]
  uint64_t store_addr() const { return store_addr_8() << store_addr_8_lo; }
  CompletionWait& set_store_addr(uint64_t pa) { return set_store_addr_8(pa >> store_addr_8_lo); }  // 8-byte aligned
};

// §2.4.2 INVALIDATE_DEVTAB_ENTRY.
struct InvalidateDevtabEntry : Command {
  InvalidateDevtabEntry() { set_opcode(static_cast<uint64_t>(Opcode::kInvalidateDevtabEntry)); }
  VIOMMU_FIELD(15, 0, device_id);
  static constexpr uint64_t kReserved0 = ((uint64_t{1} << 44) - 1) << 16;  // [59:16]
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};

// §2.4.3 INVALIDATE_IOMMU_PAGES: PASID [19:0], DomainID [47:32], S [64], PDE [65], GN [66],
// Address [127:76] (= address[63:12]). With S=1 the lowest clear address bit at or above 12
// bounds the range: size 2^(13 + run of 1s from bit 12) (§2.4.3, Table 19).
struct InvalidateIommuPages : Command {
  InvalidateIommuPages() { set_opcode(static_cast<uint64_t>(Opcode::kInvalidateIommuPages)); }
  VIOMMU_FIELD(19, 0, pasid);
  VIOMMU_FIELD(47, 32, domain_id);
  VIOMMU_BIT(64, s);
  VIOMMU_BIT(65, pde);
  VIOMMU_BIT(66, gn);
  VIOMMU_FIELD(127, 76, address_4k);
  static constexpr uint64_t kReserved0 = (uint64_t{0xfff} << 20) | (uint64_t{0xfff} << 48);
  static constexpr uint64_t kReserved1 = uint64_t{0x1ff} << 3;  // [75:67]
  static constexpr uint64_t kAllAddress = 0x7ffffffffffff000ull;  // S=1: every address
  uint64_t address() const { return address_4k() << 12; }
  // Address bits [63:12]; with S=1 the bits at 12 and above also encode the range's size (s_encoded_size).
  InvalidateIommuPages& set_address(uint64_t a) { return set_address_4k(a >> 12); }
};

// §2.4.4 INVALIDATE_IOTLB_PAGES: DeviceID [15:0], PASID[19:16] [19:16], MaxPend [31:24],
// QueueID/PASID[15:0] [47:32], S [64], GN [66], Address [127:76].
struct InvalidateIotlbPages : Command {
  InvalidateIotlbPages() { set_opcode(static_cast<uint64_t>(Opcode::kInvalidateIotlbPages)); }
  VIOMMU_FIELD(15, 0, device_id);
  VIOMMU_FIELD(19, 16, pasid_19_16);
  VIOMMU_FIELD(31, 24, max_pend);
  VIOMMU_FIELD(47, 32, queue_id);
  VIOMMU_BIT(64, s);
  VIOMMU_BIT(66, gn);
  VIOMMU_FIELD(127, 76, address_4k);
  uint64_t address() const { return address_4k() << 12; }
};

// §2.4.5 INVALIDATE_INTERRUPT_TABLE.
struct InvalidateInterruptTable : Command {
  InvalidateInterruptTable() { set_opcode(static_cast<uint64_t>(Opcode::kInvalidateInterruptTable)); }
  VIOMMU_FIELD(15, 0, device_id);
  static constexpr uint64_t kReserved0 = ((uint64_t{1} << 44) - 1) << 16;
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};

// §2.4.6 PREFETCH_IOMMU_PAGES.
struct PrefetchIommuPages : Command {
  PrefetchIommuPages() { set_opcode(static_cast<uint64_t>(Opcode::kPrefetchIommuPages)); }
  VIOMMU_FIELD(15, 0, device_id);
  VIOMMU_FIELD(31, 24, pf_count);
  VIOMMU_FIELD(51, 32, pasid);
  VIOMMU_BIT(64, s);
  VIOMMU_BIT(66, gn);
  VIOMMU_BIT(68, inval);
  VIOMMU_FIELD(127, 76, address_4k);
  uint64_t address() const { return address_4k() << 12; }
};

// §2.4.8 INVALIDATE_IOMMU_ALL: every other bit reserved.
struct InvalidateIommuAll : Command {
  InvalidateIommuAll() { set_opcode(static_cast<uint64_t>(Opcode::kInvalidateIommuAll)); }
  static constexpr uint64_t kReserved0 = (uint64_t{1} << 60) - 1;
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
};

// Range of an S=1 encoded address (shared by INVALIDATE_IOMMU_PAGES, INVALIDATE_IOTLB_PAGES, PREFETCH).
constexpr uint64_t s_encoded_size(uint64_t address) {
  unsigned run = 0;
  while (run < 51 && ((address >> (12 + run)) & 1)) ++run;
  return run >= 51 ? 0 : uint64_t{1} << (13 + run);  // 0: the whole address space
}

}  // namespace spec::amd_vi
