#include "tests/kit/properties.h"

#include <cstring>
#include <initializer_list>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace kit {

namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kLen = 512;  // one virtio-blk sector
constexpr uint8_t kFill = 0x5e;
using D = Direction;
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// The test's own derivation against the oracle: a disagreement is a bug of the suite, not of the device.
void oracle(kernel::Test& t, Iommu& io, drivers::DmaEndpoint* ep, D d, uint64_t iova, bool translated,
            uint64_t pa) {
  const Prediction p = io.predict(ep, iova, d);
  t.check("oracle", kernel::kSuite, p.translated() == translated && (!translated || p.pa == pa),
          "oracle: %s by %s at iova 0x%llx is %s 0x%llx; the case expects %s 0x%llx", to_string(d), ep->name(),
          ull(iova), to_string(p.kind), ull(p.pa), translated ? "translated to" : "terminated", ull(pa));
}

// `why`: the clause that makes the translation required here (default: the IOMMU's own translation clause).
bool translated(kernel::Test& t, Iommu& io, drivers::DmaEndpoint* ep, D d, uint64_t iova, uint64_t pa,
                uint8_t seed, const kernel::Clause* why = nullptr) {
  oracle(t, io, ep, d, iova, true, pa);
  io.drain_faults();
  DmaProbe probe(t, ep, io.staging(), why ? ProbeClauses{*why, io.clauses().terminated} : io.clauses());
  const bool ok = probe.expect_translated(d, iova, pa, kLen, seed);
  io.expect_fault_record(ep, iova, d, kLen);
  return ok;
}

// `why` is the clause that makes the access terminated here (no mapping, a removed mapping, a permission).
void terminated(kernel::Test& t, Iommu& io, drivers::DmaEndpoint* ep, D d, uint64_t iova, uint64_t victim,
                const kernel::Clause& why, uint8_t seed) {
  oracle(t, io, ep, d, iova, false, 0);
  io.drain_faults();
  DmaProbe probe(t, ep, io.staging(), ProbeClauses{io.clauses().translated, why});
  probe.expect_terminated(d, iova, victim, kLen, seed);
  io.expect_fault_record(ep, iova, d, kLen);
}

void fill(uint64_t pa, uint8_t v) {
  std::memset(kernel::DmaMemory::ptr<uint8_t>(pa), v, kPage);
  arch::dma_wmb();
}

// Every byte of the page still holds v.
bool holds(uint64_t pa, uint8_t v) {
  arch::dma_rmb();
  const uint8_t* p = kernel::DmaMemory::ptr<uint8_t>(pa);
  for (size_t i = 0; i < kPage; ++i)
    if (p[i] != v) return false;
  return true;
}

// The setup steps go through the domain interface; a refusal is the driver's (or out of memory), so it
// ends the case as a suite error rather than a verdict on the device (unless the adapter skipped the case:
// a machine without the second endpoint, a permitted refusal).
bool setup(kernel::Test& t, bool ok, const char* what) {
  if (!ok && !t.skipped()) t.error("setup: %s failed", what);
  return ok;
}

// Domain 0 mapping one read/write page at the test IOVA to pa, ep attached, and a device write through it
// translated: where every single-page property starts. nullptr when the case cannot go on (reported).
Domain* one_page(kernel::Test& t, Iommu& io, drivers::DmaEndpoint* ep, uint64_t pa, uint8_t seed) {
  Domain* d = ep ? io.domain(0) : nullptr;
  if (!d) return nullptr;
  const uint64_t iova = io.test_iova();
  if (!setup(t, d->map(iova, pa, kPage, Perm::kReadWrite) && d->attach(ep) && d->invalidate(iova, kPage),
             "mapping and attaching"))
    return nullptr;
  return translated(t, io, ep, D::kDeviceWrites, iova, pa, seed) ? d : nullptr;
}

}  // namespace

const char* to_string(Prediction::Kind k) {
  switch (k) {
    case Prediction::Kind::kTranslated: return "translated to";
    case Prediction::Kind::kFault: return "terminated with a fault record";
    case Prediction::Kind::kAbort: return "terminated silently";
  }
  return "?";
}

