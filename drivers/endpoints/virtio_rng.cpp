#include "drivers/endpoints/virtio_rng.h"

#include <cstdio>

namespace drivers {

DmaStatus VirtioRng::write(uint64_t iova, size_t len) {
  if (len == 0 || len > kMaxLen) return DmaStatus::kUnsupported;
  const virtio::Buffer buf{iova, static_cast<uint32_t>(len), true};
  uint32_t used_len = 0;
  const DmaStatus s = run(&buf, 1, &used_len);
  if (s != DmaStatus::kOk) return s;
  // §5.4.6.1: the device fills the buffer; used.len is how much it wrote. Anything short is a failure
  // of this master (QEMU writes the whole buffer when its entropy backend keeps up).
  if (used_len != len) {
    printf("virtio-rng: used.len %u, expected %lu\n", used_len, static_cast<unsigned long>(len));
    return DmaStatus::kDeviceError;
  }
  return DmaStatus::kOk;
}

}  // namespace drivers
