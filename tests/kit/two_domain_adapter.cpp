#include "tests/kit/two_domain_adapter.h"

#include <cstring>

#include "drivers/endpoints/driver_dma.h"

namespace kit {

drivers::DmaEndpoint* need_endpoint(kernel::Test& t, const char* name, unsigned n, Buses where) {
  drivers::DmaEndpoint* ep = nullptr;
  for (unsigned k = 0, seen = 0; (ep = drivers::find_endpoint(name, k)); ++k)
    if ((where == Buses::kAll || (ep->rid() >> 8) == 0) && seen++ == n) break;
  if (!ep) {
    t.skip("no %s endpoint #%u%s", name, n, where == Buses::kBus0 ? " on bus 0" : "");
    return nullptr;
  }
  if (!drivers::dma_translated(ep)) {
    t.skip("%s does not use the platform IOMMU (no VIRTIO_F_ACCESS_PLATFORM)", name);
    return nullptr;
  }
  return ep;
}

drivers::DmaEndpoint* AdapterResources::endpoint(unsigned i) {
  static constexpr const char* kNames[kEndpoints] = {"virtio-blk", "edu"};
  if (i >= kEndpoints) {
    t_.error("no endpoint %u (the adapter has 0 and 1)", i);
    return nullptr;
  }
  if (!eps_[i]) eps_[i] = need_(t_, kNames[i], 0);
  return eps_[i];
}

uint64_t AdapterResources::page(unsigned i) {
  if (i < kPages) return pages_.pa + i * kPage;
  t_.error("page %u: the adapter has %u", i, kPages);
  return 0;
}

void AdapterResources::check_memory(bool have_iommu) {
  if (have_iommu && !memory_ready()) t_.error("no DMA memory for the staging page and the case's pages");
  if (pages_.pa) std::memset(kernel::DmaMemory::ptr<uint8_t>(pages_.pa), 0, kPages * kPage);
}

bool AdapterResources::domain_index(unsigned i) const {
  if (i < kEndpoints) return true;
  t_.error("no domain %u (the adapter has 0 and 1)", i);
  return false;
}

}  // namespace kit
