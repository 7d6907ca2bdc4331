#include "drivers/iommu/intel_vtd/page_table.h"

#include "kernel/dma_memory.h"

namespace drivers::intel_vtd {

s::SlPte leaf_pte(uint64_t pa, unsigned level, Access a) {
  s::SlPte e;
  e.set_addr(pa).set_r(a.r).set_w(a.w).set_ps(level > 1);
  return e;
}

s::SlPte table_pte(uint64_t table_pa) {
  s::SlPte e;
  e.set_addr(table_pa).set_r(1).set_w(1);
  return e;
}

namespace {
s::SlPte sl(uint64_t e) {
  s::SlPte p;
  p.words[0] = e;
  return p;
}
bool sl_present(uint64_t e) { return sl(e).present(); }
bool sl_large(uint64_t e) { return sl(e).ps(); }
uint64_t sl_addr(uint64_t e) { return sl(e).addr(); }
uint64_t sl_table(uint64_t table_pa) { return table_pte(table_pa).words[0]; }
uint64_t sl_leaf(uint64_t pa, unsigned level, Access a) { return leaf_pte(pa, level, a).words[0]; }
}  // namespace

const PteFormat kSecondStagePtes{sl_present, sl_large, sl_addr, sl_table, sl_leaf};

PageTable::~PageTable() {
  for (size_t i = 0; i < count_; ++i) kernel::DmaMemory::free(tables_[i], 4096);
}

uint64_t PageTable::new_table() {
  if (count_ == kMaxTables) return 0;
  const uint64_t t = kernel::DmaMemory::alloc(4096);
  if (t) tables_[count_++] = t;
  return t;
}

bool PageTable::init() {
  if (!root_) root_ = new_table();
  return root_ != 0;
}

volatile uint64_t* PageTable::slot(uint64_t table, uint64_t iova, unsigned level) const {
  return kernel::DmaMemory::ptr<volatile uint64_t>(table) + s::level_index(iova, level);
}

uint64_t PageTable::table_at(uint64_t iova, unsigned level, bool create) {
  uint64_t table = root_;
  for (unsigned l = levels(); table && l > level; --l) {
    volatile uint64_t* e = slot(table, iova, l);
    const uint64_t pte = *e;
    if (f_.present(pte) && !f_.large(pte)) {
      table = f_.addr(pte);
      continue;
    }
    if (!create || f_.present(pte)) return 0;  // absent, or a large leaf in the way
    const uint64_t next = new_table();
    if (!next) return 0;
    *e = f_.table(next);
    table = next;
  }
  return table;
}

bool PageTable::map(uint64_t iova, uint64_t pa, unsigned level, Access a) {
  if (level < 1 || level > levels()) return false;
  const uint64_t table = table_at(iova, level, true);
  if (!table) return false;
  *slot(table, iova, level) = f_.leaf(pa, level, a);
  return true;
}

bool PageTable::unmap(uint64_t iova, unsigned level) {
  volatile uint64_t* e = entry(iova, level);
  if (!e || *e == 0) return false;
  *e = 0;
  return true;
}

volatile uint64_t* PageTable::entry(uint64_t iova, unsigned level) const {
  uint64_t table = root_;
  for (unsigned l = levels(); table && l > level; --l) {
    const uint64_t pte = *slot(table, iova, l);
    if (!f_.present(pte) || f_.large(pte)) return nullptr;
    table = f_.addr(pte);
  }
  return table ? slot(table, iova, level) : nullptr;
}

}  // namespace drivers::intel_vtd
