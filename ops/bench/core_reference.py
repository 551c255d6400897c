"""The Python side of `closebell-bench core`: the same work with pandas, xgboost, lightgbm.

usage: core_reference.py DATA_DIR OUT_DIR
Prints one JSON object with timings (seconds) and row counts; writes the tree models it
trained (xgb/model.json, lgb/model.txt) and the feature matrix (features.npy) for Swift to score.
"""
import glob
import json
import os
import sys
import time

import numpy as np
import pandas as pd

from pandas_features import FEATURES, add_features


def main(data_dir, out):
    os.makedirs(out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(data_dir, "*_*.csv")))
    t = time.perf_counter()
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    parse = time.perf_counter() - t
    rows = len(df)

    t = time.perf_counter()
    df = add_features(df)
    feats = df.dropna(subset=FEATURES)
    features = time.perf_counter() - t

    X = feats[FEATURES].to_numpy(dtype="float64")
    y = np.r_[X[1:, 0], 0.0]
    np.save(os.path.join(out, "features.npy"), X)
    result = {"rows": rows, "feature_rows": int(len(X)), "parse_s": parse, "features_s": features}

    import xgboost as xgb
    reg = xgb.XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=2)
    reg.fit(pd.DataFrame(X, columns=FEATURES), y)
    p = os.path.join(out, "xgb", "model.json")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    reg.get_booster().save_model(p)
    b = xgb.Booster()
    b.load_model(p)
    b.set_param({"nthread": 1})
    dm = xgb.DMatrix(X, feature_names=FEATURES)
    t = time.perf_counter()
    b.predict(dm)
    result["xgboost_predict_s"] = time.perf_counter() - t

    import lightgbm as lgb
    booster = lgb.train({"objective": "regression", "num_leaves": 31, "verbose": -1, "num_threads": 2},
                        lgb.Dataset(pd.DataFrame(X, columns=FEATURES), y), num_boost_round=100)
    p = os.path.join(out, "lgb", "model.txt")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    booster.save_model(p)
    bl = lgb.Booster(model_file=p)
    t = time.perf_counter()
    bl.predict(X, num_threads=1)
    result["lightgbm_predict_s"] = time.perf_counter() - t
    result["versions"] = f"pandas {pd.__version__}, xgboost {xgb.__version__}, lightgbm {lgb.__version__}"
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
