// virtio-iommu.malformed.*: request chains a driver must not send. The device answers each with an error
// status, returns the buffers unwritten (§5.13.6), or sets DEVICE_NEEDS_RESET (§2.1.2: the driver then
// resets it) — which one is the device's choice — and afterwards serves well-formed requests again.
// Every wait is bounded.
#include <cstdio>
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

namespace {

// After a malformed request the device must still serve a well-formed one.
void still_works(Session& s, const Ep& blk) {
  if (s.attach(4, blk.id) == kOk) s.detach(4, blk.id);
}

void attach_bytes(Session& s, uint32_t ep) {
  sv::ReqAttach r;
  r.set_domain(1).set_endpoint(ep);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqAttach::kReadable);
}

// Begins the session and finds virtio-blk; an empty Ep when the case cannot go on (skipped or failed).
Ep begin_blk(Session& s) {
  if (!s.begin()) return {};
  return s.need("virtio-blk");
}

// begin_blk() with ATTACH(domain 1, virtio-blk) in the request page, for the case to mangle and send.
Ep begin_with_attach(Session& s) {
  const Ep blk = begin_blk(s);
  if (blk) attach_bytes(s, blk.id);
  return blk;
}

// ATTACH's bytes sent as a request of an unrecognized type: SHOULD NOT be written, used length 0
// (§5.13.6.2); DEVICE_NEEDS_RESET also leaves the buffer unwritten. Then a well-formed request.
void send_unknown_type(kernel::Test& t, uint8_t type) {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  s.dev().request_page()[0] = type;
  Permit p(kUnknownType);
  p.needs_reset = true;
  char what[32];
  snprintf(what, sizeof what, "request of type 0x%x", type);
  s.exchange(what, sv::ReqAttach::kReadable, sv::kTailSize, 0, p);
  still_works(s, blk);
}

}  // namespace

VIOMMU_TEST(vi_bad_unknown_type, "virtio-iommu.malformed.unknown_type", "virtio-iommu,malformed") {
  send_unknown_type(t, 0x42);
}

VIOMMU_TEST(vi_bad_type_zero, "virtio-iommu.malformed.type_zero", "virtio-iommu,malformed") {
  send_unknown_type(t, 0);
}

VIOMMU_TEST(vi_bad_truncated, "virtio-iommu.malformed.truncated_body", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_blk(s);
  if (!blk) return;
  if (s.attach(1, blk.id) != kOk) return;
  sv::ReqMap r;
  r.set_domain(1).set_virt_start(kIova).set_virt_end(kIova + 0xfff).set_phys_start(0).set_flags(kRW);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqMap::kReadable);
  // 20 of MAP's 36 readable bytes, the tail still in its own buffer: not a MAP the device can carry out.
  // The model answers INVAL (C3); any error answer is permitted, OK is not.
  const uint8_t st = s.exchange("MAP truncated to 20 bytes", 20, sv::kTailSize, 0, any_error(kRequestSize));
  if (st == kReset) {
    if (s.attach(1, blk.id) != kOk) return;
  }
  s.map(1, kIova, 0x1000, 0, kRW);  // SHOULD-INVAL overlap if the truncated MAP had mapped something
}

VIOMMU_TEST(vi_bad_oversized, "virtio-iommu.malformed.oversized_body", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  memset(s.dev().request_page() + sv::ReqAttach::kReadable, 0xee, 44);
  // 64 readable bytes for a 20-byte ATTACH: nothing fixes the answer. The model ignores the extra bytes
  // (C3) and attaches; a device may reject the request instead.
  const uint8_t st = s.exchange("ATTACH with 44 trailing bytes", 64, sv::kTailSize, 0, any_answer(kRequestSize));
  // An ATTACH the device answered OK took effect: the endpoint is in domain 1 and can be detached.
  if (st == kOk) s.detach(1, blk.id);
  still_works(s, blk);
}

VIOMMU_TEST(vi_bad_head_reserved, "virtio-iommu.malformed.head_reserved_set", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  s.dev().request_page()[1] = s.dev().request_page()[2] = s.dev().request_page()[3] = 0xff;
  s.exchange("ATTACH with head.reserved set", sv::ReqAttach::kReadable, sv::kTailSize, 0, kHeadReserved);
}

VIOMMU_TEST(vi_bad_no_tail, "virtio-iommu.malformed.no_writable_tail", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  // No device-writable buffer at all: the device cannot find the tail (model C1: returned unwritten).
  const vi::ChainPart parts[1] = {{false, 0, sv::ReqAttach::kReadable}};
  s.exchange_chain("ATTACH without a writable part", parts, 1, vi::VirtioIommu::kReplySize, unparsable());
  still_works(s, blk);
}

VIOMMU_TEST(vi_bad_short_tail, "virtio-iommu.malformed.short_tail", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  s.exchange("ATTACH with a 2-byte writable part", sv::ReqAttach::kReadable, 2, 0, unparsable());
  still_works(s, blk);
}

VIOMMU_TEST(vi_bad_short_head, "virtio-iommu.malformed.short_head", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  // A 2-byte readable part: no head to read. Unwritten or DEVICE_NEEDS_RESET (C1); an error status in a
  // tail the device did find is a permitted answer too.
  Permit p = unparsable();
  p.statuses = ~bit(sv::Status::kOk);
  s.exchange("request with a 2-byte readable part", 2, sv::kTailSize, 0, p);
  still_works(s, blk);
}

VIOMMU_TEST(vi_bad_split, "virtio-iommu.malformed.split_descriptors", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_blk(s);
  if (!blk) return;
  if (s.attach(1, blk.id) != kOk) return;
  // One granule (the device's page_size_mask), as every other MAP: a smaller one is misaligned (RANGE is
  // then a permitted answer, §5.13.6.5.2) and the case would not judge the framing.
  sv::ReqMap r;
  r.set_domain(1).set_virt_start(kIova).set_virt_end(kIova + s.page() - 1).set_phys_start(0).set_flags(kR);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqMap::kReadable);
  // §2.6.4 message framing: the device must not depend on how the request is split into descriptors.
  const vi::ChainPart parts[4] = {{false, 0, 5}, {false, 5, 13}, {false, 18, 18}, {true, 0, sv::kTailSize}};
  if (s.exchange_chain("MAP in three readable descriptors", parts, 4, 0, kFraming) != kOk) return;
  s.map(1, kIova, s.page(), 0, kR, kMapOverlap);  // INVAL (SHOULD) because the split MAP took effect
}

VIOMMU_TEST(vi_bad_big_tail, "virtio-iommu.malformed.large_writable_part", "virtio-iommu,malformed") {
  Session s(t);
  const Ep blk = begin_with_attach(s);
  if (!blk) return;
  // A 64-byte writable part: the tail follows the readable fields (struct virtio_iommu_req_attach), so it
  // is the first 4 bytes (model C4; the used length is the device's, §2.7.8.2).
  s.exchange("ATTACH with a 64-byte writable part", sv::ReqAttach::kReadable, 64, 0, kStatusOk);
}
