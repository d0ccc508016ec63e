#!/usr/bin/env python3
"""Export a fitted scikit-learn IsolationForest to the txn-anomaly model file format.

Usage: /usr/bin/python3 tools/export_sklearn.py MODEL.joblib OUT.json [--feature-names a,b,c]

MODEL.joblib holds a fitted IsolationForest, or a Pipeline of a StandardScaler followed by an
IsolationForest. The output is canonical JSON (sorted keys, no spaces, numbers printed as
ECMAScript prints them) with a SHA-256 of its content, byte-compatible with the TypeScript loader.
"""
import datetime
import hashlib
import json
import math
import sys

import joblib
import numpy as np

FORMAT = "txn-anomaly.isolation-forest"
FORMAT_VERSION = 1


def js_number(x):
    """Format a number exactly as ECMAScript's Number::toString does."""
    if isinstance(x, (bool, np.bool_)):
        raise ValueError("booleans are not numbers here")
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"canonical JSON cannot hold {x}")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    r = repr(abs(x))  # shortest round-trip digits, like ECMAScript
    mant, _, exp = r.partition("e")
    exp = int(exp) if exp else 0
    ip, _, fp = mant.partition(".")
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    e = exp - len(fp)
    stripped = digits.rstrip("0")
    e += len(digits) - len(stripped)
    s, k = stripped, len(stripped)
    n = e + k
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        en = n - 1
        es = ("+" if en > 0 else "-") + str(abs(en))
        out = (s if k == 1 else s[0] + "." + s[1:]) + "e" + es
    return sign + out


def canonical(v):
    if v is None:
        return "null"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return js_number(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(v[k]) for k in keys) + "}"
    raise TypeError(f"cannot serialise {type(v)}")


def average_path_length(n):
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + np.euler_gamma) - 2.0 * (n - 1.0) / n


def export(model, feature_names=None):
    scaler = None
    forest = model
    if hasattr(model, "steps"):
        steps = [s for _, s in model.steps]
        if len(steps) != 2 or type(steps[0]).__name__ != "StandardScaler" or type(steps[1]).__name__ != "IsolationForest":
            raise SystemExit("only a Pipeline of StandardScaler then IsolationForest can be exported")
        sc, forest = steps
        n_features = int(sc.n_features_in_)
        mean = sc.mean_ if sc.with_mean else np.zeros(n_features)
        scale = sc.scale_ if sc.with_std else np.ones(n_features)
        scaler = {"mean": [float(m) for m in mean], "scale": [float(s) for s in scale]}
    if type(forest).__name__ != "IsolationForest":
        raise SystemExit(f"expected an IsolationForest, got {type(forest).__name__}")
    n_features = int(forest.n_features_in_)
    subsample_features = forest._max_features != n_features
    feature, threshold, left, right, n_samples, offsets = [], [], [], [], [], [0]
    max_depth = 0
    for est, feats in zip(forest.estimators_, forest.estimators_features_):
        t = est.tree_
        is_leaf = t.children_left == -1
        for k in range(t.node_count):
            if is_leaf[k]:
                feature.append(-1)
                threshold.append(0)
                left.append(-1)
                right.append(-1)
            else:
                f = int(t.feature[k])
                feature.append(int(feats[f]) if subsample_features else f)
                threshold.append(float(t.threshold[k]))
                left.append(int(t.children_left[k]))
                right.append(int(t.children_right[k]))
            n_samples.append(int(t.n_node_samples[k]))
        offsets.append(offsets[-1] + t.node_count)
        max_depth = max(max_depth, int(t.max_depth))
    contamination = forest.contamination
    params = {
        "n_estimators": len(forest.estimators_),
        "max_samples": forest.max_samples if forest.max_samples == "auto" else int(forest.max_samples) if isinstance(forest.max_samples, (int, np.integer)) else int(forest.max_samples_),
        "psi": int(forest.max_samples_),
        "max_depth": max_depth,
        "contamination": contamination if contamination == "auto" else float(contamination),
        "seed": int(forest.random_state) if isinstance(forest.random_state, (int, np.integer)) else None,
        "n_training_rows": int(getattr(forest, "_n_training_rows", forest.max_samples_)),
    }
    names = feature_names or [str(n) for n in getattr(forest, "feature_names_in_", [])] or [f"f{i}" for i in range(n_features)]
    if len(names) != n_features:
        raise SystemExit(f"{len(names)} feature names for {n_features} features")
    training = getattr(forest, "_txn_training_scores", None)
    content = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model_version": f"sklearn-iforest-t{params['n_estimators']}",
        "trained_by": "scikit-learn",
        "params": params,
        "offset": float(forest.offset_),
        "feature_schema": {"feature_set": "generic", "names": names, "encodings": {}, "scaler": scaler},
        "trees": {
            "count": len(forest.estimators_),
            "node_offsets": offsets,
            "feature": feature,
            "threshold": threshold,
            "left": left,
            "right": right,
            "n_samples": n_samples,
        },
        "training_scores": training or {"count": 1, "mean": 0, "std": 0, "quantiles": [0] * 101},
    }
    content["sha256"] = hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()
    return content


def score_summary(scores):
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    return {
        "count": int(scores.size),
        "mean": float(scores.mean()),
        "std": float(scores.std()),
        "quantiles": [float(q) for q in np.percentile(scores, np.arange(101))],
    }


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    names = None
    for a in argv:
        if a.startswith("--feature-names="):
            names = a.split("=", 1)[1].split(",")
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    model = joblib.load(args[0])
    content = export(model, names)
    with open(args[1], "w", encoding="utf-8") as f:
        f.write(canonical(content) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
