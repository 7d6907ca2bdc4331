// The vIOMMU overhead benchmark (issue 15), written once over kit::Iommu: one endpoint (virtio-blk on a
// null-co drive) reads from its disk into memory, I/O after I/O, under the mapping policy a real driver uses,
// and the guest's counter (CNTVCT, TSC) times it. Registered per IOMMU with
//   VIOMMU_KIT_BENCH(smmuv3, "smmuv3", smmuv3_tests::KitAdapter)
// which adds bench.<prefix>.<policy> (tag bench: never part of a conformance run; scripts/viommu bench runs
// them with tags=bench). The no-IOMMU baseline runs the same loop with no domain (bench.noiommu.none).
//
// Policies (per I/O of one slot, `len` bytes):
//   strict     map, DMA, unmap, invalidate the range and wait (Linux iommu.strict=1; range commands where the
//              IOMMU has them)
//   strict-pp  the same with one invalidation command per 4 KiB page, one wait
//   lazy       map, DMA, unmap; every 32 unmaps one invalidation of the whole domain and a wait (Linux's flush
//              queue); an IOVA is reused only after the flush that follows its unmap
//   static     every slot's buffer mapped once before timing (DPDK, iommu=pt-like)
//   none       no IOMMU at all (the baseline)
//
// Output, one line per repetition of each (size, queue depth), after that repetition's I/Os all succeeded:
//   # bench row=R policy=P size=BYTES qd=N rep=I ios=N cycles=N hz=N ops=N median=CYCLES
// (ios in cycles: the window's throughput; median: the median cycles of qd successive completions, the
// figure a loaded host disturbs least: IOPS = qd * hz / median)
// and once per case the cost of one invalidation round trip (unmap one 4 KiB page, invalidate it, wait):
//   # bench-inval row=R policy=P n=N median=CYCLES min=CYCLES max=CYCLES hz=N
// A failed I/O, map or invalidation is an error of the case (no number for it); bench.data checks after every
// repetition that the device's bytes (null-co read-zeroes=on) replaced the marks at both ends of a buffer.
#pragma once

#include <cstdint>

#include "kernel/test.h"
#include "tests/kit/iommu.h"

namespace kit {

enum class Policy : uint8_t { kNone, kStrict, kStrictPerPage, kLazy, kStatic };
const char* to_string(Policy p);

// io == nullptr: no IOMMU (Policy::kNone). Window and repetitions come from the guest command line
// (bench-ms=, bench-reps=).
void bench(kernel::Test& t, Iommu* io, const char* row, Policy p);

}  // namespace kit

#define VIOMMU_KIT_BENCH_CASE(ident, prefix, Adapter, pol, name)                                 \
  VIOMMU_TEST_T(ident##_bench_##pol, "bench." prefix "." name, "bench", 120000) {             \
    Adapter io(t);                                                                              \
    if (io.ready()) ::kit::bench(t, &io, prefix, ::kit::Policy::pol);                          \
  }

// Each IOMMU registers the policies that mean something for it (virtio-iommu has no invalidation command to
// batch or defer: its strict-pp and lazy would be strict again).
#define VIOMMU_KIT_BENCH(ident, prefix, Adapter)                   \
  VIOMMU_KIT_BENCH_CASE(ident, prefix, Adapter, kStrict, "strict") \
  VIOMMU_KIT_BENCH_CASE(ident, prefix, Adapter, kStatic, "static")
#define VIOMMU_KIT_BENCH_INVALIDATION(ident, prefix, Adapter)             \
  VIOMMU_KIT_BENCH_CASE(ident, prefix, Adapter, kStrictPerPage, "strict-pp") \
  VIOMMU_KIT_BENCH_CASE(ident, prefix, Adapter, kLazy, "lazy")
