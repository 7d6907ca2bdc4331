// virtio-iommu.attach.* / virtio-iommu.detach.*: §5.13.6.3 and §5.13.6.4, each status checked against the
// model and the resulting translation checked by DMA from virtio-blk (the fast endpoint).
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

namespace {
// An endpoint ID no function has: bus 0x80 is never populated on these machines.
constexpr uint32_t kNoSuchEndpoint = 0x8000;
}  // namespace

VIOMMU_TEST(vi_attach_new_domain, "virtio-iommu.attach.new_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a, b;
  if (!a.alloc(s.page()) || !b.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kR);
  s.map(1, kIova + s.page(), s.page(), b.pa(), kW);
  s.roundtrip(blk, kIova, a, kIova + s.page(), 4096, 0x11);
}

VIOMMU_TEST(vi_attach_existing_domain, "virtio-iommu.attach.existing_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  // The second endpoint joins domain 1 and uses the mapping the first one's driver created.
  if (!s.attach_with_driver_memory(rng, 1)) return;
  s.map(1, kIova, s.page(), a.pa(), kRW);
  memset(a.data(), 0x5a, 4096);
  if (!s.dma(rng, kIova, 4096, kDevWrites)) return;
  size_t same = 0;
  for (size_t i = 0; i < 4096; ++i) same += a.data()[i] == 0x5a;
  t.check(same < 2048, "virtio-rng wrote through domain 1's mapping but %zu of 4096 bytes kept the prefill", same);
}

VIOMMU_TEST(vi_attach_move, "virtio-iommu.attach.move_between_domains", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, in1, in2;
  if (!src.alloc(s.page()) || !in1.alloc(s.page()) || !in2.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  s.map(1, kIova + s.page(), s.page(), in1.pa(), kRW);
  // Domain 2 maps the same IOVA to another page. Moving the endpoint switches the translation.
  if (!s.attach_with_driver_memory(blk, 2)) return;
  s.map(2, kIova, s.page(), src.pa(), kRW);
  s.map(2, kIova + s.page(), s.page(), in2.pa(), kRW);
  memset(in1.data(), 0xa5, s.page());
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x12);
  size_t touched = 0;
  for (size_t i = 0; i < 4096; ++i) touched += in1.data()[i] != 0xa5;
  t.check(touched == 0, "%zu bytes of the old domain's page changed after the move", touched);
}

VIOMMU_TEST(vi_attach_move_destroys_empty, "virtio-iommu.attach.move_destroys_empty_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id);
  s.map(1, kIova, s.page(), 0x0, kR);
  s.attach(2, blk.id);
  // §5.13.6.4: a domain with no endpoint ceases to exist; MAP to it is NOENT.
  s.map(1, kIova + s.page(), s.page(), 0x0, kR);
}

VIOMMU_TEST(vi_attach_same_domain, "virtio-iommu.attach.same_domain_keeps_mappings", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  s.map(1, kIova + s.page(), s.page(), dst.pa(), kRW);
  // §5.13.6.3: only an endpoint attached to *another* domain is detached first (model C11).
  s.attach(1, blk.id);
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x13);
}

VIOMMU_TEST(vi_attach_unknown_endpoint, "virtio-iommu.attach.unknown_endpoint", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  s.attach(1, kNoSuchEndpoint);  // §5.13.6.3: MUST NOENT
}

VIOMMU_TEST(vi_attach_endpoint_high_bits, "virtio-iommu.attach.endpoint_id_high_bits", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  // An ID that differs from a real endpoint's only above bit 15 names no endpoint: MUST NOENT.
  s.attach(1, blk.id | 0x10000);
  // And it must not have attached the real endpoint: its DMA to guest-physical addresses still does
  // what the model says for an unattached endpoint (bypass, or an R_DOMAIN fault).
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x17);
}

VIOMMU_TEST(vi_attach_domain_range, "virtio-iommu.attach.domain_out_of_range", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  if (!(s.dev().offered() & sv::feature::kDomainRange)) return t.skip("VIRTIO_IOMMU_F_DOMAIN_RANGE not offered");
  const sv::Config c = s.dev().read_config();
  if (c.domain_range_end() == 0xffffffffu && c.domain_range_start() == 0)
    return t.skip("domain_range covers every 32-bit domain ID: no value is out of range");
  const uint32_t out = c.domain_range_end() != 0xffffffffu ? static_cast<uint32_t>(c.domain_range_end()) + 1
                                                          : static_cast<uint32_t>(c.domain_range_start()) - 1;
  s.attach(out, blk.id);  // model C6: RANGE
}

