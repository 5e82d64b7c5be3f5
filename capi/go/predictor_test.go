package pba_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

func TestTransportFallbackCase(t *testing.T) {
	p := newPredictor(t, pba.PredictorConfig{})
	if _, err := p.Predict(); !errors.Is(err, pba.ErrNotReady) {
		t.Fatalf("Predict before samples: %v", err)
	}
	for i := 0; i < 10; i++ {
		r, err := p.Observe(sample(float64(i), 100+10*float64(i), 20+float64(i), 0.01, 2))
		if err != nil || r.Status != pba.ObserveAccepted {
			t.Fatalf("Observe %d: %+v, %v", i, r, err)
		}
	}
	f, err := p.Predict()
	if err != nil {
		t.Fatal(err)
	}
	if !near(f.BandwidthMbps, 154, 1e-9) || !near(f.LatencyMs, 25.4, 1e-9) || !near(f.PacketLoss, 0.01, 1e-9) ||
		!near(f.JitterMs, 2, 1e-9) {
		t.Errorf("forecast %.6g / %.6g / %.6g / %.6g, want 154 / 25.4 / 0.01 / 2", f.BandwidthMbps, f.LatencyMs,
			f.PacketLoss, f.JitterMs)
	}
	if !f.Fallback || f.FallbackReason != pba.FallbackNoModel || f.Confidence > 0.5 || f.ModelVersion != "" {
		t.Errorf("fallback flags: %+v", f)
	}
	if !f.MadeAt.Equal(at(9)) {
		t.Errorf("MadeAt %v, want %v", f.MadeAt, at(9))
	}
}

// The calibrated rule by hand: fallback forecasts of 100 Mbps for samples of 100 (five times)
// then 115; the forecast after the sixth has five matured outcomes, the last within 20 % of its
// actual but not within 10 %. With λ = 44/45 and the prior 0.43 of strength 30:
// (12.9 + hits) / (30 + outcomes), outcomes = 45 (1 - λ^5).
func TestCalibratedConfidence(t *testing.T) {
	lambda := 44.0 / 45.0
	outcomes := 45 * (1 - math.Pow(lambda, 5))
	for _, c := range []struct {
		cfg  pba.PredictorConfig
		want float64
	}{
		{pba.PredictorConfig{}, 0.5}, // the transport's rule: fewer than 10 forecasts
		{pba.PredictorConfig{Confidence: pba.ConfidenceCalibrated}, (12.9 + outcomes) / (30 + outcomes)},
		{pba.PredictorConfig{Confidence: pba.ConfidenceCalibrated, ConfidenceTolerance: 0.1},
			(12.9 + lambda*45*(1-math.Pow(lambda, 4))) / (30 + outcomes)},
	} {
		p := newPredictor(t, c.cfg)
		var f pba.Forecast
		for i := 0; i < 6; i++ {
			bw := 100.0
			if i == 5 {
				bw = 115
			}
			if _, err := p.Observe(sample(float64(i), bw, 80, 0, 1)); err != nil {
				t.Fatal(err)
			}
			var err error
			if f, err = p.Predict(); err != nil {
				t.Fatal(err)
			}
		}
		if !near(f.Confidence, c.want, 1e-12) {
			t.Errorf("%+v: confidence %.15g, want %.15g", c.cfg, f.Confidence, c.want)
		}
	}
}

