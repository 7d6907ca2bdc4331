#include "drivers/iommu/amd_vi/page_table.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers::amd_vi {

namespace s = ::spec::amd_vi;

uint64_t v1_pte(uint64_t addr, unsigned next_level, bool ir, bool iw) {
  s::V1Pte p;
  p.set_pr(1).set_next_level(next_level).set_addr(addr).set_ir(ir).set_iw(iw);
  return p.words[0];
}

PageTable::~PageTable() {
  for (size_t i = 0; i < count_; ++i) kernel::DmaMemory::free(tables_[i], 4096);
}

uint64_t PageTable::alloc_table() {
  if (count_ == kMaxTables) return 0;
  const uint64_t t = kernel::DmaMemory::alloc(4096);
  if (t) tables_[count_++] = t;
  return t;
}

bool PageTable::init() {
  root_ = alloc_table();
  return root_ != 0;
}

volatile uint64_t* PageTable::slot(uint64_t table, uint64_t iova, unsigned level) const {
  return reinterpret_cast<volatile uint64_t*>(table + s::v1_index(iova, level) * 8);
}

uint64_t PageTable::table_at(uint64_t iova, unsigned level, bool create) {
  uint64_t table = root_;
  unsigned at = mode_;
  while (at > level) {
    volatile uint64_t* e = slot(table, iova, at);
    s::V1Pte p;
    p.words[0] = *e;
    if (p.pr() && p.next_level() != 0 && p.next_level() != s::kNextLevelSized) {
      if (p.next_level() < level) return 0;  // a skip jumps past the wanted level
      table = p.addr();
      at = static_cast<unsigned>(p.next_level());
      continue;
    }
    if (!create) return 0;
    const uint64_t next = alloc_table();
    if (!next) return 0;
    *e = v1_pte(next, at - 1, true, true);  // PDEs grant everything; leaves decide
    table = next;
    --at;
  }
  return table;
}

bool PageTable::map(uint64_t iova, uint64_t pa, unsigned leaf_level, bool ir, bool iw) {
  if (leaf_level < 1 || leaf_level > mode_) return false;
  const uint64_t t = table_at(iova, leaf_level, true);
  if (!t) return false;
  *slot(t, iova, leaf_level) = v1_pte(pa, 0, ir, iw);
  arch::dma_wmb();
  return true;
}

bool PageTable::map_sized(uint64_t iova, uint64_t pa, uint64_t size, unsigned level, bool ir, bool iw) {
  const uint64_t encoded = s::v1_sized_page_address(pa, size);
  const uint64_t t = table_at(iova, level, true);
  if (!t) return false;
  const uint64_t step = s::v1_level_size(level);
  for (uint64_t off = 0; off < size; off += step)
    *slot(t, spec::align_down_to(iova, size) + off, level) = v1_pte(encoded, s::kNextLevelSized, ir, iw);
  arch::dma_wmb();
  return true;
}

bool PageTable::skip(uint64_t iova, unsigned from_level, unsigned to_level) {
  if (to_level + 1 >= from_level) return false;
  const uint64_t t = table_at(iova, from_level, true);
  const uint64_t next = t ? alloc_table() : 0;
  if (!next) return false;
  *slot(t, iova, from_level) = v1_pte(next, to_level, true, true);
  arch::dma_wmb();
  return true;
}

volatile uint64_t* PageTable::entry(uint64_t iova, unsigned level) const {
  const uint64_t t = const_cast<PageTable*>(this)->table_at(iova, level, false);
  return t ? slot(t, iova, level) : nullptr;
}

bool PageTable::unmap(uint64_t iova, unsigned leaf_level) {
  volatile uint64_t* e = entry(iova, leaf_level);
  if (!e) return false;
  *e = 0;
  arch::dma_wmb();
  return true;
}

}  // namespace drivers::amd_vi