VIOMMU_TEST(vi_attach_reserved, "virtio-iommu.attach.reserved_nonzero", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  sv::ReqAttach r;
  r.set_domain(1).set_endpoint(blk.id).set_reserved(1);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqAttach::kReadable);
  // §5.13.6.3: reserved not zero: the device MUST reject the request with INVAL.
  s.exchange("ATTACH with reserved[0] = 1", sv::ReqAttach::kReadable, sv::kTailSize, 0);
}

VIOMMU_TEST(vi_attach_unknown_flag, "virtio-iommu.attach.unknown_flag", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id, 1u << 1);  // §5.13.6.3: unrecognized flag: MUST INVAL
}

VIOMMU_TEST(vi_attach_bypass_domain, "virtio-iommu.attach.bypass_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  s.set_bypass(0);
  // Endpoints attached to a bypass domain reach guest-physical addresses untranslated.
  s.attach(3, blk.id, sv::ReqAttach::kFlagBypass);
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x14);
}

VIOMMU_TEST(vi_attach_bypass_mismatch, "virtio-iommu.attach.bypass_mismatch", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  s.attach(2, rng.id, sv::ReqAttach::kFlagBypass);  // domain 2 is a bypass domain
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  s.map(1, kIova + s.page(), s.page(), dst.pa(), kRW);
  // §5.13.6.3: inconsistent bypass flag: SHOULD INVAL; a rejected request leaves the endpoint in domain 1.
  s.attach(2, blk.id, 0);
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x15);
}

VIOMMU_TEST(vi_detach_unknown_endpoint, "virtio-iommu.detach.unknown_endpoint", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  s.detach(1, kNoSuchEndpoint);  // §5.13.6.4: MUST NOENT
}

VIOMMU_TEST(vi_detach_wrong_domain, "virtio-iommu.detach.wrong_domain", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id);
  s.detach(2, blk.id);  // §5.13.6.4 MAY INVAL (model C10)
  t.check(s.model().attached(blk.id), "model: endpoint must still be attached");
  s.detach(1, blk.id);  // the device's side of it: OK only while the endpoint is still in domain 1
}

VIOMMU_TEST(vi_detach_reserved_ignored, "virtio-iommu.detach.reserved_ignored", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id);
  sv::ReqDetach r;
  r.set_domain(1).set_endpoint(blk.id).set_reserved_lo(0xffffffff).set_reserved_hi(0xffffffff);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqDetach::kReadable);
  // §5.13.6.4: the device MUST ignore reserved.
  s.exchange("DETACH with reserved bytes set", sv::ReqDetach::kReadable, sv::kTailSize, 0);
}

VIOMMU_TEST(vi_detach_dma_bypass, "virtio-iommu.detach.dma_after_detach_bypass", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: unattached endpoints do not bypass");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!src.alloc(s.page()) || !dst.alloc(s.page())) return t.fail("out of DMA memory");
  if (!s.attach_with_driver_memory(blk, 1)) return;
  s.map(1, kIova, s.page(), src.pa(), kRW);
  s.detach(1, blk.id);
  // §5.13.6.4: detached, the endpoint may be in bypass mode: guest-physical addresses, identity.
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x16);
}

VIOMMU_TEST_T(vi_detach_dma_no_bypass, "virtio-iommu.detach.dma_after_detach_no_bypass", "virtio-iommu,detach,edu", 20000) {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  Ep edu = s.need("edu");
  if (!edu) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  s.set_bypass(0);
  s.attach(1, edu.id);
  s.map(1, a.pa(), s.page(), a.pa(), kRW);
  s.dma(edu, a.pa(), 64, kDevReads);  // allowed while attached
  s.detach(1, edu.id);
  // §5.13.6.4: after DETACH completes the endpoint cannot access any mapping of the domain; not in
  // bypass mode it faults R_DOMAIN (§5.13.6: unattached endpoints SHOULD NOT reach memory).
  s.dma(edu, a.pa(), 64, kDevReads);
}
