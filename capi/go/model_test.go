package pba_test

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	pba "github.com/pba-project/pba/capi/go"
)

func TestVersionsAgree(t *testing.T) {
	if pba.Version() != pba.HeaderVersion {
		t.Errorf("library %s, header %s", pba.Version(), pba.HeaderVersion)
	}
	if pba.ABIVersion() != pba.HeaderABIVersion {
		t.Errorf("library ABI %d, header ABI %d", pba.ABIVersion(), pba.HeaderABIVersion)
	}
}

func TestLoadErrorsAreTypedAndNamed(t *testing.T) {
	_, err := pba.LoadModel("testdata/no-such-model.pba", nil)
	if !errors.Is(err, pba.ErrIO) {
		t.Fatalf("missing file: %v, want ErrIO", err)
	}
	if !strings.Contains(err.Error(), "no-such-model.pba") {
		t.Errorf("message %q does not name the file", err)
	}
	var perr *pba.Error
	if !errors.As(err, &perr) || perr.Code != pba.ErrIO {
		t.Errorf("errors.As: %#v", err)
	}

	data := readFile(t, "lstm_v1.pba")
	corrupt := append([]byte(nil), data...)
	corrupt[len(corrupt)-5] ^= 0x10
	if _, err := pba.LoadModelBytes(corrupt, nil); !errors.Is(err, pba.ErrChecksumMismatch) {
		t.Errorf("corrupt bytes: %v, want ErrChecksumMismatch", err)
	}
	if _, err := pba.LoadModelBytes(data[:100], nil); !errors.Is(err, pba.ErrMalformedModel) {
		t.Errorf("truncated bytes: %v, want ErrMalformedModel", err)
	}
	if _, err := pba.LoadModelBytes(nil, nil); !errors.Is(err, pba.ErrMalformedModel) {
		t.Errorf("no bytes: %v, want ErrMalformedModel", err)
	}
	if _, err := pba.DefaultModel("no-such-default"); !errors.Is(err, pba.ErrNotFound) {
		t.Errorf("unknown default: %v, want ErrNotFound", err)
	}
	if errors.Is(err, pba.ErrNotFound) {
		t.Errorf("an I/O error matched ErrNotFound")
	}
}

func TestModelInfoAndMetadata(t *testing.T) {
	m := loadModel(t, "lstm_v1.pba")
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	want := pba.ModelInfo{Name: "v1-test", Version: "test-v1", Mode: "internet", WindowLength: 10, FeatureCount: 6,
		InputSize: 60, OutputSize: 4, LayerCount: 2, Checksum: info.Checksum,
		ParameterCount: 64*6 + 64*16 + 64 + 64 + 4*16 + 4, HasSelfTest: true, SelfTestVerified: true}
	if info != want {
		t.Errorf("Info = %+v\nwant %+v", info, want)
	}
	meta, err := m.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if meta["input.shape"] != "[10, 6]" || meta["forecast.horizon_steps"] != "1" ||
		!strings.HasPrefix(meta["input.features"], `["bandwidth_mbps", "latency_ms"`) {
		t.Errorf("Metadata = %v", meta)
	}
}

func TestForwardMatchesTheNumpyReference(t *testing.T) {
	m := loadModel(t, "lstm_v1.pba")
	ref := loadReference(t)
	out := make([]float32, 4)
	for i, in := range ref.Inputs {
		if err := m.Forward(toFloat32(in), out); err != nil {
			t.Fatal(err)
		}
		for k, v := range out {
			if !near(float64(v), ref.Outputs[i][k], 1e-5) {
				t.Errorf("window %d output %d = %v, numpy %v", i, k, v, ref.Outputs[i][k])
			}
		}
	}
	// The whole batch in one call gives the same.
	batch := make([]float32, 0, 60*len(ref.Inputs))
	for _, in := range ref.Inputs {
		batch = append(batch, toFloat32(in)...)
	}
	outs := make([]float32, 4*len(ref.Inputs))
	if err := m.ForwardBatch(len(ref.Inputs), batch, outs); err != nil {
		t.Fatal(err)
	}
	for i := range ref.Outputs {
		for k := range ref.Outputs[i] {
			if !near(float64(outs[4*i+k]), ref.Outputs[i][k], 1e-5) {
				t.Errorf("batch window %d output %d = %v, numpy %v", i, k, outs[4*i+k], ref.Outputs[i][k])
			}
		}
	}
}