void isolation_same_iova(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* a = io.endpoint(0);
  drivers::DmaEndpoint* b = a ? io.endpoint(1) : nullptr;
  Domain* da = b ? io.domain(0) : nullptr;
  Domain* db = da ? io.domain(1) : nullptr;
  if (!db) return;
  const uint64_t iova = io.test_iova(), pa = io.page(0), pb = io.page(1), only_a = io.page(2);
  if (!setup(t, da->map(iova, pa, kPage, Perm::kReadWrite) && db->map(iova, pb, kPage, Perm::kReadWrite) &&
                    da->map(iova + kPage, only_a, kPage, Perm::kReadWrite),
             "mapping one IOVA in two domains") ||
      !setup(t, da->attach(a) && db->attach(b), "attaching the endpoints") ||
      !setup(t, da->invalidate(iova, 2 * kPage) && db->invalidate(iova, 2 * kPage), "invalidating"))
    return;
  const kernel::Clause& iso = io.isolation_clause();
  for (D d : {D::kDeviceWrites, D::kDeviceReads}) {
    fill(pb, kFill);
    translated(t, io, a, d, iova, pa, 0x21);
    t.check("isolation.other_domain", iso, holds(pb, kFill), "%s by %s at 0x%llx touched 0x%llx, the page the "
            "other domain maps there", to_string(d), a->name(), ull(iova), ull(pb));
    fill(pa, kFill);
    translated(t, io, b, d, iova, pb, 0x43);
    t.check("isolation.other_domain", iso, holds(pa, kFill), "%s by %s at 0x%llx touched 0x%llx, the page the "
            "other domain maps there", to_string(d), b->name(), ull(iova), ull(pa));
  }
  // An IOVA only a's domain maps is no address at all for b.
  terminated(t, io, b, D::kDeviceWrites, iova + kPage, only_a, iso, 0x65);
  terminated(t, io, b, D::kDeviceReads, iova + kPage, only_a, iso, 0x66);
}

void unmap_then_dma(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* ep = io.endpoint(0);
  const uint64_t iova = io.test_iova(), pa = io.page(0);
  Domain* d = one_page(t, io, ep, pa, 0x11);
  if (!d) return;
  if (!setup(t, d->unmap(iova, kPage) && d->invalidate(iova, kPage), "unmapping")) return;
  terminated(t, io, ep, D::kDeviceWrites, iova, pa, io.invalidation_clause(), 0x12);
  terminated(t, io, ep, D::kDeviceReads, iova, pa, io.invalidation_clause(), 0x13);
}

void remap_to_new_page(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* ep = io.endpoint(0);
  const uint64_t iova = io.test_iova(), old_pa = io.page(0), new_pa = io.page(3);
  Domain* d = one_page(t, io, ep, old_pa, 0x31);
  if (!d) return;
  if (!setup(t, d->unmap(iova, kPage) && d->invalidate(iova, kPage) &&
                    d->map(iova, new_pa, kPage, Perm::kReadWrite) && d->invalidate(iova, kPage),
             "remapping"))
    return;
  for (D dir : {D::kDeviceWrites, D::kDeviceReads}) {
    fill(old_pa, kFill);
    translated(t, io, ep, dir, iova, new_pa, dir == D::kDeviceWrites ? 0x32 : 0x33);
    t.check("dma.stale", io.invalidation_clause(), holds(old_pa, kFill),
            "%s at 0x%llx after the remap touched the old page 0x%llx: a stale translation was used", to_string(dir),
            ull(iova), ull(old_pa));
  }
}

void permission_downgrade(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* ep = io.endpoint(0);
  const uint64_t iova = io.test_iova(), pa = io.page(0);
  Domain* d = one_page(t, io, ep, pa, 0x41);
  if (!d) return;
  if (!setup(t, d->unmap(iova, kPage) && d->invalidate(iova, kPage) && d->map(iova, pa, kPage, Perm::kRead) &&
                    d->invalidate(iova, kPage),
             "remapping read-only"))
    return;
  terminated(t, io, ep, D::kDeviceWrites, iova, pa, io.permission_clause(), 0x42);
  translated(t, io, ep, D::kDeviceReads, iova, pa, 0x43);
}

