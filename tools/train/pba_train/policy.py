"""The `policy` default: the DDQN bandwidth-allocation policy.

State [latency_ms, bandwidth_mbps, packet_loss, reliability]; action a in 0..9 allocates
(a + 1) x 10 % of the link. The reward is the transport's allocation reward (`reward`).

Simulator: a link's state drifts (AR(1) in log space for latency, bandwidth and loss,
on the raw scale for reliability) and, with probability 0.1 per step, jumps to a fresh
draw from the marginal (log-uniform latency 0.2-200 ms, bandwidth 1-10,000 Mbps, loss
1e-4-0.1; reliability uniform 0.9-1.0), wide enough that every reward threshold is
crossed often. Allocation does not change the link, so the greedy policy is optimal for
any discount; gamma = 0.5 keeps the bootstrapped targets low-variance.

Double DQN: online and target Q-networks, the online one choosing the next action and
the target one valuing it; uniform replay; epsilon-greedy exploration; Huber loss.
"""
from __future__ import annotations

import copy
import time

import numpy as np
import torch

from . import nets, pipeline, training

NAME = "policy"
SEED = 20261129
N_ACTIONS = 10
GAMMA = 0.5
ENVS = 32                  # links simulated in parallel
STEPS = 3000               # simulator steps (x ENVS transitions)
UPDATES_PER_STEP = 4
BATCH = 256
REPLAY = 100_000
TARGET_SYNC = 500          # gradient updates between target-network copies
EPS_START, EPS_END, EPS_DECAY_STEPS = 1.0, 0.02, 2000
LR = 1e-3
EVAL_STATES = 10_000
EVAL_SEED = 77_777         # never used in training

FEATURES = [
    pipeline.Feature("latency_ms", pipeline.Norm("log", a=2.0, b=2.0, c=0.01), missing=20.0),
    pipeline.Feature("bandwidth_mbps", pipeline.Norm("log", a=4.6, b=2.7, c=1.0),
                     missing=100.0),
    pipeline.Feature("packet_loss", pipeline.Norm("log", a=-5.8, b=2.0, c=1e-5),
                     missing=0.001),
    pipeline.Feature("reliability", pipeline.Norm("minmax", a=0.9, b=1.0), missing=0.99),
]
ARCHITECTURE = [nets.Dense(128, "relu"), nets.BatchNorm(), nets.Dense(64, "relu"),
                nets.BatchNorm(), nets.Dense(32, "relu"), nets.BatchNorm(),
                nets.Dense(N_ACTIONS)]

_LOG_RANGES = {"latency": (np.log(0.2), np.log(200.0)),
               "bandwidth": (np.log(1.0), np.log(10_000.0)),
               "loss": (np.log(1e-4), np.log(0.1))}


def allocation(action: np.ndarray) -> np.ndarray:
    return (np.asarray(action) + 1) * 10


def reward(state: np.ndarray, alloc: np.ndarray) -> np.ndarray:
    """The transport's allocation reward for states [N, 4] and allocations (%) [N]."""
    latency, loss, reliability = state[:, 0], state[:, 2], state[:, 3]
    opt = np.full(len(state), 50.0)
    opt += np.where(latency < 1, 10, np.where(latency > 50, -10, 0))
    opt += np.where(loss > 0.02, -15, np.where(loss < 0.005, 5, 0))
    opt += np.where(reliability > 0.98, 10, np.where(reliability < 0.95, -10, 0))
    opt = np.clip(opt, 10, 90)
    r = 1 - np.abs(alloc - opt) / 100
    r -= np.where((alloc < 20) | (alloc > 90), 0.2, 0.0)
    r += np.where((reliability > 0.95) & (alloc >= 40) & (alloc <= 70), 0.1, 0.0)
    return r


def all_rewards(state: np.ndarray) -> np.ndarray:
    """Reward of every action [N, 10]."""
    return np.stack([reward(state, np.full(len(state), allocation(a)))
                     for a in range(N_ACTIONS)], axis=1)


def sample_states(n: int, rng: np.random.Generator) -> np.ndarray:
    """Fresh states from the simulator's marginal distribution."""
    lat, bw, loss = (np.exp(rng.uniform(*_LOG_RANGES[k], n))
                     for k in ("latency", "bandwidth", "loss"))
    return np.stack([lat, bw, loss, rng.uniform(0.9, 1.0, n)], axis=1)


def step_states(state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One simulator step: drift, or a jump to a fresh state."""
    n = len(state)
    logs = np.log(state[:, :3])
    centre = np.array([np.mean(_LOG_RANGES[k]) for k in ("latency", "bandwidth", "loss")])
    logs = centre + 0.95 * (logs - centre) + rng.normal(0, 0.15, (n, 3))
    for j, k in enumerate(("latency", "bandwidth", "loss")):
        logs[:, j] = np.clip(logs[:, j], *_LOG_RANGES[k])
    rel = np.clip(state[:, 3] + rng.normal(0, 0.005, n), 0.9, 1.0)
    drifted = np.column_stack([np.exp(logs), rel])
    jump = rng.random(n) < 0.1
    return np.where(jump[:, None], sample_states(n, rng), drifted)


def normalise(state: np.ndarray) -> np.ndarray:
    """The predictor's normalisation of a state (one sample, no time axis)."""
    fields = {f.name: state[:, i:i + 1] for i, f in enumerate(FEATURES)}
    return pipeline.model_input(fields, FEATURES)[0][:, 0, :]


def greedy(net: nets.Network, state: np.ndarray) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(normalise(state))).argmax(dim=1).numpy()


