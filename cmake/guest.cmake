# Guest build: flags shared by every guest object (kernel, arch, drivers, model, tests), newlib, the image.
include(${CMAKE_CURRENT_LIST_DIR}/newlib.cmake)

set(VIOMMU_LIBCXX_HEADERS /usr/lib/llvm-19/include/c++/v1)
if(NOT EXISTS ${VIOMMU_LIBCXX_HEADERS}/array)
  message(FATAL_ERROR "libc++ headers not found at ${VIOMMU_LIBCXX_HEADERS}: install libc++-19-dev")
endif()

# No SIMD/FP registers in our code: exception entry does not save them, and PVM-style KVM hosts
# abort on SSE memory instructions (FACTS.md). newlib itself keeps the default so its FP code compiles.
set(_arch_flags)
if(VIOMMU_TARGET STREQUAL "aarch64")
  list(APPEND _arch_flags -mgeneral-regs-only -mstrict-align)
elseif(VIOMMU_TARGET STREQUAL "riscv64")
  # riscv64 has no general-regs-only switch that keeps newlib's lp64d ABI; integer code does not touch the
  # F/D registers, and boot.S turns the FPU on for newlib's setjmp (which saves fs0-fs11).
  # medany: the image runs at 0x80200000, out of medlow's reach.
  list(APPEND _arch_flags -march=rv64gc -mabi=lp64d -mcmodel=medany -fno-pic)
else()
  # x86_64: -mno-sse rather than -mgeneral-regs-only, which also removes x87 long double and so
  # breaks libc++ headers; nothing here uses floating point, so no x87 code is generated either.
  list(APPEND _arch_flags -mno-sse -mno-mmx -mno-avx -mno-red-zone -mcmodel=small -fno-pic)
endif()

add_compile_options(
  ${_arch_flags}
  -ffunction-sections -fdata-sections -fno-common -fno-stack-protector -fno-pie
  -nostdlibinc
  -Wall -Wextra -Werror=return-type -Wno-unused-parameter
  "$<$<COMPILE_LANGUAGE:CXX>:-nostdinc++;-fno-exceptions;-fno-rtti;-fno-threadsafe-statics;-fno-use-cxa-atexit>"
  "$<$<COMPILE_LANGUAGE:CXX>:-Wno-c99-designator>"
)
# _DEFAULT_SOURCE: newlib hides POSIX declarations (strnlen, ...) under strict -std=c++20.
add_compile_definitions(VIOMMU_GUEST=1 VIOMMU_ARCH_${VIOMMU_TARGET}=1 _DEFAULT_SOURCE)
# Order matters: our __config_site, then libc++ (which #include_next's the C headers), then newlib.
# Given as flags: CMake would drop libc++'s directory from include_directories() as one of clang's
# implicit include directories, and reorder the rest.
add_compile_options(
  "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem ${CMAKE_SOURCE_DIR}/cmake/libcxx>"
  "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem ${VIOMMU_LIBCXX_HEADERS}>"
  "SHELL:-isystem ${VIOMMU_NEWLIB_SYSROOT}/include")
include_directories(${CMAKE_SOURCE_DIR})

# Compiler support routines: compiler-rt builtins on x86_64; riscv64 none; aarch64 has none in Debian's clang, so
# libgcc from the aarch64 cross gcc (only if the code needs a helper, e.g. 128-bit division).
if(VIOMMU_TARGET STREQUAL "x86_64")
  set(VIOMMU_BUILTINS /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.builtins-x86_64.a)
elseif(VIOMMU_TARGET STREQUAL "riscv64")
  # None: Debian has no riscv64 compiler-rt for the host's clang, and nothing here needs a helper yet.
  set(VIOMMU_BUILTINS)
else()
  file(GLOB VIOMMU_BUILTINS /usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a)
endif()

# The image: every part contributes an OBJECT library (so test and driver registrations kept in
# linker sections are never dropped as unreferenced archive members).
set(VIOMMU_IMAGE viommu-${VIOMMU_TARGET}.elf)
add_executable(viommu_image)
set_target_properties(viommu_image PROPERTIES OUTPUT_NAME ${VIOMMU_IMAGE} SUFFIX ""
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
set(_ld ${CMAKE_SOURCE_DIR}/linker/${VIOMMU_TARGET}.ld)
target_link_options(viommu_image PRIVATE -fuse-ld=lld -nostdlib -static -Wl,-T,${_ld}
  -Wl,--gc-sections -Wl,-Map,${CMAKE_BINARY_DIR}/viommu-${VIOMMU_TARGET}.map)
set_target_properties(viommu_image PROPERTIES LINK_DEPENDS ${_ld})

# Called by the top-level CMakeLists.txt once every part has defined its library.
function(viommu_link_image)
  foreach(part viommu_arch viommu_kernel viommu_drivers viommu_tests viommu_model)
    if(TARGET ${part})
      target_link_libraries(viommu_image PRIVATE ${part})
    endif()
  endforeach()
  target_link_libraries(viommu_image PRIVATE
    -Wl,--start-group ${VIOMMU_NEWLIB_SYSROOT}/lib/libc.a ${VIOMMU_BUILTINS} -Wl,--end-group)
endfunction()
