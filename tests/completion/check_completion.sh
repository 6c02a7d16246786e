#!/bin/bash
# check_completion.sh STRATA COMPLETION_FILE — sources bash-completion and
# strata's completion, fills COMP_WORDS/COMP_LINE as bash does for a typed
# line, calls _strata and checks COMPREPLY: commands, every option of every
# command's --help, option values, process IDs where a PID is expected,
# files where a file is, command names after `--`. A fake strata with an
# extra command shows that a new command completes without editing the file.
set -u
STRATA=$1
COMPLETION=$2
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
if [[ ! -r $BASH_COMPLETION ]]; then
    echo "check_completion: $BASH_COMPLETION missing (apt-get install bash-completion)" >&2
    exit 1
fi
# shellcheck disable=SC1090
source "$BASH_COMPLETION"
# shellcheck disable=SC1090
source "$COMPLETION"
# Outside a real completion compopt fails; what it would set is not tested.
compopt() { :; }

TMP=$(mktemp -d)
trap 'kill "$SLEEPER" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
mkdir sub
touch a.out prog.c chart.svg sub/inner

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "check_completion: FAIL: $*"; }

# complete BIN LINE: COMPREPLY for LINE typed after BIN, split into words as
# bash splits them (white space, and '=' which is in COMP_WORDBREAKS).
complete_line() {
    local line="$1 $2" p parts=()
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra parts <<<"$line"
    [[ $line == *' ' ]] && parts+=("")
    COMP_WORDS=()
    for p in "${parts[@]}"; do
        while [[ $p == *=* ]]; do
            [[ ${p%%=*} ]] && COMP_WORDS+=("${p%%=*}")
            COMP_WORDS+=("=")
            p=${p#*=}
        done
        [[ $p || ${#COMP_WORDS[@]} -eq 0 || ${COMP_WORDS[-1]} != "=" ]] && COMP_WORDS+=("$p")
    done
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _strata 2>/dev/null
}

has() { # has WORD: COMPREPLY holds WORD
    local w
    for w in "${COMPREPLY[@]}"; do [[ $w == "$1" ]] && return 0; done
    return 1
}

# expect LINE WORD...: every WORD is offered for LINE.
expect() {
    local line=$1 w
    shift
    complete_line "$STRATA" "$line"
    for w in "$@"; do
        if has "$w"; then ok; else bad "'strata $line<TAB>' does not offer '$w' (got: ${COMPREPLY[*]:0:12})"; fi
    done
}

# expect_only LINE WORD...: exactly these WORDs (in any order, repeats allowed).
expect_only() {
    local line=$1 w want=" ${*:2} "
    expect "$@"
    for w in "${COMPREPLY[@]}"; do
        [[ $want == *" $w "* ]] || { bad "'strata $line<TAB>' offers '$w', expected only:${want% }"; return; }
    done
    ok
}

expect_none() {
    complete_line "$STRATA" "$1"
    if ((${#COMPREPLY[@]} == 0)); then ok; else bad "'strata $1<TAB>' offers ${COMPREPLY[*]:0:8}, expected nothing"; fi
}

# ---- commands and options come from --help --------------------------------
mapfile -t commands < <("$STRATA" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
((${#commands[@]} >= 6)) && ok || bad "strata --help lists ${#commands[@]} commands"
expect "" "${commands[@]}" --help --version
expect_only "l" layout
expect_only "--v" --version
# expect_options LINE OPT...: LINE offers exactly the options OPT (an option
# written --long=VALUE in --help may be offered as "--long=").
expect_options() {
    local line=$1 w want=" ${*:2} "
    complete_line "$STRATA" "$line"
    local got=" ${COMPREPLY[*]//=/} "
    for w in "${@:2}"; do
        [[ $got == *" $w "* ]] || { bad "'strata $line<TAB>' does not offer '$w' (got:${got% })"; return; }
    done
    for w in "${COMPREPLY[@]}"; do
        [[ $want == *" ${w%=} "* ]] || { bad "'strata $line<TAB>' offers '$w', which \`strata ${line%% *} --help\` does not name"; return; }
    done
    ok
}
# The expected options are read from each command's --help here too, with a
# parser of the test's own, so that an option added to the CLI needs no edit.
for cmd in "${commands[@]}"; do
    mapfile -t options < <("$STRATA" "$cmd" --help |
        grep -oE -- '(^|[ ,|[])--?[A-Za-z?][A-Za-z0-9-]*' | sed 's/^[ ,|[]//' | sort -u)
    prefix=$cmd
    [[ $cmd == cow ]] && prefix="cow demo"
    for opt in "${options[@]}"; do
        complete_line "$STRATA" "$prefix $opt"
        if has "$opt" || has "$opt="; then ok; else bad "'strata $prefix $opt<TAB>' does not offer $opt"; fi
    done
    mapfile -t longs < <(printf '%s\n' "${options[@]}" | grep -- '^--')
    expect_options "$prefix --" "${longs[@]}"
done
# A floor that does not come from --help, so that a --help the parser misreads
# (no options at all) cannot pass.
expect "layout --" --json --all --help
expect_only "cow " probe demo help
expect "cow demo --s" --size --snapshots --sequential --signal

# ---- option values ------------------------------------------------------------
expect_only "size --format=" sysv berkeley gnu
expect_only "size --format=b" berkeley
expect_only "size --radix=1" 10 16
expect "size --target=elf6" elf64-x86-64 elf64-little elf64-big
expect "run --alloc " strata glibc jemalloc mimalloc tcmalloc
expect "run -a je" jemalloc
expect_only "compare --allocs glibc,je" glibc,jemalloc
expect "compare -a " strata jemalloc
expect_none "compare -n "
expect_none "compare --warmup "
expect "compare --plot " chart.svg sub
expect "cow demo --out " a.out sub
expect_none "cow demo --threads "
expect_none "cow demo "

# ---- files, PIDs, commands ----------------------------------------------------
expect "size " a.out prog.c sub
expect "size sub/" sub/inner
expect_only "size @a" @a.out
expect "elf " a.out sub
expect "size -t /bin/tr" /bin/true
sleep 60 &
SLEEPER=$!
expect "layout ${SLEEPER:0:2}" "$SLEEPER"
expect "layout " "$SLEEPER" "$$" self a.out sub
expect_only "layout se" self
expect "layout --json " "$SLEEPER" self
expect "run -- ech" echo
expect "run ech" echo
expect "run --stats -- tru" true
expect "run --alloc glibc -- tru" true
expect "compare -n 3 -- tru" true
expect "compare -- tru" true

# ---- a command the CLI adds later completes without editing the file -------------
cat >"$TMP/strata" <<EOF
#!/bin/sh
if [ "\$1" = --help ]; then
    printf 'usage: strata COMMAND\n\ncommands:\n  size     sizes\n  fds      open files of a process\n\n'
elif [ "\$1" = fds ]; then
    printf 'usage: strata fds [--json] [--type KIND] PID...\n\n  --json   JSON\n  -o, --out FILE  write there\n'
fi
EOF
chmod +x "$TMP/strata"
STRATA=$TMP/strata
expect "" fds size
expect_only "fds --" --json --type --out
expect "fds -o " a.out sub
expect_none "fds --type "
expect "fds " "$SLEEPER"

echo "check_completion: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
((fail == 0))
