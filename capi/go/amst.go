package pba

/*
#include <pba.h>
*/
import "C"

// AMSTParams holds every threshold and bound of the adaptive multi-stream transport's
// arithmetic; DefaultAMSTParams returns the transport's values.
type AMSTParams struct {
	BandwidthPerStreamMbps float64 // base streams = trunc(bw / this)
	HighLatencyMs          float64 // latency > this: streams x HighLatencyFactor
	HighLatencyFactor      float64
	LowLatencyMs           float64 // latency < this: streams x LowLatencyFactor
	LowLatencyFactor       float64
	StreamCutLoss          float64 // loss > this: streams x StreamCutNumerator / StreamCutDenominator
	StreamCutNumerator     int64
	StreamCutDenominator   int64
	MinStreams, MaxStreams int64
	MinBufferBytes         int64
	MaxBufferBytes         int64
	ChunkCutLoss           float64 // loss > this: chunk / ChunkCutDivisor
	ChunkCutDivisor        int64
	MinChunkBytes          int64
	MaxChunkBytes          int64
	PacingFraction         float64 // pacing = trunc(bw * 1e6 * this / 8)
	ComputeConfidence      float64 // gates, all "confidence >= threshold"
	ApplyConfidence        float64
	AdjustConfidence       float64
	AdjustMinChange        float64 // stream change must exceed this (a ratio)
	PreemptConfidence      float64
	PreemptMinChange       float64
}

// DefaultAMSTParams returns the transport's values (10 Mbps per stream, 1 % stream cut, ...).
func DefaultAMSTParams() AMSTParams {
	c := C.pba_amst_params_default()
	return AMSTParams{
		BandwidthPerStreamMbps: float64(c.bandwidth_per_stream_mbps),
		HighLatencyMs:          float64(c.high_latency_ms),
		HighLatencyFactor:      float64(c.high_latency_factor),
		LowLatencyMs:           float64(c.low_latency_ms),
		LowLatencyFactor:       float64(c.low_latency_factor),
		StreamCutLoss:          float64(c.stream_cut_loss),
		StreamCutNumerator:     int64(c.stream_cut_numerator),
		StreamCutDenominator:   int64(c.stream_cut_denominator),
		MinStreams:             int64(c.min_streams),
		MaxStreams:             int64(c.max_streams),
		MinBufferBytes:         int64(c.min_buffer_bytes),
		MaxBufferBytes:         int64(c.max_buffer_bytes),
		ChunkCutLoss:           float64(c.chunk_cut_loss),
		ChunkCutDivisor:        int64(c.chunk_cut_divisor),
		MinChunkBytes:          int64(c.min_chunk_bytes),
		MaxChunkBytes:          int64(c.max_chunk_bytes),
		PacingFraction:         float64(c.pacing_fraction),
		ComputeConfidence:      float64(c.compute_confidence),
		ApplyConfidence:        float64(c.apply_confidence),
		AdjustConfidence:       float64(c.adjust_confidence),
		AdjustMinChange:        float64(c.adjust_min_change),
		PreemptConfidence:      float64(c.preempt_confidence),
		PreemptMinChange:       float64(c.preempt_min_change),
	}
}

