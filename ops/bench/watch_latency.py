#!/usr/bin/env python3
"""How long a resident coordinator (`coordinator watch`) takes from a daily file landing in its
inbox to that day's predictions committed, measured from outside: the file is renamed into the
inbox (as a vendor's upload ends), and the clock stops when the watcher prints the run's final
line ("run N DAY: completed ..."), which comes after the commit.

  watch_latency.py INBOX WATCH_OUT DATABASE_URL WARM_FILE DAY_FILE REPEATS

WARM_FILE (the day before) lands first, untimed, as the job of the evening before; then DAY_FILE
lands REPEATS times, its rows removed from the database before each landing so each is a real
ingest and run. Prints one line: median, min and max in ms.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

inbox, out_path, url, warm, day_file, repeats = sys.argv[1:7]


def day_of(path):
    m = re.search(r"_(\d{4})(\d{2})(\d{2})\.csv$", path)
    return f"{m[1]}-{m[2]}-{m[3]}"


def forget(day):
    """The day's file and rows gone, as before it ever came. The deletion declares the one day it
    touches (closebell.ohlcv_days), as ingest does: the watcher's kept windows of the days before
    stay valid, as on an evening when the day is new."""
    sql = [f"DELETE FROM {t} WHERE trading_date = '{day}';" for t in ("ohlcv", "data_quality", "ingested_files")]
    sql = f"BEGIN; SET LOCAL closebell.ohlcv_days = '[{day},{day}]'; {' '.join(sql)} COMMIT;"
    subprocess.run(["psql", url, "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL)
    target = os.path.join(inbox, os.path.basename(day_of_file[day]))
    if os.path.exists(target):
        os.remove(target)


def land(path, timeout=120.0):
    """Renames the file into the inbox; returns seconds until the watcher reported its run."""
    name = os.path.basename(path)
    part = os.path.join(inbox, "." + name + ".part")
    shutil.copyfile(path, part)
    day = day_of(path)
    done = re.compile(rf"run \d+ {day}: (completed|failed|cancelled)")
    with open(out_path) as out:
        out.seek(0, os.SEEK_END)
        seen = ""
        t0 = time.perf_counter()
        os.rename(part, os.path.join(inbox, name))
        while True:
            chunk = out.read()
            if chunk:
                seen += chunk
                if done.search(seen):
                    return time.perf_counter() - t0
            elif time.perf_counter() - t0 > timeout:
                sys.exit(f"watch_latency: no run line for {day} within {timeout:.0f} s; watcher said:\n{seen}")
            else:
                time.sleep(0.0002)


day_of_file = {day_of(warm): warm, day_of(day_file): day_file}
for d in day_of_file:
    forget(d)
land(warm)
times = []
for i in range(int(repeats)):
    if i:
        forget(day_of(day_file))
    times.append(land(day_file) * 1000)
print(f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}, {len(times)} landings)")
