#include "drivers/iommu/amd_vi/interrupts.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers::amd_vi {

namespace {
constexpr uint16_t kMsiControl = 2, kMsiAddressLo = 4, kMsiAddressHi = 8;
constexpr uint16_t kMsiEnable = 1u << 0, kMsi64Bit = 1u << 7, kMsiMultipleEnable = 7u << 4;
}  // namespace

bool program_msi(kernel::PciFunction* fn, uint64_t address, uint32_t data) {
  const uint8_t cap = fn->find_capability(kPciCapMsi);
  if (!cap) return false;
  // Precondition: the capability is disabled while its address and data change.
  uint16_t ctl = fn->cfg_read16(cap + kMsiControl);
  fn->cfg_write16(cap + kMsiControl, ctl & ~kMsiEnable);
  fn->cfg_write32(cap + kMsiAddressLo, static_cast<uint32_t>(address));
  uint16_t data_off = kMsiAddressHi;
  if (ctl & kMsi64Bit) {
    fn->cfg_write32(cap + kMsiAddressHi, static_cast<uint32_t>(address >> 32));
    data_off = kMsiAddressHi + 4;
  }
  fn->cfg_write16(cap + data_off, static_cast<uint16_t>(data));
  // One message (Multiple Message Enable 000b), then enable; the function must master to send it.
  ctl = static_cast<uint16_t>((ctl & ~kMsiMultipleEnable) | kMsiEnable);
  fn->cfg_write16(cap + kMsiControl, ctl);
  fn->set_bus_master(true);
  return true;
}

void disable_msi(kernel::PciFunction* fn) {
  const uint8_t cap = fn->find_capability(kPciCapMsi);
  if (!cap) return;
  fn->cfg_write16(cap + kMsiControl, fn->cfg_read16(cap + kMsiControl) & ~kMsiEnable);
}

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
  d.set_iv(1).set_int_tab_len(len_).set_int_ctl(spec::amd_vi::kIntCtlRemap).set_int_table_root_64(pa_ >> 6);
}

}  // namespace drivers::amd_vi
