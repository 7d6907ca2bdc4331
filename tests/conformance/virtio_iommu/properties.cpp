// virtio-iommu.property.*: the properties every IOMMU must have (tests/kit/properties.h), written once in the
// kit and run here over virtio-iommu through its adapter (adapter.h).
#include "tests/conformance/virtio_iommu/adapter.h"
#include "tests/kit/properties.h"

VIOMMU_KIT_PROPERTIES(virtio_iommu, "virtio-iommu", "virtio-iommu,property", virtio_iommu_tests::KitAdapter)
