// virtio-iommu.attach.* / virtio-iommu.detach.*: §5.13.6.3 and §5.13.6.4, each status judged against the
// model under the clause the spec gives, and the resulting translation checked by DMA from virtio-blk
// (the fast endpoint).
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

namespace {
// An endpoint ID no function has: bus 0x80 is never populated on these machines.
constexpr uint32_t kNoSuchEndpoint = 0x8000;
}  // namespace

VIOMMU_TEST(vi_attach_new_domain, "virtio-iommu.attach.new_domain", "virtio-iommu,attach") {
  BlkCase c(t);
  if (!c.begin()) return;
  // A read-only source and a write-only destination: exactly what the round trip needs.
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kR) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kW) != kOk)
    return;
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x11);
}

VIOMMU_TEST(vi_attach_existing_domain, "virtio-iommu.attach.existing_domain", "virtio-iommu,attach") {
  // A second endpoint joining a domain: MAY, else UNSUPP (§5.13.6.3.2). When it joins, it uses the
  // mapping made for the first one.
  BlkCase c(t);
  if (!c.begin() || !c.join_rng() || c.s.map(1, kIova, c.pg(), c.dst.pa(), kRW) != kOk) return;
  memset(c.dst.data(), 0x5a, 4096);
  if (!c.s.dma(c.rng, kIova, 4096, kDevWrites)) return;
  size_t same = 0;
  for (size_t i = 0; i < 4096; ++i) same += c.dst.data()[i] == 0x5a;
  t.check("dma.data", kMapPa, same < 2048,
          "virtio-rng wrote through domain 1's mapping but %zu of 4096 bytes kept the prefill", same);
}

VIOMMU_TEST(vi_attach_move, "virtio-iommu.attach.move_between_domains", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, in1, in2;
  if (!s.alloc({&src, &in1, &in2}, s.page())) return;
  if (!s.attach_with_driver_memory(blk, 1)) return;
  if (s.map(1, kIova, s.page(), src.pa(), kRW) != kOk || s.map(1, kIova + s.page(), s.page(), in1.pa(), kRW) != kOk)
    return;
  // Domain 2 maps the same IOVA to another page. Moving the endpoint (SHOULD: detach, then attach)
  // switches the translation.
  if (s.attach(2, blk.id, 0, kAttachMove) != kOk || !s.map_driver_memory(blk, 2)) return;
  if (s.map(2, kIova, s.page(), src.pa(), kRW) != kOk || s.map(2, kIova + s.page(), s.page(), in2.pa(), kRW) != kOk)
    return;
  memset(in1.data(), 0xa5, s.page());
  s.roundtrip(blk, kIova, src, kIova + s.page(), 4096, 0x12);
  s.untouched(kIsolation, in1, 0, 4096, 0xa5, "the old domain's page after the move");
}

VIOMMU_TEST(vi_attach_move_destroys_empty, "virtio-iommu.attach.move_destroys_empty_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  if (s.attach(1, blk.id) != kOk || s.map(1, kIova, s.page(), 0x0, kR) != kOk) return;
  if (s.attach(2, blk.id, 0, kAttachMove) != kOk) return;
  // The move left domain 1 without endpoints: it ceased to exist (§5.13.6.4), so MAP to it is NOENT
  // (SHOULD, §5.13.6.5.2).
  s.map(1, kIova + s.page(), s.page(), 0x0, kR, kMapNoEnt);
}

VIOMMU_TEST(vi_attach_same_domain, "virtio-iommu.attach.same_domain_keeps_mappings", "virtio-iommu,attach") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.map(1, kIova + c.pg(), c.pg(), c.dst.pa(), kRW) != kOk)
    return;
  // §5.13.6.3.2: only an endpoint attached to *another* domain is detached first (model C11); the domain
  // never lost its last endpoint, so its mappings stay in force (§5.13.6.5).
  if (c.s.attach(1, c.blk.id) != kOk) return;
  c.s.roundtrip(c.blk, kIova, c.src, kIova + c.pg(), 4096, 0x13);
}

VIOMMU_TEST(vi_attach_unknown_endpoint, "virtio-iommu.attach.unknown_endpoint", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  s.attach(1, kNoSuchEndpoint, 0, kAttachNoEnt);
}

