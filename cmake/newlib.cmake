# newlib for the guest (full printf: nano printf has no %ll on any target), built from Debian's newlib-source (/usr/src/newlib/newlib-*.tar.xz) with clang-19.
# The install prefix carries a hash of the flags, so newlib is rebuilt only when the flags change and is
# kept across re-configures and `rm -rf build/<arch>/CMakeFiles`.

file(GLOB VIOMMU_NEWLIB_TARBALL /usr/src/newlib/newlib-*.tar.xz)
if(NOT VIOMMU_NEWLIB_TARBALL)
  message(FATAL_ERROR "newlib source not found: install Debian's newlib-source (scripts/viommu setup does)")
endif()
list(GET VIOMMU_NEWLIB_TARBALL 0 VIOMMU_NEWLIB_TARBALL)

set(_nl_cflags "-O2 -g -ffunction-sections -fdata-sections -Wno-everything")
if(VIOMMU_TARGET STREQUAL "aarch64")
  # clang's assembler rejects newlib's optimized memchr/strchr .S, and those do unaligned accesses
  # (FACTS.md); -mstrict-align keeps newlib correct before the MMU is on.
  string(APPEND _nl_cflags " -mstrict-align -DPREFER_SIZE_OVER_SPEED")
elseif(VIOMMU_TARGET STREQUAL "riscv64")
  # The guest's code model and float ABI (guest.cmake): the image is linked at 0x80200000, beyond medlow's
  # +-2 GiB around 0, and lld refuses to link objects of different float ABIs.
  string(APPEND _nl_cflags " -march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlibinc -DPREFER_SIZE_OVER_SPEED")
else()
  # No red zone: exception frames land on the interrupted stack. -nostdlibinc keeps /usr/include out.
  # -mno-implicit-float and no vectorizers: newlib's own integer code (e.g. __sfp's struct clears) must
  # not use SSE, which PVM-style KVM hosts abort on (FACTS.md); FP code that really needs it keeps it.
  string(APPEND _nl_cflags " -mno-red-zone -nostdlibinc -fno-pic -DPREFER_SIZE_OVER_SPEED")
  string(APPEND _nl_cflags " -mno-implicit-float -fno-vectorize -fno-slp-vectorize")
endif()
set(_nl_conf --disable-multilib --disable-libgloss --disable-newlib-supplied-syscalls --disable-newlib-io-float
  --enable-newlib-nano-malloc --enable-lite-exit
  --enable-newlib-reent-small --disable-newlib-fvwrite-in-streamio --disable-newlib-wide-orient
  --enable-newlib-global-atexit --disable-nls --enable-newlib-io-long-long --enable-newlib-io-c99-formats)

string(SHA1 _nl_hash "${VIOMMU_NEWLIB_TARBALL};${VIOMMU_TRIPLE};${_nl_cflags};${_nl_conf}")
string(SUBSTRING "${_nl_hash}" 0 12 _nl_hash)
set(VIOMMU_NEWLIB_PREFIX ${CMAKE_SOURCE_DIR}/build/newlib/${VIOMMU_TRIPLE}-${_nl_hash})
set(VIOMMU_NEWLIB_SYSROOT ${VIOMMU_NEWLIB_PREFIX}/${VIOMMU_TRIPLE})

# Wrapper scripts named after the target, as newlib's configure looks them up.
set(_nl_tools ${CMAKE_BINARY_DIR}/newlib-tools)
foreach(pair "gcc=clang-19 --target=${VIOMMU_TRIPLE}" "cc=clang-19 --target=${VIOMMU_TRIPLE}"
             "ar=llvm-ar-19" "ranlib=llvm-ranlib-19" "as=clang-19 --target=${VIOMMU_TRIPLE} -c"
             "nm=llvm-nm-19" "objdump=llvm-objdump-19" "strip=llvm-strip-19" "readelf=llvm-readelf-19"
             "ld=ld.lld-19")
  string(FIND "${pair}" "=" _eq)
  string(SUBSTRING "${pair}" 0 ${_eq} _name)
  math(EXPR _eq "${_eq} + 1")
  string(SUBSTRING "${pair}" ${_eq} -1 TOOL)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/newlib-wrapper.sh.in ${_nl_tools}/${VIOMMU_TRIPLE}-${_name}
                 @ONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                 WORLD_READ WORLD_EXECUTE)
endforeach()

# Built at configure time, so every guest target (including model/, which knows nothing of the guest)
# compiles against finished headers without per-target dependencies.
# Serialized by a lock: two build trees (or two engineers) configuring at once share the prefix.
file(MAKE_DIRECTORY ${CMAKE_SOURCE_DIR}/build/newlib)
file(LOCK ${CMAKE_SOURCE_DIR}/build/newlib/${VIOMMU_TRIPLE}-${_nl_hash}.lock GUARD FILE TIMEOUT 900
     RESULT_VARIABLE _nl_lock)
if(_nl_lock)
  message(FATAL_ERROR "newlib: could not lock the newlib build directory: ${_nl_lock}")
endif()
if(NOT EXISTS ${VIOMMU_NEWLIB_SYSROOT}/lib/libc.a)
  set(_nl_work ${CMAKE_SOURCE_DIR}/build/newlib/work-${VIOMMU_TRIPLE}-${_nl_hash})
  file(REMOVE_RECURSE ${_nl_work})
  file(MAKE_DIRECTORY ${_nl_work}/build)
  message(STATUS "Building newlib for ${VIOMMU_TRIPLE} (about a minute, once): log in ${_nl_work}/log.txt")
  execute_process(COMMAND tar -xJf ${VIOMMU_NEWLIB_TARBALL} -C ${_nl_work} RESULT_VARIABLE _rc)
  if(_rc)
    message(FATAL_ERROR "newlib: cannot unpack ${VIOMMU_NEWLIB_TARBALL}")
  endif()
  file(GLOB _nl_src LIST_DIRECTORIES true ${_nl_work}/newlib*)
  set(_nl_env ${CMAKE_COMMAND} -E env PATH=${_nl_tools}:$ENV{PATH} CFLAGS_FOR_TARGET=${_nl_cflags})
  foreach(step
      "${_nl_src}/configure;--target=${VIOMMU_TRIPLE};--prefix=${VIOMMU_NEWLIB_PREFIX};${_nl_conf}"
      "make;-j2;all-target-newlib"
      "make;install-target-newlib")
    execute_process(COMMAND ${_nl_env} ${step} WORKING_DIRECTORY ${_nl_work}/build
                    OUTPUT_FILE ${_nl_work}/log-step.txt ERROR_FILE ${_nl_work}/log-step.txt
                    RESULT_VARIABLE _rc)
    file(READ ${_nl_work}/log-step.txt _log)
    file(APPEND ${_nl_work}/log.txt "${_log}")
    if(_rc)
      message(FATAL_ERROR "newlib build step failed (${step}): see ${_nl_work}/log.txt")
    endif()
  endforeach()
  file(REMOVE_RECURSE ${_nl_src} ${_nl_work}/build)
endif()
