package pba

/*
#include <stdlib.h>
#include <pba.h>

// The handle as void*, so cgo's argument check does not allocate (see predictor.go).
static inline pba_status go_forward_batch(void* m, size_t batch, const float* in, size_t n, float* out, size_t k) {
    return pba_model_forward_batch((const pba_model*)m, batch, in, n, out, k);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Model is a loaded network with its metadata. It is immutable: any number of goroutines may
// use it at once, and predictors, slots and policies made from it keep it alive on their own,
// so it may be closed as soon as they are made.
type Model struct {
	h *handle[C.pba_model]
}

// LoadOptions says how a model is loaded; the zero value is the default.
type LoadOptions struct {
	// SkipSelfTest does not run the test vector a model file may carry (it is run by default,
	// and a model that does not reproduce it is refused with ErrSelfTestFailed).
	SkipSelfTest bool
	// RecurrentWeights is how LSTM layers keep their recurrent weights: WeightsFP32 (the
	// default), WeightsFP16 or WeightsBF16, which halve the bytes a one-window forecast
	// streams at a small cost in accuracy (see pba_weight_storage in pba.h).
	RecurrentWeights WeightStorage
}

// WeightStorage is a pba_weight_storage value.
type WeightStorage uint32

const (
	WeightsFP32 WeightStorage = C.PBA_WEIGHTS_FP32
	WeightsFP16 WeightStorage = C.PBA_WEIGHTS_FP16
	WeightsBF16 WeightStorage = C.PBA_WEIGHTS_BF16
)

func (o *LoadOptions) c() C.pba_load_options {
	opts := C.pba_load_options_default()
	if o != nil {
		if o.SkipSelfTest {
			opts.verify_self_test = 0
		}
		opts.recurrent_weights = C.uint32_t(o.RecurrentWeights)
	}
	return opts
}

func newModel(h *C.pba_model) *Model {
	m := &Model{h: newHandle(h, func(h *C.pba_model) { C.pba_model_free(h) })}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// LoadModel loads and validates the .pba model file at path. opts may be nil.
func LoadModel(path string, opts *LoadOptions) (*Model, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	copts := opts.c()
	var h *C.pba_model
	if err := call(func() C.pba_status { return C.pba_model_load_file(cpath, &copts, &h) }); err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// LoadModelBytes loads a model from the bytes of a .pba file (copied: data may be reused
// afterwards). opts may be nil.
func LoadModelBytes(data []byte, opts *LoadOptions) (*Model, error) {
	copts := opts.c()
	var h *C.pba_model
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	err := call(func() C.pba_status { return C.pba_model_load_memory(p, C.size_t(len(data)), &copts, &h) })
	runtime.KeepAlive(data)
	if err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// DefaultModel returns the trained model compiled into the library under name ("v1",
// "internet", "datacenter", "policy", ...; see DefaultModelNames). ErrNotFound for an
// unknown name. Every call returns a new handle on one shared, loaded model.
func DefaultModel(name string) (*Model, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var h *C.pba_model
	if err := call(func() C.pba_status { return C.pba_model_load_default(cname, &h) }); err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// DefaultModelBytes returns a copy of the embedded model name's file, byte for byte as compiled
// in (what `pba export NAME` writes), to save, hash or ship it; LoadModelBytes loads it back.
// ErrNotFound for an unknown name.
func DefaultModelBytes(name string) ([]byte, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var data unsafe.Pointer
	var size C.size_t
	if err := call(func() C.pba_status { return C.pba_default_model_bytes(cname, &data, &size) }); err != nil {
		return nil, err
	}
	return C.GoBytes(data, C.int(size)), nil
}

// DefaultModelNames lists the models compiled into the library, sorted.
func DefaultModelNames() []string {
	n := int(C.pba_default_model_count())
	names := make([]string, 0, n)
	for i := 0; i < n; i++ {
		names = append(names, C.GoString(C.pba_default_model_name(C.size_t(i))))
	}
	return names
}

// Close releases the model; predictors, slots and policies made from it keep working. It is
// idempotent and never blocks: a call in progress on another goroutine finishes first. Other
// methods return ErrClosed afterwards. Closing a nil model does nothing.
func (m *Model) Close() error {
	if m == nil {
		return nil
	}
	m.h.close()
	runtime.SetFinalizer(m, nil)
	return nil
}

// handle is the model's C handle; nil for a nil model, whose methods then return ErrClosed.
func (m *Model) handle() *handle[C.pba_model] {
	if m == nil {
		return nil
	}
	return m.h
}

// ModelInfo describes a model's shape and provenance.
type ModelInfo struct {
	Name, Version, Mode string
	WindowLength        int // timesteps per window; 0 for a model without a time axis
	FeatureCount        int // features per timestep
	InputSize           int // floats per window: max(WindowLength, 1) * FeatureCount
	OutputSize          int // floats per output
	LayerCount          int
	Checksum            uint32 // CRC-32C of the file
	ParameterCount      uint64
	HasSelfTest         bool
	SelfTestVerified    bool
}

// Info describes the model.
func (m *Model) Info() (ModelInfo, error) {
	h, err := m.handle().acquire()
	if err != nil {
		return ModelInfo{}, err
	}
	defer m.h.release()
	var info C.pba_model_info
	info.struct_size = C.sizeof_pba_model_info
	if err := call(func() C.pba_status { return C.pba_model_get_info(h, &info) }); err != nil {
		return ModelInfo{}, err
	}
	return ModelInfo{
		Name:             C.GoString(info.name),
		Version:          C.GoString(info.version),
		Mode:             C.GoString(info.mode),
		WindowLength:     int(info.window_length),
		FeatureCount:     int(info.feature_count),
		InputSize:        int(info.input_size),
		OutputSize:       int(info.output_size),
		LayerCount:       int(info.layer_count),
		Checksum:         uint32(info.checksum),
		ParameterCount:   uint64(info.parameter_count),
		HasSelfTest:      info.has_self_test != 0,
		SelfTestVerified: info.self_test_verified != 0,
	}, nil
}

// Metadata returns the model's metadata as text, key by key: strings as they are, numbers
// in their shortest exact decimal form, arrays as "[a, b]" with strings quoted.
func (m *Model) Metadata() (map[string]string, error) {
	h, err := m.handle().acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	n := int(C.pba_model_metadata_count(h))
	out := make(map[string]string, n)
	for i := 0; i < n; i++ {
		key := C.pba_model_metadata_key(h, C.size_t(i))
		value, err := readText(func(buf *C.char, capacity C.size_t, required *C.size_t) C.pba_status {
			return C.pba_model_metadata(h, key, buf, capacity, required)
		})
		if err != nil {
			return nil, err
		}
		out[C.GoString(key)] = value
	}
	return out, nil
}

// Forward runs one window (InputSize floats, timestep 0's features first) through the network
// into output (OutputSize floats). ErrShapeMismatch for other sizes, ErrNonFinite for a NaN
// or infinite input or output. It allocates nothing.
func (m *Model) Forward(input, output []float32) error {
	return m.ForwardBatch(1, input, output)
}

// ForwardBatch runs batch >= 1 windows laid out one after another in input, into output.
func (m *Model) ForwardBatch(batch int, input, output []float32) error {
	if batch < 1 {
		return invalid(fmt.Sprintf("ForwardBatch: batch is %d, at least one window is needed", batch))
	}
	if len(input) == 0 || len(output) == 0 {
		return &Error{Code: ErrShapeMismatch,
			Message: fmt.Sprintf("Forward: input has %d floats and output %d; neither may be empty", len(input), len(output))}
	}
	h, err := m.handle().acquire()
	if err != nil {
		return err
	}
	defer m.h.release()
	err = call(func() C.pba_status {
		return C.go_forward_batch(unsafe.Pointer(h), C.size_t(batch), floatPtr(input), C.size_t(len(input)),
			floatPtr(output), C.size_t(len(output)))
	})
	runtime.KeepAlive(input)
	runtime.KeepAlive(output)
	return err
}

// acquire returns the C handle of a possibly nil model (nil for nil), holding it until
// release, for the constructors that take models.
func (m *Model) acquire() (*C.pba_model, error) {
	if m == nil {
		return nil, nil
	}
	return m.handle().acquire()
}

func (m *Model) release() {
	if m != nil {
		m.h.release()
	}
}
