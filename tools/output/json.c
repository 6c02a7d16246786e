/*
 * output/json.c — the streaming JSON writer behind every `--json` option.
 */
#include "output/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

void cli_json_init(cli_json_t *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->after_key = false;
}

static void indent(cli_json_t *j)
{
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Everything a value needs before it: a comma and a fresh line inside a
 * container, nothing right after a key. */
static void before_value(cli_json_t *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->has_items[j->depth - 1])
        fputc(',', j->out);
    j->has_items[j->depth - 1] = true;
    indent(j);
}

/* A closed outermost value ends the document with a newline. */
static void after_value(cli_json_t *j)
{
    if (j->depth == 0)
        fputc('\n', j->out);
}

static void open_container(cli_json_t *j, char c)
{
    before_value(j);
    if (j->depth >= CLI_JSON_MAX_DEPTH)
        abort();
    fputc(c, j->out);
    j->has_items[j->depth++] = false;
}

static void close_container(cli_json_t *j, char c)
{
    if (j->depth == 0)
        abort();
    bool had = j->has_items[--j->depth];
    if (had)
        indent(j);
    fputc(c, j->out);
    after_value(j);
}

void cli_json_begin_object(cli_json_t *j)
{
    open_container(j, '{');
}

void cli_json_end_object(cli_json_t *j)
{
    close_container(j, '}');
}

void cli_json_begin_array(cli_json_t *j)
{
    open_container(j, '[');
}

void cli_json_end_array(cli_json_t *j)
{
    close_container(j, ']');
}

static void write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void cli_json_key(cli_json_t *j, const char *key)
{
    before_value(j);
    write_escaped(j->out, key);
    fputs(": ", j->out);
    j->after_key = true;
}

void cli_json_string(cli_json_t *j, const char *s)
{
    if (!s) {
        cli_json_null(j);
        return;
    }
    before_value(j);
    write_escaped(j->out, s);
    after_value(j);
}

void cli_json_uint(cli_json_t *j, uint64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRIu64, v);
    after_value(j);
}

void cli_json_int(cli_json_t *j, int64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRId64, v);
    after_value(j);
}

/* JSON has no NaN or infinity: those become null. */
void cli_json_double(cli_json_t *j, double v)
{
    if (!isfinite(v)) {
        cli_json_null(j);
        return;
    }
    before_value(j);
    fprintf(j->out, "%.17g", v);
    after_value(j);
}

void cli_json_bool(cli_json_t *j, bool v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->out);
    after_value(j);
}

void cli_json_null(cli_json_t *j)
{
    before_value(j);
    fputs("null", j->out);
    after_value(j);
}

void cli_json_kv_string(cli_json_t *j, const char *key, const char *s)
{
    cli_json_key(j, key);
    cli_json_string(j, s);
}

void cli_json_kv_uint(cli_json_t *j, const char *key, uint64_t v)
{
    cli_json_key(j, key);
    cli_json_uint(j, v);
}

void cli_json_kv_int(cli_json_t *j, const char *key, int64_t v)
{
    cli_json_key(j, key);
    cli_json_int(j, v);
}

void cli_json_kv_double(cli_json_t *j, const char *key, double v)
{
    cli_json_key(j, key);
    cli_json_double(j, v);
}

void cli_json_kv_bool(cli_json_t *j, const char *key, bool v)
{
    cli_json_key(j, key);
    cli_json_bool(j, v);
}

void cli_json_kv_hex(cli_json_t *j, const char *key, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    cli_json_kv_string(j, key, buf);
}
