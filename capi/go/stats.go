package pba

/*
#include <stdlib.h>
#include <pba.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// FieldAccuracy is the accuracy of one forecast field over matched forecasts.
type FieldAccuracy struct {
	Count        uint64  // forecasts whose actual value was known
	MAE          float64 // mean |predicted - actual| in the field's unit
	NonzeroCount uint64
	MAPE         float64 // mean |predicted - actual| / |actual|, a ratio
	Within20Pct  float64 // share within +-20% of the actual
}

// Accuracy summarises matched forecasts over a rolling window.
type Accuracy struct {
	Matched                                uint64
	Bandwidth, Latency, PacketLoss, Jitter FieldAccuracy
	RelativeErrorCount                     uint64
	MeanRelativeError                      float64 // (|dbw|/bw + |dlat|/lat) / 2
	Accuracy                               float64 // clamp(1 - MeanRelativeError, 0, 1)
}

func accuracyFromC(c *C.pba_accuracy) Accuracy {
	f := func(i int) FieldAccuracy {
		x := &c.fields[i]
		return FieldAccuracy{uint64(x.count), float64(x.mae), uint64(x.nonzero_count), float64(x.mape), float64(x.within_20pct)}
	}
	return Accuracy{
		Matched: uint64(c.matched), Bandwidth: f(0), Latency: f(1), PacketLoss: f(2), Jitter: f(3),
		RelativeErrorCount: uint64(c.relative_error_count), MeanRelativeError: float64(c.mean_relative_error),
		Accuracy: float64(c.accuracy),
	}
}

// PredictorStats is a snapshot of a predictor's counters and accuracy.
type PredictorStats struct {
	Predictions, ModelPredictions, FallbackPredictions uint64
	PredictionsByMode                                  map[Mode]uint64
	FallbacksByReason                                  map[FallbackReason]uint64
	ModeSwitches                                       uint64
	Mode                                               Mode // of the latest forecast

	SamplesAccepted, SamplesRefusedInvalidTimestamp uint64
	SamplesRefusedRepeatedTimestamp                 uint64
	SamplesRefusedBackwardTimestamp                 uint64
	WindowResets, DroppedValues                     uint64
	ForecastsMatched, ForecastsExpired              uint64

	LatencyCount                                                uint64  // predictions timed
	LatencyP50, LatencyP95, LatencyP99, LatencyMax, LatencyMean float64 // microseconds

	Accuracy, ModelAccuracy         Accuracy
	ModelConfidence, LastConfidence float64

	IntervalTargetCoverage, IntervalHalfWidthMbps float64
	IntervalChecked, IntervalCovered              uint64
	IntervalMeasuredCoverage                      float64

	ModelGeneration, ReloadsSucceeded, ReloadsRefused uint64
	ModelVersion                                      string

	// The online aggregate (all zero when the predictor does not serve one): each member's
	// weight now (summing to 1), the one weighted most, and the matured forecasts that moved them.
	Aggregating        bool
	LeadingMember      AggregationMember
	LeadingWeight      float64
	MemberWeights      [AggregationMemberCount]float64
	AggregationUpdates uint64

	// Bytes of this link's own state (a mode-aware predictor's members and any challenger
	// included); the shared model and the buffers its forecasts borrow are not counted.
	StateBytes uint64
}

// Stats returns a snapshot of the predictor's counters and accuracy.
func (p *Predictor) Stats() (PredictorStats, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return PredictorStats{}, err
	}
	defer p.h.release()
	var c C.pba_predictor_stats
	c.struct_size = C.sizeof_pba_predictor_stats
	if err := call(func() C.pba_status { return C.pba_predictor_get_stats(h, &c) }); err != nil {
		return PredictorStats{}, err
	}
	s := PredictorStats{
		Predictions: uint64(c.predictions), ModelPredictions: uint64(c.model_predictions),
		FallbackPredictions: uint64(c.fallback_predictions),
		PredictionsByMode: map[Mode]uint64{
			ModeDatacenter: uint64(c.predictions_by_mode[0]), ModeInternet: uint64(c.predictions_by_mode[1]),
			ModeHybrid: uint64(c.predictions_by_mode[2]),
		},
		FallbacksByReason:               map[FallbackReason]uint64{},
		ModeSwitches:                    uint64(c.mode_switches),
		Mode:                            Mode(c.mode),
		SamplesAccepted:                 uint64(c.samples_accepted),
		SamplesRefusedInvalidTimestamp:  uint64(c.samples_refused_invalid_timestamp),
		SamplesRefusedRepeatedTimestamp: uint64(c.samples_refused_repeated_timestamp),
		SamplesRefusedBackwardTimestamp: uint64(c.samples_refused_backwards_timestamp),
		WindowResets:                    uint64(c.window_resets),
		DroppedValues:                   uint64(c.dropped_values),
		ForecastsMatched:                uint64(c.forecasts_matched),
		ForecastsExpired:                uint64(c.forecasts_expired),
		LatencyCount:                    uint64(c.latency_count),
		LatencyP50:                      float64(c.latency_p50_us),
		LatencyP95:                      float64(c.latency_p95_us),
		LatencyP99:                      float64(c.latency_p99_us),
		LatencyMax:                      float64(c.latency_max_us),
		LatencyMean:                     float64(c.latency_mean_us),
		Accuracy:                        accuracyFromC(&c.accuracy),
		ModelAccuracy:                   accuracyFromC(&c.model_accuracy),
		ModelConfidence:                 float64(c.model_confidence),
		LastConfidence:                  float64(c.last_confidence),
		IntervalTargetCoverage:          float64(c.interval_target_coverage),
		IntervalHalfWidthMbps:           float64(c.interval_half_width_mbps),
		IntervalChecked:                 uint64(c.interval_checked),
		IntervalCovered:                 uint64(c.interval_covered),
		IntervalMeasuredCoverage:        float64(c.interval_measured_coverage),
		ModelGeneration:                 uint64(c.model_generation),
		ReloadsSucceeded:                uint64(c.reloads_succeeded),
		ReloadsRefused:                  uint64(c.reloads_refused),
		ModelVersion:                    C.GoString(&c.model_version[0]),
	}
	for i := range c.fallbacks_by_reason {
		if i != int(FallbackNone) {
			s.FallbacksByReason[FallbackReason(i)] = uint64(c.fallbacks_by_reason[i])
		}
	}
	s.FallbacksByReason[FallbackNotApplicable] = uint64(c.fallbacks_not_applicable)
	s.Aggregating = c.aggregating != 0
	s.LeadingMember = AggregationMember(c.leading_member)
	s.LeadingWeight = float64(c.leading_weight)
	for i := range s.MemberWeights {
		s.MemberWeights[i] = float64(c.member_weights[i])
	}
	s.AggregationUpdates = uint64(c.aggregation_updates)
	s.StateBytes = uint64(c.state_bytes)
	return s, nil
}

// ModelScore is how one model did in a champion/challenger comparison.
type ModelScore struct {
	ModelVersion         string
	Forecasts, Fallbacks uint64
	Accuracy             Accuracy
	HorizonSeconds       float64
	Target               TargetKind
}

// Winner names the better model of a comparison.
type Winner int

const (
	WinnerUndecided  Winner = C.PBA_WINNER_UNDECIDED
	WinnerChampion   Winner = C.PBA_WINNER_CHAMPION
	WinnerChallenger Winner = C.PBA_WINNER_CHALLENGER
)

// ChallengerReport compares the serving model with its challenger.
type ChallengerReport struct {
	Champion, Challenger ModelScore
	Better               Winner // lower bandwidth MAE once both have MinMatched scored forecasts
	Comparable           bool   // same target kind and horizon
	MinMatched           uint64
}

func scoreFromC(c *C.pba_model_score) ModelScore {
	return ModelScore{
		ModelVersion: C.GoString(&c.model_version[0]), Forecasts: uint64(c.forecasts), Fallbacks: uint64(c.fallbacks),
		Accuracy: accuracyFromC(&c.accuracy), HorizonSeconds: float64(c.horizon_s), Target: TargetKind(c.target),
	}
}

// ChallengerReport returns the comparison so far; ErrNotReady without a challenger.
func (p *Predictor) ChallengerReport(role Role) (ChallengerReport, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return ChallengerReport{}, err
	}
	defer p.h.release()
	var c C.pba_challenger_report
	c.struct_size = C.sizeof_pba_challenger_report
	if err := call(func() C.pba_status { return C.pba_predictor_challenger_report(h, C.pba_role(role), &c) }); err != nil {
		return ChallengerReport{}, err
	}
	return ChallengerReport{
		Champion: scoreFromC(&c.champion), Challenger: scoreFromC(&c.challenger), Better: Winner(c.better),
		Comparable: c.comparable != 0, MinMatched: uint64(c.min_matched),
	}, nil
}

// Link names a predictor for metrics: its series carry link="<Name>".
type Link struct {
	Name      string
	Predictor *Predictor
}

// PrometheusText renders the links' stats in the Prometheus text exposition format (0.0.4),
// with the transport's metric names (dwcp_pba_predictions_total, dwcp_pba_prediction_latency_ms,
// dwcp_pba_prediction_accuracy, dwcp_pba_confidence, dwcp_pba_model_version, ...), each family
// once and one series per link.
func PrometheusText(links []Link) (string, error) {
	handles := make([]*C.pba_predictor, len(links))
	names := make([]*C.char, len(links))
	defer func() {
		for _, n := range names {
			C.free(unsafe.Pointer(n))
		}
	}()
	if err := acquireAll("PrometheusText", links, handles); err != nil {
		return "", err
	}
	defer releaseAll(links)
	for i, l := range links {
		names[i] = C.CString(l.Name)
	}
	var hp **C.pba_predictor
	var np **C.char
	if len(links) > 0 {
		hp = &handles[0]
		np = &names[0]
	}
	text, err := readText(func(buf *C.char, capacity C.size_t, required *C.size_t) C.pba_status {
		return C.pba_prometheus_text(hp, np, C.size_t(len(links)), buf, capacity, required)
	})
	runtime.KeepAlive(handles)
	runtime.KeepAlive(names)
	return text, err
}
