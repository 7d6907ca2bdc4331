// bench.smmuv3.*: the vIOMMU overhead benchmark (tests/kit/bench.h) over the SMMUv3 adapter: strict with
// range TLBIs (SMMU_IDR3.RIL) or per page, lazy (CMD_TLBI_NH_ASID every 32 unmaps), static; and
// bench.smmuv3-nested.* where the SMMU has stage 2.
#include "tests/conformance/smmuv3/adapter.h"
#include "tests/kit/bench.h"

VIOMMU_KIT_BENCH(smmuv3, "smmuv3", smmuv3_tests::KitAdapter)
VIOMMU_KIT_BENCH_INVALIDATION(smmuv3, "smmuv3", smmuv3_tests::KitAdapter)

// Nested (stage 1 over an identity stage 2, where SMMU_IDR0.S2P = 1): the row smmuv3-nested.
VIOMMU_TEST_T(smmuv3_bench_nested_strict, "bench.smmuv3-nested.strict", "bench", 120000) {
  smmuv3_tests::KitAdapter io(t, true);
  if (io.ready()) ::kit::bench(t, &io, "smmuv3-nested", ::kit::Policy::kStrict);
}
VIOMMU_TEST_T(smmuv3_bench_nested_static, "bench.smmuv3-nested.static", "bench", 120000) {
  smmuv3_tests::KitAdapter io(t, true);
  if (io.ready()) ::kit::bench(t, &io, "smmuv3-nested", ::kit::Policy::kStatic);
}
