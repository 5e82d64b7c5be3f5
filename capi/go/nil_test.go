package pba_test

import (
	"errors"
	"strings"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// ErrClosed is an error like the library's: errors.Is matches the code, errors.As finds the
// *Error (and the ErrorCode), and the text says what happened.
func TestErrClosedIsATypedError(t *testing.T) {
	p := newPredictor(t, pba.PredictorConfig{})
	p.Close()
	_, err := p.Predict()
	if !errors.Is(err, pba.ErrClosed) || errors.Is(err, pba.ErrInvalidArgument) {
		t.Fatalf("errors.Is: %v", err)
	}
	var e *pba.Error
	if !errors.As(err, &e) || e.Code != pba.ErrClosed {
		t.Errorf("errors.As(*Error): %#v", e)
	}
	var code pba.ErrorCode
	if !errors.As(err, &code) || code != pba.ErrClosed {
		t.Errorf("errors.As(ErrorCode): %v", code)
	}
	if err.Error() != "pba: use of a closed handle" {
		t.Errorf("text %q", err)
	}
	// The package's own codes never collide with a library status.
	for _, c := range []pba.ErrorCode{pba.ErrClosed, pba.ErrABIMismatch} {
		if c >= 0 || c == pba.ErrInvalidArgument || strings.Contains(c.Error(), "unknown") {
			t.Errorf("code %d: %q", c, c.Error())
		}
	}
}

// Every method of a nil handle returns ErrClosed instead of panicking; Close of a nil
// handle does nothing.
func TestNilReceiversReturnErrClosed(t *testing.T) {
	var p *pba.Predictor
	var m *pba.Model
	var s *pba.Slot
	var pol *pba.Policy
	var ses *pba.Session
	checks := map[string]func() error{
		"Predictor.Observe":          func() error { _, err := p.Observe(sample(1, 1, 1, 0, 1)); return err },
		"Predictor.ObserveMany":      func() error { _, err := p.ObserveMany([]pba.Sample{sample(1, 1, 1, 0, 1)}); return err },
		"Predictor.Predict":          func() error { _, err := p.Predict(); return err },
		"Predictor.PredictInto":      func() error { return p.PredictInto(&pba.Forecast{}) },
		"Predictor.RecordActual":     func() error { _, _, err := p.RecordActual(sample(1, 1, 1, 0, 1)); return err },
		"Predictor.Reset":            func() error { return p.Reset() },
		"Predictor.Mode":             func() error { _, err := p.Mode(); return err },
		"Predictor.Reload":           func() error { _, err := p.Reload(pba.RoleMain, "x.pba"); return err },
		"Predictor.ReloadBytes":      func() error { _, err := p.ReloadBytes(pba.RoleMain, []byte{1}); return err },
		"Predictor.Slot":             func() error { _, err := p.Slot(pba.RoleMain); return err },
		"Predictor.SetChallenger":    func() error { return p.SetChallenger(pba.RoleMain, loadModel(t, "linear_3x.pba"), 1) },
		"Predictor.ClearChallenger":  func() error { return p.ClearChallenger(pba.RoleMain) },
		"Predictor.ChallengerText":   func() error { _, err := p.ChallengerText(pba.RoleMain); return err },
		"Predictor.ChallengerReport": func() error { _, err := p.ChallengerReport(pba.RoleMain); return err },
		"Predictor.PromoteChallenger": func() error {
			_, err := p.PromoteChallenger(pba.RoleMain)
			return err
		},
		"Predictor.Stats":  func() error { _, err := p.Stats(); return err },
		"Model.Info":       func() error { _, err := m.Info(); return err },
		"Model.Metadata":   func() error { _, err := m.Metadata(); return err },
		"Model.Forward":    func() error { return m.Forward(make([]float32, 1), make([]float32, 1)) },
		"Slot.Reload":      func() error { _, err := s.Reload("x.pba"); return err },
		"Slot.ReloadBytes": func() error { _, err := s.ReloadBytes([]byte{1}); return err },
		"Slot.Replace":     func() error { _, err := s.Replace(loadModel(t, "linear_3x.pba")); return err },
		"Slot.Generation":  func() error { _, err := s.Generation(); return err },
		"Policy.Actions":   func() error { _, err := pol.Actions(); return err },
		"Policy.QValues":   func() error { _, err := pol.QValues([]pba.PolicyState{{}}); return err },
		"Policy.Allocate":  func() error { _, err := pol.Allocate(pba.PolicyState{}); return err },
		"Session.Run":      func() error { _, err := ses.Run(make([]float32, 60)); return err },
		"Links.Observe (nil)": func() error {
			return new(pba.Links).Observe([]*pba.Predictor{nil}, []pba.Sample{sample(1, 1, 1, 0, 1)}, nil)
		},
		"Links.Predict (nil)": func() error { return new(pba.Links).Predict([]*pba.Predictor{nil}, make([]pba.Forecast, 1), nil) },
	}
	for name, f := range checks {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", name, r)
				}
			}()
			if err := f(); !errors.Is(err, pba.ErrClosed) {
				t.Errorf("%s: %v, want ErrClosed", name, err)
			}
		}()
	}
	for name, close := range map[string]func() error{"Predictor": p.Close, "Model": m.Close, "Slot": s.Close,
		"Policy": pol.Close, "Session": ses.Destroy} {
		if err := close(); err != nil {
			t.Errorf("closing a nil %s: %v", name, err)
		}
	}
}
