// The VIRTIO 1.2 (cs01) sentences the virtio-iommu.* cases rest on, each with its strength:
//   MUST   a device-normative MUST, or an "is"/"are" the device's behaviour is defined by;
//   SHOULD a device-normative SHOULD (a failed check is a warning);
//   OPEN   the spec lets the device choose (a MAY, an optional report, a status it does not fix, a request
//          only the driver is forbidden to send): the case accepts every permitted answer and notes where
//          the device's pick differs from the model's (model/virtio_iommu, choices C1..C16).
// Section numbers are those of VIRTIO 1.2: §5.13.3 feature bits (.2 device requirements), §5.13.4
// configuration (.1 driver, .2 device), §5.13.5 initialization, §5.13.6 operations (.1 driver, .2 device),
// §5.13.6.3 ATTACH .. §5.13.6.7 PROBE (each .1 driver, .2 device), §5.13.6.8.1 RESV_MEM, §5.13.6.9 faults.
// Quotes are verbatim (the LaTeX field markup dropped), short, and the sentence the check relies on.
#pragma once

#include "kernel/test.h"

namespace virtio_iommu_tests {

using kernel::Clause;
using kernel::Strength;

// ---- transport (VIRTIO 1.2 §2) ----
inline constexpr Clause kFeatSubset{Strength::kShould, "VIRTIO 1.2 §2.2.2",
    "The device SHOULD accept any valid subset of features the driver accepts, otherwise it MUST fail to set the "
    "FEATURES_OK device status bit when the driver writes it."};
// Accepting a feature that was not offered is the driver's fault; what the device then does is not fixed.
inline constexpr Clause kFeatUnoffered{Strength::kOpen, "VIRTIO 1.2 §2.2.1",
    "The driver MUST NOT accept a feature which the device did not offer"};
inline constexpr Clause kDeviceReset{Strength::kMust, "VIRTIO 1.2 §2.4.1",
    "A device MUST reinitialize device status to 0 after receiving a reset."};
inline constexpr Clause kVersion1{Strength::kMust, "VIRTIO 1.2 §6.2", "A device MUST offer VIRTIO_F_VERSION_1."};
inline constexpr Clause kQueues{Strength::kMust, "VIRTIO 1.2 §5.13.2", "0 requestq 1 eventq"};
// The used length may be an underestimate of what the device wrote; its exact value is the device's.
inline constexpr Clause kUsedLen{Strength::kOpen, "VIRTIO 1.2 §2.7.8.2",
    "The device MAY write more than len bytes to descriptor."};
inline constexpr Clause kFraming{Strength::kMust, "VIRTIO 1.2 §2.7.4.1",
    "The device MUST NOT make assumptions about the particular arrangement of descriptors."};
// A request is answered by returning its chain: written, unwritten (§5.13.6), or DEVICE_NEEDS_RESET (§2.1.2);
// a device that never returns it leaves the driver waiting forever.
inline constexpr Clause kReturned{Strength::kMust, "VIRTIO 1.2 §5.13.6",
    "Driver send requests on the request virtqueue, notifies the device and waits for the device to return the "
    "request with a status in the used ring."};
// A chain the device cannot parse: returned unwritten, or the device enters an error state (§2.1.2).
inline constexpr Clause kMalformed{Strength::kOpen, "VIRTIO 1.2 §5.13.6, §2.1.2",
    "In that case, it returns the buffers without writing to them. / The device SHOULD set DEVICE_NEEDS_RESET "
    "when it enters an error state that a reset is needed."};

// ---- feature bits and configuration (§5.13.3, §5.13.4) ----
inline constexpr Clause kFeatMapUnmap{Strength::kShould, "VIRTIO 1.2 §5.13.3.2",
    "The device SHOULD offer feature bit VIRTIO_IOMMU_F_MAP_UNMAP."};
inline constexpr Clause kFeatBypassBoth{Strength::kShould, "VIRTIO 1.2 §5.13.3.2",
    "Devices SHOULD NOT offer both VIRTIO_IOMMU_F_BYPASS and VIRTIO_IOMMU_F_BYPASS_CONFIG."};
inline constexpr Clause kPageSizeMask{Strength::kMust, "VIRTIO 1.2 §5.13.4.2",
    "The device MUST set at least one bit in page_size_mask, describing the page granularity."};
inline constexpr Clause kInputRange{Strength::kMust, "VIRTIO 1.2 §5.13.6",
    "input_range contains the virtual address range that the IOMMU is able to translate."};
inline constexpr Clause kDomainRange{Strength::kMust, "VIRTIO 1.2 §5.13.6",
    "domain_range describes the values supported in a domain field."};
inline constexpr Clause kBypassValue{Strength::kMust, "VIRTIO 1.2 §5.13.4.2",
    "The device MUST NOT present a value different than 0 or 1 in bypass."};
// The driver's write is permitted (§5.13.4.1 MAY); what the device does with it is §5.13.3's definition.
inline constexpr Clause kBypassWrite{Strength::kMust, "VIRTIO 1.2 §5.13.3 VIRTIO_IOMMU_F_BYPASS_CONFIG",
    "Field bypass of struct virtio_iommu_config determines whether endpoints that are not attached to a domain are "
    "in bypass mode."};
inline constexpr Clause kResetDetaches{Strength::kMust, "VIRTIO 1.2 §5.13.5",
    "When the device is reset, endpoints are not attached to any domain."};

// ---- requests in general (§5.13.6) ----
inline constexpr Clause kStatusOk{Strength::kShould, "VIRTIO 1.2 §5.13.6.2",
    "The device SHOULD set status to VIRTIO_IOMMU_S_OK if a request succeeds."};
inline constexpr Clause kUnknownType{Strength::kShould, "VIRTIO 1.2 §5.13.6.2",
    "If a request type is not recognized, the device SHOULD NOT write the buffer and SHOULD set the used length to "
    "zero."};
inline constexpr Clause kHeadReserved{Strength::kMust, "VIRTIO 1.2 §5.13.6.2",
    "The device MUST ignore field reserved of struct virtio_iommu_req_head"};
inline constexpr Clause kTailReserved{Strength::kShould, "VIRTIO 1.2 §5.13.6.2",
    "The device ... SHOULD set field reserved of struct virtio_iommu_req_tail to zero."};
// Bytes beyond a request's structure, a readable part too short for it: nothing fixes the answer.
inline constexpr Clause kRequestSize{Strength::kOpen, "VIRTIO 1.2 §5.13.6",
    "When the device fails to parse a request, for instance if a request is too small for its type and the device "
    "cannot find the tail, then it is unable to set status."};
inline constexpr Clause kUnattachedNoBypass{Strength::kShould, "VIRTIO 1.2 §5.13.6.2",
    "The device SHOULD NOT let unattached endpoints that are not in bypass mode access the guest-physical address "
    "space."};
inline constexpr Clause kBypassMode{Strength::kMust, "VIRTIO 1.2 §5.13.6",
    "All accesses from an endpoint in bypass mode are allowed and translated by the IOMMU using the identity "
    "function."};
inline constexpr Clause kDomainOutOfRange{Strength::kOpen, "VIRTIO 1.2 §5.13.6.1",
    "If the VIRTIO_IOMMU_F_DOMAIN_RANGE feature is negotiated, the driver MUST NOT send requests with domain less "
    "than domain_range.start or greater than domain_range.end."};
// The one device-side sentence on input_range: the request fails; which error status is not fixed. MUST by this
// file's rule for a defining sentence (as kResetDetaches): unlike kMapEndBeforeStart or kMapMmioNoFeature, where
// only the driver is bound, this sentence says what the device does with the request the driver must not send,
// and it holds whenever the feature is offered, negotiated or not.
inline constexpr Clause kMapOutsideInputRange{Strength::kMust, "VIRTIO 1.2 §5.13.6",
    "Any mapping request to virtual addresses outside of this range fails."};
inline constexpr Clause kMapOutsideInputRangeStatus{Strength::kOpen, "VIRTIO 1.2 §5.13.6.1",
    "If the VIRTIO_IOMMU_F_INPUT_RANGE feature is negotiated, the driver MUST NOT send requests with virt_start "
    "less than input_range.start or virt_end greater than input_range.end."};

// ---- ATTACH (§5.13.6.3) ----
inline constexpr Clause kIsolation{Strength::kMust, "VIRTIO 1.2 §5.13.6.3",
    "Endpoints attached to different domains are isolated from each other."};
inline constexpr Clause kAttachReserved{Strength::kMust, "VIRTIO 1.2 §5.13.6.3.2",
    "If the reserved field of an ATTACH request is not zero, the device MUST reject the request and set status to "
    "VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kAttachFlags{Strength::kMust, "VIRTIO 1.2 §5.13.6.3.2",
    "If the device does not recognize a flags bit, it MUST reject the request and set status to "
    "VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kAttachNoEnt{Strength::kMust, "VIRTIO 1.2 §5.13.6.3.2",
    "If the endpoint identified by endpoint doesn't exist, the device MUST reject the request and set status to "
    "VIRTIO_IOMMU_S_NOENT."};
// VIRTIO alone does not say that 0x10000|RID names no endpoint (one endpoint might have two IDs), so the verdict
// rests on the platform's own description, which the spec makes the meaning of an ID: QEMU's DT iommu-map (and its
// VIOT PCI range node alike) gives RID r the ID r, so no endpoint has an ID above 0xffff and the MUST applies.
inline constexpr Clause kAttachNoEntPlatform{Strength::kMust,
    "VIRTIO 1.2 §5.13.6.3, §5.13.6.3.2 + DT pci-iommu binding iommu-map (x86: ACPI VIOT PCI range)",
    "Semantics of the endpoint identifier are platform specific / If the endpoint identified by endpoint doesn't "
    "exist, the device MUST reject the request and set status to VIRTIO_IOMMU_S_NOENT. / Any RID r in the interval "
    "[rid-base, rid-base + length) is associated with the listed IOMMU, with the IOMMU specifier (r - rid-base + "
    "iommu-base)."};
inline constexpr Clause kAttachShared{Strength::kOpen, "VIRTIO 1.2 §5.13.6.3.2",
    "If another endpoint is already attached to the domain identified by domain, then the device MAY attach the "
    "endpoint identified by endpoint to the domain. If it cannot do so, the device MUST reject the request and set "
    "status to VIRTIO_IOMMU_S_UNSUPP."};
inline constexpr Clause kAttachMove{Strength::kShould, "VIRTIO 1.2 §5.13.6.3.2",
    "If the endpoint identified by endpoint is already attached to another domain, then the device SHOULD first "
    "detach it from that domain and attach it to the one identified by domain."};
inline constexpr Clause kAttachBypassMismatch{Strength::kShould, "VIRTIO 1.2 §5.13.6.3.2",
    "If the domain already exists and the VIRTIO_IOMMU_ATTACH_F_BYPASS flag is not consistent with that domain, the "
    "device SHOULD reject the request and set status to VIRTIO_IOMMU_S_INVAL."};
// Where the endpoint is after a rejected ATTACH that would have moved it: still in its domain (the request
// changed nothing), or detached (it behaved "as if the driver issued a DETACH ..., followed by the ATTACH").
inline constexpr Clause kAttachDetachFirst{Strength::kOpen, "VIRTIO 1.2 §5.13.6.3.2",
    "In that case the device SHOULD behave as if the driver issued a DETACH request with this endpoint, followed by "
    "the ATTACH request."};
// An ATTACH that moves an endpoint and is answered OK: the endpoint is in the new domain, and in no other.
inline constexpr Clause kAttachMoved{Strength::kMust, "VIRTIO 1.2 §5.13.6.3, §5.13.6.3.2",
    "An endpoint can be attached to a single domain at a time. ... A device that does not reject the request MUST "
    "attach the endpoint."};
inline constexpr Clause kAttachMustAttach{Strength::kMust, "VIRTIO 1.2 §5.13.6.3.2",
    "A device that does not reject the request MUST attach the endpoint."};
inline constexpr Clause kBypassDomain{Strength::kMust, "VIRTIO 1.2 §5.13.6.3",
    "Endpoints attached to this domain are in bypass mode."};

// ---- DETACH (§5.13.6.4) ----
inline constexpr Clause kDetachReserved{Strength::kMust, "VIRTIO 1.2 §5.13.6.4.2", "The device MUST ignore reserved."};
inline constexpr Clause kDetachNoEnt{Strength::kMust, "VIRTIO 1.2 §5.13.6.4.2",
    "If the endpoint identified by endpoint doesn't exist, then the device MUST reject the request and set status "
    "to VIRTIO_IOMMU_S_NOENT."};
inline constexpr Clause kDetachNotAttached{Strength::kOpen, "VIRTIO 1.2 §5.13.6.4.2",
    "If the domain identified by domain doesn't exist, or if the endpoint identified by endpoint isn't attached to "
    "this domain, then the device MAY set the request status to VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kDetachNoAccess{Strength::kMust, "VIRTIO 1.2 §5.13.6.4.2",
    "The device MUST ensure that after being detached from a domain, the endpoint cannot access any mapping from "
    "that domain."};
// A defining "ceases": MUST by this file's rule, as kResetDetaches.
inline constexpr Clause kDomainCeases{Strength::kMust, "VIRTIO 1.2 §5.13.6.4",
    "After all endpoints have been successfully detached from a domain, it ceases to exist and its ID can be reused "
    "by the driver for another domain."};

// ---- MAP (§5.13.6.5) ----
inline constexpr Clause kMapAccess{Strength::kMust, "VIRTIO 1.2 §5.13.6.5",
    "After the request succeeds, all endpoints attached to this domain can access memory in the range [virt_start; "
    "virt_end] (inclusive)."};
inline constexpr Clause kMapPa{Strength::kMust, "VIRTIO 1.2 §5.13.6.5",
    "the device (or the physical IOMMU) translates the address: PA = VA - virt_start + phys_start."};
// An attached endpoint's access outside every mapping of its domain goes nowhere. No device-normative sentence says
// so: the MUST rests on the spec's own example (after UNMAP, an access outside every mapping) and on the fault
// reason defined for exactly that access; §5.13.6.5 defines PA only for VA inside [virt_start; virt_end]. Nothing
// in the spec permits another outcome, so it is not OPEN; nor is it a SHOULD the spec recommends.
inline constexpr Clause kNoMapping{Strength::kMust, "VIRTIO 1.2 §5.13 (example), §5.13.6.9",
    "Any access to addresses 0x1000-0x1fff by endpoint 0x8 would now be rejected. / VIRTIO_IOMMU_FAULT_R_MAPPING (2) "
    "The endpoint attempted to access address, which wasn't mapped in the domain or didn't have the correct "
    "protection flags."};
inline constexpr Clause kMapAlign{Strength::kShould, "VIRTIO 1.2 §5.13.6.5.2",
    "If virt_start, phys_start or (virt_end + 1) is not aligned on the page granularity, the device SHOULD reject "
    "the request and set status to VIRTIO_IOMMU_S_RANGE."};
inline constexpr Clause kMapOverlap{Strength::kShould, "VIRTIO 1.2 §5.13.6.5.2",
    "If a mapping already exists in the requested range, the device SHOULD reject the request and set status to "
    "VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kMapFlags{Strength::kMust, "VIRTIO 1.2 §5.13.6.5.2",
    "If the device doesn't recognize a flags bit, it MUST reject the request and set status to "
    "VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kMapNoEnt{Strength::kShould, "VIRTIO 1.2 §5.13.6.5.2",
    "If domain does not exist, the device SHOULD reject the request and set status to VIRTIO_IOMMU_S_NOENT."};
inline constexpr Clause kMapBypassDomain{Strength::kShould, "VIRTIO 1.2 §5.13.6.5.2",
    "If the domain is a bypass domain, the device SHOULD reject the request and set status to "
    "VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kMapNoWrite{Strength::kMust, "VIRTIO 1.2 §5.13.6.5.2",
    "The device MUST NOT allow writes to a range mapped without the VIRTIO_IOMMU_MAP_F_WRITE flag."};
inline constexpr Clause kMapWriteOnlyRead{Strength::kOpen, "VIRTIO 1.2 §5.13.6.5.2",
    "However, if the underlying architecture does not support write-only mappings, the device MAY allow reads to a "
    "range mapped with VIRTIO_IOMMU_MAP_F_WRITE but not VIRTIO_IOMMU_MAP_F_READ."};
// A mapping with neither READ nor WRITE: the READ flag is what allows a read (its definition), and the one
// exception that lets a read through without it (the MAY below, for WRITE-only mappings) does not apply.
inline constexpr Clause kMapNoRead{Strength::kMust, "VIRTIO 1.2 §5.13.6.5, §5.13.6.5.2",
    "/* Read access is allowed */ #define VIRTIO_IOMMU_MAP_F_READ (1 << 0) / the device MAY allow reads to a range "
    "mapped with VIRTIO_IOMMU_MAP_F_WRITE but not VIRTIO_IOMMU_MAP_F_READ."};
inline constexpr Clause kMapMmioType{Strength::kMust, "VIRTIO 1.2 §5.13.6.5",
    "The VIRTIO_IOMMU_MAP_F_MMIO flag is a memory type rather than a protection flag."};
// The flag bit is a known one; only the driver is forbidden to use it without the feature.
inline constexpr Clause kMapMmioNoFeature{Strength::kOpen, "VIRTIO 1.2 §5.13.6.5.1",
    "If the VIRTIO_IOMMU_F_MMIO feature isn't negotiated, the driver MUST NOT use the VIRTIO_IOMMU_MAP_F_MMIO "
    "flag."};
inline constexpr Clause kMapEndBeforeStart{Strength::kOpen, "VIRTIO 1.2 §5.13.6.5.1",
    "virt_end MUST be strictly greater than virt_start."};
inline constexpr Clause kMapResv{Strength::kShould, "VIRTIO 1.2 §5.13.6.8.1.2",
    "The device SHOULD reject a MAP request that overlaps a RESV_MEM region."};

// ---- UNMAP (§5.13.6.6) ----
inline constexpr Clause kUnmapRemoves{Strength::kMust, "VIRTIO 1.2 §5.13.6.6",
    "All mappings covered by the range [virt_start; virt_end] (inclusive) are removed."};
inline constexpr Clause kUnmapReserved{Strength::kOpen, "VIRTIO 1.2 §5.13.6.6.2",
    "If the reserved field of an UNMAP request is not zero, the device MAY set the request status to "
    "VIRTIO_IOMMU_S_INVAL, in which case the device MAY perform the UNMAP operation."};
inline constexpr Clause kUnmapNoEnt{Strength::kShould, "VIRTIO 1.2 §5.13.6.6.2",
    "If domain does not exist, the device SHOULD set the request status to VIRTIO_IOMMU_S_NOENT."};
inline constexpr Clause kUnmapSplit{Strength::kShould, "VIRTIO 1.2 §5.13.6.6.2",
    "If a mapping affected by the range is not covered in its entirety by the range (the UNMAP request would split "
    "the mapping), then the device SHOULD set the request status to VIRTIO_IOMMU_S_RANGE, and SHOULD NOT remove any "
    "mapping."};
inline constexpr Clause kUnmapPartial{Strength::kShould, "VIRTIO 1.2 §5.13.6.6.2",
    "If part of the range or the full range is not covered by an existing mapping, then the device SHOULD remove all "
    "mappings affected by the range and set the request status to VIRTIO_IOMMU_S_OK."};

// ---- PROBE and RESV_MEM (§5.13.6.7, §5.13.6.8.1) ----
inline constexpr Clause kProbeReserved{Strength::kMust, "VIRTIO 1.2 §5.13.6.7.2",
    "The device MUST ignore field reserved of a PROBE request."};
inline constexpr Clause kProbeNoEnt{Strength::kShould, "VIRTIO 1.2 §5.13.6.7.2",
    "If the endpoint identified by endpoint doesn't exist, then the device SHOULD reject the request and set status "
    "to VIRTIO_IOMMU_S_NOENT."};
// F_PROBE offered but not negotiated: the §5.13.6.7.2 SHOULD covers a device that does not offer it; nothing
// fixes what a device that offers it answers.
inline constexpr Clause kProbeNotNegotiated{Strength::kOpen, "VIRTIO 1.2 §5.13.3",
    "VIRTIO_IOMMU_F_PROBE (4) The PROBE request is available."};
inline constexpr Clause kProbeShort{Strength::kShould, "VIRTIO 1.2 §5.13.6.7.2",
    "If the properties list is smaller than probe_size, the device SHOULD NOT write any property. It SHOULD reject "
    "the request and set status to VIRTIO_IOMMU_S_INVAL."};
inline constexpr Clause kPropReserved{Strength::kShould, "VIRTIO 1.2 §5.13.6.7.2",
    "The device SHOULD set field reserved of a property to zero."};
inline constexpr Clause kPropLength{Strength::kMust, "VIRTIO 1.2 §5.13.6.7.2",
    "The device MUST write the size of a property without the struct virtio_iommu_probe_property header, in bytes, "
    "into length."};
inline constexpr Clause kProbeZeroFill{Strength::kShould, "VIRTIO 1.2 §5.13.6.7.2",
    "If the device doesn't fill all probe_size bytes with properties, it SHOULD fill the remaining bytes of "
    "properties with zeroes."};
inline constexpr Clause kResvMemReserved{Strength::kShould, "VIRTIO 1.2 §5.13.6.8.1.2",
    "The device SHOULD set reserved to zero."};
// Which regions a device reports is the VMM's choice; the suite's platform facts are what it expects.
inline constexpr Clause kResvMemRegions{Strength::kOpen, "VIRTIO 1.2 §5.13.6.8.1",
    "It may be used by the device to describe virtual address ranges that cannot be used by the driver, or that "
    "are special."};
// An MSI doorbell region is reachable without a mapping; whether a read of it passes is not fixed.
inline constexpr Clause kResvMsi{Strength::kOpen, "VIRTIO 1.2 §5.13.6.8.1",
    "If the endpoint doesn't have a VIRTIO_IOMMU_RESV_MEM_T_MSI property, then the driver creates an MMIO mapping to "
    "the doorbell of the MSI controller."};

// ---- fault reports (§5.13.6.9) ----
inline constexpr Clause kFaultOptional{Strength::kOpen, "VIRTIO 1.2 §5.13.6.9",
    "The device can report translation faults and other significant asynchronous events on the event virtqueue."};
// The reason the model gives, or R_UNKNOWN (a report is optional, so a less precise one is permitted); any
// other reason states something that did not happen.
inline constexpr Clause kFaultReason{Strength::kOpen, "VIRTIO 1.2 §5.13.6.9",
    "VIRTIO_IOMMU_FAULT_R_UNKNOWN (0) An internal error happened, or an error that cannot be described with the "
    "following reasons."};
// F_READ / F_WRITE are information: either absent, or naming the access that faulted.
inline constexpr Clause kFaultFlags{Strength::kOpen, "VIRTIO 1.2 §5.13.6.9", "flags Information about the fault context."};
inline constexpr Clause kFaultAddress{Strength::kMust, "VIRTIO 1.2 §5.13.6.9",
    "address If VIRTIO_IOMMU_FAULT_F_ADDRESS is set, the address causing the fault."};
inline constexpr Clause kFaultAddressMay{Strength::kOpen, "VIRTIO 1.2 §5.13.6.9.2",
    "The device MAY omit setting VIRTIO_IOMMU_FAULT_F_ADDRESS and writing address in any fault report, regardless "
    "of the reason."};
inline constexpr Clause kFaultEndpoint{Strength::kShould, "VIRTIO 1.2 §5.13.6.9.2",
    "The device SHOULD write a valid endpoint ID in endpoint."};
inline constexpr Clause kFaultReserved{Strength::kShould, "VIRTIO 1.2 §5.13.6.9.2",
    "The device SHOULD set reserved and reserved1 to zero."};
inline constexpr Clause kFaultUndefinedFlags{Strength::kShould, "VIRTIO 1.2 §5.13.6.9.2",
    "The device SHOULD set undefined flags to zero."};
// A translation fault reported for an access the spec lets through names a reason that did not happen.
inline constexpr Clause kFaultNone{Strength::kOpen, "VIRTIO 1.2 §5.13.6.9",
    "VIRTIO_IOMMU_FAULT_R_MAPPING (2) The endpoint attempted to access address, which wasn't mapped in the domain or "
    "didn't have the correct protection flags."};

}  // namespace virtio_iommu_tests
