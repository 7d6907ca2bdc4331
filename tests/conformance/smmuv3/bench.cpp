// bench.smmuv3.*: the vIOMMU overhead benchmark (tests/kit/bench.h) over the SMMUv3 adapter: strict with
// range TLBIs (SMMU_IDR3.RIL) or per page, lazy (CMD_TLBI_NH_ASID every 32 unmaps), static.
#include "tests/conformance/smmuv3/adapter.h"
#include "tests/kit/bench.h"

VIOMMU_KIT_BENCH(smmuv3, "smmuv3", smmuv3_tests::KitAdapter)
VIOMMU_KIT_BENCH_INVALIDATION(smmuv3, "smmuv3", smmuv3_tests::KitAdapter)
