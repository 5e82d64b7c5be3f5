#!/usr/bin/env python3
"""Writes the small models the Go tests use, and reference outputs of the LSTM model computed
by tools/pba_format.py's float64 numpy forward pass (independent of pba's C++ kernels).

    /usr/bin/python3 capi/go/testdata/make_testdata.py

The outputs are committed; rerun only to change them.
"""
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tools"))
import pba_format as pf  # noqa: E402


def dense_model(weight, bias, metadata):
    weight = np.asarray(weight, np.float32)
    tensors = [pf.Tensor("dense.weight", weight), pf.Tensor("dense.bias", np.asarray(bias, np.float32))]
    layer = pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, weight.shape[1], weight.shape[0], tensors=[0, 1])
    return pf.Model([layer], tensors, metadata)


def linear(w, b, version):
    """Forecasts bandwidth w * bw + 1000 b from the newest sample (bw / 1000 in, x 1000 out)."""
    return dense_model([[w]], [b], {
        "input.shape": [1], "model.name": "linear", "model.version": version, "model.mode": "internet",
        "input.features": ["bandwidth_mbps"], "input.norm": ["divide"], "input.norm_a": [1000.0],
        "output.targets": ["bandwidth_mbps"], "output.norm": ["divide"], "output.norm_a": [1000.0],
        "input.sample_interval_s": 1.0, "forecast.horizon_steps": 1})


def lstm_v1(rng):
    """The transport's v1 layout: a [10, 6] window to 4 outputs, random weights."""
    hidden, features = 16, 6
    def u(*shape):
        return rng.uniform(-0.4, 0.4, shape).astype(np.float32)
    tensors = [pf.Tensor("lstm.weight_ih", u(4 * hidden, features)), pf.Tensor("lstm.weight_hh", u(4 * hidden, hidden)),
               pf.Tensor("lstm.bias_ih", u(4 * hidden)), pf.Tensor("lstm.bias_hh", u(4 * hidden)),
               pf.Tensor("dense.weight", u(4, hidden)), pf.Tensor("dense.bias", u(4))]
    layers = [pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, features, hidden, tensors=[0, 1, 2, 3]),
              pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, hidden, 4, tensors=[4, 5])]
    metadata = {
        "input.shape": [10, features], "model.name": "v1-test", "model.version": "test-v1", "model.mode": "internet",
        "input.features": ["bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms", "hour_of_day", "day_of_week"],
        "input.norm": ["divide"] * 6, "input.norm_a": [1000.0, 100.0, 1.0, 50.0, 24.0, 7.0],
        "output.targets": ["bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"],
        "output.norm": ["divide"] * 4, "output.norm_a": [1000.0, 100.0, 1.0, 50.0],
        "input.sample_interval_s": 1.0, "forecast.horizon_steps": 1}
    model = pf.Model(layers, tensors, metadata)
    x = rng.uniform(0.0, 1.0, (10, features)).astype(np.float32)
    return pf.with_selftest(model, x, pf.forward_numpy(model, x))


def main():
    rng = np.random.default_rng(20261126)
    (HERE / "linear_2x_plus_1000.pba").write_bytes(linear(2.0, 1.0, "lin-1").to_bytes())
    (HERE / "linear_3x.pba").write_bytes(linear(3.0, 0.0, "lin-2").to_bytes())
    v1 = lstm_v1(rng)
    (HERE / "lstm_v1.pba").write_bytes(v1.to_bytes())
    windows = rng.uniform(0.0, 1.0, (5, 10, 6)).astype(np.float32)
    reference = {"inputs": windows.reshape(5, -1).astype(float).tolist(),
                 "outputs": pf.forward_numpy(v1, windows).tolist()}
    (HERE / "lstm_v1_reference.json").write_text(json.dumps(reference) + "\n")
    q = [0.1, 0.2, 0.3, 0.0, 0.5, 0.4, 0.9, 0.2, 0.1, 0.0]
    (HERE / "policy_q_bias.pba").write_bytes(
        dense_model(np.zeros((10, 4)), q, {"input.shape": [4], "model.name": "policy-test",
                                           "model.mode": "policy"}).to_bytes())


if __name__ == "__main__":
    main()
