#include "drivers/iommu/amd_vi/amd_vi.h"

#include <cstdio>
#include <cstring>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"
#include "spec/address.h"

namespace drivers::amd_vi {

namespace {
AmdVi g_iommu;
bool g_tried = false, g_ok = false;
constexpr uint32_t kAmdVendor = 0x1022;
constexpr uint32_t kClassIommu = 0x080600;  // base 08h (system peripheral), sub 06h (IOMMU)
}  // namespace

AmdVi* AmdVi::get() {
  if (!g_tried) {
    g_tried = true;
    g_ok = g_iommu.init();
  }
  return g_ok ? &g_iommu : nullptr;
}

uint16_t device_id_of(uint16_t rid) {
  AmdVi* v = AmdVi::get();
  uint16_t devid = rid;
  if (v && v->ivrs().device_id_for(rid, devid)) return devid;
  return rid;
}

bool AmdVi::init() {
  kernel::Pci::init();
  // §3.1: the IOMMU is a PCI function of class 0806h with a capability of ID 0Fh, type 011b.
  for (unsigned n = 0; (pci_ = kernel::Pci::find_class(kClassIommu, 0xffff00, n)); ++n)
    if (pci_->vendor() == kAmdVendor && (cap_ = pci_->find_capability(s::kCapabilityId))) break;
  if (!pci_ || !cap_) return false;
  s::CapabilityBaseLow lo;
  lo.value = pci_->cfg_read32(cap_ + s::kCapBaseLow);
  const uint64_t base = spec::Halves64::of(lo.base_low(), pci_->cfg_read32(cap_ + s::kCapBaseHigh)).raw();
  parse_ivrs(ivrs_);
  if (base == 0) return false;
  mmio_ = kernel::Mmio(base);

  // §3.4.1 device table, §3.4.2 command buffer, §3.4.3 event log: 4 KiB aligned, zeroed.
  devtab_ = kernel::DmaMemory::alloc(kDevtabEntries * sizeof(s::Dte));
  cmd_ = kernel::DmaMemory::alloc(kRingEntries * 16);
  evt_ = kernel::DmaMemory::alloc(kRingEntries * 16);
  store_ = kernel::DmaMemory::alloc(4096);
  if (!devtab_ || !cmd_ || !evt_ || !store_) return false;

  // Precondition for changing the bases: the IOMMU and both rings are off.
  set_control(0);
  s::DeviceTableBase dtb;
  dtb.set_base(devtab_).set_size(kDevtabSizeField);
  write(s::Mmio::kDeviceTableBase, dtb.raw());
  s::RingBase cb;
  cb.set_base(cmd_).set_len(kRingLen);
  write(s::Mmio::kCommandBufferBase, cb.raw());
  s::RingBase eb;
  eb.set_base(evt_).set_len(kRingLen);
  write(s::Mmio::kEventLogBase, eb.raw());
  write(s::Mmio::kCommandBufferHead, 0);
  write(s::Mmio::kCommandBufferTail, 0);
  write(s::Mmio::kEventLogHead, 0);
  write(s::Mmio::kEventLogTail, 0);
  tail_ = 0;
  // Every DTE is zero (V=0): enabling translation changes nothing for devices until a test attaches them.
  s::Control c;
  c.set_iommu_en(1).set_event_log_en(1).set_cmd_buf_en(1);
  control_ = c.raw();
  set_control(control_);
  return true;
}

s::Dte AmdVi::dte(uint16_t devid) const {
  s::Dte d;
  std::memcpy(d.words.data(), reinterpret_cast<const void*>(devtab_ + devid * 32ull), 32);
  return d;
}

void AmdVi::write_dte_raw(uint16_t devid, const s::Dte& d) {
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(devtab_ + devid * 32ull);
  for (int i = 3; i >= 0; --i) p[i] = d.words[i];
  arch::dma_wmb();
}

void AmdVi::write_dte_qword(uint16_t devid, unsigned i, uint64_t v) {
  if (devid >= kDevtabEntries || i >= 4) return;
  reinterpret_cast<volatile uint64_t*>(devtab_ + devid * 32ull)[i] = v;
  arch::dma_wmb();
}

bool AmdVi::set_dte(uint16_t devid, const s::Dte& d) {
  if (devid >= kDevtabEntries) return false;
  write_dte_raw(devid, d);
  return invalidate_devtab(devid);
}

void AmdVi::queue(const s::Command& c) {
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(cmd_ + tail_);
  p[0] = c.words[0];
  p[1] = c.words[1];
  tail_ = (tail_ + 16) % (kRingEntries * 16);
  arch::dma_wmb();  // the command is in memory before the tail moves (§2.4)
  write(s::Mmio::kCommandBufferTail, tail_);
}

bool AmdVi::sync() {
  volatile uint64_t* word = reinterpret_cast<volatile uint64_t*>(store_);
  const uint64_t token = 0xc0de000000000000ull | ++token_;
  s::CompletionWait w;
  w.set_s(1).set_store_addr(store_).set_store_data(token);
  queue(w);
  return kernel::wait_until([&] { return *word == token; }, kWaitMs);
}

bool AmdVi::invalidate_devtab(uint16_t devid) {
  s::InvalidateDevtabEntry c;
  c.set_device_id(devid);
  queue(c);
  return sync();
}

bool AmdVi::invalidate_pages(uint16_t domain, uint64_t address, bool s_bit) {
  s::InvalidateIommuPages c;
  c.set_domain_id(domain).set_s(s_bit).set_address(address);
  queue(c);
  return sync();
}

bool AmdVi::invalidate_all() {
  s::InvalidateIommuAll c;
  queue(c);
  return sync();
}

void AmdVi::reset_command_buffer() {
  s::Control c;
  c.set_raw(control());
  c.set_cmd_buf_en(0);
  set_control(c.raw());
  s::RingBase cb;
  cb.set_base(cmd_).set_len(kRingLen);
  write(s::Mmio::kCommandBufferBase, cb.raw());
  write(s::Mmio::kCommandBufferHead, 0);
  write(s::Mmio::kCommandBufferTail, 0);
  tail_ = 0;
  set_control(control_);
}

size_t AmdVi::pending_events() const {
  const uint64_t head = s::RingPointer::offset_of(read(s::Mmio::kEventLogHead));
  const uint64_t tail = s::RingPointer::offset_of(read(s::Mmio::kEventLogTail));
  return ((tail + kRingEntries * 16 - head) % (kRingEntries * 16)) / 16;
}

bool AmdVi::pop_event(s::Event& e) {
  const uint64_t head = s::RingPointer::offset_of(read(s::Mmio::kEventLogHead));
  const uint64_t tail = s::RingPointer::offset_of(read(s::Mmio::kEventLogTail));
  if (head == tail) return false;
  arch::dma_rmb();
  std::memcpy(e.words.data(), reinterpret_cast<const void*>(evt_ + head), 16);
  write(s::Mmio::kEventLogHead, (head + 16) % (kRingEntries * 16));
  return true;
}

void AmdVi::drain_events() {
  s::Event e;
  for (unsigned i = 0; i < kRingEntries && pop_event(e); ++i) {
  }
}

void AmdVi::reset_event_log() {
  s::Control c;
  c.set_raw(control());
  c.set_event_log_en(0);
  set_control(c.raw());
  std::memset(reinterpret_cast<void*>(evt_), 0, kRingEntries * 16);
  write(s::Mmio::kEventLogHead, 0);
  write(s::Mmio::kEventLogTail, 0);
  s::Status st;
  st.set_event_overflow(1).set_event_log_int(1).set_com_wait_int(1);
  write(s::Mmio::kStatus, st.raw());
  set_control(control_);
}

bool AmdVi::recover() {
  std::memset(reinterpret_cast<void*>(devtab_), 0, kDevtabEntries * sizeof(s::Dte));
  arch::dma_wmb();
  reset_command_buffer();
  reset_event_log();
  return invalidate_all();
}

void AmdVi::release(uint16_t devid) {
  set_dte(devid, s::Dte{});
  invalidate_all();
}

}  // namespace drivers::amd_vi
