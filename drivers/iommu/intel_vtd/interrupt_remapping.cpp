#include "drivers/iommu/intel_vtd/interrupt_remapping.h"

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace drivers::intel_vtd {

namespace {
constexpr uint64_t kPage = 4096;
}

InterruptRemapTable::InterruptRemapTable(unsigned size_field) : size_(size_field) {
  // At least one page: IRTA names a 4 KiB-aligned base and DmaMemory blocks are naturally aligned and zeroed.
  const uint64_t need = uint64_t{entries()} * s::Irte::kBytes;
  bytes_ = need < kPage ? kPage : need;
  pa_ = kernel::DmaMemory::alloc(bytes_);
}

InterruptRemapTable::~InterruptRemapTable() {
  if (pa_) kernel::DmaMemory::free(pa_, bytes_);
}

s::Irta InterruptRemapTable::irta(bool eime) const {
  s::Irta r;
  r.set_base(pa_).set_s(size_).set_eime(eime);
  return r;
}

void InterruptRemapTable::set(uint32_t index, const s::Irte& e) {
  volatile uint64_t* slot = reinterpret_cast<volatile uint64_t*>(pa_ + uint64_t{index} * s::Irte::kBytes);
  slot[1] = e.words[1];
  arch::dma_wmb();
  slot[0] = e.words[0];
  arch::dma_wmb();  // visible before the invalidation (or the interrupt) that follows
}

s::Irte InterruptRemapTable::get(uint32_t index) const {
  const volatile uint64_t* slot = reinterpret_cast<const volatile uint64_t*>(pa_ + uint64_t{index} * s::Irte::kBytes);
  s::Irte e;
  e.words[0] = slot[0];
  e.words[1] = slot[1];
  return e;
}

bool enable_interrupt_remapping(IntelVtd& v, const InterruptRemapTable& table) {
  if (!v.queued_invalidation_enabled() && !v.set_queued_invalidation(true)) return false;
  if (!v.set_interrupt_remap_table(table.irta().raw())) return false;
  if (!invalidate_iec(v, false)) return false;
  return v.set_interrupt_remapping(true);
}

bool disable_interrupt_remapping(IntelVtd& v) { return v.set_interrupt_remapping(false); }

bool set_compatibility_format(IntelVtd& v, bool pass) {
  return v.global_command(pass ? s::Gcmd::cfi_mask : 0, pass ? 0 : s::Gcmd::cfi_mask, s::Gsts::cfis_mask,
                          pass ? s::Gsts::cfis_mask : 0, pass ? "CFI=1 (compatibility format pass-through)" : "CFI=0");
}

bool invalidate_iec(IntelVtd& v, bool index_selective, uint16_t index, unsigned im) {
  s::IecInv d;
  d.set_g(index_selective).set_iidx(index).set_im(im);
  v.queue(d);
  return v.queue_sync();
}

s::Irte fixed_irte(uint8_t vector, uint8_t apic_id) {
  s::Irte e;
  e.set_p(1)
      .set_dm(0)
      .set_tm(0)
      .set_dlm(static_cast<uint64_t>(s::DeliveryMode::kFixed))
      .set_vector(vector)
      .set_dst(s::Irte::xapic_dst(apic_id));
  return e;
}

}  // namespace drivers::intel_vtd
