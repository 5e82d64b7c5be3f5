// ONNX Runtime (onnxruntime-node's bundled CPU library) on the same weights as pba.
// usage: node ort_bench.js MODEL.onnx FLOOR.onnx WINDOW_DIMS BATCH SECONDS
//   WINDOW_DIMS: "10x6" (T x F) or "4"; FLOOR.onnx: a one-op model whose per-call time is the
//   binding's own cost (JS -> native -> JS), subtracted from the model's.
// Prints one JSON line: median/p99 wall microseconds per call, the floor, per forecast, and the
// same in process CPU time.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'peers', 'node_modules', 'onnxruntime-node'));

const options = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function time(session, feeds, seconds) {
  for (let i = 0; i < 20; ++i) await session.run(feeds);  // warm up
  const samples = [];
  const cpu0 = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < end || samples.length < 20) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  // CPU time of the whole process per call: with one intra-op thread, the inference thread
  // plus the binding; robust to other processes on a shared machine, unlike wall time.
  const cpuPerCall = (cpu.user + cpu.system) / samples.length;
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99), calls: samples.length, cpu: cpuPerCall };
}

async function main() {
  const [model, floor, dims, batchText, secondsText] = process.argv.slice(2);
  const batch = Number(batchText);
  const seconds = Number(secondsText);
  const window = dims.split('x').map(Number);
  const size = batch * window.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => Math.random());

  const session = await ort.InferenceSession.create(model, options);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [batch, ...window]) };
  const floorSession = await ort.InferenceSession.create(floor, options);
  const floorFeeds = { [floorSession.inputNames[0]]: new ort.Tensor('float32', new Float32Array(1), [1, 1]) };

  const f = await time(floorSession, floorFeeds, Math.min(seconds, 1));
  const m = await time(session, feeds, seconds);
  const native = Math.max(m.median - f.median, 0);
  console.log(JSON.stringify({
    ort_version: require(path.join(__dirname, 'peers', 'node_modules', 'onnxruntime-node', 'package.json')).version,
    batch, median_us: m.median, p99_us: m.p99, floor_us: f.median, calls: m.calls,
    native_us: native, us_per_forecast: native / batch,
    cpu_us: m.cpu, floor_cpu_us: f.cpu, cpu_us_per_forecast: Math.max(m.cpu - f.cpu, 0) / batch,
  }));
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
