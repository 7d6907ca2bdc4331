// A minimal Flattened Devicetree writer (Devicetree Specification v0.4, chapter 5) for the hosted machines:
// they describe their devices the way QEMU's DTB does, and the kernel discovers them through the same
// kernel::fdt_discover() as in the guest.
//
//   FdtBuilder b;
//   b.begin_node("");  b.prop_u32("#address-cells", 2);  ...  b.end_node();
//   const void* blob = b.finish();   // nullptr when the fixed buffer overflowed
#pragma once

#include <cstddef>
#include <cstdint>

namespace hosted {

class FdtBuilder {
 public:
  void begin_node(const char* name);
  void end_node();
  void prop(const char* name, const void* data, uint32_t len);
  void prop_u32(const char* name, uint32_t v) { prop_cells(name, &v, 1); }
  // Big-endian 32-bit cells.
  void prop_cells(const char* name, const uint32_t* cells, uint32_t n);
  // One or more NUL-terminated strings, given as one buffer of `len` bytes (e.g. "a\0b").
  void prop_strings(const char* name, const char* s, uint32_t len) { prop(name, s, len); }
  void prop_string(const char* name, const char* s);
  // The finished blob, valid while the builder lives; nullptr when a buffer overflowed.
  const void* finish();

 private:
  void put32(uint32_t v);
  void put_bytes(const void* p, uint32_t len);
  uint32_t string_offset(const char* name);

  static constexpr uint32_t kStructMax = 4096, kStringsMax = 1024, kHeader = 40, kRsvmap = 16;
  uint8_t struct_[kStructMax] = {};
  uint32_t struct_len_ = 0;
  char strings_[kStringsMax] = {};
  uint32_t strings_len_ = 0;
  uint8_t blob_[kHeader + kRsvmap + kStructMax + 4 + kStringsMax] = {};
  bool overflow_ = false;
};

}  // namespace hosted