VIOMMU_TEST(vi_attach_endpoint_high_bits, "virtio-iommu.attach.endpoint_id_high_bits", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  // An ID that differs from a real endpoint's only above bit 15 names no endpoint of this platform (its
  // firmware gives every RID the ID RID): MUST NOENT.
  s.attach(1, blk.id | 0x10000, 0, kAttachNoEntPlatform);
  // And it must not have attached the real endpoint: its DMA to guest-physical addresses still does
  // what the model says for an unattached endpoint (bypass, or an R_DOMAIN fault).
  Buf src, dst;
  if (!s.alloc({&src, &dst}, s.page())) return;
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x17, kUnattachedNoBypass);
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
  // Only the driver is bound (§5.13.6.1); the model answers RANGE (C6), a device may answer otherwise.
  s.attach(out, blk.id, 0, any_answer(kDomainOutOfRange));
}

VIOMMU_TEST(vi_attach_reserved, "virtio-iommu.attach.reserved_nonzero", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  sv::ReqAttach r;
  r.set_domain(1).set_endpoint(blk.id).set_reserved(1);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqAttach::kReadable);
  s.exchange("ATTACH with reserved[0] = 1", sv::ReqAttach::kReadable, sv::kTailSize, 0, kAttachReserved);
}

VIOMMU_TEST(vi_attach_unknown_flag, "virtio-iommu.attach.unknown_flag", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id, 1u << 1, kAttachFlags);
}

VIOMMU_TEST(vi_attach_bypass_domain, "virtio-iommu.attach.bypass_domain", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf src, dst;
  if (!s.alloc({&src, &dst}, s.page())) return;
  s.set_bypass(0);
  // Endpoints attached to a bypass domain reach guest-physical addresses untranslated.
  if (s.attach(3, blk.id, sv::ReqAttach::kFlagBypass) != kOk) return;
  s.roundtrip(blk, src.pa(), src, dst.pa(), 4096, 0x14, kNoMapping, &kBypassDomain);
}

VIOMMU_TEST(vi_attach_bypass_mismatch, "virtio-iommu.attach.bypass_mismatch", "virtio-iommu,attach") {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  if (s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: a detached endpoint would not bypass");
  Ep blk = s.need("virtio-blk");
  Ep rng = blk ? s.need("virtio-rng") : Ep{};
  if (!rng) return;
  Buf src, dst, moved;
  if (!s.alloc({&src, &dst, &moved}, s.page())) return;
  if (s.attach(2, rng.id, sv::ReqAttach::kFlagBypass) != kOk) return;  // domain 2 is a bypass domain
  if (!s.attach_with_driver_memory(blk, 1)) return;
  // Domain 1 maps src where it is (iova == pa) and dst's address to another page: a write to dst.pa()
  // lands in `moved` while blk is in domain 1, and in `dst` itself if blk was detached (bypass, config 1).
  if (s.map(1, src.pa(), s.page(), src.pa(), kR) != kOk || s.map(1, dst.pa(), s.page(), moved.pa(), kW) != kOk) return;
  // §5.13.6.3.2: an inconsistent bypass flag SHOULD be rejected with INVAL. Whether the endpoint left
  // domain 1 first (DETACH then ATTACH, as a move SHOULD behave) or stayed (the rejected request changed
  // nothing) is the device's choice: both are permitted.
  s.attach(2, blk.id, 0, kAttachBypassMismatch);
  src.fill(0x15);
  memset(dst.data(), 0xd1, s.page());
  memset(moved.data(), 0xd2, s.page());
  blk.dma->read(src.pa(), 4096);
  blk.dma->write(dst.pa(), 4096);
  const bool stayed = memcmp(moved.data(), src.data(), 4096) == 0;
  const bool detached = memcmp(dst.data(), src.data(), 4096) == 0;
  const bool model_stayed = s.model().attached(blk.id);
  t.check("dma.data", kAttachDetachFirst, stayed != detached,
          "after the rejected ATTACH blk's data %s (domain 1 would put it in the page mapped at pa 0x%lx, bypass in "
          "pa 0x%lx)", stayed ? "arrived twice" : "arrived nowhere", static_cast<unsigned long>(moved.pa()),
          static_cast<unsigned long>(dst.pa()));
  if (stayed == detached) return;
  t.choice("endpoint", kAttachDetachFirst, stayed == model_stayed, "the endpoint %s; the model's %s",
           stayed ? "stayed in domain 1" : "was detached first (bypassing)",
           model_stayed ? "stays in domain 1" : "is detached");
  if (stayed != model_stayed) s.adopt(&mv::Choices::attach_detaches_first, true);
  // Whichever it was, the other page is untouched.
  s.untouched(kAttachDetachFirst, stayed ? dst : moved, 0, 4096, stayed ? 0xd1 : 0xd2, "the page the other outcome writes");
}

VIOMMU_TEST(vi_detach_unknown_endpoint, "virtio-iommu.detach.unknown_endpoint", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  s.detach(1, kNoSuchEndpoint, kDetachNoEnt);
}

VIOMMU_TEST(vi_detach_wrong_domain, "virtio-iommu.detach.wrong_domain", "virtio-iommu,detach") {
  BlkCase c(t);
  if (!c.begin() || c.s.map(1, kIova, c.pg(), c.dst.pa(), kRW) != kOk) return;
  // §5.13.6.4.2: the endpoint is not in domain 2 (which does not exist): the device MAY answer INVAL
  // (model C10); nothing fixes another answer.
  const uint8_t st = c.s.detach(2, c.blk.id, any_answer(kDetachNotAttached));
  // A DETACH naming domain 2 does not take the endpoint out of domain 1: it still reaches its mapping there.
  if (st != kReset && st != kLost) c.s.dma(c.blk, kIova, 4096, kDevWrites, &kMapAccess);
}

VIOMMU_TEST(vi_detach_reserved_ignored, "virtio-iommu.detach.reserved_ignored", "virtio-iommu,detach") {
  Session s(t);
  if (!s.begin()) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  if (s.attach(1, blk.id) != kOk) return;
  sv::ReqDetach r;
  r.set_domain(1).set_endpoint(blk.id).set_reserved_lo(0xffffffff).set_reserved_hi(0xffffffff);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqDetach::kReadable);
  s.exchange("DETACH with reserved bytes set", sv::ReqDetach::kReadable, sv::kTailSize, 0, kDetachReserved);
}

