/*
 * output/json.h — a tiny streaming JSON writer for the CLI's --json output.
 *
 * The writer tracks nesting and commas so callers only say what comes
 * next: begin/end of objects and arrays, keys, and scalar values. Output is
 * pretty-printed with two-space indentation and ends with a newline when the
 * outermost value closes. Strings are escaped per RFC 8259 (control
 * characters as \u00XX; bytes >= 0x80 are passed through unchanged, so
 * callers should hand it UTF-8 or ASCII).
 */
#ifndef STRATA_TOOLS_CLI_JSON_H
#define STRATA_TOOLS_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_JSON_MAX_DEPTH 32

typedef struct cli_json {
    FILE *out;                          /* where the text goes; never NULL */
    int depth;                          /* open containers, 0..CLI_JSON_MAX_DEPTH */
    bool has_items[CLI_JSON_MAX_DEPTH]; /* [d]: container at depth d+1 has a member */
    bool after_key;                     /* a key was written; its value comes next */
} cli_json_t;

void cli_json_init(cli_json_t *j, FILE *out);

/* Containers. Nesting deeper than CLI_JSON_MAX_DEPTH aborts (a CLI bug). */
void cli_json_begin_object(cli_json_t *j);
void cli_json_end_object(cli_json_t *j);
void cli_json_begin_array(cli_json_t *j);
void cli_json_end_array(cli_json_t *j);

/* A member name inside an object; the next call writes its value. */
void cli_json_key(cli_json_t *j, const char *key);

/* Scalars (as an array element or after cli_json_key). NULL string → null. */
void cli_json_string(cli_json_t *j, const char *s);
void cli_json_uint(cli_json_t *j, uint64_t v);
void cli_json_int(cli_json_t *j, int64_t v);
void cli_json_double(cli_json_t *j, double v);
void cli_json_bool(cli_json_t *j, bool v);
void cli_json_null(cli_json_t *j);

/* Key + value in one call, the common case inside objects. */
void cli_json_kv_string(cli_json_t *j, const char *key, const char *s);
void cli_json_kv_uint(cli_json_t *j, const char *key, uint64_t v);
void cli_json_kv_int(cli_json_t *j, const char *key, int64_t v);
void cli_json_kv_double(cli_json_t *j, const char *key, double v);
void cli_json_kv_bool(cli_json_t *j, const char *key, bool v);
/* Hex string "0x..." — addresses read better in hex but JSON has no hex. */
void cli_json_kv_hex(cli_json_t *j, const char *key, uint64_t v);

#endif
