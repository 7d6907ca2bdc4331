# Intel VT-d reference model (legacy mode, caches, register-based and queued invalidation, fault recording).
add_library(viommu_model_intel_vtd STATIC
  ${CMAKE_CURRENT_LIST_DIR}/iommu.cpp
)
target_link_libraries(viommu_model_intel_vtd PUBLIC viommu_spec)
list(APPEND VIOMMU_MODEL_LIBS viommu_model_intel_vtd)
