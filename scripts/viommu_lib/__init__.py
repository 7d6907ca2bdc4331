"""viommu_lib: the harness behind scripts/viommu (standard library only)."""
