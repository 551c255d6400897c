"""Features as a training pipeline computes them from the raw daily files.

usage: training_features.py DATA_DIR OUT_CSV

Reads every daily CSV with pandas and keeps each row whose Close is a positive number, whatever
its Open, High, Low or Volume hold (SPEC §1: that is what the models were trained on), then
writes the SPEC's features for the rows surviving dropna (Symbol, Date, features...).
"""
import glob
import os
import sys

import numpy as np
import pandas as pd

from pandas_features import FEATURES, features


def main(data_dir, out_csv):
    files = sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))
    df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    df["Close"] = pd.to_numeric(df["Close"], errors="coerce")
    df = df[df["Close"] > 0]
    df = df.sort_values(["Symbol", "Date"], kind="mergesort")
    with np.errstate(divide="ignore", invalid="ignore"):
        feat = pd.concat([features(g) for _, g in df.groupby("Symbol", sort=True)], ignore_index=True)
    kept = feat.dropna(subset=FEATURES)
    kept[["Symbol", "Date"] + FEATURES].to_csv(out_csv, index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
