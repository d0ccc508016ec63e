#!/usr/bin/env python3
"""Fit scikit-learn's IsolationForest on a numeric CSV, save it with joblib, write its
score_samples (one per line, repr precision) and print fit/score timings as JSON.

Usage: /usr/bin/python3 tools/sklearn_fit.py --data FILE.csv[.gz] --label label --out-model M.joblib
         [--out-scores S.txt] [--trees 100] [--max-samples 256] [--seed 0] [--contamination auto] [--scaler]
Used by the parity test and the benchmark (the reference side of both).
"""
import argparse
import json
import sys
import time

import joblib
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from export_sklearn import score_summary  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--label", default=None)
    p.add_argument("--out-model", required=True)
    p.add_argument("--out-scores")
    p.add_argument("--trees", type=int, default=100)
    p.add_argument("--max-samples", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--contamination", default="auto")
    p.add_argument("--scaler", action="store_true")
    p.add_argument("--repeat", type=int, default=1, help="time score_samples this many times, report the median")
    a = p.parse_args()
    data = np.genfromtxt(a.data, delimiter=",", names=True, dtype=np.float64)
    names = [n for n in data.dtype.names if n != a.label]
    X = np.column_stack([data[n] for n in names]).astype(np.float64)
    contamination = a.contamination if a.contamination == "auto" else float(a.contamination)
    forest = IsolationForest(n_estimators=a.trees, max_samples=min(a.max_samples, len(X)), contamination=contamination, random_state=a.seed)
    model = make_pipeline(StandardScaler(), forest) if a.scaler else forest
    t0 = time.perf_counter()
    model.fit(X)
    fit_s = time.perf_counter() - t0
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        scores = model.score_samples(X)
        times.append(time.perf_counter() - t0)
    forest._n_training_rows = len(X)
    forest._txn_training_scores = score_summary(scores)
    joblib.dump(model, a.out_model)
    if a.out_scores:
        with open(a.out_scores, "w") as f:
            f.write("\n".join(repr(float(s)) for s in scores) + "\n")
    print(json.dumps({"rows": len(X), "features": len(names), "fit_s": fit_s, "score_s": float(np.median(times)), "score_min_s": float(np.min(times)), "sklearn": __import__("sklearn").__version__}))


if __name__ == "__main__":
    main()
