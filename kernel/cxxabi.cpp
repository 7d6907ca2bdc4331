// The little of the C++ runtime a -fno-exceptions -fno-rtti kernel needs.
#include <cstdio>
#include <cstdlib>
#include <new>

#include "kernel/arch.h"

void* operator new(size_t n) { return malloc(n); }
void* operator new[](size_t n) { return malloc(n); }
void* operator new(size_t n, std::align_val_t a) { return aligned_alloc(static_cast<size_t>(a), n); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }

extern "C" {
void* __dso_handle = nullptr;
void __cxa_pure_virtual() {
  printf("# fatal: pure virtual call\n");
  arch::exit(3);
}
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
}

// libc++ reports broken preconditions (e.g. hardening assertions) through this hook.
namespace std { inline namespace __1 {
[[noreturn]] void __libcpp_verbose_abort(const char* fmt, ...) {
  printf("# fatal: libc++: %s\n", fmt);
  arch::exit(3);
}
}}  // namespace std::__1
