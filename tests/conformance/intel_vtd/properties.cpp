// intel-vtd.property.*: the conformance kit's property cases (tests/kit/properties.h), written once for every
// IOMMU, on Intel VT-d through KitAdapter (adapter.h): virtio-blk and edu on bus 0 in two legacy-mode domains.
#include "tests/conformance/intel_vtd/adapter.h"
#include "tests/kit/properties.h"

VIOMMU_KIT_PROPERTIES(intel_vtd, "intel-vtd", "intel-vtd,dma,property", intel_vtd_tests::KitAdapter)
