#!/usr/bin/env bash
# Inside a Debian root of run.sh: the .deb packages of the build in
# /srv/iiss/build installed with dpkg, used (iissdump --version, tshark -G
# plugins as an unprivileged user) and removed again.
set -eu
deb=/srv/iiss/deb
rm -rf "$deb"
(cd /srv/iiss/build && cpack -G DEB -B "$deb") >/dev/null
dpkg -i "$deb"/iissdump_*.deb "$deb"/wireshark-plugin-iiss_*.deb >/dev/null
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME=/tmp PATH=/usr/bin:/bin "$@"; }
version=$(/usr/bin/iissdump --version)
plugin=$(nobody tshark -G plugins | awk -F'\t' '$1 ~ /^iiss\.so/ {print $NF}')
case $plugin in
    /usr/lib/*/wireshark/plugins/*/epan/iiss.so) ;;
    *) echo "deb: tshark -G plugins does not list the packaged iiss.so (got '$plugin')"; exit 1 ;;
esac
[ "$(dpkg -S "$plugin" | cut -d: -f1)" = wireshark-plugin-iiss ] || { echo "deb: $plugin not owned by the package"; exit 1; }
dpkg -r wireshark-plugin-iiss iissdump >/dev/null
[ ! -e /usr/bin/iissdump ] || { echo "deb: /usr/bin/iissdump left after dpkg -r"; exit 1; }
if nobody tshark -G plugins | grep -q '^iiss\.so'; then
    echo "deb: tshark still lists iiss.so after dpkg -r"
    exit 1
fi
echo "deb: installed ($version; tshark loads $plugin), removed"
