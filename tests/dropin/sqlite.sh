#!/bin/sh
# sqlite.sh — the sqlite3 shell running workload.sql on a database file:
# tables, indexes, joins, aggregates and updates over tens of thousands of rows.
# Usage: sqlite.sh LIBSTRATA_MALLOC_SO
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || dropin_fail "sqlite3 not installed (tools/deps.sh installs it)"

dropin_body()
{
    $DROPIN sqlite3 -bail test.db <"$DROPIN_DIR/workload.sql" &&
        $DROPIN sqlite3 test.db 'PRAGMA integrity_check; SELECT count(*) FROM orders;'
}

dropin_main 2
