#!/usr/bin/env python3
"""board-v1's figures for make bench (board_bench.sh).

  board_report.py measure     one run: the environment board_bench.sh sets
                              (the bots' result line, counters read from
                              outside) -> the run's JSON file ($FILE)
  board_report.py report SUMMARY RUN...
                              the runs' figures against their targets, and
                              SUMMARY.json: one run as it is; several (live)
                              as the median of each figure (peak RSS the
                              largest), every run's CPU listed, and every run
                              held to the hashes and convergence

Several live runs because server CPU there is mostly the kernel's send path
(about 2,550 datagrams a second), and what that costs on this virtual machine
swings by half between runs minutes apart (lyceum-udp-floor reads it before
each run); the median of three says more about the code, one run about the
host.
"""
import json
import os
import re
import statistics
import sys

LIVE_REF = "61866c34afc9f6b0b74bcbc2d515a71a1e2ffc82ede21b31b0abc3e02193d32d"
JOIN_REF_CONTENT = "3d485cd33919100cbb65736485f0facfbe2b0007dc7a4da5a19504927de6156b"
JOIN_REF_ORDER = "b8942a3621c75a6f72a2aff4dcd06c2e46b379dcc1482e03d9ca9c823bd94d32"


def measure():
    e = os.environ
    r = json.loads(e["RESULT"])
    w = float(e["T1"]) - float(e["T0"])
    cpu_s = int(e["CPU_NS"]) / 1e9
    rx, tx = int(e["RX"]), int(e["TX"])
    rss_mib = int(e["RSS_KB"]) / 1024
    m = re.search(r"content=(\w+)", e["SERVER_HASH"])
    server_hash = m.group(1) if m else ""
    if e["PHASE"] == "live":
        n, pts = r["clients"], r["points_drawn"]
        down = rx / (pts * (n - 1)) if pts else float("inf")  # each point reaches the n - 1 others
        up = tx / pts if pts else float("inf")
        floor = json.loads(e["FLOOR"] or "{}")
        dgrams = int(e["RXP"]) / w  # every datagram the server sent, per second
        out = {"scenario": "board-v1", "phase": "live", "clients": n, "window_s": round(w, 2),
               "points_drawn": pts, "down_bytes_per_point_per_client": round(down, 2),
               "up_bytes_per_point_drawn": round(up, 2),
               "server_cpu_us_per_client_s": round(cpu_s * 1e6 / (n * w), 1),
               "server_peak_rss_mib": round(rss_mib, 1),
               "latency_sent_to_received_ms": r["latency_sent_to_received_ms"],
               "latency_drawn_to_received_ms": r["latency_drawn_to_received_ms"],
               "reconnect_resync_ms": r["reconnect_resync_ms"],
               "server_datagrams_per_s": round(dgrams), "kernel_send_floor": floor,
               "kernel_send_floor_us_per_client_s":
                   round(dgrams * floor.get("in_sendmmsg_us_per_datagram", 0) / n, 1),
               "content_hash": r["content_hash"], "converged": r["converged"],
               "order_hashes_agree": r["order_hashes_agree"], "server_content_hash": server_hash,
               "replica_native_content_hash": r.get("native_content_hash"),
               "measured_by": "server /proc/PID/task/*/schedstat and VmHWM; bytes from veth "
                              "counters between two network namespaces"}
    else:
        joins = len(r["join_ms"]["samples"])
        out = {"scenario": "board-v1", "phase": "join", "strokes": r["strokes"], "points": r["points"],
               "join_ms": r["join_ms"], "board_received_ms": r["board_received_ms"],
               "bytes_per_join_on_the_wire": round(rx / joins),
               "bytes_received_per_join_client": r["bytes_received"],
               "server_cpu_ms_per_join": round(cpu_s * 1e3 / joins, 1),
               "content_hash": r["content_hash"], "order_hash": r["order_hash"],
               "converged": r["converged"], "server_content_hash": server_hash,
               "measured_by": "server /proc/PID/task/*/schedstat from the board loaded to the last "
                              "join; bytes from veth counters"}
    json.dump(out, open(e["FILE"], "w"), indent=1)


def median(runs, *path):
    values = []
    for run in runs:
        v = run
        for key in path:
            v = v[key]
        values.append(v)
    return statistics.median(values)


def same(runs, key):
    """The runs' common value of key, or None where they differ."""
    values = {run.get(key) or "" for run in runs}
    return values.pop() if len(values) == 1 else None


