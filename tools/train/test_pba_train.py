"""Unit tests of the training pipeline's contracts (pytest tools/train): the predictor's
fill and normalisation rules, the split, the baselines and the policy reward. They need
no trace data and no training."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pba_train import aggregation, forecast, internet, lodo, pipeline, policy, traces  # noqa: E402

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


def test_fcc_pieces_of_one_measurement_are_one_route_and_never_held_out():
    a = traces.route_of("fcc_broadband", "fcc_939562_www-google_part3")
    b = traces.route_of("fcc_broadband", "fcc_939562_www-google-com-mobile_part0")
    assert a == b == "fcc_939562"
    tr = traces.Trace("fcc_broadband", "x", a, np.zeros(3), np.zeros(3), interval_s=5.0)
    assert not tr.held_out


def test_aggregate_takes_block_means_and_drops_the_partial_block():
    tr = traces.Trace("fcc_broadband", "x", "fcc_1", np.arange(7) * 5.0,
                      np.array([1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0]), interval_s=5.0)
    agg = traces.aggregate(tr, 10.0)
    assert agg.mbps.tolist() == [2.0, 6.0, 10.0]
    assert agg.t_s.tolist() == [0.0, 10.0, 20.0] and agg.interval_s == 10.0
    with pytest.raises(ValueError, match="cannot aggregate"):
        traces.aggregate(tr, 12.0)
    assert not lodo.applies("fcc_broadband", 1.0) and lodo.applies("fcc_broadband", 60.0)


def test_hold_repeats_each_sample_over_its_span():
    tr = traces.Trace("fcc_broadband", "x", "fcc_1", np.array([0.0, 5.0]), np.array([2.0, 4.0]),
                      interval_s=5.0)
    held = traces.hold(tr, 1.0)
    assert held.mbps.tolist() == [2.0] * 5 + [4.0] * 5
    assert held.t_s.tolist() == list(range(10)) and held.interval_s == 1.0
    with pytest.raises(ValueError, match="cannot hold"):
        traces.hold(tr, 2.0)


@pytest.mark.parametrize("s", [0.5, 2.0])
def test_time_stretched_samples_are_mean_throughput_over_their_span(s):
    # Sample k of a replay from u covers [u + k/s, u + (k+1)/s) of the original trace, which
    # holds each value for one sample; the reference averages it on a 1/1000-sample grid.
    x = np.random.default_rng(3).uniform(0.0, 10.0, 100)
    fine = np.repeat(x, 1000)
    start = np.array([0.0, 3.25, 40.5])
    got = internet.replayed(x, start, np.full(3, s), 8)
    for row, u in zip(got, start):
        ref = [fine[round((u + k / s) * 1000):round((u + (k + 1) / s) * 1000)].mean()
               for k in range(8)]
        assert row == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_time_stretched_examples_stay_in_one_trace_and_weigh_datasets_equally():
    # Each trace is constant at its own level, so a window (and its target) that mixed two
    # traces or ran past an end would show another value.
    trs = [traces.Trace("nyu_mets", "a", "car", np.arange(3000.0), np.full(3000, 1.0)),
           traces.Trace("nyu_mets", "b", "ferry", np.arange(500.0), np.full(500, 2.0)),
           traces.Trace("norway3g", "c", "tram", np.arange(200.0), np.full(200, 7.0))]
    recipe = internet.Recipe(window=60, horizon=forecast.Horizon("mean_over", 20),
                             stretch=(0.5, 2.0))
    wins, targets = internet.stretched_examples(trs, 4000, recipe, np.random.default_rng(7))
    levels = np.round(wins[:, 0])
    assert np.allclose(wins, levels[:, None]) and np.allclose(targets, levels)
    share = {v: np.mean(levels == v) for v in (1.0, 2.0, 7.0)}
    assert share[7.0] == pytest.approx(0.5, abs=0.03)       # one dataset, half the examples
    assert share[2.0] < share[1.0] / 4                      # by room left in each trace


def test_spliced_windows_take_tail_and_target_from_the_other():
    wins = np.stack([np.full(8, 1.0), np.full(8, 5.0)])
    targets = np.array([1.5, 5.5])
    n = 400
    out, tgt = internet.spliced(wins, targets, np.zeros(n, int), np.ones(n, int), 0.5,
                                np.random.default_rng(1))
    mixed = out[:, -1] == 5.0
    assert 0.4 < mixed.mean() < 0.6
    assert np.all(out[~mixed] == 1.0) and np.all(tgt[~mixed] == 1.5)
    assert np.all(tgt[mixed] == 5.5) and np.all(out[mixed, 0] == 1.0)
    for row in out[mixed]:  # one cut: 1.0 up to it, 5.0 from it on
        cut = np.argmax(row == 5.0)
        assert 1 <= cut <= 7 and np.all(row[cut:] == 5.0) and np.all(row[:cut] == 1.0)


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
