// AMD-Vi MMIO registers and the IOMMU capability block in PCI configuration space
// (AMD I/O Virtualization Technology (IOMMU) Specification, 48882, §3.1 capability block, §3.4 MMIO).
// The 48882 section numbers in spec/amd_vi, model/amd_vi and drivers/iommu/amd_vi were recalled, not read
// (the text was not available); the conformance cases cite only what a public source confirms, marking
// the rest unverified: tests/conformance/amd_vi/clauses.h.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::amd_vi {

// §3.4: MMIO register offsets from the base given by the capability block.
enum class Mmio : uint32_t {
  kDeviceTableBase = 0x0000,
  kCommandBufferBase = 0x0008,
  kEventLogBase = 0x0010,
  kControl = 0x0018,
  kExclusionBase = 0x0020,
  kExclusionLimit = 0x0028,
  kExtendedFeature = 0x0030,
  kPprLogBase = 0x0038,
  kCommandBufferHead = 0x2000,
  kCommandBufferTail = 0x2008,
  kEventLogHead = 0x2010,
  kEventLogTail = 0x2018,
  kStatus = 0x2020,
  kPprLogHead = 0x2030,
  kPprLogTail = 0x2038,
};
constexpr uint32_t offset(Mmio r) { return static_cast<uint32_t>(r); }
inline constexpr uint32_t kMmioSize = 0x4000;

// §3.4.1 Device Table Base Address Register: base [51:12], Size [8:0] = (entries * 32 / 4 KiB) - 1.
struct DeviceTableBase : Reg64 {
  VIOMMU_FIELD(8, 0, size);
  VIOMMU_FIELD(51, 12, base_4k);
  static constexpr uint64_t bytes_for(uint64_t size_field) { return (size_field + 1) * 4096; }
  constexpr uint64_t base() const { return base_4k() << base_4k_lo; }
  constexpr DeviceTableBase& set_base(uint64_t pa) { return set_base_4k(pa >> base_4k_lo); }  // pa 4 KiB aligned
  static constexpr uint64_t kImplemented = size_mask | base_4k_mask;
};

// §3.4.2 / §3.4.3 Command Buffer / Event Log Base Address Registers: base [51:12], Len [59:56]
// = log2(entries), 1000b (256 entries, 4 KiB) .. 1111b (32768 entries, 512 KiB); below 1000b reserved.
struct RingBase : Reg64 {
  VIOMMU_FIELD(51, 12, base_4k);
  VIOMMU_FIELD(59, 56, len);
  static constexpr unsigned kMinLen = 8;
  static constexpr unsigned kMaxLen = 15;
  constexpr uint64_t base() const { return base_4k() << base_4k_lo; }
  constexpr RingBase& set_base(uint64_t pa) { return set_base_4k(pa >> base_4k_lo); }  // pa 4 KiB aligned
  static constexpr uint64_t kImplemented = base_4k_mask | len_mask;
};
using CommandBufferBase = RingBase;
using EventLogBase = RingBase;

// §3.4.9 / §3.4.10 head and tail pointers: byte offset of a 16-byte entry in [18:4].
struct RingPointer : Reg64 {
  VIOMMU_FIELD(18, 4, index);
  // The pointer as the byte offset of its entry in the ring (the register value without its reserved bits).
  static constexpr uint64_t offset_of(uint64_t reg) { return reg & index_mask; }
};

// §3.4.4 IOMMU Control Register.
struct Control : Reg64 {
  VIOMMU_BIT(0, iommu_en);
  VIOMMU_BIT(1, ht_tun_en);
  VIOMMU_BIT(2, event_log_en);
  VIOMMU_BIT(3, event_int_en);
  VIOMMU_BIT(4, com_wait_int_en);
  VIOMMU_FIELD(7, 5, inv_timeout);
  VIOMMU_BIT(8, pass_pw);
  VIOMMU_BIT(9, res_pass_pw);
  VIOMMU_BIT(10, coherent);
  VIOMMU_BIT(11, isoc);
  VIOMMU_BIT(12, cmd_buf_en);
  VIOMMU_BIT(13, ppr_log_en);
  VIOMMU_BIT(14, ppr_int_en);
  VIOMMU_BIT(15, ppr_en);
  VIOMMU_BIT(16, gt_en);
  VIOMMU_BIT(17, ga_en);
  VIOMMU_FIELD(21, 18, crw);
  VIOMMU_BIT(22, smif_en);
  VIOMMU_BIT(23, slf_wb_dis);
  VIOMMU_BIT(24, smif_log_en);
  VIOMMU_FIELD(27, 25, gam_en);
  VIOMMU_BIT(28, ga_log_en);
  VIOMMU_BIT(29, ga_int_en);
};

