"""Per-link online forecast aggregation: the reference for pba::predict::ForecastAggregator.

A link's served bandwidth forecast is a convex combination of a small fixed family of
forecasters (the network and simple smoothers), weighted by how well each did on this link:

- every H / snapshots_per_horizon seconds the members' forecasts are kept (a snapshot);
- when the snapshot's target has been measured (mean_over: the mean of the samples in
  (t, t + H], settled by the first sample at or after t + H - tol and needing at least
  ceil(horizon_steps / 2) of them; value_at: the sample within +-tol of t + H), each member
  that answered (was awake) gets the loss |f_i - y| / max(y, max_j f_j) in [0, 1] (scale-free:
  a 1000x faster link gives the same losses), and the awake members' weights take one
  Hedge step, w_i <- w_i exp(-eta l_i), renormalised to the awake members' previous total
  (sleeping experts: an asleep member's weight does not move), then a fixed share: each
  awake member keeps (1 - share) of its weight and the awake members split the rest evenly;
- the forecast is the weighted mean of the awake members' forecasts.

`Aggregator` is the sample-by-sample rule, line for line as the C++ class. `replay` is the
same rule over a whole trace with the members' forecasts precomputed (for evaluation), and
gives bit-identical results up to the summation order of the moving averages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The family, in the C++ enum's order. A member is (label, kind, parameter).
MEMBERS = (
    ("network", "network", 0),
    ("persistence", "ma", 1),
    ("ma10", "ma", 10),
    ("ewma_0.5", "ewma", 0.5),
    ("ewma_0.2", "ewma", 0.2),
    ("ewma_0.05", "ewma", 0.05),
    ("ewma_0.02", "ewma", 0.02),
    ("ewma_0.005", "ewma", 0.005),
    ("ewma_0.001", "ewma", 0.001),
)
RING_SAMPLES = 10  # the longest moving average

LEARNING_RATE = 1.0          # eta, per update, on losses in [0, 1]
SHARE = 0.003                # fixed-share mixing per update
SNAPSHOTS_PER_HORIZON = 4    # one snapshot at most every H / 4 seconds
PRIOR_AGE_RATIO = 0.5        # the prior favours smoothers whose data is ~H/2 old on average
PRIOR_WIDTH = 1.0            # ... with this spread in ln(age)
MAX_SNAPSHOTS_PER_HORIZON = 6
GAP_SAMPLE_INTERVALS = 10    # the predictor restarts a link after a gap this long


@dataclass(frozen=True)
class Config:
    horizon_s: float
    target: str            # "mean_over" or "value_at"
    horizon_steps: int
    sample_interval_s: float
    learning_rate: float = LEARNING_RATE
    share: float = SHARE
    snapshots_per_horizon: int = SNAPSHOTS_PER_HORIZON
    prior_age_ratio: float = PRIOR_AGE_RATIO
    prior_width: float = PRIOR_WIDTH

    @property
    def tolerance_s(self) -> float:
        return 0.5 * self.sample_interval_s

    @property
    def spacing_s(self) -> float:
        """Least time between two snapshots (half a sample of slack for jittery clocks)."""
        return self.horizon_s / self.snapshots_per_horizon - self.tolerance_s


def mean_age_s(kind: str, param, sample_interval_s: float) -> float:
    """How old, on average, the samples a smoother averages are (persistence: 0)."""
    if kind == "ma":
        return 0.5 * (param - 1) * sample_interval_s
    return (1.0 - param) / param * sample_interval_s


def prior(config: Config, members=MEMBERS) -> np.ndarray:
    """The weights a link starts from: a smoother's prior falls off as a Gaussian in
    ln((age + dt) / (ratio H + dt)) with sd `prior_width`, age its mean_age_s; the network, made
    for its horizon, gets the largest smoother prior. Sum 1."""
    dt = config.sample_interval_s
    centre = math.log(config.prior_age_ratio * config.horizon_s + dt)
    z2 = np.array([math.nan if kind == "network" else
                   ((math.log(mean_age_s(kind, p, dt) + dt) - centre) / config.prior_width) ** 2
                   for _, kind, p in members])
    z2[np.isnan(z2)] = np.nanmin(z2)
    raw = np.exp(-0.5 * (z2 - z2.min()))  # relative to the closest: none underflows
    return raw / raw.sum()


def hedge_step(weights: np.ndarray, forecasts: np.ndarray, actual: float, eta: float,
               share: float) -> np.ndarray:
    """One update of the weights of every member from one settled snapshot; NaN = asleep."""
    w = weights.copy()
    awake = np.isfinite(forecasts)
    if not awake.any():
        return w
    f = forecasts[awake]
    scale = max(actual, float(f.max()))
    loss = np.abs(f - actual) / scale if scale > 0 else np.zeros_like(f)
    mass = w[awake].sum()
    v = w[awake] * np.exp(-eta * (loss - loss.min()))
    v = v * (mass / v.sum())
    w[awake] = (1.0 - share) * v + share * mass / awake.sum()
    return w / w.sum()


def combine(weights: np.ndarray, forecasts: np.ndarray) -> tuple[float, bool]:
    awake = np.isfinite(forecasts)
    if not awake.any():
        return math.nan, False
    w = weights[awake]
    return float((w * forecasts[awake]).sum() / w.sum()), True


class Aggregator:
    """Sample-by-sample reference: observe(t, y), then forecast(t, network) (NaN = asleep)."""

    def __init__(self, config: Config, members=MEMBERS):
        self.config = config
        self.members = members
        self.prior = prior(config, members)
        self.weights = self.prior.copy()
        self.updates = 0
        self.expired = 0
        self.restart()

    def restart(self) -> None:
        self.ring: list[float] = []
        self.ewma = {m[2]: [0.0, 0.0] for m in self.members if m[1] == "ewma"}  # sum, norm
        self.pending: list[dict] = []
        self.last_snapshot_s = None

    def reset_member(self, index: int) -> None:
        others = sum(w for i, w in enumerate(self.weights) if i != index)
        self.weights *= (1.0 - self.prior[index]) / others
        self.weights[index] = self.prior[index]
        for p in self.pending:
            p["forecasts"][index] = math.nan

    def observe(self, t: float, y: float) -> None:
        c = self.config
        finite = math.isfinite(y) and y >= 0
        kept = []
        for p in self.pending:
            done = False
            if c.target == "value_at":
                if t > p["target_s"] + c.tolerance_s:
                    self.expired += 1
                    done = True
                elif t >= p["target_s"] - c.tolerance_s:
                    if finite:
                        self._update(p["forecasts"], y)
                    else:
                        self.expired += 1
                    done = True
            elif t > p["made_at_s"]:
                if t <= p["target_s"] + c.tolerance_s and finite:
                    p["count"] += 1
                    p["sum"] += y
                if t >= p["target_s"] - c.tolerance_s:
                    needed = (c.horizon_steps + 1) // 2
                    if p["count"] >= needed and p["count"] > 0:
                        self._update(p["forecasts"], p["sum"] / p["count"])
                    else:
                        self.expired += 1
                    done = True
            if not done:
                kept.append(p)
        self.pending = kept
        if not finite:
            return
        self.ring.append(y)
        if len(self.ring) > RING_SAMPLES:
            self.ring.pop(0)
        for alpha, s in self.ewma.items():
            s[0] = (1.0 - alpha) * s[0] + alpha * y
            s[1] = (1.0 - alpha) * s[1] + alpha

    def _update(self, forecasts: np.ndarray, actual: float) -> None:
        if np.isfinite(forecasts).any():
            self.weights = hedge_step(self.weights, forecasts, actual, self.config.learning_rate,
                                      self.config.share)
            self.updates += 1

    def member_forecasts(self, network: float) -> np.ndarray:
        out = np.full(len(self.members), math.nan)
        for i, (_, kind, param) in enumerate(self.members):
            if kind == "network":
                out[i] = network if math.isfinite(network) and network >= 0 else math.nan
            elif kind == "ma" and self.ring:
                recent = self.ring[-param:]
                out[i] = sum(recent) / len(recent)
            elif kind == "ewma" and self.ewma[param][1] > 0:
                s = self.ewma[param]
                out[i] = s[0] / s[1]
        return out

    def forecast(self, t: float, network: float = math.nan) -> tuple[float, bool, np.ndarray]:
        f = self.member_forecasts(network)
        value, ready = combine(self.weights, f)
        c = self.config
        if ready and (self.last_snapshot_s is None
                      or (t > self.last_snapshot_s and t - self.last_snapshot_s >= c.spacing_s)):
            if len(self.pending) == c.snapshots_per_horizon + 2:
                self.pending.pop(0)
                self.expired += 1
            # A snapshot keeps the members' forecasts as float32, as pba's ForecastAggregator does.
            self.pending.append({"made_at_s": t, "target_s": t + c.horizon_s,
                                 "forecasts": f.astype(np.float32).astype(float), "count": 0, "sum": 0.0})
            self.last_snapshot_s = t
        return value, ready, f


# ---- the same rule over whole traces, members precomputed ----

def segments(t: np.ndarray, sample_interval_s: float) -> np.ndarray:
    """Segment id per sample: a new segment starts after a gap the predictor restarts on."""
    gap = np.diff(t) > GAP_SAMPLE_INTERVALS * sample_interval_s
    return np.concatenate([[0], np.cumsum(gap)])


def smoother_forecasts(y: np.ndarray, seg: np.ndarray, kind: str, param) -> np.ndarray:
    """A smoother's forecast after each sample (NaN before its first sample of the segment),
    over the finite samples, restarting at each segment. A moving average is computed from
    cumulative sums (equal to the ring's sum up to rounding)."""
    out = np.full(len(y), math.nan)
    ok = np.isfinite(y) & (y >= 0)
    for sid in np.unique(seg):
        idx = np.flatnonzero(seg == sid)
        vals_at = idx[ok[idx]]
        if len(vals_at) == 0:
            continue
        v = y[vals_at]
        if kind == "ma":
            cs = np.concatenate([[0.0], np.cumsum(v)])
            top = np.arange(1, len(v) + 1)
            low = np.maximum(top - param, 0)
            smooth = (cs[top] - cs[low]) / (top - low)
        else:
            smooth = np.empty(len(v))
            s0 = s1 = 0.0
            for k, x in enumerate(v.tolist()):
                s0 = (1.0 - param) * s0 + param * x
                s1 = (1.0 - param) * s1 + param
                smooth[k] = s0 / s1
        # after a missing sample a smoother still answers with its latest value
        last = np.searchsorted(vals_at, idx, side="right") - 1
        has = last >= 0
        out[idx[has]] = smooth[last[has]]
    return out


def actuals(t: np.ndarray, y: np.ndarray, horizon_s: float, horizon_steps: int,
            target: str, tolerance_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The measured target of a forecast made after each sample, and the index of the sample
    that settles it (-1: never). As matching.hpp and the replay score them."""
    n = len(t)
    ok = np.isfinite(y) & (y >= 0)
    settle = np.searchsorted(t, t + horizon_s - tolerance_s, side="left")
    settle = np.maximum(settle, np.arange(n) + 1)
    out = np.full(n, math.nan)
    has = settle < n
    idx = np.where(has, settle, n - 1)
    in_time = has & (t[idx] <= t + horizon_s + tolerance_s)
    if target == "value_at":
        sel = in_time & ok[idx]
        out[sel] = y[idx[sel]]
        return out, np.where(has, settle, -1)
    cs = np.concatenate([[0.0], np.cumsum(np.where(ok, y, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    end = np.where(in_time, idx + 1, idx)
    start = np.arange(n) + 1
    count = cn[end] - cn[start]
    total = cs[end] - cs[start]
    good = has & (count >= (horizon_steps + 1) // 2) & (count > 0)
    out[good] = total[good] / count[good]
    return out, np.where(has, settle, -1)


def snapshot_times(t: np.ndarray, seg: np.ndarray, ready: np.ndarray, config: Config) -> np.ndarray:
    """Indices of the samples after which a snapshot is taken."""
    taken = []
    last = None
    prev = None
    for i in range(len(t)):
        if seg[i] != prev:
            prev, last = seg[i], None
        if ready[i] and (last is None or (t[i] > last and t[i] - last >= config.spacing_s)):
            taken.append(i)
            last = t[i]
    return np.array(taken, dtype=np.int64)


@dataclass
class Plan:
    """Which snapshots a trace settles and when; it depends on the snapshot spacing and on
    when members are awake, not on the learning rate or share."""
    events: list          # (index of the settling sample, index of the snapshot's sample)
    target: np.ndarray    # the measured target of a forecast after each sample (NaN: none)
    expired: int


def plan(t: np.ndarray, y: np.ndarray, members: np.ndarray, config: Config) -> Plan:
    n = len(t)
    seg = segments(t, config.sample_interval_s)
    snaps = snapshot_times(t, seg, np.isfinite(members).any(axis=1), config)
    target, settle = actuals(t, y, config.horizon_s, config.horizon_steps, config.target,
                             config.tolerance_s)
    # The pending list holds at most snapshots_per_horizon + 2; the oldest is dropped (expired).
    cap = config.snapshots_per_horizon + 2
    events = []
    expired = 0
    for j, i in enumerate(snaps):
        s = settle[i]
        if s < 0 or seg[s] != seg[i]:
            continue  # the trace ended or a restart dropped it first: neither scored nor expired
        if j + cap < len(snaps) and snaps[j + cap] < s:
            expired += 1  # pushed out of the full pending list
        elif np.isfinite(target[i]):
            events.append((int(s), int(i)))
        else:
            expired += 1
    return Plan(events, target, expired)


@dataclass
class TraceReplay:
    served: np.ndarray   # [n] the combined forecast after each sample (NaN: none awake)
    weights: np.ndarray  # [n, K] the weights in force for that forecast
    updates: int
    expired: int


def run(p: Plan, members: np.ndarray, config: Config) -> TraceReplay:
    served, history, applied = run_many(p, members, np.array([config.learning_rate]),
                                        np.array([config.share]), prior(config))
    return TraceReplay(served[0], history[applied, 0], len(p.events), p.expired)


def run_many(p: Plan, members: np.ndarray, etas: np.ndarray, shares: np.ndarray,
             weights0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """run() for G (eta, share) pairs at once, from weights0 [K] or [G, K]. Returns served [G, n], the weights after each
    update [E + 1, G, K] (row 0: the prior) and, per sample, how many updates its forecast saw."""
    n, k = members.shape
    g = len(etas)
    eta = etas[:, None]
    share = shares[:, None]
    w = np.tile(weights0, (g, 1)) if weights0.ndim == 1 else weights0.copy()
    history = np.empty((len(p.events) + 1, g, k))
    history[0] = w
    awake = np.isfinite(members)
    for e, (_, i) in enumerate(p.events):
        a = awake[i]
        f = members[i, a].astype(np.float32).astype(float)  # as a snapshot keeps them
        y = p.target[i]
        scale = max(y, float(f.max()))
        loss = np.abs(f - y) / scale if scale > 0 else np.zeros_like(f)
        wa = w[:, a]
        mass = wa.sum(axis=1, keepdims=True)
        v = wa * np.exp(-eta * (loss - loss.min()))
        v *= mass / v.sum(axis=1, keepdims=True)
        w[:, a] = (1.0 - share) * v + share * mass / a.sum()
        w /= w.sum(axis=1, keepdims=True)
        history[e + 1] = w
    settled_at = np.array([s for s, _ in p.events], dtype=np.int64)
    applied = np.searchsorted(settled_at, np.arange(n), side="right")
    served = np.full((g, n), math.nan)
    values = np.where(awake, members, 0.0)
    for c in range(0, n, 4096):
        wc = history[applied[c:c + 4096]]  # [c, G, K]
        num = np.einsum("cgk,ck->gc", wc, values[c:c + 4096])
        den = np.einsum("cgk,ck->gc", wc, awake[c:c + 4096].astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            served[:, c:c + 4096] = np.where(den > 0, num / np.where(den > 0, den, 1.0), math.nan)
    return served, history, applied


def replay(t: np.ndarray, y: np.ndarray, members: np.ndarray, config: Config) -> TraceReplay:
    """The aggregator over one trace. members [n, K]: each member's forecast after each
    sample (NaN: asleep), the smoothers' from smoother_forecasts on the same segments."""
    return run(plan(t, y, members, config), members, config)
