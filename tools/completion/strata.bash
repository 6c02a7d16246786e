# bash completion for strata(1)                            -*- shell-script -*-
#
# Installed as share/bash-completion/completions/strata, where
# bash-completion loads it the first time `strata <TAB>` is pressed; it uses
# bash-completion's helpers (_init_completion, _pids, _filedir,
# _command_offset), as Debian's own completions do.
#
# Commands and options are read from the strata being completed (`strata
# --help`, `strata COMMAND --help`), so a command or option added to the CLI
# completes without touching this file. From each command's --help:
#   - an option followed by a placeholder (`--out FILE`, `-n RUNS`, and
#     `-a, --alloc NAME|PATH` for both spellings) takes a value: PID ->
#     process IDs, FILE/PATH/DIR -> files, {a|b|c} -> those words, anything
#     else (a number) -> nothing;
#   - the usage paragraph says what the arguments are: CMD -> a command line
#     (after `--` or the first argument), PID -> process IDs, `self`,
#     FILE/file -> files.
# What --help cannot say is in _strata_special: allocator names, size's
# @file and --target names, cow's subcommands.

declare -gA _strata_help_cache

# Sets help to the --help text of "$1" (the strata binary) for command "$2"
# ("" for the top level), read once per shell (not in a subshell, so that
# the cache keeps it).
_strata_help()
{
    local key="$1 $2"
    if [[ ! -v _strata_help_cache[$key] ]]; then
        if [[ $2 ]]; then
            _strata_help_cache[$key]=$(LC_ALL=C "$1" "$2" --help 2>/dev/null)
        else
            _strata_help_cache[$key]=$(LC_ALL=C "$1" --help 2>/dev/null)
        fi
    fi
    help=${_strata_help_cache[$key]}
}

# The commands `strata --help` lists (two-space indented under "commands:").
_strata_commands()
{
    local help line inside=""
    _strata_help "$1" ""
    while IFS= read -r line; do
        [[ $line == commands: ]] && inside=1 && continue
        [[ $inside && ! $line ]] && break
        [[ $inside && $line =~ ^\ \ ([a-z][a-z0-9-]*)\  ]] && echo "${BASH_REMATCH[1]}"
    done <<<"$help"
}

# Parses command "$2"'s --help into the caller's arrays: opts (every option,
# "--long=" for those written --long=VALUE) and argof (option -> its
# placeholder, e.g. [--alloc]="NAME|PATH", [--format]="{sysv|berkeley|gnu}").
_strata_parse_options()
{
    local help line rest o eq ph group=()
    _strata_help "$1" "$2"
    local re='(^|[^[:alnum:]_/.-])(--?[[:alpha:]?][[:alnum:]-]*)(=?)(.*)'
    while IFS= read -r line; do
        group=()
        while [[ $line =~ $re ]]; do
            o=${BASH_REMATCH[2]} eq=${BASH_REMATCH[3]} rest=${BASH_REMATCH[4]}
            opts+=("$o$eq")
            group+=("$o")
            ph=""
            if [[ $eq && $rest =~ ^(\{[^}]*\}|<?[[:alnum:]_]+>?) ]]; then
                ph=${BASH_REMATCH[1]}
            elif [[ $rest =~ ^\ ([A-Z][A-Z0-9_.|]*)([^[:alnum:]]|$) ]]; then
                ph=${BASH_REMATCH[1]}
            fi
            if [[ $ph ]]; then
                for o in "${group[@]}"; do argof[$o]=$ph; done
                group=()
            elif [[ ! $rest =~ ^(,\ |\|)- ]]; then
                group=() # "-a, --alloc X" and "-x|-y" share what follows
            fi
            line=$rest
        done
    done <<<"$help"
}

# Completions for placeholder "$1" of an option, or of an argument.
_strata_value()
{
    case $1 in
        \{*\})
            local words=${1:1:${#1}-2}
            COMPREPLY+=($(compgen -W "${words//|/ }" -- "$cur"))
            ;;
        *PID*) _pids ;;
        *FILE* | *PATH* | *DIR* | *file*) _filedir ;;
    esac
}

# Cases --help cannot describe. Returns 0 when it handled the word.
_strata_special()
{
    local allocs="strata glibc jemalloc mimalloc tcmalloc"
    case $cmd:$opt in
        run:--alloc | run:-a)
            COMPREPLY=($(compgen -W "$allocs" -- "$cur"))
            _filedir 'so*'
            return 0
            ;;
        compare:--allocs | compare:-a)
            local head=""
            [[ $cur == *,* ]] && head=${cur%,*},
            COMPREPLY=($(compgen -P "$head" -W "$allocs" -- "${cur##*,}"))
            compopt -o nospace
            return 0
            ;;
        size:--target)
            COMPREPLY=($(compgen -W "elf64-x86-64 elf32-i386 elf32-iamcu
                elf32-x86-64 elf64-little elf64-big elf32-little elf32-big
                default" -- "$cur"))
            return 0
            ;;
        size:)
            if [[ $cur == @* ]]; then
                COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
                return 0
            fi
            ;;
        cow:)
            [[ $cur == -* ]] && return 1
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "probe demo help" -- "$cur"))
            fi
            return 0 # probe and demo take no argument, only demo's options
            ;;
    esac
    return 1
}

_strata()
{
    local cur prev words cword split
    _init_completion -s || return

    local bin=${words[0]}
    [[ $bin == "~"* ]] && bin=${bin/#\~/$HOME}

    if ((cword == 1)); then
        COMPREPLY=($(compgen -W "$(_strata_commands "$bin") --help --version" -- "$cur"))
        return
    fi
    local cmd=${words[1]}
    local -a opts=()
    local -A argof=()
    _strata_parse_options "$bin" "$cmd"
    local help usage
    _strata_help "$bin" "$cmd"
    usage=${help%%$'\n\n'*} # the usage paragraph

    # Walk the words before the cursor: option values, `--`, arguments.
    local i w nargs=0 cmdstart=0
    for ((i = 2; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -- ]]; then
            cmdstart=$((i + 1))
            break
        elif [[ $w == -* ]]; then
            [[ $w != *=* && -v argof[$w] ]] && ((i++))
        else
            ((nargs++))
            if [[ $usage == *CMD* ]]; then
                cmdstart=$i # getopt stops at the first argument
                break
            fi
        fi
    done
    if ((cmdstart)) && ((cword >= cmdstart)); then
        _command_offset $cmdstart
        return
    fi

    # The value of an option: `--opt value` or `--opt=value` (split).
    local opt=""
    if [[ $split == true || -v argof[$prev] ]] && [[ $prev == -* ]]; then
        opt=$prev
    fi
    if [[ $opt ]]; then
        _strata_special && return
        _strata_value "${argof[$opt]}"
        return
    fi
    _strata_special && return

    if [[ $cur == -* ]]; then
        local -A seen=()
        for w in "${opts[@]}"; do seen[$w]=1; done
        COMPREPLY=($(compgen -W "${!seen[*]}" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    if [[ $usage == *CMD* ]]; then
        compopt -o filenames
        COMPREPLY=($(compgen -c -- "$cur"))
        return
    fi
    [[ $usage == *PID* ]] && _pids
    [[ $usage == *'|self|'* || $usage == *' self'* ]] &&
        COMPREPLY+=($(compgen -W self -- "$cur"))
    [[ $usage == *FILE* || $usage == *'file(s)'* ]] && _filedir
}
complete -F _strata strata

# ex: filetype=sh
