# Sourced by the client tests (tests/desktop/*.sh, tests/golden/run.sh).
# The caller sets $name (for messages) and, for start_server, $server, $out
# and $port. Processes it starts are in $pids and stopped on exit.

# Mesa's lavapipe, so every machine draws the same pixels.
use_lavapipe() {
    icd=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1 || true)
    [ -n "$icd" ] || { echo "$name: lavapipe is missing; install the Debian package mesa-vulkan-drivers" >&2; exit 1; }
    export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
}

pids=""
stop_all() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

# start_server LOGNAME [flags...]: a lyceum-server with the classroom on
# 127.0.0.1:$port, once it listens; its pid in $server_pid.
start_server() {
    log=$1
    shift
    "$server" --bind 127.0.0.1 --port "$port" --world classroom "$@" >"$out/$log.out" 2>"$out/$log.log" &
    server_pid=$!
    pids="$pids $server_pid"
    wait_for "$out/$log.out" LISTENING 10
}

# wait_for FILE PATTERN SECONDS: until FILE holds PATTERN, or fail showing FILE.
wait_for() {
    n=0
    until grep -q "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        if [ $n -gt $(($3 * 10)) ]; then
            echo "$name: waited $3 s for '$2' in $1:" >&2
            cat "$1" >&2
            [ "${log:-}" ] && [ -f "$out/$log.log" ] && cat "$out/$log.log" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# keyed_server: signing keys in $out/keys and a server ($token_tool, $server)
# that admits only tokens signed with them.
keyed_server() {
    "$token_tool" keygen --out "$out/keys" >/dev/null
    start_server server --token-key "$out/keys/token.pub"
}

# mint USER ROLE: a join token for room "lesson" from those keys.
mint() {
    "$token_tool" mint --key "$out/keys/token.key" --user "$1" --name "$1" --role "$2" \
        --room lesson --ttl 600
}
