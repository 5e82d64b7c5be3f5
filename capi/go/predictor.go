package pba

/*
#include <stdlib.h>
#include <pba.h>

// Hot calls take the handle as void*: cgo boxes a pointer to an incomplete struct type when it
// checks the arguments (one allocation per call), a void* it does not.
static inline pba_status go_observe(void* p, const pba_sample* s, pba_observe_result* r) {
    return pba_predictor_observe((pba_predictor*)p, s, r);
}
static inline pba_status go_predict(void* p, pba_forecast* f) { return pba_predictor_predict((pba_predictor*)p, f); }
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// ModeThresholds are the mode detector's thresholds, applied to moving averages: datacenter
// when latency < DatacenterMaxLatencyMs, bandwidth >= DatacenterMinBandwidthMbps and loss <=
// DatacenterMaxPacketLoss; else internet when latency > InternetMinLatencyMs, bandwidth <
// InternetMaxBandwidthMbps or loss > InternetMinPacketLoss; else hybrid.
type ModeThresholds struct {
	DatacenterMaxLatencyMs     float64
	DatacenterMinBandwidthMbps float64
	DatacenterMaxPacketLoss    float64
	InternetMinLatencyMs       float64
	InternetMaxBandwidthMbps   float64
	InternetMinPacketLoss      float64
}

// DefaultModeThresholds are the transport's: 10 ms, 1000 Mbps, 0.001; 50 ms, 1000 Mbps, 0.01.
func DefaultModeThresholds() ModeThresholds {
	c := C.pba_predictor_config_default()
	return ModeThresholds{
		DatacenterMaxLatencyMs:     float64(c.datacenter_max_latency_ms),
		DatacenterMinBandwidthMbps: float64(c.datacenter_min_bandwidth_mbps),
		DatacenterMaxPacketLoss:    float64(c.datacenter_max_packet_loss),
		InternetMinLatencyMs:       float64(c.internet_min_latency_ms),
		InternetMaxBandwidthMbps:   float64(c.internet_max_bandwidth_mbps),
		InternetMinPacketLoss:      float64(c.internet_min_packet_loss),
	}
}

// PredictorConfig configures a predictor; the zero value of every field is its default.
//
// Models: either one model for every link (Model or Slot), or a datacenter and an internet model
// (DatacenterModel/DatacenterSlot, InternetModel/InternetSlot; either may be absent) for a
// mode-aware predictor. Nothing set: a mode-aware predictor answering from the fallback rule.
// The predictor keeps what it needs alive: the caller may close models and slots afterwards.
type PredictorConfig struct {
	Model           *Model
	Slot            *Slot
	DatacenterModel *Model
	DatacenterSlot  *Slot
	InternetModel   *Model
	InternetSlot    *Slot

	// Mode-aware predictors: ModeAuto (default) classifies each link; another mode forces it.
	Mode Mode

	UTCOffset        time.Duration // local time for hour-of-day/day-of-week features
	SampleInterval   time.Duration // 0: the model's
	MaxGap           time.Duration // a longer gap restarts the window; 0: 10 x interval; < 0: never
	AccuracyWindow   int           // matched forecasts in the rolling accuracy; 0: 100
	IntervalWindow   int           // residuals sizing the interval; 0: 100
	IntervalCoverage float64       // 0: 0.9
	MatchActualsOnly bool          // forecasts are settled only by RecordActual, not by Observe

	// The rule behind Forecast.Confidence: ConfidenceTransport (default) or ConfidenceCalibrated.
	Confidence ConfidenceRule
	// The calibrated rule's "within": |actual - forecast| <= tolerance x actual; in (0, 1]; 0: 0.2.
	ConfidenceTolerance float64

	// Whether Forecast.BandwidthMbps is the network's forecast or the online per-link aggregate
	// of it with simple smoothers (docs/aggregation.md); AggregationAuto (default) decides.
	Aggregation AggregationPolicy
	// The horizon served; 0: the model's. Another horizon (e.g. 15 * time.Minute) is served by
	// the aggregate of smoothers forecasting the mean bandwidth over it (the model does not
	// answer: FallbackNotApplicable); it needs Aggregation other than AggregationOff. At most 1e6 s.
	Horizon time.Duration

	// Mode detection (mode-aware predictors with ModeAuto).
	AverageSamples    int             // moving-average length; 0: 10
	DwellSamples      int             // consecutive samples before a switch; 0: 3
	Hysteresis        float64         // margin as a ratio; 0: 0.1
	DisableHysteresis bool            // no margin (Hysteresis ignored)
	Thresholds        *ModeThresholds // nil: DefaultModeThresholds
}

// ConfidenceRule says how Forecast.Confidence is computed (docs/predictors.md, "Confidence").
type ConfidenceRule int

const (
	// ConfidenceTransport is the transport's rule: clamp(1 - mean relative error / 0.2, 0, 1).
	ConfidenceTransport ConfidenceRule = C.PBA_CONFIDENCE_TRANSPORT
	// ConfidenceCalibrated is the probability, estimated from the link's own matured forecasts
	// (its prior: those of the other links on the same Model in this process), that the
	// measured bandwidth lies within ConfidenceTolerance of the forecast.
	ConfidenceCalibrated ConfidenceRule = C.PBA_CONFIDENCE_CALIBRATED
)

// AggregationPolicy says whether the served bandwidth is the network's forecast alone or the
// link's online aggregate of it with simple smoothers, weighted by their matured errors.
type AggregationPolicy int

const (
	// AggregationAuto: on for a model forecasting an internet link's mean over its horizon (the
	// embedded "internet"), and for a link the model cannot answer (sampled at another interval
	// than the model's, or another Horizon asked); off otherwise and without a model.
	AggregationAuto AggregationPolicy = C.PBA_AGGREGATION_AUTO
	AggregationOn   AggregationPolicy = C.PBA_AGGREGATION_ON
	// AggregationOff: the network's forecast alone, else the fallback rule (pba 1.0).
	AggregationOff AggregationPolicy = C.PBA_AGGREGATION_OFF
)

// AggregationMember names a member of the aggregate.
type AggregationMember int

const (
	MemberNetwork     AggregationMember = iota // the model's forecast, when it answered
	MemberPersistence                          // the newest sample
	MemberMA10                                 // the mean of the newest 10 samples
	MemberEWMA0_5                              // EWMAs, alpha per sample
	MemberEWMA0_2
	MemberEWMA0_05
	MemberEWMA0_02
	MemberEWMA0_005
	MemberEWMA0_001
	AggregationMemberCount = int(C.PBA_AGGREGATION_MEMBER_COUNT)
)

// The library's labels, read once so String never allocates.
var memberNames = func() (names [AggregationMemberCount]string) {
	for i := range names {
		if p := C.pba_aggregation_member_name(C.uint32_t(i)); p != nil {
			names[i] = C.GoString(p)
		}
	}
	return names
}()

// String is the member's stable label, as in Prometheus and `pba replay --out`.
func (m AggregationMember) String() string {
	if m < 0 || int(m) >= len(memberNames) {
		return fmt.Sprintf("AggregationMember(%d)", int(m))
	}
	return memberNames[m]
}

// Predictor forecasts one link. All methods are safe for concurrent use (calls on one
// predictor are serialised by the library); Close may race with them: they then return
// ErrClosed.
type Predictor struct {
	h       *handle[C.pba_predictor]
	version atomic.Pointer[string] // the latest forecast's model version, to reuse its string
}

// Role names which of a predictor's models a call addresses.
type Role int

const (
	RoleMain       Role = C.PBA_ROLE_MAIN       // a single-model predictor's model
	RoleDatacenter Role = C.PBA_ROLE_DATACENTER // a mode-aware predictor's datacenter model
	RoleInternet   Role = C.PBA_ROLE_INTERNET   // a mode-aware predictor's internet model
)

// NewPredictor creates a predictor for one link. A field out of its range is refused with
// ErrInvalidArgument naming it.
func NewPredictor(cfg PredictorConfig) (*Predictor, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	c := C.pba_predictor_config_default()
	c.mode = C.int(cfg.Mode)
	c.utc_offset_s = C.double(cfg.UTCOffset.Seconds())
	c.sample_interval_s = C.double(cfg.SampleInterval.Seconds())
	c.max_gap_s = C.double(cfg.MaxGap.Seconds())
	if cfg.AccuracyWindow != 0 {
		c.accuracy_window = C.uint32_t(cfg.AccuracyWindow)
	}
	if cfg.IntervalWindow != 0 {
		c.interval_window = C.uint32_t(cfg.IntervalWindow)
	}
	if cfg.IntervalCoverage != 0 {
		c.interval_coverage = C.double(cfg.IntervalCoverage)
	}
	if cfg.MatchActualsOnly {
		c.match_observed_samples = 0
	}
	if cfg.Confidence != ConfidenceTransport && cfg.Confidence != ConfidenceCalibrated {
		return nil, invalid(fmt.Sprintf("NewPredictor: Confidence %d is not ConfidenceTransport or ConfidenceCalibrated",
			cfg.Confidence))
	}
	c.confidence_rule = C.uint32_t(cfg.Confidence)
	if cfg.ConfidenceTolerance != 0 {
		if !(cfg.ConfidenceTolerance > 0 && cfg.ConfidenceTolerance <= 1) {
			return nil, invalid(fmt.Sprintf("NewPredictor: ConfidenceTolerance %g must lie in (0, 1]",
				cfg.ConfidenceTolerance))
		}
		c.confidence_tolerance = C.double(cfg.ConfidenceTolerance)
	}
	c.aggregation = C.uint32_t(cfg.Aggregation)
	c.horizon_s = C.double(cfg.Horizon.Seconds())
	if cfg.AverageSamples != 0 {
		c.average_samples = C.uint32_t(cfg.AverageSamples)
	}
	if cfg.DwellSamples != 0 {
		c.dwell_samples = C.uint32_t(cfg.DwellSamples)
	}
	if cfg.Hysteresis != 0 {
		c.hysteresis = C.double(cfg.Hysteresis)
	}
	if cfg.DisableHysteresis {
		c.hysteresis = 0
	}
	if t := cfg.Thresholds; t != nil {
		c.datacenter_max_latency_ms = C.double(t.DatacenterMaxLatencyMs)
		c.datacenter_min_bandwidth_mbps = C.double(t.DatacenterMinBandwidthMbps)
		c.datacenter_max_packet_loss = C.double(t.DatacenterMaxPacketLoss)
		c.internet_min_latency_ms = C.double(t.InternetMinLatencyMs)
		c.internet_max_bandwidth_mbps = C.double(t.InternetMaxBandwidthMbps)
		c.internet_min_packet_loss = C.double(t.InternetMinPacketLoss)
	}

	// Hold every model and slot open while the library takes its own references.
	for _, e := range []struct {
		field string
		m     *Model
		dst   **C.pba_model
	}{{"Model", cfg.Model, &c.model}, {"DatacenterModel", cfg.DatacenterModel, &c.datacenter_model},
		{"InternetModel", cfg.InternetModel, &c.internet_model}} {
		var err error
		if *e.dst, err = e.m.acquire(); err != nil {
			return nil, closedField(e.field)
		}
		defer e.m.release()
	}
	for _, e := range []struct {
		field string
		s     *Slot
		dst   **C.pba_slot
	}{{"Slot", cfg.Slot, &c.slot}, {"DatacenterSlot", cfg.DatacenterSlot, &c.datacenter_slot},
		{"InternetSlot", cfg.InternetSlot, &c.internet_slot}} {
		var err error
		if *e.dst, err = e.s.acquire(); err != nil {
			return nil, closedField(e.field)
		}
		defer e.s.release()
	}
	var h *C.pba_predictor
	if err := call(func() C.pba_status { return C.pba_predictor_create(&c, &h) }); err != nil {
		return nil, err
	}
	p := &Predictor{h: newHandle(h, func(h *C.pba_predictor) { C.pba_predictor_free(h) })}
	runtime.SetFinalizer(p, (*Predictor).Close)
	return p, nil
}

func closedField(field string) error {
	return &Error{Code: ErrClosed, Message: fmt.Sprintf("NewPredictor: PredictorConfig.%s is closed", field)}
}

// Close releases the predictor. It is idempotent and never blocks: a call in progress on
// another goroutine finishes first. Other methods return ErrClosed afterwards. Closing a nil
// predictor does nothing.
func (p *Predictor) Close() error {
	if p == nil {
		return nil
	}
	p.h.close()
	runtime.SetFinalizer(p, nil)
	return nil
}

// handle is the predictor's C handle; nil for a nil predictor, whose methods then return
// ErrClosed.
func (p *Predictor) handle() *handle[C.pba_predictor] {
	if p == nil {
		return nil
	}
	return p.h
}

// ObserveStatus says what Observe did with a sample.
type ObserveStatus int

const (
	ObserveAccepted                 ObserveStatus = C.PBA_OBSERVE_ACCEPTED
	ObserveAcceptedAfterGap         ObserveStatus = C.PBA_OBSERVE_ACCEPTED_AFTER_GAP
	ObserveRefusedInvalidTimestamp  ObserveStatus = C.PBA_OBSERVE_REFUSED_INVALID_TIMESTAMP
	ObserveRefusedRepeatedTimestamp ObserveStatus = C.PBA_OBSERVE_REFUSED_REPEATED_TIMESTAMP
	ObserveRefusedBackwardTimestamp ObserveStatus = C.PBA_OBSERVE_REFUSED_BACKWARDS_TIMESTAMP
)

// ObserveResult says what Observe did: the status, and which values (Inf, negative, a ratio
// above 1) were treated as missing while the rest of the sample was used.
type ObserveResult struct {
	Status        ObserveStatus
	DroppedFields Field
}

// Observe adds a measurement of the link. A sample refused for its timestamp (not set, NaN,
// repeated, going backwards) returns an ErrInvalidArgument error and is only counted.
func (p *Predictor) Observe(s Sample) (ObserveResult, error) {
	sc := getScratch()
	defer putScratch(sc)
	sc.sample = s.c()
	h, err := p.handle().acquire()
	if err != nil {
		return ObserveResult{}, err
	}
	defer p.h.release()
	sc.result = C.pba_observe_result{struct_size: C.sizeof_pba_observe_result}
	err = call(func() C.pba_status { return C.go_observe(unsafe.Pointer(h), &sc.sample, &sc.result) })
	if err != nil && s.Time.IsZero() {
		// The library saw a NaN timestamp; say what the caller left out.
		err = invalid("Observe: the sample's Time is not set; refused and counted as an invalid timestamp")
	}
	return ObserveResult{Status: ObserveStatus(sc.result.status), DroppedFields: Field(sc.result.dropped_fields)}, err
}

// ObserveMany adds measurements of this link in order; every sample is offered even after a
// refusal. It returns how many were accepted, and an error naming the first refused one.
func (p *Predictor) ObserveMany(samples []Sample) (int, error) {
	cs := make([]C.pba_sample, len(samples))
	for i := range samples {
		cs[i] = samples[i].c()
	}
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	var ptr *C.pba_sample
	if len(cs) > 0 {
		ptr = &cs[0]
	}
	var accepted C.size_t
	err = call(func() C.pba_status { return C.pba_predictor_observe_many(h, ptr, C.size_t(len(cs)), &accepted) })
	runtime.KeepAlive(cs)
	return int(accepted), err
}

// Predict forecasts the link from the samples observed so far. ErrNotReady before any sample
// was accepted.
func (p *Predictor) Predict() (Forecast, error) {
	var f Forecast
	err := p.PredictInto(&f)
	return f, err
}

// PredictInto is Predict writing into f; with f reused it allocates nothing.
func (p *Predictor) PredictInto(f *Forecast) error {
	h, err := p.handle().acquire()
	if err != nil {
		return err
	}
	defer p.h.release()
	sc := getScratch()
	defer putScratch(sc)
	sc.forecast.struct_size = C.sizeof_pba_forecast
	if err := call(func() C.pba_status { return C.go_predict(unsafe.Pointer(h), &sc.forecast) }); err != nil {
		return err
	}
	p.fill(f, &sc.forecast)
	return nil
}

func (p *Predictor) fill(f *Forecast, c *C.pba_forecast) {
	var cached string
	if v := p.version.Load(); v != nil {
		cached = *v
	}
	f.fromC(c, cached)
	if f.ModelVersion != cached {
		v := f.ModelVersion
		p.version.Store(&v)
	}
}

// RecordActual reports a measurement used only to score pending forecasts (it does not enter
// the window); it returns how many forecasts it settled and how many expired.
func (p *Predictor) RecordActual(actual Sample) (matched, expired int, err error) {
	cs := actual.c()
	h, err := p.handle().acquire()
	if err != nil {
		return 0, 0, err
	}
	defer p.h.release()
	var m, e C.uint32_t
	err = call(func() C.pba_status { return C.pba_predictor_record_actual(h, &cs, &m, &e) })
	return int(m), int(e), err
}

// Reset forgets the link's samples and pending forecasts; counters and accuracy stay.
func (p *Predictor) Reset() error {
	h, err := p.handle().acquire()
	if err != nil {
		return err
	}
	defer p.h.release()
	return call(func() C.pba_status { return C.pba_predictor_reset(h) })
}

// Mode is the mode the next forecast will use.
func (p *Predictor) Mode() (Mode, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	var m C.pba_mode
	err = call(func() C.pba_status { return C.pba_predictor_mode(h, &m) })
	return Mode(m), err
}

// Reload hot-swaps the model behind role (RoleMain for a single-model predictor) with the
// .pba file at path; every predictor sharing that model's slot changes at its next forecast.
// A model that fails to load, or of another kind than the serving one (AllowKindChange), is
// refused and the old one keeps serving; to swap kinds, Reload the Slot(role) with
// AllowKindChange. Returns the slot's new generation.
func (p *Predictor) Reload(role Role, path string) (uint64, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	var g C.uint64_t
	err = call(func() C.pba_status { return C.pba_predictor_reload_file(h, C.pba_role(role), cpath, nil, &g) })
	return uint64(g), err
}

// ReloadBytes is Reload from the bytes of a .pba file (copied).
func (p *Predictor) ReloadBytes(role Role, data []byte) (uint64, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	var g C.uint64_t
	err = call(func() C.pba_status {
		return C.pba_predictor_reload_memory(h, C.pba_role(role), ptr, C.size_t(len(data)), nil, &g)
	})
	runtime.KeepAlive(data)
	return uint64(g), err
}

// Slot returns the slot behind role, to share its model with other predictors or reload it.
func (p *Predictor) Slot(role Role) (*Slot, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return nil, err
	}
	defer p.h.release()
	var slot *C.pba_slot
	if err := call(func() C.pba_status { return C.pba_predictor_slot(h, C.pba_role(role), &slot) }); err != nil {
		return nil, err
	}
	return newSlot(slot), nil
}

// SetChallenger runs challenger in shadow beside the model behind role, on the same samples;
// its forecasts are scored, never served. minMatched is how many scored forecasts each needs
// before a winner is named.
func (p *Predictor) SetChallenger(role Role, challenger *Model, minMatched uint64) error {
	ch, err := challenger.acquire()
	if err != nil {
		return err
	}
	defer challenger.release()
	if ch == nil {
		return invalid("SetChallenger: challenger is nil")
	}
	h, err := p.handle().acquire()
	if err != nil {
		return err
	}
	defer p.h.release()
	return call(func() C.pba_status {
		return C.pba_predictor_set_challenger(h, C.pba_role(role), ch, C.uint64_t(minMatched))
	})
}

// ClearChallenger ends a comparison without promoting.
func (p *Predictor) ClearChallenger(role Role) error {
	h, err := p.handle().acquire()
	if err != nil {
		return err
	}
	defer p.h.release()
	return call(func() C.pba_status { return C.pba_predictor_clear_challenger(h, C.pba_role(role)) })
}

// ChallengerText describes the comparison so far in a few lines naming the better model.
// ErrNotReady without a challenger.
func (p *Predictor) ChallengerText(role Role) (string, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return "", err
	}
	defer p.h.release()
	return readText(func(buf *C.char, capacity C.size_t, required *C.size_t) C.pba_status {
		return C.pba_predictor_challenger_text(h, C.pba_role(role), buf, capacity, required)
	})
}

// PromoteChallenger swaps the challenger's model into the slot behind role (every predictor
// sharing it gets it) and ends the comparison; it returns the new generation.
func (p *Predictor) PromoteChallenger(role Role) (uint64, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	var g C.uint64_t
	err = call(func() C.pba_status { return C.pba_predictor_promote_challenger(h, C.pba_role(role), &g) })
	return uint64(g), err
}

// readText calls a C function following the snprintf size protocol until the text fits.
func readText(f func(buf *C.char, capacity C.size_t, required *C.size_t) C.pba_status) (string, error) {
	buf := make([]byte, 4096)
	for {
		var required C.size_t
		err := call(func() C.pba_status {
			return f((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &required)
		})
		if err == nil {
			return string(buf[:required-1]), nil
		}
		if int(required) <= len(buf) {
			return "", err
		}
		buf = make([]byte, int(required)+int(required)/4) // the text may grow between calls
	}
}
