#include "drivers/iommu/amd_vi/interrupts.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "spec/address.h"

namespace drivers::amd_vi {

using spec::pci::kMsiAddressHi;
using spec::pci::kMsiAddressLo;
using spec::pci::kMsiControl;

namespace {
spec::pci::MsiControl msi_control(kernel::PciFunction* fn, uint8_t cap) {
  spec::pci::MsiControl c;
  c.value = fn->cfg_read16(cap + kMsiControl);
  return c;
}
}  // namespace

bool program_msi(kernel::PciFunction* fn, uint64_t address, uint32_t data) {
  const uint8_t cap = fn->find_capability(kPciCapMsi);
  if (!cap) return false;
  // Precondition: the capability is disabled while its address and data change.
  spec::pci::MsiControl ctl = msi_control(fn, cap);
  fn->cfg_write16(cap + kMsiControl, static_cast<uint16_t>(ctl.set_msi_enable(0).value));
  const spec::Halves64 addr = spec::Halves64::of(address);
  fn->cfg_write32(cap + kMsiAddressLo, static_cast<uint32_t>(addr.lo()));
  uint16_t data_off = kMsiAddressHi;
  if (ctl.addr64()) {
    fn->cfg_write32(cap + kMsiAddressHi, static_cast<uint32_t>(addr.hi()));
    data_off = kMsiAddressHi + 4;
  }
  fn->cfg_write16(cap + data_off, static_cast<uint16_t>(data));
  // One message (Multiple Message Enable 000b), then enable; the function must master to send it.
  ctl.set_multiple_message_enable(0).set_msi_enable(1);
  fn->cfg_write16(cap + kMsiControl, static_cast<uint16_t>(ctl.value));
  fn->set_bus_master(true);
  return true;
}

void disable_msi(kernel::PciFunction* fn) {
  const uint8_t cap = fn->find_capability(kPciCapMsi);
  if (!cap) return;
  fn->cfg_write16(cap + kMsiControl, static_cast<uint16_t>(msi_control(fn, cap).set_msi_enable(0).value));
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
  d.set_iv(1).set_int_tab_len(len_).set_int_ctl(spec::amd_vi::kIntCtlRemap).set_int_table_root(pa_);
}

}  // namespace drivers::amd_vi
