// bench.amd-vi.*: the vIOMMU overhead benchmark (tests/kit/bench.h) over the AMD-Vi adapter: strict with one
// INVALIDATE_IOMMU_PAGES (S = 1) or one per page, lazy (the whole domain every 32 unmaps), static.
#include "tests/conformance/amd_vi/adapter.h"
#include "tests/kit/bench.h"

VIOMMU_KIT_BENCH(amd_vi, "amd-vi", amd_vi_tests::KitAdapter)
VIOMMU_KIT_BENCH_INVALIDATION(amd_vi, "amd-vi", amd_vi_tests::KitAdapter)
