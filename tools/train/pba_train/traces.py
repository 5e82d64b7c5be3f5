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

# Datasets used only to test how a model trained elsewhere generalises: never trained on,
# never in load_all. Their sampling interval differs from the training sets'.
EVAL_ONLY_SOURCES = {
    "fcc_broadband": "FCC Measuring Broadband America web-get throughput, as cooked for "
                     "Pensieve (Mao et al., SIGCOMM 2017) and redistributed in GitHub "
                     "confiwent/Real-world-bandwidth-traces, MIT",
}

# Seconds between rows of each dataset's files.
SAMPLE_INTERVAL_S = {"nyu_mets": 1.0, "norway3g": 1.0, "fcc_broadband": 5.0}

# Routes held out for validation. Chosen so that both datasets and several transport modes
# (subway, car, ferry, bus, commuter rail) are represented, with ~15-20% of each dataset.
HELD_OUT_ROUTES = {
    "nyu_mets": ("subway_q", "subway_d", "car", "ferry", "lirr", "bus_b57"),
    "norway3g": ("train_oslo-vestby", "car_aarnes-elverum", "car_smestad-snaroya"),
}


@dataclass
class Trace:
    dataset: str          # folder name: nyu_mets, norway3g or fcc_broadband
    name: str             # file name without .csv
    route: str            # route key: traces sharing it never straddle the split
    t_s: np.ndarray       # seconds from the trace's start
    mbps: np.ndarray      # throughput in Mbps (float64)
    fields: dict | None = None  # every sample field, for sources that have more (synthetic)
    interval_s: float = 1.0     # seconds between samples

    @property
    def held_out(self) -> bool:
        return self.route in HELD_OUT_ROUTES.get(self.dataset, ())


def route_of(dataset: str, name: str) -> str:
    """Route key of a trace file name. Both directions of a line are one route; the pieces
    of one FCC measurement (fcc_<id>_<site>_part<k>) are one route."""
    if dataset == "fcc_broadband":
        return "fcc_" + name.split("_")[1]
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
    return Trace(dataset, name, route_of(dataset, name), data[:, 0], data[:, 1],
                 interval_s=SAMPLE_INTERVAL_S[dataset])


def load_dataset(data_dir: str, dataset: str) -> list[Trace]:
    """Every trace under DATA_DIR/traces/<dataset>/*.csv, in a stable order."""
    folder = os.path.join(data_dir, "traces", dataset)
    traces = [load_trace(os.path.join(folder, fname), dataset)
              for fname in sorted(os.listdir(folder)) if fname.endswith(".csv")]
    if not traces:
        raise FileNotFoundError(f"no traces under {folder}")
    return traces


def load_all(data_dir: str) -> list[Trace]:
    """Every trace of the training datasets (SOURCES), in a stable order."""
    return [tr for dataset in sorted(SOURCES) for tr in load_dataset(data_dir, dataset)]


def aggregate(trace: Trace, interval_s: float) -> Trace:
    """The trace as a link sampled every interval_s would report it: the mean of each run of
    interval_s / trace.interval_s consecutive samples (a trailing partial run is dropped)."""
    k = interval_s / trace.interval_s
    if k < 1 or abs(k - round(k)) > 1e-9:
        raise ValueError(f"{trace.dataset}/{trace.name}: cannot aggregate {trace.interval_s} s "
                         f"samples to {interval_s} s")
    k = int(round(k))
    n = len(trace.mbps) // k
    return Trace(trace.dataset, trace.name, trace.route, trace.t_s[:n * k:k],
                 trace.mbps[:n * k].reshape(n, k).mean(axis=1), interval_s=interval_s)


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


def hold(trace: Trace, interval_s: float) -> Trace:
    """The trace resampled to a finer interval by holding each sample for its whole span: a
    link whose throughput is constant within each original sample. Only a stand-in for a
    finer measurement, which would show the variation inside each span."""
    k = trace.interval_s / interval_s
    if k < 1 or abs(k - round(k)) > 1e-9:
        raise ValueError(f"{trace.dataset}/{trace.name}: cannot hold {trace.interval_s} s "
                         f"samples as {interval_s} s")
    k = int(round(k))
    t_s = (trace.t_s[:, None] + interval_s * np.arange(k)[None, :]).ravel()
    return Trace(trace.dataset, trace.name, trace.route, t_s, np.repeat(trace.mbps, k),
                 interval_s=interval_s)
