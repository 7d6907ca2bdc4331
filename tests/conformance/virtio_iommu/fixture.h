// The virtio-iommu.* cases' common ground: a Session resets the device, builds the reference model from
// what the device advertises and what the platform says (endpoint IDs, reserved regions), and then sends
// every request to both, judging the device's answer against the model's with the clause the spec gives
// for that request (clauses.h). DMA goes through an endpoint and its outcome (completion, data at the
// translated address through the kit's DmaProbe, fault report field by field) is judged against
// model.translate_range(). The kit's property cases reach the same session through adapter.h.
//
// Where the spec lets the device choose, a request names what it permits (Permit): an answer in that set
// passes and, when it differs from the model's, is noted (t.choice); the session then follows the device:
// it replays the request on the model with the one choice (model::virtio_iommu::Choices) that reproduces
// the device's answer, so that later predictions rest on what the device actually did.
//
// Test IOVAs live at kIova (64 GiB), far above guest RAM, so the identity mappings of the endpoint
// drivers' own memory (rings, request headers) never collide with them, and inside a 39-bit input_range
// (QEMU 10.0's default on q35). Cases that must see a leak through an untranslated (identity) access
// use a buffer's own physical address as the IOVA instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "drivers/iommu/virtio_iommu/endpoint_id.h"
#include "drivers/iommu/virtio_iommu/virtio_iommu.h"
#include "kernel/test.h"
#include "model/virtio_iommu/device.h"
#include "tests/conformance/virtio_iommu/clauses.h"
#include "tests/conformance/virtio_iommu/verdict.h"
#include "tests/kit/dma_probe.h"

namespace virtio_iommu_tests {

namespace vi = drivers::virtio_iommu;
namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

inline constexpr uint64_t kIova = 0x10'0000'0000;
// Cases use domain IDs 1..kCaseDomains only (the session detaches every endpoint from them at its end).
inline constexpr uint32_t kCaseDomains = 9;
inline constexpr uint32_t kR = sv::ReqMap::kFlagRead, kW = sv::ReqMap::kFlagWrite, kMmio = sv::ReqMap::kFlagMmio;
inline constexpr uint32_t kRW = kR | kW;
// The kit's direction type (what the endpoint does to memory), and the model's name for it.
inline constexpr kit::Direction kDevReads = kit::Direction::kDeviceReads;    // DmaEndpoint::read
inline constexpr kit::Direction kDevWrites = kit::Direction::kDeviceWrites;  // DmaEndpoint::write
constexpr mv::Access access(kit::Direction d) {
  return d == kDevReads ? mv::Access::kRead : mv::Access::kWrite;
}

// What a request helper returns besides a status byte (verdict.h): kNoStatus, kReset (the driver then
// reset and re-initialized the device), kLost (never returned within the bound, or not submitted).
using verdict::bit;
using verdict::kLost;
using verdict::kNoStatus;
using verdict::kReset;
inline constexpr uint8_t kOk = 0;

// The answers the spec permits for one request besides the model's own, and the clause that decides: a
// MUST clause fails the case on any other answer, a SHOULD one warns, an OPEN one fails only outside the
// permitted set and notes a permitted answer that differs from the model's.
struct Permit : verdict::Allowed {
  Permit(const kernel::Clause& c) : clause(&c) {}  // NOLINT: a bare clause permits the model's answer only
  Permit& also(uint32_t status_bits) {
    statuses |= status_bits;
    return *this;
  }
  const kernel::Clause* clause;
  const kernel::Clause* note = nullptr;  // the clause a permitted difference is noted under (default: clause)
};
// Any answer (the request is one only the driver is forbidden to send).
inline Permit any_answer(const kernel::Clause& c) {
  Permit p(c);
  p.any = true;
  return p;
}
// Any error answer: a status other than OK, the chain returned unwritten, or DEVICE_NEEDS_RESET.
inline Permit any_error(const kernel::Clause& c) {
  Permit p(c);
  p.statuses = ~bit(sv::Status::kOk);
  p.unwritten = p.needs_reset = true;
  return p;
}
// A chain the device cannot parse (§5.13.6, §2.1.2): returned unwritten or DEVICE_NEEDS_RESET.
inline Permit unparsable() {
  Permit p(kMalformed);
  p.unwritten = p.needs_reset = true;
  return p;
}

// An endpoint behind the IOMMU with its endpoint ID.
struct Ep {
  drivers::DmaEndpoint* dma = nullptr;
  uint32_t id = 0;
  explicit operator bool() const { return dma != nullptr; }
};

// A DMA buffer of whole granules (zeroed at allocation, freed with the object); fill() writes the kit's pattern.
class Buf {
 public:
  Buf() = default;
  ~Buf();
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  bool alloc(size_t len);
  uint64_t pa() const { return pa_; }
  size_t len() const { return len_; }
  uint8_t* data() const { return reinterpret_cast<uint8_t*>(pa_); }
  void fill(uint8_t seed) const;

