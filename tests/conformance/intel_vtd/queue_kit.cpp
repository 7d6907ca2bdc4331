#include "tests/conformance/intel_vtd/queue_kit.h"

#include "kernel/dma_memory.h"
#include "spec/intel_vtd/fault.h"
#include "spec/intel_vtd/registers.h"
#include "tests/conformance/intel_vtd/clauses.h"

namespace intel_vtd_tests {

namespace {
namespace s = spec::intel_vtd;
namespace reg = spec::intel_vtd::reg;
using drivers::intel_vtd::IntelVtd;
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

QueueOn::QueueOn(kernel::Test& t, s::DescriptorWidth width) : t_(t) {
  v_ = IntelVtd::get();
  if (!v_) {
    t.skip("no VT-d unit (no DMAR, or the driver's init failed)");
    return;
  }
  if (!v_->ecap().qi()) {
    t.skip("ECAP.QI=0: no queued invalidation");
    v_ = nullptr;
    return;
  }
  if (width == s::DescriptorWidth::k256 && !v_->ecap().smts()) {
    t.skip("ECAP 0x%llx: SMTS=0, no 256-bit descriptors (IQA.DW)", ull(v_->ecap().raw()));
    v_ = nullptr;
    return;
  }
  if (!v_->set_queue_width(width)) {
    t.error("descriptor width not accepted: %s", v_->last_error());
    v_ = nullptr;
    return;
  }
  if (!t.check("reg.GSTS.QIES", kQiesStatus, v_->set_queued_invalidation(true), "queued invalidation not enabled: %s",
               v_->last_error()))
    v_ = nullptr;
}

QueueOn::~QueueOn() {
  if (!v_) return;
  if (!v_->set_queued_invalidation(false)) t_.note("queued invalidation not turned off: %s", v_->last_error());
  (void)v_->set_queue_width(s::DescriptorWidth::k128);
}

uint32_t queue_head(const IntelVtd* v) {
  return static_cast<uint32_t>(spec::reg_from<s::Iqh>(v->read(reg::kIqh)).byte_offset());
}

volatile uint64_t* queue_slot(const IntelVtd* v, uint32_t off) {
  return kernel::DmaMemory::ptr<volatile uint64_t>(v->queue_base() + off);
}

s::InvWait status_wait(uint64_t pa, uint32_t token) {
  s::InvWait w;
  w.set_sw(1).set_status_data(token).set_status_addr(pa);
  return w;
}

bool recover_at(kernel::Test& t, IntelVtd* v, uint32_t bad) {
  const s::InvWait fix = status_wait(v->wait_status_pa(), 0);
  volatile uint64_t* q = queue_slot(v, bad);
  for (unsigned i = 0; i < v->descriptor_bytes() / 8; ++i) q[i] = i < 2 ? fix.words[i] : 0;
  v->write(reg::kFsts, s::Fsts{}.set_iqe(1).value);
  v->write(reg::kIqt, s::Iqt{}.set_byte_offset(v->queue_tail()).raw());
  if (v->queue_sync() || v->reset_queue()) return true;
  t.note("queue not recovered: %s", v->last_error());
  return false;
}

bool rejected(kernel::Test& t, IntelVtd* v, const s::Descriptor256& d, unsigned* iqei) {
  v->clear_faults();
  const uint32_t at = v->queue_tail();
  t.note("submitting descriptor 0x%llx 0x%llx 0x%llx 0x%llx at 0x%x (%u-bit queue)", ull(d.words[0]), ull(d.words[1]),
         ull(d.words[2]), ull(d.words[3]), at, v->descriptor_bytes() * 8);
  v->queue_raw256(d);
  const bool synced = v->queue_sync();
  const bool iqe = v->fsts().iqe();
  *iqei = static_cast<unsigned>(spec::reg_from<s::Iqercd>(v->read(reg::kIqercd)).iqei());
  if (!iqe) {
    t.check("qi.sync", kQueueComplete, synced, "the queue does not complete: %s", v->last_error());
    return false;
  }
  t.expect_eq("reg.IQH.stopped", kIqhAdvances, at, queue_head(v));
  (void)recover_at(t, v, at);
  return true;
}

bool rejected(kernel::Test& t, IntelVtd* v, uint64_t lo, uint64_t hi, unsigned* iqei) {
  s::Descriptor256 d;
  d.words[0] = lo;
  d.words[1] = hi;
  return rejected(t, v, d, iqei);
}

}  // namespace intel_vtd_tests
