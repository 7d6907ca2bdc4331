#include "hosted/fdt_builder.h"

#include <cstring>

namespace hosted {

namespace {
constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kEnd = 9;
constexpr uint32_t kVersion = 17, kLastCompatible = 16;

void be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
}  // namespace

void FdtBuilder::put32(uint32_t v) {
  if (struct_len_ + 4 > kStructMax) {
    overflow_ = true;
    return;
  }
  be32(struct_ + struct_len_, v);
  struct_len_ += 4;
}

// Bytes, then zero padding to the next 4-byte boundary (§5.4: tokens are 32-bit aligned).
void FdtBuilder::put_bytes(const void* p, uint32_t len) {
  const uint32_t padded = (len + 3) & ~3u;
  if (struct_len_ + padded > kStructMax) {
    overflow_ = true;
    return;
  }
  memcpy(struct_ + struct_len_, p, len);
  memset(struct_ + struct_len_ + len, 0, padded - len);
  struct_len_ += padded;
}

uint32_t FdtBuilder::string_offset(const char* name) {
  for (uint32_t off = 0; off < strings_len_; off += static_cast<uint32_t>(strlen(strings_ + off)) + 1)
    if (strcmp(strings_ + off, name) == 0) return off;
  const uint32_t len = static_cast<uint32_t>(strlen(name)) + 1;
  if (strings_len_ + len > kStringsMax) {
    overflow_ = true;
    return 0;
  }
  memcpy(strings_ + strings_len_, name, len);
  strings_len_ += len;
  return strings_len_ - len;
}

void FdtBuilder::begin_node(const char* name) {
  put32(kBeginNode);
  put_bytes(name, static_cast<uint32_t>(strlen(name)) + 1);
}

void FdtBuilder::end_node() { put32(kEndNode); }

void FdtBuilder::prop(const char* name, const void* data, uint32_t len) {
  put32(kProp);
  put32(len);
  put32(string_offset(name));
  put_bytes(data, len);
}

void FdtBuilder::prop_cells(const char* name, const uint32_t* cells, uint32_t n) {
  uint8_t buf[64];
  if (n * 4 > sizeof buf) {
    overflow_ = true;
    return;
  }
  for (uint32_t i = 0; i < n; ++i) be32(buf + 4 * i, cells[i]);
  prop(name, buf, n * 4);
}

void FdtBuilder::prop_string(const char* name, const char* s) { prop(name, s, static_cast<uint32_t>(strlen(s)) + 1); }

const void* FdtBuilder::finish() {
  put32(kEnd);
  if (overflow_) return nullptr;
  // Header (§5.2), an empty memory reservation block (§5.3: one terminating zero entry), structure, strings.
  const uint32_t off_rsvmap = kHeader, off_struct = off_rsvmap + kRsvmap, off_strings = off_struct + struct_len_;
  const uint32_t total = off_strings + strings_len_;
  memset(blob_, 0, sizeof blob_);
  const uint32_t header[10] = {kMagic,      total, off_struct,      off_strings, off_rsvmap,
                               kVersion,    kLastCompatible, 0 /* boot cpu */, strings_len_, struct_len_};
  for (unsigned i = 0; i < 10; ++i) be32(blob_ + 4 * i, header[i]);
  memcpy(blob_ + off_struct, struct_, struct_len_);
  memcpy(blob_ + off_strings, strings_, strings_len_);
  return blob_;
}

}  // namespace hosted
