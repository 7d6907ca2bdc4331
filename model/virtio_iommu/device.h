// Reference model of a virtio-iommu device (VIRTIO 1.2 §5.13): the hypervisor side, written from the
// specification so that a VMM author can read it beside the spec.
//
// The model is a pure function of what the driver sends: feature negotiation, writes to config.bypass,
// device resets and the request stream (each request as its device-readable and device-writable parts).
// From that it returns what the device must answer and keeps the domain / endpoint / mapping state, so
// translate() predicts what every later DMA of an endpoint must do. Fixed-size tables, no heap, no
// exceptions: the guest links this as its oracle.
//
// Where the specification leaves a decision to the device, the model decides as follows (C1..C16 are
// cited by the unit tests and the conformance cases):
//   C1  A chain whose device-readable part is shorter than the request head or whose device-writable
//       part is shorter than the tail cannot be parsed: the buffers are returned unwritten, used length 0
//       (§5.13.6 "When the device fails to parse a request ... returns the buffers without writing").
//   C2  An unrecognized request type, PROBE without VIRTIO_IOMMU_F_PROBE negotiated and MAP/UNMAP without
//       VIRTIO_IOMMU_F_MAP_UNMAP negotiated are not recognized: used length 0, nothing written
//       (§5.13.6.1 device requirements, §5.13.6.7).
//   C3  A device-readable part shorter than its type's structure, with the tail still found in the
//       writable part, is answered INVAL. Bytes beyond the structure are ignored (room for extensions,
//       as PROBE's reserved padding).
//   C4  The tail of ATTACH/DETACH/MAP/UNMAP is the first 4 bytes of the writable part (used length 4);
//       PROBE's tail follows probe_size bytes of properties (used length probe_size + 4).
//   C5  A PROBE whose writable part is shorter than probe_size + 4 writes no property, puts INVAL in the
//       last 4 bytes of the writable part and reports the whole writable part as used (§5.13.6.7).
//   C6  A domain outside domain_range (DOMAIN_RANGE offered) is answered RANGE by every request that names
//       one, before any other check of the domain.
//   C7  MAP with virt_end < virt_start is INVAL; a mapping that leaves input_range or whose physical end
//       wraps past 2^64 is RANGE; a MAP overlapping a RESV_MEM region is INVAL (§5.13.6.8.1 "SHOULD reject").
//   C8  MAP_F_MMIO without VIRTIO_IOMMU_F_MMIO negotiated is an unrecognized flag: INVAL.
//   C9  UNMAP ignores its reserved field and may name addresses outside input_range (nothing is mapped
//       there); a range that would split a mapping is RANGE and removes nothing.
//   C10 DETACH of an existing endpoint that is not attached to `domain` is INVAL (§5.13.6.4 MAY).
//   C11 ATTACH to the domain the endpoint is already attached to changes nothing (mappings are kept).
//       ATTACH that fails leaves the endpoint where it was.
//   C12 A domain ceases to exist, with its mappings, when its last endpoint leaves it (DETACH or a move).
//   C13 Mappings are strict: a write-only mapping does not allow reads. A mapping without READ and WRITE
//       allows nothing. MMIO mappings translate like memory ones.
//   C14 Every fault report carries F_ADDRESS with the first faulting address and F_READ or F_WRITE for the
//       access direction; reserved fields are zero; endpoint is the endpoint ID.
//   C15 Reserved regions apply to endpoints translated through a (non-bypass) domain: an access to an MSI
//       region is passed through untranslated, to a RESERVED region faults R_MAPPING. An unattached endpoint
//       that is not in bypass mode faults R_DOMAIN whatever the address.
//   C16 config.bypass keeps its value across device reset (§5.13.4 SHOULD); FEATURES_OK is refused when the
//       driver accepts a device-specific feature that was not offered (§3.1.1, §2.2).
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/virtio_iommu/virtio_iommu.h"