func TestModelForecastAndHotReload(t *testing.T) {
	m := loadModel(t, "linear_2x_plus_1000.pba")
	p := newPredictor(t, pba.PredictorConfig{Model: m})
	m.Close() // the predictor keeps it

	if _, err := p.Observe(sample(0, 300, 40, 0, 1)); err != nil {
		t.Fatal(err)
	}
	f, err := p.Predict()
	if err != nil {
		t.Fatal(err)
	}
	if !near(f.BandwidthMbps, 2*300+1000, 1e-6) || f.Fallback || f.ModelVersion != "lin-1" || f.ModelGeneration != 1 {
		t.Errorf("forecast %+v", f)
	}
	if f.Mode != pba.ModeInternet || f.Horizon != time.Second || !f.TargetTime.Equal(at(1)) {
		t.Errorf("mode %v horizon %v target %v", f.Mode, f.Horizon, f.TargetTime)
	}

	g, err := p.ReloadBytes(pba.RoleMain, readFile(t, "linear_3x.pba"))
	if err != nil || g != 2 {
		t.Fatalf("ReloadBytes: %d, %v", g, err)
	}
	if f, _ = p.Predict(); !near(f.BandwidthMbps, 900, 1e-6) || f.ModelVersion != "lin-2" {
		t.Errorf("after reload: %+v", f)
	}
	corrupt := readFile(t, "linear_2x_plus_1000.pba")
	corrupt[len(corrupt)/2] ^= 1
	if _, err := p.ReloadBytes(pba.RoleMain, corrupt); !errors.Is(err, pba.ErrChecksumMismatch) {
		t.Errorf("corrupt reload: %v", err)
	}
	if _, err := p.Reload(pba.RoleMain, "testdata/missing.pba"); !errors.Is(err, pba.ErrIO) {
		t.Errorf("missing file reload: %v", err)
	}
	if _, err := p.Reload(pba.RoleDatacenter, "testdata/linear_3x.pba"); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("datacenter role on a single predictor: %v", err)
	}
	if f, _ = p.Predict(); f.ModelVersion != "lin-2" {
		t.Errorf("a refused reload changed the model: %q", f.ModelVersion)
	}
	st, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.ReloadsSucceeded != 1 || st.ReloadsRefused != 2 || st.Predictions != 3 || st.ModelVersion != "lin-2" {
		t.Errorf("stats %+v", st)
	}
}

func TestBadSamplesAreRefusedAndCounted(t *testing.T) {
	p := newPredictor(t, pba.PredictorConfig{})
	r, err := p.Observe(pba.Sample{BandwidthMbps: 10})
	if !errors.Is(err, pba.ErrInvalidArgument) || r.Status != pba.ObserveRefusedInvalidTimestamp ||
		!strings.Contains(err.Error(), "Time is not set") {
		t.Errorf("zero Time: %+v, %v", r, err)
	}
	far := pba.NewSample(time.Unix(2e11, 0))
	if _, err := p.Observe(far); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("timestamp beyond 1e11 s: %v", err)
	}
	if _, err := p.Observe(sample(5, 100, 10, 0, 1)); err != nil {
		t.Fatal(err)
	}
	r, err = p.Observe(sample(5, 100, 10, 0, 1))
	if !errors.Is(err, pba.ErrInvalidArgument) || r.Status != pba.ObserveRefusedRepeatedTimestamp ||
		!strings.Contains(err.Error(), "refused_repeated_timestamp") {
		t.Errorf("repeated: %+v, %v", r, err)
	}
	r, err = p.Observe(sample(4, 100, 10, 0, 1))
	if !errors.Is(err, pba.ErrInvalidArgument) || r.Status != pba.ObserveRefusedBackwardTimestamp {
		t.Errorf("backwards: %+v, %v", r, err)
	}
	r, err = p.Observe(sample(6, -1, math.Inf(1), 2, 1))
	if err != nil || r.DroppedFields != pba.FieldBandwidth|pba.FieldLatency|pba.FieldPacketLoss {
		t.Errorf("invalid values: %+v, %v", r, err)
	}
	n, err := p.ObserveMany([]pba.Sample{sample(7, 1, 1, 0, 0), sample(7, 1, 1, 0, 0), sample(8, 1, 1, 0, 0)})
	if n != 2 || !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("ObserveMany: %d, %v", n, err)
	}
	// A sample without a time in the middle is refused and counted; the ones after it are offered.
	n, err = p.ObserveMany([]pba.Sample{sample(9, 1, 1, 0, 0), pba.NewSample(time.Time{}), sample(10, 1, 1, 0, 0)})
	if n != 2 || !errors.Is(err, pba.ErrInvalidArgument) || !strings.Contains(err.Error(), "samples[1]") {
		t.Errorf("ObserveMany with a sample without a time: %d, %v", n, err)
	}
	st, _ := p.Stats()
	if st.SamplesAccepted != 6 || st.SamplesRefusedInvalidTimestamp != 3 || st.SamplesRefusedRepeatedTimestamp != 2 ||
		st.SamplesRefusedBackwardTimestamp != 1 || st.DroppedValues != 3 {
		t.Errorf("counts %+v", st)
	}
	f, err := p.Predict()
	if err != nil || math.IsNaN(f.BandwidthMbps) || math.IsNaN(f.LatencyMs) {
		t.Errorf("forecast after bad samples: %+v, %v", f, err)
	}
}

