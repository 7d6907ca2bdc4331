// Command-queue commands (RISC-V IOMMU 1.0, "Command-Queue (CQ)", src/iommu_in_memory_queues.adoc): 16 bytes,
// opcode [6:0], func3 [9:7], operands as each command's figure places them. "A command is determined to be
// illegal if it uses a reserved encoding or if a reserved bit is set to 1."
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::riscv_iommu {

// "IOMMU command opcodes": 5-63 reserved, 64-127 custom.
enum class Opcode : uint8_t { kIotinval = 1, kIofence = 2, kIodir = 3, kAts = 4 };
enum class IotinvalFunc : uint8_t { kVma = 0, kGvma = 1 };
enum class IofenceFunc : uint8_t { kC = 0 };
enum class IodirFunc : uint8_t { kInvalDdt = 0, kInvalPdt = 1 };
enum class AtsFunc : uint8_t { kInval = 0, kPrgr = 1 };

struct Command : Words<2> {
  static constexpr unsigned kBytes = 16;
  VIOMMU_NAMED_FIELD(6, 0, opcode, "opcode");
  VIOMMU_NAMED_FIELD(9, 7, func3, "func3");
  constexpr Command& set_op(Opcode o, uint8_t f) { return set_opcode(static_cast<uint64_t>(o)).set_func3(f); }
};
static_assert(sizeof(Command) == Command::kBytes);

// "IOMMU Page-Table cache invalidation commands": IOTINVAL.VMA / IOTINVAL.GVMA.
struct IotinvalCommand : Command {
  VIOMMU_NAMED_BIT(10, av, "AV");
  VIOMMU_NAMED_FIELD(31, 12, pscid, "PSCID");
  VIOMMU_NAMED_BIT(32, pscv, "PSCV");
  VIOMMU_NAMED_BIT(33, gv, "GV");
  VIOMMU_NAMED_BIT(34, nl, "NL");  // "Non-leaf PTE Invalidation Extension"; reserved when capabilities.NL=0
  VIOMMU_NAMED_FIELD(59, 44, gscid, "GSCID");
  VIOMMU_NAMED_BIT(73, s, "S");  // "Address Range Invalidation Extension"; reserved when capabilities.S=0
  VIOMMU_NAMED_FIELD(125, 74, addr_63_12, "ADDR");
  // rsvd: [11], [43:35], [63:60]; [72:64], [127:126] (NL and S are added when their extension is absent).
  static constexpr uint64_t kReserved0 = (uint64_t{1} << 11) | (uint64_t{0x1ff} << 35) | (uint64_t{0xf} << 60);
  static constexpr uint64_t kReserved1 = uint64_t{0x1ff} | (uint64_t{0x3} << 62);
  constexpr uint64_t addr() const { return addr_63_12() << 12; }
  constexpr IotinvalCommand& set_addr(uint64_t a) { return set_addr_63_12(a >> 12); }  // the page of a
  static constexpr IotinvalCommand vma() {
    IotinvalCommand c;
    c.set_op(Opcode::kIotinval, static_cast<uint8_t>(IotinvalFunc::kVma));
    return c;
  }
  static constexpr IotinvalCommand gvma() {
    IotinvalCommand c;
    c.set_op(Opcode::kIotinval, static_cast<uint8_t>(IotinvalFunc::kGvma));
    return c;
  }
};

// "Address Range Invalidation Extension": with S=1 the first 0 bit of ADDR (from bit 0 of the operand, i.e.
// address bit 12) at position X gives a range of 2^(X+1) * 4 KiB; 0 when the range is the whole space
// (most significant bit 0, all others 1). All ones is UNSPECIFIED (returned as 0 too).
constexpr uint64_t range_bytes(uint64_t addr_63_12) {
  unsigned x = 0;
  while (x < 52 && ((addr_63_12 >> x) & 1)) ++x;
  return x >= 51 ? 0 : uint64_t{1} << (x + 1 + 12);
}
static_assert(range_bytes(0) == 0x2000 && range_bytes(0b0111) == 0x10000 && range_bytes(0x1ff) == 0x400000);

// "IOMMU Command-queue Fence commands": IOFENCE.C.
struct IofenceCommand : Command {
  VIOMMU_NAMED_BIT(10, av, "AV");
  VIOMMU_NAMED_BIT(11, wsi, "WSI");
  VIOMMU_NAMED_BIT(12, pr, "PR");
  VIOMMU_NAMED_BIT(13, pw, "PW");
  VIOMMU_NAMED_FIELD(63, 32, data, "DATA");
  VIOMMU_NAMED_FIELD(125, 64, addr_63_2, "ADDR");
  static constexpr uint64_t kReserved0 = uint64_t{0x3ffff} << 14;  // [31:14]
  static constexpr uint64_t kReserved1 = uint64_t{0x3} << 62;      // [127:126]
  // "the IOMMU writes DATA to memory at a 4-byte aligned address ADDR[63:2] * 4 as a 4-byte store"
  constexpr uint64_t addr() const { return addr_63_2() * 4; }
  constexpr IofenceCommand& set_addr(uint64_t a) { return set_addr_63_2(a >> 2); }  // a 4-byte aligned
  static constexpr IofenceCommand c() {
    IofenceCommand f;
    f.set_op(Opcode::kIofence, static_cast<uint8_t>(IofenceFunc::kC));
    return f;
  }
};

// "IOMMU directory cache invalidation commands": IODIR.INVAL_DDT / IODIR.INVAL_PDT.
struct IodirCommand : Command {
  VIOMMU_NAMED_FIELD(31, 12, pid, "PID");
  VIOMMU_NAMED_BIT(33, dv, "DV");
  VIOMMU_NAMED_FIELD(63, 40, did, "DID");
  // rsvd: [11:10], [32], [39:34], the whole second doubleword. "The PID operand is reserved for the
  // IODIR.INVAL_DDT command."
  static constexpr uint64_t kReserved0 = (uint64_t{0x3} << 10) | (uint64_t{1} << 32) | (uint64_t{0x3f} << 34);
  static constexpr uint64_t kReserved1 = ~uint64_t{0};
  static constexpr IodirCommand inval_ddt() {
    IodirCommand c;
    c.set_op(Opcode::kIodir, static_cast<uint8_t>(IodirFunc::kInvalDdt));
    return c;
  }
  static constexpr IodirCommand inval_pdt() {
    IodirCommand c;
    c.set_op(Opcode::kIodir, static_cast<uint8_t>(IodirFunc::kInvalPdt));
    return c;
  }
};

// "IOMMU PCIe ATS commands": ATS.INVAL / ATS.PRGR ("supported if capabilities.ATS is set to 1").
struct AtsCommand : Command {
  VIOMMU_NAMED_FIELD(31, 12, pid, "PID");
  VIOMMU_NAMED_BIT(32, pv, "PV");
  VIOMMU_NAMED_BIT(33, dsv, "DSV");
  VIOMMU_NAMED_FIELD(55, 40, rid, "RID");
  VIOMMU_NAMED_FIELD(63, 56, dseg, "DSEG");
  VIOMMU_NAMED_FIELD(127, 64, payload, "PAYLOAD");
  static constexpr uint64_t kReserved0 = (uint64_t{0x3} << 10) | (uint64_t{0x3f} << 34);
  static constexpr AtsCommand inval() {
    AtsCommand c;
    c.set_op(Opcode::kAts, static_cast<uint8_t>(AtsFunc::kInval));
    return c;
  }
  static constexpr AtsCommand prgr() {
    AtsCommand c;
    c.set_op(Opcode::kAts, static_cast<uint8_t>(AtsFunc::kPrgr));
    return c;
  }
};

// "PAYLOAD of an ATS.INVAL command": G [0], S [11], Untranslated Address[63:12] in [63:12].
struct AtsInvalPayload : Reg64 {
  VIOMMU_NAMED_BIT(0, g, "G");
  VIOMMU_NAMED_BIT(11, s, "S");
  VIOMMU_NAMED_FIELD(63, 12, addr_63_12, "Untranslated Address");
};
// "PAYLOAD of an ATS.PRGR command": Page Request Group Index [40:32], Response Code [47:44].
struct AtsPrgrPayload : Reg64 {
  VIOMMU_NAMED_FIELD(40, 32, prg_index, "Page Request Group Index");
  VIOMMU_NAMED_FIELD(47, 44, response_code, "Response Code");
};

}  // namespace spec::riscv_iommu
