"""The same daily job as a plain pandas script: load the files, compute the features, predict
each symbol with its model (the linear JSON models Closebell uses), write to PostgreSQL.

usage: pandas_daily.py DATA_DIR MODELS_DIR DATE DATABASE_URL
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


def main(data_dir, models_dir, date, url):
    t0 = time.perf_counter()
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))], ignore_index=True)
    df = df[pd.to_numeric(df["Close"], errors="coerce") > 0].copy()
    df["Close"] = df["Close"].astype(float)
    t1 = time.perf_counter()
    df = add_features(df)
    today = df[df["Date"] == date].dropna(subset=FEATURES)
    t2 = time.perf_counter()
    cache = {}
    rows = []
    # XGBoost models: the rows of each model predicted together by xgboost itself.
    groups = {}
    for sym, x in zip(today["Symbol"], today[FEATURES].to_numpy()):
        path = os.path.join(models_dir, sym, "model.json")
        if not os.path.exists(path):
            path = os.path.join(models_dir, "_global", "model.json")
        if path not in cache:
            with open(path) as fh:
                m = json.load(fh)
            if "learner" in m:
                import xgboost as xgb
                booster = xgb.Booster()
                booster.load_model(path)
                cache[path] = ("xgboost", booster)
            else:
                cache[path] = ("linear", (np.array(m["mean"]), np.array(m["scale"]), np.array(m["coefficients"]),
                                          m["intercept"]))
        kind, model = cache[path]
        if kind == "xgboost":
            groups.setdefault(path, []).append((sym, x))
        else:
            mean, scale, coef, b = model
            rows.append((sym, date, float(b + np.sum(coef * (x - mean) / scale))))
    for path, items in groups.items():
        import xgboost as xgb
        matrix = xgb.DMatrix(np.array([x for _, x in items]), feature_names=FEATURES)
        for (sym, _), v in zip(items, cache[path][1].predict(matrix)):
            rows.append((sym, date, float(v)))
    t3 = time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS pandas_predictions (symbol text, as_of_date date, predicted_return float8, PRIMARY KEY (symbol, as_of_date))")
        execute_values(cur, "INSERT INTO pandas_predictions VALUES %s ON CONFLICT (symbol, as_of_date) DO UPDATE SET predicted_return = EXCLUDED.predicted_return", rows)
    conn.close()
    t4 = time.perf_counter()
    print(json.dumps({"load_s": t1 - t0, "features_s": t2 - t1, "predict_s": t3 - t2, "write_s": t4 - t3, "total_s": t4 - t0, "predictions": len(rows)}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
