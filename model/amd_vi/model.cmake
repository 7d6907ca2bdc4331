# AMD-Vi (AMD 48882) reference model.
add_library(viommu_model_amd_vi STATIC
  ${CMAKE_CURRENT_LIST_DIR}/iommu.cpp
)
target_link_libraries(viommu_model_amd_vi PUBLIC viommu_spec)
list(APPEND VIOMMU_MODEL_LIBS viommu_model_amd_vi)
