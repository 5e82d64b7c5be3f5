package pba_test

import (
	"errors"
	"strings"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// A slot serving the embedded internet model refuses the v1-shaped test model (other input
// features, window and target) unless the caller passes AllowKindChange.
func TestSlotReloadRefusesAnotherKindUnlessAllowed(t *testing.T) {
	internet, err := pba.DefaultModel("internet")
	if err != nil {
		t.Fatal(err)
	}
	defer internet.Close()
	slot, err := pba.NewSlot(internet)
	if err != nil {
		t.Fatal(err)
	}
	defer slot.Close()

	_, err = slot.Reload("testdata/lstm_v1.pba")
	if !errors.Is(err, pba.ErrInvalidArgument) {
		t.Fatalf("Reload of another kind: %v, want ErrInvalidArgument", err)
	}
	for _, want := range []string{"window 180 samples (serving) vs 10 samples (new)",
		"target mean_over 60 steps (serving) vs value_at 1 steps (new)", "input features bandwidth_mbps (serving)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := slot.ReloadBytes(readFile(t, "lstm_v1.pba")); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("ReloadBytes of another kind: %v, want ErrInvalidArgument", err)
	}
	if g, _ := slot.Generation(); g != 1 {
		t.Errorf("generation %d after refused reloads, want 1", g)
	}

	if g, err := slot.Reload("testdata/lstm_v1.pba", pba.AllowKindChange); err != nil || g != 2 {
		t.Fatalf("Reload with AllowKindChange: %d, %v", g, err)
	}
	if g, err := slot.ReloadBytes(readFile(t, "lstm_v1.pba")); err != nil || g != 3 {
		t.Errorf("ReloadBytes of the same kind: %d, %v", g, err)
	}
}
