package pba_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

// Every configuration field out of its range is refused with ErrInvalidArgument naming the
// field, for a single-model predictor too (which the library would not check, since it does
// not read the mode detector's fields).
func TestPredictorConfigRanges(t *testing.T) {
	thresholds := func(edit func(*pba.ModeThresholds)) *pba.ModeThresholds {
		th := pba.DefaultModeThresholds()
		edit(&th)
		return &th
	}
	bad := []struct {
		field string
		cfg   pba.PredictorConfig
	}{
		{"Mode", pba.PredictorConfig{Mode: -1}},
		{"Mode", pba.PredictorConfig{Mode: pba.ModeHybrid + 1}},
		{"UTCOffset", pba.PredictorConfig{UTCOffset: 24*time.Hour + time.Second}},
		{"UTCOffset", pba.PredictorConfig{UTCOffset: -25 * time.Hour}},
		{"SampleInterval", pba.PredictorConfig{SampleInterval: -time.Second}},
		{"AccuracyWindow", pba.PredictorConfig{AccuracyWindow: -1}},
		{"AccuracyWindow", pba.PredictorConfig{AccuracyWindow: 100001}},
		{"IntervalWindow", pba.PredictorConfig{IntervalWindow: -1}},
		{"IntervalWindow", pba.PredictorConfig{IntervalWindow: 100001}},
		{"IntervalCoverage", pba.PredictorConfig{IntervalCoverage: -0.1}},
		{"IntervalCoverage", pba.PredictorConfig{IntervalCoverage: 1}},
		{"IntervalCoverage", pba.PredictorConfig{IntervalCoverage: math.NaN()}},
		{"AverageSamples", pba.PredictorConfig{AverageSamples: -1}},
		{"AverageSamples", pba.PredictorConfig{AverageSamples: 257}},
		{"DwellSamples", pba.PredictorConfig{DwellSamples: -1}},
		{"DwellSamples", pba.PredictorConfig{DwellSamples: math.MaxUint32 + 1}},
		{"Hysteresis", pba.PredictorConfig{Hysteresis: -1}},
		{"Hysteresis", pba.PredictorConfig{Hysteresis: -1, DisableHysteresis: true}},
		{"Hysteresis", pba.PredictorConfig{Hysteresis: 1}},
		{"Hysteresis", pba.PredictorConfig{Hysteresis: math.NaN()}},
		{"Thresholds.DatacenterMaxLatencyMs", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.DatacenterMaxLatencyMs = -1
		})}},
		{"Thresholds.DatacenterMinBandwidthMbps", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.DatacenterMinBandwidthMbps = math.Inf(1)
		})}},
		{"Thresholds.DatacenterMaxPacketLoss", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.DatacenterMaxPacketLoss = 1.5
		})}},
		{"Thresholds.InternetMinLatencyMs", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.InternetMinLatencyMs = math.NaN()
		})}},
		{"Thresholds.InternetMaxBandwidthMbps", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.InternetMaxBandwidthMbps = -0.5
		})}},
		{"Thresholds.InternetMinPacketLoss", pba.PredictorConfig{Thresholds: thresholds(func(t *pba.ModeThresholds) {
			t.InternetMinPacketLoss = -0.01
		})}},
	}
	single := loadModel(t, "linear_3x.pba")
	for _, c := range bad {
		for _, kind := range []string{"mode-aware", "single-model"} {
			cfg := c.cfg
			if kind == "single-model" {
				if c.field == "Mode" {
					continue // the mode is the library's to refuse for a single model: it must be ModeAuto
				}
				cfg.Model = single
			}
			p, err := pba.NewPredictor(cfg)
			if p != nil || !errors.Is(err, pba.ErrInvalidArgument) || !strings.Contains(err.Error(), "PredictorConfig."+c.field+" ") {
				t.Errorf("%s %s %+v: %v", kind, c.field, c.cfg, err)
			}
		}
	}

	// The edges of each range are accepted.
	good := []pba.PredictorConfig{
		{UTCOffset: 24 * time.Hour, SampleInterval: 0, AccuracyWindow: 100000, IntervalWindow: 1,
			IntervalCoverage: 0.999, AverageSamples: 256, DwellSamples: math.MaxUint32, Hysteresis: 0.999},
		{UTCOffset: -24 * time.Hour, MaxGap: -time.Second, AccuracyWindow: 1, IntervalWindow: 100000,
			AverageSamples: 1, DwellSamples: 1, DisableHysteresis: true,
			Thresholds: &pba.ModeThresholds{DatacenterMaxPacketLoss: 1, InternetMinPacketLoss: 0}},
	}
	for _, cfg := range good {
		p, err := pba.NewPredictor(cfg)
		if err != nil {
			t.Errorf("%+v: %v", cfg, err)
			continue
		}
		p.Close()
	}
}
