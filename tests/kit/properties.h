// Properties every IOMMU must have, written once over kit::Iommu and registered per IOMMU with
//   VIOMMU_KIT_PROPERTIES(smmuv3, "smmuv3", "smmuv3,property", smmuv3_tests::KitAdapter)
// which adds the cases <prefix>.property.<name>. Each reads top to bottom: set up through the domain
// interface, ask the oracle, move bytes with the DmaProbe, compare fault records through the adapter.
#pragma once

#include "kernel/test.h"
#include "tests/kit/iommu.h"

namespace kit {

// Two domains map one IOVA to different pages: each endpoint reaches its own page only, in both directions,
// and an IOVA only the other domain maps is terminated.
void isolation_same_iova(kernel::Test& t, Iommu& io);
// A mapping removed and invalidated is gone: a device write leaves the old page untouched, a device read
// returns none of its bytes, and the fault is recorded as the oracle says.
void unmap_then_dma(kernel::Test& t, Iommu& io);
// An IOVA unmapped and mapped again to another page reaches the new page only.
void remap_to_new_page(kernel::Test& t, Iommu& io);
// A read/write mapping replaced by a read-only one: writes are terminated, reads still translate.
void permission_downgrade(kernel::Test& t, Iommu& io);
// Only the mapped page translates: the page after it and the bytes just below it are terminated.
void neighbour_page(kernel::Test& t, Iommu& io);
// Hitless change of a live translation: an endpoint translating through domain A (IOVA -> old page) is
// attached to domain B (the same IOVA -> new page) by the IOMMU's own atomic steps (Iommu::move_step). After
// every step but the last each DMA reaches the old page or the new one (the device's pick noted against the
// model's), never another and without a fault record; after the last step the new page only.
void hitless_move(kernel::Test& t, Iommu& io);

}  // namespace kit

#define VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, prop)             \
  VIOMMU_TEST(ident##_kit_##prop, prefix ".property." #prop, tags) {    \
    Adapter io(t);                                                      \
    if (io.ready()) ::kit::prop(t, io);                                 \
  }

#define VIOMMU_KIT_PROPERTIES(ident, prefix, tags, Adapter)                     \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, isolation_same_iova)            \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, unmap_then_dma)                 \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, remap_to_new_page)              \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, permission_downgrade)           \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, neighbour_page)                 \
  VIOMMU_KIT_CASE(ident, prefix, tags, Adapter, hitless_move)
