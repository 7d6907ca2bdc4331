// dma.edu.*: edu moves data RAM -> 4 KiB device buffer -> RAM. Each DMA costs 100 ms of virtual time,
// so the group keeps to six transfers; seeds differ per case so data left in the device buffer by an
// earlier case cannot pass for a fresh transfer.
#include "tests/conformance/dma/dma_check.h"

namespace {
constexpr const char* kEdu = "edu";
}

// The whole usable device buffer: 4095 bytes (edu.h: QEMU <= 7.2 aborts on a transfer ending at 4096).
VIOMMU_DMA_ROUNDTRIP(dma_edu_roundtrip_max, "dma.edu.roundtrip_max", "dma,edu",
                     kEdu, ep->max_len(), 0, 0, 0x21);

VIOMMU_DMA_ROUNDTRIP(dma_edu_roundtrip_unaligned_3_at_7, "dma.edu.roundtrip_unaligned_3_at_7", "dma,edu",
                     kEdu, 3, 7, 7, 0x42);

// 1000 bytes straddling a 4 KiB boundary on both sides, at different offsets within the page.
VIOMMU_DMA_ROUNDTRIP(dma_edu_roundtrip_page_cross, "dma.edu.roundtrip_page_cross", "dma,edu",
                     kEdu, 1000, 4096 - 300, 4096 - 701, 0x63);
