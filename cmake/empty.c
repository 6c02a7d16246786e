/* Placeholder translation unit: keeps an object library valid while a part
 * has no sources of its own yet. It defines nothing. */
typedef int strata_empty_translation_unit;
