package pba_test

import (
	"fmt"
	"testing"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

func warmPredictor(b *testing.B, model string) *pba.Predictor {
	m := loadModel(b, model)
	p := newPredictor(b, pba.PredictorConfig{Model: m})
	for i := 0; i < 20; i++ {
		if _, err := p.Observe(sample(float64(i), 100+float64(i%7), 20, 0.001, 1)); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// One cgo predict call on the v1-shaped LSTM model, forecast struct reused.
func BenchmarkPredict(b *testing.B) {
	p := warmPredictor(b, "lstm_v1.pba")
	var f pba.Forecast
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.PredictInto(&f); err != nil {
			b.Fatal(err)
		}
	}
}

// What a transport does per measurement: observe, then forecast.
func BenchmarkObservePredict(b *testing.B) {
	p := warmPredictor(b, "lstm_v1.pba")
	var f pba.Forecast
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Observe(sample(float64(20+i), 100+float64(i%7), 20, 0.001, 1)); err != nil {
			b.Fatal(err)
		}
		if err := p.PredictInto(&f); err != nil {
			b.Fatal(err)
		}
	}
}

// The drop-in inference seam: one [1,10,6] -> [1,4] Run (which returns a new slice).
func BenchmarkSessionRun(b *testing.B) {
	s, err := pba.NewSession(loadModel(b, "lstm_v1.pba"))
	if err != nil {
		b.Fatal(err)
	}
	in := toFloat32(loadReference(b).Inputs[0])
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Run(in); err != nil {
			b.Fatal(err)
		}
	}
}

// Forecasts for many links in one cgo call; reported per link.
func BenchmarkLinksPredict(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := loadModel(b, "lstm_v1.pba")
			ps := make([]*pba.Predictor, n)
			samples := make([]pba.Sample, n)
			var links pba.Links
			for i := range ps {
				ps[i] = newPredictor(b, pba.PredictorConfig{Model: m})
			}
			for t := 0; t < 12; t++ {
				for i := range samples {
					samples[i] = sample(float64(t), 100+float64(i%13), 20, 0.001, 1)
				}
				if err := links.Observe(ps, samples, nil); err != nil {
					b.Fatal(err)
				}
			}
			forecasts := make([]pba.Forecast, n)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := links.Predict(ps, forecasts, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*n), "ns/link")
		})
	}
}

func BenchmarkAMSTParameters(b *testing.B) {
	f := pba.Forecast{BandwidthMbps: 1000, LatencyMs: 10, PacketLoss: 0.005, JitterMs: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := pba.AMSTParameters(f); err != nil {
			b.Fatal(err)
		}
	}
}
