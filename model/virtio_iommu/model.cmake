# virtio-iommu (VIRTIO 1.2 §5.13) reference device model.
add_library(viommu_model_virtio_iommu STATIC ${CMAKE_CURRENT_LIST_DIR}/device.cpp)
target_link_libraries(viommu_model_virtio_iommu PUBLIC viommu_spec)
list(APPEND VIOMMU_MODEL_LIBS viommu_model_virtio_iommu)
