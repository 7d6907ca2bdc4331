// Guest driver for the RISC-V IOMMU (RISC-V IOMMU Architecture Specification 1.0): discovery of the PCI
// function (the DT's riscv,pci-iommu node, else PCI class 0806h with QEMU's IDs), the §6.2 bring-up (command
// queue, fault queue, then the DDT in 1, 2 or 3 levels through ddtp with its busy handshake), commands with
// IOFENCE.C completion, the fault queue. Page tables are in page_table.h, translation domains in domain.h.
//
// Completion and faults are POLLED: IOFENCE.C has AV=1 and writes a fresh DATA word to memory, which the
// driver waits for (WSI=0); the fault queue is read by comparing fqh with fqt. Interrupts (MSI-X, through
// msi_cfg_tbl) are there for the cases that test them; on virt with the PLIC the function has no usable MSI-X. Every wait is bounded and says what it waited for
// (last_error()).
//
// Raw access (DDT entries, device contexts, command-queue slots, fault-queue records) is public on purpose:
// edge-case tests write structures and queue entries by hand.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mmio.h"
#include "kernel/pci.h"
#include "spec/riscv_iommu/commands.h"
#include "spec/riscv_iommu/device_context.h"
#include "spec/riscv_iommu/fault.h"
#include "spec/riscv_iommu/registers.h"

namespace drivers::riscv_iommu {

namespace s = ::spec::riscv_iommu;

inline constexpr uint16_t kPciVendor = 0x1b36;  // QEMU's riscv-iommu-pci (PCI_DEVICE_ID_REDHAT_RISCV_IOMMU)
inline constexpr uint16_t kPciDevice = 0x0014;
inline constexpr uint32_t kPciClass = 0x080600;  // base 08h system peripheral, sub 06h IOMMU
inline constexpr uint32_t kWaitMs = 1000;
inline constexpr unsigned kCqLog2 = 8;  // 256 commands of 16 bytes: one 4 KiB page
// 512 records of 32 bytes (16 KiB): QEMU reports one record per byte-sized request of a faulting DMA, a permitted
// choice (§3.2) that fills a small queue with one DMA.
inline constexpr unsigned kFqLog2 = 9;
inline constexpr unsigned kMaxDdtPages = 16;

// The operands of IOTINVAL.VMA / IOTINVAL.GVMA (§3.1.1): an operand is used only when its valid bit is set.
struct Inval {
  bool gv = false;
  uint16_t gscid = 0;
  bool pscv = false;
  uint32_t pscid = 0;
  bool av = false;
  uint64_t addr = 0;
};

class RiscvIommu {
 public:
  // The machine's IOMMU, discovered and brought up (1-level DDT, every device context invalid) on first use;
  // nullptr when there is none or the bring-up failed (then init_error() says which step).
  static RiscvIommu* get();
  static const char* init_error();

  kernel::PciFunction* pci() const { return pci_; }
  uint64_t mmio_base() const { return mmio_.base(); }
  uint16_t rid() const { return pci_ ? pci_->rid() : 0; }

  // Registers: 4-byte ones with 32-bit accesses, 8-byte ones with 64-bit accesses (§6.1).
  uint64_t read(s::Mmio r) const { return r.bytes == 8 ? mmio_.read64(r.offset) : mmio_.read32(r.offset); }
  void write(s::Mmio r, uint64_t v) const {
    if (r.bytes == 8) mmio_.write64(r.offset, v);
    else mmio_.write32(r.offset, static_cast<uint32_t>(v));
  }
  template <class R>
  R reg(s::Mmio r) const {
    R v{};
    if constexpr (sizeof(R) == 8) v.set_raw(read(r));
    else v.value = static_cast<uint32_t>(read(r));
    return v;
  }
  s::Capabilities caps() const { return caps_; }
  // Extended-format (64-byte) device contexts: "If capabilities.MSI_FLAT is 1 then the IOMMU uses
  // extended-format device context" (§2.3).
  bool extended_dc() const { return caps_.msi_flat(); }
  // What the last failing protocol step waited for (or found wrong), "" when none failed.
  const char* last_error() const { return error_; }

