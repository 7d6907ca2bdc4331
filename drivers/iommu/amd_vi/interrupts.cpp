#include "drivers/iommu/amd_vi/interrupts.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "spec/address.h"

namespace drivers::amd_vi {

IntRemapTable::IntRemapTable(unsigned len_field) : len_(len_field) {
  // 2^len entries of 4 bytes; DmaMemory blocks are at least 4 KiB and naturally aligned (>= 128 B).
  pa_ = kernel::DmaMemory::alloc(4096);
}

IntRemapTable::~IntRemapTable() {
  if (pa_) kernel::DmaMemory::free(pa_, 4096);
}

void IntRemapTable::set(unsigned index, const spec::amd_vi::Irte32& e) {
  reinterpret_cast<volatile uint32_t*>(pa_)[index] = e.value;
  arch::dma_wmb();  // the IRTE is visible before the INVALIDATE_INTERRUPT_TABLE that follows
}

void IntRemapTable::attach(spec::amd_vi::Dte& d) const {
  d.set_iv(1).set_int_tab_len(len_).set_int_ctl(spec::amd_vi::kIntCtlRemap).set_int_table_root(pa_);
}

}  // namespace drivers::amd_vi
