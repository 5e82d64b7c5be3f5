package pba

/*
#include <pba.h>
*/
import "C"

import (
	"math"
	"time"
)

// Missing marks a value that was not measured (NaN). Any measured field of a Sample may be
// missing; the model's metadata says how a missing input is filled.
var Missing = math.NaN()

// Sample is one measurement of a link. A field left at zero is a measured 0 (a link with no
// bandwidth): start from NewSample, whose fields are all Missing, and set what was measured.
type Sample struct {
	// Required: a sample whose Time is the zero Time is refused with ErrInvalidArgument and
	// counted as an invalid timestamp (PredictorStats.SamplesRefusedInvalidTimestamp).
	Time           time.Time
	BandwidthMbps  float64
	LatencyMs      float64
	PacketLoss     float64 // ratio 0..1
	JitterMs       float64
	ThroughputMbps float64
	Reliability    float64 // ratio 0..1
}

// NewSample returns a sample at t with every measured field Missing.
func NewSample(t time.Time) Sample {
	return Sample{Time: t, BandwidthMbps: Missing, LatencyMs: Missing, PacketLoss: Missing, JitterMs: Missing,
		ThroughputMbps: Missing, Reliability: Missing}
}

func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

func fromUnixSeconds(s float64) time.Time {
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9)))
}

// c converts a sample. A zero Time (a sample whose time was never set) becomes a NaN timestamp,
// which the library refuses and counts as invalid like any other; as seconds it would be a
// valid date in year 1.
func (s *Sample) c() C.pba_sample {
	timestamp := math.NaN()
	if !s.Time.IsZero() {
		timestamp = unixSeconds(s.Time)
	}
	return C.pba_sample{
		struct_size:      C.sizeof_pba_sample,
		timestamp_unix_s: C.double(timestamp),
		bandwidth_mbps:   C.double(s.BandwidthMbps),
		latency_ms:       C.double(s.LatencyMs),
		packet_loss:      C.double(s.PacketLoss),
		jitter_ms:        C.double(s.JitterMs),
		throughput_mbps:  C.double(s.ThroughputMbps),
		reliability:      C.double(s.Reliability),
	}
}

// Field is a set of sample fields (a bit mask).
type Field uint32

const (
	FieldBandwidth   Field = C.PBA_FIELD_BANDWIDTH
	FieldLatency     Field = C.PBA_FIELD_LATENCY
	FieldPacketLoss  Field = C.PBA_FIELD_PACKET_LOSS
	FieldJitter      Field = C.PBA_FIELD_JITTER
	FieldThroughput  Field = C.PBA_FIELD_THROUGHPUT
	FieldReliability Field = C.PBA_FIELD_RELIABILITY
)

// Mode is the kind of link a forecast is made for.
type Mode int

const (
	ModeAuto       Mode = C.PBA_MODE_AUTO // classify each link from its samples (configuration only)
	ModeDatacenter Mode = C.PBA_MODE_DATACENTER
	ModeInternet   Mode = C.PBA_MODE_INTERNET
	ModeHybrid     Mode = C.PBA_MODE_HYBRID
)

func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeDatacenter:
		return "datacenter"
	case ModeInternet:
		return "internet"
	case ModeHybrid:
		return "hybrid"
	}
	return "unknown"
}

// TargetKind says what a forecast's values stand for.
type TargetKind int

const (
	TargetValueAt  TargetKind = C.PBA_TARGET_VALUE_AT  // the value HorizonSteps samples ahead
	TargetMeanOver TargetKind = C.PBA_TARGET_MEAN_OVER // the mean of the next HorizonSteps samples
)

// FallbackReason says why a forecast came from the fallback rule.
type FallbackReason int

