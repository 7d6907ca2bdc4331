// COM1 (16550A UART at I/O port 0x3f8): polled transmit, no interrupts.
#pragma once

namespace x86_64::serial {

void init();  // safe to call more than once
void putc(char c);

}  // namespace x86_64::serial