  // ---- ddtp (§5.5) ----
  // Writes ddtp (mode, PPN) once busy reads 0, then waits for busy to read 0 again. False (last_error) when
  // busy stays set or the mode read back is not the one written.
  [[nodiscard]] bool set_ddtp(s::IommuMode mode, uint64_t root_pa);
  s::Ddtp ddtp() const { return reg<s::Ddtp>(s::reg::kDdtp); }
  // Off (keeping the PPN, as §5.5 asks), a fresh zeroed DDT of `levels` levels, then the nLVL mode, and the
  // invalidation of every cached DDT/PDT entry and translation.
  [[nodiscard]] bool use_ddt(unsigned levels);
  unsigned ddt_levels() const { return levels_; }
  uint64_t ddt_root() const { return ddt_root_; }
  // The mode init() programs and recover() restores.
  s::IommuMode ddt_mode() const { return static_cast<s::IommuMode>(levels_ + 1); }

  // ---- DDT (§2.1) ----
  // The device context of `device_id` in memory: non-leaf entries created on the way when `create` (zeroed
  // pages); nullptr when the id is wider than the DDT or a page could not be had.
  volatile uint64_t* dc_slot(uint32_t device_id, bool create = true);
  // The non-leaf entry of `device_id` at DDT level `level` (levels-1 = the root's), nullptr when absent.
  volatile uint64_t* ddte_slot(uint32_t device_id, unsigned level);
  s::DeviceContext dc(uint32_t device_id);
  // Doublewords 1..7 first, then tc (V) last, each one 64-bit store (§2.9), then a write barrier.
  [[nodiscard]] bool write_dc_raw(uint32_t device_id, const s::DeviceContext& dc);
  // One doubleword of a DC in one 64-bit store (a live change made doubleword by doubleword; no command).
  [[nodiscard]] bool write_dc_word(uint32_t device_id, unsigned i, uint64_t v);
  // write_dc_raw + the §6.3.1 invalidations of the old and the new context + IOFENCE.C.
  [[nodiscard]] bool set_dc(uint32_t device_id, const s::DeviceContext& dc);
  // The DC back to all zeros (V=0) with the same invalidations.
  [[nodiscard]] bool clear_dc(uint32_t device_id) { return set_dc(device_id, s::DeviceContext{}); }

  // ---- command queue (§3.1) ----
  uint64_t cq_pa() const { return cq_; }
  unsigned cq_entries() const { return 1u << kCqLog2; }
  uint32_t cq_tail() const { return tail_; }
  uint32_t cqh() const { return static_cast<uint32_t>(read(s::reg::kCqh)); }
  s::Cqcsr cqcsr() const { return reg<s::Cqcsr>(s::reg::kCqcsr); }
  volatile uint64_t* cq_slot(uint32_t index) const { return reinterpret_cast<volatile uint64_t*>(cq_ + (index % cq_entries()) * 16ull); }
  // Writes c at the tail, then moves cqt (no waiting). False when the queue is full (cqh one past the tail).
  [[nodiscard]] bool queue(const s::Command& c);
  // Writes c at the tail without moving cqt (a test moves it with publish()).
  void put(const s::Command& c);
  void publish();
  // IOFENCE.C with AV=1 writing a fresh DATA word to memory: true when the store lands within `timeout_ms`.
  // False (last_error) on timeout or when cqcsr reports an error (cmd_ill, cqmf, cmd_to) meanwhile.
  [[nodiscard]] bool fence(uint32_t timeout_ms = kWaitMs);
  uint64_t fence_word_pa() const { return fence_word_; }
  // The commands, each followed by fence() (the IOFENCE.C that makes them complete, §3.1.2).
  [[nodiscard]] bool iotinval_vma(const Inval& i);
  [[nodiscard]] bool iotinval_gvma(const Inval& i);
  [[nodiscard]] bool iodir_inval_ddt(bool dv, uint32_t device_id = 0);
  [[nodiscard]] bool iodir_inval_pdt(uint32_t device_id, uint32_t process_id);
  [[nodiscard]] bool invalidate_everything();  // IODIR.INVAL_DDT DV=0, IOTINVAL.GVMA GV=0, IOTINVAL.VMA all
  static s::IotinvalCommand vma_command(const Inval& i);
  static s::IotinvalCommand gvma_command(const Inval& i);
  // cqen 0 (wait cqon 0), cqb and cqt again, cqen 1 (wait cqon 1): a command queue a test stopped or broke.
  [[nodiscard]] bool reset_cq();
  // Writes 1 to cqcsr's error bits (cmd_ill, cqmf, cmd_to, fence_w_ip) that are set.
  void clear_cq_errors();

