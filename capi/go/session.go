package pba

import (
	"fmt"
	"sync/atomic"
)

// Session is a drop-in for the transport's inference seam (the ONNX Runtime session pba
// replaces): Run takes one flattened input window and returns the model's raw outputs, and
// Destroy releases it. Over the embedded "v1" model it maps [1,10,6] to [1,4], as the seam
// does today. Safe for concurrent use; after Destroy, Run returns ErrClosed.
type Session struct {
	model     *Model
	owned     bool
	in, out   int
	destroyed atomic.Bool
}

// NewSession runs model; Destroy leaves the model open (the caller still owns it).
func NewSession(model *Model) (*Session, error) {
	if model == nil {
		return nil, invalid("NewSession: model is nil")
	}
	info, err := model.Info()
	if err != nil {
		return nil, err
	}
	return &Session{model: model, in: info.InputSize, out: info.OutputSize}, nil
}

// NewDefaultSession runs the embedded model name ("v1" is the transport's [1,10,6] -> [1,4]
// model); Destroy releases it.
func NewDefaultSession(name string) (*Session, error) {
	m, err := DefaultModel(name)
	if err != nil {
		return nil, err
	}
	s, err := NewSession(m)
	if err != nil {
		m.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Run forecasts from one window: input holds the model's InputSize floats (timestep-major,
// already normalised), the result its OutputSize floats. ErrShapeMismatch for another input
// length, ErrNonFinite for a NaN or infinite value.
func (s *Session) Run(input []float32) ([]float32, error) {
	if s == nil || s.destroyed.Load() {
		return nil, errClosed
	}
	if len(input) != s.in {
		return nil, &Error{Code: ErrShapeMismatch, Message: fmt.Sprintf("Run: input has %d floats, the model takes %d", len(input), s.in)}
	}
	out := make([]float32, s.out)
	if err := s.model.Forward(input, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Destroy releases the session (and its model, for NewDefaultSession). Idempotent; destroying
// a nil session does nothing.
func (s *Session) Destroy() error {
	if s == nil || s.destroyed.Swap(true) || !s.owned {
		return nil
	}
	return s.model.Close()
}