// §3.4.5 IOMMU Status Register. RW1C: EventOverflow, EventLogInt, ComWaitInt, PprOverflow, PprInt,
// GALogOverflow, GAInt. RO: EventLogRun, CmdBufRun, PprLogRun, GALogRun.
struct Status : Reg64 {
  VIOMMU_BIT(0, event_overflow);
  VIOMMU_BIT(1, event_log_int);
  VIOMMU_BIT(2, com_wait_int);
  VIOMMU_BIT(3, event_log_run);
  VIOMMU_BIT(4, cmd_buf_run);
  VIOMMU_BIT(5, ppr_overflow);
  VIOMMU_BIT(6, ppr_int);
  VIOMMU_BIT(7, ppr_log_run);
  VIOMMU_BIT(8, ga_log_run);
  VIOMMU_BIT(9, ga_log_overflow);
  VIOMMU_BIT(10, ga_int);
  static constexpr uint64_t kW1C = 0x667;  // bits 0,1,2,5,6,9,10
  static constexpr uint64_t kRO = 0x198;   // bits 3,4,7,8
};

// §3.4.6 Extended Feature Register (read-only).
struct ExtendedFeature : Reg64 {
  VIOMMU_BIT(0, pref_sup);
  VIOMMU_BIT(1, ppr_sup);
  VIOMMU_BIT(2, xt_sup);
  VIOMMU_BIT(3, nx_sup);
  VIOMMU_BIT(4, gt_sup);
  VIOMMU_BIT(6, ia_sup);
  VIOMMU_BIT(7, ga_sup);
  VIOMMU_BIT(8, he_sup);
  VIOMMU_BIT(9, pc_sup);
  VIOMMU_FIELD(11, 10, hats);  // host (v1) levels: 00b 4, 01b 5, 10b 6
  VIOMMU_FIELD(13, 12, gats);  // guest (v2) levels: 00b 4, 01b 5
  VIOMMU_FIELD(15, 14, glx_sup);
  VIOMMU_FIELD(36, 32, pasmax);
  unsigned host_levels() const { return 4 + static_cast<unsigned>(hats()); }
};

// §3.1 IOMMU capability block (PCI capability ID 0Fh), offsets from the capability pointer.
struct CapabilityHeader : Reg32 {  // +00h
  VIOMMU_FIELD(7, 0, cap_id);
  VIOMMU_FIELD(15, 8, cap_ptr);
  VIOMMU_FIELD(18, 16, cap_type);  // 011b
  VIOMMU_FIELD(23, 19, cap_rev);
  VIOMMU_BIT(24, iotlb_sup);
  VIOMMU_BIT(25, ht_tunnel);
  VIOMMU_BIT(26, np_cache);
  VIOMMU_BIT(27, efr_sup);
  VIOMMU_BIT(28, cap_ext);
};
struct CapabilityBaseLow : Reg32 {  // +04h
  VIOMMU_BIT(0, enable);
  VIOMMU_FIELD(31, 14, base_31_14);
  // Bits [31:0] of the MMIO base address (16 KiB aligned); the +08h register holds bits [63:32].
  constexpr uint32_t base_low() const { return static_cast<uint32_t>(base_31_14() << base_31_14_lo); }
};
struct CapabilityRange : Reg32 {  // +0Ch
  VIOMMU_FIELD(4, 0, unit_id);
  VIOMMU_BIT(7, rng_valid);
  VIOMMU_FIELD(15, 8, bus_number);
  VIOMMU_FIELD(23, 16, first_device);
  VIOMMU_FIELD(31, 24, last_device);
};
inline constexpr uint8_t kCapabilityId = 0x0f;
inline constexpr uint8_t kCapBaseLow = 0x04, kCapBaseHigh = 0x08, kCapRange = 0x0c, kCapMisc0 = 0x10;

}  // namespace spec::amd_vi
