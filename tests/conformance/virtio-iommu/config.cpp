// virtio-iommu.config.* and virtio-iommu.features.*: the configuration fields are consistent with each
// other and with the feature bits (§5.13.3, §5.13.4), and negotiation behaves as §3.1.1 requires.
#include <cstring>

#include "tests/conformance/virtio-iommu/fixture.h"

using namespace viommu_tests;

VIOMMU_TEST(vi_config_page_size_mask, "virtio-iommu.config.page_size_mask", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t m = s.dev().read_config().page_size_mask();
  t.note("page_size_mask 0x%lx (granule 0x%lx)", static_cast<unsigned long>(m), static_cast<unsigned long>(m & (~m + 1)));
  // §5.13.4: the device MUST set at least one bit.
  t.check(m != 0, "page_size_mask is 0");
}

VIOMMU_TEST(vi_config_input_range, "virtio-iommu.config.input_range", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kInputRange)) return t.skip("VIRTIO_IOMMU_F_INPUT_RANGE not offered");
  const sv::Config c = s.dev().read_config();
  t.note("input_range [0x%lx, 0x%lx]", static_cast<unsigned long>(c.input_range_start()),
         static_cast<unsigned long>(c.input_range_end()));
  t.check(c.input_range_start() <= c.input_range_end(), "input_range start above end");
  // A range that cannot hold one page could not be mapped at all.
  t.check(c.input_range_end() - c.input_range_start() >= s.granule() - 1, "input_range smaller than one page");
}

VIOMMU_TEST(vi_config_domain_range, "virtio-iommu.config.domain_range", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kDomainRange)) return t.skip("VIRTIO_IOMMU_F_DOMAIN_RANGE not offered");
  const sv::Config c = s.dev().read_config();
  t.note("domain_range [%lu, %lu]", static_cast<unsigned long>(c.domain_range_start()),
         static_cast<unsigned long>(c.domain_range_end()));
  t.check(c.domain_range_start() <= c.domain_range_end(), "domain_range start above end");
}

VIOMMU_TEST(vi_config_probe_size, "virtio-iommu.config.probe_size", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kProbe)) return t.skip("VIRTIO_IOMMU_F_PROBE not offered");
  const uint64_t p = s.dev().read_config().probe_size();
  t.note("probe_size %lu", static_cast<unsigned long>(p));
  // With PROBE offered the properties area must hold at least one property header.
  t.check(p >= sv::ProbeProperty::kHeaderSize, "probe_size %lu cannot hold a property", static_cast<unsigned long>(p));
}

VIOMMU_TEST(vi_config_bypass_value, "virtio-iommu.config.bypass_value", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not offered");
  // §5.13.4: the device MUST NOT present a value other than 0 or 1.
  const uint8_t b = s.dev().read_bypass();
  t.check(b <= 1, "config.bypass reads %u", b);
}

VIOMMU_TEST(vi_config_bypass_write, "virtio-iommu.config.bypass_write", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().negotiated() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not negotiated");
  s.set_bypass(0);
  s.set_bypass(1);
  s.set_bypass(0);
}

VIOMMU_TEST(vi_features_map_unmap, "virtio-iommu.features.map_unmap_offered", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  // §5.13.3.2: the device SHOULD offer MAP_UNMAP (the only mode of operation defined).
  t.check(s.dev().offered() & sv::feature::kMapUnmap, "VIRTIO_IOMMU_F_MAP_UNMAP not offered (features 0x%lx)",
          static_cast<unsigned long>(s.dev().offered()));
}

VIOMMU_TEST(vi_features_bypass_exclusive, "virtio-iommu.features.bypass_not_both", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t f = s.dev().offered();
  // §5.13.3.2: devices SHOULD NOT offer both BYPASS and BYPASS_CONFIG.
  t.check(!((f & sv::feature::kBypass) && (f & sv::feature::kBypassConfig)), "both BYPASS and BYPASS_CONFIG offered");
}

VIOMMU_TEST(vi_features_unoffered_refused, "virtio-iommu.features.unoffered_refused", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  // The lowest device-specific bit (0..23) the device does not offer.
  uint64_t bit = 0;
  for (unsigned b = 0; b < 24 && !bit; ++b)
    if (!(s.dev().offered() & (uint64_t{1} << b))) bit = uint64_t{1} << b;
  if (!bit) return t.skip("every device-specific feature bit is offered");
  const uint64_t driver = virtio::feature::kVersion1 | s.dev().offered() | bit;
  const bool model = s.model().negotiate(driver & sv::feature::kDeviceSpecificMask);
  const bool device = s.dev().try_features(driver);
  // §2.2.2 / §3.1.1: accepting an unoffered feature is not a valid subset; FEATURES_OK must not stick.
  t.check(device == model, "FEATURES_OK %s with unoffered bit 0x%lx accepted by the driver; model: %s",
          device ? "stuck" : "refused", static_cast<unsigned long>(bit), model ? "stick" : "refused");
}

VIOMMU_TEST(vi_features_subset_accepted, "virtio-iommu.features.subset_accepted", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t driver = virtio::feature::kVersion1 | (s.dev().offered() & sv::feature::kMapUnmap);
  // §2.2.2: the device SHOULD accept any valid subset.
  t.check(s.dev().try_features(driver), "FEATURES_OK refused for the subset 0x%lx", static_cast<unsigned long>(driver));
}

VIOMMU_TEST(vi_features_probe_not_negotiated, "virtio-iommu.features.probe_not_negotiated", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin(vi::VirtioIommu::kWanted & ~sv::feature::kProbe)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  // §5.13.6.7: without F_PROBE the device SHOULD NOT write the buffer and SHOULD use length 0.
  sv::ReqProbe r;
  r.set_endpoint(blk.id);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  s.exchange("PROBE without VIRTIO_IOMMU_F_PROBE", sv::ReqProbe::kReadable, 512 + sv::kTailSize, 512);
}

VIOMMU_TEST(vi_features_mmio_not_negotiated, "virtio-iommu.features.mmio_flag_not_negotiated", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin(vi::VirtioIommu::kWanted & ~sv::feature::kMmio)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  s.attach(1, blk.id);
  // §5.13.6.5: MAP_F_MMIO is only available with VIRTIO_IOMMU_F_MMIO negotiated (model C8: INVAL).
  s.map(1, kIova, s.page(), 0x0, kRW | kMmio);
}
