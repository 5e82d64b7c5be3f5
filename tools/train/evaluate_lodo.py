#!/usr/bin/python3
"""Leave-one-dataset-out evaluation of the bandwidth forecaster's recipe (pba_train.lodo).

    tools/train/evaluate_lodo.py DATA_DIR --study 1s_60s [--variant base stretch]
        [--budget 0.25] [--stride 5] [--work build/lodo] [--reuse] [--report lodo.md]
        [--candidates candidates] [--counts]

For each study (sampling interval, window, horizon) and variant, trains one model per
dataset on its training routes (and, where the 5-s FCC traces apply, one on both mobile
datasets), tests it on its own held-out routes and on every other dataset it never saw,
and prints the model's MAE next to persistence, the 10-sample mean and EWMA, the tuned
moving average and EWMA, and the best of those chosen in hindsight on the test set.
--budget scales epochs and windows per epoch (screening; 1 = the recipe's full length);
--stride scores every n-th point only (screening).
The trained models are kept under --work as .pba files; --reuse reads them back instead
of training again. One PyTorch thread: a full-length 1-s study is two ~5 min trainings.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tools/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))                    # tools/train

from pba_train import lodo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="folder with traces/<dataset>/*.csv")
    parser.add_argument("--study", nargs="+", choices=lodo.STUDIES, default=["1s_60s"])
    parser.add_argument("--variant", nargs="+", choices=lodo.VARIANTS, default=["base"])
    parser.add_argument("--budget", type=float, default=1.0,
                        help="scale of epochs and windows per epoch (screening < 1)")
    parser.add_argument("--work", default="build/lodo", help="where the trained models go")
    parser.add_argument("--reuse", action="store_true", help="reuse models already in --work")
    parser.add_argument("--report", help="append the markdown tables to this file")
    parser.add_argument("--stride", type=int, default=1,
                        help="score every n-th evaluation point (screening)")
    parser.add_argument("--candidates", help="write the model trained on every usable "
                        "dataset here as internet_<study>.pba, with its LODO results")
    parser.add_argument("--counts", action="store_true",
                        help="only print how many evaluation points each dataset has")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    for name in args.study:
        study = lodo.STUDIES[name]
        if args.counts:
            data = lodo.series(args.data_dir, study.recipe.sample_interval_s)
            for ds, trs in data.items():
                print(f"{name}: {ds}: {lodo.point_count(trs, study.recipe)} points "
                      f"({lodo.point_count([t for t in trs if not t.held_out], study.recipe)} "
                      f"on training routes) in {len(trs)} traces")
            continue
        for variant in args.variant:
            rows = lodo.run(args.data_dir, study, variant, args.work, args.budget, args.reuse,
                            args.candidates, args.stride,
                            log=lambda s: print(s, flush=True))
            table = lodo.format_table(study, variant, rows, args.budget, args.stride)
            print(table + "\n", flush=True)
            if args.report:
                with open(args.report, "a") as f:
                    f.write(table + "\n\n")


if __name__ == "__main__":
    main()