VIOMMU_TEST(vi_detach_dma_bypass, "virtio-iommu.detach.dma_after_detach_bypass", "virtio-iommu,detach") {
  BlkCase c(t);
  if (!c.begin()) return;
  if (c.s.dev().read_bypass() != 1) return t.skip("config.bypass is not 1: unattached endpoints do not bypass");
  if (c.s.map(1, kIova, c.pg(), c.src.pa(), kRW) != kOk || c.s.detach(1, c.blk.id) != kOk) return;
  // §5.13.6.4: detached, the endpoint may be in bypass mode: config.bypass is 1, so it is (§5.13.6), and
  // guest-physical addresses reach memory untranslated.
  c.s.roundtrip(c.blk, c.src.pa(), c.src, c.dst.pa(), 4096, 0x16);
}

VIOMMU_TEST_T(vi_detach_dma_no_bypass, "virtio-iommu.detach.dma_after_detach_no_bypass", "virtio-iommu,detach,edu", 20000) {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  Ep edu = s.need("edu");
  if (!edu) return;
  Buf a, b;
  if (!s.alloc({&a, &b}, s.page())) return;
  s.set_bypass(0);
  if (s.attach(1, edu.id) != kOk || s.map(1, a.pa(), s.page(), a.pa(), kRW) != kOk ||
      s.map(1, b.pa(), s.page(), b.pa(), kRW) != kOk)
    return;
  // While attached, edu reads `b` into its buffer (allowed), then the endpoint is detached.
  b.fill(0x61);
  s.dma(edu, b.pa(), 64, kDevReads);
  if (s.detach(1, edu.id) != kOk) return;
  // §5.13.6.4.2: after DETACH the endpoint cannot access any mapping of domain 1: its write of b's bytes
  // to a.pa() (mapped there) must not land; not in bypass mode, it faults (reason R_DOMAIN, or R_UNKNOWN).
  memset(a.data(), 0x3e, 64);
  s.dma(edu, a.pa(), 64, kDevWrites);
  s.untouched(kDetachNoAccess, a, 0, 64, 0x3e, "a page of domain 1 written after DETACH");
}