  // ---- fault queue (§3.2) ----
  uint64_t fq_pa() const { return fq_; }
  unsigned fq_entries() const { return 1u << fq_log2_; }
  uint32_t fqh() const { return static_cast<uint32_t>(read(s::reg::kFqh)); }
  uint32_t fqt() const { return static_cast<uint32_t>(read(s::reg::kFqt)); }
  s::Fqcsr fqcsr() const { return reg<s::Fqcsr>(s::reg::kFqcsr); }
  s::FaultRecord fq_record(uint32_t index) const;
  size_t pending_faults() const;
  // The record at fqh, then fqh + 1. False when the queue is empty.
  bool pop_fault(s::FaultRecord& r);
  // Waits (bounded) for a record and pops it.
  [[nodiscard]] bool wait_fault(s::FaultRecord& r, uint32_t timeout_ms = 200);
  // Pops every record, then clears fqof and fqmf (RW1C) so that the next fault is recorded again.
  void drain_faults();
  // fqen 0 (wait fqon 0), a zeroed queue of 2^log2 records, fqh 0, fqen 1 (wait fqon 1): clears fqof/fqmf.
  [[nodiscard]] bool reset_fq(unsigned log2 = kFqLog2);
  [[nodiscard]] bool disable_fq();

  // ---- interrupts (§5.13 ipsr, §5.18 icvec, §5.19 msi_cfg_tbl) ----
  // MSIs only (capabilities.IGS = MSI, fctl.WSI = 0): icvec maps each cause to a vector, whose msi_cfg_tbl entry
  // is the message. On the PCI function the MSI-X table is msi_cfg_tbl (§7.1), so MSI-X is turned on as well.
  // msi_cfg_tbl entry `vector` = (address, data), masked while it changes, then unmasked, MSI-X on. False
  // (last_error) without MSI-X or with `vector` beyond msi_cfg_tbl.
  [[nodiscard]] bool set_msi(unsigned vector, uint64_t address, uint32_t data);
  void mask_msi(unsigned vector, bool masked) const;
  s::MsiVecCtl msi_vec_ctl(unsigned vector) const { return reg<s::MsiVecCtl>(s::reg::msi_vec_ctl(vector)); }
  s::Icvec icvec() const { return reg<s::Icvec>(s::reg::kIcvec); }
  void set_icvec(const s::Icvec& v) const { write(s::reg::kIcvec, v.raw()); }
  s::Ipsr ipsr() const { return reg<s::Ipsr>(s::reg::kIpsr); }
  void write_ipsr(const s::Ipsr& v) const { write(s::reg::kIpsr, v.value); }  // RW1C: 1s clear
  // cqcsr.cie / fqcsr.fie, the queues left running and their error bits untouched (0 written to RW1C bits).
  void set_cq_interrupt(bool cie) const;
  void set_fq_interrupt(bool fie) const;
  // cie = fie = 0, every msi_cfg_tbl entry masked, MSI-X off, icvec 0, every ipsr bit cleared.
  void disable_interrupts() const;

  // The state init() left, whatever a case abandoned mid-way did: the driver's DDT mode with every DC
  // invalid, both queues empty and running, every cache invalidated. False when a step did not complete.
  [[nodiscard]] bool recover();

 private:
  bool init();
  bool probe();
  bool enable_cq();
  bool wait_csr(s::Mmio r, uint32_t mask, uint32_t want, const char* what);
  uint64_t alloc_ddt_page();
  void free_ddt();
  bool fail(const char* what);

  kernel::PciFunction* pci_ = nullptr;
  kernel::Mmio mmio_;
  s::Capabilities caps_{};
  unsigned levels_ = 0;
  uint64_t ddt_root_ = 0;
  uint64_t ddt_pages_[kMaxDdtPages] = {};
  size_t ddt_count_ = 0;
  uint64_t cq_ = 0, fq_ = 0, fence_word_ = 0;
  unsigned fq_log2_ = kFqLog2;
  uint32_t tail_ = 0;
  uint32_t token_ = 0;
  char error_[160] = {};
};

// The device_id of a requester: on this IOMMU the PCI RequesterID (QEMU: bus << 8 | devfn, segment 0).
inline uint32_t device_id_of(uint16_t rid) { return rid; }

}  // namespace drivers::riscv_iommu
