package pba_test

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

// A stale value every errs slot starts with, to prove each call writes every slot.
var errStale = errors.New("stale: not written by this call")

func staleErrs(n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = errStale
	}
	return errs
}

// Link 1 of 3 fails (closed, nil, or its sample has no time): links 0 and 2 are observed and
// forecast exactly as their twins, fed the same samples one call at a time.
func TestLinksOneFailedLinkDoesNotStopTheOthers(t *testing.T) {
	for _, failure := range []string{"closed", "nil", "sample without time"} {
		t.Run(failure, func(t *testing.T) {
			m := loadModel(t, "linear_2x_plus_1000.pba")
			cfg := pba.PredictorConfig{Model: m}
			ps := []*pba.Predictor{newPredictor(t, cfg), newPredictor(t, cfg), newPredictor(t, cfg)}
			twins := []*pba.Predictor{newPredictor(t, cfg), nil, newPredictor(t, cfg)}
			observeErr, predictErr := pba.ErrClosed, pba.ErrClosed
			switch failure {
			case "closed":
				ps[1].Close()
			case "nil":
				ps[1] = nil
			default:
				// Link 1 never gets a sample: refused, then not ready; the others forecast.
				observeErr, predictErr = pba.ErrInvalidArgument, pba.ErrNotReady
			}
			var links pba.Links
			for step, bw := range []float64{100, 250, 175, 400} {
				samples := []pba.Sample{sample(float64(10+step), bw, 20, 0, 1), sample(float64(10+step), 1, 1, 0, 1),
					sample(float64(10+step), 2*bw, 30, 0, 1)}
				if failure == "sample without time" {
					samples[1] = pba.Sample{BandwidthMbps: 1}
				}
				errs := staleErrs(3)
				err := links.Observe(ps, samples, errs)
				if !errors.Is(err, observeErr) || errs[0] != nil || !errors.Is(errs[1], observeErr) || errs[2] != nil {
					t.Fatalf("step %d: Observe: %v, errs %v", step, err, errs)
				}
				for _, i := range []int{0, 2} {
					if _, err := twins[i].Observe(samples[i]); err != nil {
						t.Fatal(err)
					}
				}

				forecasts := make([]pba.Forecast, 3)
				forecasts[1].BandwidthMbps = 42 // stale
				errs = staleErrs(3)
				err = links.Predict(ps, forecasts, errs)
				if !errors.Is(err, predictErr) || errs[0] != nil || !errors.Is(errs[1], predictErr) || errs[2] != nil {
					t.Fatalf("step %d: Predict: %v, errs %v", step, err, errs)
				}
				if forecasts[1] != (pba.Forecast{}) {
					t.Errorf("step %d: the failed link's forecast is %+v, want the zero Forecast", step, forecasts[1])
				}
				for _, i := range []int{0, 2} {
					alone, err := twins[i].Predict()
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(forecasts[i], alone) {
						t.Errorf("step %d link %d: batch %+v, alone %+v", step, i, forecasts[i], alone)
					}
				}
				// By hand: 2 bw + 1000 from the newest sample.
				if !near(forecasts[0].BandwidthMbps, 2*bw+1000, 1e-6) || !near(forecasts[2].BandwidthMbps, 4*bw+1000, 1e-6) {
					t.Errorf("step %d: forecasts %v and %v", step, forecasts[0].BandwidthMbps, forecasts[2].BandwidthMbps)
				}
			}
		})
	}
}

