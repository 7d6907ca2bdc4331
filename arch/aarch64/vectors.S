// EL1 exception vectors (Arm ARM D1.10.2): 16 slots of 0x80 bytes. Every slot saves the general
// registers, ELR and SPSR in a Frame on the current stack and calls aarch64_exception(frame, kind).
// IRQs return through the restore path; synchronous exceptions and SErrors end the test case there.
    .equ FRAME_SIZE, 272                // x0..x30, ELR, SPSR, padding to 16 bytes

.macro VENTRY kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       aarch64_exception_common
.endm

    .section .text, "ax"
    .balign 0x800
    .global aarch64_vectors
aarch64_vectors:
    VENTRY 0    // current EL, SP_EL0: sync
    VENTRY 1    //   irq
    VENTRY 2    //   fiq
    VENTRY 3    //   serror
    VENTRY 4    // current EL, SP_ELx: sync
    VENTRY 5    //   irq
    VENTRY 6    //   fiq
    VENTRY 7    //   serror
    VENTRY 8    // lower EL, AArch64
    VENTRY 9
    VENTRY 10
    VENTRY 11
    VENTRY 12   // lower EL, AArch32
    VENTRY 13
    VENTRY 14
    VENTRY 15

aarch64_exception_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x30, x2, [sp, #240]
    str     x3, [sp, #256]
    mov     x1, x0
    mov     x0, sp
    bl      aarch64_exception
    ldp     x30, x2, [sp, #240]
    ldr     x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME_SIZE
    eret
