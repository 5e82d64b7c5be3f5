package pba

import (
	"fmt"
	"math"
	"time"
)

// The ranges <pba.h> documents for pba_predictor_config.
const (
	maxRollingWindow  = 100000 // accuracy_window, interval_window
	maxAverageSamples = 256    // average_samples
	maxUTCOffset      = 24 * time.Hour
	maxHorizon        = 1e6 * time.Second // horizon_s
)

// check refuses a field out of its range with an error naming it, before any library call.
// The library checks only the fields a predictor uses (a single-model predictor never reads
// Hysteresis), so without this a value like Hysteresis -1 would pass unnoticed.
func (c *PredictorConfig) check() error {
	switch {
	case c.Mode < ModeAuto || c.Mode > ModeHybrid:
		return badField("Mode", int(c.Mode), "ModeAuto, ModeDatacenter, ModeInternet or ModeHybrid")
	case c.UTCOffset < -maxUTCOffset || c.UTCOffset > maxUTCOffset:
		return badField("UTCOffset", c.UTCOffset, "within ±24h")
	case c.SampleInterval < 0:
		return badField("SampleInterval", c.SampleInterval, ">= 0 (0: the model's)")
	case c.AccuracyWindow < 0 || c.AccuracyWindow > maxRollingWindow:
		return badField("AccuracyWindow", c.AccuracyWindow, "in 1..100000 (0: 100)")
	case c.IntervalWindow < 0 || c.IntervalWindow > maxRollingWindow:
		return badField("IntervalWindow", c.IntervalWindow, "in 1..100000 (0: 100)")
	case !(c.IntervalCoverage >= 0 && c.IntervalCoverage < 1):
		return badField("IntervalCoverage", c.IntervalCoverage, "in (0, 1) (0: 0.9)")
	case c.AverageSamples < 0 || c.AverageSamples > maxAverageSamples:
		return badField("AverageSamples", c.AverageSamples, "in 1..256 (0: 10)")
	case c.DwellSamples < 0 || int64(c.DwellSamples) > math.MaxUint32:
		return badField("DwellSamples", c.DwellSamples, "in 1..4294967295 (0: 3)")
	case c.Aggregation < AggregationAuto || c.Aggregation > AggregationOff:
		return badField("Aggregation", int(c.Aggregation), "AggregationAuto, AggregationOn or AggregationOff")
	case c.Horizon < 0 || c.Horizon > maxHorizon:
		return badField("Horizon", c.Horizon, "in [0, 1e6 s] (0: the model's)")
	case c.Horizon > 0 && c.Aggregation == AggregationOff:
		return badField("Horizon", c.Horizon, "0 with AggregationOff (another horizon is served by the aggregate)")
	case !(c.Hysteresis >= 0 && c.Hysteresis < 1):
		return badField("Hysteresis", c.Hysteresis, "in [0, 1) (0: 0.1; DisableHysteresis for none)")
	}
	if t := c.Thresholds; t != nil {
		for _, f := range []struct {
			name    string
			value   float64
			isRatio bool
		}{
			{"DatacenterMaxLatencyMs", t.DatacenterMaxLatencyMs, false},
			{"DatacenterMinBandwidthMbps", t.DatacenterMinBandwidthMbps, false},
			{"DatacenterMaxPacketLoss", t.DatacenterMaxPacketLoss, true},
			{"InternetMinLatencyMs", t.InternetMinLatencyMs, false},
			{"InternetMaxBandwidthMbps", t.InternetMaxBandwidthMbps, false},
			{"InternetMinPacketLoss", t.InternetMinPacketLoss, true},
		} {
			if f.isRatio && !(f.value >= 0 && f.value <= 1) {
				return badField("Thresholds."+f.name, f.value, "a ratio in [0, 1]")
			}
			if !(f.value >= 0 && !math.IsInf(f.value, 1)) {
				return badField("Thresholds."+f.name, f.value, "finite and >= 0")
			}
		}
	}
	return nil
}

func badField(field string, value any, want string) error {
	return invalid(fmt.Sprintf("NewPredictor: PredictorConfig.%s is %v; it must be %s", field, value, want))
}