void neighbour_page(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* ep = io.endpoint(0);
  Domain* d = ep ? io.domain(0) : nullptr;
  if (!d) return;
  // One page mapped in the middle of the range, to the middle page of three contiguous ones: an IOMMU that
  // rounds a translation outwards would reach the pages around it.
  const uint64_t iova = io.test_iova() + kPage, pa = io.page(1);
  if (!setup(t, d->map(iova, pa, kPage, Perm::kReadWrite) && d->attach(ep) && d->invalidate(iova, kPage),
             "mapping and attaching"))
    return;
  translated(t, io, ep, D::kDeviceWrites, iova + kPage - kLen, pa + kPage - kLen, 0x51);
  const kernel::Clause& why = io.clauses().terminated;
  terminated(t, io, ep, D::kDeviceWrites, iova + kPage, io.page(2), why, 0x52);
  terminated(t, io, ep, D::kDeviceReads, iova + kPage, io.page(2), why, 0x53);
  terminated(t, io, ep, D::kDeviceWrites, iova - kLen, io.page(0) + kPage - kLen, why, 0x54);
  terminated(t, io, ep, D::kDeviceReads, iova - kLen, io.page(0) + kPage - kLen, why, 0x55);
}

void hitless_move(kernel::Test& t, Iommu& io) {
  drivers::DmaEndpoint* ep = io.endpoint(0);
  // Two IOVAs, each mapped to an old page in `from` and a new one in `to`: the first translated before the move
  // (a device may hold it cached), the second first used after the first step (a device must walk what is in
  // memory then).
  const uint64_t iova[2] = {io.test_iova(), io.test_iova() + kPage};
  const uint64_t old_pa[2] = {io.page(0), io.page(1)}, new_pa[2] = {io.page(3), io.page(4)};
  Domain* from = one_page(t, io, ep, old_pa[0], 0x61);
  Domain* to = from ? io.domain(1) : nullptr;
  if (!to) return;
  if (!setup(t, from->map(iova[1], old_pa[1], kPage, Perm::kReadWrite) && from->invalidate(iova[1], kPage),
             "mapping the second IOVA in the first domain") ||
      !setup(t, to->map(iova[0], new_pa[0], kPage, Perm::kReadWrite) &&
                    to->map(iova[1], new_pa[1], kPage, Perm::kReadWrite) && to->invalidate(iova[0], 2 * kPage),
             "mapping the IOVAs in the second domain") ||
      !setup(t, io.prepare_move(ep, *from, *to), "preparing the second domain for the endpoint"))
    return;
  const MoveClauses& c = io.move_clauses();
  const unsigned n = io.move_steps();
  uint8_t seed = 0x62;
  for (unsigned i = 0; i < n; ++i) {
    if (!setup(t, io.move_step(i, ep, *from, *to), io.move_step_name(i))) return;
    if (i + 1 == n) break;
    // Between two steps: the old page or the new one, nothing else, and no fault record.
    for (unsigned k = 0; k < 2; ++k)
      for (D dir : {D::kDeviceWrites, D::kDeviceReads}) {
        const Prediction p = io.predict(ep, iova[k], dir);
        t.check("oracle", kernel::kSuite, p.translated() && (p.pa == old_pa[k] || p.pa == new_pa[k]),
                "oracle: after step %u (%s) the %s at iova 0x%llx is %s 0x%llx; the case expects the old page "
                "0x%llx or the new 0x%llx", i + 1, io.move_step_name(i), to_string(dir), ull(iova[k]),
                to_string(p.kind), ull(p.pa), ull(old_pa[k]), ull(new_pa[k]));
        io.drain_faults();
        DmaProbe probe(t, ep, io.staging(), ProbeClauses{c.between, c.between});
        const int got = probe.expect_translated_either(dir, iova[k], old_pa[k], new_pa[k], kLen, seed++);
        if (got < 0) {
          io.drain_faults();  // no page reached: the failed check above is the verdict, at the clause's strength
          continue;
        }
        t.choice("move.page", c.between, (got == 1) == (p.pa == new_pa[k]),
                 "after step %u of %u (%s) the %s at iova 0x%llx reached the %s page, the model the %s one", i + 1,
                 n, io.move_step_name(i), to_string(dir), ull(iova[k]), got ? "new" : "old",
                 p.pa == new_pa[k] ? "new" : "old");
        io.expect_fault_record(ep, iova[k], dir, kLen);
      }
  }
  // After the last step only the new translations are used.
  for (unsigned k = 0; k < 2; ++k)
    for (D dir : {D::kDeviceWrites, D::kDeviceReads}) {
      fill(old_pa[k], kFill);
      translated(t, io, ep, dir, iova[k], new_pa[k], seed++, &c.after);
      t.check("dma.stale", c.old_gone, holds(old_pa[k], kFill),
              "%s at 0x%llx after the move touched the old domain's page 0x%llx", to_string(dir), ull(iova[k]),
              ull(old_pa[k]));
    }
}

}  // namespace kit
