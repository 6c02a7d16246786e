/*
 * types.h — layout's internal structures. Each field carries a comment with
 * its invariant. Two sections: the ELF reader's and the process reader's;
 * each is edited only by its owner.
 */
#ifndef STRATA_LAYOUT_TYPES_H
#define STRATA_LAYOUT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "strata.h"

/* LAYOUT-ELF-TYPES-BEGIN */
/* LAYOUT-ELF-TYPES-END */

/* LAYOUT-PROC-TYPES-BEGIN */
/* LAYOUT-PROC-TYPES-END */

#endif