func TestConfigErrors(t *testing.T) {
	m := loadModel(t, "linear_2x_plus_1000.pba")
	cases := map[string]pba.PredictorConfig{
		"both kinds":      {Model: m, InternetModel: m},
		"forced mode":     {Model: m, Mode: pba.ModeDatacenter},
		"unknown mode":    {Mode: 9},
		"coverage":        {IntervalCoverage: 1.5},
		"negative window": {AccuracyWindow: -1},
		"confidence rule": {Confidence: 2},
		"aggregation":     {Aggregation: 3},
		"horizon":         {Horizon: -time.Second},
		"long horizon":    {Horizon: 2e6 * time.Second},
		"horizon off":     {Horizon: time.Minute, Aggregation: pba.AggregationOff},
		"tolerance":       {ConfidenceTolerance: 1.5},
		"NaN tolerance":   {ConfidenceTolerance: math.NaN()},
	}
	for name, cfg := range cases {
		if _, err := pba.NewPredictor(cfg); !errors.Is(err, pba.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := pba.NewPredictor(pba.PredictorConfig{Slot: &pba.Slot{}}); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("a zero-value Slot: %v", err)
	}
	closed, err := pba.LoadModel("testdata/linear_3x.pba", nil)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	_, err = pba.NewPredictor(pba.PredictorConfig{DatacenterModel: m, InternetModel: closed})
	if !errors.Is(err, pba.ErrClosed) || !strings.Contains(err.Error(), "PredictorConfig.InternetModel is closed") {
		t.Errorf("a closed InternetModel: %v", err)
	}
	policy := loadModel(t, "policy_q_bias.pba") // no features: cannot drive a predictor
	if _, err := pba.NewPredictor(pba.PredictorConfig{Model: policy}); !errors.Is(err, pba.ErrMalformedModel) {
		t.Errorf("a model without input.features: %v", err)
	}
}

func TestSharedSlotSwapsEveryPredictor(t *testing.T) {
	m1 := loadModel(t, "linear_2x_plus_1000.pba")
	m2 := loadModel(t, "linear_3x.pba")
	slot, err := pba.NewSlot(m1)
	if err != nil {
		t.Fatal(err)
	}
	a := newPredictor(t, pba.PredictorConfig{Slot: slot})
	b := newPredictor(t, pba.PredictorConfig{Slot: slot})
	slot.Close() // the predictors keep it
	shared, err := a.Slot(pba.RoleMain)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	if g, err := shared.Replace(m2); err != nil || g != 2 {
		t.Fatalf("Replace: %d, %v", g, err)
	}
	for _, p := range []*pba.Predictor{a, b} {
		p.Observe(sample(1, 100, 10, 0, 1))
		if f, err := p.Predict(); err != nil || !near(f.BandwidthMbps, 300, 1e-6) || f.ModelVersion != "lin-2" {
			t.Errorf("forecast %+v, %v", f, err)
		}
	}
	if _, err := slot.Generation(); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("closed slot handle: %v", err)
	}
}

func TestModeAwareDatacenterCase(t *testing.T) {
	dc := loadModel(t, "linear_3x.pba")
	p := newPredictor(t, pba.PredictorConfig{DatacenterModel: dc})
	for i := 0; i < 10; i++ {
		p.Observe(sample(float64(i), 2000, 5, 0, 0.1))
	}
	if mode, err := p.Mode(); err != nil || mode != pba.ModeDatacenter {
		t.Errorf("mode %v, %v; the transport's (5 ms, 2000 Mbps) case is datacenter", mode, err)
	}
	f, err := p.Predict()
	if err != nil || f.Mode != pba.ModeDatacenter || !near(f.BandwidthMbps, 6000, 1e-6) {
		t.Errorf("forecast %+v, %v", f, err)
	}
}

func TestRecordActualScoresAForecast(t *testing.T) {
	m := loadModel(t, "linear_3x.pba")
	p := newPredictor(t, pba.PredictorConfig{Model: m, MatchActualsOnly: true})
	p.Observe(sample(0, 100, 10, 0, 1))
	if f, err := p.Predict(); err != nil || !near(f.BandwidthMbps, 300, 1e-6) {
		t.Fatalf("%+v, %v", f, err)
	}
	matched, expired, err := p.RecordActual(sample(1, 250, 10, 0, 1))
	if err != nil || matched != 1 || expired != 0 {
		t.Fatalf("RecordActual: %d %d %v", matched, expired, err)
	}
	st, _ := p.Stats()
	if !near(st.Accuracy.Bandwidth.MAE, 50, 1e-5) || !near(st.Accuracy.Bandwidth.MAPE, 0.2, 1e-5) {
		t.Errorf("accuracy %+v", st.Accuracy.Bandwidth)
	}
}