func (p *AMSTParams) c(c *C.pba_amst_params) {
	*c = C.pba_amst_params_default()
	c.bandwidth_per_stream_mbps = C.double(p.BandwidthPerStreamMbps)
	c.high_latency_ms = C.double(p.HighLatencyMs)
	c.high_latency_factor = C.double(p.HighLatencyFactor)
	c.low_latency_ms = C.double(p.LowLatencyMs)
	c.low_latency_factor = C.double(p.LowLatencyFactor)
	c.stream_cut_loss = C.double(p.StreamCutLoss)
	c.stream_cut_numerator = C.int64_t(p.StreamCutNumerator)
	c.stream_cut_denominator = C.int64_t(p.StreamCutDenominator)
	c.min_streams = C.int64_t(p.MinStreams)
	c.max_streams = C.int64_t(p.MaxStreams)
	c.min_buffer_bytes = C.int64_t(p.MinBufferBytes)
	c.max_buffer_bytes = C.int64_t(p.MaxBufferBytes)
	c.chunk_cut_loss = C.double(p.ChunkCutLoss)
	c.chunk_cut_divisor = C.int64_t(p.ChunkCutDivisor)
	c.min_chunk_bytes = C.int64_t(p.MinChunkBytes)
	c.max_chunk_bytes = C.int64_t(p.MaxChunkBytes)
	c.pacing_fraction = C.double(p.PacingFraction)
	c.compute_confidence = C.double(p.ComputeConfidence)
	c.apply_confidence = C.double(p.ApplyConfidence)
	c.adjust_confidence = C.double(p.AdjustConfidence)
	c.adjust_min_change = C.double(p.AdjustMinChange)
	c.preempt_confidence = C.double(p.PreemptConfidence)
	c.preempt_min_change = C.double(p.PreemptMinChange)
}

// AMSTSettings are the transport settings for a link.
type AMSTSettings struct {
	Streams         int64
	BufferBytes     int64
	ChunkBytes      int64
	PacingBytesPerS int64
	WindowBytes     int64
}

// AMSTParameters returns the transport's settings for a forecast link (its bandwidth,
// latency, loss and jitter), exactly as the transport's Go code computed them, with the
// default parameters. ErrInvalidArgument for NaN, infinite or negative values or a loss
// outside [0, 1].
func AMSTParameters(f Forecast) (AMSTSettings, error) {
	p := DefaultAMSTParams()
	return p.Settings(f)
}

// Settings is AMSTParameters with these parameters.
func (p AMSTParams) Settings(f Forecast) (AMSTSettings, error) {
	sc := getScratch()
	defer putScratch(sc)
	p.c(&sc.amstParams)
	sc.settings.struct_size = C.sizeof_pba_amst_settings
	err := call(func() C.pba_status {
		return C.pba_amst_settings_for(&sc.amstParams, C.double(f.BandwidthMbps), C.double(f.LatencyMs),
			C.double(f.PacketLoss), C.double(f.JitterMs), &sc.settings)
	})
	if err != nil {
		return AMSTSettings{}, err
	}
	s := &sc.settings
	return AMSTSettings{int64(s.streams), int64(s.buffer_bytes), int64(s.chunk_bytes), int64(s.pacing_bytes_per_s),
		int64(s.window_bytes)}, nil
}

// AMSTDecision says what the transport does with a forecast of a given confidence.
type AMSTDecision struct {
	Compute       bool    // confidence >= 0.6: compute settings at all
	Apply         bool    // confidence >= 0.8: apply them
	AdjustStreams bool    // confidence >= 0.7 and |StreamChange| > 20 %
	Preempt       bool    // confidence >= 0.85 and |StreamChange| > 15 %
	StreamChange  float64 // (proposed - current) / current
}

// AMSTDecide applies the transport's confidence gates, with the default parameters, to a
// move from currentStreams to proposedStreams.
func AMSTDecide(confidence float64, currentStreams, proposedStreams int64) (AMSTDecision, error) {
	p := DefaultAMSTParams()
	return p.Decide(confidence, currentStreams, proposedStreams)
}

// Decide is AMSTDecide with these parameters.
func (p AMSTParams) Decide(confidence float64, currentStreams, proposedStreams int64) (AMSTDecision, error) {
	sc := getScratch()
	defer putScratch(sc)
	p.c(&sc.amstParams)
	sc.decision.struct_size = C.sizeof_pba_amst_decision
	err := call(func() C.pba_status {
		return C.pba_amst_decide(&sc.amstParams, C.double(confidence), C.int64_t(currentStreams),
			C.int64_t(proposedStreams), &sc.decision)
	})
	if err != nil {
		return AMSTDecision{}, err
	}
	d := &sc.decision
	return AMSTDecision{d.compute != 0, d.apply != 0, d.adjust_streams != 0, d.preempt != 0, float64(d.stream_change)}, nil
}
