package pba_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// Arbitrary sample sequences (any float64 bit patterns: NaN, Inf, negative, huge, timestamps
// repeating or going backwards) into a predictor with a model: Observe either accepts or
// refuses with ErrInvalidArgument, and Predict either says ErrNotReady or returns finite
// numbers within their domains. Each 40 bytes of input is one sample (t, bw, lat, loss, jitter).
func FuzzObservePredict(f *testing.F) {
	seed := func(values ...float64) []byte {
		out := make([]byte, 8*len(values))
		for i, v := range values {
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(v))
		}
		return out
	}
	f.Add(seed(1, 100, 10, 0.01, 1, 2, 110, 11, 0.01, 1))
	f.Add(seed(math.NaN(), 100, 10, 0, 1, 1e12, 1, 1, 1, 1))
	f.Add(seed(5, math.Inf(1), -3, 2, math.NaN(), 5, 1, 1, 0, 0, 4, 1, 1, 0, 0))
	f.Add(seed(1e11, 1e308, 1e308, 1, 1e308))
	m, err := pba.LoadModel("testdata/lstm_v1.pba", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := pba.NewPredictor(pba.PredictorConfig{Model: m})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		v := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:])) }
		for i := 0; 8*(5*i+5) <= len(data); i++ {
			s := sample(0, v(5*i+1), v(5*i+2), v(5*i+3), v(5*i+4))
			if ts := v(5 * i); !math.IsNaN(ts) && !math.IsInf(ts, 0) && math.Abs(ts) < 1e15 {
				s.Time = at(ts)
			}
			if _, err := p.Observe(s); err != nil && !errors.Is(err, pba.ErrInvalidArgument) {
				t.Fatalf("Observe(%+v): %v", s, err)
			}
			fc, err := p.Predict()
			if errors.Is(err, pba.ErrNotReady) {
				continue
			}
			if err != nil {
				t.Fatalf("Predict: %v", err)
			}
			for _, x := range []float64{fc.BandwidthMbps, fc.LatencyMs, fc.PacketLoss, fc.JitterMs, fc.Confidence,
				fc.BandwidthLowMbps, fc.BandwidthHighMbps} {
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
					t.Fatalf("forecast out of domain: %+v", fc)
				}
			}
			if fc.PacketLoss > 1 || fc.Confidence > 1 {
				t.Fatalf("ratio above 1: %+v", fc)
			}
			if _, err := pba.AMSTParameters(fc); err != nil && !errors.Is(err, pba.ErrInvalidArgument) {
				t.Fatalf("AMSTParameters(%+v): %v", fc, err)
			}
		}
	})
}

// Arbitrary bytes as a model: refused with a typed error, or a model whose forward pass runs.
func FuzzLoadModelBytes(f *testing.F) {
	for _, name := range []string{"lstm_v1.pba", "linear_3x.pba", "policy_q_bias.pba"} {
		data, err := readFileErr(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := pba.LoadModelBytes(data, nil)
		if err != nil {
			var perr *pba.Error
			if !errors.As(err, &perr) || perr.Code == pba.ErrInternal || perr.Message == "" {
				t.Fatalf("refusal without a typed, explained error: %v", err)
			}
			return
		}
		defer m.Close()
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, info.OutputSize)
		err = m.Forward(make([]float32, info.InputSize), out)
		if err != nil && !errors.Is(err, pba.ErrNonFinite) {
			t.Fatalf("Forward: %v", err)
		}
	})
}
