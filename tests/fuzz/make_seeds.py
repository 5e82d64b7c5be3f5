#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/).

Seeds are small valid inputs covering each feature of the input format, so mutations start
from inputs that reach deep into the parsers. Deterministic: rerunning rewrites the same
bytes. Run with /usr/bin/python3 from the repository root:

    /usr/bin/python3 tests/fuzz/make_seeds.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import pba_format as pf  # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"
rng = np.random.RandomState(8)


def tensor(name: str, *shape: int, low: float = -0.5, high: float = 0.5) -> pf.Tensor:
    return pf.Tensor(name, rng.uniform(low, high, size=shape).astype(np.float32))


def build(layers, tensors, metadata, selftest_input=None) -> bytes:
    model = pf.Model(layers, tensors, metadata)
    if selftest_input is not None:
        x = np.asarray(selftest_input, np.float32).reshape(model.input_shape)
        model = pf.with_selftest(model, x, pf.forward_numpy(model, x))
    return model.to_bytes()


def model_seeds() -> dict[str, bytes]:
    seeds = {}

    # No time axis; every metadata value type.
    t = [tensor("d0.w", 4, 6), tensor("d0.b", 4), tensor("d1.w", 2, 4), tensor("d1.b", 2)]
    seeds["dense_relu_metadata_types.pba"] = build(
        [pf.Layer(pf.LayerType.DENSE, pf.Activation.RELU, 6, 4, tensors=[0, 1]),
         pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, 4, 2, tensors=[2, 3])],
        t,
        {"input.shape": [6], "model.name": "seed", "train.seed": 8, "metrics.val_mae_mbps": 1.5,
         "train.epochs_list": [1, 2, 3], "input.norm_a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
         "train.notes": ["a", "", "utf-8 \u00e9"]})

    # What a predictor reads: features, normalisation of every kind, outputs, horizon; with a
    # self-test vector.
    t = [tensor("l0.w_ih", 16, 4), tensor("l0.w_hh", 16, 4), tensor("l0.b_ih", 16), tensor("l0.b_hh", 16),
         tensor("d1.w", 2, 4), tensor("d1.b", 2)]
    seeds["lstm_predictor_selftest.pba"] = build(
        [pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, 4, 4, tensors=[0, 1, 2, 3]),
         pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, 4, 2, tensors=[4, 5])],
        t,
        {"input.shape": [5, 4], "model.name": "seed", "model.version": "seed-1", "model.mode": "internet",
         "input.features": ["bandwidth_mbps", "latency_ms", "packet_loss", "hour_of_day"],
         "input.norm": ["log", "standard", "minmax", "divide"],
         "input.norm_a": [0.0, 50.0, 0.0, 24.0], "input.norm_b": [1.0, 20.0, 0.05, 0.0],
         "input.norm_c": [1.0, 0.0, 0.0, 0.0], "input.missing": [100.0, 50.0, 0.0, 0.0],
         "input.sample_interval_s": 1.0,
         "output.targets": ["bandwidth_mbps", "latency_ms"], "output.norm": ["log", "standard"],
         "output.norm_a": [0.0, 50.0], "output.norm_b": [1.0, 20.0], "output.norm_c": [1.0, 0.0],
         "forecast.horizon_s": 5.0, "forecast.horizon_steps": 5, "forecast.target": "mean_over"},
        selftest_input=rng.uniform(0, 1, size=(5, 4)))

    # Sequence in, sequence through a second LSTM, BatchNorm, activations; self-test.
    t = [tensor("l0.w_ih", 12, 2), tensor("l0.w_hh", 12, 3), tensor("l0.b_ih", 12), tensor("l0.b_hh", 12),
         tensor("l1.w_ih", 12, 3), tensor("l1.w_hh", 12, 3), tensor("l1.b_ih", 12), tensor("l1.b_hh", 12),
         tensor("bn.gamma", 3), tensor("bn.beta", 3), tensor("bn.mean", 3),
         tensor("bn.var", 3, low=0.5, high=1.5), tensor("d.w", 1, 3), tensor("d.b", 1)]
    seeds["stacked_lstm_batchnorm_selftest.pba"] = build(
        [pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, 2, 3, return_sequences=True, tensors=[0, 1, 2, 3]),
         pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, 3, 3, tensors=[4, 5, 6, 7]),
         pf.Layer(pf.LayerType.BATCH_NORM, pf.Activation.LINEAR, 3, 3, epsilon=1e-5, tensors=[8, 9, 10, 11]),
         pf.Layer(pf.LayerType.ACTIVATION, pf.Activation.TANH, 3, 3),
         pf.Layer(pf.LayerType.DENSE, pf.Activation.SIGMOID, 3, 1, tensors=[12, 13])],
        t, {"input.shape": [3, 2], "model.version": "stacked"},
        selftest_input=rng.uniform(-1, 1, size=(3, 2)))

    # An LSTM returning its whole sequence as the output.
    t = [tensor("l0.w_ih", 8, 1), tensor("l0.w_hh", 8, 2), tensor("l0.b_ih", 8), tensor("l0.b_hh", 8)]
    seeds["lstm_sequence_output.pba"] = build(
        [pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, 1, 2, return_sequences=True, tensors=[0, 1, 2, 3])],
        t, {"input.shape": [4, 1]})

    for name in ("dense_only.pba", "seq_out.pba"):
        seeds["reference_" + name] = (ROOT / "tests" / "data" / "reference" / name).read_bytes()
    return seeds


