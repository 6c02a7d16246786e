/*
 * internal.h — declarations shared between layout's .c files (hidden from
 * the library's ABI), grouped by defining file. Two sections: the ELF
 * reader's and the process reader's; each is edited only by its owner.
 */
#ifndef STRATA_LAYOUT_INTERNAL_H
#define STRATA_LAYOUT_INTERNAL_H

#include "types.h"

/* LAYOUT-ELF-INTERNAL-BEGIN */
/* LAYOUT-ELF-INTERNAL-END */

/* LAYOUT-PROC-INTERNAL-BEGIN */
/* LAYOUT-PROC-INTERNAL-END */

#endif
