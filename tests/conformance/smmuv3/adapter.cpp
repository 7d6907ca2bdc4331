#include "tests/conformance/smmuv3/adapter.h"

#include "drivers/endpoints/driver_dma.h"
#include "kernel/arch.h"

namespace smmuv3_tests {

namespace {
constexpr uint64_t kPage = 0x1000;
}

KitAdapter::KitAdapter(kernel::Test& t, bool nested) : e_(t), nested_(nested) {
  if (!e_.ready()) return;
  if (nested && !e_.smmu->idr0().s2p()) {
    t.skip("SMMU_IDR0.S2P = 0: no stage 2 to nest under (IDR0 = 0x%08x)", e_.smmu->read32(RegOffset::kIdr0));
    return;
  }
  DmaEndpoint* edu = drivers::find_endpoint("edu");
  if (!edu) {
    t.skip("no edu endpoint");
    return;
  }
  ep_[0] = e_.blk;
  ep_[1] = edu;
  ready_ = true;
}

kit::Domain* KitAdapter::domain(unsigned i) {
  if (i >= 2) return nullptr;
  Dom& d = dom_[i];
  if (!d.ready_) {
    DomainConfig c;
    c.asid = static_cast<uint16_t>(1 + i);
    c.stage2 = nested_;
    if (!e_.init_domain(d.d_, c)) return nullptr;
    d.e_ = &e_;
    d.ready_ = true;
  }
  return &d;
}

uint64_t KitAdapter::page(unsigned i) {
  // Eight contiguous pages of one 64 KiB buffer, so that page(i + 1) follows page(i) physically.
  if (!pages_) pages_ = e_.page64k();
  return pages_ && i < 8 ? pages_ + i * kPage : 0;
}

kit::Prediction KitAdapter::predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) {
  const model::smmuv3::Outcome o = e_.predict(e_.sid(ep), iova, d == kit::Direction::kDeviceWrites);
  kit::Prediction p;
  p.pa = o.pa;
  p.kind = o.ok()                                                      ? kit::Prediction::Kind::kTranslated
           : o.status == model::smmuv3::Status::kFault && o.record ? kit::Prediction::Kind::kFault
                                                                   : kit::Prediction::Kind::kAbort;
  return p;
}

void KitAdapter::expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) {
  const model::smmuv3::Outcome o = e_.predict(e_.sid(ep), iova, d == kit::Direction::kDeviceWrites);
  expect_records(e_, e_.sid(ep), o, o.status == model::smmuv3::Status::kFault ? fault_clause(o.type()) : kTranslate, len);
}

const kit::ProbeClauses& KitAdapter::clauses() const {
  static const kit::ProbeClauses c{kTranslate, kInvalidDesc};
  return c;
}

bool KitAdapter::prepare_move(drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  return e_.prepare(static_cast<Dom&>(to).d_, ep);
}

bool KitAdapter::move_step(unsigned i, drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  const uint32_t sid = e_.sid(ep);
  if (i == 1) return e_.synced(e_.smmu->cfgi_ste(sid), "CMD_CFGI_STE after the STE store");
  // Every field the two domains' STEs differ in must lie in word 0, or one store cannot make the change.
  const spec::smmuv3::Ste next = static_cast<Dom&>(to).d_.make_ste();
  volatile uint64_t* w = e_.smmu->ste(sid)->words.data();
  for (unsigned k = 1; k < next.words.size(); ++k)
    if (w[k] != next.words[k]) {
      e_.t.error("the move is not one store: STE word %u differs (0x%llx, 0x%llx)", k,
                 static_cast<unsigned long long>(w[k]), static_cast<unsigned long long>(next.words[k]));
      return false;
    }
  w[0] = next.words[0];
  arch::dma_wmb();
  return true;
}

const char* KitAdapter::move_step_name(unsigned i) const {
  return i == 0 ? "STE word 0 stored (S1ContextPtr)" : "CMD_CFGI_STE + CMD_SYNC";
}

const kit::MoveClauses& KitAdapter::move_clauses() const {
  static const kit::MoveClauses c{kStePending, kHitless, kHitless};
  return c;
}

bool KitAdapter::Dom::attach(drivers::DmaEndpoint* ep) { return e_->attach(d_, ep); }

bool KitAdapter::Dom::map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) {
  if (p == kit::Perm::kWrite) return false;  // VMSAv8-64 stage 1 has no write-only permission
  spec::vmsa::Descriptor leaf = drivers::smmuv3::Domain::rw_leaf();
  if (p == kit::Perm::kRead) leaf.set_ap(spec::vmsa::kApRoAll);
  return d_.map(iova, pa, len, leaf);
}

bool KitAdapter::Dom::unmap(uint64_t iova, uint64_t len) {
  bool ok = true;
  for (uint64_t off = 0; off < len; off += kPage) ok &= d_.unmap(iova + off);
  return ok;
}

bool KitAdapter::Dom::invalidate(uint64_t iova, uint64_t len) {
  bool ok = true;
  for (uint64_t off = 0; ok && off < len; off += kPage) ok = d_.tlbi_va(iova + off);
  ops_ += 2 * ((len + kPage - 1) / kPage);
  return e_->synced(ok, "CMD_TLBI_NH_VA + CMD_SYNC");
}

bool KitAdapter::Dom::command(const spec::smmuv3::Command& c) {
  ++ops_;
  return e_->smmu->submit(c);
}

bool KitAdapter::Dom::invalidate_batch(uint64_t iova, uint64_t len, kit::Inval how) {
  const DomainConfig& c = d_.config();
  uint64_t pages = (len + kPage - 1) / kPage;
  bool ok = true;
  if (how == kit::Inval::kRange && e_->smmu->idr3().ril()) {
    // §4.4.1: with TG = 4 KiB a command covers (NUM + 1) * 2^SCALE pages from its address.
    for (uint64_t va = iova; ok && pages;) {
      const unsigned tz = static_cast<unsigned>(__builtin_ctzll(pages));
      const unsigned scale = tz > 31 ? 31 : tz;
      const uint64_t units = pages >> scale;
      const uint64_t num = units > 32 ? 32 : units;
      spec::smmuv3::CmdTlbiNhVa t;
      t.set_vmid(c.vmid).set_asid(c.asid).set_leaf(1).set_tg(0b01).set_num(num - 1).set_scale(scale).set_addr(va);
      ok = command(t);
      va += (num << scale) * kPage;
      pages -= num << scale;
    }
  } else {
    for (uint64_t off = 0; ok && off < len; off += kPage) {
      spec::smmuv3::CmdTlbiNhVa t;
      t.set_vmid(c.vmid).set_asid(c.asid).set_leaf(1).set_addr(iova + off);
      ok = command(t);
    }
  }
  ++ops_;
  return e_->synced(ok && e_->smmu->sync(), "CMD_TLBI_NH_VA batch + CMD_SYNC");
}

bool KitAdapter::Dom::invalidate_all() {
  ops_ += 2;
  return e_->synced(d_.tlbi_asid(), "CMD_TLBI_NH_ASID + CMD_SYNC");
}

}  // namespace smmuv3_tests
