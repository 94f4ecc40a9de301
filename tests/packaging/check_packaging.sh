#!/usr/bin/env bash
# Packaging checks (ctest label "packaging"), nothing installed:
#   man     iissdump(1) renders without warnings and names exactly the options
#           `iissdump --help` and `iissdump blob --help` print;
#   completion  the bash completion offers those options, "blob", captures
#           and folders;
#   deb     `cpack -G DEB` writes the iissdump and wireshark-plugin-iiss
#           packages with the expected files, the plugin depending on the
#           libwireshark it was built against.
# Installing the packages (dpkg -i / dpkg -r) happens in the Debian roots of
# tests/compat/run.sh, never on this machine.
#   check_packaging.sh man|completion|deb BUILD_DIR SOURCE_DIR
set -u
what=$1 build=$(cd "$2" && pwd) src=$(cd "$3" && pwd)
cli="$build/decoder/cli"
fail=0
err() { echo "FAIL: $*"; fail=1; }

help_opts() { # [blob]
    "$cli/iissdump" "$@" --help | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[ ,]+//' | sort -u
}
# The options a man page section names in its .TP headers.
man_opts() { # first-line-regex end-line-regex
    sed -n "/$1/,/$2/p" "$src/packaging/iissdump.1" | grep -A1 '^\.TP' | grep -v '^\.TP\|^--$' |
        grep -oE -- '\\-(\\-)?[A-Za-z](\\-|[A-Za-z])*' | sed 's/\\//g' | sort -u
}

case $what in
man)
    if command -v groff >/dev/null 2>&1; then
        warnings=$(groff -man -ww -z "$src/packaging/iissdump.1" 2>&1)
        [ -z "$warnings" ] || err "groff warns about iissdump.1: $warnings"
    fi
    d=$(diff <(help_opts) <(man_opts '^\.SH OPTIONS' '^\.SS "iissdump blob"')) ||
        err "iissdump --help (<) and iissdump(1) OPTIONS (>) differ:"$'\n'"$d"
    d=$(diff <(help_opts blob) <(man_opts '^\.SS "iissdump blob"' '^\.SH "EXIT STATUS"')) ||
        err "iissdump blob --help (<) and iissdump(1) 'iissdump blob' (>) differ:"$'\n'"$d"
    [ $fail -eq 0 ] && echo "iissdump(1) names the $(help_opts | wc -l) options of --help and the $(help_opts blob | wc -l) of blob --help"
    ;;
completion)
    complete_words() { # cword word...
        (cd "$tmp" && PATH="$cli:$PATH" bash -c 'source "$1"; shift; COMP_CWORD=$1; shift; COMP_WORDS=("$@");
            _iissdump; printf "%s\n" "${COMPREPLY[@]}"' _ "$src/packaging/iissdump.bash-completion" "$@" | sort -u)
    }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    touch "$tmp/a.pcap" "$tmp/b.pcapng.gz" "$tmp/notes.txt"
    mkdir "$tmp/caps"
    d=$(diff <(help_opts) <(complete_words 1 iissdump -)) || err "completion of 'iissdump -' (>) is not --help's options (<):"$'\n'"$d"
    d=$(diff <(help_opts blob) <(complete_words 2 iissdump blob -)) ||
        err "completion of 'iissdump blob -' (>) is not blob --help's options (<):"$'\n'"$d"
    got=$(complete_words 1 iissdump "" | paste -sd' ')
    [ "$got" = "a.pcap b.pcapng.gz blob caps" ] || err "completion of 'iissdump ' gives '$got', want 'a.pcap b.pcapng.gz blob caps'"
    got=$(complete_words 2 iissdump blob "" | paste -sd' ')
    [ "$got" = "a.pcap b.pcapng.gz caps notes.txt" ] || err "completion of 'iissdump blob ' gives '$got'"
    got=$(complete_words 2 iissdump --json a | paste -sd' ')
    [ "$got" = "a.pcap" ] || err "completion of 'iissdump --json a' gives '$got'"
    [ $fail -eq 0 ] && echo "completion: options of --help and blob --help, 'blob', captures and folders"
    ;;
deb)
    if ! command -v cpack >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
        echo "SKIP: cpack or dpkg-deb missing"
        exit 77
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$build" && cpack -G DEB -B "$tmp") >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; err "cpack failed"; exit 1; }
    cli_deb=$(ls "$tmp"/iissdump_*.deb 2>/dev/null)
    [ -n "$cli_deb" ] || err "no iissdump_*.deb"
    contents=$(dpkg-deb -c "$cli_deb" | awk '{print $6}')
    for f in ./usr/bin/iissdump ./usr/share/man/man1/iissdump.1 ./usr/share/bash-completion/completions/iissdump \
             ./usr/share/doc/iissdump/copyright; do
        grep -qx -- "$f" <<<"$contents" || err "$f missing from $(basename "$cli_deb")"
    done
    if [ -f "$build/plugin/iiss.so" ]; then
        plugin_deb=$(ls "$tmp"/wireshark-plugin-iiss_*.deb 2>/dev/null)
        [ -n "$plugin_deb" ] || err "no wireshark-plugin-iiss_*.deb"
        ws=$(pkg-config --modversion wireshark | cut -d. -f1,2)
        contents=$(dpkg-deb -c "$plugin_deb" | awk '{print $6}')
        grep -qE -- "^\./usr/lib/.*/wireshark/plugins/$ws/epan/iiss\.so$" <<<"$contents" ||
            err "iiss.so is not in a plugins/$ws/epan folder of $(basename "$plugin_deb"):"$'\n'"$contents"
        grep -qx -- ./usr/share/doc/wireshark-plugin-iiss/copyright <<<"$contents" || err "plugin copyright missing"
        lib=$(basename "$(readlink -f "$(pkg-config --variable=libdir wireshark)/libwireshark.so")")
        soname=$(objdump -p "$build/plugin/iiss.so" | awk '/NEEDED.*libwireshark/ {print $2}')
        pkg=$(dpkg -S "*/$soname" 2>/dev/null | head -n 1 | cut -d: -f1)
        depends=$(dpkg-deb -f "$plugin_deb" Depends)
        [ -n "$pkg" ] && grep -q "\b$pkg\b" <<<"$depends" ||
            err "the plugin package depends on '$depends', not on $pkg (which ships $soname, $lib)"
        echo "plugin package: $(dpkg-deb -f "$plugin_deb" Package), Depends: $depends"
    fi
    [ $fail -eq 0 ] && echo "packages: $(cd "$tmp" && ls ./*.deb | paste -sd' ')"
    ;;
*)
    echo "usage: $0 man|completion|deb BUILD_DIR SOURCE_DIR" >&2
    exit 2
    ;;
esac
exit $fail
