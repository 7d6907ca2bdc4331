#include "drivers/iommu/smmuv3/page_table.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "spec/address.h"

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
  start_level_ = spec::vmsa::start_level(in_bits, gshift);
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
  for (unsigned l = start_level_;; ++l) {
    // The start level resolves what is left of in_bits, every other level a stride of gshift-3 bits.
    const unsigned index_bits = l == start_level_ ? in_bits_ - level_shift(start_level_) : gshift_ - 3;
    volatile uint64_t* d =
        kernel::DmaMemory::ptr<volatile uint64_t>(table) + spec::vmsa::table_index(va, level_shift(l), index_bits);
    if (l == level) return d;
    const Descriptor cur = desc(*d);
    if (cur.valid() && cur.type()) {  // a table descriptor (levels 0-2)
      table = spec::align_down(cur.next_table_address(), gshift_);
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
  Descriptor d = leaf;
  d.set_valid(0).set_type(0).set_output_4k(spec::align_down(pa, level_shift(level)) >> Descriptor::output_4k_lo);
  // An invalid template stays invalid (tests map "holes" that way); a valid one becomes page (level 3: type 1)
  // or block (type 0).
  if (leaf.valid()) d.set_valid(1).set_type(level == 3 ? 1 : 0);
  *slot_ptr = d.words[0];
  arch::dma_wmb();
  return true;
}

bool PageTable::map_range(uint64_t va, uint64_t pa, uint64_t len, spec::vmsa::Descriptor leaf) {
  const uint64_t g = granule();
  const uint64_t start = spec::align_down(va, gshift_), end = spec::align_down(va + len + g - 1, gshift_);
  for (uint64_t a = start; a < end; a += g)
    if (!map(a, spec::align_down(pa, gshift_) + (a - start), 3, leaf)) return false;
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
