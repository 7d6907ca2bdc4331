// A hosted machine: what one model-* configuration puts on the host in place of QEMU's machine. Each
// machine fills kernel::platform() as the firmware of its QEMU configuration would, registers its IOMMU
// model's MMIO window, and gives the endpoints (endpoints.cpp) the IOMMU's translation for their DMA.
#pragma once

#include <cstdint>

namespace hosted {

// One page-sized (or smaller) access of a DMA by the endpoint with PCI RequesterID `rid`: true and *pa
// when the IOMMU lets it through; false when it is terminated (the IOMMU model recorded any fault itself).
using TranslateFn = bool (*)(uint16_t rid, uint64_t iova, bool write, uint64_t* pa);

struct Machine {
  const char* name;         // model=NAME on the command line (the configuration without "model-")
  const char* groups;       // the case groups it runs when the command line names no filter=
  const char* description;  // printed as a KTAP comment
  bool (*init)();           // false: the machine could not be built (the run fails)
  TranslateFn translate;    // nullptr: endpoints DMA to guest-physical addresses (no IOMMU)
};

// The machines: one file each (hosted/<iommu_ns>_machine.cpp), each registering itself with
//   VIOMMU_HOSTED_MACHINE(kMyMachine);
// so a new IOMMU's machine needs no edit anywhere else.
#define VIOMMU_HOSTED_MACHINE(m) \
  __attribute__((section("viommu_machines"), used)) static const ::hosted::Machine* const m##_entry = &m

// The value of the runner's command-line word `model-KEY=VALUE` (e.g. key "model-choices"), nullptr when
// absent. A machine reads its options in init().
const char* machine_option(const char* key);

// The machines this runner knows; nullptr when `name` is none of them.
const Machine* find_machine(const char* name);

// endpoints.cpp: the host's DMA endpoints, translated through `fn`.
void set_endpoint_translation(TranslateFn fn);
// The endpoints' RIDs on this machine (default: aarch64 virt's 0x08/0x10/0x18); a non-zero `bridged_blk`
// adds a second virtio-blk (null backend: it writes zeros) at that RID, behind a root port.
void set_endpoint_rids(uint16_t edu, uint16_t rng, uint16_t blk, uint16_t bridged_blk);

}  // namespace hosted
