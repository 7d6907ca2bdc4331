// One message-signalled interrupt a device can send to this CPU: the (address, data) to program into the device
// (kernel::PciFunction::msi_enable / msix_enable, an IOMMU's own MSI registers) and a count of its arrivals to
// wait on with a bound. The number comes from the top of the architecture's MSI range (x86_64: LAPIC vectors below
// 0xff; riscv64: identities of the boot hart's supervisor-level IMSIC interrupt file), clear of the fixed low
// numbers some cases attach themselves.
//
//   kernel::Msi msi;
//   if (!msi.allocate()) return t.skip("%s", kernel::Msi::kUnavailable);
//   if (!fn->msi_enable(msi.address(), msi.data())) ...
//   ... make the device signal ...
//   t.check("irq.msi", kClause, msi.wait(kMs), "no MSI (data 0x%x) within %u ms", msi.data(), kMs);
//
// The count lives in kernel storage, not in the object, so an Msi on the stack of a case the runner abandons
// (its destructor never runs) leaves no handler writing into a dead frame: with Scope::kCase (the default) the
// runner's cleanup after such a case releases it. An owner that outlives cases (a driver) asks for kKernel.
#pragma once

#include <cstdint>

#include "kernel/arch.h"

namespace kernel {

class Msi {
 public:
  static constexpr const char* kUnavailable =
      "no MSI target on this machine (aarch64: no GIC MSI frame driven; riscv64: no IMSIC in the DT)";
  enum class Scope : uint8_t { kCase, kKernel };

  Msi() = default;
  ~Msi() { release(); }
  Msi(const Msi&) = delete;
  Msi& operator=(const Msi&) = delete;

  // Takes a free interrupt number and counts its arrivals; `fn`, when given, also runs on each arrival (interrupt
  // context, after the count; `ctx` must live as long as the allocation). False where no MSI target is driven or
  // every number (or kernel slot) is taken.
  [[nodiscard]] bool allocate(Scope scope = Scope::kCase, arch::IrqHandler fn = nullptr, void* ctx = nullptr);
  void release();  // detaches; the device must no longer send the message

  bool allocated() const;
  uint32_t irq() const { return allocated() ? irq_ : 0; }
  uint64_t address() const { return address_; }
  uint32_t data() const { return data_; }
  unsigned count() const;  // arrivals since allocate()
  // Waits at most timeout_ms for an arrival that no earlier wait() consumed; true (and consumes it) or false.
  [[nodiscard]] bool wait(uint32_t timeout_ms);
  unsigned unconsumed() const { return count() - consumed_; }

 private:
  unsigned slot_ = 0;        // index + 1 into the kernel's table; 0: none
  uint32_t generation_ = 0;  // the slot's generation when taken: a slot freed by the abort cleanup is not ours
  uint32_t irq_ = 0;
  uint64_t address_ = 0;
  uint32_t data_ = 0;
  unsigned consumed_ = 0;
};

}  // namespace kernel
