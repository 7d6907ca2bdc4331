#include "tests/conformance/virtio_iommu/adapter.h"

namespace virtio_iommu_tests {

namespace {

constexpr uint64_t kKitPage = 4096;
constexpr unsigned kPages = 8;
// The staging area's IOVA in every domain: 1 MiB above the test range (test_iova(), 16 pages).
constexpr uint64_t kStagingIova = kIova + 0x10'0000;
const char* const kEndpointNames[2] = {"virtio-blk", "edu"};

uint32_t flags_of(kit::Perm p) {
  switch (p) {
    case kit::Perm::kRead: return kR;
    case kit::Perm::kWrite: return kW;
    case kit::Perm::kReadWrite: return kRW;
  }
  return 0;
}

}  // namespace

KitAdapter::KitAdapter(kernel::Test& t) : s_(t) {
  if (!s_.begin()) return;
  if (s_.granule() > kKitPage) {
    t.skip("granule 0x%lx: the kit maps single 4 KiB pages", static_cast<unsigned long>(s_.granule()));
    return;
  }
  if (!s_.alloc({&staging_}, kKitPage) || !s_.alloc({&pages_}, kPages * kKitPage)) return;
  for (unsigned i = 0; i < 2; ++i) {
    dom_[i].io_ = this;
    dom_[i].id_ = i + 1;
  }
  ready_ = true;
}

drivers::DmaEndpoint* KitAdapter::endpoint(unsigned i) {
  if (i >= 2) return nullptr;
  if (!ep_[i]) ep_[i] = s_.need(kEndpointNames[i]);
  return ep_[i].dma;
}

const Ep* KitAdapter::ep_of(drivers::DmaEndpoint* dma) {
  for (const Ep& e : ep_)
    if (e.dma == dma) return &e;
  s_.t().error("kit adapter: endpoint %s was not taken with endpoint()", dma ? dma->name() : "(null)");
  return nullptr;
}

kit::Domain* KitAdapter::domain(unsigned i) { return i < 2 ? &dom_[i] : nullptr; }

kit::Staging KitAdapter::staging() const { return kit::Staging{kStagingIova, staging_.pa(), staging_.len()}; }

uint64_t KitAdapter::page(unsigned i) {
  if (i < kPages) return pages_.pa() + i * kKitPage;
  s_.t().error("kit adapter: page %u of %u", i, kPages);
  return 0;
}

kit::Prediction KitAdapter::predict(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d) {
  const Ep* e = ep_of(ep);
  if (!e) return {};
  const mv::Translation tr = s_.model().translate(e->id, iova, access(d));
  // Every access the model blocks has a fault record (C14); the device's report of it is optional.
  return kit::Prediction{tr.ok ? kit::Prediction::Kind::kTranslated : kit::Prediction::Kind::kFault, tr.pa};
}

void KitAdapter::drain_faults() { s_.dev().drain_faults(); }

void KitAdapter::expect_fault_record(drivers::DmaEndpoint* ep, uint64_t iova, kit::Direction d, size_t len) {
  const Ep* e = ep_of(ep);
  if (!e) return;
  const mv::Translation tr = s_.model().translate_range(e->id, iova, len, access(d));
  if (tr.ok) {
    s_.expect_no_fault(*e, iova, len, "after a translated access");
    return;
  }
  s_.expect_fault(tr.fault, d);
  s_.dev().drain_faults();
}

const kit::ProbeClauses& KitAdapter::clauses() const {
  static const kit::ProbeClauses c{kMapPa, kNoMapping};
  return c;
}

// ---- Dom ----

bool KitAdapter::map_driver_memory(Dom& d, const Ep& e) {
  const unsigned bit = &e == &ep_[0] ? 1u : 2u;
  if (d.driver_mapped_ & bit) return true;
  if (!s_.map_driver_memory(e, d.id_)) return false;
  d.driver_mapped_ |= bit;
  return true;
}

bool KitAdapter::prepare_move(drivers::DmaEndpoint* ep, kit::Domain&, kit::Domain& to) {
  // The domain exists, with its mappings, only once an endpoint is attached to it: endpoint 1 first.
  Dom& d = static_cast<Dom&>(to);
  drivers::DmaEndpoint* other = endpoint(1);
  const Ep* e = ep_of(ep);
  return other && e && (d.exists_ || d.attach(other)) && map_driver_memory(d, *e);
}

const kit::MoveClauses& KitAdapter::move_clauses() const {
  // One request, nothing between two steps (`between` is never asked). Answered OK, the endpoint is in the new
  // domain and only there (MUST); how the device gets there (detach first, §5.13.6.3.2) is a SHOULD the DMA
  // cannot see, and a device that cannot move it answers UNSUPP (permitted, the case is then skipped).
  static const kit::MoveClauses c{kAttachMove, kAttachMoved, kAttachMoved};
  return c;
}

bool KitAdapter::Dom::attach(drivers::DmaEndpoint* dma) {
  const Ep* e = io_->ep_of(dma);
  Session& s = io_->s_;
  if (!e) return false;
  // A second endpoint in a domain: the device MAY attach it, or answer UNSUPP (§5.13.6.3.2).
  const Permit p = shared_ ? Permit(kAttachShared).also(bit(sv::Status::kUnsupp)) : Permit(kStatusOk);
  const uint8_t st = s.attach(id_, e->id, 0, p);
  if (st == static_cast<uint8_t>(sv::Status::kUnsupp) && shared_) {
    s.t().skip("the device does not attach a second endpoint to domain %u (S_UNSUPP, permitted: %s)", id_,
               kAttachShared.ref);
    return false;
  }
  if (st != kOk || !io_->map_driver_memory(*this, *e)) return false;
  shared_ = true;
  if (exists_) return true;
  exists_ = true;
  if (s.map(id_, kStagingIova, io_->staging_.len(), io_->staging_.pa(), kRW) != kOk) return false;
  for (size_t i = 0; i < n_pending_; ++i) {
    const Pending& p = pending_[i];
    if (s.map(id_, p.iova, p.len, p.pa, p.flags) != kOk) return false;
  }
  n_pending_ = 0;
  return true;
}

bool KitAdapter::Dom::map(uint64_t iova, uint64_t pa, uint64_t len, kit::Perm p) {
  if (exists_) {
    ++ops_;
    if (!io_->oracle_) return io_->s_.dev().map(id_, iova, iova + len - 1, pa, flags_of(p)).ok();
    return io_->s_.map(id_, iova, len, pa, flags_of(p)) == kOk;
  }
  if (n_pending_ == kMaxPending) return false;
  pending_[n_pending_++] = Pending{iova, pa, len, flags_of(p)};
  return true;
}

bool KitAdapter::Dom::unmap(uint64_t iova, uint64_t len) {
  if (exists_) {
    ++ops_;
    if (!io_->oracle_) return io_->s_.dev().unmap(id_, iova, iova + len - 1).ok();
    return io_->s_.unmap(id_, iova, len) == kOk;
  }
  size_t kept = 0;  // not sent yet: forget the pending maps inside the range
  for (size_t i = 0; i < n_pending_; ++i)
    if (pending_[i].iova < iova || pending_[i].iova + pending_[i].len > iova + len) pending_[kept++] = pending_[i];
  n_pending_ = kept;
  return true;
}

}  // namespace virtio_iommu_tests
