// Second-stage page tables (Intel VT-d §9.8, the walk of §3.7) built by the guest for legacy-mode context entries:
// 3 levels for a 39-bit AGAW, 4 for 48 (5 for 57), leaves at level 1 (4 KiB) or, with PS=1, at levels 2 (2 MiB)
// and 3 (1 GiB) where CAP.SLLPS offers them. Non-leaf entries carry R=W=1, so that the leaf alone decides the
// access (§3.7: the access rights are those of every entry on the walk). Table pages come from DmaMemory and are
// freed with the table. The table tree itself (tables created on the way down, entries found by IOVA) is the same
// for the first-stage format (first_stage.h): a PteFormat says how a walk reads and makes one format's entries.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/intel_vtd/pte.h"

namespace drivers::intel_vtd {

namespace s = ::spec::intel_vtd;

struct Access {
  bool r = true, w = true;
  static constexpr Access rw() { return {true, true}; }
  static constexpr Access ro() { return {true, false}; }
  static constexpr Access wo() { return {false, true}; }
};

// A leaf of `pa` at `level` (PS=1 above level 1) and a non-leaf entry pointing at `table_pa`.
s::SlPte leaf_pte(uint64_t pa, unsigned level, Access a);
s::SlPte table_pte(uint64_t table_pa);

// How the table code reads and makes the entries of one paging-entry format (64-bit entries, 4 KiB tables).
struct PteFormat {
  bool (*present)(uint64_t e);    // the walk goes on through this entry
  bool (*large)(uint64_t e);      // PS=1: a leaf above level 1 (asked only above level 1)
  uint64_t (*addr)(uint64_t e);   // the next table's (or the frame's) address
  uint64_t (*table)(uint64_t table_pa);                        // a non-leaf entry pointing at table_pa
  uint64_t (*leaf)(uint64_t pa, unsigned level, Access a);     // a leaf at `level`
};
// §9.8 second-stage entries (leaf_pte, table_pte).
extern const PteFormat kSecondStagePtes;

class PageTable {
 public:
  static constexpr size_t kMaxTables = 48;
  explicit PageTable(unsigned agaw, const PteFormat& f = kSecondStagePtes) : agaw_(agaw), f_(f) {}
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  [[nodiscard]] bool init();  // the root table
  unsigned agaw() const { return agaw_; }
  unsigned levels() const { return s::levels_for_agaw(agaw_); }
  uint64_t root() const { return root_; }

  // A leaf for [iova, iova + level_page_size(level)) -> pa at `level` (1: 4 KiB), the tables above created.
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, unsigned level, Access a);
  [[nodiscard]] bool map_4k(uint64_t iova, uint64_t pa, Access a = Access::rw()) { return map(iova, pa, 1, a); }
  // The entry mapping iova at `level` cleared (no invalidation: the caller issues it). False when absent.
  [[nodiscard]] bool unmap(uint64_t iova, unsigned level = 1);
  // The entry's address (for tests that edit an entry by hand), nullptr when the walk does not reach `level`.
  volatile uint64_t* entry(uint64_t iova, unsigned level) const;
  // The table holding iova's entries at `level`, created on the way when `create` (0 when absent).
  uint64_t table_at(uint64_t iova, unsigned level, bool create);

 private:
  uint64_t new_table();
  volatile uint64_t* slot(uint64_t table, uint64_t iova, unsigned level) const;

  unsigned agaw_;
  const PteFormat& f_;
  uint64_t root_ = 0;
  uint64_t tables_[kMaxTables] = {};
  size_t count_ = 0;
};

}  // namespace drivers::intel_vtd