func TestManyLinksInOneCall(t *testing.T) {
	ps := []*pba.Predictor{newPredictor(t, pba.PredictorConfig{}), newPredictor(t, pba.PredictorConfig{}),
		newPredictor(t, pba.PredictorConfig{})}
	var links pba.Links
	errs := make([]error, 3)
	samples := []pba.Sample{sample(1, 100, 10, 0, 1), sample(1, 200, 20, 0, 1), sample(1, 300, 30, 0, 1)}
	if err := links.Observe(ps, samples, errs); err != nil {
		t.Fatal(err)
	}
	forecasts := make([]pba.Forecast, 3)
	if err := links.Predict(ps, forecasts, errs); err != nil {
		t.Fatal(err)
	}
	for i, f := range forecasts {
		if !near(f.BandwidthMbps, 100*float64(i+1), 1e-9) || errs[i] != nil {
			t.Errorf("link %d: %+v, %v", i, f, errs[i])
		}
	}
	// A repeated timestamp on link 1 fails that link only.
	samples[0].Time, samples[2].Time = at(2), at(2)
	err := links.Observe(ps, samples, errs)
	if !errors.Is(err, pba.ErrInvalidArgument) || errs[0] != nil || !errors.Is(errs[1], pba.ErrInvalidArgument) ||
		errs[2] != nil || !strings.Contains(err.Error(), "link 1; 1 of 3 links failed") {
		t.Errorf("per-link errors: %v / %v", err, errs)
	}
	ps[2].Close()
	if err := links.Predict(ps, forecasts, errs); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("a closed predictor: %v", err)
	}
}