const (
	FallbackNone          FallbackReason = C.PBA_FALLBACK_NONE
	FallbackNoModel       FallbackReason = C.PBA_FALLBACK_NO_MODEL
	FallbackWindowFilling FallbackReason = C.PBA_FALLBACK_WINDOW_FILLING
	FallbackInvalidInput  FallbackReason = C.PBA_FALLBACK_INVALID_INPUT
	FallbackModelError    FallbackReason = C.PBA_FALLBACK_MODEL_ERROR
	// The link's sample interval is not the model's (by more than half of it), or another
	// Horizon was asked: the model does not answer.
	FallbackNotApplicable FallbackReason = C.PBA_FALLBACK_NOT_APPLICABLE
)

// Forecast is a forecast of one link. Every number is finite.
type Forecast struct {
	BandwidthMbps float64
	LatencyMs     float64
	PacketLoss    float64 // 0..1
	JitterMs      float64
	Confidence    float64 // 0..1; <= 0.5 from the fallback rule

	// [BandwidthLowMbps, BandwidthHighMbps] holds the actual bandwidth with probability
	// IntervalCoverage (0 until enough forecasts were checked to size the interval).
	BandwidthLowMbps  float64
	BandwidthHighMbps float64
	IntervalCoverage  float64

	MadeAt       time.Time // time of the newest sample used
	TargetTime   time.Time // MadeAt + Horizon
	Horizon      time.Duration
	HorizonSteps int
	Target       TargetKind

	Mode            Mode // the mode that answered
	Fallback        bool // the model did not answer: every value but an Aggregated bandwidth is the fallback rule's
	FallbackReason  FallbackReason
	FallbackFields  Field  // values the model did not answer (the fallback rule's, or the aggregate's)
	UnknownFields   Field  // fields never measured on this link, reported as 0
	ModelGeneration uint64 // of the answering model's slot (a hybrid of both: the internet one's); 0: none
	ModelVersion    string // of the answering model; "datacenter+internet" for a hybrid of both, "" for none

	// Aggregated: BandwidthMbps is the link's online aggregate of the network and smoothers
	// (FallbackFields still says whether the network answered); LeadingMember is the member
	// weighted most, LeadingWeight its weight (0..1). NetworkBandwidthMbps is the network's own
	// forecast, 0 when it did not answer.
	Aggregated           bool
	LeadingMember        AggregationMember
	LeadingWeight        float64
	NetworkBandwidthMbps float64
}

// fromC converts a forecast; version is a cached copy of its model version, reused (without
// allocating) when equal.
func (f *Forecast) fromC(c *C.pba_forecast, version string) {
	f.BandwidthMbps = float64(c.bandwidth_mbps)
	f.LatencyMs = float64(c.latency_ms)
	f.PacketLoss = float64(c.packet_loss)
	f.JitterMs = float64(c.jitter_ms)
	f.Confidence = float64(c.confidence)
	f.BandwidthLowMbps = float64(c.bandwidth_low_mbps)
	f.BandwidthHighMbps = float64(c.bandwidth_high_mbps)
	f.IntervalCoverage = float64(c.interval_coverage)
	f.MadeAt = fromUnixSeconds(float64(c.made_at_unix_s))
	f.TargetTime = fromUnixSeconds(float64(c.target_unix_s))
	f.Horizon = time.Duration(float64(c.horizon_s) * float64(time.Second))
	f.HorizonSteps = int(c.horizon_steps)
	f.Target = TargetKind(c.target)
	f.Mode = Mode(c.mode)
	f.Fallback = c.fallback != 0
	f.FallbackReason = FallbackReason(c.fallback_reason)
	f.FallbackFields = Field(c.fallback_fields)
	f.UnknownFields = Field(c.unknown_fields)
	f.ModelGeneration = uint64(c.model_generation)
	f.ModelVersion = goString(c.model_version[:], version)
	f.Aggregated = c.aggregated != 0
	f.LeadingMember = AggregationMember(c.leading_member)
	f.LeadingWeight = float64(c.leading_weight)
	f.NetworkBandwidthMbps = float64(c.network_bandwidth_mbps)
}
