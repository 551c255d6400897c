#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus: Tests/Fuzz/corpus/<target>/<name>.

A few small inputs per target, valid and slightly broken: daily CSV files, binary messages in the
documented wire layout (little-endian; see Sources/Protocol/Messages), and tiny XGBoost JSON,
LightGBM text and linear JSON models. Deterministic; rerun it after the wire format changes (the
protocol version is read from the Swift source). Only the files named here are (re)written.

    python3 Tests/Fuzz/make-seeds.py
"""
import datetime
import json
import pathlib
import re
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def wire_version():
    for f in sorted((ROOT / "Sources/Protocol/Messages").glob("*.swift")):
        m = re.search(r"static let version: UInt8 = (\d+)", f.read_text())
        if m:
            return int(m.group(1))
    raise SystemExit("make-seeds: no 'static let version: UInt8 = N' in Sources/Protocol/Messages")


VERSION = wire_version()
CHUNK, RESULT, CANCEL, STARTED = 1, 2, 3, 4


def day(iso):
    return (datetime.date.fromisoformat(iso) - datetime.date(1970, 1, 1)).days


# --- binary writer (BinaryWriter in BinaryCoding.swift) -------------------------------------

def header(kind, version=None):
    return bytes([0x43, 0x42, VERSION if version is None else version, kind])


def u8(v): return struct.pack("<B", v)
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def i32(v): return struct.pack("<i", v)
def i64(v): return struct.pack("<q", v)
def f64(v): return struct.pack("<d", v)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b


def opt_string(s):
    return u8(0) if s is None else u8(1) + string(s)


def doubles(a):
    return u32(len(a)) + b"".join(f64(v) for v in a)


def varint(v):
    out = b""
    while v >= 0x80:
        out += u8((v & 0x7F) | 0x80)
        v >>= 7
    return out + u8(v)


def column(a, scale=None):
    """A chunk column (version 4): mode 0 and raw doubles, or mode 1 + k and zig-zag varint
    differences of the values times 10^k (each must be exact at that scale)."""
    if scale is None:
        return u8(0) + doubles(a)
    out, prev = u8(1 + scale) + u32(len(a)), 0
    for v in a:
        m = round(v * 10 ** scale)
        assert m / 10 ** scale == v, (v, scale)
        d = m - prev
        out += varint((d << 1) ^ (d >> 63) if d >= 0 else ((-d) << 1) - 1)
        prev = m
    return out


def days(a):
    """Days (version 4): the count, the first day, then each gap as a varint."""
    if not a:
        return u32(0)
    return u32(len(a)) + i32(a[0]) + b"".join(varint(max(0, b - x)) for x, b in zip(a, a[1:]))


def identity(run=7, chunk=3, attempt=1):
    return i64(run) + u32(chunk) + u16(attempt)


def chunk(series, as_of="2024-01-31", store="/srv/models", weekdays=(0, 1, 2, 3, 4), flags=0, first=None, **ident):
    body = header(CHUNK) + identity(**ident) + i32(day(as_of)) + i32(day(first or as_of)) + string(store)
    body += u8(len(weekdays)) + b"".join(u8(w) for w in weekdays) + u8(flags)
    body += u32(len(series))
    for sym, ds, cols in series:
        body += string(sym) + days([day(d) for d in ds])
        for k, c in enumerate(cols):
            # Prices at two decimals, volumes as integers, one column raw: every encoding seeded.
            body += column(c, scale=None if k == 2 else 0 if k == 4 else 2)
    return body


def result(preds, fails, as_of="2024-01-31", worker="worker-1@host", micros=12345, skips=(("NEW", "insufficient history: 3 rows"),), **ident):
    body = header(RESULT) + identity(**ident) + i32(day(as_of)) + string(worker) + i64(micros)
    body += u32(len(preds))
    for sym, value, target, kind, path, sha in preds:
        body += string(sym) + i32(day(as_of)) + f64(value) + i32(day(target)) + u8(kind)
        body += opt_string(path) + opt_string(sha)
    body += u32(len(fails))
    for sym, stage, err in fails:
        body += string(sym) + i32(day(as_of)) + string(stage) + string(err)
    body += u32(len(skips))
    for sym, reason in skips:
        body += string(sym) + i32(day(as_of)) + string(reason)
    return body


def series(sym, ds, base=10.0):
    n = len(ds)
    o = [base + i for i in range(n)]
    return (sym, ds, [o, [v + 1 for v in o], [v - 1 for v in o], [v + 0.5 for v in o], [1000.0 * (i + 1) for i in range(n)]])


# --- seeds ---------------------------------------------------------------------------------

def daily_csv():
    h = "Date,Symbol,Open,High,Low,Close,Volume\n"
    good = h + "2024-01-31,ABC,10,11,9,10.5,100\n2024-01-31,XYZ,101.25,103.5,100.75,102,25000\n"
    return {
        "valid.csv": good,
        "valid-crlf-bom.csv": "\ufeff" + good.replace("\n", "\r\n"),
        "reordered-quoted.csv": 'Symbol,Date,Volume,Close,Low,High,Open\n"ABC", 2024-01-31 ,100,10.5,9,11,10\n',
        "rejects.csv": h + "\n".join([
            "2024-01-31,GOOD,10,11,9,10.5,100",
            "2024-01-31,ABC,10,11,9,1O.5,100",
            "2024-01-31,ABC,10,11,9,10.5",
            "2024-01-31,,10,11,9,10.5,100",
            "2024-01-31,NEG,0,11,9,-3,-1",
            "2024-01-30,OLD,10,11,9,10.5,100",
            "31/01/2024,FMT,10,11,9,10.5,100",
            "2024-01-31,NAN,nan,inf,0x10,1e400,100",
            "2024-01-31,GOOD,10,11,9,10.5,100",
        ]) + "\n",
        "anomalies.csv": h + "2024-01-31,LOWHI,10,9,11,10,5\n2024-01-31,OUT,12,11,9,8,5\n"
                             "2024-01-31,EXP,1.5e1,2E1,1.0000000000000001,12.345678901234567,0\n",
        "bad-header.csv": "Date,Symbol,Open,High,Low,Close\n2024-01-31,ABC,10,11,9,10.5\n",
        "cr-only-nul.csv": h.replace("\n", "\r") + "2024-01-31,A\x00B,10,11,9,10.5,100\r2024-01-31,\xe9\xff,1,2,1,1,1\r",
    }


def chunk_seeds():
    two = [series("ABC", ["2024-01-29", "2024-01-30", "2024-01-31"]), series("XYZ", ["2024-01-31"], 100.0)]
    valid = chunk(two)
    return {
        "valid.bin": valid,
        "empty-series-fallback.bin": chunk([], flags=1, weekdays=(1, 2, 3, 4, 5), attempt=2),
        "one-symbol-no-rows.bin": chunk([("LONELY", [], [[], [], [], [], []])]),
        "truncated.bin": valid[:-5],
        "unsorted-days.bin": chunk([series("ABC", ["2024-01-31", "2024-01-30"])]),
        "lengths-differ.bin": chunk([("ABC", ["2024-01-31"], [[1.0], [2.0], [0.5], [], [9.0]])]),
    }


def result_seeds():
    preds = [
        ("ABC", 0.42, "2024-02-01", 0, "/srv/models/ABC/model.json", "ab" * 32),
        ("XYZ", -1.5, "2024-02-01", 2, "/srv/models/_global/model.json", "cd" * 32),
        ("QQQ", 0.01, "2024-02-01", 3, None, None),
    ]
    fails = [("BAD", "features", "not enough history: 3 rows, 21 needed")]
    valid = result(preds, fails)
    return {
        "valid.bin": valid,
        "empty.bin": result([], []),
        "failures-only.bin": result([], fails * 1 + [("NOPE", "model", "model.txt: truncated")]),
        "truncated.bin": valid[:-9],
        "bad-kind.bin": result([("ABC", 0.42, "2024-02-01", 9, None, None)], []),
    }


def control_seeds():
    cancel = header(CANCEL) + i64(7)
    started = header(STARTED) + identity() + string("worker-1@host")
    return {
        "cancel.bin": cancel,
        "cancel-zero.bin": header(CANCEL) + i64(0),
        "cancel-trailing.bin": cancel + b"\x00",
        "started.bin": started,
        "started-truncated.bin": started[:-4],
        "old-version.bin": header(CANCEL, version=1) + i64(7),
        "unknown-kind.bin": header(9) + i64(7),
    }


XGB_LEARNER = {
    "attributes": {},
    "feature_names": ["Return", "RSI"],
    "feature_types": ["float", "float"],
    "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": "0",
                            "num_feature": "2", "num_target": "1"},
    "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}},
}


def xgb_tree(i, left, right, cond, idx, default_left):
    n = len(left)
    return {"base_weights": [0.0] * n, "categories": [], "categories_nodes": [], "categories_segments": [],
            "categories_sizes": [], "default_left": default_left, "id": i, "left_children": left,
            "loss_changes": [0.0] * n, "parents": [2147483647] + [0] * (n - 1), "right_children": right,
            "split_conditions": cond, "split_indices": idx, "split_type": [0] * n, "sum_hessian": [1.0] * n,
            "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": str(n), "size_leaf_vector": "1"}}


def xgb_model(trees, base="5E-1"):
    learner = json.loads(json.dumps(XGB_LEARNER))
    learner["learner_model_param"]["base_score"] = base
    learner["gradient_booster"] = {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": str(len(trees))},
                                             "iteration_indptr": list(range(len(trees) + 1)),
                                             "tree_info": [0] * len(trees), "trees": trees},
                                   "name": "gbtree"}
    return json.dumps({"learner": learner, "version": [2, 1, 0]}, separators=(",", ":"))


def xgboost_seeds():
    stump = xgb_tree(0, [1, -1, -1], [2, -1, -1], [0.5, -1.5, 2.5], [0, 0, 0], [1, 0, 0])
    deeper = xgb_tree(1, [1, 3, -1, -1, -1], [2, 4, -1, -1, -1], [50.0, -0.25, 0.75, -0.125, 0.0625],
                      [1, 0, 0, 0, 0], [0, 1, 0, 0, 0])
    leaf = xgb_tree(2, [-1], [-1], [0.01], [0], [0])
    valid = xgb_model([stump, deeper, leaf])
    return {
        "valid.json": valid,
        "base-score-list.json": xgb_model([stump], base="[5E-1]"),
        "single-leaf.json": xgb_model([leaf], base="0"),
        "truncated.json": valid[: len(valid) * 2 // 3],
        "children-out-of-range.json": xgb_model([xgb_tree(0, [1, -1, -1], [7, -1, -1], [0.5, 1, 2], [0, 0, 0], [1, 0, 0])]),
        "gblinear.json": valid.replace('"name":"gbtree"', '"name":"gblinear"'),
    }


def lgb_tree(i, num_leaves, split_feature, threshold, decision_type, left, right, leaf_value):
    lines = [f"Tree={i}", f"num_leaves={num_leaves}", "num_cat=0"]
    if num_leaves > 1:
        lines += [
            "split_feature=" + " ".join(map(str, split_feature)),
            "split_gain=" + " ".join("1" for _ in split_feature),
            "threshold=" + " ".join(map(repr, threshold)),
            "decision_type=" + " ".join(map(str, decision_type)),
            "left_child=" + " ".join(map(str, left)),
            "right_child=" + " ".join(map(str, right)),
        ]
    lines += ["leaf_value=" + " ".join(map(repr, leaf_value)),
              "leaf_weight=" + " ".join("1" for _ in leaf_value),
              "leaf_count=" + " ".join("10" for _ in leaf_value)]
    if num_leaves > 1:
        lines += ["internal_value=" + " ".join("0" for _ in split_feature),
                  "internal_weight=" + " ".join("1" for _ in split_feature),
                  "internal_count=" + " ".join("20" for _ in split_feature)]
    lines += ["is_linear=0", "shrinkage=0.1", ""]
    return "\n".join(lines) + "\n"


def lgb_model(trees, objective="regression", extra=""):
    head = ("tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=1\n"
            f"objective={objective}\n{extra}feature_names=Return RSI\n"
            "feature_infos=[-10:10] [0:100]\ntree_sizes=" + " ".join(str(len(t)) for t in trees) + "\n\n")
    return head + "".join(trees) + "end of trees\n\nfeature_importances:\nRSI=2\nReturn=1\n\n" \
        "parameters:\n[boosting: gbdt]\n[objective: regression]\nend of parameters\n\npandas_categorical:null\n"


def lightgbm_seeds():
    t0 = lgb_tree(0, 3, [1, 0], [50.000000000000007, -0.25], [2, 10], [1, -1], [-2, -3], [0.1, -0.2, 0.3])
    t1 = lgb_tree(1, 2, [0], [1.0000000180025095e-35], [6], [-1], [-2], [0.05, -0.05])
    t2 = lgb_tree(2, 1, [], [], [], [], [], [0.01])
    valid = lgb_model([t0, t1, t2])
    return {
        "valid.txt": valid,
        "sqrt-average.txt": lgb_model([t0, t2], objective="regression sqrt", extra="average_output\n"),
        "truncated.txt": valid[: valid.index("Tree=1") + 40],
        "bad-child.txt": lgb_model([lgb_tree(0, 2, [0], [0.5], [2], [5], [-2], [1.0, 2.0])]),
        "crlf.txt": valid.replace("\n", "\r\n"),
        "multiclass.txt": valid.replace("num_class=1", "num_class=3"),
    }


def linear_seeds():
    valid = {"format": "linear", "features": ["Return", "RSI"], "mean": [0.1, 50], "scale": [2, 10],
             "coefficients": [0.5, -0.25], "intercept": 0.01}
    return {
        "valid.json": json.dumps(valid),
        "pretty-all-features.json": json.dumps({
            "coefficients": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "features": ["Return", "Return_Lag1", "Return_Lag2",
            "Return_Lag3", "Return_Lag5", "MA_20", "Volatility_20", "RSI"], "format": "linear", "intercept": -0.0,
            "mean": [0, 0, 0, 0, 0, 10, 1, 50], "scale": [1, 1, 1, 1, 1, 5, 0.5, 20]}, indent=2, sort_keys=True),
        "scale-zero.json": json.dumps({**valid, "scale": [2, 0]}),
        "lengths-differ.json": json.dumps({**valid, "mean": [0.1]}),
        "missing-key.json": json.dumps({k: v for k, v in valid.items() if k != "coefficients"}),
        "truncated.json": json.dumps(valid)[:60],
    }


TARGETS = {
    "fuzz-daily-csv": daily_csv,
    "fuzz-chunk": chunk_seeds,
    "fuzz-result": result_seeds,
    "fuzz-control": control_seeds,
    "fuzz-xgboost": xgboost_seeds,
    "fuzz-lightgbm": lightgbm_seeds,
    "fuzz-linear": linear_seeds,
}


def main():
    total = 0
    for target, make in TARGETS.items():
        d = CORPUS / target
        d.mkdir(parents=True, exist_ok=True)
        for name, content in make().items():
            data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
            if name == "cr-only-nul.csv":  # raw bytes: NUL and invalid UTF-8 on purpose
                data = content.encode("latin-1")
            assert len(data) < 20_000, (target, name, len(data))
            (d / name).write_bytes(data)
            total += len(data)
    print(f"make-seeds: wrote {sum(len(m()) for m in TARGETS.values())} seeds, {total} bytes, under {CORPUS}")


if __name__ == "__main__":
    main()
