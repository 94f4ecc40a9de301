#!/usr/bin/env bash
# The plugin in the Wireshark GUI (test plugin_gui): Wireshark under Xvfb
# opens the remote-iisreset sample with exactly the staged iiss.so
# (WIRESHARK_PLUGIN_DIR, as plugin_test.py does), shows the two Status replies
# that decoded services (-Y iiss.buffer.service_count > 0), selects the first,
# expands its IIS ServiceControl tree down to the services (End, Shift+Right
# in the details pane) and saves a screenshot. Fails when any other window is
# visible (an error dialog: a plugin that fails to load, a dissector bug) or
# Wireshark does not open the capture. Skipped (77) without wireshark (the
# wireshark-qt package), xvfb-run, xdotool or ImageMagick's import.
#   gui_test.sh PLUGIN WS_MAJOR_MINOR SAMPLES_DIR [SCREENSHOT.png]
# IISS_UPDATE_SCREENSHOT=1 writes SCREENSHOT.png (docs/plugin-status-reply.png).
set -u
plugin=$1 ws=$2 samples=$3 shot_out=${4:-}
for tool in wireshark xvfb-run xdotool import; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
cap=iisreset-remote.pcap
[ -f "$samples/$cap" ] || { echo "SKIP: $samples/$cap missing"; exit 77; }

tmp=$(mktemp -d /tmp/iiss-gui-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -p "$tmp/plugins/$ws/epan" "$tmp/home/.config/wireshark" "$tmp/out"
cp "$plugin" "$tmp/plugins/$ws/epan/iiss.so"
cp "$samples/$cap" "$tmp/"
# Wireshark's "recent" file: no bytes pane, a short packet list.
printf '%s\n' 'gui.packet_list_show: TRUE' 'gui.tree_view_show: TRUE' 'gui.byte_view_show: FALSE' \
    'gui.geometry_main_upper_pane: 120' >"$tmp/home/.config/wireshark/recent"
chmod -R a+rX "$tmp"
chmod 777 "$tmp/out"

cat >"$tmp/session.sh" <<'SESSION'
#!/usr/bin/env bash
# Runs inside xvfb-run: no window manager, so the mouse gives the focus.
t=$1 cap=$2
wireshark -r "$t/$cap" -Y 'iiss.buffer.service_count > 0' -g 19 >"$t/out/wireshark.log" 2>&1 &
ws_pid=$!
win=
for _ in $(seq 1 90); do
    win=$(xdotool search --onlyvisible --name "^$cap\$" 2>/dev/null | head -n 1)
    [ -n "$win" ] && break
    kill -0 $ws_pid 2>/dev/null || break
    sleep 1
done
if [ -z "$win" ]; then
    echo "no window named $cap" >"$t/out/result"
    kill $ws_pid 2>/dev/null
    exit 0
fi
sleep 3
xdotool windowsize "$win" 1400 1000 windowmove "$win" 0 0
sleep 2
# The details pane: click its first line (Frame; with the "recent" file's
# pane sizes it sits 347 pixels down), End selects the last protocol (IIS
# ServiceControl), Shift+Right expands its subtrees.
xdotool mousemove 200 "${DETAILS_Y:-348}" click 1
sleep 0.5
xdotool key End
sleep 0.3
xdotool key shift+Right
sleep 2
xdotool mousemove 1390 995
sleep 1
for w in $(xdotool search --onlyvisible --name '.'); do xdotool getwindowname "$w"; done >"$t/out/windows"
import -window root "$t/out/shot.png"
kill $ws_pid 2>/dev/null
wait $ws_pid 2>/dev/null
echo ok >"$t/out/result"
SESSION
chmod 755 "$tmp/session.sh"

run=(env -i HOME="$tmp/home" WIRESHARK_PLUGIN_DIR="$tmp/plugins" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 TZ=UTC
     XDG_RUNTIME_DIR="$tmp/out" DETAILS_Y="${IISS_GUI_DETAILS_Y:-}"
     xvfb-run -a -s "-screen 0 1400x1000x24" "$tmp/session.sh" "$tmp" "$cap")
if [ "$(id -u)" -eq 0 ]; then
    # Wireshark as root ignores WIRESHARK_PLUGIN_DIR; nobody needs a HOME it owns.
    chown -R 65534:65534 "$tmp/home"
    timeout 180 setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}"
else
    timeout 180 "${run[@]}"
fi

fail=0
result=$(cat "$tmp/out/result" 2>/dev/null)
[ "$result" = ok ] || { echo "FAIL: Wireshark did not show $cap: ${result:-timed out}"; fail=1; }
if [ -f "$tmp/out/windows" ]; then
    others=$(grep -vx "$cap" "$tmp/out/windows" | grep -v '^Qt Selection Owner' || true)
    [ -z "$others" ] || { echo "FAIL: other windows visible (an error dialog?): $others"; fail=1; }
fi
if grep -qiE 'couldn.t load module|dissector bug|iiss.*(error|fail)' "$tmp/out/wireshark.log" 2>/dev/null; then
    echo "FAIL: Wireshark reported:"; cat "$tmp/out/wireshark.log"; fail=1
fi
if [ -s "$tmp/out/shot.png" ]; then
    # Expanded, the details pane below the IIS ServiceControl line is full of
    # text (many colours once anti-aliased); collapsed, it is blank.
    colours=$(convert "$tmp/out/shot.png" -crop 1400x480+0+460 +repage -format %k info: 2>/dev/null)
    [ "${colours:-0}" -gt 20 ] || { echo "FAIL: the Status reply's tree did not expand ($colours colours below it)"; fail=1; }
else
    echo "FAIL: no screenshot"; fail=1
fi
if [ $fail -eq 0 ]; then
    if [ -n "$shot_out" ] && [ "${IISS_UPDATE_SCREENSHOT:-}" = 1 ]; then
        cp "$tmp/out/shot.png" "$shot_out"
        echo "screenshot written: $shot_out"
    fi
    echo "Wireshark GUI: $cap opened with the staged plugin, no other window, Status reply expanded"
fi
exit $fail
