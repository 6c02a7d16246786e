#!/bin/sh
# redis.sh — redis-server (Debian's, which links jemalloc itself: preloading
# strata must take every malloc over from it) loaded over loopback with
# 40,000 deterministic commands (strings, lists, sets, hashes, sorted sets,
# deletes and overwrites) plus a redis-benchmark burst, then queried; the
# replies must be identical, and the server must shut down cleanly.
# Usage: redis.sh LIBSTRATA_MALLOC_SO
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    dropin_fail "redis-server/redis-cli not installed (tools/deps.sh installs them)"

# A port of our own in the unprivileged range; loopback only.
PORT=$((21000 + $$ % 20000))

redis_commands()
{
    awk 'BEGIN {
        for (i = 0; i < 8000; i++) {
            printf "SET key:%d value-%d-%s\n", i, i, substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26)
            printf "LPUSH list:%d item-%d\n", i % 50, i
            printf "SADD set:%d member-%d\n", i % 40, i * 7 % 1000
            printf "HSET hash:%d field-%d %d\n", i % 30, i % 300, i
            printf "ZADD zset:%d %d z-%d\n", i % 20, (i * 37) % 5000, i
        }
        for (i = 0; i < 8000; i += 3) printf "DEL key:%d\n", i
        for (i = 0; i < 8000; i += 5) printf "APPEND key:%d -more-%d\n", i, i
        for (i = 0; i < 50; i += 2) printf "LTRIM list:%d 0 49\n", i
    }'
}

dropin_body()
{
    $DROPIN redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --logfile '' --daemonize no >server.log &
    server=$!
    n=0
    until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
        n=$((n + 1))
        [ $n -lt 100 ] || { kill "$server"; echo "redis-server did not start" >&2; return 1; }
        sleep 0.1
    done
    redis_commands | redis-cli -p "$PORT" >/dev/null
    redis-benchmark -p "$PORT" -q -n 20000 -c 8 -d 256 -t set,get,lpush,lpop,sadd,hset >/dev/null 2>&1
    redis-cli -p "$PORT" flushdb >/dev/null 2>&1 || true
    redis_commands | redis-cli -p "$PORT" >/dev/null
    for q in "DBSIZE" "GET key:1" "GET key:5" "GET key:7999" "LLEN list:3" "LLEN list:4" \
             "LRANGE list:7 0 4" "SCARD set:9" "SISMEMBER set:9 member-63" "HLEN hash:11" \
             "HGET hash:11 field-11" "ZCARD zset:13" "ZRANGE zset:13 0 4 WITHSCORES" \
             "STRLEN key:10" "EXISTS key:3"; do
        echo "> $q"
        # shellcheck disable=SC2086
        redis-cli -p "$PORT" $q
    done
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    wait "$server"
}

dropin_main 1
