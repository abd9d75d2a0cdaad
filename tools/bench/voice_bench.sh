# The voice section of make bench, sourced by bench.sh (its namespaces,
# start_server, counter, wait_event and cpu_ticks): voice-v1
# (shared/bench/voice-v1.md) at the reference points 1x50x4 and 20x25x2,
# compared with murmur (Mumble 1.3) on the same workload, then 20x25x2 while
# classroom-presence-v1 runs at 20 x 50 on the same server.
#   server CPU   /proc/PID/stat (utime + stime) over the measured window
#   server RSS   VmHWM at the end
#   down bytes   the bots' veth rx counter (server -> bots) over the window
#   frames, latency, loss   the bots' result line (kernel arrival timestamps)
#   BENCH_VOICE_SECONDS (default BENCH_SECONDS, else 20)   measured window
#   BENCH_VOICE_RUNS="1x50x4 20x25x2 20x25x2+20"           the runs (+P: presence at P x 50)
voice_seconds=${BENCH_VOICE_SECONDS:-${BENCH_SECONDS:-20}}
speech="$results/speech.wav"
[ -s "$speech" ] || "$(dirname "$0")/make_speech.sh" "$speech" >&2

# murmur's figures on this workload: CPU per forwarded frame per listener
# (us) and peak RSS (MiB). Targets: a third of its CPU, a quarter of its RSS.
murmur_ref() {
    case $1 in
    1x50x4) echo "10.4 35" ;;
    20x25x2) echo "14.6 88" ;;
    *) echo "0 0" ;;
    esac
}

