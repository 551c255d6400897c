"""XGBoost models for the pipeline benchmark, trained by xgboost itself on the benchmark's data.

usage: train_xgboost.py DATA_DIR MODELS_DIR (per-symbol|global)

per-symbol: one model per symbol in MODELS_DIR/<SYMBOL>/model.json; global: one model in
MODELS_DIR/_global/model.json. 100 trees of depth 6 on the SPEC's features (next-day return as
the target), trained on a DataFrame so the file names its features.
"""
import glob
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

from pandas_features import FEATURES, add_features


def fit(frame, path):
    reg = xgb.XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=2)
    reg.fit(frame[FEATURES].astype("float64"), frame["Target"].to_numpy())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    reg.get_booster().save_model(path)


def main(data_dir, models_dir, kind):
    df = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))], ignore_index=True)
    df = df[pd.to_numeric(df["Close"], errors="coerce") > 0].copy()
    df["Close"] = df["Close"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = add_features(df)
    df["Target"] = df.groupby("Symbol", sort=False)["Return"].shift(-1)
    df = df.dropna(subset=FEATURES + ["Target"])
    if kind == "global":
        fit(df, os.path.join(models_dir, "_global", "model.json"))
    else:
        for sym, g in df.groupby("Symbol", sort=True):
            fit(g, os.path.join(models_dir, sym, "model.json"))


if __name__ == "__main__":
    main(*sys.argv[1:4])
