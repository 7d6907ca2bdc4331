// Finds every supported DMA master on PCI once (on first use) and keeps the drivers in static storage.
#include <cstdio>
#include <cstring>
#include <new>

#include "drivers/endpoints/edu.h"
#include "drivers/endpoints/endpoint_base.h"
#include "drivers/endpoints/virtio_blk.h"
#include "drivers/endpoints/virtio_rng.h"
#include "kernel/pci.h"

namespace drivers {

namespace {

constexpr size_t kMaxEndpoints = 8;

// Raw storage for each driver object: placement-new'd on probe, never destroyed (no global constructors).
template <typename T>
struct Slots {
  alignas(T) unsigned char bytes[kMaxEndpoints][sizeof(T)];
  size_t used = 0;
  T* take() { return used < kMaxEndpoints ? new (bytes[used++]) T() : nullptr; }
  void give_back() { --used; }
};

Slots<Edu> g_edu;
Slots<VirtioRng> g_rng;
Slots<VirtioBlk> g_blk;
EndpointBase* g_endpoints[kMaxEndpoints];
size_t g_count = 0;
bool g_probed = false;

template <typename T>
void try_probe(Slots<T>& slots, kernel::PciFunction* fn) {
  if (g_count == kMaxEndpoints) return;
  T* ep = slots.take();
  if (!ep) return;
  if (!ep->probe(fn)) {
    printf("endpoint %s at %02x:%02x.%x: probe failed, not used\n", ep->name(), fn->bus(), fn->devfn() >> 3,
           fn->devfn() & 7);
    slots.give_back();  // the failed object holds nothing worth keeping (its DMA memory stays allocated)
    return;
  }
  g_endpoints[g_count++] = ep;
}

void probe_all() {
  if (g_probed) return;
  g_probed = true;
  kernel::Pci::init();
  for (size_t i = 0; i < kernel::Pci::count(); ++i) {
    kernel::PciFunction* fn = kernel::Pci::at(i);
    if (!fn) continue;
    if (fn->vendor() == Edu::kPciVendor && fn->device() == Edu::kPciDevice) {
      try_probe(g_edu, fn);
    } else if (fn->vendor() == virtio::kPciVendor && fn->device() == VirtioRng::kPciDevice) {
      try_probe(g_rng, fn);
    } else if (fn->vendor() == virtio::kPciVendor && fn->device() == VirtioBlk::kPciDevice) {
      try_probe(g_blk, fn);
    }
  }
}

EndpointBase* base_of(DmaEndpoint* ep) {
  probe_all();
  for (size_t i = 0; i < g_count; ++i)
    if (static_cast<DmaEndpoint*>(g_endpoints[i]) == ep) return g_endpoints[i];
  return nullptr;
}

}  // namespace

const char* to_string(DmaStatus s) {
  switch (s) {
    case DmaStatus::kOk: return "ok";
    case DmaStatus::kDeviceError: return "device error";
    case DmaStatus::kTimeout: return "timeout";
    case DmaStatus::kUnsupported: return "unsupported";
  }
  return "?";
}

size_t endpoint_count() {
  probe_all();
  return g_count;
}

DmaEndpoint* endpoint(size_t i) {
  probe_all();
  return i < g_count ? g_endpoints[i] : nullptr;
}

DmaEndpoint* find_endpoint(const char* name, unsigned n) {
  probe_all();
  for (size_t i = 0; i < g_count; ++i) {
    if (strcmp(g_endpoints[i]->name(), name) != 0) continue;
    if (n == 0) return g_endpoints[i];
    --n;
  }
  return nullptr;
}

size_t driver_dma_ranges(DmaEndpoint* ep, DmaRange* out, size_t max) {
  EndpointBase* b = base_of(ep);
  return b ? b->dma_ranges(out, max) : 0;
}

void set_driver_iova(DmaEndpoint* ep, IovaOf fn, void* ctx) {
  if (EndpointBase* b = base_of(ep)) b->set_iova_of(fn, ctx);
}

bool reset_endpoint(DmaEndpoint* ep) {
  EndpointBase* b = base_of(ep);
  return b && b->reinit();
}

bool dma_translated(DmaEndpoint* ep) {
  EndpointBase* b = base_of(ep);
  return b && b->translated();
}

}  // namespace drivers
