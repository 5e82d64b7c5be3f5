"""Real throughput traces: loading, grouping into routes, and the held-out split.

Traces are split by whole route, never by random windows: two drives of the same bus
line share towers and handovers, so a model validated on a route it trained on would
look better than it is on a network it has never seen.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass

import numpy as np

# Where each dataset comes from and on what terms; copied into every model's train.data.
SOURCES = {
    "nyu_mets": "NYU-METS LTE iperf traces, Mei et al., PAM 2019 (GitHub NYU-METS/Main), "
                "ODbL 1.0 / DbCL 1.0",
    "norway3g": "Norway 3G/HSDPA commute traces, Riiser et al., MMSys 2013, as redistributed "
                "in the Pensieve repository (GitHub hongzimao/pensieve), MIT",
}

# Routes held out for validation. Chosen so that both datasets and several transport modes
# (subway, car, ferry, bus, commuter rail) are represented, with ~15-20% of each dataset.
HELD_OUT_ROUTES = {
    "nyu_mets": ("subway_q", "subway_d", "car", "ferry", "lirr", "bus_b57"),
    "norway3g": ("train_oslo-vestby", "car_aarnes-elverum", "car_smestad-snaroya"),
}


@dataclass
class Trace:
    dataset: str          # folder name: nyu_mets or norway3g
    name: str             # file name without .csv
    route: str            # route key: traces sharing it never straddle the split
    t_s: np.ndarray       # seconds from the trace's start
    mbps: np.ndarray      # throughput in Mbps (float64)
    fields: dict | None = None  # every sample field, for sources that have more (synthetic)

    @property
    def held_out(self) -> bool:
        return self.route in HELD_OUT_ROUTES[self.dataset]


def route_of(dataset: str, name: str) -> str:
    """Route key of a trace file name. Both directions of a line are one route."""
    if dataset == "norway3g":
        mode, path = name.split(".")[:2]
        if mode == "tram":
            return "tram"  # all tram lines share the Jernbanetorget trunk
        return mode + "_" + "-".join(sorted(path.split("-")))
    lower = name.lower()
    for pattern, route in (
        (r"7train|tt7|7btrain", "subway_7"),
        (r"q_train", "subway_q"),
        (r"d_train", "subway_d"),
        (r"b57", "bus_b57"),
        (r"b62|bb62", "bus_b62"),
        (r"bb61", "bus_b61"),
        (r"bb16", "bus_b16"),
        (r"m15|mm15", "bus_m15"),
        (r"campus", "bus_nyu_campus"),
        (r"car", "car"),
        (r"ferry", "ferry"),
        (r"lirr", "lirr"),
    ):
        if re.search(pattern, lower):
            return route
    raise ValueError(f"no route known for {dataset}/{name}")


def load_trace(path: str, dataset: str) -> Trace:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["t_s", "throughput_mbps"]:
        raise ValueError(f"{path}: unexpected header {rows[0]}")
    data = np.array(rows[1:], dtype=np.float64)
    name = os.path.basename(path)[: -len(".csv")]
    return Trace(dataset, name, route_of(dataset, name), data[:, 0], data[:, 1])


def load_all(data_dir: str) -> list[Trace]:
    """Every trace under DATA_DIR/traces/<dataset>/*.csv, in a stable order."""
    traces = []
    for dataset in sorted(SOURCES):
        folder = os.path.join(data_dir, "traces", dataset)
        for fname in sorted(os.listdir(folder)):
            if fname.endswith(".csv"):
                traces.append(load_trace(os.path.join(folder, fname), dataset))
    if not traces:
        raise FileNotFoundError(f"no traces under {data_dir}/traces")
    return traces


def split(traces: list[Trace]) -> tuple[list[Trace], list[Trace]]:
    train = [t for t in traces if not t.held_out]
    held = [t for t in traces if t.held_out]
    overlap = {t.route for t in train} & {t.route for t in held}
    assert not overlap, f"routes in both sets: {overlap}"
    return train, held


def split_description(traces: list[Trace]) -> str:
    """Human-readable record of the split for train.split metadata."""
    held = sorted({f"{t.dataset}/{t.route}" for t in traces if t.held_out})
    n_held = sum(1 for t in traces if t.held_out)
    return (f"by whole route; held out {n_held} of {len(traces)} traces, routes: "
            + ", ".join(held))
