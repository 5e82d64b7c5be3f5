package pba

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A library of another ABI than the header's is an error from the first call, not a panic
// when the package loads: typed, matchable, and naming both versions.
func TestABIMismatchIsAnErrorFromEveryCall(t *testing.T) {
	if err := CheckABI(); err != nil {
		t.Fatalf("the installed library: %v", err)
	}
	mismatch := checkABI(HeaderABIVersion+1, HeaderABIVersion)
	var e *Error
	if !errors.Is(mismatch, ErrABIMismatch) || !errors.As(mismatch, &e) || e.Code != ErrABIMismatch {
		t.Fatalf("not typed: %#v", mismatch)
	}
	for _, want := range []string{fmt.Sprintf("ABI version is %d", HeaderABIVersion+1), fmt.Sprintf("ABI %d", HeaderABIVersion)} {
		if !strings.Contains(mismatch.Error(), want) {
			t.Errorf("message %q does not say %q", mismatch, want)
		}
	}

	abiErr = mismatch
	defer func() { abiErr = nil }()
	if !errors.Is(CheckABI(), ErrABIMismatch) {
		t.Errorf("CheckABI: %v", CheckABI())
	}
	if _, err := DefaultModel("v1"); !errors.Is(err, ErrABIMismatch) {
		t.Errorf("DefaultModel: %v", err)
	}
	if _, err := NewPredictor(PredictorConfig{}); !errors.Is(err, ErrABIMismatch) {
		t.Errorf("NewPredictor: %v", err)
	}
	if _, err := AMSTParameters(Forecast{BandwidthMbps: 100}); !errors.Is(err, ErrABIMismatch) {
		t.Errorf("AMSTParameters: %v", err)
	}
	if _, _, err := Reward(PolicyState{}, 50); !errors.Is(err, ErrABIMismatch) {
		t.Errorf("Reward: %v", err)
	}
}
