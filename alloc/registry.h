/*
 * registry.h — hidden hooks of the region registry (alloc/api_registry.c)
 * for the allocator's fork handling. The public registry API is in
 * strata.h (strata_region_register & co).
 */
#ifndef STRATA_ALLOC_REGISTRY_H
#define STRATA_ALLOC_REGISTRY_H

/* Call from the allocator's pthread_atfork prepare/parent/child handlers so
 * that the registry lock is never inherited held by a forked child. */
void alloc_registry_fork_prepare(void);
void alloc_registry_fork_parent(void);
void alloc_registry_fork_child(void);

#endif
