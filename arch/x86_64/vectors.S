// Interrupt and exception entry stubs, one 16-byte slot per vector (0..255), so descriptors.cpp
// computes stub addresses as x86_64_isr_stubs + 16 * vector.
//
// Each stub makes the stack uniform, then jumps to a common path that saves the general registers
// and calls x86_64_isr_dispatch(TrapFrame*) (frame.h). The CPU pushes an error code only for
// #DF(8) #TS(10) #NP(11) #SS(12) #GP(13) #PF(14) #AC(17) #CP(21) #VC(29) #SX(30) (SDM 3A 6.13);
// every other stub pushes a zero in its place.
//
// Stack alignment: in 64-bit mode the CPU aligns RSP to 16 before pushing SS..RIP (SDM 3A 6.14.2).
// 5 CPU words + error + vector + 15 registers = 22 words = 176 bytes keeps RSP 16-byte aligned at
// the call, as the SysV ABI requires.

        .section .text.isr, "ax", @progbits
        .p2align 4
        .globl x86_64_isr_stubs
x86_64_isr_stubs:
        .set vec, 0
        .rept 256
1:
        .if (vec != 8) && (vec != 10) && (vec != 11) && (vec != 12) && (vec != 13) && (vec != 14) && (vec != 17) && (vec != 21) && (vec != 29) && (vec != 30)
        pushq $0
        .endif
        pushq $vec
        jmp isr_common
        .org 1b + 16, 0xcc      // pad to the slot; the assembler rejects a stub that outgrew it
        .set vec, vec + 1
        .endr

isr_common:
        pushq %r15
        pushq %r14
        pushq %r13
        pushq %r12
        pushq %r11
        pushq %r10
        pushq %r9
        pushq %r8
        pushq %rbp
        pushq %rdi
        pushq %rsi
        pushq %rdx
        pushq %rcx
        pushq %rbx
        pushq %rax
        mov %rsp, %rdi
        cld                     // the ABI expects DF=0 on function entry
        call x86_64_isr_dispatch
        popq %rax
        popq %rbx
        popq %rcx
        popq %rdx
        popq %rsi
        popq %rdi
        popq %rbp
        popq %r8
        popq %r9
        popq %r10
        popq %r11
        popq %r12
        popq %r13
        popq %r14
        popq %r15
        add $16, %rsp           // vector and error code
        iretq
