// virtio-iommu.config.* and virtio-iommu.features.*: the configuration fields (§5.13.4, §5.13.6), the
// feature bits (§5.13.3) and negotiation (§2.2).
#include <cstring>

#include "tests/conformance/virtio_iommu/fixture.h"

using namespace virtio_iommu_tests;

VIOMMU_TEST(vi_config_page_size_mask, "virtio-iommu.config.page_size_mask", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t m = s.dev().read_config().page_size_mask();
  t.note("page_size_mask 0x%lx (granule 0x%lx)", static_cast<unsigned long>(m), static_cast<unsigned long>(m & (~m + 1)));
  t.check("config.page_size_mask", kPageSizeMask, m != 0, "page_size_mask is 0");
}

VIOMMU_TEST(vi_config_input_range, "virtio-iommu.config.input_range", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kInputRange)) return t.skip("VIRTIO_IOMMU_F_INPUT_RANGE not offered");
  const sv::Config c = s.dev().read_config();
  t.note("input_range [0x%lx, 0x%lx]", static_cast<unsigned long>(c.input_range_start()),
         static_cast<unsigned long>(c.input_range_end()));
  t.check("config.input_range", kInputRange, c.input_range_start() <= c.input_range_end(),
          "input_range start 0x%lx above end 0x%lx", static_cast<unsigned long>(c.input_range_start()),
          static_cast<unsigned long>(c.input_range_end()));
}

VIOMMU_TEST(vi_config_domain_range, "virtio-iommu.config.domain_range", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kDomainRange)) return t.skip("VIRTIO_IOMMU_F_DOMAIN_RANGE not offered");
  const sv::Config c = s.dev().read_config();
  t.note("domain_range [%lu, %lu]", static_cast<unsigned long>(c.domain_range_start()),
         static_cast<unsigned long>(c.domain_range_end()));
  t.check("config.domain_range", kDomainRange, c.domain_range_start() <= c.domain_range_end(),
          "domain_range start %lu above end %lu", static_cast<unsigned long>(c.domain_range_start()),
          static_cast<unsigned long>(c.domain_range_end()));
}

VIOMMU_TEST(vi_config_bypass_value, "virtio-iommu.config.bypass_value", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin()) return;
  if (!(s.dev().offered() & sv::feature::kBypassConfig)) return t.skip("VIRTIO_IOMMU_F_BYPASS_CONFIG not offered");
  const uint8_t b = s.dev().read_bypass();
  t.check("config.bypass", kBypassValue, b <= 1, "config.bypass reads %u", b);
}

VIOMMU_TEST(vi_config_bypass_write, "virtio-iommu.config.bypass_write", "virtio-iommu,config") {
  Session s(t);
  if (!s.begin() || !s.require(sv::feature::kBypassConfig, "VIRTIO_IOMMU_F_BYPASS_CONFIG")) return;
  s.set_bypass(0);
  s.set_bypass(1);
  s.set_bypass(0);
}

VIOMMU_TEST(vi_features_map_unmap, "virtio-iommu.features.map_unmap_offered", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  t.check("features.map_unmap", kFeatMapUnmap, s.dev().offered() & sv::feature::kMapUnmap,
          "VIRTIO_IOMMU_F_MAP_UNMAP not offered (features 0x%lx)", static_cast<unsigned long>(s.dev().offered()));
}

VIOMMU_TEST(vi_features_bypass_exclusive, "virtio-iommu.features.bypass_not_both", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t f = s.dev().offered();
  t.check("features.bypass_both", kFeatBypassBoth, !((f & sv::feature::kBypass) && (f & sv::feature::kBypassConfig)),
          "both BYPASS and BYPASS_CONFIG offered");
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
  // §2.2.1 binds the driver (MUST NOT accept an unoffered feature); whether the device refuses the set or
  // keeps FEATURES_OK is not fixed (model C16: refused).
  t.choice("features.unoffered", kFeatUnoffered, device == model,
           "FEATURES_OK %s with unoffered bit 0x%lx accepted by the driver; model: %s", device ? "kept" : "refused",
           static_cast<unsigned long>(bit), model ? "kept" : "refused");
  // Either way a reset brings it back: the device negotiates the offered features again and answers.
  const virtio::InitResult r = s.dev().init(vi::VirtioIommu::kWanted);
  if (!t.check("init", kDeviceReset, r == virtio::InitResult::kOk, "re-initialization after the refused set: %s",
               virtio::to_string(r)))
    return;
  s.model().reset();
  s.model().negotiate(s.dev().negotiated());
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  if (s.attach(4, blk.id) == kOk) s.detach(4, blk.id);
}

VIOMMU_TEST(vi_features_subset_accepted, "virtio-iommu.features.subset_accepted", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin()) return;
  const uint64_t driver = virtio::feature::kVersion1 | (s.dev().offered() & sv::feature::kMapUnmap);
  t.check("features.subset", kFeatSubset, s.dev().try_features(driver), "FEATURES_OK refused for the subset 0x%lx",
          static_cast<unsigned long>(driver));
}

VIOMMU_TEST(vi_features_probe_not_negotiated, "virtio-iommu.features.probe_not_negotiated", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin(vi::VirtioIommu::kWanted & ~sv::feature::kProbe)) return;
  if (!(s.dev().offered() & sv::feature::kProbe)) return t.skip("VIRTIO_IOMMU_F_PROBE not offered");
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  // F_PROBE offered but not accepted: the §5.13.6.7.2 SHOULD (no write, used length 0) covers a device that
  // does not offer it. Here nothing fixes the answer: the device may answer the PROBE (model C2: not).
  sv::ReqProbe r;
  r.set_endpoint(blk.id);
  memcpy(s.dev().request_page(), r.words.data(), sv::ReqProbe::kReadable);
  s.exchange("PROBE without VIRTIO_IOMMU_F_PROBE negotiated", sv::ReqProbe::kReadable, 512 + sv::kTailSize, 512,
             any_answer(kProbeNotNegotiated));
  // Whatever it answered, the device goes on serving requests.
  if (s.attach(4, blk.id) == kOk) s.detach(4, blk.id);
}

VIOMMU_TEST(vi_features_mmio_not_negotiated, "virtio-iommu.features.mmio_flag_not_negotiated", "virtio-iommu,features") {
  Session s(t);
  if (!s.begin(vi::VirtioIommu::kWanted & ~sv::feature::kMmio)) return;
  Ep blk = s.need("virtio-blk");
  if (!blk) return;
  if (s.attach(1, blk.id) != kOk) return;
  // MAP_F_MMIO without F_MMIO negotiated: only the driver is bound (§5.13.6.5.1 MUST NOT). A device that
  // does not know the bit MUST answer INVAL (§5.13.6.5.2); one that offers F_MMIO knows it and may accept
  // the mapping (model C8: INVAL).
  const bool knows = (s.dev().offered() & sv::feature::kMmio) != 0;
  const Permit p = knows ? any_answer(kMapMmioNoFeature) : Permit(kMapFlags);
  s.map(1, kIova, s.page(), 0x0, kRW | kMmio, p);
  // Whatever it answered, the device goes on serving requests.
  s.detach(1, blk.id);
}
