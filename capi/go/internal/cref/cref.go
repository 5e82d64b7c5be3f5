// Package cref calls libpba's C interface directly, with structs assembled by hand, as a C
// program would. The differential tests compare the pba package's results with these.
package cref

/*
#cgo pkg-config: pba
#include <stdlib.h>
#include <string.h>
#include <pba.h>

// One C call sequence per helper, so nothing of the pba package's conversion is involved.
static pba_status forward_bytes(const void* bytes, size_t size, const float* input, size_t n, float* output,
                                size_t m) {
    pba_model* model = NULL;
    pba_status s = pba_model_load_memory(bytes, size, NULL, &model);
    if (s != PBA_OK) return s;
    s = pba_model_forward(model, input, n, output, m);
    pba_model_free(model);
    return s;
}

// Observes each sample (t, bw, lat, loss, jitter) and predicts after it; row i of `out` gets
// bandwidth, latency, loss, jitter, confidence, low, high, coverage, fallback of forecast i
// (NaN row when observe or predict failed).
static pba_status forecasts(const void* bytes, size_t size, const double* samples, size_t n, double* out) {
    pba_model* model = NULL;
    pba_status s = pba_model_load_memory(bytes, size, NULL, &model);
    if (s != PBA_OK) return s;
    pba_predictor_config config = pba_predictor_config_default();
    config.model = model;
    pba_predictor* p = NULL;
    s = pba_predictor_create(&config, &p);
    pba_model_free(model);
    if (s != PBA_OK) return s;
    for (size_t i = 0; i < n; ++i) {
        pba_sample sample = pba_sample_at(samples[5 * i]);
        sample.bandwidth_mbps = samples[5 * i + 1];
        sample.latency_ms = samples[5 * i + 2];
        sample.packet_loss = samples[5 * i + 3];
        sample.jitter_ms = samples[5 * i + 4];
        pba_forecast f;
        memset(&f, 0, sizeof f);
        f.struct_size = sizeof f;
        double* row = out + 9 * i;
        if (pba_predictor_observe(p, &sample, NULL) != PBA_OK || pba_predictor_predict(p, &f) != PBA_OK) {
            for (int k = 0; k < 9; ++k) row[k] = PBA_MISSING;
            continue;
        }
        row[0] = f.bandwidth_mbps;
        row[1] = f.latency_ms;
        row[2] = f.packet_loss;
        row[3] = f.jitter_ms;
        row[4] = f.confidence;
        row[5] = f.bandwidth_low_mbps;
        row[6] = f.bandwidth_high_mbps;
        row[7] = f.interval_coverage;
        row[8] = f.fallback;
    }
    pba_predictor_free(p);
    return PBA_OK;
}

static pba_status amst(double bw, double lat, double loss, double jitter, int64_t* out) {
    pba_amst_settings s;
    s.struct_size = sizeof s;
    pba_status status = pba_amst_settings_for(NULL, bw, lat, loss, jitter, &s);
    if (status == PBA_OK) {
        out[0] = s.streams;
        out[1] = s.buffer_bytes;
        out[2] = s.chunk_bytes;
        out[3] = s.pacing_bytes_per_s;
        out[4] = s.window_bytes;
    }
    return status;
}
*/
import "C"

import "unsafe"

// Forward loads a model from bytes and runs one window; the status is the C status.
func Forward(model []byte, input []float32, outputs int) ([]float32, int) {
	out := make([]float32, outputs)
	s := C.forward_bytes(unsafe.Pointer(&model[0]), C.size_t(len(model)), (*C.float)(unsafe.Pointer(&input[0])),
		C.size_t(len(input)), (*C.float)(unsafe.Pointer(&out[0])), C.size_t(len(out)))
	return out, int(s)
}

// Forecasts observes samples ([t, bw, lat, loss, jitter] each) with a default predictor on the
// model, predicting after each; one row of 9 values per sample (see the C helper).
func Forecasts(model []byte, samples [][5]float64) ([][9]float64, int) {
	flat := make([]C.double, 5*len(samples))
	for i, s := range samples {
		for k, v := range s {
			flat[5*i+k] = C.double(v)
		}
	}
	out := make([]C.double, 9*len(samples))
	s := C.forecasts(unsafe.Pointer(&model[0]), C.size_t(len(model)), &flat[0], C.size_t(len(samples)), &out[0])
	rows := make([][9]float64, len(samples))
	for i := range rows {
		for k := range rows[i] {
			rows[i][k] = float64(out[9*i+k])
		}
	}
	return rows, int(s)
}

// AMST returns streams, buffer, chunk, pacing and window for a link with the default parameters.
func AMST(bw, lat, loss, jitter float64) ([5]int64, int) {
	var out [5]C.int64_t
	s := C.amst(C.double(bw), C.double(lat), C.double(loss), C.double(jitter), &out[0])
	var r [5]int64
	for i, v := range out {
		r[i] = int64(v)
	}
	return r, int(s)
}
