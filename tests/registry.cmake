# The region registry (alloc/api_registry.c), through the public API.
strata_check_test(check_registry SOURCES check_registry.c LIBS strata_static LABELS sanitize)
