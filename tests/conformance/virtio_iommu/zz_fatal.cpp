// virtio-iommu.zz_fatal.*: cases known to make some device implementations abort. They are named to sort
// last (the runner orders cases by name), so that when a device crashes the VMM the other cases have
// already reported; the harness then reports the crash as this case's failure, naming the request.
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_probe_short_buffer, "virtio-iommu.zz_fatal.probe_short_buffer", "virtio-iommu,probe,malformed") {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kProbe, "VIRTIO_IOMMU_F_PROBE")) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  const uint32_t size = static_cast<uint32_t>(s.dev().read_config().probe_size());
  if (size < 8) return t.skip("probe_size %u too small to shorten", size);
  sv::ReqProbe r;
  r.set_endpoint(blk.id);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  // §5.13.6.7.2: properties shorter than probe_size: the device SHOULD NOT write any property and SHOULD
  // answer INVAL (model C5: the tail is the last 4 bytes of the writable part).
  t.note("sending PROBE with a %u-byte properties area (probe_size %u)", size / 2, size);
  s.exchange("PROBE with properties[probe_size / 2]", sv::ReqProbe::kReadable, size / 2 + sv::kTailSize, size / 2,
             kProbeShort);
  // The device goes on serving requests.
  if (s.attach(4, blk.id) == kOk) s.detach(4, blk.id);
}
