// bench.noiommu.none: the benchmark's baseline (tests/kit/bench.h), the same I/O loop with no IOMMU: the
// buffers' physical addresses go to the device as they are. scripts/viommu bench runs it in the noiommu
// configurations only.
#include "tests/kit/bench.h"

VIOMMU_TEST_T(bench_noiommu_none, "bench.noiommu.none", "bench", 120000) {
  ::kit::bench(t, nullptr, "noiommu", ::kit::Policy::kNone);
}
