// newlib's system calls: only the console (stdout/stderr) and the heap exist. Everything else fails
// with an errno, so a stray fopen() is an error rather than a hang.
#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "kernel/arch.h"

extern "C" {
extern char _end[];

// The heap for newlib's malloc: 16 MiB after the image; kernel::heap_end() tells the DMA pool where
// it may start.
constexpr size_t kHeapSize = 16u << 20;
static char* g_brk = nullptr;

int _write(int fd, const char* buf, int len) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  for (int i = 0; i < len; ++i) arch::console_putc(buf[i]);
  return len;
}

void* _sbrk(ptrdiff_t incr) {
  if (!g_brk) g_brk = _end;
  if (incr < 0 || g_brk + incr > _end + kHeapSize) {
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
  }
  char* old = g_brk;
  g_brk += incr;
  return old;
}

int _close(int) { errno = EBADF; return -1; }
int _fstat(int fd, struct stat* st) {
  if (fd > 2) { errno = EBADF; return -1; }
  st->st_mode = S_IFCHR;  // a terminal: line buffered stdout
  return 0;
}
int _isatty(int fd) { return fd <= 2; }
int _lseek(int, int, int) { errno = ESPIPE; return -1; }
int _read(int, char*, int) { errno = EBADF; return -1; }
int _getpid() { return 1; }
int _kill(int, int) { errno = EINVAL; return -1; }
void _exit(int status) { arch::exit(status); }

// x86_64-elf newlib calls the unprefixed names.
int write(int fd, const char* buf, int len) { return _write(fd, buf, len); }
void* sbrk(ptrdiff_t incr) { return _sbrk(incr); }
int close(int fd) { return _close(fd); }
int fstat(int fd, struct stat* st) { return _fstat(fd, st); }
int isatty(int fd) { return _isatty(fd); }
int lseek(int fd, int off, int whence) { return _lseek(fd, off, whence); }
int read(int fd, char* buf, int len) { return _read(fd, buf, len); }
int getpid() { return _getpid(); }
int kill(int pid, int sig) { return _kill(pid, sig); }
}

namespace kernel {
uint64_t heap_end() { return reinterpret_cast<uint64_t>(_end) + kHeapSize; }
}  // namespace kernel
