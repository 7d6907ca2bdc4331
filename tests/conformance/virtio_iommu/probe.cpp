// virtio-iommu.probe.*: §5.13.6.7 and the RESV_MEM property (§5.13.6.8.1): what the device reports and
// that it honours it.
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

namespace {

// PROBE of `ep` with a properties area of probe_size bytes; the model answers the same request.
uint8_t probe(Session& s, uint32_t ep, const Permit& p) {
  sv::ReqProbe r;
  r.set_endpoint(ep);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  const uint32_t size = static_cast<uint32_t>(s.dev().read_config().probe_size());
  return s.exchange("PROBE", sv::ReqProbe::kReadable, size + sv::kTailSize, size, p);
}

bool need_probe(Session& s) {
  if (!s.require(sv::feature::kProbe, "VIRTIO_IOMMU_F_PROBE")) return false;
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
  if (!blk || probe(s, blk.id, kStatusOk) != kOk) return;
  // Walk the property list (§5.13.6.7): each property (length + 4) bytes after the previous one, until
  // type 0 or the end. Which regions a device reports is the VMM's choice: they are compared with the
  // platform's doorbell regions the model holds (notes), their encoding is judged.
  const uint8_t* p = s.dev().reply_page();
  const size_t size = s.dev().read_config().probe_size();
  size_t off = 0, seen = 0;
  while (off + sv::ProbeProperty::kHeaderSize <= size) {
    sv::ProbeProperty h;
    memcpy(h.words.data(), p + off, 4);
    if (h.type() == sv::kProbeTypeNone) break;
    t.check("property.reserved", kPropReserved, h.reserved() == 0, "property type %lu at +%zu: reserved 0x%lx",
            static_cast<unsigned long>(h.type()), off, static_cast<unsigned long>(h.reserved()));
    if (h.type() == sv::kProbeTypeResvMem) {
      sv::ProbeResvMem r;
      memcpy(r.words.data(), p + off, sizeof r);
      t.expect_eq("resv_mem.length", kPropLength, sv::ProbeResvMem::kLength, h.length());
      t.check("resv_mem.reserved", kResvMemReserved, r.reserved() == 0, "RESV_MEM reserved 0x%lx",
              static_cast<unsigned long>(r.reserved()));
      t.note("RESV_MEM subtype %lu [0x%lx, 0x%lx]", static_cast<unsigned long>(r.subtype()),
             static_cast<unsigned long>(r.start()), static_cast<unsigned long>(r.end()));
      if (seen < s.model().resv_count()) {
        const mv::ResvRegion& m = s.model().resv(seen);
        t.choice("resv_mem.region", kResvMemRegions, m.subtype == r.subtype() && m.start == r.start() && m.end == r.end(),
                 "RESV_MEM %zu: subtype %lu [0x%lx, 0x%lx]; the platform's region: subtype %u [0x%lx, 0x%lx]", seen,
                 static_cast<unsigned long>(r.subtype()), static_cast<unsigned long>(r.start()),
                 static_cast<unsigned long>(r.end()), m.subtype, static_cast<unsigned long>(m.start),
                 static_cast<unsigned long>(m.end));
      }
      ++seen;
    }
    off += sv::ProbeProperty::kHeaderSize + h.length();
  }
  t.choice("resv_mem.count", kResvMemRegions, seen == s.model().resv_count(),
           "%zu RESV_MEM properties; the platform has %zu doorbell regions", seen, s.model().resv_count());
  // The bytes after the list (from the terminating empty property on) SHOULD be zero.
  size_t nonzero = 0;
  for (size_t i = off; i < size; ++i) nonzero += p[i] != 0;
  t.check("probe.zero_fill", kProbeZeroFill, nonzero == 0, "%zu non-zero bytes in [+%zu, +%zu) after the properties",
          nonzero, off, size);
}

VIOMMU_TEST(vi_probe_unknown_endpoint, "virtio-iommu.probe.unknown_endpoint", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin() || !need_probe(s)) return;
  probe(s, 0x8000, kProbeNoEnt);
}

VIOMMU_TEST(vi_probe_reserved_ignored, "virtio-iommu.probe.reserved_ignored", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin() || !need_probe(s)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  sv::ReqProbe r;
  r.set_endpoint(blk.id);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  memset(s.dev().request_page() + 8, 0xff, 64);  // u8 reserved[64]
  const uint32_t size = static_cast<uint32_t>(s.dev().read_config().probe_size());
  s.exchange("PROBE with reserved bytes set", sv::ReqProbe::kReadable, size + sv::kTailSize, size, kProbeReserved);
}

VIOMMU_TEST(vi_probe_resv_map, "virtio-iommu.probe.map_over_reserved_region", "virtio-iommu,probe") {
  Session s(t);
  if (!s.begin()) return;
  if (s.model().resv_count() == 0) return t.skip("no reserved region on this platform");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  Buf a;
  if (!s.alloc({&a}, s.page())) return;
  if (s.attach(1, blk.id) != kOk) return;
  for (size_t i = 0; i < s.model().resv_count(); ++i) s.map(1, s.model().resv(i).start, s.page(), a.pa(), kRW, kMapResv);
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
  if (s.attach(1, edu.id) != kOk) return;
  // An MSI doorbell region needs no mapping (model C15: passed through untranslated). Whether a *read*
  // of it passes is not fixed; a device that blocks it may report a fault, whose reason is judged.
  const uint64_t at = s.model().resv(msi).start;
  s.dev().drain_faults();
  edu.dma->read(at, 8);
  sv::Fault f;
  bool blocked = false;
  kernel::wait_until([&] { return (blocked = s.dev().next_fault(&f) && f.endpoint() == edu.id); }, 200);
  t.choice("dma.msi", kResvMsi, !blocked, "edu's read of the MSI doorbell at 0x%lx was blocked (reason %lu); the "
           "model passes it", static_cast<unsigned long>(at), blocked ? static_cast<unsigned long>(f.reason()) : 0ul);
  if (blocked)
    t.check("fault.reason", kFaultReason,
            f.reason() == sv::Fault::kReasonMapping || f.reason() == sv::Fault::kReasonUnknown,
            "reason %lu for a blocked access to a reserved region", static_cast<unsigned long>(f.reason()));
  s.dev().drain_faults();
}
