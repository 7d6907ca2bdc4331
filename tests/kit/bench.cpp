#include "tests/kit/bench.h"

#include <cstring>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/dma_memory.h"

namespace kit {

namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kSizes[] = {4096, 64 * 1024, 1024 * 1024};
constexpr unsigned kDepths[] = {1, 8};
constexpr unsigned kMaxSlots = 8;
constexpr unsigned kLazyBatch = 32;  // unmaps per flush (Linux's flush queue holds up to 256; 32 keeps it short)
constexpr unsigned kLazyIovas = 64;  // IOVAs in rotation: one is reused only after the flush that follows its unmap
constexpr unsigned kInvalSamples = 31;
constexpr uint8_t kFill = 0x5a;  // the device's read-zeroes bytes replace it
constexpr size_t kMaxIntervals = 4096;

// The k-th smallest of v[0..n) (reorders v): quickselect, Hoare partition.
uint64_t select_kth(uint64_t* v, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    const uint64_t pivot = v[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (v[j] > pivot) --j;
      if (i <= j) {
        const uint64_t x = v[i];
        v[i] = v[j];
        v[j] = x;
        ++i;
        if (j == 0) break;
        --j;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

// Reads and writes of the benchmark are not claims about a device: a failure is the suite's finding that
// it measured nothing.
constexpr kernel::Clause kBenchIo{kernel::Strength::kMust, "suite",
                                  "a benchmark reports a figure only for I/Os that all completed"};

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// One (size, depth) measurement: its buffers, their IOVAs and the policy's per-I/O work.
class Point {
 public:
  Point(kernel::Test& t, Domain* d, drivers::DmaEndpoint* ep, uint64_t bulk, Policy p, size_t len, unsigned qd)
      : t_(t), d_(d), ep_(ep), bulk_(bulk), p_(p), len_(len), qd_(qd) {}
  ~Point() {
    for (unsigned s = 0; s < kMaxSlots; ++s)
      if (pa_[s]) kernel::DmaMemory::free(pa_[s], len_);
  }

  bool prepare() {
    for (unsigned s = 0; s < qd_; ++s) {
      pa_[s] = kernel::DmaMemory::alloc(len_);
      if (!pa_[s]) {
        t_.error("no DMA memory for %u buffers of %llu bytes", qd_, ull(len_));
        return false;
      }
    }
    if (p_ != Policy::kStatic) return true;
    for (unsigned s = 0; s < qd_; ++s)
      if (!step(d_->map(slot_iova(s), pa_[s], len_, Perm::kReadWrite), "map")) return false;
    return true;
  }

  bool finish() {
    if (p_ != Policy::kStatic) return true;
    return step(d_->unmap(bulk_, qd_ * len_), "unmap") &&
           step(d_->invalidate_batch(bulk_, qd_ * len_, Inval::kRange), "invalidate");
  }

  // I/Os until `window` cycles passed (and at least one per slot), then the ones in flight; the clock stops
  // when the last completed. *median: the median time of qd successive completions (the first counted
  // from the start), which a descheduled QEMU thread moves far less than the window's average, and which
  // spans the bursts a device completes several requests in at qd > 1. False (reported) when anything failed.
  bool run(uint64_t window, uint64_t* ios, uint64_t* cycles, uint64_t* ops, uint64_t* median) {
    for (unsigned s = 0; s < qd_; ++s) mark(s);
    const uint64_t ops0 = d_ ? d_->ops() : 0;
    const uint64_t c0 = arch::cycles();
    uint64_t started = 0, done = 0;
    for (unsigned s = 0; s < qd_; ++s) {
      if (!issue(s, started)) return drain(started, done);
      ++started;
    }
    size_t n_t = 0;
    stamps_[n_t++] = c0;
    while (done < started) {
      unsigned s = 0;
      const drivers::DmaStatus st = ep_->reap(&s);
      if (n_t < kMaxIntervals) stamps_[n_t++] = arch::cycles();
      if (st != drivers::DmaStatus::kOk) {
        t_.error("%s: I/O %llu of %llu bytes: %s", ep_->name(), ull(done), ull(len_), drivers::to_string(st));
        return false;  // the endpoint forgot its requests in flight and resets before the next
      }
      ++done;
      if (!retire(s)) return drain(started, done);
      if (arch::cycles() - c0 < window) {
        if (!issue(s, started)) return drain(started, done);
        ++started;
      }
    }
    if (p_ == Policy::kLazy && unflushed_ && !step(d_->invalidate_all(), "invalidate_all")) return false;
    unflushed_ = 0;
    *cycles = arch::cycles() - c0;
    *ios = done;
    *ops = (d_ ? d_->ops() : 0) - ops0;
    size_t n_iv = 0;
    for (size_t i = 0; i + qd_ < n_t; ++i) intervals_[n_iv++] = stamps_[i + qd_] - stamps_[i];
    *median = n_iv ? select_kth(intervals_, n_iv, n_iv / 2) : 0;
    return t_.check("bench.data", kBenchIo, landed(), "the device's bytes did not reach the first buffer");
  }

 private:
  uint64_t stride() const { return len_ < kPage ? kPage : len_; }
  uint64_t slot_iova(unsigned s) const { return bulk_ + s * stride(); }
  uint64_t iova_of(unsigned s, uint64_t n) const {
    if (p_ == Policy::kNone) return pa_[s];
    if (p_ == Policy::kLazy) return bulk_ + (n % kLazyIovas) * stride();
    return slot_iova(s);
  }

  bool step(bool ok, const char* what) {
    if (!ok) t_.error("%s of %llu bytes failed", what, ull(len_));
    return ok;
  }

  // The I/O numbered n into slot s: the policy's mapping, then the request.
  bool issue(unsigned s, uint64_t n) {
    const uint64_t iova = iova_of(s, n);
    iova_[s] = iova;
    if ((p_ == Policy::kStrict || p_ == Policy::kStrictPerPage || p_ == Policy::kLazy) &&
        !step(d_->map(iova, pa_[s], len_, Perm::kReadWrite), "map"))
      return false;
    const drivers::DmaStatus st = ep_->start(s, true, iova, len_);
    if (st != drivers::DmaStatus::kOk) {
      t_.error("%s: starting a %llu-byte read into iova 0x%llx: %s", ep_->name(), ull(len_), ull(iova),
               drivers::to_string(st));
      return false;
    }
    return true;
  }

  // Slot s completed: the policy's unmapping and invalidation.
  bool retire(unsigned s) {
    const uint64_t iova = iova_[s];
    switch (p_) {
      case Policy::kNone:
      case Policy::kStatic: return true;
      case Policy::kStrict:
      case Policy::kStrictPerPage:
        return step(d_->unmap(iova, len_), "unmap") &&
               step(d_->invalidate_batch(iova, len_, p_ == Policy::kStrict ? Inval::kRange : Inval::kPerPage),
                    "invalidate");
      case Policy::kLazy:
        if (!step(d_->unmap(iova, len_), "unmap")) return false;
        if (++unflushed_ < kLazyBatch) return true;
        unflushed_ = 0;
        return step(d_->invalidate_all(), "invalidate_all");
    }
    return false;
  }

  // After a failure: wait for what is still in flight, so that no request outlives its buffer.
  bool drain(uint64_t started, uint64_t done) {
    for (unsigned s = 0; done < started; ++done)
      if (ep_->reap(&s) != drivers::DmaStatus::kOk) break;
    return false;
  }

  // The first buffer's ends hold kFill until the device's read-zeroes data replaces them.
  void mark(unsigned s) {
    uint8_t* b = kernel::DmaMemory::ptr<uint8_t>(pa_[s]);
    b[0] = b[len_ - 1] = kFill;
    arch::dma_wmb();
  }
  bool landed() const {
    arch::dma_rmb();
    const uint8_t* b = kernel::DmaMemory::ptr<uint8_t>(pa_[0]);
    return b[0] == 0 && b[len_ - 1] == 0;
  }

  kernel::Test& t_;
  Domain* d_;
  drivers::DmaEndpoint* ep_;
  uint64_t bulk_;
  Policy p_;
  size_t len_;
  unsigned qd_;
  uint64_t pa_[kMaxSlots] = {};
  uint64_t iova_[kMaxSlots] = {};
  unsigned unflushed_ = 0;
  // Static: 64 KiB stay off the case's stack.
  static inline uint64_t stamps_[kMaxIntervals];
  static inline uint64_t intervals_[kMaxIntervals];
};

// Cycles of one invalidation round trip: one 4 KiB mapping removed and invalidated, waiting for the IOMMU
// to confirm (SMMUv3: CMD_TLBI_NH_VA + CMD_SYNC; AMD-Vi: INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT;
// virtio-iommu: the UNMAP request). The median of kInvalSamples.
bool inval_round_trip(kernel::Test& t, Domain* d, uint64_t iova, uint64_t pa, const char* row, Policy p) {
  uint64_t c[kInvalSamples];
  for (unsigned i = 0; i < kInvalSamples; ++i) {
    if (!d->map(iova, pa, kPage, Perm::kReadWrite)) {
      t.error("map of one page for the invalidation round trip failed");
      return false;
    }
    const uint64_t c0 = arch::cycles();
    const bool ok = d->unmap(iova, kPage) && d->invalidate_batch(iova, kPage, Inval::kRange);
    c[i] = arch::cycles() - c0;
    if (!ok) {
      t.error("unmap + invalidate of one page failed");
      return false;
    }
  }
  for (unsigned i = 1; i < kInvalSamples; ++i)  // insertion sort: 31 numbers
    for (unsigned j = i; j > 0 && c[j - 1] > c[j]; --j) {
      const uint64_t x = c[j];
      c[j] = c[j - 1];
      c[j - 1] = x;
    }
  t.note("bench-inval row=%s policy=%s n=%u median=%llu min=%llu max=%llu hz=%llu", row, to_string(p),
         kInvalSamples, ull(c[kInvalSamples / 2]), ull(c[0]), ull(c[kInvalSamples - 1]), ull(arch::cycles_hz()));
  return true;
}

}  // namespace

const char* to_string(Policy p) {
  switch (p) {
    case Policy::kNone: return "none";
    case Policy::kStrict: return "strict";
    case Policy::kStrictPerPage: return "strict-pp";
    case Policy::kLazy: return "lazy";
    case Policy::kStatic: return "static";
  }
  return "?";
}

void bench(kernel::Test& t, Iommu* io, const char* row, Policy p) {
  if ((io == nullptr) != (p == Policy::kNone)) {
    t.error("policy %s %s an IOMMU", to_string(p), io ? "without" : "needs");
    return;
  }
  drivers::DmaEndpoint* ep = io ? io->endpoint(0) : drivers::find_endpoint("virtio-blk");
  if (!ep) {
    if (!io) t.skip("no virtio-blk endpoint");
    return;
  }
  if (std::strcmp(ep->name(), "virtio-blk") != 0) {
    t.skip("endpoint 0 is %s: the benchmark drives virtio-blk", ep->name());
    return;
  }
  Domain* d = nullptr;
  uint64_t bulk = 0;
  if (io) {
    d = io->domain(0);
    if (!d || !d->attach(ep)) {
      if (!t.failed()) t.error("attaching %s to a domain failed", ep->name());
      return;
    }
    bulk = io->bulk_iova();
    io->set_oracle(false);  // from here on the figures are the device's and the driver's, not our oracle's
    // The last MiB of the window is the round trip's page (the I/O buffers use at most 64 MiB of it).
    if (!inval_round_trip(t, d, bulk + (1ull << 30) - (1ull << 20), io->page(0), row, p)) return;
  }
  const kernel::Cmdline& cmd = kernel::current_cmdline();
  const uint64_t hz = arch::cycles_hz();
  const uint64_t window = hz / 1000 * cmd.bench_ms;
  for (size_t len : kSizes) {
    if (len > ep->max_len()) {
      t.error("%s serves at most %llu bytes, the benchmark needs %llu", ep->name(), ull(ep->max_len()), ull(len));
      return;
    }
    for (unsigned qd : kDepths) {
      if (qd > ep->queue_depth()) {
        t.error("%s keeps at most %u requests in flight, the benchmark needs %u", ep->name(), ep->queue_depth(), qd);
        return;
      }
      Point pt(t, d, ep, bulk, p, len, qd);
      if (!pt.prepare()) return;
      uint64_t ios = 0, cycles = 0, ops = 0, median = 0;
      if (!pt.run(window / 4, &ios, &cycles, &ops, &median)) return;  // warm-up: page tables, caches; not reported
      for (unsigned rep = 0; rep < cmd.bench_reps; ++rep) {
        if (!pt.run(window, &ios, &cycles, &ops, &median)) return;
        t.note("bench row=%s policy=%s size=%llu qd=%u rep=%u ios=%llu cycles=%llu hz=%llu ops=%llu median=%llu",
               row, to_string(p), ull(len), qd, rep, ull(ios), ull(cycles), ull(hz), ull(ops), ull(median));
      }
      if (!pt.finish()) return;
    }
  }
}

}  // namespace kit