# Programs for fuzz_capi_sequence, spelt in its encoding (capi_sequence_fuzz.cpp): one byte
# picks the operation (value % 13), the next bytes its choices, in the order the C++ reads them.
LOAD, QUERY, FREE_MODEL, SLOT, CREATE, PREDICTOR, LINKS, PROMETHEUS, AMST, POLICY, FREE_LINK = \
    0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12


def load_builtin(index: int) -> list[int]:
    # from memory, a builtin model as is, default options
    return [LOAD, 0, 0, index, 0]


def create_with_model() -> list[int]:
    # a config (not NULL) of kind "model", the first model, no edits, a start time
    return [CREATE, 1, 0, 1, 0, 0, 0, 0, 0, 0]


def create_mode_aware() -> list[int]:
    # kind "datacenter + internet": model 0 as datacenter, model 1 as internet, no edits
    return [CREATE, 1, 2, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def observe(bandwidth: int, latency: int) -> list[int]:
    # link 0, not NULL, "observe", the next second, right struct_size, bw+lat+loss+jitter
    # present with plausible values, a result struct of the right size
    return [PREDICTOR, 0, 1, 0, 4, 0, 0x0F, 200, bandwidth, 200, latency, 200, 64, 200, 64, 1, 200, 0]


def predict() -> list[int]:
    return [PREDICTOR, 0, 1, 4, 0, 1]


def reload_corrupt() -> list[int]:
    # link 0: reload from memory, main role, builtin 0 with one byte flipped, CRC left wrong
    return [PREDICTOR, 0, 1, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0]


def stats_and_text() -> list[int]:
    return [PREDICTOR, 0, 1, 8, 0, PROMETHEUS, 1, 0, 1, 3, 0, 0, 0, ord("a"), ord('"'), ord("\\"), 1, 0]


def capi_seeds() -> dict[str, bytes]:
    warm = sum((observe(100 + 3 * i, 20 + i) for i in range(12)), [])
    programs = {
        "single_model_predict.bin": load_builtin(0) + create_with_model() + warm + predict() + stats_and_text(),
        "mode_aware_predict.bin": load_builtin(1) + load_builtin(2) + create_mode_aware() + warm + predict(),
        "reload_corrupt.bin": load_builtin(0) + create_with_model() + warm + reload_corrupt() + predict(),
        "fallback_only.bin": [CREATE, 1, 3, 0, 0, 0, 0, 0] + warm[:5 * len(observe(0, 0))] + predict(),
        # AMST settings with default params for (10039 Mbps, 94 ms, 0.0098, 10 ms); then a policy
        # from the builtin Q-network, and a greedy decision for one state.
        "amst_policy.bin": [AMST, 0, 0, 100, 0, 0, 0, 128, 0, 40, 0, 25, 0, 51] + load_builtin(4)
                           + [POLICY, 0, 1, 0]
                           + [POLICY, 1, 0, 2, 0, 0, 50, 0, 50, 0, 50, 0, 200, 0, 0, 0] + [0] * 8,
    }
    return {name: bytes(b % 256 for b in program) for name, program in programs.items()}


def trace_seeds() -> dict[str, bytes]:
    """Traces in every form the reader accepts (trace.hpp), and every kind of bad sample."""
    rows = "\n".join(f"{t},{100 + 7 * (t % 5)},{20 + t % 3},{0.001 * (t % 4)},{1 + 0.5 * (t % 2)}" for t in range(14))
    bad = "\n".join([
        "0,100,20,0,1", "1,,20,,1", "2,nan,NaN,0,1", "3,inf,-inf,0,1", "4,-5,-1,1.5,-2",
        "4,100,20,0,1",            # repeated
        "3.5,100,20,0,1",          # backwards
        "1e12,100,20,0,1",         # beyond the timestamp range
        ",100,20,0,1",             # no timestamp
        "5,1e308,1e-320,0,0",
        "100000,100,20,0,1",       # a huge gap
        "100001,0,0,0,0", "100002,0,0,0,0"])
    return {
        "basic.csv": ("t_s,throughput_mbps,rtt_ms,loss,jitter_ms\n" + rows + "\n").encode(),
        "bom_crlf_quoted_reordered.csv": ("\ufeff# a comment\r\n\r\n"
                                          "\"jitter_ms\", loss ,extra,rtt_ms,throughput_mbps,t_s\r\n"
                                          "1.5, 0.01 ,x,20,\"250.5\",1700000000\r\n"
                                          "# between rows\r\n"
                                          "2,0,y,21, 260 ,1700000001\r\n").encode("utf-8"),
        "bad_samples.csv": ("t_s,throughput_mbps,rtt_ms,loss,jitter_ms\n" + bad + "\n").encode(),
        "minimal_cr.csv": "t_s,throughput_mbps\r0,0\r1,0\r2,0\r3,0\r4,0\r".encode(),
        "constant.csv": ("t_s,throughput_mbps,rtt_ms\n"
                         + "".join(f"{t},500,40\n" for t in range(12))).encode(),
        # The transport collector's column names, ISO 8601 times in each accepted form.
        "collector_aliases_iso.csv": ("timestamp,bandwidth_mbps,latency_ms,packet_loss,jitter_ms,streams\n"
                                      "2026-12-05T08:00:00Z,12.5,40,0.01,2,4\n"
                                      "2026-12-05T09:00:01+01:00,13,41,0,2.5,4\n"
                                      "2026-12-05 08:00:02.250z,11,,0.02,3,4\n"
                                      "2026-12-05T03:00:03-0500,14,39,0,2,4\n"
                                      "2026-12-05T08:00:04.5+00,12,40,0.005,1,4\n"
                                      "1796457605,12,40,0,1,4\n").encode(),
    }


def write(target: str, seeds: dict[str, bytes]) -> None:
    # Overwrites its own seeds only: the other files there (regression-*) are inputs that once
    # failed a target, kept so they are replayed in every build.
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(seeds.items()):
        (directory / name).write_bytes(data)
    print(f"{directory.relative_to(ROOT)}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


def main() -> None:
    write("model_load", model_seeds())
    write("capi_sequence", capi_seeds())
    write("trace_parse", trace_seeds())


if __name__ == "__main__":
    main()