 private:
  uint64_t pa_ = 0;
  size_t len_ = 0;
};

class Session {
 public:
  explicit Session(kernel::Test& t) : t_(t) {}
  ~Session();  // leaves the device reset with its boot bypass value: other groups see the boot state

  // Resets and initializes the device with `want` (device-specific features), builds the model. False
  // (after t.skip, a failed check or t.error) when the case cannot go on.
  bool begin(uint64_t want = vi::VirtioIommu::kWanted);
  // False after t.skip when the driver did not negotiate the device feature `feature` (`name` in the spec).
  bool require(uint64_t feature, const char* name);
  // The endpoint called `name` (virtio-blk, virtio-rng, edu) with its ID; skips the case when absent.
  Ep need(const char* name);
  // Allocates `bufs` of `len` bytes each; false after t.error when the DMA pool is exhausted.
  bool alloc(std::initializer_list<Buf*> bufs, size_t len);

  // Requests, each sent to the device and the model; the device's answer is judged against the model's
  // under `p` (default: the request is valid and the model answers it, §5.13.6.2 SHOULD OK). Returns the
  // device's status, kNoStatus, kReset or kLost.
  uint8_t attach(uint32_t domain, uint32_t ep, uint32_t flags = 0, const Permit& p = kStatusOk);
  uint8_t detach(uint32_t domain, uint32_t ep, const Permit& p = kStatusOk);
  uint8_t map(uint32_t domain, uint64_t va, uint64_t size, uint64_t pa, uint32_t flags,
              const Permit& p = kStatusOk);  // [va, va+size)
  uint8_t unmap(uint32_t domain, uint64_t va, uint64_t size, const Permit& p = kStatusOk);
  // Any request: `len` readable bytes already in dev().request_page(), a writable part of reply_len
  // bytes with the status at status_off. `what` names it in diagnostics.
  uint8_t exchange(const char* what, size_t len, uint32_t reply_len, uint32_t status_off, const Permit& p);
  // Hand-built chains (descriptor split as given); the model sees the concatenated parts.
  uint8_t exchange_chain(const char* what, const vi::ChainPart* parts, size_t n, uint32_t status_off,
                         const Permit& p);

  // Attaches `ep` to `domain` and maps its driver's own DMA memory there at iova == pa (read/write).
  // False when the device did not accept one of them (already judged): the case cannot go on.
  bool attach_with_driver_memory(const Ep& ep, uint32_t domain);
  // Maps the driver memory of `ep` into `domain` (iova == pa).
  bool map_driver_memory(const Ep& ep, uint32_t domain);

