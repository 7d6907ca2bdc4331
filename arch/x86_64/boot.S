// PVH entry for QEMU `-kernel` (Xen x86/HVM direct boot ABI, xen/include/public/arch-x86/hvm/start_info.h
// and docs/misc/pvh.pandoc): the loader jumps to the address in the XEN_ELFNOTE_PHYS32_ENTRY note in
// 32-bit protected mode, paging off, flat CS/DS/ES/SS, interrupts off, %ebx = hvm_start_info.
// No stack is provided. We zero .bss, build identity page tables, enter long mode (Intel SDM 3A
// 10.8.5 "Initializing IA-32e Mode") and call x86_64_boot_main(start_info) in C++.

#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

// Page-table entry bits (SDM 3A 4.5, tables 4-15..4-19).
#define PTE_P (1 << 0)
#define PTE_RW (1 << 1)
#define PTE_PWT (1 << 3)
#define PTE_PCD (1 << 4)
#define PTE_PS (1 << 7)  // in a PDE: maps a 2 MiB page

// 2 MiB pages at and above 0xC0000000 (PCI hole: BARs, ECAM above it on other layouts, IOAPIC,
// LAPIC, HPET, IOMMU registers) are uncached. The ECAM below it is made uncached from the MCFG later.
#define UC_FIRST_PDE (0xc0000000 >> 21)
#define PD_ENTRIES (4 * 512)  // four page directories: 0 .. 4 GiB

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

// The note must be 4-byte aligned with a 4-byte descriptor: QEMU's reader pads the name by the
// PT_NOTE alignment, so a wider alignment would move the descriptor it reads.
        .section .note.Xen, "a", @note
        .p2align 2
        .long 4                 // namesz: "Xen\0"
        .long 4                 // descsz: 32-bit physical entry
        .long 18                // XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .long pvh_entry32

        .section .text.boot, "ax", @progbits
        .code32
        .globl pvh_entry32
        .type pvh_entry32, @function
pvh_entry32:
        cld
        mov %ebx, %esi          // hvm_start_info; %esi survives until the call into C++

        // Zero .bss first: the page tables and the stack live there.
        mov $__bss_start, %edi
        mov $__bss_end, %ecx
        sub %edi, %ecx
        xor %eax, %eax
        rep stosb

        // PML4[0] -> PDPT, PDPT[0..3] -> the four page directories.
        mov $x86_64_boot_pdpt, %eax
        or $(PTE_P | PTE_RW), %eax
        mov %eax, x86_64_boot_pml4
        mov $x86_64_boot_pd, %eax
        or $(PTE_P | PTE_RW), %eax
        xor %ecx, %ecx
1:      mov %eax, x86_64_boot_pdpt(, %ecx, 8)
        add $4096, %eax
        inc %ecx
        cmp $4, %ecx
        jb 1b

        // Identity map 0 .. 4 GiB with 2 MiB pages; the upper halves of the entries stay zero.
        xor %ecx, %ecx
2:      mov %ecx, %eax
        shl $21, %eax
        or $(PTE_P | PTE_RW | PTE_PS), %eax
        cmp $UC_FIRST_PDE, %ecx
        jb 3f
        or $(PTE_PCD | PTE_PWT), %eax
3:      mov %eax, x86_64_boot_pd(, %ecx, 8)
        inc %ecx
        cmp $PD_ENTRIES, %ecx
        jb 2b

        // Long mode: PAE, CR3, EFER.LME, then paging (SDM 3A 10.8.5).
        mov %cr4, %eax
        or $CR4_PAE, %eax
        mov %eax, %cr4
        mov $x86_64_boot_pml4, %eax
        mov %eax, %cr3
        mov $MSR_EFER, %ecx
        rdmsr
        or $EFER_LME, %eax
        wrmsr
        lgdt boot_gdtr
        mov %cr0, %eax
        or $(CR0_PG | CR0_PE), %eax
        mov %eax, %cr0
        // IA-32e mode is active now, still in compatibility mode: a far jump loads the 64-bit CS.
        ljmp $SEL_CODE64, $entry64

        .code64
entry64:
        mov $SEL_DATA, %eax
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %ss
        xor %eax, %eax
        mov %eax, %fs
        mov %eax, %gs
        lea x86_64_boot_stack_top(%rip), %rsp
        xor %ebp, %ebp

        // x87/SSE usable for newlib (built with default flags, e.g. printf's float paths and the
        // qsort/strtod helpers use SSE registers): CR0.EM=0, MP=1, NE=1; CR4.OSFXSR, OSXMMEXCPT
        // (SDM 3A 14.1.3 "Initialization of the SSE Extensions"). Our own code is general-regs-only.
        mov %cr0, %rax
        and $~(1 << 2), %rax            // EM
        or $((1 << 1) | (1 << 5)), %rax // MP | NE
        mov %rax, %cr0
        mov %cr4, %rax
        or $((1 << 9) | (1 << 10)), %rax
        mov %rax, %cr4
        fninit

        mov %esi, %edi          // zero-extends: x86_64_boot_main(uint32_t start_info)
        call x86_64_boot_main
4:      cli
        hlt
        jmp 4b
        .size pvh_entry32, . - pvh_entry32

        .section .rodata.boot_gdt, "a", @progbits
        .p2align 3
// Boot GDT: just enough for the jump to 64-bit code; descriptors.cpp installs the final GDT + TSS
// with the same selectors.
boot_gdt:
        .quad 0
        .quad 0x00af9a000000ffff  // 0x08: 64-bit code, DPL0 (L=1, D=0)
        .quad 0x00cf92000000ffff  // 0x10: data, DPL0
boot_gdt_end:
boot_gdtr:
        .word boot_gdt_end - boot_gdt - 1
        .quad boot_gdt            // lgdt in 32-bit mode reads only the low 4 bytes

        .section .bss.boot_paging, "aw", @nobits
        .p2align 12
        .globl x86_64_boot_pml4, x86_64_boot_pdpt, x86_64_boot_pd
x86_64_boot_pml4: .skip 4096
x86_64_boot_pdpt: .skip 4096
x86_64_boot_pd:   .skip 4096 * 4

        .section .bss.boot_stack, "aw", @nobits
        .p2align 12
// One unmapped guard page under the stack (paging.cpp): an overflow faults, the #PF cannot be
// delivered on the same stack, and the resulting #DF runs on its IST stack and is reported.
        .globl x86_64_boot_stack_guard, x86_64_boot_stack_top
x86_64_boot_stack_guard: .skip 4096
        .skip 128 * 1024
x86_64_boot_stack_top:
