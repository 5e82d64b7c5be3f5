package pba_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

func TestAMSTTransportCases(t *testing.T) {
	cases := []struct {
		f    pba.Forecast
		want pba.AMSTSettings
	}{
		{pba.Forecast{BandwidthMbps: 100, LatencyMs: 50, PacketLoss: 0, JitterMs: 5}, pba.AMSTSettings{10, 687500, 68750, 11875000, 6875000}},
		{pba.Forecast{BandwidthMbps: 1000, LatencyMs: 10, PacketLoss: 0.005, JitterMs: 1}, pba.AMSTSettings{130, 1048576, 8192, 118750000, 136314880}},
		{pba.Forecast{BandwidthMbps: 50, LatencyMs: 150, PacketLoss: 0.03, JitterMs: 10}, pba.AMSTSettings{2, 1000000, 131072, 5937500, 2000000}},
	}
	for _, c := range cases {
		got, err := pba.AMSTParameters(c.f)
		if err != nil || got != c.want {
			t.Errorf("AMSTParameters(%v %v %v %v) = %+v, %v; want %+v", c.f.BandwidthMbps, c.f.LatencyMs,
				c.f.PacketLoss, c.f.JitterMs, got, err, c.want)
		}
	}
	params := pba.DefaultAMSTParams()
	params.StreamCutLoss = 0.02 // the design document's threshold: 1.5 % loss no longer cuts
	if s, _ := params.Settings(pba.Forecast{BandwidthMbps: 100, LatencyMs: 50, PacketLoss: 0.015, JitterMs: 5}); s.Streams != 10 {
		t.Errorf("custom StreamCutLoss: %d streams", s.Streams)
	}
	if s, _ := pba.AMSTParameters(pba.Forecast{BandwidthMbps: 100, LatencyMs: 50, PacketLoss: 0.015, JitterMs: 5}); s.Streams != 7 {
		t.Errorf("default StreamCutLoss: %d streams, want 10 * 3 / 4", s.Streams)
	}
	for _, bad := range []pba.Forecast{{BandwidthMbps: math.NaN()}, {BandwidthMbps: 1, PacketLoss: 1.5},
		{BandwidthMbps: 1, LatencyMs: -1}, {BandwidthMbps: math.Inf(1)}} {
		if _, err := pba.AMSTParameters(bad); !errors.Is(err, pba.ErrInvalidArgument) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	params = pba.DefaultAMSTParams()
	params.MinStreams = 300
	if _, err := params.Settings(cases[0].f); !errors.Is(err, pba.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "min_streams") {
		t.Errorf("min above max: %v", err)
	}
}

func TestAMSTDecisionGates(t *testing.T) {
	d, err := pba.AMSTDecide(0.85, 10, 13) // +30 %
	if err != nil || !d.Compute || !d.Apply || !d.AdjustStreams || !d.Preempt || !near(d.StreamChange, 0.3, 1e-12) {
		t.Errorf("0.85: %+v, %v", d, err)
	}
	if d, _ = pba.AMSTDecide(math.Nextafter(0.6, 0), 10, 13); d.Compute {
		t.Errorf("just below 0.6 computes")
	}
	if d, _ = pba.AMSTDecide(0.7, 10, 12); d.AdjustStreams { // exactly +20 %: not more than 20 %
		t.Errorf("+20 %% adjusts")
	}
	if _, err := pba.AMSTDecide(math.NaN(), 10, 13); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("NaN confidence: %v", err)
	}
}

func TestPolicyOnAHandMadeQNetwork(t *testing.T) {
	m := loadModel(t, "policy_q_bias.pba") // Q-values are the biases
	p, err := pba.NewPolicy(m)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if n, _ := p.Actions(); n != 10 {
		t.Errorf("%d actions", n)
	}
	s := pba.PolicyState{LatencyMs: 5, BandwidthMbps: 100, PacketLoss: 0.001, Reliability: 0.99}
	q, err := p.QValues([]pba.PolicyState{s, s})
	want := []float32{0.1, 0.2, 0.3, 0.0, 0.5, 0.4, 0.9, 0.2, 0.1, 0.0}
	if err != nil || len(q) != 20 {
		t.Fatalf("QValues: %v, %v", q, err)
	}
	for i := range q {
		if q[i] != want[i%10] {
			t.Errorf("q[%d] = %v, want %v", i, q[i], want[i%10])
		}
	}
	a, err := p.Allocate(s)
	if err != nil || a != (pba.Allocation{Action: 6, AllocationPct: 70}) {
		t.Errorf("Allocate: %+v, %v", a, err)
	}
	a1, _ := p.AllocateEpsilon(s, 1, 42)
	a2, _ := p.AllocateEpsilon(s, 1, 42)
	if !a1.Explored || a1 != a2 {
		t.Errorf("epsilon 1, same seed: %+v, %+v", a1, a2)
	}
	if _, err := p.Allocate(pba.PolicyState{PacketLoss: 2}); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("loss 2: %v", err)
	}
	p.Close()
	if _, err := p.Allocate(s); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestRewardAndDoubleDQNTargets(t *testing.T) {
	// opt = 50 + 10 + 5 + 10 = 75; reward(70) = 1 - 0.05 + 0.1.
	opt, r, err := pba.Reward(pba.PolicyState{LatencyMs: 0.5, BandwidthMbps: 100, PacketLoss: 0.001, Reliability: 0.99}, 70)
	if err != nil || opt != 75 || !near(r, 1.05, 1e-12) {
		t.Errorf("Reward: %v %v %v", opt, r, err)
	}
	targets, err := pba.DoubleDQNTargets([]float64{1, 2}, []bool{false, true},
		[]float32{0.1, 0.5, 0.2, 0, 0, 1}, []float32{1, 2, 3, 4, 5, 6}, 3, 0.9)
	if err != nil || !near(targets[0], 1+0.9*2, 1e-12) || targets[1] != 2 {
		t.Errorf("targets %v, %v", targets, err)
	}
	if _, err := pba.DoubleDQNTargets([]float64{1}, []bool{false}, []float32{1}, []float32{1}, 1, 2); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("gamma 2: %v", err)
	}
	if _, err := pba.DoubleDQNTargets([]float64{1}, []bool{false}, []float32{1, 2}, []float32{1}, 2, 0.5); !errors.Is(err, pba.ErrShapeMismatch) {
		t.Errorf("short Q: %v", err)
	}
}

func TestDefaultAllocate(t *testing.T) {
	a, err := pba.Allocate(pba.PolicyState{LatencyMs: 5, BandwidthMbps: 100, PacketLoss: 0.001, Reliability: 0.99})
	if errors.Is(err, pba.ErrNotFound) {
		t.Skipf("this library embeds no policy model (has %v)", pba.DefaultModelNames())
	}
	if err != nil || a.AllocationPct < 10 || a.AllocationPct > 100 {
		t.Errorf("Allocate: %+v, %v", a, err)
	}
}
