#!/usr/bin/env python3
"""board-v1's figures for make bench (board_bench.sh).

  board_report.py measure     one run: the environment board_bench.sh sets
                              (the bots' result line, counters read from
                              outside) -> the run's JSON file ($FILE)
  board_report.py report F... the runs' figures against their targets: one
                              run as it is; several (live) as the median of
                              each figure, every run's CPU listed, and every
                              run held to the hashes and convergence

Several live runs because server CPU there is mostly the kernel's send path
(about 2,750 datagrams a second), and what that costs on this virtual machine
swings by half between runs minutes apart (lyceum-udp-floor reads it each
run); the median of three says what the code costs, one run what the host did.
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
    """The runs' common value of key, or '' where they differ."""
    values = {run.get(key) or "" for run in runs}
    return values.pop() if len(values) == 1 else ""


def report(files):
    runs = [json.load(open(f)) for f in files]
    live = runs[0]["phase"] == "live"
    ok = lambda c: "ok" if c else "MISSED"
    if live:
        down = median(runs, "down_bytes_per_point_per_client")
        up = median(runs, "up_bytes_per_point_drawn")
        cpu = median(runs, "server_cpu_us_per_client_s")
        p50 = median(runs, "latency_drawn_to_received_ms", "p50")
        rss = max(run["server_peak_rss_mib"] for run in runs)
        agree = all(run["converged"] and run["order_hashes_agree"] for run in runs)
        content = same(runs, "content_hash")
        held = all(run["server_content_hash"] == run.get("replica_native_content_hash") for run in runs)
        cpu_name = "server CPU us per client-second"
        if len(runs) > 1:
            cpu_name += " (median of %d)" % len(runs)
        rows = [("down bytes per point per client", "%.2f" % down, "42", "<= 10", down <= 10),
                ("up bytes per point drawn", "%.1f" % up, "311 (44 without TCP acks)", "<= 78", up <= 78),
                (cpu_name, "%.0f" % cpu, "12725", "<= 640", cpu <= 640)]
        if len(runs) > 1:
            rows.append(("  each run", ", ".join("%.0f" % run["server_cpu_us_per_client_s"] for run in runs),
                         "", "", None))
        rows += [("  datagrams the server sent per second", "%.0f" % median(runs, "server_datagrams_per_s"),
                  "", "", None),
                 ("  the kernel's send path alone for them",
                  "%.0f" % median(runs, "kernel_send_floor_us_per_client_s"), "", "", None),
                 ("server peak RSS MiB", "%.1f" % rss, "91", "<= 11", rss <= 11),
                 ("drawn -> received p50 ms", "%.1f" % p50, "20.5", "<= 25", p50 <= 25),
                 ("every replica converged", str(agree), "", "true", agree),
                 ("content hash is the reference", content[:16] or "differs", "", LIVE_REF[:16],
                  content == LIVE_REF),
                 ("the server holds what the replicas hold", str(held), "", "true", held)]
    else:
        run = runs[0]
        rows = [("late join p50 ms", "%.0f" % run["join_ms"]["p50"], "1732", "<= 250",
                 run["join_ms"]["p50"] <= 250),
                ("bytes per join (wire)", "%.0f" % run["bytes_per_join_on_the_wire"], "13100000",
                 "<= 3275000", run["bytes_per_join_on_the_wire"] <= 3275000),
                ("server CPU ms per join", "%.1f" % run["server_cpu_ms_per_join"], "700", "<= 35",
                 run["server_cpu_ms_per_join"] <= 35),
                ("content hash is the reference", run["content_hash"][:16], "", JOIN_REF_CONTENT[:16],
                 run["content_hash"] == JOIN_REF_CONTENT),
                ("order hash is the reference", run["order_hash"][:16], "", JOIN_REF_ORDER[:16],
                 run["order_hash"] == JOIN_REF_ORDER),
                ("every joiner converged", str(run["converged"]), "", "true", run["converged"])]
    print("  %-44s %18s %26s %12s" % ("", "lyceum", "Yjs 13.6 (this machine)", "target"))
    for name, v, ref, target, good in rows:
        print("  %-44s %18s %26s %12s  %s" % (name, v, ref, target, "" if good is None else ok(good)))
    if live:
        floors = ", ".join("%.2f" % run["kernel_send_floor"].get("in_sendmmsg_us_per_datagram", 0)
                           for run in runs)
        print("  the kernel's send path: lyceum-udp-floor's CPU inside sendmmsg per datagram (%s us, "
              "sending 90-byte datagrams to 30 sockets 100 times a second and nothing else, measured "
              "before each run) times the datagrams the server sent, per client-second" % floors)
    for f in files:
        print("  -> " + f)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "measure":
        measure()
    elif len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(sys.argv[2:])
    else:
        sys.exit("usage: board_report.py measure | report FILE...")