  // One DMA of `len` bytes at iova by `ep`, in direction `d`, judged against the model. Allowed: the
  // endpoint completes it (dma.status, under `allowed` or the clause of the model's translation: the
  // mapping's, bypass's) and no translation fault names it (fault.none). Blocked: the fault report, which
  // is optional, names the endpoint, address, reason and direction as permitted (fault.*). What must stay
  // untouched is the case's to check (untouched(), roundtrip()). Returns true when the DMA completed.
  bool dma(const Ep& ep, uint64_t iova, size_t len, kit::Direction d, const kernel::Clause* allowed = nullptr);
  // A device read of `len` bytes at src_iova, judged by the kit's DmaProbe with dst_iova as its staging
  // area (the endpoint writes what it read back out there). The model allows the read: it reaches `src`
  // at src_iova's page offset (oracle), completes (dma.status), delivers the pattern (dma.data) and
  // leaves the rest of src's pages alone (dma.canary), under `allowed` or the translation's clause; no
  // fault report names either access (fault.none). The model blocks it: the fault report is judged
  // (fault.*) and none of src's bytes reach the endpoint (dma.no_leak under `blocked`). A write-back the
  // model blocks is judged by dma() alone. Returns true when the bytes arrived as the model says.
  bool roundtrip(const Ep& ep, uint64_t src_iova, const Buf& src, uint64_t dst_iova, size_t len, uint8_t seed,
                 const kernel::Clause& blocked = kNoMapping, const kernel::Clause* allowed = nullptr);
  // dma.untouched under `c`: bytes [off, off+n) of `b` still all hold `fill`.
  bool untouched(const kernel::Clause& c, const Buf& b, size_t off, size_t n, uint8_t fill, const char* what);
  // Judges the next fault report of an access in direction `d` against `expected` (the model's).
  void expect_fault(const mv::FaultRecord& expected, kit::Direction d);
  // fault.none: no translation fault report names the allowed access [iova, iova+len) of `ep`.
  void expect_no_fault(const Ep& ep, uint64_t iova, size_t len, const char* after);

  // Config write of `bypass` on device and model, read back (config.bypass).
  void set_bypass(uint8_t v);

  // The device took the other permitted outcome `field` where no status showed it (the case saw it in
  // memory): the model replays its last request with that choice and predicts from there on.
  void adopt(bool mv::Choices::*field, bool replay_last_request);

  vi::VirtioIommu& dev() { return *dev_; }
  mv::Device& model() { return model_; }
  uint64_t granule() const { return model_.granule(); }
  // Size of a test buffer: one granule (at least 4 KiB).
  size_t page() const { return granule() < 4096 ? 4096 : static_cast<size_t>(granule()); }
  kernel::Test& t() { return t_; }

 private:
  void resync_after_reset();  // the driver reset the device: reset the model to match
  // The device's answer differs from the model's but is permitted: follow it when one choice explains it.
  void follow(uint8_t device_answer, uint32_t wlen);
  bool under_test(uint32_t endpoint) const;

  kernel::Test& t_;
  vi::VirtioIommu* dev_ = nullptr;
  mv::Device model_;
  uint64_t want_ = 0;
  bool begun_ = false;
  static constexpr size_t kMaxNamed = 8;
  uint32_t named_[kMaxNamed] = {};  // endpoint IDs passed to attach(), detached again at the end
  size_t n_named_ = 0;
  uint32_t needed_[kMaxNamed] = {};  // endpoint IDs the case took with need(): its DMA masters
  size_t n_needed_ = 0;
};

// The common start of a case: a session with virtio-blk attached to domain 1 (its driver memory mapped
// there) and two buffers, src and dst, of `pages` test pages each. begin() is false (after t.skip, a
// failed check or t.error) when the case cannot go on.
struct BlkCase {
  Session s;
  Ep blk, rng;
  Buf src, dst;
  explicit BlkCase(kernel::Test& t) : s(t) {}
  bool begin(size_t pages = 1);
  // virtio-rng joins domain 1, its driver memory mapped there. Endpoints sharing a domain are the
  // device's choice (§5.13.6.3.2: MAY, else UNSUPP): false when it is refused, rng is absent (skipped) or
  // a request failed.
  bool join_rng();
  uint64_t pg() const { return s.page(); }
};

// Boot value of config.bypass, read once before any case changed it.
uint8_t boot_bypass();
const char* answer_name(uint8_t a);

}  // namespace virtio_iommu_tests
