// The domain API ordinary tests use: a translation context (stage 1: one CD and its TTB0/TTB1 tables;
// stage 2: a VMID and S2TTB table; nested: both) that endpoints are attached to by StreamID.
//
//   Domain d;  d.init(*smmu, DomainConfig{});        // 4 KiB granule, 48-bit VA, ASID 1
//   d.attach(ep);                                     // driver-owned DMA identity mapped, STE written
//   d.map(iova, pa, len);  ep->write(iova, len);
//   d.unmap(iova);  d.tlbi_va(iova);                  // CMD_TLBI_NH_VA + CMD_SYNC
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/endpoints/dma_endpoint.h"
#include "drivers/iommu/smmuv3/page_table.h"
#include "drivers/iommu/smmuv3/smmuv3.h"
#include "spec/smmuv3/cd.h"
#include "spec/smmuv3/pte.h"
#include "spec/smmuv3/ste.h"

namespace drivers::smmuv3 {

struct DomainConfig {
  bool stage1 = true;
  bool stage2 = false;
  unsigned gshift0 = 12;    // TTB0 granule (4 KiB = 12, 16 KiB = 14, 64 KiB = 16)
  unsigned t0sz = 16;
  bool epd0 = false;
  bool ttb1 = false;        // build a TTB1 table too (else EPD1 = 1)
  unsigned gshift1 = 12;
  unsigned t1sz = 16;
  uint16_t asid = 1;
  bool affd = false;        // CD.AFFD
  bool record = true;       // CD.R / STE.S2R: record faults
  unsigned s2_gshift = 12;
  unsigned s2_t0sz = 24;    // 40-bit IPA
  uint16_t vmid = 1;
};

class Domain {
 public:
  Domain() = default;
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;
  ~Domain() { destroy(); }

  [[nodiscard]] bool init(Smmu& smmu, const DomainConfig& c);
  void destroy();

  const DomainConfig& config() const { return cfg_; }
  // Raw structures for edge-case tests (after editing the CD, call cfgi_cd()).
  spec::smmuv3::ContextDescriptor* cd() const;
  uint64_t cd_pa() const { return cd_table_; }
  PageTable& tt(unsigned i) { return tt_[i & 1]; }
  PageTable& s2() { return s2_; }

  // The CD this domain uses, as built from the config (written by init; tests may rebuild variants).
  spec::smmuv3::ContextDescriptor make_cd() const;
  // The STE that attaches a stream to this domain (Config = S1, S2 or nested).
  spec::smmuv3::Ste make_ste() const;

  // Stage-1 leaf template: RW for EL0 and EL1, AF=1, Normal memory (attr index 0), inner shareable, nG=1.
  // nG: a domain's mappings belong to its ASID. A global entry matches every ASID of the VMID (Arm ARM
  // D8.14) and CMD_TLBI_NH_ASID leaves it in place (IHI 0070 §4.4.2), so two domains mapping one IOVA, or
  // an unmap invalidated by ASID, would see each other's cached translation (Linux io-pgtable-arm sets nG
  // on every stage-1 mapping for the same reason).
  static spec::vmsa::Descriptor rw_leaf() {
    spec::vmsa::Descriptor d = spec::vmsa::make_s1_leaf(0, true);
    d.set_ng(1);
    return d;
  }
  // Maps [iova, iova+len) to pa with pages of the owning table's granule (TTB1 when iova[55] = 1). With
  // stage 2 only, iova is an IPA mapped in the stage-2 table.
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, spec::vmsa::Descriptor leaf = rw_leaf());
  [[nodiscard]] bool map_block(uint64_t iova, uint64_t pa, unsigned level, spec::vmsa::Descriptor leaf = rw_leaf());
  [[nodiscard]] bool unmap(uint64_t iova);
  // Identity mapping (iova == pa) in every stage this domain has.
  [[nodiscard]] bool map_identity(uint64_t pa, uint64_t len);

  // Writes the STE of sid (CFGI_STE + CMD_SYNC included).
  [[nodiscard]] bool attach(uint32_t sid);
  // Identity-maps the endpoint driver's own DMA memory (rings, headers).
  [[nodiscard]] bool map_driver_memory(DmaEndpoint* ep);
  // attach(sid_of(rid)) after map_driver_memory(ep).
  [[nodiscard]] bool attach(DmaEndpoint* ep);

  [[nodiscard]] bool tlbi_va(uint64_t iova, bool leaf = true);  // CMD_TLBI_NH_VA (ASID) or CMD_TLBI_S2_IPA, + CMD_SYNC
  [[nodiscard]] bool tlbi_asid();                               // CMD_TLBI_NH_ASID + CMD_SYNC
  [[nodiscard]] bool cfgi_cd(uint32_t sid);                     // CMD_CFGI_CD (SSID 0) + CMD_SYNC
  Smmu* smmu() const { return smmu_; }

 private:
  Smmu* smmu_ = nullptr;
  DomainConfig cfg_{};
  uint64_t cd_table_ = 0;
  PageTable tt_[2];
  PageTable s2_;
};

// Stage-2 leaf template: read+write, AF=1, Normal WB.
inline spec::vmsa::Descriptor s2_rw_leaf() { return spec::vmsa::make_s2_leaf(0, true); }

}  // namespace drivers::smmuv3
