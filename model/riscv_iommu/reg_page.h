// The RISC-V IOMMU with a memory-resident register file: the hardware-assisted vIOMMU of the T-Head design
// (issue 13; shared/seeds/004: "The design uses a memory-resident region to store the register state of the
// virtual IOMMU. The data at a given offset within the region represents the value of the register of the
// virtual IOMMU at that offset within the hardware MMIO range. This page is mapped to the guest in the G-stage
// mappings, therefore, the guest's IOMMU driver can directly access the page.").
//
// The guest's loads and stores to its register page are plain memory accesses: a store lands in the page as
// written, a load returns what the page holds. The IOMMU (an Iommu inside, the same register semantics as the
// emulated device) keeps the page as its register file:
// - a step loads the page and takes every 4-byte word the guest stored to (or, unobserved, that differs from
//   what the IOMMU last wrote there) as the guest's register write, in page order, the high half of an 8-byte
//   register before its low half, as the spec lets an 8-byte write appear;
// - then it writes its own view back: indices it advances (cqh, fqt), status bits (cqon, fqon, busy, the error
//   bits, ipsr), the legal value of WARL fields and the value of read-only ones (capabilities), one 8-byte store
//   per changed doubleword;
// - translate() steps before the walk (the walk uses ddtp, fctl as the page holds them) and writes back after
//   (fqt, fqcsr, ipsr of a recorded fault).
//
// How the IOMMU learns that the guest stored (Observe): a memory page has no write side effects, so register
// semantics that depend on the store itself need the store to be seen:
// - RW1C bits (cqcsr/fqcsr error bits, ipsr): the guest clears a set bit by storing 1 where the page holds 1;
//   only a seen store (or one that changes some other bit of the word) says that it happened.
// - Read-only and WARL fields: the guest's value is in the page until the next step writes the IOMMU's back; a
//   load in between returns the guest's own value.
// - Handshakes on read-only status bits (ddtp.busy, cqcsr.cqon/busy, fqcsr.fqon/busy): the guest's store of the
//   register writes those bits itself (as 0), so a poll for "off" or "not busy" succeeds before the IOMMU saw the
//   store, and a second store to the register before the step replaces the first (cqen 1 -> 0 -> 1 is seen as no
//   change: the error bits and cqh stay).
// - Doorbells (cqt, fqh, the csr enables, ddtp, tr_req_ctl.Go): acted on at the step that finds them.
// The design this models therefore has a write monitor on the page reporting each store's offset and size (the
// value stays in memory, where the IOMMU reads it) and acts on it before the guest's next access (kStores): then
// the unchanged driver and every case behave as with the emulated register file. kStoresDeferred and kValues show
// what depends on it (hosted model-riscv-iommu-regpage with model-observe=deferred|values: 10 of the 139
// riscv-iommu cases fail when run alone, README "model-riscv-iommu-regpage").
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/guest_memory.h"
#include "model/riscv_iommu/iommu.h"

namespace model::riscv_iommu {

enum class Observe : uint8_t {
  kStores,         // a write monitor on the page reports each store's offset and size; a step follows at once
  kStoresDeferred, // ... the offsets are kept until the next step (translate() or the owner's clock)
  kValues,         // no monitor: a step finds changes by comparing the page with what the IOMMU last wrote
};
const char* to_string(Observe o);

class RegPageIommu {
 public:
  // `mem`: the memory the IOMMU's structures are in (DDT, queues, page tables); `page_mem`: the memory the
  // register page is in (may be the same).
  RegPageIommu(GuestMemory& mem, GuestMemory& page_mem, const Config& config = {}, Observe observe = Observe::kStores)
      : page_mem_(page_mem), iommu_(mem, config), observe_(observe) {}

  // The register page at `page` (4 KiB aligned) of page_mem, its registers initialised with the IOMMU's
  // current values (the reset values after construction). False when the page is not in page_mem.
  [[nodiscard]] bool attach(uint64_t page);
  // The page moved (its contents with it, e.g. the BAR was reprogrammed and the mapping followed): same state.
  void moved(uint64_t page) { page_ = page; }
  bool attached() const { return attached_; }
  uint64_t page() const { return page_; }
  Observe observe() const { return observe_; }

  // The write monitor: the guest stored `size` bytes at `offset` of the page (the value is read from the page).
  void stored(uint32_t offset, unsigned size);
  // Load the guest's register writes from the page, act on them, write the IOMMU's registers back.
  void step();
  // A DMA access (step, Iommu::translate, write-back).
  Result translate(const Request& req);
  Result lookup(const Request& req) const { return iommu_.lookup(req); }

  const Iommu& iommu() const { return iommu_; }
  unsigned steps() const { return steps_; }

 private:
  static constexpr unsigned kWords = s::kRegisterPageBytes / 4;
  bool load(uint32_t* image) const;
  void write_back();
  bool dirty(unsigned w) const { return dirty_[w / 32] & (1u << (w % 32)); }

  GuestMemory& page_mem_;
  Iommu iommu_;
  Observe observe_;
  bool attached_ = false;
  uint64_t page_ = 0;
  uint32_t shadow_[kWords] = {};  // the page as the IOMMU last left it (or the guest's word it acted on)
  uint32_t image_[kWords] = {};   // the page as a step loaded it
  uint32_t dirty_[kWords / 32] = {};
  unsigned steps_ = 0;
};

}  // namespace model::riscv_iommu
