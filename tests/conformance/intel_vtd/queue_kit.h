// Invalidation-queue helpers the intel-vtd.qi.* and intel-vtd.scalable.pasid_cache.* / .piotlb.* cases share:
// reading IQH, building a status wait, submitting a descriptor the unit may reject (and judging where the head
// stopped), putting the queue back after an IQE. Width-aware: the driver's queue holds 128-bit or 256-bit
// descriptors (IQA.DW).
#pragma once

#include <cstdint>

#include "drivers/iommu/intel_vtd/intel_vtd.h"
#include "kernel/test.h"
#include "spec/intel_vtd/descriptors.h"
#include "spec/intel_vtd/registers.h"

namespace intel_vtd_tests {

// The unit with queued invalidation on, with descriptors of `width` (256-bit: skipped without ECAP.SMTS), and off
// again, 128-bit, when the case ends (the driver's state between cases). False (bool) after a skip or a failure.
class QueueOn {
 public:
  explicit QueueOn(kernel::Test& t,
                   spec::intel_vtd::DescriptorWidth width = spec::intel_vtd::DescriptorWidth::k128);
  ~QueueOn();
  QueueOn(const QueueOn&) = delete;
  QueueOn& operator=(const QueueOn&) = delete;
  drivers::intel_vtd::IntelVtd* operator->() const { return v_; }
  explicit operator bool() const { return v_ != nullptr; }
  drivers::intel_vtd::IntelVtd* get() const { return v_; }

 private:
  kernel::Test& t_;
  drivers::intel_vtd::IntelVtd* v_ = nullptr;
};

// IQH as a byte offset into the queue.
uint32_t queue_head(const drivers::intel_vtd::IntelVtd* v);
// The slot at byte offset `off` of the driver's queue.
volatile uint64_t* queue_slot(const drivers::intel_vtd::IntelVtd* v, uint32_t off);
// An invalidation wait writing `token` to `pa` (SW=1).
spec::intel_vtd::InvWait status_wait(uint64_t pa, uint32_t token);
// After an IQE at byte offset `bad`: the slot becomes a status wait (the rest of a 256-bit slot zero), IQE is
// cleared and the tail written again (the unit may need that to fetch again); then the driver's own sync, or a
// queue reset. False (noted) when the queue stays stuck.
bool recover_at(kernel::Test& t, drivers::intel_vtd::IntelVtd* v, uint32_t bad);
// A descriptor the unit may reject: queued alone (in a 128-bit queue its low half), then a status wait. Returns
// whether FSTS.IQE came up; the head must then stop at the descriptor (reg.IQH.stopped) and the queue is
// recovered. Without IQE the wait must complete (qi.sync). *iqei: IQERCD.IQEI.
bool rejected(kernel::Test& t, drivers::intel_vtd::IntelVtd* v, const spec::intel_vtd::Descriptor256& d,
              unsigned* iqei);
bool rejected(kernel::Test& t, drivers::intel_vtd::IntelVtd* v, uint64_t lo, uint64_t hi, unsigned* iqei);

}  // namespace intel_vtd_tests
