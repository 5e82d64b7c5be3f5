package pba_test

import (
	"math"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
	"github.com/pba-project/pba/capi/go/internal/cref"
)

// The pba package against the C interface called directly (internal/cref, structs built by
// hand in C) for the same inputs: the Go layer's conversions must change nothing.
func TestDifferentialForwardGoVersusC(t *testing.T) {
	data := readFile(t, "lstm_v1.pba")
	m := loadModel(t, "lstm_v1.pba")
	for i, in := range loadReference(t).Inputs {
		x := toFloat32(in)
		want, status := cref.Forward(data, x, 4)
		if status != 0 {
			t.Fatalf("C status %d", status)
		}
		got := make([]float32, 4)
		if err := m.Forward(x, got); err != nil {
			t.Fatal(err)
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("window %d output %d: Go %v, C %v", i, k, got[k], want[k])
			}
		}
	}
}

func TestDifferentialForecastsGoVersusC(t *testing.T) {
	data := readFile(t, "lstm_v1.pba")
	var samples [][5]float64
	for i := 0; i < 40; i++ {
		x := float64(i)
		samples = append(samples, [5]float64{1_790_000_000 + x, 200 + 50*math.Sin(x/3), 30 + 5*math.Cos(x/5),
			0.002 * (1 + math.Sin(x)), 2 + math.Mod(x, 3)})
	}
	samples[17][1] = math.NaN() // a missing value
	want, status := cref.Forecasts(data, samples)
	if status != 0 {
		t.Fatalf("C status %d", status)
	}
	m := loadModel(t, "lstm_v1.pba")
	p := newPredictor(t, pba.PredictorConfig{Model: m})
	for i, s := range samples {
		gs := pba.NewSample(at(s[0] - 1_790_000_000))
		gs.BandwidthMbps, gs.LatencyMs, gs.PacketLoss, gs.JitterMs = s[1], s[2], s[3], s[4]
		if _, err := p.Observe(gs); err != nil {
			t.Fatal(err)
		}
		f, err := p.Predict()
		if err != nil {
			t.Fatal(err)
		}
		fallback := 0.0
		if f.Fallback {
			fallback = 1
		}
		got := [9]float64{f.BandwidthMbps, f.LatencyMs, f.PacketLoss, f.JitterMs, f.Confidence, f.BandwidthLowMbps,
			f.BandwidthHighMbps, f.IntervalCoverage, fallback}
		if got != want[i] {
			t.Errorf("forecast %d: Go %v\n              C  %v", i, got, want[i])
		}
	}
}

func TestDifferentialAMSTGoVersusC(t *testing.T) {
	for _, c := range [][4]float64{{100, 50, 0, 5}, {1000, 10, 0.005, 1}, {50, 150, 0.03, 10}, {2500, 3, 0.0001, 0.2},
		{0, 0, 0, 0}, {9999.9, 99.99, 0.02, 7.5}} {
		want, status := cref.AMST(c[0], c[1], c[2], c[3])
		got, err := pba.AMSTParameters(pba.Forecast{BandwidthMbps: c[0], LatencyMs: c[1], PacketLoss: c[2], JitterMs: c[3]})
		if status != 0 || err != nil {
			t.Fatalf("%v: C status %d, Go %v", c, status, err)
		}
		if [5]int64{got.Streams, got.BufferBytes, got.ChunkBytes, got.PacingBytesPerS, got.WindowBytes} != want {
			t.Errorf("%v: Go %+v, C %v", c, got, want)
		}
	}
}
