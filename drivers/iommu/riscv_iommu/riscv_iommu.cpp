#include "drivers/iommu/riscv_iommu/riscv_iommu.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"
#include "kernel/platform.h"
#include "kernel/test.h"

namespace drivers::riscv_iommu {

namespace {
RiscvIommu g_iommu;
bool g_tried = false, g_ok = false;
char g_init_error[160] = {};

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
constexpr uint64_t kPage = 4096;
// §6.2: the device_id width to cover: PCI bus, device and function (16 bits), segment 0.
constexpr unsigned kDeviceIdWidth = 16;
}  // namespace

RiscvIommu* RiscvIommu::get() {
  if (!g_tried) {
    g_tried = true;
    g_ok = g_iommu.init();
    if (!g_ok) snprintf(g_init_error, sizeof g_init_error, "%s", g_iommu.last_error());
  }
  return g_ok ? &g_iommu : nullptr;
}

const char* RiscvIommu::init_error() { return g_init_error; }

bool RiscvIommu::fail(const char* what) {
  snprintf(error_, sizeof error_, "%s", what);
  return false;
}

bool RiscvIommu::probe() {
  kernel::Pci::init();
  // The function the DT names (riscv,pci-iommu), else the first of class 0806h with QEMU's IDs.
  if (const kernel::IommuDesc* d = kernel::platform().find_iommu(kernel::IommuKind::kRiscvIommuPci)) {
    for (size_t i = 0; i < kernel::Pci::count() && !pci_; ++i)
      if (kernel::Pci::at(i)->rid() == d->pci_rid) pci_ = kernel::Pci::at(i);
  }
  for (unsigned n = 0; !pci_; ++n) {
    kernel::PciFunction* f = kernel::Pci::find_class(kPciClass, 0xffff00, n);
    if (!f) break;
    if (f->vendor() == kPciVendor && f->device() == kPciDevice) pci_ = f;
  }
  if (!pci_) return fail("no RISC-V IOMMU PCI function (DT riscv,pci-iommu, or class 0806h 1b36:0014)");
  // §7.1: the register page is BAR0 (a 64-bit memory BAR); memory decode on, and bus mastering for the
  // IOMMU's own accesses to its in-memory structures.
  pci_->enable(true);
  const kernel::PciBar& bar = pci_->bar(0);
  if (bar.cpu == 0 || bar.io || bar.size < s::kRegisterPageBytes) return fail("BAR0 of the IOMMU not assigned");
  mmio_ = kernel::Mmio(bar.cpu);
  if (kernel::IommuDesc* d = const_cast<kernel::IommuDesc*>(
          kernel::platform().find_iommu(kernel::IommuKind::kRiscvIommuPci)))
    d->base = bar.cpu;
  return true;
}

bool RiscvIommu::wait_csr(s::Mmio r, uint32_t mask, uint32_t want, const char* what) {
  if (kernel::wait_until([&] { return (read(r) & mask) == want; }, kWaitMs)) return true;
  snprintf(error_, sizeof error_, "%s: register 0x%x reads 0x%llx within %u ms", what, r.offset, ull(read(r)),
           kWaitMs);
  return false;
}

bool RiscvIommu::init() {
  if (!probe()) return false;
  // §6.2: capabilities first; this driver knows version 1.x.
  caps_ = reg<s::Capabilities>(s::reg::kCapabilities);
  if ((caps_.version() >> 4) != 1) return fail("capabilities.version is not 1.x");
  // Off before anything else: fctl and the queues are changed only with the IOMMU off (§5.4).
  if (!set_ddtp(s::IommuMode::kOff, ddtp().ppn() << 12)) return false;
  // Little-endian structures, MSI (no wires): fctl.BE = fctl.WSI = 0.
  s::Fctl fctl = reg<s::Fctl>(s::reg::kFctl);
  if (fctl.be() || fctl.wsi()) {
    fctl.set_be(0).set_wsi(0);
    write(s::reg::kFctl, fctl.value);
  }
  cq_ = kernel::DmaMemory::alloc(cq_entries() * s::kCommandBytes);
  fence_word_ = kernel::DmaMemory::alloc(kPage);
  if (!cq_ || !fence_word_) return fail("no DMA memory for the command queue");
  if (!reset_cq() || !reset_fq(kFqLog2)) return false;
  // §6.2: the DDT mode covering a 16-bit device_id (bus, device, function): 3LVL with extended-format
  // device contexts (2LVL covers 15 bits), 2LVL with the base format (16 bits).
  const unsigned levels = s::device_id_bits(2, extended_dc()) >= kDeviceIdWidth ? 2 : 3;
  return use_ddt(levels);
}

bool RiscvIommu::set_ddtp(s::IommuMode mode, uint64_t root_pa) {
  if (!wait_csr(s::reg::kDdtp, s::Ddtp::busy_mask, 0, "ddtp.busy before the write")) return false;
  s::Ddtp d;
  d.set_iommu_mode(static_cast<uint64_t>(mode)).set_ppn(root_pa >> 12);
  write(s::reg::kDdtp, d.raw());
  if (!wait_csr(s::reg::kDdtp, s::Ddtp::busy_mask, 0, "ddtp.busy after the write")) return false;
  const s::Ddtp now = ddtp();
  if (now.iommu_mode() != static_cast<uint64_t>(mode)) {
    snprintf(error_, sizeof error_, "ddtp.iommu_mode reads %llu after writing %u (ddtp 0x%llx)",
             ull(now.iommu_mode()), static_cast<unsigned>(mode), ull(now.raw()));
    return false;
  }
  return true;
}

uint64_t RiscvIommu::alloc_ddt_page() {
  if (ddt_count_ == kMaxDdtPages) return 0;
  const uint64_t p = kernel::DmaMemory::alloc(kPage);
  if (p) ddt_pages_[ddt_count_++] = p;
  return p;
}

void RiscvIommu::free_ddt() {
  for (size_t i = 0; i < ddt_count_; ++i) kernel::DmaMemory::free(ddt_pages_[i], kPage);
  ddt_count_ = 0;
  ddt_root_ = 0;
}

bool RiscvIommu::use_ddt(unsigned levels) {
  if (levels < 1 || levels > 3) return fail("DDT levels must be 1, 2 or 3");
  // §5.5: to change DDT levels go through Off, keeping the PPN ("Software must not change the PPN field
  // value when transitioning the iommu_mode to Off").
  if (!set_ddtp(s::IommuMode::kOff, ddtp().ppn() << 12)) return false;
  free_ddt();
  levels_ = levels;
  ddt_root_ = alloc_ddt_page();
  if (!ddt_root_) return fail("no DMA memory for the DDT root");
  if (!set_ddtp(ddt_mode(), ddt_root_)) return false;
  // §5.5: "the IOMMU may retain information cached from in-memory data structures".
  return invalidate_everything();
}

volatile uint64_t* RiscvIommu::ddte_slot(uint32_t device_id, unsigned level) {
  if (level == 0 || level >= levels_ || device_id >> s::device_id_bits(levels_, extended_dc())) return nullptr;
  uint64_t table = ddt_root_;
  for (unsigned i = levels_ - 1;; --i) {
    auto* e = reinterpret_cast<volatile uint64_t*>(table + s::ddi(device_id, i, extended_dc()) * 8);
    if (i == level) return e;
    s::DdtEntry d;
    d.set_raw(*e);
    if (!d.v()) return nullptr;
    table = d.ppn() << 12;
  }
}

volatile uint64_t* RiscvIommu::dc_slot(uint32_t device_id, bool create) {
  if (!ddt_root_ || device_id >> s::device_id_bits(levels_, extended_dc())) return nullptr;
  uint64_t table = ddt_root_;
  // §2.3.1: non-leaf entries from the root down, DDI[levels-1] .. DDI[1].
  for (unsigned i = levels_ - 1; i >= 1; --i) {
    auto* e = reinterpret_cast<volatile uint64_t*>(table + s::ddi(device_id, i, extended_dc()) * 8);
    s::DdtEntry d;
    d.set_raw(*e);
    if (!d.v()) {
      if (!create) return nullptr;
      const uint64_t next = alloc_ddt_page();
      if (!next) return nullptr;
      d.set_raw(0);
      d.set_v(1).set_ppn(next >> 12);
      arch::mb();  // the zeroed page before the entry that makes it reachable
      *e = d.raw();
    }
    table = d.ppn() << 12;
  }
  return reinterpret_cast<volatile uint64_t*>(table +
                                              s::ddi(device_id, 0, extended_dc()) * s::DeviceContext::bytes(extended_dc()));
}

s::DeviceContext RiscvIommu::dc(uint32_t device_id) {
  s::DeviceContext d;
  volatile uint64_t* p = dc_slot(device_id, false);
  const unsigned n = s::DeviceContext::bytes(extended_dc()) / 8;
  for (unsigned i = 0; p && i < n; ++i) d.words[i] = p[i];
  return d;
}

bool RiscvIommu::write_dc_raw(uint32_t device_id, const s::DeviceContext& d) {
  volatile uint64_t* p = dc_slot(device_id, true);
  if (!p) return fail("no device context slot (device_id wider than the DDT, or no memory)");
  const unsigned n = s::DeviceContext::bytes(extended_dc()) / 8;
  for (unsigned i = n - 1; i >= 1; --i) p[i] = d.words[i];
  arch::mb();  // every other doubleword before tc, whose V makes the context valid
  p[0] = d.words[0];
  arch::mb();
  return true;
}

bool RiscvIommu::write_dc_word(uint32_t device_id, unsigned i, uint64_t v) {
  volatile uint64_t* p = dc_slot(device_id, true);
  if (!p || i >= s::DeviceContext::bytes(extended_dc()) / 8) return fail("no such device-context doubleword");
  p[i] = v;
  arch::mb();
  return true;
}

bool RiscvIommu::set_dc(uint32_t device_id, const s::DeviceContext& next) {
  const s::DeviceContext old = dc(device_id);
  // §2.9: a valid context is first made invalid (and its cached copies dropped), so that the device never
  // sees old and new doublewords mixed.
  if (old.tc().v()) {
    if (!write_dc_word(device_id, 0, 0) || !iodir_inval_ddt(true, device_id)) return false;
  }
  if (!write_dc_raw(device_id, next)) return false;
  // §6.3.1 for the old context, and the same for the new one (its address space may hold translations of
  // an earlier user of its IDs).
  bool ok = true;
  for (const s::DeviceContext* c : {&old, &next}) {
    if (!c->tc().v()) continue;
    Inval i;
    if (c->iohgatp().mode() != 0) {
      i.gv = true;
      i.gscid = static_cast<uint16_t>(c->iohgatp().gscid());
      ok = ok && queue(vma_command(i)) && queue(gvma_command(i));
    } else if (c->tc().pdtv()) {
      ok = ok && queue(vma_command(i));
    } else if (c->fsc().mode() != 0) {
      i.pscv = true;
      i.pscid = static_cast<uint32_t>(c->ta().pscid());
      ok = ok && queue(vma_command(i));
    }
  }
  return ok && iodir_inval_ddt(true, device_id);
}

void RiscvIommu::put(const s::Command& c) {
  volatile uint64_t* p = cq_slot(tail_);
  p[0] = c.words[0];
  p[1] = c.words[1];
  tail_ = (tail_ + 1) % cq_entries();
}

void RiscvIommu::publish() {
  arch::dma_wmb();  // the commands are in memory before cqt moves (§3 "ordered such that the consumer ...")
  write(s::reg::kCqt, tail_);
}

bool RiscvIommu::queue(const s::Command& c) {
  if ((tail_ + 1) % cq_entries() == cqh() % cq_entries()) return fail("command queue full (cqt one behind cqh)");
  put(c);
  publish();
  return true;
}

bool RiscvIommu::fence(uint32_t timeout_ms) {
  volatile uint32_t* word = reinterpret_cast<volatile uint32_t*>(fence_word_);
  const uint32_t token = 0xfe000000u | (++token_ & 0xffffffu);
  const uint32_t at = tail_;
  s::IofenceCommand f = s::IofenceCommand::c();
  f.set_av(1).set_data(token).set_addr(fence_word_);
  if (!queue(f)) return false;
  constexpr uint32_t kErrors = s::Cqcsr::cmd_ill_mask | s::Cqcsr::cqmf_mask | s::Cqcsr::cmd_to_mask;
  const bool done = kernel::wait_until([&] { return *word == token || (cqcsr().value & kErrors) != 0; }, timeout_ms);
  if (done && *word == token) return true;
  snprintf(error_, sizeof error_,
           "IOFENCE.C at cq index %u: DATA 0x%08x not stored at 0x%llx within %u ms (cqh %u, cqt %u, cqcsr 0x%x)", at,
           token, ull(fence_word_), timeout_ms, cqh(), static_cast<uint32_t>(read(s::reg::kCqt)), cqcsr().value);
  return false;
}

s::IotinvalCommand RiscvIommu::vma_command(const Inval& i) {
  s::IotinvalCommand c = s::IotinvalCommand::vma();
  c.set_gv(i.gv).set_gscid(i.gv ? i.gscid : 0).set_pscv(i.pscv).set_pscid(i.pscv ? i.pscid : 0).set_av(i.av);
  if (i.av) c.set_addr(i.addr);
  return c;
}

s::IotinvalCommand RiscvIommu::gvma_command(const Inval& i) {
  s::IotinvalCommand c = s::IotinvalCommand::gvma();
  c.set_gv(i.gv).set_gscid(i.gv ? i.gscid : 0).set_av(i.av);
  if (i.av) c.set_addr(i.addr);
  return c;
}

bool RiscvIommu::iotinval_vma(const Inval& i) { return queue(vma_command(i)) && fence(); }
bool RiscvIommu::iotinval_gvma(const Inval& i) { return queue(gvma_command(i)) && fence(); }

bool RiscvIommu::iodir_inval_ddt(bool dv, uint32_t device_id) {
  s::IodirCommand c = s::IodirCommand::inval_ddt();
  c.set_dv(dv).set_did(dv ? device_id : 0);
  return queue(c) && fence();
}

bool RiscvIommu::iodir_inval_pdt(uint32_t device_id, uint32_t process_id) {
  s::IodirCommand c = s::IodirCommand::inval_pdt();
  c.set_dv(1).set_did(device_id).set_pid(process_id);
  return queue(c) && fence();
}

bool RiscvIommu::invalidate_everything() {
  s::IodirCommand ddt = s::IodirCommand::inval_ddt();
  return queue(ddt) && queue(gvma_command(Inval{})) && queue(vma_command(Inval{})) && fence();
}

void RiscvIommu::clear_cq_errors() {
  const uint32_t errors = cqcsr().value & s::Cqcsr::kRw1c;
  if (!errors) return;
  s::Cqcsr c = cqcsr();
  c.value = (c.value & s::Cqcsr::kRw) | errors;  // RW bits as they are, 1s to the RW1C bits that are set
  write(s::reg::kCqcsr, c.value);
}

bool RiscvIommu::reset_cq() {
  if (!wait_csr(s::reg::kCqcsr, s::Cqcsr::busy_mask, 0, "cqcsr.busy before turning the command queue off"))
    return false;
  write(s::reg::kCqcsr, 0);
  if (!wait_csr(s::reg::kCqcsr, s::Cqcsr::cqon_mask | s::Cqcsr::busy_mask, 0, "cqcsr.cqon/busy to read 0"))
    return false;
  return enable_cq();
}

bool RiscvIommu::enable_cq() {
  std::memset(reinterpret_cast<void*>(cq_), 0, cq_entries() * s::kCommandBytes);
  s::Cqb b;
  b.set_ppn(cq_ >> 12).set_log2sz_1(kCqLog2 - 1);
  write(s::reg::kCqb, b.raw());
  write(s::reg::kCqt, 0);
  tail_ = 0;
  s::Cqcsr c;
  c.set_cqen(1);
  write(s::reg::kCqcsr, c.value);
  return wait_csr(s::reg::kCqcsr, s::Cqcsr::cqon_mask | s::Cqcsr::busy_mask, s::Cqcsr::cqon_mask,
                  "cqcsr.cqon to read 1 after cqen=1");
}

bool RiscvIommu::disable_fq() {
  if (!wait_csr(s::reg::kFqcsr, s::Fqcsr::busy_mask, 0, "fqcsr.busy before turning the fault queue off"))
    return false;
  write(s::reg::kFqcsr, 0);
  return wait_csr(s::reg::kFqcsr, s::Fqcsr::fqon_mask | s::Fqcsr::busy_mask, 0, "fqcsr.fqon/busy to read 0");
}

bool RiscvIommu::reset_fq(unsigned log2) {
  if (log2 < 1 || log2 > 9) return fail("fault queue of 2..512 records only");
  if (!disable_fq()) return false;
  const size_t bytes = (size_t{1} << log2) * s::kFaultRecordBytes;
  const size_t alloc = bytes < kPage ? kPage : bytes;
  if (fq_ && fq_log2_ != log2) {
    const size_t old = (size_t{1} << fq_log2_) * s::kFaultRecordBytes;
    kernel::DmaMemory::free(fq_, old < kPage ? kPage : old);
    fq_ = 0;
  }
  if (!fq_) fq_ = kernel::DmaMemory::alloc(alloc);
  if (!fq_) return fail("no DMA memory for the fault queue");
  fq_log2_ = log2;
  std::memset(reinterpret_cast<void*>(fq_), 0, alloc);
  s::Fqb b;
  b.set_ppn(fq_ >> 12).set_log2sz_1(log2 - 1);
  write(s::reg::kFqb, b.raw());
  write(s::reg::kFqh, 0);
  s::Fqcsr c;
  c.set_fqen(1);
  write(s::reg::kFqcsr, c.value);
  return wait_csr(s::reg::kFqcsr, s::Fqcsr::fqon_mask | s::Fqcsr::busy_mask, s::Fqcsr::fqon_mask,
                  "fqcsr.fqon to read 1 after fqen=1");
}

s::FaultRecord RiscvIommu::fq_record(uint32_t index) const {
  s::FaultRecord r;
  arch::dma_rmb();
  std::memcpy(r.words.data(), reinterpret_cast<const void*>(fq_ + (index % fq_entries()) * s::kFaultRecordBytes),
              s::kFaultRecordBytes);
  return r;
}

size_t RiscvIommu::pending_faults() const {
  const uint32_t n = fq_entries();
  return (fqt() % n + n - fqh() % n) % n;
}

bool RiscvIommu::pop_fault(s::FaultRecord& r) {
  const uint32_t h = fqh() % fq_entries();
  if (h == fqt() % fq_entries()) return false;
  r = fq_record(h);  // read after fqt was seen past it (dma_rmb in fq_record)
  write(s::reg::kFqh, (h + 1) % fq_entries());
  return true;
}

bool RiscvIommu::wait_fault(s::FaultRecord& r, uint32_t timeout_ms) {
  return kernel::wait_until([&] { return pending_faults() > 0; }, timeout_ms) && pop_fault(r);
}

void RiscvIommu::drain_faults() {
  s::FaultRecord r;
  for (unsigned i = 0; i < fq_entries() && pop_fault(r); ++i) {
  }
  const s::Fqcsr c = fqcsr();
  if (c.fqof() || c.fqmf()) write(s::reg::kFqcsr, (c.value & s::Fqcsr::kRw) | (c.value & s::Fqcsr::kRw1c));
}

bool RiscvIommu::set_msi(unsigned vector, uint64_t address, uint32_t data) {
  if (vector >= s::reg::kMsiVectors) return fail("MSI vector beyond msi_cfg_tbl");
  // "software must not modify an unmasked entry" (PCI LB 3.0 §6.8.2.9): masked while address and data change.
  mask_msi(vector, true);
  s::MsiAddr a;
  a.set_addr_55_2(address >> 2);
  write(s::reg::msi_addr(vector), a.raw());
  s::MsiData d;
  d.set_data(data);
  write(s::reg::msi_data(vector), d.value);
  mask_msi(vector, false);
  // MSI-X Enable: the function signals through the table it points at (msi_cfg_tbl). msix_enable writes the same
  // entry through the capability's table pointer, the PCI view of the same registers.
  if (!pci_ || !pci_->msix_enable(vector, address, data)) return fail("the IOMMU function has no usable MSI-X");
  return true;
}

void RiscvIommu::mask_msi(unsigned vector, bool masked) const {
  s::MsiVecCtl c;
  c.set_m(masked);
  write(s::reg::msi_vec_ctl(vector), c.value);
}

void RiscvIommu::set_cq_interrupt(bool cie) const {
  s::Cqcsr c = cqcsr();
  c.value &= s::Cqcsr::kRw;
  write(s::reg::kCqcsr, c.set_cie(cie).value);
}

void RiscvIommu::set_fq_interrupt(bool fie) const {
  s::Fqcsr c = fqcsr();
  c.value &= s::Fqcsr::kRw;
  write(s::reg::kFqcsr, c.set_fie(fie).value);
}

void RiscvIommu::disable_interrupts() const {
  if (cqcsr().cie()) set_cq_interrupt(false);
  if (fqcsr().fie()) set_fq_interrupt(false);
  if (pci_) pci_->msix_disable();  // every entry of the table (msi_cfg_tbl) masked, then MSI-X off
  set_icvec(s::Icvec{});
  s::Ipsr all;
  all.value = s::Ipsr::kRw1c;
  write_ipsr(all);
}

bool RiscvIommu::recover() {
  bool ok = true;
  disable_interrupts();
  const uint32_t errors = cqcsr().value & s::Cqcsr::kRw1c;
  if (errors || !cqcsr().cqon()) ok &= reset_cq();
  ok &= reset_fq(kFqLog2);
  const unsigned levels = levels_ ? levels_ : 3;
  ok &= use_ddt(levels);  // a fresh, empty DDT through Off, then every cache invalidated
  return ok;
}

}  // namespace drivers::riscv_iommu
