"""Reference outputs from the Python libraries Closebell must match.

usage: reference.py DATA_DIR OUT_DIR

Reads the daily CSVs with pandas, computes the SPEC's features per symbol (groupby), trains
XGBoost, LightGBM and scikit-learn (StandardScaler + Ridge) models on next-day return, and
writes: features.csv (rows surviving dropna), eval.csv (feature vectors to score, some with
NaN), one model file per model and pred_<name>.csv with each library's own predict().
"""
import glob
import json
import os
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pandas_features import FEATURES, features


def main(data_dir, out):
    os.makedirs(out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df = df.sort_values(["Symbol", "Date"], kind="mergesort")
    with np.errstate(divide="ignore", invalid="ignore"):
        feat = pd.concat([features(g) for _, g in df.groupby("Symbol", sort=True)], ignore_index=True)
    kept = feat.dropna(subset=FEATURES)
    kept[["Symbol", "Date"] + FEATURES].to_csv(os.path.join(out, "features.csv"), index=False, float_format="%.17g")

    train = kept.dropna(subset=["Target"])
    X = train[FEATURES].astype("float64").reset_index(drop=True)
    y = train["Target"].to_numpy()
    rng = np.random.default_rng(7)
    Xn = X.copy()
    mask = rng.random(Xn.shape) < 0.08
    Xn = Xn.mask(mask)  # NaN so tree models learn default directions

    models = {}
    # XGBoost, 100 trees of depth 6, trained with missing values.
    reg = xgb.XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=1)
    reg.fit(Xn, y)
    path = os.path.join(out, "xgb", "model.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    reg.get_booster().save_model(path)
    models["xgb"] = ("xgboost", path)
    # The same model as XGBoost 2.x writes base_score: a scalar string, not a list.
    with open(path) as fh:
        m = json.load(fh)
    bs = m["learner"]["learner_model_param"]["base_score"]
    if bs.startswith("["):
        m["learner"]["learner_model_param"]["base_score"] = bs.strip("[]").split(",")[0]
    path2 = os.path.join(out, "xgb_v2", "model.json")
    os.makedirs(os.path.dirname(path2), exist_ok=True)
    with open(path2, "w") as fh:
        json.dump(m, fh)
    # A second XGBoost with a non-default base_score and deeper trees.
    reg2 = xgb.XGBRegressor(n_estimators=40, max_depth=8, learning_rate=0.3, base_score=0.25, n_jobs=1)
    reg2.fit(Xn, y)
    path3 = os.path.join(out, "xgb_b", "model.json")
    os.makedirs(os.path.dirname(path3), exist_ok=True)
    reg2.get_booster().save_model(path3)
    models["xgb_b"] = ("xgboost", path3)

    # LightGBM, 100 trees, NaN as missing; and a zero-as-missing variant.
    for name, extra in (("lgb", {}), ("lgb_zero", {"zero_as_missing": True})):
        params = {"objective": "regression", "num_leaves": 31, "min_data_in_leaf": 5, "verbose": -1, "num_threads": 1, **extra}
        booster = lgb.train(params, lgb.Dataset(Xn, y), num_boost_round=100)
        p = os.path.join(out, name, "model.txt")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        booster.save_model(p)
        models[name] = ("lightgbm", p)

    # scikit-learn StandardScaler + Ridge exported to the linear format.
    pipe = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    pipe.fit(X, y)
    sc, rd = pipe.named_steps["standardscaler"], pipe.named_steps["ridge"]
    lin = {"format": "linear", "features": FEATURES, "mean": sc.mean_.tolist(), "scale": sc.scale_.tolist(),
           "coefficients": rd.coef_.tolist(), "intercept": float(rd.intercept_)}
    p = os.path.join(out, "linear", "model.json")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as fh:
        json.dump(lin, fh)
    models["linear"] = ("linear", p)

    # Vectors to score: every complete row, plus a copy with NaN holes (not for linear).
    ev = kept[["Symbol", "Date"] + FEATURES].reset_index(drop=True)
    holes = ev.copy()
    holes[FEATURES] = holes[FEATURES].mask(rng.random(holes[FEATURES].shape) < 0.2)
    zeros = ev.copy()
    zeros[FEATURES] = zeros[FEATURES].mask(rng.random(zeros[FEATURES].shape) < 0.1, 0.0)
    ev["Id"] = ["c%d" % i for i in range(len(ev))]
    holes["Id"] = ["h%d" % i for i in range(len(holes))]
    zeros["Id"] = ["z%d" % i for i in range(len(zeros))]
    allv = pd.concat([ev, holes, zeros], ignore_index=True)
    allv.to_csv(os.path.join(out, "eval.csv"), index=False, float_format="%.17g", na_rep="NaN")
    for name, (kind, p) in models.items():
        rows = allv if kind != "linear" else allv[~allv["Id"].str.startswith("h")]
        Xe = rows[FEATURES].astype("float64")
        if kind == "xgboost":
            b = xgb.Booster()
            b.load_model(p)
            b.set_param({"nthread": 1})
            pred = b.predict(xgb.DMatrix(Xe, missing=np.nan))
        elif kind == "lightgbm":
            pred = lgb.Booster(model_file=p).predict(Xe, num_threads=1)
        else:
            pred = pipe.predict(Xe)
        pd.DataFrame({"Id": rows["Id"], "Prediction": np.asarray(pred, dtype="float64")}).to_csv(
            os.path.join(out, f"pred_{name}.csv"), index=False, float_format="%.17g")
    with open(os.path.join(out, "versions.txt"), "w") as fh:
        fh.write(f"pandas {pd.__version__} numpy {np.__version__} xgboost {xgb.__version__} lightgbm {lgb.__version__}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