namespace model::virtio_iommu {

namespace sv = spec::virtio_iommu;

// What the VMM chose when it built the device (the device configuration and offered features).
struct DeviceConfig {
  uint64_t features = sv::feature::kInputRange | sv::feature::kDomainRange | sv::feature::kMapUnmap |
                      sv::feature::kProbe | sv::feature::kMmio | sv::feature::kBypassConfig;
  uint64_t page_size_mask = ~uint64_t{0xfff};
  uint64_t input_start = 0;
  uint64_t input_end = ~uint64_t{0};
  uint32_t domain_start = 0;
  uint32_t domain_end = ~uint32_t{0};
  uint32_t probe_size = 512;
  uint8_t bypass = 1;  // initial value of config.bypass (BYPASS_CONFIG devices MAY start at 1)
};

struct ResvRegion {
  uint64_t start = 0;
  uint64_t end = 0;  // inclusive
  uint8_t subtype = sv::ProbeResvMem::kSubtypeReserved;
};

enum class Access : uint8_t { kRead, kWrite };

struct FaultRecord {
  uint8_t reason = 0;
  uint32_t flags = 0;
  uint32_t endpoint = 0;
  uint64_t address = 0;
};

struct Translation {
  bool ok = false;
  bool bypassed = false;  // identity because of bypass mode or an MSI region
  uint64_t pa = 0;
  FaultRecord fault;
};

// What the device does with one request chain.
struct Completion {
  bool written = false;  // false: buffers returned without being written (used length 0)
  uint32_t used_len = 0;
  uint8_t status = 0;    // the tail's status when written
};

class Device {
 public:
  static constexpr size_t kMaxEndpoints = 16;
  static constexpr size_t kMaxDomains = 32;
  static constexpr size_t kMaxMappings = 128;
  static constexpr size_t kMaxResv = 8;

  explicit Device(const DeviceConfig& c = DeviceConfig{});

  // Platform: the endpoint IDs this device translates, and the reserved regions it reports for them.
  bool add_endpoint(uint32_t id);
  bool add_reserved_region(const ResvRegion& r);

  // Transport events.
  void reset();                                // device reset (§5.13.5): no endpoint attached
  bool negotiate(uint64_t driver_features);    // device-specific bits; false: FEATURES_OK refused (C16)
  bool write_bypass(uint8_t value);            // config.bypass write; false: rejected, unchanged

  // One request: `req` the device-readable bytes, `reply` the device-writable bytes (written in place).
  Completion handle(const uint8_t* req, size_t req_len, uint8_t* reply, size_t reply_cap);

  // What a DMA access of the endpoint at iova must do.
  Translation translate(uint32_t endpoint, uint64_t iova, Access a) const;
  // A DMA of [iova, iova + len): ok (pa of the first byte) when every byte is allowed, otherwise the
  // fault of the first byte that is not.
  Translation translate_range(uint32_t endpoint, uint64_t iova, uint64_t len, Access a) const;

  // The configuration space as the device presents it.
  sv::Config config() const;
  uint64_t offered() const { return cfg_.features; }
  uint64_t negotiated() const { return negotiated_; }
  uint64_t granule() const;
  bool in_bypass_mode_when_unattached() const;
  bool attached(uint32_t endpoint, uint32_t* domain = nullptr) const;
  bool domain_exists(uint32_t domain) const;
  size_t mapping_count(uint32_t domain) const;
  size_t resv_count() const { return resv_count_; }
  const ResvRegion& resv(size_t i) const { return resv_[i]; }

 private:
  struct Endpoint {
    bool valid = false;
    uint32_t id = 0;
    bool attached = false;
    uint32_t domain = 0;
  };
  struct Domain {
    bool valid = false;
    uint32_t id = 0;
    bool bypass = false;
  };
  struct Mapping {
    bool valid = false;
    uint32_t domain = 0;
    uint64_t low = 0, high = 0;  // inclusive
    uint64_t phys = 0;
    uint32_t flags = 0;
  };

  uint8_t attach(const sv::ReqAttach& r);
  uint8_t detach(const sv::ReqDetach& r);
  uint8_t map(const sv::ReqMap& r);
  uint8_t unmap(const sv::ReqUnmap& r);
  Completion probe(const sv::ReqProbe& r, uint8_t* reply, size_t reply_cap);

  Endpoint* find_endpoint(uint32_t id);
  const Endpoint* find_endpoint(uint32_t id) const;
  Domain* find_domain(uint32_t id);
  const Domain* find_domain(uint32_t id) const;
  bool domain_in_range(uint32_t id) const;
  void leave_domain(Endpoint& ep);  // detach; destroys the domain when it was the last endpoint (C12)
  bool last_in_domain(const Endpoint& ep) const;
  void destroy_domain(uint32_t id);
  const Mapping* find_mapping(uint32_t domain, uint64_t iova) const;

  DeviceConfig cfg_;
  uint64_t negotiated_ = 0;
  uint8_t bypass_ = 0;
  Endpoint eps_[kMaxEndpoints];
  Domain doms_[kMaxDomains];
  Mapping maps_[kMaxMappings];
  ResvRegion resv_[kMaxResv];
  size_t resv_count_ = 0;
};

}  // namespace model::virtio_iommu
