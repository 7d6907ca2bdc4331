// Shared checks of the dma.* group: move a pattern through an endpoint between two guarded buffers and
// verify the bytes, the canaries around both buffers, and that the source was left alone.
// Without an IOMMU iova == physical address, so the buffers' pa() is what the device is given.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"

namespace dma_tests {

// The dma.* group judges the endpoints and the machine without an IOMMU: every IOMMU verdict relies on it.
// Its checks rest on the suite's baseline, not on an IOMMU specification.
inline constexpr kernel::Clause kBaseline{kernel::Strength::kMust, "baseline",
                                          "endpoint DMA without an IOMMU moves exactly the bytes it is given"};

// The endpoint called `name`, or nullptr after t.skip("no <name> endpoint").
drivers::DmaEndpoint* need(kernel::Test& t, const char* name);

// Checks `status == kOk` for the named step (check ID dma.status); false (and a diagnostic) otherwise.
bool expect_ok(kernel::Test& t, const char* step, drivers::DmaStatus status);

// Both canaries of `b` intact (dma.canary); reports the first damaged byte relative to the payload.
bool expect_intact(kernel::Test& t, const char* which, const kernel::GuardedBuffer& b);

// b holds GuardedBuffer::pattern(seed, i) for every i (dma.data); reports the first mismatch (offset, expected,
// observed) and how many bytes differ.
bool expect_pattern(kernel::Test& t, const char* which, const kernel::GuardedBuffer& b, uint8_t seed);

// read() `len` bytes of a pattern from a source buffer at `src_off` into the device, write() them to a
// destination at `dst_off` prefilled with a different pattern, then check the destination equals the
// source, the source is unchanged, and all four canaries are intact.
bool roundtrip(kernel::Test& t, drivers::DmaEndpoint* ep, size_t len, size_t src_off, size_t dst_off,
               uint8_t seed);

// Two round trips of `len` bytes with different patterns into the same destination: the second must
// replace the first completely (neither the device nor the driver may reuse stale data).
bool stale_data_not_reused(kernel::Test& t, drivers::DmaEndpoint* ep, size_t len);

// For random_data() endpoints: write() into a buffer prefilled with a known pattern and check the device
// really wrote it. For len >= 32, more than len/2 bytes still equal to the prefill fails (each random
// byte matches its prefill with probability 1/256). Shorter buffers are written up to 4 times, each with
// a fresh prefill, and fail only when no attempt changed any byte (probability <= 2^-32).
bool random_fill(kernel::Test& t, drivers::DmaEndpoint* ep, size_t len, size_t off, uint8_t seed);

}  // namespace dma_tests

// One case a line: the endpoint called `ep_name` (skipped when absent) round-trips or fills `len` bytes;
// the remaining arguments are roundtrip()'s or random_fill()'s. `ep` may appear in them (ep->max_len()).
#define VIOMMU_DMA_ROUNDTRIP(ident, name, tags, ep_name, len, ...)                    \
  VIOMMU_TEST(ident, name, tags) {                                                     \
    if (auto* ep = dma_tests::need(t, ep_name)) dma_tests::roundtrip(t, ep, len, __VA_ARGS__); \
  }
#define VIOMMU_DMA_RANDOM_FILL(ident, name, tags, ep_name, len, ...)                  \
  VIOMMU_TEST(ident, name, tags) {                                                     \
    if (auto* ep = dma_tests::need(t, ep_name)) dma_tests::random_fill(t, ep, len, __VA_ARGS__); \
  }
