#include "tests/kit/dma_probe.h"

#include <cstring>

#include "kernel/arch.h"
#include "kernel/dma_memory.h"

namespace kit {

namespace {
constexpr uint8_t kCanary = 0xa5;
constexpr uint64_t kPage = 4096;
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
uint8_t* bytes(uint64_t pa) { return kernel::DmaMemory::ptr<uint8_t>(pa); }

// The first index in [0, len) where mem differs from pattern(seed), or len.
size_t first_mismatch(const volatile uint8_t* mem, size_t len, uint8_t seed) {
  for (size_t i = 0; i < len; ++i)
    if (mem[i] != pattern(seed, i)) return i;
  return len;
}

// The guard bytes of a target are the rest of its 4 KiB pages: [lo, pa) and [pa+len, hi).
struct Guards {
  uint64_t lo, hi;
  Guards(uint64_t pa, size_t len) : lo(pa & ~(kPage - 1)), hi((pa + len + kPage - 1) & ~(kPage - 1)) {}
};
uint8_t g_saved[2 * kPage];  // the guard bytes while the probe holds canaries there
}  // namespace

const char* to_string(Direction d) { return d == Direction::kDeviceReads ? "device read" : "device write"; }

bool DmaProbe::load(size_t len, uint8_t seed) {
  if (len > staging_.len) {
    t_.error("probe: %zu bytes do not fit the %zu-byte staging area", len, staging_.len);
    return false;
  }
  uint8_t* s = bytes(staging_.pa);
  for (size_t i = 0; i < len; ++i) s[i] = pattern(seed, i);
  arch::dma_wmb();
  const drivers::DmaStatus st = ep_->read(staging_.iova, len);
  return t_.check("dma.status", c_.translated, st == drivers::DmaStatus::kOk,
                  "loading %s from the staging area (iova 0x%llx): %s", ep_->name(), ull(staging_.iova),
                  drivers::to_string(st));
}

bool DmaProbe::read_back(size_t len, drivers::DmaStatus* back) {
  uint8_t* s = bytes(staging_.pa);
  std::memset(s, 0, len);
  arch::dma_wmb();
  *back = ep_->write(staging_.iova, len);
  arch::dma_rmb();
  return *back == drivers::DmaStatus::kOk;
}

bool DmaProbe::expect_translated(Direction d, uint64_t iova, uint64_t pa, size_t len, uint8_t seed) {
  const bool write = d == Direction::kDeviceWrites;
  // With Staging::preload_reads, a device read starts from a device holding pattern(~seed) (see
  // expect_terminated), so that bytes an earlier DMA with the same seed left in the endpoint never pass for the
  // read's data.
  if ((write || staging_.preload_reads) && !load(len, write ? seed : static_cast<uint8_t>(~seed))) return false;
  const Guards g(pa, len);
  uint8_t* m = bytes(pa);
  const size_t before = static_cast<size_t>(pa - g.lo), after = static_cast<size_t>(g.hi - pa - len);
  std::memcpy(g_saved, bytes(g.lo), before);
  std::memcpy(g_saved + kPage, m + len, after);
  std::memset(bytes(g.lo), kCanary, before);
  std::memset(m + len, kCanary, after);
  for (size_t i = 0; i < len; ++i) m[i] = write ? kCanary : pattern(seed, i);
  arch::dma_wmb();

  const drivers::DmaStatus st = write ? ep_->write(iova, len) : ep_->read(iova, len);
  arch::dma_rmb();
  bool ok = t_.check("dma.status", c_.translated, st == drivers::DmaStatus::kOk,
                     "%s of %zu bytes at iova 0x%llx (translated to 0x%llx) by %s: %s", to_string(d), len, ull(iova),
                     ull(pa), ep_->name(), drivers::to_string(st));
  if (ok) {
    if (write) {
      const size_t bad = first_mismatch(m, len, seed);
      ok &= t_.check("dma.data", c_.translated, bad == len,
                     "the device write did not land at 0x%llx: byte %zu is 0x%02x, expected 0x%02x", ull(pa), bad,
                     bad < len ? m[bad] : 0, bad < len ? pattern(seed, bad) : 0);
    } else {
      drivers::DmaStatus back;
      const bool got = read_back(len, &back);
      const size_t bad = got ? first_mismatch(bytes(staging_.pa), len, seed) : 0;
      ok &= t_.check("dma.data", c_.translated, got && bad == len,
                     "the device read from 0x%llx: read-back %s, first differing byte %zu", ull(pa),
                     drivers::to_string(back), bad);
    }
  }
  size_t damaged = 0;
  for (size_t i = 0; i < before; ++i) damaged += bytes(g.lo)[i] != kCanary;
  for (size_t i = 0; i < after; ++i) damaged += m[len + i] != kCanary;
  ok &= t_.check("dma.canary", c_.translated, damaged == 0,
                 "%zu bytes around the target [0x%llx, 0x%llx) changed", damaged, ull(pa), ull(pa + len));
  std::memcpy(bytes(g.lo), g_saved, before);
  std::memcpy(m + len, g_saved + kPage, after);
  return ok;
}

int DmaProbe::expect_translated_either(Direction d, uint64_t iova, uint64_t pa0, uint64_t pa1, size_t len,
                                       uint8_t seed) {
  const bool write = d == Direction::kDeviceWrites;
  const uint64_t pa[2] = {pa0, pa1};
  const uint64_t page[2] = {pa0 & ~(kPage - 1), pa1 & ~(kPage - 1)};
  if (page[0] == page[1] || (pa0 - page[0]) + len > kPage || (pa1 - page[1]) + len > kPage) {
    t_.error("probe: targets 0x%llx and 0x%llx (%zu bytes) are not each inside a page of their own", ull(pa0),
             ull(pa1), len);
    return -1;
  }
  // A device read delivers pattern(seed) from target 0 and pattern(seed + 0x80) from target 1: the two differ
  // in every byte, and from the pattern(~seed) the device is loaded with first (see expect_terminated).
  const uint8_t seeds[2] = {seed, static_cast<uint8_t>(seed + 0x80)};
  if ((write || staging_.preload_reads) && !load(len, write ? seed : static_cast<uint8_t>(~seed))) return -1;
  for (int k = 0; k < 2; ++k) {
    std::memcpy(g_saved + k * kPage, bytes(page[k]), kPage);
    std::memset(bytes(page[k]), kCanary, kPage);
    if (!write)
      for (size_t i = 0; i < len; ++i) bytes(pa[k])[i] = pattern(seeds[k], i);
  }
  arch::dma_wmb();

  const drivers::DmaStatus st = write ? ep_->write(iova, len) : ep_->read(iova, len);
  arch::dma_rmb();
  int got = -1;
  bool ok = t_.check("dma.status", c_.translated, st == drivers::DmaStatus::kOk,
                     "%s of %zu bytes at iova 0x%llx (translated to 0x%llx or 0x%llx) by %s: %s", to_string(d), len,
                     ull(iova), ull(pa0), ull(pa1), ep_->name(), drivers::to_string(st));
  if (ok) {
    if (write) {
      for (int k = 0; k < 2 && got < 0; ++k)
        if (first_mismatch(bytes(pa[k]), len, seed) == len) got = k;
    } else {
      drivers::DmaStatus back;
      if (read_back(len, &back))
        for (int k = 0; k < 2 && got < 0; ++k)
          if (first_mismatch(bytes(staging_.pa), len, seeds[k]) == len) got = k;
    }
    ok = t_.check("dma.data", c_.translated, got >= 0,
                  "the %s at iova 0x%llx reached neither 0x%llx nor 0x%llx whole", to_string(d), ull(iova), ull(pa0),
                  ull(pa1));
  }
  // Everything but the target reached keeps its bytes: the canaries, and the other target whole.
  size_t damaged = 0;
  for (int k = 0; k < 2; ++k)
    for (size_t i = 0; i < kPage; ++i) {
      const uint64_t a = page[k] + i;
      const bool in_target = a >= pa[k] && a < pa[k] + len;
      if (!in_target) damaged += bytes(a)[0] != kCanary;
      else if (k != got) damaged += bytes(a)[0] != (write ? kCanary : pattern(seeds[k], a - pa[k]));
    }
  ok &= t_.check("dma.canary", c_.translated, damaged == 0,
                 "%zu bytes of the pages at 0x%llx and 0x%llx other than the target reached changed", damaged,
                 ull(page[0]), ull(page[1]));
  for (int k = 0; k < 2; ++k) std::memcpy(bytes(page[k]), g_saved + k * kPage, kPage);
  return ok ? got : -1;
}

bool DmaProbe::expect_terminated(Direction d, uint64_t iova, uint64_t victim_pa, size_t len, uint8_t seed) {
  uint8_t* victim = victim_pa ? bytes(victim_pa) : nullptr;
  if (d == Direction::kDeviceWrites) {
    // The device holds pattern(seed) (without a staging area or when loading failed, a failed dma.status
    // check already, whatever it held before: still a write to judge); the victim holds canaries that a
    // landed write would replace.
    if (staging_.len != 0) (void)load(len, seed);
    if (victim) std::memset(victim, kCanary, len);
    arch::dma_wmb();
    const drivers::DmaStatus st = ep_->write(iova, len);
    arch::dma_rmb();
    if (st == drivers::DmaStatus::kOk)
      t_.note("%s reported success for a device write the IOMMU terminates (iova 0x%llx)", ep_->name(), ull(iova));
    if (!victim) return true;
    size_t changed = 0;
    for (size_t i = 0; i < len; ++i) changed += victim[i] != kCanary;
    return t_.check("dma.untouched", c_.terminated, changed == 0,
                    "a terminated device write at iova 0x%llx changed %zu of %zu bytes at 0x%llx (endpoint: %s)",
                    ull(iova), changed, len, ull(victim_pa), drivers::to_string(st));
  }
  // A secret in the victim, the terminated read, then whatever the device holds written out to staging.
  if (victim && staging_.len == 0) {
    t_.error("probe: a terminated device read needs a staging area to read the device back");
    return false;
  }
  // The device first holds pattern(~seed), which differs from pattern(seed) in every byte (their difference
  // is 255 - 2 * seed, odd): what it holds afterwards is what the terminated read delivered, never the
  // bytes an earlier DMA left in its storage.
  if (victim) {
    if (!load(len, static_cast<uint8_t>(~seed))) return false;
    for (size_t i = 0; i < len; ++i) victim[i] = pattern(seed, i);
    arch::dma_wmb();
  }
  const drivers::DmaStatus st = ep_->read(iova, len);
  if (st == drivers::DmaStatus::kOk)
    t_.note("%s reported success for a device read the IOMMU terminates (iova 0x%llx)", ep_->name(), ull(iova));
  if (!victim) return true;
  drivers::DmaStatus back;
  const uint8_t* s = bytes(staging_.pa);
  if (!read_back(len, &back)) {
    // An endpoint may drop a request whose read was terminated: it then holds nothing to leak, unless the
    // write-back still changed the staging area.
    size_t changed = 0;
    for (size_t i = 0; i < len; ++i) changed += s[i] != 0;
    if (changed == 0) {
      t_.note("write-back through the staging area reported %s: the device holds nothing of the terminated read",
              drivers::to_string(back));
      return true;
    }
  }
  // Each byte matches the secret by chance with probability 1/256: a quarter is far beyond chance, and so is a
  // run of 4 (the pattern changes from byte to byte, so neither a fill nor zeros produce one).
  size_t leaked = 0, run = 0, longest = 0;
  for (size_t i = 0; i < len; ++i) {
    const bool same = s[i] == pattern(seed, i);
    leaked += same;
    run = same ? run + 1 : 0;
    longest = run > longest ? run : longest;
  }
  return t_.check("dma.no_leak", c_.terminated, leaked < len / 4 + 1 && longest < 4,
                  "a terminated device read at iova 0x%llx delivered %zu of %zu bytes of 0x%llx to the device "
                  "(longest run %zu)", ull(iova), leaked, len, ull(victim_pa), longest);
}

}  // namespace kit
