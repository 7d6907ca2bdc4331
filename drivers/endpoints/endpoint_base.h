// Internal to drivers/endpoints: what the registry needs from every endpoint implementation.
#pragma once

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/endpoints/driver_dma.h"
#include "kernel/pci.h"

namespace drivers {

class EndpointBase : public DmaEndpoint {
 public:
  // Initializes the device behind `fn` (enables decode and bus mastering). False: not usable.
  virtual bool probe(kernel::PciFunction* fn) = 0;
  virtual size_t dma_ranges(DmaRange* out, size_t max) const { return 0; }
  virtual void set_iova_of(IovaOf fn, void* ctx) {}
  virtual bool reinit() { return true; }
  virtual bool translated() const { return true; }

 protected:
  ~EndpointBase() = default;
};

}  // namespace drivers
