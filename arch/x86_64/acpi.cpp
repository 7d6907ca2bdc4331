// ACPI table discovery. Layouts: ACPI 6.5 5.2.5.3 (RSDP), 5.2.6 (table header), 5.2.7/5.2.8
// (RSDT/XSDT), 5.2.9 (FADT: DSDT/X_DSDT), 5.2.12 (MADT); PCI Firmware Specification 3.3 4.1.2 (MCFG).
// Tables are read in place (identity map) with memcpy, because entries are not naturally aligned
// (the XSDT's 64-bit pointers start at offset 36).
#include "arch/x86_64/acpi.h"

#include <cstdio>
#include <cstring>

#include "arch/x86_64/paging.h"
#include "kernel/platform.h"

namespace x86_64::acpi {
namespace {

constexpr size_t kHeaderSize = 36;

template <typename T>
T read(uint64_t addr) {
  T v;
  memcpy(&v, reinterpret_cast<const void*>(addr), sizeof v);
  return v;
}

bool checksum_ok(uint64_t addr, size_t len) {
  uint8_t sum = 0;
  for (size_t i = 0; i < len; ++i) sum = static_cast<uint8_t>(sum + read<uint8_t>(addr + i));
  return sum == 0;
}

// RSDP: "RSD PTR " on a 16-byte boundary; the ACPI 1.0 checksum covers the first 20 bytes.
bool is_rsdp(uint64_t addr) {
  return memcmp(reinterpret_cast<const void*>(addr), "RSD PTR ", 8) == 0 && checksum_ok(addr, 20);
}

uint64_t scan_rsdp(uint64_t from, uint64_t to) {
  for (uint64_t a = from; a + 36 <= to; a += 16) {
    if (is_rsdp(a)) return a;
  }
  return 0;
}

// ACPI 6.5 5.2.5.1: the first KiB of the EBDA (its segment is the 16-bit word at 0x40E of the BIOS
// data area), then the BIOS read-only area 0xE0000..0xFFFFF.
uint64_t find_rsdp() {
  const uint64_t ebda = uint64_t{read<uint16_t>(0x40e)} << 4;
  if (ebda >= 0x80000 && ebda < 0xa0000) {
    if (uint64_t r = scan_rsdp(ebda, ebda + 1024)) return r;
  }
  return scan_rsdp(0xe0000, 0x100000);
}

void record(uint64_t addr) {
  kernel::Platform& p = kernel::platform();
  if (addr + kHeaderSize > paging::kMappedLimit) {  // firmware places ACPI tables below 4 GiB on q35
    printf("# acpi: table at 0x%lx is outside the identity map; skipped\n", static_cast<unsigned long>(addr));
    return;
  }
  const uint32_t len = read<uint32_t>(addr + 4);
  if (!checksum_ok(addr, len)) {
    printf("# acpi: table %.4s at 0x%lx has a bad checksum (recorded anyway)\n",
           reinterpret_cast<const char*>(addr), static_cast<unsigned long>(addr));
  }
  if (p.acpi_table_count == sizeof p.acpi_tables / sizeof p.acpi_tables[0]) {
    printf("# acpi: more tables than platform().acpi_tables holds; %.4s dropped\n",
           reinterpret_cast<const char*>(addr));
    return;
  }
  kernel::AcpiTableRef& t = p.acpi_tables[p.acpi_table_count++];
  memcpy(t.signature, reinterpret_cast<const void*>(addr), 4);
  t.signature[4] = '\0';
  t.address = addr;
  t.length = len;
}

const kernel::AcpiTableRef* find(const char* sig) {
  const kernel::Platform& p = kernel::platform();
  for (size_t i = 0; i < p.acpi_table_count; ++i) {
    if (memcmp(p.acpi_tables[i].signature, sig, 4) == 0) return &p.acpi_tables[i];
  }
  return nullptr;
}

// FADT -> DSDT (X_DSDT at offset 140 when the table is long enough and it is set, else DSDT at 40).
void record_dsdt() {
  const kernel::AcpiTableRef* fadt = find("FACP");
  if (!fadt) return;
  uint64_t dsdt = 0;
  if (fadt->length >= 148) dsdt = read<uint64_t>(fadt->address + 140);
  if (dsdt == 0 && fadt->length >= 44) dsdt = read<uint32_t>(fadt->address + 40);
  if (dsdt != 0 && !find("DSDT")) record(dsdt);
}

// MCFG: 8 reserved bytes after the header, then 16-byte allocations {base, segment, start bus,
// end bus}. The first segment-0 allocation is the host bridge we use. The allocation's base
// address is that of bus 0 (PCI FW spec 4.1.2); platform().ecam_base is the address of bus_start,
// matching the DT "reg" convention the aarch64 side fills.
void parse_mcfg() {
  const kernel::AcpiTableRef* mcfg = find("MCFG");
  if (!mcfg) return;
  for (uint64_t e = mcfg->address + kHeaderSize + 8; e + 16 <= mcfg->address + mcfg->length; e += 16) {
    const uint64_t base = read<uint64_t>(e);
    const uint16_t segment = read<uint16_t>(e + 8);
    const uint8_t start = read<uint8_t>(e + 10);
    const uint8_t end = read<uint8_t>(e + 11);
    if (segment != 0 || end < start) continue;
    kernel::Platform& p = kernel::platform();
    p.ecam_base = base + (uint64_t{start} << 20);
    p.ecam_size = (uint64_t{end} - start + 1) << 20;
    p.bus_start = start;
    p.bus_end = end;
    return;
  }
}

// MADT: the local APIC address (offset 36, or a type-5 64-bit override) and the first I/O APIC
// (type 1: address at +4).
void parse_madt() {
  const kernel::AcpiTableRef* madt = find("APIC");
  if (!madt) return;
  kernel::Platform& p = kernel::platform();
  p.intc_cpu = read<uint32_t>(madt->address + 36);
  for (uint64_t e = madt->address + 44; e + 2 <= madt->address + madt->length;) {
    const uint8_t type = read<uint8_t>(e);
    const uint8_t len = read<uint8_t>(e + 1);
    if (len < 2) break;  // malformed: stop rather than loop
    if (type == 1 && len >= 12 && p.intc_dist == 0) p.intc_dist = read<uint32_t>(e + 4);
    if (type == 5 && len >= 12) p.intc_cpu = read<uint64_t>(e + 4);
    e += len;
  }
}

}  // namespace

bool discover(uint64_t rsdp_hint) {
  uint64_t rsdp = rsdp_hint != 0 && is_rsdp(rsdp_hint) ? rsdp_hint : find_rsdp();
  if (rsdp == 0) {
    printf("# acpi: no RSDP found\n");
    return false;
  }
  // Revision >= 2 has the XSDT (64-bit entries, checksummed over `length`); else only the RSDT.
  const uint8_t revision = read<uint8_t>(rsdp + 15);
  uint64_t xsdt = 0;
  if (revision >= 2 && checksum_ok(rsdp, read<uint32_t>(rsdp + 20))) xsdt = read<uint64_t>(rsdp + 24);
  const uint64_t root = xsdt != 0 ? xsdt : read<uint32_t>(rsdp + 16);
  const size_t entry_size = xsdt != 0 ? 8 : 4;
  if (root == 0) return false;

  const uint32_t root_len = read<uint32_t>(root + 4);
  for (uint64_t e = root + kHeaderSize; e + entry_size <= root + root_len; e += entry_size) {
    const uint64_t table = entry_size == 8 ? read<uint64_t>(e) : read<uint32_t>(e);
    if (table != 0) record(table);
  }
  record_dsdt();
  parse_mcfg();
  parse_madt();
  return true;
}

}  // namespace x86_64::acpi
