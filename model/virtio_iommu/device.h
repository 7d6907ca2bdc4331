// Reference model of a virtio-iommu device (VIRTIO 1.2 §5.13): the hypervisor side, written from the
// specification so that a VMM author can read it beside the spec.
//
// The model is a pure function of what the driver sends: feature negotiation, writes to config.bypass,
// device resets and the request stream (each request as its device-readable and device-writable parts).
// From that it returns what the device answers and keeps the domain / endpoint / mapping state, so
// translate() predicts what every later DMA of an endpoint does. Fixed-size tables, no heap, no
// exceptions: the guest links this as its oracle.
//
// Where the specification leaves a decision to the device, the model decides as follows (C1..C16 are
// cited by the unit tests and the conformance cases). They are the model's choices, not requirements: a
// conformance case accepts every answer the spec permits and only notes a device that chose otherwise.
// Where the spec permits another answer, `Choices` (below) names it, so that the model can also play a
// device that takes it (tests/unit/virtio_iommu/choices_test.cpp; the hosted runner's model-choices=alt,
// tests/lit/model-virtio-iommu-alt.test).
//   C1  A chain whose device-readable part is shorter than the request head or whose device-writable
//       part is shorter than the tail cannot be parsed: the buffers are returned unwritten, used length 0
//       (§5.13.6 "When the device fails to parse a request ... returns the buffers without writing").
//       Other: DEVICE_NEEDS_RESET (§2.1.2 "when it enters an error state that a reset is needed").
//   C2  An unrecognized request type, PROBE without VIRTIO_IOMMU_F_PROBE negotiated and MAP/UNMAP without
//       VIRTIO_IOMMU_F_MAP_UNMAP negotiated are not recognized: used length 0, nothing written
//       (§5.13.6.2 SHOULD for an unrecognized type). Other: UNSUPP written for an unknown type (a SHOULD
//       not followed); PROBE answered when F_PROBE is offered but not negotiated (nothing fixes it).
//   C3  A device-readable part shorter than its type's structure, with the tail still found in the
//       writable part, is answered INVAL. Bytes beyond the structure are ignored (room for extensions,
//       as PROBE's reserved padding). Other: the short request returned unwritten, the long one INVAL.
//   C4  The tail of ATTACH/DETACH/MAP/UNMAP is the first 4 bytes of the writable part (used length 4);
//       PROBE's tail follows probe_size bytes of properties (used length probe_size + 4).
//   C5  A PROBE whose writable part is shorter than probe_size + 4 writes no property, puts INVAL in the
//       last 4 bytes of the writable part and reports the whole writable part as used (§5.13.6.7 SHOULD).
//       Other (QEMU 10.0's, SHOULDs not followed): status OK in the first 4 bytes, used length 4.
//   C6  A domain outside domain_range (DOMAIN_RANGE offered) is answered RANGE by every request that names
//       one, before any other check of the domain. Other: INVAL (only the driver is bound, §5.13.6.1).
//   C7  MAP with virt_end < virt_start is INVAL (only the driver is bound, §5.13.6.5.1; other: OK, nothing
//       mapped); a mapping that leaves input_range (§5.13.6 "fails") or whose physical end wraps past 2^64
//       is RANGE (other: INVAL); a MAP overlapping a RESV_MEM region is INVAL (§5.13.6.8.1.2 SHOULD;
//       other, with the alignment SHOULD of §5.13.6.5.2: not checked).
//   C8  MAP_F_MMIO without VIRTIO_IOMMU_F_MMIO negotiated is INVAL (only the driver is bound; other: the
//       flag is taken as negotiated).
//   C9  UNMAP ignores its reserved field and may name addresses outside input_range (nothing is mapped
//       there); a range that would split a mapping is RANGE and removes nothing. Other (§5.13.6.6.2 MAY):
//       reserved != 0 answered INVAL, nothing unmapped.
//   C10 DETACH of an existing endpoint that is not attached to `domain` is INVAL (§5.13.6.4 MAY; other: OK,
//       nothing changes).
//   C11 ATTACH to the domain the endpoint is already attached to changes nothing (mappings are kept).
//       ATTACH that fails leaves the endpoint where it was. Other, for an ATTACH rejected because of its
//       bypass flag: the endpoint was detached first (§5.13.6.3.2 "as if the driver issued a DETACH request
//       ..., followed by the ATTACH request") and ends unattached.
//   C12 A domain ceases to exist, with its mappings, when its last endpoint leaves it (DETACH or a move).
//   C13 Mappings are strict: a write-only mapping does not allow reads (other, §5.13.6.5.2 MAY: it does).
//       A mapping without READ and WRITE allows nothing. MMIO mappings translate like memory ones.
//   C14 Every fault report carries F_ADDRESS with the first faulting address and F_READ or F_WRITE for the
//       access direction; reserved fields are zero; endpoint is the endpoint ID. Other: F_READ/F_WRITE only
//       in permission faults (flags are "information"); F_ADDRESS omitted (§5.13.6.9.2 MAY).
//   C15 Reserved regions apply to endpoints translated through a (non-bypass) domain: an access to an MSI
//       region is passed through untranslated, to a RESERVED region faults R_MAPPING. An unattached endpoint
//       that is not in bypass mode faults R_DOMAIN whatever the address (other: R_UNKNOWN).
//   C16 config.bypass keeps its value across device reset (§5.13.4 SHOULD); FEATURES_OK is refused when the
//       driver accepts a device-specific feature that was not offered (§2.2.1 binds only the driver; other:
//       the bit is masked and FEATURES_OK kept).
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

