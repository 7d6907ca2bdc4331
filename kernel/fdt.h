// Flattened Devicetree (Devicetree Specification v0.4, chapter 5): a read-only walker and the
// discovery of what the kernel needs from QEMU's `virt` DTB.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/platform.h"

namespace kernel {

class Fdt {
 public:
  struct Node {
    int offset = -1;           // of the FDT_BEGIN_NODE token in the structure block
    int depth = 0;
    const char* name = "";
    uint32_t addr_cells = 2;   // the parent's #address-cells / #size-cells, which govern this node's reg
    uint32_t size_cells = 1;
    uint32_t own_addr_cells = 2;  // this node's, which govern its children (and its ranges' child side)
    uint32_t own_size_cells = 1;
    uint32_t parent_own_addr_cells = 2;  // for ranges' parent side: the grandparent-relative address cells
  };

  bool init(const void* blob);
  // Calls fn(node) for every node in document order until fn returns false.
  template <typename F>
  void for_each_node(F fn) const;
  const void* prop(const Node& n, const char* name, uint32_t* len) const;
  bool has_compatible(const Node& n, const char* compat) const;
  bool find_compatible(const char* compat, Node* out) const;
  bool find_path(const char* path, Node* out) const;  // absolute, unit addresses may be omitted
  // reg entry i of node n, translated with its parent's cells (no ranges translation: QEMU's virt
  // puts every device we use directly below the root).
  bool reg(const Node& n, unsigned i, uint64_t* addr, uint64_t* size) const;
  bool prop_u32(const Node& n, const char* name, uint32_t* v) const;

  static uint32_t be32(const void* p);
  static uint64_t read_cells(const void* p, uint32_t cells);

 private:
  void walk(bool (*visit)(const Node&, void*), void* ctx) const;
  const uint8_t* blob_ = nullptr;
  const uint8_t* structs_ = nullptr;
  const char* strings_ = nullptr;
  uint32_t struct_size_ = 0;
  uint32_t strings_size_ = 0;
};

template <typename F>
void Fdt::for_each_node(F fn) const {
  walk([](const Node& n, void* ctx) { return (*static_cast<F*>(ctx))(n); }, &fn);
}

// Fills the platform from a DTB: memory, console, PCIe host (ECAM, windows, bus range, iommu-map),
// GIC, SMMUv3, /chosen/bootargs; on riscv: UART, PLIC or IMSIC, test finisher, timebase, Svpbmt. False if the blob is not a DTB.
bool fdt_discover(const void* blob, Platform& p);

}  // namespace kernel
