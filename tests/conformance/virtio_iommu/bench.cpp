// bench.virtio-iommu.*: the vIOMMU overhead benchmark (tests/kit/bench.h) over the virtio-iommu adapter:
// strict (a MAP and an UNMAP request per I/O) and static. An UNMAP is complete when answered, so there is no
// invalidation to batch (strict-pp) or defer (lazy).
#include "tests/conformance/virtio_iommu/adapter.h"
#include "tests/kit/bench.h"

VIOMMU_KIT_BENCH(virtio_iommu, "virtio-iommu", virtio_iommu_tests::KitAdapter)