def live_summary(runs):
    """The runs as one: each figure's median, peak RSS the largest, every
    run's CPU and floor kept; converged and the hashes only where all agree."""
    s = dict(runs[0])
    for key in ("down_bytes_per_point_per_client", "up_bytes_per_point_drawn",
                "server_cpu_us_per_client_s", "server_datagrams_per_s",
                "kernel_send_floor_us_per_client_s", "reconnect_resync_ms", "window_s"):
        s[key] = median(runs, key)
    for lat in ("latency_sent_to_received_ms", "latency_drawn_to_received_ms"):
        s[lat] = {p: median(runs, lat, p) for p in runs[0][lat]}
    s["server_peak_rss_mib"] = max(run["server_peak_rss_mib"] for run in runs)
    s["converged"] = all(run["converged"] for run in runs)
    s["order_hashes_agree"] = all(run["order_hashes_agree"] for run in runs)
    s["server_holds_replicas_hash"] = all(
        run["server_content_hash"] == run.get("replica_native_content_hash") for run in runs)
    for key in ("content_hash", "server_content_hash", "replica_native_content_hash"):
        s[key] = same(runs, key)
    s["runs"] = len(runs)
    s["server_cpu_us_per_client_s_each_run"] = [run["server_cpu_us_per_client_s"] for run in runs]
    s["kernel_send_floor_us_per_datagram_each_run"] = [
        run["kernel_send_floor"].get("in_sendmmsg_us_per_datagram", 0) for run in runs]
    del s["kernel_send_floor"]
    s["figures"] = "median of the runs; peak RSS the largest"
    return s


def prefix(h):
    return h[:16] if h else "runs differ"


def report(summary_file, files):
    runs = [json.load(open(f)) for f in files]
    live = runs[0]["phase"] == "live"
    n = len(runs)
    ok = lambda c: "ok" if c else "MISSED"
    of = " (median of %d)" % n if n > 1 else ""
    if live:
        s = live_summary(runs)
        down, up, cpu = (s["down_bytes_per_point_per_client"], s["up_bytes_per_point_drawn"],
                         s["server_cpu_us_per_client_s"])
        p50, rss = s["latency_drawn_to_received_ms"]["p50"], s["server_peak_rss_mib"]
        agree = s["converged"] and s["order_hashes_agree"]
        rows = [("down bytes per point per client" + of, "%.2f" % down, "42", "<= 10", down <= 10),
                ("up bytes per point drawn" + of, "%.1f" % up, "311 (44 without TCP acks)", "<= 78",
                 up <= 78),
                ("server CPU us per client-second" + of, "%.0f" % cpu, "12725", "<= 640", cpu <= 640)]
        if n > 1:
            rows.append(("  each run", ", ".join("%.0f" % c for c in s["server_cpu_us_per_client_s_each_run"]),
                         "", "", None))
        rows += [("  datagrams the server sent per second", "%.0f" % s["server_datagrams_per_s"], "", "", None),
                 ("  the kernel's send path alone for them", "%.0f" % s["kernel_send_floor_us_per_client_s"],
                  "", "", None),
                 ("server peak RSS MiB" + (" (largest of %d)" % n if n > 1 else ""), "%.1f" % rss, "91",
                  "<= 11", rss <= 11),
                 ("drawn -> received p50 ms" + of, "%.1f" % p50, "20.5", "<= 25", p50 <= 25),
                 ("every replica converged", str(agree).lower(), "", "true", agree),
                 ("content hash is the reference", prefix(s["content_hash"]), "", LIVE_REF[:16],
                  s["content_hash"] == LIVE_REF),
                 ("the server holds what the replicas hold", prefix(s["server_content_hash"]), "",
                  prefix(s["replica_native_content_hash"]), s["server_holds_replicas_hash"])]
    else:
        s = dict(runs[0])
        rows = [("late join p50 ms", "%.0f" % s["join_ms"]["p50"], "1732", "<= 250",
                 s["join_ms"]["p50"] <= 250),
                ("bytes per join (wire)", "%.0f" % s["bytes_per_join_on_the_wire"], "13100000",
                 "<= 3275000", s["bytes_per_join_on_the_wire"] <= 3275000),
                ("server CPU ms per join", "%.1f" % s["server_cpu_ms_per_join"], "700", "<= 35",
                 s["server_cpu_ms_per_join"] <= 35),
                ("content hash is the reference", s["content_hash"][:16], "", JOIN_REF_CONTENT[:16],
                 s["content_hash"] == JOIN_REF_CONTENT),
                ("order hash is the reference", s["order_hash"][:16], "", JOIN_REF_ORDER[:16],
                 s["order_hash"] == JOIN_REF_ORDER),
                ("every joiner converged", str(s["converged"]).lower(), "", "true", s["converged"])]
    json.dump(s, open(summary_file, "w"), indent=1)
    print("  %-52s %18s %26s %12s" % ("", "lyceum", "Yjs 13.6 (this machine)", "target"))
    for name, v, ref, target, good in rows:
        print("  %-52s %18s %26s %12s  %s" % (name, v, ref, target, "" if good is None else ok(good)))
    if live:
        print("  the kernel's send path: lyceum-udp-floor's CPU inside sendmmsg per datagram (%s us, "
              "sending 90-byte datagrams to 30 sockets 100 times a second and nothing else, measured "
              "before each run) times the datagrams the server sent, per client-second"
              % ", ".join("%.2f" % f for f in s["kernel_send_floor_us_per_datagram_each_run"]))
    print("  -> " + summary_file + (" (runs: " + ", ".join(os.path.basename(f) for f in files) + ")"
                                    if n > 1 else ""))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "measure":
        measure()
    elif len(sys.argv) >= 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("usage: board_report.py measure | report SUMMARY.json RUN.json...")
