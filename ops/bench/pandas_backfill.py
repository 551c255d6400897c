"""The same backfill as a plain pandas script: load the files, compute the features once per
symbol, predict every day of the range with the model (the linear JSON models Closebell
uses), write to PostgreSQL with execute_values.

usage: pandas_backfill.py DATA_DIR MODELS_DIR FIRST LAST DATABASE_URL
Prints one JSON line with stage timings in seconds.
"""
import glob
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import psycopg2
from psycopg2.extras import execute_values

from pandas_features import FEATURES, add_features


def main(data_dir, models_dir, first, last, url):
    t0 = time.perf_counter()
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))], ignore_index=True)
    df = df[pd.to_numeric(df["Close"], errors="coerce") > 0].copy()
    df["Close"] = df["Close"].astype(float)
    t1 = time.perf_counter()
    df = add_features(df)
    days = df[(df["Date"] >= first) & (df["Date"] <= last)].dropna(subset=FEATURES)
    t2 = time.perf_counter()
    with open(os.path.join(models_dir, "_global", "model.json")) as fh:
        m = json.load(fh)
    mean, scale, coef = np.array(m["mean"]), np.array(m["scale"]), np.array(m["coefficients"])
    values = m["intercept"] + ((days[FEATURES].to_numpy() - mean) / scale) @ coef
    rows = list(zip(days["Symbol"], days["Date"], values.tolist()))
    t3 = time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS pandas_predictions (symbol text, as_of_date date, predicted_return float8, "
                    "PRIMARY KEY (symbol, as_of_date))")
        execute_values(cur, "INSERT INTO pandas_predictions VALUES %s ON CONFLICT (symbol, as_of_date) "
                       "DO UPDATE SET predicted_return = EXCLUDED.predicted_return", rows, page_size=10_000)
    conn.close()
    t4 = time.perf_counter()
    print(json.dumps({"load_s": round(t1 - t0, 3), "features_s": round(t2 - t1, 3), "predict_s": round(t3 - t2, 3),
                      "write_s": round(t4 - t3, 3), "total_s": round(t4 - t0, 3), "predictions": len(rows)}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
