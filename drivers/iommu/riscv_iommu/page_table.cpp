#include "drivers/iommu/riscv_iommu/page_table.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers::riscv_iommu {

uint64_t leaf_pte(uint64_t pa, Perm p) {
  s::Pte e;
  e.set_v(1).set_r(p.r).set_w(p.w).set_x(p.x).set_u(p.u).set_a(1).set_d(1).set_ppn(pa >> 12);
  return e.raw();
}

uint64_t table_pte(uint64_t table_pa) {
  s::Pte e;
  e.set_v(1).set_ppn(table_pa >> 12);
  return e.raw();
}

PageTable::~PageTable() {
  if (root_) kernel::DmaMemory::free(root_, scheme_.root_table_bytes());
  for (size_t i = 0; i < count_; ++i) kernel::DmaMemory::free(tables_[i], 4096);
}

bool PageTable::init() {
  if (scheme_.pte_bytes != 8) return false;  // Sv32/Sv32x4 (4-byte PTEs) are not built by this driver
  // DmaMemory blocks are aligned to their size: the x4 root is 16 KiB aligned as §2.1.4 requires.
  root_ = kernel::DmaMemory::alloc(scheme_.root_table_bytes());
  return root_ != 0;
}

uint64_t PageTable::new_table() {
  if (count_ == kMaxTables) return 0;
  const uint64_t t = kernel::DmaMemory::alloc(4096);
  if (t) tables_[count_++] = t;
  return t;
}

volatile uint64_t* PageTable::slot(uint64_t table, uint64_t va, unsigned level) const {
  return reinterpret_cast<volatile uint64_t*>(table + scheme_.index(va, level) * 8);
}

uint64_t PageTable::table_at(uint64_t va, unsigned level, bool create) {
  if (!root_ || level >= scheme_.levels) return 0;
  uint64_t table = root_;
  for (unsigned at = scheme_.levels - 1; at > level; --at) {
    volatile uint64_t* e = slot(table, va, at);
    s::Pte p;
    p.set_raw(*e);
    if (p.v() && !p.leaf()) {
      table = p.pa();
      continue;
    }
    if (p.v() || !create) return 0;  // a leaf above `level`, or nothing there
    const uint64_t next = new_table();
    if (!next) return 0;
    arch::mb();  // the zeroed table before the entry that makes it reachable
    *e = table_pte(next);
    table = next;
  }
  return table;
}

bool PageTable::map(uint64_t va, uint64_t pa, unsigned level, Perm p) {
  const uint64_t t = table_at(va, level, true);
  if (!t) return false;
  *slot(t, va, level) = leaf_pte(pa, p);
  arch::mb();
  return true;
}

bool PageTable::map_napot_64k(uint64_t va, uint64_t pa, Perm p) {
  const uint64_t base_va = va & ~(s::kNapot64kSize - 1);
  const uint64_t t = table_at(base_va, 0, true);
  if (!t) return false;
  s::Pte e;
  e.set_raw(leaf_pte(pa & ~(s::kNapot64kSize - 1), p));
  // Svnapot: PPN[3:0] = 1000b encodes the 64 KiB size; the PPN's other bits are the page's.
  e.set_ppn((e.ppn() & ~uint64_t{0xf}) | s::kNapot64kPpnLow).set_n(1);
  for (uint64_t off = 0; off < s::kNapot64kSize; off += 4096) *slot(t, base_va + off, 0) = e.raw();
  arch::mb();
  return true;
}

volatile uint64_t* PageTable::entry(uint64_t va, unsigned level) const {
  const uint64_t t = const_cast<PageTable*>(this)->table_at(va, level, false);
  return t ? slot(t, va, level) : nullptr;
}

bool PageTable::unmap(uint64_t va, unsigned level) {
  volatile uint64_t* e = entry(va, level);
  if (!e) return false;
  *e = 0;
  arch::mb();
  return true;
}

}  // namespace drivers::riscv_iommu
