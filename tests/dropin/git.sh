#!/bin/sh
# git.sh — git on a real repository: 60 commits on two branches with fixed
# author dates (so every hash is reproducible), a merge, then log, diff,
# blame, grep, gc, repack, fsck and archive, every git command preloaded.
# Usage: git.sh LIBSTRATA_MALLOC_SO
. "$(dirname "$0")/lib.sh"
command -v git >/dev/null || dropin_fail "git not installed (tools/deps.sh installs it)"

export GIT_AUTHOR_NAME=strata GIT_AUTHOR_EMAIL=strata@example.org
export GIT_COMMITTER_NAME=strata GIT_COMMITTER_EMAIL=strata@example.org
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# commit N: touch a few files with content derived from N, commit at a fixed time.
commit()
{
    n=$1
    for f in 1 2 3; do
        seq "$n" $((n * f + 40)) | sed "s/^/file$f line /" >"src/f$(( (n + f) % 7 )).txt"
    done
    printf 'change %s\n' "$n" >>CHANGES
    export GIT_AUTHOR_DATE="$((1700000000 + n * 3600)) +0000"
    export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
    $DROPIN git add -A && $DROPIN git commit -q -m "commit $n" -m "touches $n"
}

dropin_body()
{
    $DROPIN git init -q -b main repo && cd repo || return 1
    mkdir src
    cp "$DROPIN_DIR/prog.c" "$DROPIN_DIR/workload.py" src/
    for n in $(seq 1 40); do commit "$n" || return 1; done
    $DROPIN git checkout -q -b topic HEAD~10
    for n in $(seq 41 60); do commit "$n" || return 1; done
    $DROPIN git checkout -q main
    $DROPIN git merge -q -X theirs --no-edit topic || return 1
    $DROPIN git log --stat --format='%H %an %s' | head -n 400
    $DROPIN git diff --stat HEAD~30 HEAD
    $DROPIN git diff HEAD~25 HEAD -- src | sha256sum
    $DROPIN git blame -s src/prog.c | tail -n 5
    $DROPIN git grep -c 'file2 line' HEAD
    $DROPIN git gc -q --aggressive &&
        $DROPIN git repack -q -a -d -f --threads=2 &&
        $DROPIN git fsck --full --strict --no-progress || return 1
    $DROPIN git count-objects -v | grep -E '^(count|in-pack|packs|garbage):'
    $DROPIN git rev-list --all --objects | sort | sha256sum
    $DROPIN git archive --format=tar HEAD | sha256sum
}

dropin_main 10
