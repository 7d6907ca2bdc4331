#include "tests/kit/two_domain_adapter.h"

#include <cstring>

namespace kit {

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
