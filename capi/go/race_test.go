package pba_test

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

// Goroutines forecast on predictors sharing a slot, one predictor also shared between
// goroutines, while another goroutine hot-reloads the slot: every forecast comes wholly from
// one model (its value matches its version). Run with -race.
func TestConcurrentForecastsDuringReloads(t *testing.T) {
	two := readFile(t, "linear_2x_plus_1000.pba")
	three := readFile(t, "linear_3x.pba")
	m := loadModel(t, "linear_2x_plus_1000.pba")
	slot, err := pba.NewSlot(m)
	if err != nil {
		t.Fatal(err)
	}
	defer slot.Close()
	shared := newPredictor(t, pba.PredictorConfig{Slot: slot})

	var torn, failures atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	check := func(f pba.Forecast, bw float64) {
		want := map[string]float64{"lin-1": 2*bw + 1000, "lin-2": 3 * bw}[f.ModelVersion]
		if !near(f.BandwidthMbps, want, 1e-6) {
			torn.Add(1)
		}
	}
	for g := 0; g < 4; g++ {
		own := newPredictor(t, pba.PredictorConfig{Slot: slot})
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			bw := 100 + 10*float64(g)
			var f pba.Forecast
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := own.Observe(sample(float64(i), bw, 10, 0, 1)); err != nil {
					failures.Add(1)
				}
				if err := own.PredictInto(&f); err != nil {
					failures.Add(1)
				} else {
					check(f, bw)
				}
				// The shared predictor: samples from several goroutines may repeat timestamps,
				// which is refused, never a crash.
				shared.Observe(sample(float64(i), 500, 10, 0, 1))
				if f, err := shared.Predict(); err == nil {
					check(f, 500)
				}
			}
		}(g)
	}
	for i := 0; i < 200; i++ {
		data := two
		if i%2 == 0 {
			data = three
		}
		if _, err := slot.ReloadBytes(data); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if torn.Load() != 0 || failures.Load() != 0 {
		t.Errorf("%d torn forecasts, %d failed calls", torn.Load(), failures.Load())
	}
}

// Close racing with every kind of use: each call returns a result or ErrClosed, never
// crashes, never another error.
func TestCloseRacingWithUse(t *testing.T) {
	for round := 0; round < 50; round++ {
		m := loadModel(t, "lstm_v1.pba")
		p, err := pba.NewPredictor(pba.PredictorConfig{Model: m})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var unexpected atomic.Int64
		ok := func(err error) {
			if err != nil && !errors.Is(err, pba.ErrClosed) && !errors.Is(err, pba.ErrNotReady) {
				unexpected.Add(1)
				t.Log(err)
			}
		}
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				in, out := make([]float32, 60), make([]float32, 4)
				for i := 0; i < 30; i++ {
					_, err := p.Observe(sample(float64(100*g+i), 100, 10, 0, 1))
					if err != nil && errors.Is(err, pba.ErrInvalidArgument) {
						err = nil // timestamps interleaved across goroutines go backwards
					}
					ok(err)
					_, err = p.Predict()
					ok(err)
					_, err = p.Stats()
					ok(err)
					ok(m.Forward(in, out))
					_, err = m.Info()
					ok(err)
				}
			}(g)
		}
		wg.Add(2)
		go func() { defer wg.Done(); ok(p.Close()) }()
		go func() { defer wg.Done(); ok(m.Close()) }()
		wg.Wait()
		if unexpected.Load() != 0 {
			t.Fatalf("round %d: %d unexpected errors", round, unexpected.Load())
		}
		if _, err := p.Predict(); !errors.Is(err, pba.ErrClosed) {
			t.Fatalf("Predict after Close: %v", err)
		}
	}
}

// A handle dropped without Close is freed by its finalizer; Close after that is not needed.
func TestFinalizerFreesForgottenHandles(t *testing.T) {
	for i := 0; i < 100; i++ {
		m, err := pba.LoadModel("testdata/linear_3x.pba", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pba.NewPredictor(pba.PredictorConfig{Model: m}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}