func TestReducedPrecisionWeightsStayNearTheNumpyReference(t *testing.T) {
	ref := loadReference(t)
	// fp16 keeps 11 significant bits of each recurrent weight, bf16 8: outputs move by
	// ~1e-5 and ~1e-4 on this model; the bounds leave a factor of ~5.
	for _, c := range []struct {
		storage pba.WeightStorage
		tol     float64
	}{{pba.WeightsFP16, 1e-4}, {pba.WeightsBF16, 1e-3}} {
		m, err := pba.LoadModel(filepath.Join("testdata", "lstm_v1.pba"), &pba.LoadOptions{RecurrentWeights: c.storage})
		if err != nil {
			t.Fatalf("storage %d: %v", c.storage, err)
		}
		out := make([]float32, 4)
		worst := 0.0
		for i, in := range ref.Inputs {
			if err := m.Forward(toFloat32(in), out); err != nil {
				t.Fatal(err)
			}
			for k, v := range out {
				worst = math.Max(worst, math.Abs(float64(v)-ref.Outputs[i][k]))
				if !near(float64(v), ref.Outputs[i][k], c.tol) {
					t.Errorf("storage %d window %d output %d = %v, numpy %v", c.storage, i, k, v, ref.Outputs[i][k])
				}
			}
		}
		if worst == 0 {
			t.Errorf("storage %d: outputs identical to fp32's numpy reference: the option did not reach the model", c.storage)
		}
		m.Close()
	}
	_, err := pba.LoadModel(filepath.Join("testdata", "lstm_v1.pba"), &pba.LoadOptions{RecurrentWeights: 7})
	if !errors.Is(err, pba.ErrInvalidArgument) || !strings.Contains(err.Error(), "recurrent_weights is 7") {
		t.Errorf("RecurrentWeights 7: %v, want ErrInvalidArgument naming it", err)
	}
}

func TestForwardRefusesBadInput(t *testing.T) {
	m := loadModel(t, "lstm_v1.pba")
	in := make([]float32, 60)
	out := make([]float32, 4)
	if err := m.Forward(in[:59], out); !errors.Is(err, pba.ErrShapeMismatch) {
		t.Errorf("59 inputs: %v", err)
	}
	if err := m.Forward(in, out[:3]); !errors.Is(err, pba.ErrShapeMismatch) {
		t.Errorf("3 outputs: %v", err)
	}
	if err := m.Forward(nil, out); !errors.Is(err, pba.ErrShapeMismatch) {
		t.Errorf("nil input: %v", err)
	}
	if err := m.ForwardBatch(0, in, out); !errors.Is(err, pba.ErrInvalidArgument) {
		t.Errorf("batch 0: %v", err)
	}
	in[7] = float32(math.NaN())
	err := m.Forward(in, out)
	if !errors.Is(err, pba.ErrNonFinite) || !strings.Contains(err.Error(), "position 7") {
		t.Errorf("NaN input: %v", err)
	}
}

func TestCloseIsIdempotentAndLaterUseFails(t *testing.T) {
	m, err := pba.LoadModel("testdata/lstm_v1.pba", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Info(); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("Info after Close: %v", err)
	}
	if err := m.Forward(make([]float32, 60), make([]float32, 4)); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("Forward after Close: %v", err)
	}
	if _, err := pba.NewPredictor(pba.PredictorConfig{Model: m}); !errors.Is(err, pba.ErrClosed) {
		t.Errorf("NewPredictor with a closed model: %v", err)
	}
}

func TestDefaultModelsLoad(t *testing.T) {
	for _, name := range pba.DefaultModelNames() {
		m, err := pba.DefaultModel(name)
		if err != nil {
			t.Errorf("DefaultModel(%q): %v", name, err)
			continue
		}
		if info, err := m.Info(); err != nil || info.OutputSize == 0 {
			t.Errorf("%s: %+v, %v", name, info, err)
		}
		m.Close()
	}
}

func TestDefaultModelBytesLoadBackAsTheSameModel(t *testing.T) {
	data, err := pba.DefaultModelBytes("internet")
	if err != nil {
		t.Fatal(err)
	}
	// docs/model-format.md: every file starts with the magic \x89PBA\r\n\x1a\n.
	if !bytes.HasPrefix(data, []byte("\x89PBA\r\n\x1a\n")) {
		t.Fatalf("no model file magic: % x", data[:8])
	}
	fromBytes, err := pba.LoadModelBytes(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fromBytes.Close()
	embedded, err := pba.DefaultModel("internet")
	if err != nil {
		t.Fatal(err)
	}
	defer embedded.Close()
	a, errA := fromBytes.Info()
	b, errB := embedded.Info()
	if errA != nil || errB != nil || a != b {
		t.Errorf("loaded back %+v (%v), embedded %+v (%v)", a, errA, b, errB)
	}
	data[0] = 0 // a copy: the library's storage is not the caller's to write
	again, err := pba.DefaultModelBytes("internet")
	if err != nil || again[0] != 0x89 {
		t.Errorf("second call: first byte %#x, %v", again[0], err)
	}
	if _, err := pba.DefaultModelBytes("no-such-default"); !errors.Is(err, pba.ErrNotFound) {
		t.Errorf("unknown default: %v, want ErrNotFound", err)
	}
}
