// amd-vi.property.*: the conformance kit's property cases (tests/kit/properties.h), written once for every
// IOMMU, on AMD-Vi through KitAdapter (adapter.h): virtio-blk and edu on bus 0 in two v1 domains.
#include "tests/conformance/amd_vi/adapter.h"
#include "tests/kit/properties.h"

VIOMMU_KIT_PROPERTIES(amd_vi, "amd-vi", "amd-vi,dma,property", amd_vi_tests::KitAdapter)