// Mode-aware predictors in a batch: after Slot.Reload of the internet model, the hybrid
// forecast carries the new generation and both versions.
func TestLinksHybridForecastShowsReloadedGeneration(t *testing.T) {
	dcSlot, err := pba.NewSlot(loadModel(t, "linear_3x.pba"))
	if err != nil {
		t.Fatal(err)
	}
	defer dcSlot.Close()
	inetSlot, err := pba.NewSlot(loadModel(t, "linear_3x.pba"))
	if err != nil {
		t.Fatal(err)
	}
	defer inetSlot.Close()
	cfg := pba.PredictorConfig{DatacenterSlot: dcSlot, InternetSlot: inetSlot, Mode: pba.ModeHybrid}
	ps := []*pba.Predictor{newPredictor(t, cfg), newPredictor(t, cfg)}
	var links pba.Links
	forecasts := make([]pba.Forecast, 2)
	step := 0.0
	forecast := func() {
		t.Helper()
		step++
		if err := links.Observe(ps, []pba.Sample{sample(step, 100, 20, 0, 1), sample(step, 200, 20, 0, 1)}, nil); err != nil {
			t.Fatal(err)
		}
		if err := links.Predict(ps, forecasts, nil); err != nil {
			t.Fatal(err)
		}
	}
	forecast()
	for i, f := range forecasts {
		if f.Mode != pba.ModeHybrid || f.ModelGeneration != 1 || f.ModelVersion != "lin-2+lin-2" {
			t.Errorf("link %d before the reload: %v, generation %d, version %q", i, f.Mode, f.ModelGeneration, f.ModelVersion)
		}
	}
	generation, err := inetSlot.Reload(filepath.Join("testdata", "linear_2x_plus_1000.pba"))
	if err != nil || generation != 2 {
		t.Fatalf("Reload: %d, %v", generation, err)
	}
	forecast()
	for i, f := range forecasts {
		if f.ModelGeneration != 2 || f.ModelVersion != "lin-2+lin-1" {
			t.Errorf("link %d after the reload: generation %d, version %q", i, f.ModelGeneration, f.ModelVersion)
		}
	}
}

