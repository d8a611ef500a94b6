# bash completion for pmusim (installed as share/bash-completion/completions/pmusim).
# Commands and options come from `pmusim CMD --help`, names from `pmusim list SECTION --names`,
# so the completion follows the program it completes.

_pmusim_list() {  # SECTION [--cpu CPU]
    "${_pmusim_prog}" list "$@" --names 2>/dev/null
}

# Bash splits COMP_WORDS at ':' and '=' (COMP_WORDBREAKS); pmusim's values contain both
# (-E remove:X, --set f=v), so the words are taken from the line, split at blanks only, and each
# candidate is cut to the part after the last break character of the word, which bash replaces.
_pmusim() {
    local cur prev words cword line=${COMP_LINE:0:COMP_POINT}
    read -ra words <<<"$line"
    [[ -z $line || $line == *[[:blank:]] ]] && words+=("")
    cword=$((${#words[@]} - 1)) cur=${words[cword]} prev=${words[cword-1]:-}
    COMPREPLY=()
    _pmusim_candidates
    local cut=${cur%"${cur##*[:=]}"} i
    if [[ -n $cut && $COMP_WORDBREAKS == *"${cut: -1}"* ]]; then
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$cut"}; done
    fi
}

_pmusim_candidates() {
    _pmusim_prog=${words[0]}
    local cmd="" sub="" cpu="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --cpu) cpu=${words[i+1]} ;;
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd=${words[i]}
               elif [[ -z $sub && ( $cmd == wave || $cmd == list ) ]]; then sub=${words[i]}; fi ;;
        esac
    done
    local help
    if [[ -z $cmd ]]; then
        help=$("$_pmusim_prog" --help 2>/dev/null)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(sed -n '/^Subcommands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' <<<"$help")" -- "$cur"))
        fi
        return
    fi
    case $prev in
        --cpu) COMPREPLY=($(compgen -W "$(_pmusim_list presets)" -- "$cur")); return ;;
        -w|--workload)
            COMPREPLY=($(compgen -W "$(_pmusim_list workloads) steady:" -- "$cur") $(compgen -f -X '!*.yaml' -- "$cur"))
            return ;;
        -e|--events)
            local done_part="" last=$cur
            [[ $cur == *,* ]] && done_part=${cur%,*}, last=${cur##*,}
            COMPREPLY=($(compgen -P "$done_part" -W "$(_pmusim_list events ${cpu:+--cpu "$cpu"})" -- "$last"))
            compopt -o nospace 2>/dev/null
            return ;;
        -E|--edit)
            local verb=${cur%%:*}
            if [[ $cur == *:* ]]; then
                COMPREPLY=($(compgen -P "$verb:" -W "$(_pmusim_list steps)" -- "${cur#*:}"))
            else
                COMPREPLY=($(compgen -S : -W "remove swap move replace insert" -- "$cur"))
                compopt -o nospace 2>/dev/null
            fi
            return ;;
        --kvm-variant) COMPREPLY=($(compgen -W "$(_pmusim_list kvm-variants)" -- "$cur")); return ;;
        --set) COMPREPLY=($(compgen -S = -W "$(_pmusim_list overrides)" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
        --vcd|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    help=$("$_pmusim_prog" $cmd $sub --help 2>/dev/null)
    # An option with a fixed set of values: "--format TEXT:{table,csv,json}".
    local values
    values=$(sed -n "s/.*[ ,]${prev//\//\\/} [A-Z]*:{\([^}]*\)}.*/\1/p" <<<"$help" | head -1)
    if [[ -n $values && $prev == -* ]]; then
        COMPREPLY=($(compgen -W "${values//,/ }" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(grep -o -- '--\?[A-Za-z][A-Za-z0-9-]*' <<<"$(sed -n '/^Options:/,/^$/p' <<<"$help")" |
                                    grep '^-' | sort -u)" -- "$cur"))
        return
    fi
    case $cmd in
        run|mutate|conform)
            COMPREPLY=($(compgen -W "$(_pmusim_list scenarios)" -- "$cur") $(compgen -f -X '!*.yaml' -- "$cur")) ;;
        list|wave)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "$(sed -n '/^Subcommands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' <<<"$help")" -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi ;;
    esac
}
complete -F _pmusim pmusim
