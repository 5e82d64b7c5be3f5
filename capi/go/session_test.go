package pba_test

import (
	"errors"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// The transport's inference seam, which pba's Session replaces.
type inferenceSession interface {
	Run(input []float32) ([]float32, error)
	Destroy() error
}

var _ inferenceSession = (*pba.Session)(nil)

func TestSessionRunsTheV1ShapedModel(t *testing.T) {
	m := loadModel(t, "lstm_v1.pba")
	var s inferenceSession
	s, err := pba.NewSession(m)
	if err != nil {
		t.Fatal(err)
	}
	ref := loadReference(t)
	for i, in := range ref.Inputs {
		out, err := s.Run(toFloat32(in)) // [1, 10, 6] flattened
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 4 { // [1, 4]
			t.Fatalf("Run gave %d values, want 4", len(out))
		}
		for k, v := range out {
			if !near(float64(v), ref.Outputs[i][k], 1e-5) {
				t.Errorf("window %d output %d = %v, numpy %v", i, k, v, ref.Outputs[i][k])
			}
		}
	}
	if _, err := s.Run(make([]float32, 59)); !errors.Is(err, pba.ErrShapeMismatch) {
		t.Errorf("59 floats: %v", err)
	}
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(toFloat32(ref.Inputs[0])); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("Run after Destroy: %v", err)
	}
	// The caller's model is still usable: the session borrowed it.
	if _, err := m.Info(); err != nil {
		t.Errorf("model after Destroy: %v", err)
	}
}

func TestDefaultV1Session(t *testing.T) {
	s, err := pba.NewDefaultSession("v1")
	if errors.Is(err, pba.ErrNotFound) {
		t.Skipf("this library embeds no v1 model (has %v)", pba.DefaultModelNames())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destroy()
	out, err := s.Run(make([]float32, 60))
	if err != nil || len(out) != 4 {
		t.Fatalf("Run: %v, %v", out, err)
	}
}
