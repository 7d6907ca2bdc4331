// Interrupt remapping for the Intel VT-d guest driver (VT-d chapter 5; IRTA_REG §11.4.12, GCMD SIRTP/IRE/CFI
// §11.4.4, the interrupt entry cache invalidation descriptor §6.5.2.7): a table of 16-byte IRTEs
// (spec/intel_vtd/irte.h) the unit reads for every remappable-format interrupt request, the steps that hand it to
// the unit and turn remapping on and off, and the IEC invalidation that makes a changed IRTE visible.
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "spec/intel_vtd/irte.h"

namespace drivers::intel_vtd {

// 2^(S+1) IRTEs (IRTA.S = size_field), in 4 KiB-aligned DMA memory (IRTA holds bits 63:12), all P=0.
class InterruptRemapTable {
 public:
  explicit InterruptRemapTable(unsigned size_field);
  ~InterruptRemapTable();
  InterruptRemapTable(const InterruptRemapTable&) = delete;
  InterruptRemapTable& operator=(const InterruptRemapTable&) = delete;

  bool ok() const { return pa_ != 0; }
  uint64_t pa() const { return pa_; }
  unsigned size_field() const { return size_; }
  uint32_t entries() const { return uint32_t{2} << size_; }
  // The IRTA_REG value naming this table (EIME as given: x2APIC destinations, only with ECAP.EIM).
  spec::intel_vtd::Irta irta(bool eime = false) const;

  // Entry `index` replaced: the high word first, the low word (with P) last, so the unit never sees P=1 with a
  // stale high half; then a write barrier. No invalidation (invalidate_iec does that).
  void set(uint32_t index, const spec::intel_vtd::Irte& e);
  spec::intel_vtd::Irte get(uint32_t index) const;

 private:
  uint64_t pa_ = 0;
  uint64_t bytes_ = 0;
  unsigned size_ = 0;
};

// The table handed to the unit (IRTA, SIRTP -> IRTPS), the interrupt entry cache invalidated globally (the SIRTP
// text: "After a 'Set Interrupt Remap Table Pointer' operation, software must globally invalidate the interrupt
// entry cache"), then IRE -> IRES. Queued invalidation is turned on first when it is off (the IEC is invalidated
// only through the queue). False (last_error() says which step) when a step did not complete.
[[nodiscard]] bool enable_interrupt_remapping(IntelVtd& v, const InterruptRemapTable& table);
// IRE -> 0 (IRES clear), CFI left as it was.
[[nodiscard]] bool disable_interrupt_remapping(IntelVtd& v);
// GCMD.CFI (compatibility-format interrupts passed through while remapping is on), waiting for GSTS.CFIS.
[[nodiscard]] bool set_compatibility_format(IntelVtd& v, bool pass);

// An interrupt entry cache invalidation descriptor (global, or index-selective for 2^im entries from `index`)
// queued, then an invalidation wait. False when the wait did not complete.
[[nodiscard]] bool invalidate_iec(IntelVtd& v, bool index_selective, uint16_t index = 0, unsigned im = 0);

// The IRTE delivering `vector` (fixed delivery, edge, physical destination mode) to the xAPIC `apic_id`.
spec::intel_vtd::Irte fixed_irte(uint8_t vector, uint8_t apic_id);

}  // namespace drivers::intel_vtd
