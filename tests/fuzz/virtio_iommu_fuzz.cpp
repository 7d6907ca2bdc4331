// libFuzzer target: hostile request streams for the virtio-iommu reference model (model/virtio_iommu).
//
// The input is a sequence of operations, each an opcode byte followed by its operands:
//   0 request:   u8 readable length, u8 writable length, then the readable bytes
//   1 translate: u8 endpoint index, u64 iova, u8 direction
//   2 device reset
//   3 config.bypass write: u8 value
//   4 negotiate: u8 device-specific feature bits
// Invariants (a violation traps): a request never writes outside its writable part, never reports more
// used bytes than it had, leaves the buffer untouched when it says so, and answers with a defined status;
// translate() names the endpoint and address it was asked about, and a MAP that succeeded translates its
// first byte to phys_start for every endpoint of the domain.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/virtio_iommu/device.h"

namespace {

namespace mv = model::virtio_iommu;
namespace sv = spec::virtio_iommu;

constexpr uint32_t kEndpoints[] = {0x8, 0x10, 0x18};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Reader {
  const uint8_t* p;
  size_t n;
  bool take(void* out, size_t len) {
    if (len > n) return false;
    memcpy(out, p, len);
    p += len;
    n -= len;
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::DeviceConfig cfg;
  cfg.probe_size = 64;
  static mv::Device dev;
  dev = mv::Device(cfg);
  for (uint32_t ep : kEndpoints) dev.add_endpoint(ep);
  dev.add_reserved_region({0xfee00000, 0xfeefffff, sv::ProbeResvMem::kSubtypeMsi});
  dev.add_reserved_region({0x8000000, 0x800ffff, sv::ProbeResvMem::kSubtypeReserved});
  dev.negotiate(cfg.features);

  Reader in{data, size};
  uint8_t op = 0;
  while (in.take(&op, 1)) {
    switch (op % 5) {
      case 0: {
        uint8_t rlen = 0, wlen = 0;
        if (!in.take(&rlen, 1) || !in.take(&wlen, 1)) return 0;
        uint8_t req[256] = {};
        if (!in.take(req, rlen)) return 0;
        // The writable part sits between guard bytes that must survive.
        uint8_t buf[256 + 32];
        memset(buf, 0xa5, sizeof buf);
        uint8_t* reply = buf + 16;
        const mv::Completion c = dev.handle(req, rlen, reply, wlen);
        for (size_t i = 0; i < 16; ++i) check(buf[i] == 0xa5 && buf[16 + wlen + i] == 0xa5);
        check(c.used_len <= wlen);
        if (!c.written) {
          check(c.used_len == 0);
          for (size_t i = 0; i < wlen; ++i) check(reply[i] == 0xa5);
          break;
        }
        check(c.status <= static_cast<uint8_t>(sv::Status::kNoMem));
        // A successful MAP translates its first byte to phys_start for the domain's endpoints.
        if (req[0] == static_cast<uint8_t>(sv::RequestType::kMap) && rlen >= sv::ReqMap::kReadable && c.status == 0) {
          sv::ReqMap m;
          memcpy(m.words.data(), req, sv::ReqMap::kReadable);
          for (uint32_t ep : kEndpoints) {
            uint32_t dom = 0;
            if (!dev.attached(ep, &dom) || dom != m.domain() || !(m.flags() & sv::ReqMap::kFlagRead)) continue;
            const mv::Translation t = dev.translate(ep, m.virt_start(), mv::Access::kRead);
            check(t.ok && t.pa == m.phys_start());
          }
        }
        break;
      }
      case 1: {
        uint8_t idx = 0, dir = 0;
        uint64_t iova = 0;
        if (!in.take(&idx, 1) || !in.take(&iova, 8) || !in.take(&dir, 1)) return 0;
        const uint32_t ep = idx < 3 ? kEndpoints[idx] : 0x1234;
        const mv::Access a = dir & 1 ? mv::Access::kWrite : mv::Access::kRead;
        const mv::Translation t = dev.translate(ep, iova, a);
        const mv::Translation r = dev.translate_range(ep, iova, 1, a);
        check(t.ok == r.ok && (!t.ok || t.pa == r.pa));
        if (!t.ok) check(t.fault.endpoint == ep && t.fault.address == iova && t.fault.reason <= 2);
        break;
      }
      case 2:
        dev.reset();
        dev.negotiate(cfg.features);
        break;
      case 3: {
        uint8_t v = 0;
        if (!in.take(&v, 1)) return 0;
        const bool ok = dev.write_bypass(v);
        check(!ok || v <= 1);
        check(dev.config().bypass() <= 1);
        break;
      }
      case 4: {
        uint8_t f = 0;
        if (!in.take(&f, 1)) return 0;
        const bool ok = dev.negotiate(f);
        check(ok == ((f & ~cfg.features) == 0));
        break;
      }
    }
  }
  return 0;
}