def train(log=print) -> tuple[nets.Network, float]:
    rng = training.seed_everything(SEED)
    online = nets.Network(len(FEATURES), ARCHITECTURE)
    target = copy.deepcopy(online)
    opt = torch.optim.Adam(online.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS * UPDATES_PER_STEP)
    buf_s = np.zeros((REPLAY, 4), np.float32)
    buf_a = np.zeros(REPLAY, np.int64)
    buf_r = np.zeros(REPLAY, np.float32)
    buf_n = np.zeros((REPLAY, 4), np.float32)
    filled, head, updates = 0, 0, 0
    state = sample_states(ENVS, rng)
    start = time.time()
    for step in range(STEPS):
        eps = max(EPS_END, EPS_START - (EPS_START - EPS_END) * step / EPS_DECAY_STEPS)
        action = np.where(rng.random(ENVS) < eps, rng.integers(0, N_ACTIONS, ENVS),
                          greedy(online, state))
        r = reward(state, allocation(action))
        nxt = step_states(state, rng)
        idx = (head + np.arange(ENVS)) % REPLAY
        buf_s[idx], buf_a[idx], buf_r[idx], buf_n[idx] = normalise(state), action, r, \
            normalise(nxt)
        head = (head + ENVS) % REPLAY
        filled = min(REPLAY, filled + ENVS)
        state = nxt
        if filled < BATCH * 4:
            continue
        online.train()
        for _ in range(UPDATES_PER_STEP):
            pick = rng.integers(0, filled, BATCH)
            s, a = torch.from_numpy(buf_s[pick]), torch.from_numpy(buf_a[pick])
            rr, n = torch.from_numpy(buf_r[pick]), torch.from_numpy(buf_n[pick])
            with torch.no_grad():
                online.eval()
                next_a = online(n).argmax(dim=1, keepdim=True)     # online chooses
                online.train()
                target.eval()
                next_q = target(n).gather(1, next_a).squeeze(1)   # target values
                y = rr + GAMMA * next_q
            q = online(s).gather(1, a[:, None]).squeeze(1)
            loss = torch.nn.functional.smooth_l1_loss(q, y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(online.parameters(), 10.0)
            opt.step()
            sched.step()
            updates += 1
            if updates % TARGET_SYNC == 0:
                target.load_state_dict(online.state_dict())
        if (step + 1) % 500 == 0:
            log(f"  step {step + 1}/{STEPS}: eps {eps:.2f}, loss {float(loss):.4f}, "
                f"greedy reward {evaluate(online, 2000, SEED + step)['policy']:.4f} "
                f"({time.time() - start:.0f} s)")
    online.eval()
    return online, time.time() - start


def evaluate(net: nets.Network, n: int = EVAL_STATES, seed: int = EVAL_SEED) -> dict:
    """Mean reward over n fresh simulated states: the policy, the best possible action,
    and a fixed 50 % allocation."""
    states = sample_states(n, np.random.default_rng(seed))
    rewards = all_rewards(states)
    choice = greedy(net, states)
    return {
        "policy": float(rewards[np.arange(n), choice].mean()),
        "best": float(rewards.max(axis=1).mean()),
        "fixed50": float(rewards[:, 4].mean()),
        "optimal_share": float((rewards[np.arange(n), choice] >= rewards.max(axis=1) - 1e-12)
                               .mean()),
        "states": n,
    }


def metadata(result: dict) -> dict:
    return {
        "model.mode": "policy",
        "model.description": (
            "Double-DQN bandwidth-allocation policy: Q-values of 10 actions for the state "
            "[latency_ms, bandwidth_mbps, packet_loss, reliability]; action a allocates "
            "(a + 1) x 10 % of the link."),
        "policy.action_allocation_pct": [10 * (a + 1) for a in range(N_ACTIONS)],
        "train.data": ("synthetic: pba_train.policy link-state simulator with the transport's "
                       "allocation reward"),
        "train.split": f"evaluation on {EVAL_STATES} fresh states from seed {EVAL_SEED}, "
                       "never used in training",
        "train.seed": SEED,
        "train.epochs": STEPS,
        "train.epoch_unit": f"one simulator step of {ENVS} links, {UPDATES_PER_STEP} updates",
        "train.algorithm": (f"Double DQN: gamma {GAMMA}, {ENVS} parallel links x {STEPS} steps, "
                            f"replay {REPLAY}, batch {BATCH}, target sync every {TARGET_SYNC} "
                            f"updates, epsilon {EPS_START}->{EPS_END} over {EPS_DECAY_STEPS} "
                            "steps, Huber loss, Adam"),
        "metrics.eval_states": result["states"],
        "metrics.mean_reward_policy": round(result["policy"], 6),
        "metrics.mean_reward_best_possible": round(result["best"], 6),
        "metrics.mean_reward_fixed_50pct": round(result["fixed50"], 6),
        "metrics.optimal_action_share": round(result["optimal_share"], 6),
    }
