#include "drivers/iommu/smmuv3/page_table.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers::smmuv3 {

namespace {
using spec::vmsa::Descriptor;
Descriptor desc(uint64_t v) {
  Descriptor d;
  d.words[0] = v;
  return d;
}
}

uint64_t PageTable::alloc() {
  if (ntables_ == kMaxTables) return 0;
  const uint64_t t = kernel::DmaMemory::alloc(size_t{1} << gshift_);
  if (t) tables_[ntables_++] = t;
  return t;
}

bool PageTable::init(unsigned gshift, unsigned in_bits) {
  destroy();
  gshift_ = gshift;
  in_bits_ = in_bits;
  // D8.2: as many levels as needed to resolve in_bits, each level resolving gshift-3 bits.
  const unsigned stride = gshift - 3;
  const unsigned levels = (in_bits - gshift + stride - 1) / stride;
  start_level_ = 4 - levels;
  root_ = alloc();
  return root_ != 0;
}

void PageTable::destroy() {
  for (unsigned i = 0; i < ntables_; ++i) kernel::DmaMemory::free(tables_[i], size_t{1} << gshift_);
  ntables_ = 0;
  root_ = 0;
}

volatile uint64_t* PageTable::slot(uint64_t va, unsigned level, bool create) {
  if (!root_ || level < start_level_ || level > 3) return nullptr;
  uint64_t table = root_;
  const uint64_t index_mask_start = (uint64_t{1} << (in_bits_ - level_shift(start_level_))) - 1;
  for (unsigned l = start_level_;; ++l) {
    const uint64_t mask = l == start_level_ ? index_mask_start : (uint64_t{1} << (gshift_ - 3)) - 1;
    volatile uint64_t* d = kernel::DmaMemory::ptr<volatile uint64_t>(table) + ((va >> level_shift(l)) & mask);
    if (l == level) return d;
    const Descriptor cur = desc(*d);
    if (cur.valid() && cur.type()) {  // a table descriptor (levels 0-2)
      table = (cur.next_table() << Descriptor::next_table_lo) & ~((uint64_t{1} << gshift_) - 1);
      continue;
    }
    if (!create || cur.valid()) return nullptr;  // invalid below, or a block in the way
    const uint64_t next = alloc();
    if (!next) return nullptr;
    arch::dma_wmb();  // the zeroed table is visible before the descriptor that points to it
    *d = spec::vmsa::make_table(next).words[0];
    table = next;
  }
}

bool PageTable::map(uint64_t va, uint64_t pa, unsigned level, spec::vmsa::Descriptor leaf) {
  volatile uint64_t* slot_ptr = slot(va, level, true);
  if (!slot_ptr) return false;
  const uint64_t size_mask = (uint64_t{1} << level_shift(level)) - 1;
  Descriptor d = leaf;
  d.set_valid(0).set_type(0).set_output_4k((pa & ~size_mask) >> Descriptor::output_4k_lo);
  // An invalid template stays invalid (tests map "holes" that way); a valid one becomes page (level 3: type 1)
  // or block (type 0).
  if (leaf.valid()) d.set_valid(1).set_type(level == 3 ? 1 : 0);
  *slot_ptr = d.words[0];
  arch::dma_wmb();
  return true;
}

bool PageTable::map_range(uint64_t va, uint64_t pa, uint64_t len, spec::vmsa::Descriptor leaf) {
  const uint64_t g = granule();
  const uint64_t start = va & ~(g - 1), end = (va + len + g - 1) & ~(g - 1);
  for (uint64_t a = start; a < end; a += g)
    if (!map(a, (pa & ~(g - 1)) + (a - start), 3, leaf)) return false;
  return true;
}

bool PageTable::unmap(uint64_t va) {
  for (unsigned l = start_level_; l <= 3; ++l) {
    volatile uint64_t* d = slot(va, l, false);
    if (!d) return false;
    const Descriptor cur = desc(*d);
    if (!cur.valid()) return false;
    if (l == 3 || !cur.type()) {  // a page, or a block
      *d = 0;
      arch::dma_wmb();
      return true;
    }
  }
  return false;
}

}  // namespace drivers::smmuv3
