#!/usr/bin/python3
"""Train every default model and write it to OUT/<name>.pba with full metadata.

    tools/train/train_defaults.py DATA_DIR --out src/models [--only internet v1 ...]

DATA_DIR holds traces/<dataset>/*.csv (see pba_train.traces). Each model is trained with
a fixed seed on 2 threads, validated on held-out routes (or held-out simulator seeds)
through the predictor's own pipeline, and written with a PyTorch self-test vector.
The validation tables are printed and, with --report, written as markdown.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tools/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))                    # tools/train

from pba_train import defaults  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="folder with traces/<dataset>/*.csv")
    parser.add_argument("--out", default="src/models", help="where to write <name>.pba")
    parser.add_argument("--only", nargs="+", choices=defaults.MODELS,
                        help="train only these models")
    parser.add_argument("--report", help="also write the validation tables here (markdown)")
    args = parser.parse_args()
    report = defaults.train_all(args.data_dir, args.out, args.only or defaults.MODELS)
    print(report)
    if args.report:
        with open(args.report, "w") as f:
            f.write(report + "\n")