func TestPrometheusText(t *testing.T) {
	a := newPredictor(t, pba.PredictorConfig{})
	b := newPredictor(t, pba.PredictorConfig{})
	a.Observe(sample(1, 100, 10, 0, 1))
	a.Predict()
	text, err := pba.PrometheusText([]pba.Link{{"eu-west", a}, {"us-east", b}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`dwcp_pba_predictions_total{link="eu-west"`, `link="us-east"`,
		"# TYPE dwcp_pba_predictions_total counter", "dwcp_pba_prediction_latency_ms_bucket"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	if strings.Count(text, "# TYPE dwcp_pba_predictions_total") != 1 {
		t.Errorf("a family repeated")
	}
	b.Close()
	_, err = pba.PrometheusText([]pba.Link{{"eu-west", a}, {"us-east", b}})
	if !errors.Is(err, pba.ErrClosed) || !strings.Contains(err.Error(), `links[1] ("us-east")`) {
		t.Errorf("a closed link: %v", err)
	}
	_, err = pba.PrometheusText([]pba.Link{{"eu-west", a}, {"ap-south", nil}})
	if !errors.Is(err, pba.ErrInvalidArgument) || !strings.Contains(err.Error(), `links[1] ("ap-south")`) {
		t.Errorf("a nil link: %v", err)
	}
}

func TestChampionChallenger(t *testing.T) {
	champion := loadModel(t, "linear_2x_plus_1000.pba")
	challenger := loadModel(t, "linear_3x.pba")
	p := newPredictor(t, pba.PredictorConfig{Model: champion})
	if _, err := p.ChallengerReport(pba.RoleMain); !errors.Is(err, pba.ErrNotReady) {
		t.Errorf("report without challenger: %v", err)
	}
	if err := p.SetChallenger(pba.RoleMain, challenger, 3); err != nil {
		t.Fatal(err)
	}
	// A constant 500 Mbps link: champion forecasts 2000 (error 1500), challenger 1500 (1000).
	for i := 0; i < 8; i++ {
		p.Observe(sample(float64(i), 500, 20, 0, 1))
		if f, err := p.Predict(); err != nil || f.ModelVersion != "lin-1" {
			t.Fatalf("served %+v, %v", f, err)
		}
	}
	r, err := p.ChallengerReport(pba.RoleMain)
	if err != nil {
		t.Fatal(err)
	}
	if r.Better != pba.WinnerChallenger || !near(r.Champion.Accuracy.Bandwidth.MAE, 1500, 1e-5) ||
		!near(r.Challenger.Accuracy.Bandwidth.MAE, 1000, 1e-5) || r.Challenger.ModelVersion != "lin-2" {
		t.Errorf("report %+v", r)
	}
	text, err := p.ChallengerText(pba.RoleMain)
	if err != nil || !strings.Contains(text, "better: challenger") {
		t.Errorf("text %q, %v", text, err)
	}
	if g, err := p.PromoteChallenger(pba.RoleMain); err != nil || g != 2 {
		t.Fatalf("promote: %d, %v", g, err)
	}
	if f, _ := p.Predict(); f.ModelVersion != "lin-2" {
		t.Errorf("after promotion: %q", f.ModelVersion)
	}
}

// No model and a 15-minute horizon: the smoothers' aggregate, each of which forecasts a constant
// link's value; the weights it reports sum to 1 and name the largest.
func TestAggregationHorizon15Minutes(t *testing.T) {
	p := newPredictor(t, pba.PredictorConfig{Horizon: 15 * time.Minute})
	for i := 0; i < 30; i++ {
		if _, err := p.Observe(sample(60*float64(i), 40, 20, 0, 1)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := p.Predict()
	if err != nil {
		t.Fatal(err)
	}
	if !f.Aggregated || f.Horizon != 15*time.Minute || f.HorizonSteps != 15 || f.Target != pba.TargetMeanOver {
		t.Errorf("forecast %+v: want an aggregate over the next 15 minutes, 15 steps of 60 s", f)
	}
	if !near(f.BandwidthMbps, 40, 1e-12) || f.NetworkBandwidthMbps != 0 || f.LeadingMember == pba.MemberNetwork {
		t.Errorf("bandwidth %.15g, network %g, leading %v: want 40, 0, a smoother", f.BandwidthMbps,
			f.NetworkBandwidthMbps, f.LeadingMember)
	}
	s, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	sum, lead := 0.0, pba.MemberNetwork
	for m, w := range s.MemberWeights {
		sum += w
		if w > s.MemberWeights[lead] {
			lead = pba.AggregationMember(m)
		}
	}
	if !s.Aggregating || !near(sum, 1, 1e-12) || s.LeadingMember != lead || s.LeadingWeight != s.MemberWeights[lead] {
		t.Errorf("stats: aggregating %v, weights %v (sum %.15g), leading %v %g", s.Aggregating, s.MemberWeights, sum,
			s.LeadingMember, s.LeadingWeight)
	}
	names := []string{"network", "persistence", "ma10", "ewma_0.5", "ewma_0.2", "ewma_0.05", "ewma_0.02", "ewma_0.005",
		"ewma_0.001"}
	for i, want := range names {
		if got := pba.AggregationMember(i).String(); got != want {
			t.Errorf("member %d is %q, want %q", i, got, want)
		}
	}
}

// A link sampled every 60 s meets the 1-s internet model: the model does not answer it, the
// smoothers do (aggregation on by default), or the fallback rule with AggregationOff.
func TestSixtySecondLinkOnOneSecondModel(t *testing.T) {
	internet, err := pba.DefaultModel("internet")
	if err != nil {
		t.Fatal(err)
	}
	defer internet.Close()
	for _, c := range []struct {
		policy     pba.AggregationPolicy
		aggregated bool
	}{{pba.AggregationAuto, true}, {pba.AggregationOff, false}} {
		p := newPredictor(t, pba.PredictorConfig{Model: internet, Aggregation: c.policy})
		for i := 0; i < 20; i++ {
			if _, err := p.Observe(sample(60*float64(i), 30, 50, 0, 1)); err != nil {
				t.Fatal(err)
			}
		}
		f, err := p.Predict()
		if err != nil {
			t.Fatal(err)
		}
		if f.FallbackReason != pba.FallbackNotApplicable || f.Aggregated != c.aggregated {
			t.Errorf("%v: reason %v, aggregated %v; want FallbackNotApplicable, %v", c.policy, f.FallbackReason,
				f.Aggregated, c.aggregated)
		}
		s, err := p.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if s.FallbacksByReason[pba.FallbackNotApplicable] != 1 {
			t.Errorf("%v: FallbacksByReason %v", c.policy, s.FallbacksByReason)
		}
	}
}
