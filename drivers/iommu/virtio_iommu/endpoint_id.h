// Endpoint IDs of a virtio-iommu (§5.13.6.3: "Semantics of the endpoint identifier are platform
// specific"): the firmware says which ID the IOMMU sees for each PCI RequesterID.
//   aarch64: the PCI host node's DT `iommu-map` (RID -> ID, Documentation/devicetree/bindings/pci/pci-iommu.yaml)
//   x86_64:  the ACPI VIOT table (ACPI 6.4 §5.2.32): PCI-range nodes whose output node is the
//            virtio-pci IOMMU node of this device.
// When neither exists the RID itself is used and the caller is told so.
#pragma once

#include <cstdint>

namespace drivers::virtio_iommu {

enum class IdSource : uint8_t { kDtIommuMap, kAcpiViot, kRidFallback, kNotTranslated };
const char* to_string(IdSource s);

struct EndpointId {
  uint32_t id = 0;
  IdSource source = IdSource::kRidFallback;
};

// The endpoint ID of the function with RequesterID `rid` behind the virtio-iommu at `iommu_rid`.
// kNotTranslated: the firmware describes this IOMMU but not this RID (e.g. the IOMMU itself).
EndpointId endpoint_id(uint16_t rid, uint16_t iommu_rid);

}  // namespace drivers::virtio_iommu