// Twenty internet links (batched through one forward pass per few windows) and one closed in
// the middle: every forecast, and each link's stats, equal its twin's asked one call at a time.
func TestLinksInternetModelBatchedEqualsOneByOne(t *testing.T) {
	m, err := pba.DefaultModel("internet")
	if err != nil {
		t.Fatal(err)
	}
	cfg := pba.PredictorConfig{Model: m}
	const n = 20
	ps, twins := make([]*pba.Predictor, n), make([]*pba.Predictor, n)
	for i := range ps {
		ps[i], twins[i] = newPredictor(t, cfg), newPredictor(t, cfg)
	}
	m.Close()
	const closed = 9
	ps[closed].Close()
	var links pba.Links
	forecasts := make([]pba.Forecast, n)
	errs := make([]error, n)
	batched := 0
	for step := 0; step < 200; step++ {
		samples := make([]pba.Sample, n)
		for i := range samples {
			bw := 20 + float64(i) + 5*math.Sin(0.1*float64(step)+float64(i))
			samples[i] = sample(float64(step), bw, 20+float64(step%7), 0.001, 1.5)
			if i != closed {
				if _, err := twins[i].Observe(samples[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := links.Observe(ps, samples, errs); !errors.Is(err, pba.ErrClosed) {
			t.Fatalf("step %d: Observe: %v", step, err)
		}
		if step%20 != 0 && step < 178 {
			continue
		}
		if err := links.Predict(ps, forecasts, errs); !errors.Is(err, pba.ErrClosed) || !errors.Is(errs[closed], pba.ErrClosed) {
			t.Fatalf("step %d: Predict: %v, link %d: %v", step, err, closed, errs[closed])
		}
		for i := range ps {
			if i == closed {
				continue
			}
			alone, err := twins[i].Predict()
			if err != nil || errs[i] != nil {
				t.Fatalf("step %d link %d: %v, %v", step, i, err, errs[i])
			}
			if !reflect.DeepEqual(forecasts[i], alone) {
				t.Errorf("step %d link %d: batch %+v, alone %+v", step, i, forecasts[i], alone)
			}
			if !alone.Fallback && alone.Aggregated {
				batched++
			}
		}
	}
	if batched == 0 {
		t.Error("no forecast came from the network and the aggregate")
	}
	for i := range ps {
		if i == closed {
			continue
		}
		a, err := ps[i].Stats()
		if err != nil {
			t.Fatal(err)
		}
		b, err := twins[i].Stats()
		if err != nil {
			t.Fatal(err)
		}
		if a.StateBytes == 0 || a.StateBytes != b.StateBytes || a.Predictions != b.Predictions ||
			a.AggregationUpdates != b.AggregationUpdates || a.ModelConfidence != b.ModelConfidence {
			t.Errorf("link %d: stats %+v, twin's %+v", i, a, b)
		}
	}
}

// Nil and closed Links callers: a nil *Links fails every link with ErrClosed.
func TestNilLinksFailsEveryLink(t *testing.T) {
	var links *pba.Links
	ps := []*pba.Predictor{newPredictor(t, pba.PredictorConfig{}), nil}
	errs := staleErrs(2)
	if err := links.Observe(ps, []pba.Sample{sample(1, 1, 1, 0, 1), sample(1, 1, 1, 0, 1)}, errs); !errors.Is(err, pba.ErrClosed) ||
		!errors.Is(errs[0], pba.ErrClosed) || !errors.Is(errs[1], pba.ErrClosed) {
		t.Errorf("Observe: %v, %v", err, errs)
	}
	forecasts := []pba.Forecast{{BandwidthMbps: 1}, {BandwidthMbps: 2}}
	errs = staleErrs(2)
	if err := links.Predict(ps, forecasts, errs); !errors.Is(err, pba.ErrClosed) || !errors.Is(errs[0], pba.ErrClosed) ||
		!errors.Is(errs[1], pba.ErrClosed) || forecasts[0] != (pba.Forecast{}) || forecasts[1] != (pba.Forecast{}) {
		t.Errorf("Predict: %v, %v, %+v", err, errs, forecasts)
	}
}

// A batch's errors name their link: a nil or closed predictor's says which, and the returned
// error (the first failed link's) how many failed, whether the library or the package failed it.
// A sample without a time reaches the library, which refuses and counts it.
func TestLinksErrorsNameTheLink(t *testing.T) {
	cfg := pba.PredictorConfig{Model: loadModel(t, "linear_2x_plus_1000.pba")}
	ready, unready, closed := newPredictor(t, cfg), newPredictor(t, cfg), newPredictor(t, cfg)
	closed.Close()
	var links pba.Links
	errs := staleErrs(4)
	err := links.Observe([]*pba.Predictor{ready, closed, unready, nil},
		[]pba.Sample{sample(1, 100, 20, 0, 1), sample(1, 100, 20, 0, 1), pba.NewSample(time.Time{}), sample(1, 100, 20, 0, 1)}, errs)
	if !errors.Is(err, pba.ErrClosed) || !strings.Contains(err.Error(), "link 1: the predictor is nil or closed (3 of 4 links failed)") {
		t.Errorf("Observe: %v", err)
	}
	if errs[0] != nil || !errors.Is(errs[2], pba.ErrInvalidArgument) || !errors.Is(errs[3], pba.ErrClosed) ||
		!strings.Contains(errs[3].Error(), "link 3: the predictor is nil or closed") {
		t.Errorf("Observe: errs %v", errs)
	}
	if st, err := unready.Stats(); err != nil || st.SamplesRefusedInvalidTimestamp != 1 {
		t.Errorf("the sample without a time was not counted: %+v, %v", st, err)
	}
	forecasts := make([]pba.Forecast, 4)
	errs = staleErrs(4)
	err = links.Predict([]*pba.Predictor{ready, unready, closed, nil}, forecasts, errs)
	if !errors.Is(err, pba.ErrNotReady) || !strings.Contains(err.Error(), "link 1; 3 of 4 links failed") {
		t.Errorf("Predict: %v", err)
	}
	if errs[0] != nil || !errors.Is(errs[2], pba.ErrClosed) || !strings.Contains(errs[2].Error(), "link 2: the predictor") {
		t.Errorf("Predict: errs %v", errs)
	}
}
