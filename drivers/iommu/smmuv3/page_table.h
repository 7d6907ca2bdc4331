// VMSAv8-64 translation tables built by the guest for SMMUv3 stage 1 (CD.TTB0/TTB1) and stage 2 (STE.S2TTB),
// for the 4 KiB, 16 KiB and 64 KiB granules (Arm ARM D8.2): the starting level follows from the input size,
// every table is one granule (the start level never needs concatenation), leaves are pages or blocks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/smmuv3/pte.h"

namespace drivers::smmuv3 {

class PageTable {
 public:
  PageTable() = default;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  ~PageTable() { destroy(); }

  // gshift: 12, 14 or 16; in_bits: 64 - TxSZ.
  bool init(unsigned gshift, unsigned in_bits);
  void destroy();

  uint64_t root() const { return root_; }
  unsigned gshift() const { return gshift_; }
  unsigned in_bits() const { return in_bits_; }
  unsigned start_level() const { return start_level_; }
  uint64_t granule() const { return uint64_t{1} << gshift_; }
  // log2 of the region one descriptor at `level` covers.
  unsigned level_shift(unsigned level) const { return spec::vmsa::level_shift(gshift_, level); }

  // The descriptor slot for va at `level`, creating table descriptors on the way when `create`.
  // nullptr when a level above is a block or invalid (and !create) or memory ran out.
  volatile uint64_t* slot(uint64_t va, unsigned level, bool create);
  // Writes `leaf` (its output address bits replaced by pa) at `level` for va. The caller picks the level:
  // 3 for a page, lower for a block.
  bool map(uint64_t va, uint64_t pa, unsigned level, spec::vmsa::Descriptor leaf);
  // Maps [va, va+len) to [pa, ...) with pages of this granule.
  bool map_range(uint64_t va, uint64_t pa, uint64_t len, spec::vmsa::Descriptor leaf);
  // Clears the leaf (any level) that maps va. Returns false when nothing mapped it.
  bool unmap(uint64_t va);

 private:
  uint64_t alloc();
  static constexpr unsigned kMaxTables = 48;
  uint64_t tables_[kMaxTables] = {};
  unsigned ntables_ = 0;
  uint64_t root_ = 0;
  unsigned gshift_ = 12, in_bits_ = 48, start_level_ = 0;
};

}  // namespace drivers::smmuv3
