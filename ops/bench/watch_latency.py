#!/usr/bin/env python3
"""How long a resident coordinator (`coordinator watch`) takes from a daily file landing in its
inbox to that day's predictions committed, measured from outside: the file is renamed into the
inbox (as a vendor's upload ends), and the clock stops when the watcher prints the run's final
line ("run N DAY: completed ..."), which comes after the commit.

  watch_latency.py INBOX WATCH_OUT DATABASE_URL WARM_FILE DAY_FILE REPEATS -- WATCH_COMMAND...

The watcher is started here (WATCH_COMMAND), its output read through a pipe (and copied to
WATCH_OUT): waiting for its line costs no CPU, which the run needs (a poll of the output file
every 0.2 ms took a fifth of a core). WARM_FILE (the day before) lands first, untimed, as the
job of the evening before; then DAY_FILE lands REPEATS times, its rows removed from the database
before each landing so each is a real ingest and run. Prints one line: median, min and max in
ms, and how busy the machine's CPUs were meanwhile.

Each landing is made as a new day comes: the tables are vacuumed after the day's rows are removed
(WATCH_VACUUM=0 leaves their dead rows, which every new index entry of the same key would visit
first), and the file lands on an idle watcher, WATCH_SETTLE seconds (default 1.5) after the last
run's line, once its follow-up (the accuracy sums of earlier days) is done. WATCH_BEFORE_LANDING,
a shell command run before each landing (after the removal): `ops/services checkpoint`, as a
day comes after the server's checkpoints.
"""
import atexit
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

inbox, out_path, url, warm, day_file, repeats = sys.argv[1:7]
assert sys.argv[7] == "--", "usage: watch_latency.py INBOX OUT URL WARM DAY REPEATS -- WATCH_COMMAND..."
watcher = subprocess.Popen(sys.argv[8:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
lines = queue.Queue()


def copy_output():
    with open(out_path, "w") as out:
        for line in watcher.stdout:
            out.write(line)
            out.flush()
            lines.put(line)


threading.Thread(target=copy_output, daemon=True).start()
atexit.register(lambda: watcher.poll() is None and watcher.send_signal(signal.SIGTERM))


def cpu_busy():
    """Jiffies the machine's CPUs spent busy (not idle, not waiting for I/O), and in all."""
    ticks = list(map(int, open("/proc/stat").readline().split()[1:]))
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def day_of(path):
    m = re.search(r"_(\d{4})(\d{2})(\d{2})\.csv$", path)
    return f"{m[1]}-{m[2]}-{m[3]}"


def forget(day):
    """The day's file, rows and predictions gone, as before it ever came. The deletion declares the one day it
    touches (closebell.ohlcv_days), as ingest does: the watcher's kept windows of the days before
    stay valid, as on an evening when the day is new."""
    sql = [f"DELETE FROM {t} WHERE trading_date = '{day}';" for t in ("ohlcv", "data_quality", "ingested_files")]
    sql.append(f"DELETE FROM predictions WHERE as_of_date = '{day}';")
    sql = f"BEGIN; SET LOCAL closebell.ohlcv_days = '[{day},{day}]'; {' '.join(sql)} COMMIT;"
    # A new day finds no dead rows of its own keys: without the VACUUM, every index entry the landing
    # writes would first visit the deleted row of the same key (a uniqueness check no real day pays).
    vacuum = ["-c", "VACUUM ohlcv, data_quality, ingested_files, predictions"]
    if os.environ.get("WATCH_VACUUM", "1") != "1":
        vacuum = []
    subprocess.run(["psql", url, "-q", "-c", sql] + vacuum, check=True, stdout=subprocess.DEVNULL)
    target = os.path.join(inbox, os.path.basename(day_of_file[day]))
    if os.path.exists(target):
        os.remove(target)


def land(path, timeout=120.0):
    """Renames the file into the inbox; returns seconds until the watcher reported its run,
    and the CPUs' busy share meanwhile."""
    name = os.path.basename(path)
    part = os.path.join(inbox, "." + name + ".part")
    shutil.copyfile(path, part)
    day = day_of(path)
    done = re.compile(rf"run \d+ {day}: (completed|failed|cancelled)")
    while not lines.empty():
        lines.get()
    busy0, all0 = cpu_busy()
    t0 = time.perf_counter()
    os.rename(part, os.path.join(inbox, name))
    while True:
        try:
            line = lines.get(timeout=max(0.001, timeout - (time.perf_counter() - t0)))
        except queue.Empty:
            sys.exit(f"watch_latency: no run line for {day} within {timeout:.0f} s; see {out_path}")
        if done.search(line):
            t = time.perf_counter() - t0
            busy1, all1 = cpu_busy()
            return t, (busy1 - busy0) / max(1, all1 - all0)


settle = float(os.environ.get("WATCH_SETTLE", "1.5"))
day_of_file = {day_of(warm): warm, day_of(day_file): day_file}
while "watching" not in lines.get(timeout=60):
    pass
for d in day_of_file:
    forget(d)
land(warm)
times, busy = [], []
for i in range(int(repeats)):
    if i:
        forget(day_of(day_file))
    if os.environ.get("WATCH_BEFORE_LANDING"):
        subprocess.run(os.environ["WATCH_BEFORE_LANDING"], shell=True, check=True, stdout=subprocess.DEVNULL)
    # The file lands on an idle watcher, as a day's file does: the last landing's follow-up (the
    # accuracy sums of earlier days, after the run's commit) and the deletion above are done.
    time.sleep(settle)
    t, b = land(day_file)
    times.append(t * 1000)
    busy.append(b * 100)
watcher.send_signal(signal.SIGTERM)
watcher.wait(timeout=60)
print(f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}, {len(times)} landings; "
      f"CPUs {statistics.median(busy):.0f} % busy meanwhile)")
