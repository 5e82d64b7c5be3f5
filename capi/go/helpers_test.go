package pba_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

func readFileErr(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := readFileErr(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadModel(t testing.TB, name string) *pba.Model {
	t.Helper()
	m, err := pba.LoadModel(filepath.Join("testdata", name), nil)
	if err != nil {
		t.Fatalf("LoadModel(%s): %v", name, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newPredictor(t testing.TB, cfg pba.PredictorConfig) *pba.Predictor {
	t.Helper()
	p, err := pba.NewPredictor(cfg)
	if err != nil {
		t.Fatalf("NewPredictor: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

var epoch = time.Unix(1_790_000_000, 0)

func at(seconds float64) time.Time { return epoch.Add(time.Duration(seconds * float64(time.Second))) }

func sample(seconds, bw, lat, loss, jitter float64) pba.Sample {
	s := pba.NewSample(at(seconds))
	s.BandwidthMbps, s.LatencyMs, s.PacketLoss, s.JitterMs = bw, lat, loss, jitter
	return s
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// reference holds windows and the float64 numpy forward pass's outputs for lstm_v1.pba
// (testdata/make_testdata.py), an implementation independent of pba's kernels.
type reference struct {
	Inputs  [][]float64 `json:"inputs"`
	Outputs [][]float64 `json:"outputs"`
}

func loadReference(t testing.TB) reference {
	t.Helper()
	var r reference
	if err := json.Unmarshal(readFile(t, "lstm_v1_reference.json"), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Inputs) == 0 || len(r.Inputs) != len(r.Outputs) {
		t.Fatalf("reference has %d inputs and %d outputs", len(r.Inputs), len(r.Outputs))
	}
	return r
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