// The other permitted outcome of each choice above; all false is the model's own choices. A field set
// plays a device that answers the other way the spec permits (SHOULD-level ones included: those make a
// case warn, never fail).
struct Choices {
  bool malformed_needs_reset = false;   // C1: DEVICE_NEEDS_RESET instead of returning the chain unwritten
  bool unknown_type_unsupp = false;     // C2: an unrecognized type answered UNSUPP (used length 4)
  bool probe_unnegotiated = false;      // C2: PROBE answered while F_PROBE is offered but not negotiated
  bool strict_request_size = false;     // C3: a short readable part returned unwritten, a long one INVAL
  bool probe_short_ok_first = false;    // C5: short PROBE answered OK in the first 4 bytes, used length 4
  bool range_errors_inval = false;      // C6, C7: out-of-range domain / input address answered INVAL
  bool map_inverted_ok = false;         // C7: MAP virt_end < virt_start answered OK, nothing mapped
  bool map_unchecked = false;           // C7: MAP alignment and RESV_MEM overlap not checked (SHOULDs)
  bool mmio_flag_unnegotiated = false;  // C8: MAP_F_MMIO accepted without F_MMIO negotiated
  bool unmap_reserved_inval = false;    // C9: UNMAP with reserved != 0 answered INVAL, nothing unmapped
  bool detach_elsewhere_ok = false;     // C10: DETACH from a domain the endpoint is not in answered OK
  bool attach_detaches_first = false;   // C11: a bypass-inconsistent ATTACH detaches the endpoint first
  bool write_only_readable = false;     // C13: a write-only mapping allows reads
  bool fault_direction_sparse = false;  // C14: F_READ/F_WRITE only in permission faults
  bool fault_no_address = false;        // C14: F_ADDRESS never set
  bool unattached_fault_unknown = false;  // C15: unattached, not bypassing: R_UNKNOWN instead of R_DOMAIN
  bool accept_unoffered = false;        // C16: unoffered driver features masked, FEATURES_OK kept

  // Every field set: a device that takes the other permitted outcome everywhere (QEMU's pick where QEMU
  // takes one).
  static Choices alternative();
  // The fields by name, for notes and command lines.
  struct Field {
    const char* name;
    bool Choices::*member;
  };
  static constexpr size_t kFields = 17;
  static const Field kFieldList[kFields];
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
  bool needs_reset = false;  // the device sets DEVICE_NEEDS_RESET instead of returning the chain (C1 other)
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

  explicit Device(const DeviceConfig& c = DeviceConfig{}, const Choices& ch = Choices{});

  const Choices& choices() const { return ch_; }
  void set_choices(const Choices& ch) { ch_ = ch; }

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
  uint8_t range_error() const;
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
  Choices ch_;
  uint64_t negotiated_ = 0;
  uint8_t bypass_ = 0;
  Endpoint eps_[kMaxEndpoints];
  Domain doms_[kMaxDomains];
  Mapping maps_[kMaxMappings];
  ResvRegion resv_[kMaxResv];
  size_t resv_count_ = 0;
};

}  // namespace model::virtio_iommu
