// What a fixture's domain keeps of the one endpoint attached to it: the endpoint, the device ID its requests
// carry (DevId: the IOMMU's width), whether the attachment completed, and the window its driver's memory is
// mapped through; and the hand-over of all that in a live move (kit::Iommu::move_step).
#pragma once

#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "tests/kit/driver_window.h"

namespace kit {

template <typename DevId>
struct Attachment {
  explicit Attachment(uint64_t driver_iova) : window(driver_iova) {}

  drivers::DmaEndpoint* ep = nullptr;
  DevId devid = 0;
  bool attached = false;
  DriverWindow window;  // the endpoint driver's memory, as this domain maps it

  // Once the device's structure points at this domain (whose window is mapped): from's endpoint is this
  // domain's, its driver uses this window, and from releases nothing.
  void take_over(Attachment& from) {
    ep = from.ep;
    devid = from.devid;
    attached = ep != nullptr;
    if (ep) window.use(ep);
    from.ep = nullptr;
    from.attached = false;
  }
};

}  // namespace kit
