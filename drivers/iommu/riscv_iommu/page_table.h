// First-stage (Sv32/Sv39/Sv48/Sv57) and G-stage (Sv32x4/Sv39x4/Sv48x4/Sv57x4) page tables built by the guest
// (RISC-V Privileged Architecture, "Sv39" .. "Sv57", "Two-Stage Address Translation", used unchanged by the
// IOMMU): leaves at any level, Svnapot 64 KiB pages. A G-stage root is 16 KiB and 16 KiB aligned. Table pages
// come from DmaMemory and are freed with the table. A and D are set in every leaf (the IOMMU may not set
// them itself: capabilities.AMO_HWAD), U in every leaf unless asked (requests without a process_id are
// user-mode accesses; G-stage leaves must have U=1, §2.3).
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/riscv_iommu/pte.h"

namespace drivers::riscv_iommu {

namespace s = ::spec::riscv_iommu;

struct Perm {
  bool r = true, w = true, x = false, u = true;
  static constexpr Perm rw() { return {}; }
  static constexpr Perm ro() { return {true, false, false, true}; }
  static constexpr Perm wo_reserved() { return {false, true, false, true}; }  // the reserved W-only encoding
};

// A leaf PTE of `pa` (A=D=1) and a non-leaf PTE (V only; "the D, A, and U bits are reserved" there).
uint64_t leaf_pte(uint64_t pa, Perm p);
uint64_t table_pte(uint64_t table_pa);

class PageTable {
 public:
  static constexpr size_t kMaxTables = 40;
  explicit PageTable(const s::PagingScheme& scheme) : scheme_(scheme) {}
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  [[nodiscard]] bool init();  // the root (a 16 KiB block for the x4 schemes)
  const s::PagingScheme& scheme() const { return scheme_; }
  uint64_t root() const { return root_; }

  // A leaf for [va, va + page_size(level)) -> pa at `level` (0: 4 KiB), creating the tables above it.
  [[nodiscard]] bool map(uint64_t va, uint64_t pa, unsigned level, Perm p);
  [[nodiscard]] bool map_4k(uint64_t va, uint64_t pa, Perm p = Perm::rw()) { return map(va, pa, 0, p); }
  // Svnapot: 16 level-0 leaves with N=1 and PPN[3:0] = 1000b for the 64 KiB page at va -> pa.
  [[nodiscard]] bool map_napot_64k(uint64_t va, uint64_t pa, Perm p);
  // The entry mapping va at `level` cleared (no invalidation: the caller issues it). False when absent.
  [[nodiscard]] bool unmap(uint64_t va, unsigned level = 0);
  // The entry's address (for tests that edit a PTE by hand), nullptr when the walk does not reach `level`.
  volatile uint64_t* entry(uint64_t va, unsigned level) const;
  // The table holding va's entries at `level`, created on the way when `create`.
  uint64_t table_at(uint64_t va, unsigned level, bool create);
  // A fresh zeroed 4 KiB table owned by this page table (for hand-built entries).
  uint64_t new_table();

 private:
  volatile uint64_t* slot(uint64_t table, uint64_t va, unsigned level) const;

  const s::PagingScheme& scheme_;
  uint64_t root_ = 0;
  uint64_t tables_[kMaxTables] = {};
  size_t count_ = 0;
};

}  // namespace drivers::riscv_iommu
