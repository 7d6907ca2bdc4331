// smmuv3.property.*: the kit's cross-IOMMU properties (tests/kit/properties.h) over the SMMUv3 adapter.
#include "tests/conformance/smmuv3/adapter.h"
#include "tests/kit/properties.h"

VIOMMU_KIT_PROPERTIES(smmuv3, "smmuv3", "smmuv3,property", smmuv3_tests::KitAdapter)