# voice_run ROOMS USERS SPEAKERS PRESENCE_ROOMS: one run; with PRESENCE_ROOMS
# > 0, classroom-presence-v1 at PRESENCE_ROOMS x 50 runs alongside (its rooms
# are presence-N, the voice rooms voice-N: they do not collide).
voice_run() {
    local rooms=$1 users=$2 speakers=$3 prooms=$4
    local name="${rooms}x${users}x${speakers}" clients=$((rooms * users)) pclients=$(($4 * 50))
    local label=$name pbots="" pout=""
    [ "$prooms" -gt 0 ] && label="$name+presence-${prooms}x50"
    echo "== voice-v1: $label ($((clients + pclients)) clients, $((rooms * speakers)) speaking), ${voice_seconds} s window"
    local log="$results/server-voice-$label.log" floor="{}"
    [ "$prooms" -gt 0 ] || floor=$(send_floor $((users - 1)) $((rooms * speakers * 50)) 82)
    start_server bench-open $((clients + pclients)) "$log"
    if [ "$prooms" -gt 0 ]; then
        # Its window covers the voice run's join, settle, window and grace.
        pout="$results/bots-voice-$label-presence.jsonl"
        ip netns exec "$ns_bot" "$build/tools/bot/lyceum-bot" --scenario classroom-presence-v1 \
            --rooms "$prooms" --users 50 --rate 15 --seconds "$(awk -v s="$voice_seconds" 'BEGIN { print s + 10 }')" \
            --settle 3 --seed 1 --server 198.18.0.1:7777 >"$pout" 2>"${pout%.jsonl}.log" &
        pbots=$!
        wait_event "$pout" window_start "$pbots"
    fi
    local out="$results/bots-voice-$label.jsonl"
    ip netns exec "$ns_bot" "$build/tools/bot/lyceum-bot" --scenario voice-v1 --rooms "$rooms" \
        --users "$users" --speakers "$speakers" --seconds "$voice_seconds" --settle 3 --decode 4 \
        --seed 1 --voice "$speech" --server 198.18.0.1:7777 >"$out" 2>"${out%.jsonl}.log" &
    local bots=$!
    wait_event "$out" window_start "$bots"
    local cpu0 sys0 rx0 rxp0 t0 cpu1 sys1 rx1 rxp1 t1 rss_kb
    cpu0=$(cpu_ticks "$server"); sys0=$(sys_ticks "$server"); rx0=$(counter rx_bytes); rxp0=$(counter rx_packets)
    t0=$(date +%s.%N)
    wait_event "$out" window_end "$bots"
    cpu1=$(cpu_ticks "$server"); sys1=$(sys_ticks "$server"); rx1=$(counter rx_bytes); rxp1=$(counter rx_packets)
    t1=$(date +%s.%N)
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    wait "$bots" || true
    [ -n "$pbots" ] && { wait "$pbots" || true; }
    kill -TERM "$server"; wait "$server" || true
    if ! grep -q '"event":"result"' "$out"; then
        echo "bench: no voice-v1 result for $label: $(tail -1 "$out") $(tail -2 "${out%.jsonl}.log")" >&2
        exit 1
    fi
    RESULT="$(grep '"event":"result"' "$out")" PRESENCE="$( [ -n "$pout" ] && grep '"event":"result"' "$pout" || true)" \
    STATS="$(grep 'stats final' "$log" | tail -1)" \
    NAME=$name LABEL=$label ROOMS=$rooms USERS=$users SPEAKERS=$speakers PCLIENTS=$pclients \
    T0=$t0 T1=$t1 CPU=$((cpu1 - cpu0)) SYS=$((sys1 - sys0)) HZ=$hz RX=$((rx1 - rx0)) RXP=$((rxp1 - rxp0)) RSS_KB=$rss_kb \
    MURMUR="$(murmur_ref "$name")" FLOOR="$floor" FILE="$results/voice-$label-$(date +%Y%m%dT%H%M%S).json" \
    python3 - <<'EOF'
import json, os, re
e = os.environ
r = json.loads(e["RESULT"])
rooms, users, speakers, pclients = (int(e[k]) for k in ("ROOMS", "USERS", "SPEAKERS", "PCLIENTS"))
clients = rooms * users
w = float(e["T1"]) - float(e["T0"])
cpu_s = int(e["CPU"]) / int(e["HZ"])
sys_s = int(e["SYS"]) / int(e["HZ"])
stats = dict(re.findall(r"(\w+)=(\S+)", e["STATS"]))
tick_p99 = int(stats.get("tick_us_p99", "0"))
rss_mib = int(e["RSS_KB"]) / 1024
fps = r["frames_delivered_per_s"]
cpu_frame_us = cpu_s * 1e6 / (fps * w) if fps else float("inf")
cpu_client_us = cpu_s * 1e6 / ((clients + pclients) * w)
lat = r["latency_ms"]
ok = lambda c: "ok" if c else "MISSED"
out = {"scenario": "voice-v1", "workload": e["NAME"], "clients": clients, "speakers": rooms * speakers,
       "window_s": round(w, 2), "server_cpu_s": round(cpu_s, 3), "server_cpu_kernel_s": round(sys_s, 3),
       "server_cpu_us_per_frame_per_listener": round(cpu_frame_us, 3),
       "server_cpu_us_per_client_s": round(cpu_client_us, 1), "server_peak_rss_mib": round(rss_mib, 1),
       "server_tick_p99_us": tick_p99, "frames_delivered_per_s": fps,
       "rx_fps_per_listener": r["rx_fps_per_listener"], "latency_ms": lat, "loss": r["loss"],
       "decode_errors": r["decode_errors"], "clients_connected_at_end": r["clients_connected_at_end"],
       "bot_sends_dropped": r.get("sends_dropped", 0),
       "server_voice_in": int(stats.get("voice_in", 0)), "server_voice_out": int(stats.get("voice_out", 0)),
       "measured_by": "server /proc/PID/stat and VmHWM; bytes from veth counters between two network namespaces"}
if pclients:
    p = json.loads(e["PRESENCE"]) if e["PRESENCE"] else {}
    out["presence"] = {"rooms": pclients // 50, "users": 50, "clients": pclients,
                       "latency_p50_ms": p.get("latency_ms", {}).get("p50"),
                       "latency_p99_ms": p.get("latency_ms", {}).get("p99"),
                       "clients_connected_at_end": p.get("clients_connected_at_end")}
    print(f"  {'figure':<46}{'measured':>16}  {'target':<26}")
    print(f"  {'server CPU per client-second (us, all clients)':<46}{cpu_client_us:>16.1f}  {'<= 145 (presence, 20x50)':<26}{ok(cpu_client_us <= 145)}")
    print(f"  {'server CPU (% of a core; kernel share)':<46}{'%.1f; %.1f' % (cpu_s / w * 100, sys_s / w * 100):>16}")
    print(f"  {'server tick p99 (us, whole run)':<46}{tick_p99:>16d}  {'< 5000 (presence)':<26}{ok(tick_p99 < 5000)}")
    print(f"  {'peak RSS (MiB)':<46}{rss_mib:>16.1f}")
    print(f"  {'voice: frames per pure listener per s':<46}{r['rx_fps_per_listener']:>16.1f}  {'= %d' % (speakers * 50):<26}{ok(abs(r['rx_fps_per_listener'] - speakers * 50) <= 1)}")
    print(f"  {'voice: latency p50 / p99 (ms)':<46}{'%.3f / %.3f' % (lat['p50'], lat['p99']):>16}  {'<= 1 / <= 5':<26}{ok(lat['p50'] <= 1 and lat['p99'] <= 5)}")
    print(f"  {'voice: loss':<46}{r['loss']:>16.6f}  {'0':<26}{ok(r['loss'] == 0)}")
    print(f"  {'voice: send ticks the bots dropped (late)':<46}{r.get('sends_dropped', 0):>16d}")
    pl = out["presence"]
    print(f"  {'presence: latency p50 / p99 (ms)':<46}{'%s / %s' % (pl['latency_p50_ms'], pl['latency_p99_ms']):>16}  {'p99 <= 72':<26}{ok((pl['latency_p99_ms'] or 1e9) <= 72)}")
    print(f"  {'connected at the end (voice + presence)':<46}{'%d + %s' % (r['clients_connected_at_end'], pl['clients_connected_at_end']):>16}")
else:
    m_cpu, m_rss = (float(x) for x in e["MURMUR"].split())
    floor = json.loads(e["FLOOR"] or "{}")
    # murmur's wire size of one forwarded frame (Mumble 1.3 UDP voice): 4-byte
    # OCB2 header + 1 type/target byte + varint session (1 byte below 128, else
    # 2; the mean over sessions 1..clients) + varint sequence (2 bytes: it counts
    # 10 ms frames, past 128 within 1.3 s) + varint Opus length (1 byte) + 60
    # bytes of Opus, + 42 bytes of Ethernet, IPv4 and UDP headers on the veth.
    session = 1 + max(0, clients - 127) / clients
    m_frame = 4 + 1 + session + 2 + 1 + 60 + 42
    frames_per_client = speakers * 50 * (users - 1) / users
    m_bytes = frames_per_client * m_frame
    down = int(e["RX"]) / clients / w
    out.update({"down_bytes_per_listener_s": round(down), "down_packets_per_listener_s": round(int(e["RXP"]) / clients / w, 1),
                "kernel_send_floor": floor,
                "murmur": {"cpu_us_per_frame_per_listener": m_cpu, "peak_rss_mib": m_rss,
                           "wire_bytes_per_frame": round(m_frame, 2), "down_bytes_per_listener_s": round(m_bytes)}})
    rows = [("server CPU per frame per listener (us)", "%.3f" % cpu_frame_us, "%.1f" % m_cpu, "<= %.2f" % (m_cpu / 3), cpu_frame_us <= m_cpu / 3),
            ("  the kernel's send path alone (us)", "%.3f" % floor.get("in_sendmmsg_us_per_datagram", 0), "", "", None),
            ("  a bare sender, all in (us)", "%.3f" % floor.get("cpu_us_per_datagram", 0), "", "", None),
            ("server CPU per client-second (us)", "%.1f" % cpu_client_us, "", "", None),
            ("  of it in the kernel (us)", "%.1f" % (sys_s * 1e6 / (clients * w)), "", "", None),
            ("peak RSS (MiB)", "%.1f" % rss_mib, "%.0f" % m_rss, "<= %.2f" % (m_rss / 4), rss_mib <= m_rss / 4),
            ("down bytes per listener per s", "%.0f" % down, "%.0f" % m_bytes, "<= %.0f" % (1.15 * m_bytes), down <= 1.15 * m_bytes),
            ("frames delivered per s (all listeners)", "%.1f" % fps, "", "%.0f" % (rooms * speakers * 50 * (users - 1)), abs(fps - rooms * speakers * 50 * (users - 1)) <= 0.01 * fps),
            ("frames per pure listener per s", "%.1f" % r["rx_fps_per_listener"], "", "%d" % (speakers * 50), abs(r["rx_fps_per_listener"] - speakers * 50) <= 1),
            ("latency p50 (ms)", "%.3f" % lat["p50"], "", "<= 1", lat["p50"] <= 1),
            ("latency p90 (ms)", "%.3f" % lat["p90"], "", "", None),
            ("latency p99 (ms)", "%.3f" % lat["p99"], "", "<= 5", lat["p99"] <= 5),
            ("latency max (ms)", "%.3f" % lat["max"], "", "", None),
            ("loss", "%.6f" % r["loss"], "", "0", r["loss"] == 0),
            ("send ticks the bots dropped (late)", "%d" % r.get("sends_dropped", 0), "", "", None),
            ("decode errors", "%d" % r["decode_errors"], "", "0", r["decode_errors"] == 0),
            ("connected at the end", "%d" % r["clients_connected_at_end"], "", "%d" % clients, r["clients_connected_at_end"] == clients),
            ("server tick p99 (us, whole run)", "%d" % tick_p99, "", "", None)]
    print(f"  {'figure':<42}{'lyceum':>12}{'murmur':>10}  {'target':<12}")
    for name, v, m, t, good in rows:
        print(f"  {name:<42}{v:>12}{m:>10}  {t:<12}{'' if good is None else ok(good)}")
    print(f"  murmur's bytes assume {m_frame:.2f} B per forwarded frame on the wire: 4 B OCB2 header, 1 B type,"
          f" {session:.2f} B varint session, 2 B varint sequence, 1 B varint length, 60 B Opus, 42 B Ethernet+IPv4+UDP;"
          f" {frames_per_client:.1f} frames per listener per s; its pings left out")
    print(f"  the two rows under the CPU figure: lyceum-udp-floor sending the same datagrams (82 B, one per frame per"
          f" listener, {floor.get('per_s', 0):.0f} a second in sendmmsg batches of {users - 1}) and nothing else;"
          f" the first is its CPU inside sendmmsg per datagram (the kernel's send path, measured alone), the second"
          f" adds its wake-ups: a forwarder that sends one datagram per frame per listener cannot cost less than"
          f" about the first")
    print(f"  server's own count (cross-check): voice_in={stats.get('voice_in')} voice_out={stats.get('voice_out')}"
          f" voice_culled={stats.get('voice_culled')} voice_refused={stats.get('voice_refused')}")
with open(e["FILE"], "w") as f:
    json.dump(out, f)
    f.write("\n")
print("  -> " + e["FILE"])
EOF
}

