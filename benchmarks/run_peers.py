#!/usr/bin/python3
"""Runs pba (portable and native builds), ONNX Runtime, libtorch and, when given an RTNeural
checkout, RTNeural on the same weights, alternating between them round after round, and prints
one Markdown table of medians.

    benchmarks/install_peers.sh            # once: libtorch + OpenBLAS, onnxruntime-node, RTNeural
    benchmarks/run_peers.py --rounds 5     # builds what it needs, then measures
    benchmarks/run_peers.py --rtneural-dir benchmarks/peers/RTNeural   # adds the RTNeural column

Same weights: tools/gen_reference.py --keep-sources writes <arch>.pba, <arch>.onnx and
<arch>.pt from one seeded PyTorch model. One thread everywhere. Times are wall-clock medians
per forecast: the median of per-call wall times, divided by the batch (the median, because on a
shared machine it skips the calls another process preempted). ONNX Runtime's is its Node
binding's time minus the binding's own per-call floor, measured on a one-op model in the same
process. RTNeural (compile-time API, Eigen backend, -march=native) streams one timestep per
call, so it runs at batch 1 only, and its bench first checks its output against pba's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHS = ("v1", "dc3", "inet3", "ddqn_lstm", "qnet", "torch9")
WINDOWS = {"v1": "10x6", "dc3": "30x5", "inet3": "60x5", "ddqn_lstm": "10x4", "qnet": "4", "torch9": "20x9"}


def run(cmd, env=None, cwd=ROOT):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def build(build_dir: Path, target: str, *flags: str) -> Path:
    if not (build_dir / "build.ninja").exists():
        run(["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
             "-DPBA_BUILD_TESTS=OFF", *flags])
    run(["ninja", "-C", build_dir, "-j2", target])
    return build_dir / "benchmarks" / target


def make_models(models: Path) -> None:
    if all((models / f"{a}{ext}").exists() for a in ARCHS for ext in (".pba", ".onnx", ".pt")):
        return
    models.mkdir(parents=True, exist_ok=True)
    run(["/usr/bin/python3", ROOT / "tools" / "gen_reference.py", "--out", models, "--keep-sources"])


def make_floor_model(path: Path) -> None:
    code = (
        "import onnx, sys\n"
        "from onnx import helper, TensorProto\n"
        "x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1])\n"
        "y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 1])\n"
        "g = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'floor', [x], [y])\n"
        "m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])\n"
        "m.ir_version = 8\n"
        "onnx.save(m, sys.argv[1])\n")
    run(["/usr/bin/python3", "-c", code, path])


def google_benchmark(binary: Path, name: str, batch: int, min_time: float, env: dict) -> dict:
    out = run([binary, f"--benchmark_filter=^{name}$", f"--benchmark_min_time={min_time}",
               "--benchmark_format=json"], env=env)
    bench = json.loads(out)["benchmarks"][0]
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[bench["time_unit"]]
    return {"us": bench["median_us_per_forecast"], "mean_us": bench["real_time"] * scale / batch,
            "cpu_us": bench["cpu_time"] * scale / batch,
            "flops": bench.get("flops_per_forecast"), "weight_bytes": bench.get("weight_bytes"),
            "allocs": bench.get("allocs_per_forecast")}


def machine() -> str:
    lscpu = run(["lscpu"])
    model = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines() if l.startswith("Model name")), "?")
    flags = open("/proc/cpuinfo").read()
    isa = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE")
    blas = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                          capture_output=True, text=True).stdout
    blas_value = next((l.split(":", 1)[1].strip() for l in blas.splitlines() if l.startswith("Value")), "?")
    return f"{model}, {os.cpu_count()} cores, {isa}; {platform.platform()}; libtorch BLAS: {blas_value}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=Path, default=Path("/tmp/pba-bench-models"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--min-time", type=float, default=0.5, help="seconds per measurement")
    p.add_argument("--archs", default=",".join(ARCHS))
    p.add_argument("--batches", default="1,16,256")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--no-native", action="store_true")
    p.add_argument("--json", type=Path, help="also write every sample here")
    p.add_argument("--portable-build", type=Path, default=ROOT / "build-bench")
    p.add_argument("--native-build", type=Path, default=ROOT / "build-bench-native")
    p.add_argument("--peers-build", type=Path, default=ROOT / "build-bench-peers")
    p.add_argument("--rtneural-dir", type=Path, default=os.environ.get("PBA_BENCH_RTNEURAL_DIR") or None,
                   help="RTNeural checkout: adds RTNeural at batch 1 (default: $PBA_BENCH_RTNEURAL_DIR)")
    p.add_argument("--rtneural-build", type=Path, default=ROOT / "build-bench-rtneural")
    args = p.parse_args()

    make_models(args.models)
    floor = args.models / "floor.onnx"
    make_floor_model(floor)
    portable = build(args.portable_build, "pba_bench")
    # bf16 runs on the best instruction set with a bf16 kernel (registered first); none: no column
    listed = run([portable, "--benchmark_list_tests", "--benchmark_filter=^pba_bf16/v1/batch:1/"]).split()
    bf16_isa = listed[0].rsplit("isa:", 1)[1] if listed else None
    native = None if args.no_native else build(args.native_build, "pba_bench", "-DPBA_NATIVE=ON")
    torch = None if args.no_torch else build(args.peers_build, "pba_torch_bench", "-DPBA_BENCH_PEERS=ON")
    rtneural = None
    if args.rtneural_dir:
        flag = f"-DPBA_BENCH_RTNEURAL_DIR={args.rtneural_dir.resolve()}"
        if (args.rtneural_build / "build.ninja").exists():
            run(["cmake", "-B", args.rtneural_build, flag])  # the checkout may have moved since
        rtneural = build(args.rtneural_build, "pba_rtneural_bench", flag)

    env = dict(os.environ, PBA_BENCH_MODELS=str(args.models), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    archs = args.archs.split(",")
    batches = [int(b) for b in args.batches.split(",")]
    samples: dict[tuple[str, int, str], list[float]] = {}  # wall-median us per forecast
    cpu: dict[tuple[str, int, str], list[float]] = {}      # CPU us per forecast
    info: dict[tuple[str, int], dict] = {}

    def record(arch, batch, tool, us, cpu_us):
        samples.setdefault((arch, batch, tool), []).append(us)
        cpu.setdefault((arch, batch, tool), []).append(cpu_us)

    for r in range(args.rounds):
        for arch in archs:
            for batch in batches:
                tools = ["pba", "ort"] + ([] if native is None else ["pba_native"]) + ([] if torch is None else ["libtorch"])
                tools += [] if rtneural is None or batch != 1 else ["rtneural"]  # streams: batch 1 only
                tools += ["pba_bf16"] if batch == 1 and bf16_isa else []  # the option is meant for batch 1
                tools = tools[r % len(tools):] + tools[:r % len(tools)]  # rotate who goes first
                for tool in tools:
                    name = f"{arch}/batch:{batch}"
                    if tool in ("pba", "pba_native"):
                        res = google_benchmark(portable if tool == "pba" else native, f"pba_file/{name}", batch,
                                               args.min_time, env)
                        info.setdefault((arch, batch), res)
                        record(arch, batch, tool, res["us"], res["cpu_us"])
                    elif tool == "pba_bf16":
                        res = google_benchmark(portable, f"pba_bf16/{name}/isa:{bf16_isa}", batch, args.min_time, env)
                        record(arch, batch, tool, res["us"], res["cpu_us"])
                    elif tool == "libtorch":
                        res = google_benchmark(torch, f"libtorch/{name}", batch, args.min_time, env)
                        record(arch, batch, tool, res["us"], res["cpu_us"])
                    elif tool == "rtneural":
                        res = google_benchmark(rtneural, f"rtneural/{name}", batch, args.min_time, env)
                        record(arch, batch, tool, res["us"], res["cpu_us"])
                    else:
                        out = run(["node", ROOT / "benchmarks" / "ort_bench.js", args.models / f"{arch}.onnx", floor,
                                   WINDOWS[arch], str(batch), str(args.min_time)], env=env)
                        res = json.loads(out)
                        record(arch, batch, tool, res["us_per_forecast"], res["cpu_us_per_forecast"])
                print(f"round {r + 1}/{args.rounds}: {arch} batch {batch} done", file=sys.stderr)

    print(f"Machine: {machine()}; {args.rounds} rounds, medians, one thread.\n")
    cols = ["pba", "pba_native", "ort", "libtorch", "rtneural"]
    rt = rtneural is not None
    f = lambda v: "–" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")
    ratio = lambda a, b: "–" if a is None or b is None else f"{a / b:.2f}×"
    for title, data in (("Wall time per forecast (median call / batch), µs", samples),
                        ("CPU time per forecast, µs (GFLOP/s from CPU time)", cpu)):
        med = {k: statistics.median(v) for k, v in data.items()}
        print(f"### {title}\n")
        print("| arch | batch | pba | pba GFLOP/s | pba native | ONNX Runtime | libtorch " + ("| RTNeural " if rt else "") +
              "| ORT / pba | libtorch / pba " + ("| RTNeural / pba " if rt else "") + "| portable / native |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if rt else ""))
        for arch in archs:
            for batch in batches:
                m = {c: med.get((arch, batch, c)) for c in cols}
                gflops = info[(arch, batch)]["flops"] / (m["pba"] * 1e3)
                print(f"| {arch} | {batch} | {f(m['pba'])} | {gflops:.1f} | {f(m['pba_native'])} | {f(m['ort'])} | "
                      f"{f(m['libtorch'])} | " + (f"{f(m['rtneural'])} | " if rt else "") +
                      f"{ratio(m['ort'], m['pba'])} | {ratio(m['libtorch'], m['pba'])} | " +
                      (f"{ratio(m['rtneural'], m['pba'])} | " if rt else "") + f"{ratio(m['pba'], m['pba_native'])} |")
        print()
    if 1 in batches and bf16_isa:
        med = {k: statistics.median(v) for k, v in cpu.items()}
        print("### Batch 1 with bf16 recurrent weights (LoadOptions::recurrent_weights), CPU µs per forecast\n")
        print("| arch | pba fp32 | pba bf16 | bf16 / fp32 | ONNX Runtime | ORT / pba bf16 " +
              ("| RTNeural | RTNeural / pba bf16 " if rt else "") + "|")
        print("|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if rt else ""))
        for arch in archs:
            m = {c: med.get((arch, 1, c)) for c in cols + ["pba_bf16"]}
            print(f"| {arch} | {f(m['pba'])} | {f(m['pba_bf16'])} | {ratio(m['pba_bf16'], m['pba'])} | {f(m['ort'])} | "
                  f"{ratio(m['ort'], m['pba_bf16'])} | " +
                  (f"{f(m['rtneural'])} | {ratio(m['rtneural'], m['pba_bf16'])} | " if rt else ""))
        print()
    if args.json:
        args.json.write_text(json.dumps({"wall": {f"{a}/{b}/{t}": v for (a, b, t), v in samples.items()},
                                         "cpu": {f"{a}/{b}/{t}": v for (a, b, t), v in cpu.items()}}, indent=1))


if __name__ == "__main__":
    main()
