"""Realised returns and accuracy as pandas computes them, for the accuracy tests.

usage: accuracy_reference.py DATA_DIR PREDICTIONS_CSV OUT_JSON

PREDICTIONS_CSV: symbol,as_of_date,predicted_return,model_kind,model_hash (as stored). The
realised return of a prediction is the training target: the Return (Close.pct_change() * 100)
of the symbol's next row, groupby('Symbol')['Return'].shift(-1); its target date is that row's
date. Writes the outcomes and the accuracy grouped by model, symbol and day.
"""
import glob
import json
import os
import sys

import numpy as np
import pandas as pd


def main(data_dir, predictions_csv, out_json):
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))], ignore_index=True)
    df = df[pd.to_numeric(df["Close"], errors="coerce") > 0].copy()
    df["Close"] = df["Close"].astype(float)
    df = df.sort_values(["Symbol", "Date"], kind="stable")
    g = df.groupby("Symbol", sort=False)
    df["Return"] = g["Close"].pct_change() * 100
    df["Realised"] = df.groupby("Symbol", sort=False)["Return"].shift(-1)
    df["TargetDate"] = g["Date"].shift(-1)

    p = pd.read_csv(predictions_csv, dtype={"model_hash": str}, keep_default_na=False)
    m = p.merge(df, left_on=["symbol", "as_of_date"], right_on=["Symbol", "Date"], how="inner")
    m = m[m["Realised"].notna()].copy()
    m["abs_error"] = (m["predicted_return"] - m["Realised"]).abs()
    nonzero = m["Realised"] != 0
    m["hit"] = np.where(nonzero, np.sign(m["predicted_return"]) == np.sign(m["Realised"]), np.nan)

    def accuracy(keys):
        out = []
        for key, grp in m.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            hits = grp["hit"].dropna()
            out.append({
                "key": [str(k) for k in key], "n": int(len(grp)), "mae": float(grp["abs_error"].mean()),
                "rmse": float(np.sqrt((grp["abs_error"] ** 2).mean())),
                "hit_rate": float(hits.sum() / len(hits)) if len(hits) else None,
            })
        return out

    def daily():
        """model_accuracy_daily: per model and day, and rolling over the model's days."""
        out = []
        m["sq"] = m["abs_error"] ** 2
        for (kind, model_hash), g in m.groupby(["model_kind", "model_hash"], sort=True):
            d = g.groupby("as_of_date", sort=True).agg(
                n=("abs_error", "size"), sum_abs=("abs_error", "sum"), sum_sq=("sq", "sum"),
                n_dir=("hit", "count"), hits=("hit", "sum"))
            w20 = d.rolling(20, min_periods=1).sum()
            before = d.shift(20)
            w120 = before.rolling(120, min_periods=1).sum()
            days120 = before["n"].notna().astype(int).rolling(120, min_periods=1).sum()
            for i, (day, row) in enumerate(d.iterrows()):
                r, b = w20.iloc[i], w120.iloc[i]
                out.append({
                    "key": [kind, model_hash, day], "n": int(row["n"]), "mae": row["sum_abs"] / row["n"],
                    "rmse": float(np.sqrt(row["sum_sq"] / row["n"])),
                    "hit_rate": row["hits"] / row["n_dir"] if row["n_dir"] else None,
                    "rolling_mae_20": r["sum_abs"] / r["n"], "rolling_rmse_20": float(np.sqrt(r["sum_sq"] / r["n"])),
                    "rolling_hit_rate_20": r["hits"] / r["n_dir"] if r["n_dir"] else None,
                    "baseline_mae_120": b["sum_abs"] / b["n"] if b["n"] > 0 else None,
                    "baseline_days_120": int(days120.iloc[i]),
                })
        return out

    outcomes = [
        # Floats as repr() text: JSON readers do not all round decimal text to the nearest double.
        [r.symbol, r.as_of_date, r.TargetDate, repr(float(r.Realised)), repr(float(r.abs_error)),
         None if np.isnan(r.hit) else bool(r.hit)]
        for r in m.itertuples()
    ]
    with open(out_json, "w") as f:
        json.dump({"outcomes": outcomes, "model": accuracy(["model_kind", "model_hash"]),
                   "symbol": accuracy(["symbol"]), "day": accuracy(["as_of_date"]), "daily": daily()}, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