# Mouth to ear through the real client pipeline (lyceum-bot's audio engine
# on files: no device buffers), speaker and listener on loopback through
# the server: capture framing, encoding, the network, the jitter buffer and
# decoding by the frames' timestamps, plus what timestamps cannot see (the
# encoder's lookahead and the microphone processing's delay in the sound).
mouth_to_ear() {
    local frame_ms=$1 log="$results/server-m2e.log" out="$results/server-m2e.out"
    "$build/server/lyceum-server" --bind 127.0.0.1 --port 0 >"$out" 2>"$log" &
    local pid=$!
    local i=0
    until grep -q LISTENING "$out" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: the server did not start" >&2; exit 1; }
        sleep 0.05
    done
    local addr; addr=$(awk '/LISTENING/ {print $3}' "$out")
    local report="$results/bots-m2e-${frame_ms}ms.json"
    "$build/tools/bot/lyceum-bot" --server "$addr" --count 2 --speakers 1 --voice "$speech" \
        --frame-ms "$frame_ms" --zones classroom --behavior idle --seconds 12 \
        --report "$report" >/dev/null 2>"${report%.json}.log" || true
    kill -TERM "$pid"; wait "$pid" || true
    REPORT=$report FRAME=$frame_ms python3 - <<'EOF'
import json, os
r = json.load(open(os.environ["REPORT"]))
frame = float(os.environ["FRAME"])
m = r["mouth_to_ear_ms"]
ear = r["bots"][1]["voice"]
jb, codec = ear["jitter_buffer_delay_ms"], ear["codec_delay_ms"]
rest = m["p50"] - frame - jb
total = m["p50"] + codec
target = 60 if frame == 20 else 40
print(f"  {frame:.0f} ms frames: mouth to ear {total:.1f} ms at p50 (target <= {target}: {'ok' if total <= target else 'MISSED'});"
      f" by timestamps p50 {m['p50']:.1f}, p99 {m['p99']:.1f} ms over {m['samples']} frames")
print(f"    capture framing {frame:.1f} + encoding, waiting for the audio step and the network {rest:.1f}"
      f" + jitter buffer and decoding {jb:.1f} + encoder lookahead and microphone processing {codec:.1f} ms")
EOF
}
echo "== mouth to ear on loopback (lyceum-bot's audio pipeline on files, no device buffers)"
mouth_to_ear 20
mouth_to_ear 10

# BENCH_VOICE_RUNS picks runs: CxUxS, or CxUxS+P with presence at P x 50.
for spec in ${BENCH_VOICE_RUNS:-1x50x4 20x25x2 20x25x2+20}; do
    load=${spec%+*} prooms=0
    [ "$load" != "$spec" ] && prooms=${spec#*+}
    IFS=x read -r c u s <<<"$load"
    voice_run "$c" "$u" "$s" "$prooms"
done
