package pba_test

import (
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// The race detector makes sync.Pool drop items at random, so allocations are counted only
// in a normal build (tools/ci/20-install-and-consumers.sh runs this test without -race).
func TestAllocateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not meaningful under -race")
	}
	state := pba.PolicyState{LatencyMs: 40, BandwidthMbps: 300, PacketLoss: 0.002, Reliability: 0.99}
	want, err := pba.Allocate(state) // loads the default policy once
	if err != nil {
		t.Fatal(err)
	}
	var got pba.Allocation
	allocs := testing.AllocsPerRun(1000, func() { got, err = pba.Allocate(state) })
	if allocs != 0 || err != nil || got != want {
		t.Errorf("Allocate: %v allocations per call, %+v, %v", allocs, got, err)
	}
	policy, err := pba.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	defer policy.Close()
	allocs = testing.AllocsPerRun(1000, func() { got, err = policy.AllocateEpsilon(state, 0.5, 7) })
	if allocs != 0 || err != nil {
		t.Errorf("AllocateEpsilon: %v allocations per call, %v", allocs, err)
	}
}

// A batch of links whose every link succeeds allocates nothing once its buffers are sized.
func TestLinksAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not meaningful under -race")
	}
	m := loadModel(t, "linear_3x.pba")
	ps := []*pba.Predictor{newPredictor(t, pba.PredictorConfig{Model: m}), newPredictor(t, pba.PredictorConfig{Model: m})}
	var links pba.Links
	samples := make([]pba.Sample, 2)
	forecasts := make([]pba.Forecast, 2)
	errs := make([]error, 2)
	step := 0.0
	var err error
	allocs := testing.AllocsPerRun(200, func() {
		step++
		samples[0], samples[1] = sample(step, 100, 10, 0, 1), sample(step, 200, 10, 0, 1)
		if err = links.Observe(ps, samples, errs); err == nil {
			err = links.Predict(ps, forecasts, errs)
		}
	})
	if allocs != 0 || err != nil || !near(forecasts[1].BandwidthMbps, 600, 1e-6) {
		t.Errorf("%v allocations per batch, %v, %+v", allocs, err, forecasts[1])
	}
}

// One link's hot calls allocate nothing once warm.
func TestObservePredictAMSTAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not meaningful under -race")
	}
	p := newPredictor(t, pba.PredictorConfig{Model: loadModel(t, "linear_3x.pba")})
	var f pba.Forecast
	step := 0.0
	var err error
	allocs := testing.AllocsPerRun(200, func() {
		step++
		if _, err = p.Observe(sample(step, 100, 10, 0, 1)); err == nil {
			if err = p.PredictInto(&f); err == nil {
				_, err = pba.AMSTParameters(f)
			}
		}
	})
	if allocs != 0 || err != nil || !near(f.BandwidthMbps, 300, 1e-6) {
		t.Errorf("%v allocations per observe, predict and settings, %v, %+v", allocs, err, f)
	}
}
