# RISC-V IOMMU (riscv-non-isa/riscv-iommu 1.0) reference model.
add_library(viommu_model_riscv_iommu STATIC
  ${CMAKE_CURRENT_LIST_DIR}/iommu.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reg_page.cpp
)
target_link_libraries(viommu_model_riscv_iommu PUBLIC viommu_spec)
list(APPEND VIOMMU_MODEL_LIBS viommu_model_riscv_iommu)
