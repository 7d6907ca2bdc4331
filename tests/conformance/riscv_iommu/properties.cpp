// riscv-iommu.property.*: the conformance kit's property cases (tests/kit/properties.h), written once for every
// IOMMU, on the RISC-V IOMMU through KitAdapter (adapter.h): virtio-blk and edu in two first-stage Sv39 domains.
#include "tests/conformance/riscv_iommu/adapter.h"
#include "tests/kit/properties.h"

VIOMMU_KIT_PROPERTIES(riscv_iommu, "riscv-iommu", "riscv-iommu,dma,property", riscv_iommu_tests::KitAdapter)
