# Host build: unit tests, fuzzers, benchmarks. clang-19 with libstdc++ so Debian's GoogleTest links.
enable_testing()
find_package(GTest REQUIRED)
set(VIOMMU_HOST_WARNINGS -Wall -Wextra -Werror=return-type)
option(VIOMMU_FUZZ "Build libFuzzer targets (needs clang)" ON)
