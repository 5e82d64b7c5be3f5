"""Unit tests of the training pipeline's contracts (pytest tools/train): the predictor's
fill and normalisation rules, the split, the baselines and the policy reward. They need
no trace data and no training."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pba_train import aggregation, forecast, pipeline, policy, traces  # noqa: E402

nan = np.nan


def test_fill_forward_then_back_then_missing():
    raw = np.array([[nan, 2.0, nan, 5.0, nan],
                    [nan, nan, nan, nan, nan]])
    filled = pipeline.fill_window(raw, missing=7.0)
    assert filled.tolist() == [[2.0, 2.0, 2.0, 5.0, 5.0], [7.0] * 5]


def test_log_ratio_uses_filled_window_mean_and_inverts():
    norm = pipeline.Norm("log_ratio", c=0.1)
    feats = [pipeline.Feature("bandwidth_mbps", norm, 0.0)]
    window = np.array([[10.0, nan, 30.0]])  # filled: 10, 10, 30 -> m = 50/3
    x, means = pipeline.model_input({"bandwidth_mbps": window}, feats)
    m = 50.0 / 3.0
    assert means[0, 0] == pytest.approx(m)
    assert x[0, :, 0] == pytest.approx(np.log((np.array([10, 10, 30]) + 0.1) / (m + 0.1)),
                                       rel=1e-6)
    out = pipeline.model_output(np.array([[np.log(2.0)]]), [pipeline.Output(
        "bandwidth_mbps", norm, ref_feature=0)], means)
    assert out[0, 0] == pytest.approx(2 * (m + 0.1) - 0.1)


def test_denormalise_clamps_at_zero():
    assert pipeline.denormalise(np.array([-5.0]), pipeline.Norm("standard", 1.0, 1.0))[0] == 0


def test_absent_feature_takes_missing_value():
    feats = [pipeline.Feature("latency_ms", pipeline.Norm("divide", a=100.0), 50.0)]
    x, _ = pipeline.model_input({"bandwidth_mbps": np.ones((1, 4))}, feats)
    assert x[0, :, 0].tolist() == [0.5] * 4


def test_routes_never_straddle_the_split_and_both_sets_are_held_out():
    names = {"nyu_mets": ["iperf_Subway_Q_Train_Q_Train1", "multivariate_TT7",
                          "iperf_Subway_7Train_7Train1", "iperf_Car_Car_2"],
             "norway3g": ["train.oslo-vestby.2011-02-11_1618CET",
                          "train.vestby-oslo.2011-02-14_1728CET",
                          "tram.jernbanetorget-ljabru.2010-12-09_1222CET",
                          "tram.ljabru-jernbanetorget.2010-12-09_1334CET"]}
    routes = {ds: [traces.route_of(ds, n) for n in ns] for ds, ns in names.items()}
    assert routes["nyu_mets"][1] == routes["nyu_mets"][2] == "subway_7"
    assert routes["norway3g"][0] == routes["norway3g"][1]
    assert routes["norway3g"][2] == routes["norway3g"][3] == "tram"
    for ds in names:
        assert set(traces.HELD_OUT_ROUTES[ds]) & set(routes[ds])


def test_baselines_and_targets():
    x = np.arange(20, dtype=float)
    t = np.array([9])
    b = forecast.baselines(x, t)
    assert b["persistence"][0] == 9 and b["mean10"][0] == 4.5
    assert forecast.target(x, t, forecast.Horizon("value_at", 3))[0] == 12
    assert forecast.target(x, t, forecast.Horizon("mean_over", 3))[0] == 11


def test_tuned_baselines_pick_the_smoother_that_fits_the_horizon():
    # 0, 10, 0, 10, ...: the mean of the next two samples is always 5, which a moving average
    # over an even number of samples hits exactly (2 is the first) and persistence never does.
    x = np.tile([0.0, 10.0], 100)
    h = forecast.Horizon("mean_over", 2)
    tuned = forecast.tune_baselines([x], 20, h)
    assert (tuned.ma_samples, tuned.window) == (2, 20)
    t = forecast.points(len(x), 20, h)
    b = forecast.baselines(x, t, tuned)
    assert np.all(b["ma_tuned"] == 5.0)
    assert set(np.unique(b["persistence"])) == {0.0, 10.0}

    # The EWMA weight is the candidate with the lowest MAE, each recomputed here sample by
    # sample over the 20-sample window, started at its oldest sample.
    def ewma_mae(alpha):
        errors = []
        for end in t:
            e = x[end - 19]
            for v in x[end - 18:end + 1]:
                e = alpha * v + (1 - alpha) * e
            errors.append(abs(e - 5.0))
        return np.mean(errors)
    maes = {a: ewma_mae(a) for a in forecast.EWMA_ALPHAS}
    assert maes[tuned.ewma_alpha] == pytest.approx(min(maes.values()))
    assert np.mean(np.abs(b["ewma_tuned"] - 5.0)) == pytest.approx(maes[tuned.ewma_alpha])


@pytest.mark.parametrize("state, alloc, expected", [
    ([10, 100, 0.01, 0.96], 50, 1.1), ([10, 100, 0.01, 0.96], 40, 1.0),
    ([10, 100, 0.01, 0.96], 80, 0.7), ([10, 100, 0.01, 0.96], 10, 0.4),
    ([0.5, 100, 0.001, 0.99], 70, 1.05), ([0.5, 100, 0.001, 0.99], 80, 0.95),
    ([0.5, 100, 0.001, 0.99], 100, 0.55),
])
def test_policy_reward_matches_the_design(state, alloc, expected):
    assert policy.reward(np.array([state], float), np.array([alloc]))[0] == \
        pytest.approx(expected)


def test_aggregation_hedge_step_by_hand():
    # Equal weights; the network says 13, the 8 smoothers 10, the target is 10: losses 3/13
    # and 0, eta 2, share 0.01 -> w = 0.99 v / sum(v) + 0.01 / 9.
    w = aggregation.hedge_step(np.full(9, 1 / 9), np.array([13.0] + [10.0] * 8), 10.0, 2.0, 0.01)
    e = np.exp(-6 / 13)
    assert w[0] == pytest.approx(0.99 * e / (8 + e) + 0.01 / 9, rel=1e-12)
    assert w[1:] == pytest.approx(np.full(8, 0.99 / (8 + e) + 0.01 / 9), rel=1e-12)
    # an asleep member keeps its weight; the awake ones keep their total
    w2 = aggregation.hedge_step(np.full(9, 1 / 9), np.array([nan, 20.0] + [10.0] * 7), 10.0, 2.0, 0.01)
    assert w2[0] == pytest.approx(1 / 9, rel=1e-14)
    assert w2.sum() == pytest.approx(1.0, rel=1e-14)


def test_aggregation_prior_by_hand():
    # H = 60 s, 1 s samples: centre ln 7; ma10 (mean age 4.5 s) is the closest, persistence (0)
    p = aggregation.prior(aggregation.Config(60.0, "mean_over", 60, 1.0, prior_age_ratio=0.1,
                                             prior_width=1.0))
    zp, zc = np.log(1 / 7), np.log(5.5 / 7)
    assert p[1] / p[0] == pytest.approx(np.exp(-0.5 * (zp ** 2 - zc ** 2)), rel=1e-12)
    assert p[2] == p[0] == p.max()
    assert p.sum() == pytest.approx(1.0)


def test_aggregation_replay_equals_the_step_by_step_rule():
    rng = np.random.default_rng(3)
    n = 1500
    t = np.arange(n, dtype=float)
    t[800:] += 30.0  # a gap: both restart the smoothers and drop the pending snapshots
    y = 10 * np.exp(np.cumsum(rng.normal(0, 0.05, n)))
    y[rng.random(n) < 0.03] = nan
    net = np.where(np.arange(n) < 200, nan, y * 1.1)
    for target in ("mean_over", "value_at"):
        config = aggregation.Config(30.0, target, 30, 1.0)
        step = aggregation.Aggregator(config)
        seg = aggregation.segments(t, 1.0)
        served = []
        for i in range(n):
            if i > 0 and seg[i] != seg[i - 1]:
                step.restart()
            step.observe(t[i], y[i])
            served.append(step.forecast(t[i], net[i])[0])
        members = np.stack([net] + [aggregation.smoother_forecasts(y, seg, kind, p)
                                    for _, kind, p in aggregation.MEMBERS[1:]], axis=1)
        fast = aggregation.replay(t, y, members, config)
        assert fast.updates == step.updates > 50
        assert fast.expired == step.expired
        np.testing.assert_allclose(fast.served, served, rtol=1e-10)
        np.testing.assert_allclose(fast.weights[-1], step.weights, rtol=1e-10)
