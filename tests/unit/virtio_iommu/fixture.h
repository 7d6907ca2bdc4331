// Helpers for the virtio-iommu model tests: build requests byte by byte (independently of the spec types'
// field helpers where the layout itself is under test) and send them to a model::virtio_iommu::Device.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "model/virtio_iommu/device.h"

namespace viommu_test {

namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

// Status codes written out as numbers from §5.13.6 so the tests do not trust the enum.
inline constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2, kDevErr = 3, kInval = 4, kRange = 5, kNoEnt = 6,
                         kFault = 7, kNoMem = 8;

inline void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
inline uint32_t get32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24; }

// Device-readable parts, laid out from the structs in §5.13.6.3-§5.13.6.7.
inline std::vector<uint8_t> attach_req(uint32_t domain, uint32_t ep, uint32_t flags = 0, uint32_t reserved = 0) {
  std::vector<uint8_t> b(20, 0);
  b[0] = 1;
  put32(b, 4, domain);
  put32(b, 8, ep);
  put32(b, 12, flags);
  put32(b, 16, reserved);
  return b;
}
inline std::vector<uint8_t> detach_req(uint32_t domain, uint32_t ep, uint64_t reserved = 0) {
  std::vector<uint8_t> b(20, 0);
  b[0] = 2;
  put32(b, 4, domain);
  put32(b, 8, ep);
  put64(b, 12, reserved);
  return b;
}
inline std::vector<uint8_t> map_req(uint32_t domain, uint64_t vs, uint64_t ve, uint64_t ps, uint32_t flags) {
  std::vector<uint8_t> b(36, 0);
  b[0] = 3;
  put32(b, 4, domain);
  put64(b, 8, vs);
  put64(b, 16, ve);
  put64(b, 24, ps);
  put32(b, 32, flags);
  return b;
}
inline std::vector<uint8_t> unmap_req(uint32_t domain, uint64_t vs, uint64_t ve, uint32_t reserved = 0) {
  std::vector<uint8_t> b(28, 0);
  b[0] = 4;
  put32(b, 4, domain);
  put64(b, 8, vs);
  put64(b, 16, ve);
  put32(b, 24, reserved);
  return b;
}
inline std::vector<uint8_t> probe_req(uint32_t ep) {
  std::vector<uint8_t> b(72, 0);
  b[0] = 5;
  put32(b, 4, ep);
  return b;
}

inline constexpr uint32_t kR = 1, kW = 2, kMmio = 4;  // VIRTIO_IOMMU_MAP_F_*
inline constexpr uint32_t kEpA = 0x08, kEpB = 0x10, kEpC = 0x18;

class ViommuModel : public ::testing::Test {
 protected:
  // A device like the one §5.13 describes with 4 KiB pages, every feature but legacy BYPASS offered,
  // bypass initially 1, three endpoints; the driver accepted everything offered.
  void SetUp() override { build(mv::DeviceConfig{}); }

  void build(const mv::DeviceConfig& c, uint64_t accept = ~uint64_t{0}) {
    dev = mv::Device(c);
    ASSERT_TRUE(dev.add_endpoint(kEpA));
    ASSERT_TRUE(dev.add_endpoint(kEpB));
    ASSERT_TRUE(dev.add_endpoint(kEpC));
    ASSERT_TRUE(dev.negotiate(c.features & accept));
  }

  // Sends a request with a 4-byte writable tail; returns the status (or 0xff when not written).
  uint8_t send(const std::vector<uint8_t>& req) {
    uint8_t tail[4] = {0xee, 0xee, 0xee, 0xee};
    last = dev.handle(req.data(), req.size(), tail, sizeof tail);
    if (!last.written) return 0xff;
    EXPECT_EQ(tail[1], 0) << "tail reserved";
    return tail[0];
  }

  mv::Translation rd(uint32_t ep, uint64_t iova) const { return dev.translate(ep, iova, mv::Access::kRead); }
  mv::Translation wr(uint32_t ep, uint64_t iova) const { return dev.translate(ep, iova, mv::Access::kWrite); }

  mv::Device dev;
  mv::Completion last;
};

}  // namespace viommu_test
