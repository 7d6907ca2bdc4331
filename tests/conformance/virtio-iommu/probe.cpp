// virtio-iommu.probe.*: §5.13.6.7 and the RESV_MEM property (§5.13.6.8.1): what the device reports and
// that it honours it.
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

namespace {

// PROBE of `ep` with a properties area of probe_size bytes; the model answers the same request.
bool probe_ok(Session& s, uint32_t ep) {
  sv::ReqProbe r;
  r.set_endpoint(ep);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  const uint32_t size = static_cast<uint32_t>(s.dev().read_config().probe_size());
  return s.exchange("PROBE", sv::ReqProbe::kReadable, size + sv::kTailSize, size) == 0;
}

bool need_probe(Session& s) {
  if (!(s.dev().negotiated() & sv::feature::kProbe)) {
    s.t().skip("VIRTIO_IOMMU_F_PROBE not negotiated");
    return false;
  }
  if (s.dev().read_config().probe_size() + sv::kTailSize > vi::VirtioIommu::kReplySize) {
    s.t().skip("probe_size larger than the driver's reply buffer");
    return false;
  }
  return true;
}

}  // namespace

VIOMMU_TEST(vi_probe_properties, "virtio-iommu.probe.resv_mem_properties", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin() || !need_probe(s)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk || !probe_ok(s, blk.id)) return;
  // Walk the property list (§5.13.6.7): each property (length + 4) bytes after the previous one, until
  // type 0 or the end; compare the RESV_MEM ones with the regions the model holds for this platform.
  const uint8_t* p = s.dev().reply_page();
  const size_t size = s.dev().read_config().probe_size();
  size_t off = 0, seen = 0;
  while (off + sv::ProbeProperty::kHeaderSize <= size) {
    sv::ProbeProperty h;
    memcpy(h.words.data(), p + off, 4);
    if (h.type() == sv::kProbeTypeNone) break;
    t.expect_eq("property.reserved", 0, h.reserved());
    if (h.type() == sv::kProbeTypeResvMem) {
      sv::ProbeResvMem r;
      memcpy(r.words.data(), p + off, sizeof r);
      t.expect_eq("resv_mem.length", sv::ProbeResvMem::kLength, h.length());
      t.note("RESV_MEM subtype %lu [0x%lx, 0x%lx]", static_cast<unsigned long>(r.subtype()),
             static_cast<unsigned long>(r.start()), static_cast<unsigned long>(r.end()));
      if (t.check(seen < s.model().resv_count(), "device reports more RESV_MEM regions than the model's %zu",
                  s.model().resv_count())) {
        const mv::ResvRegion& m = s.model().resv(seen);
        t.expect_eq("resv_mem.subtype", m.subtype, r.subtype());
        t.expect_eq("resv_mem.start", m.start, r.start());
        t.expect_eq("resv_mem.end", m.end, r.end());
      }
      ++seen;
    }
    off += sv::ProbeProperty::kHeaderSize + h.length();
  }
  t.expect_eq("RESV_MEM properties", s.model().resv_count(), seen);
}

VIOMMU_TEST(vi_probe_unknown_endpoint, "virtio-iommu.probe.unknown_endpoint", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin() || !need_probe(s)) return;
  probe_ok(s, 0x8000);  // SHOULD NOENT (checked against the model inside)
}

VIOMMU_TEST(vi_probe_reserved_ignored, "virtio-iommu.probe.reserved_ignored", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin() || !need_probe(s)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  sv::ReqProbe r;
  r.set_endpoint(blk.id);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  memset(s.dev().request_page() + 8, 0xff, 64);  // u8 reserved[64]: the device MUST ignore it
  const uint32_t size = static_cast<uint32_t>(s.dev().read_config().probe_size());
  s.exchange("PROBE with reserved bytes set", sv::ReqProbe::kReadable, size + sv::kTailSize, size);
}

VIOMMU_TEST(vi_probe_resv_map, "virtio-iommu.probe.map_over_reserved_region", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin()) return;
  if (s.model().resv_count() == 0) return t.skip("no reserved region on this platform");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a;
  if (!a.alloc(s.page())) return t.fail("out of DMA memory");
  s.attach(1, blk.id);
  // §5.13.6.8.1: the device SHOULD reject a MAP that overlaps a RESV_MEM region (model C7: INVAL).
  for (size_t i = 0; i < s.model().resv_count(); ++i) s.map(1, s.model().resv(i).start, s.page(), a.pa(), kRW);
}

VIOMMU_TEST_T(vi_probe_msi_dma, "virtio-iommu.probe.dma_from_msi_region", "virtio-iommu,probe,edu", 20000) {
  Session s(t);
  if (!s.begin()) return;
  size_t msi = s.model().resv_count();
  for (size_t i = 0; i < s.model().resv_count(); ++i)
    if (s.model().resv(i).subtype == sv::ProbeResvMem::kSubtypeMsi) msi = i;
  if (msi == s.model().resv_count()) return t.skip("no MSI region on this platform");
  // edu's DMA engine reads the address directly (virtio-blk would need its request buffers mapped by the
  // VMM, which some refuse for MMIO); a read, so that the test raises no interrupt.
  Ep edu = s.need("edu");
  if (!edu) return;
  s.attach(1, edu.id);
  // An MSI doorbell region is not translated (model C15): the endpoint reaches it without a mapping and
  // no fault is reported.
  s.dma(edu, s.model().resv(msi).start, 8, kDevReads);
}
