"""The C++ predictor's input and output pipeline, in numpy.

Training, evaluation and self-tests all go through these functions, so a model sees in
training exactly the numbers the predictor will feed it (docs/model-format.md):

1. keep the last T samples; a missing (NaN) field is forward-filled from the latest
   earlier valid value in the window, leading gaps are back-filled from the first valid
   one, and a field with no valid value in the window takes the feature's `missing` value;
2. normalise each feature by its kind (`divide`, `minmax`, `standard`, `log`, `log_ratio`),
   in float64, rounded to float32; `log_ratio`'s m is the mean of the filled raw window;
3. de-normalise each output by its kind (`log_ratio` takes m from the input feature
   `ref_feature`) and clamp at 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("none", "divide", "minmax", "standard", "log", "log_ratio")


@dataclass(frozen=True)
class Norm:
    kind: str
    a: float = 0.0
    b: float = 0.0
    c: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown normalisation {self.kind}")


@dataclass(frozen=True)
class Feature:
    name: str          # field of a sample, e.g. bandwidth_mbps
    norm: Norm
    missing: float     # raw value when the whole window lacks this field


@dataclass(frozen=True)
class Output:
    name: str
    norm: Norm
    ref_feature: int = -1  # input feature whose window mean m de-normalises a log_ratio


def fill_window(raw: np.ndarray, missing: float) -> np.ndarray:
    """Forward-fill, back-fill leading gaps, or `missing` if no value: along the last axis
    of raw [..., T] (batched over leading axes)."""
    raw = np.asarray(raw, dtype=np.float64)
    valid = ~np.isnan(raw)
    T = raw.shape[-1]
    idx = np.where(valid, np.arange(T), -1)
    last = np.maximum.accumulate(idx, axis=-1)  # latest valid index at or before t
    first = np.argmax(valid, axis=-1)[..., None]  # first valid index (0 if none)
    src = np.where(last >= 0, last, first)
    out = np.take_along_axis(raw, src, axis=-1)
    none_valid = ~valid.any(axis=-1, keepdims=True)
    return np.where(none_valid, missing, out)


def normalise(filled: np.ndarray, norm: Norm) -> tuple[np.ndarray, np.ndarray]:
    """Normalised window [..., T] (float64) and the window mean m [...] it used."""
    x = filled
    m = x.mean(axis=-1)
    k, a, b, c = norm.kind, norm.a, norm.b, norm.c
    if k == "none":
        y = x
    elif k == "divide":
        y = x / a
    elif k == "minmax":
        y = (x - a) / (b - a)
    elif k == "standard":
        y = (x - a) / b
    elif k == "log":
        y = (np.log(np.maximum(x, 0.0) + c) - a) / b
    else:  # log_ratio
        y = np.log((np.maximum(x, 0.0) + c) / (m[..., None] + c))
    return y, m


def denormalise(y: np.ndarray, norm: Norm, m: np.ndarray | None = None) -> np.ndarray:
    """Raw value of a model output y (clamped at 0, as the predictor does)."""
    y = np.asarray(y, dtype=np.float64)
    k, a, b, c = norm.kind, norm.a, norm.b, norm.c
    if k == "none":
        x = y
    elif k == "divide":
        x = y * a
    elif k == "minmax":
        x = y * (b - a) + a
    elif k == "standard":
        x = y * b + a
    elif k == "log":
        x = np.exp(y * b + a) - c
    else:
        x = (m + c) * np.exp(y) - c
    return np.maximum(x, 0.0)


def model_input(fields: dict[str, np.ndarray], features: list[Feature]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Model input [..., T, F] float32 and per-feature window means [..., F] from raw
    field windows {name: [..., T]} (NaN = missing; absent names are wholly missing)."""
    any_field = next(iter(fields.values()))
    cols, means = [], []
    for f in features:
        raw = fields.get(f.name)
        if raw is None:
            raw = np.full(any_field.shape, np.nan)
        y, m = normalise(fill_window(raw, f.missing), f.norm)
        cols.append(y)
        means.append(m)
    x = np.stack(cols, axis=-1).astype(np.float32)
    return x, np.stack(means, axis=-1)


def model_output(y: np.ndarray, outputs: list[Output], means: np.ndarray) -> np.ndarray:
    """Raw forecasts [..., O] from model outputs y [..., O] and input window means."""
    cols = []
    for i, o in enumerate(outputs):
        m = means[..., o.ref_feature] if o.norm.kind == "log_ratio" else None
        cols.append(denormalise(y[..., i], o.norm, m))
    return np.stack(cols, axis=-1)
