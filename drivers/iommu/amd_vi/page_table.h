// v1 I/O page tables (48882 §2.2.3) built by the guest: any Mode 1..6, leaves at any level (NextLevel
// 0), NextLevel-7 sized pages, and level skipping. Table pages come from DmaMemory and are freed with
// the domain.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/amd_vi/pte.h"

namespace drivers::amd_vi {

class PageTable {
 public:
  static constexpr size_t kMaxTables = 48;
  explicit PageTable(unsigned mode) : mode_(mode) {}
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  bool init();  // allocates the root
  unsigned mode() const { return mode_; }
  uint64_t root() const { return root_; }

  // Maps [iova, iova + size) -> pa with a leaf at `leaf_level` (size = that level's page size, NextLevel
  // 0), creating tables below the root as needed.
  bool map(uint64_t iova, uint64_t pa, unsigned leaf_level, bool ir, bool iw);
  bool map_4k(uint64_t iova, uint64_t pa, bool ir = true, bool iw = true) { return map(iova, pa, 1, ir, iw); }
  // A NextLevel-7 page of `size` (power of two between level sizes) placed in the table of `level`,
  // replicated over every slot it spans (§2.2.3.2).
  bool map_sized(uint64_t iova, uint64_t pa, uint64_t size, unsigned level, bool ir, bool iw);
  // A PDE at `from_level` pointing straight to a new table of `to_level` (< from_level - 1): the
  // levels between are skipped (§2.2.3.1). Later map() calls follow it.
  bool skip(uint64_t iova, unsigned from_level, unsigned to_level);
  // Clears the entry that maps iova at `leaf_level` (no invalidation: the caller issues it).
  bool unmap(uint64_t iova, unsigned leaf_level = 1);
  // The entry's address (for tests that edit a PTE by hand), 0 if the walk does not reach it.
  volatile uint64_t* entry(uint64_t iova, unsigned level) const;

 private:
  uint64_t alloc_table();
  volatile uint64_t* slot(uint64_t table, uint64_t iova, unsigned level) const;
  // Walks from the root to the table of `level` for iova, creating missing tables if asked.
  uint64_t table_at(uint64_t iova, unsigned level, bool create);

  unsigned mode_;
  uint64_t root_ = 0;
  uint64_t tables_[kMaxTables] = {};
  size_t count_ = 0;
};

uint64_t v1_pte(uint64_t addr, unsigned next_level, bool ir, bool iw);

}  // namespace drivers::amd_vi
