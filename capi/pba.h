/*
 * pba.h - the stable C interface of pba (Predictive Bandwidth Allocation).
 *
 * pba forecasts a network link's bandwidth, latency, packet loss and jitter from its recent
 * measurements, and turns a forecast into transport settings. This header is the whole
 * binary interface of libpba.so / libpba.a; it is C99 and compiles as C++.
 *
 * Conventions (docs/c-abi.md has the long form):
 *   - Every call that can fail returns a pba_status; PBA_OK is 0. On failure, the outputs
 *     are left as documented (pointers set to NULL, structs untouched unless stated) and a
 *     message naming the defect is available from pba_last_error() on the same thread.
 *   - Objects are opaque handles made by a *_create / *_load call and released by the
 *     matching *_free, which accepts NULL. The library never keeps a pointer to caller
 *     memory after a call returns, except where stated.
 *   - Structs passed in start with `struct_size`, which the caller sets to sizeof(the
 *     struct) as compiled; a size this library does not know is refused with
 *     PBA_ERR_STRUCT_SIZE, so a newer header never meets an older library silently. Fields
 *     named `reserved` must be zero. The pba_*_default() inline functions below return
 *     correctly sized structs with their defaults.
 *   - No C++ exception crosses this interface; an internal failure is a status.
 *   - Threads: every call may be made from any thread. Models and policies are immutable and
 *     used by any number of threads at once; a predictor or slot serialises the calls made on
 *     it (one predictor per link keeps that uncontended). Freeing a handle while another
 *     thread is inside a call on it is safe (the release happens when that call returns), but
 *     using a handle after its pba_*_free has returned is undefined: the caller must
 *     guarantee it does not happen (the Go package does, and returns ErrClosed).
 */
#ifndef PBA_H
#define PBA_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "pba_version.h"

#ifndef PBA_API
#  if defined(__GNUC__) && (__GNUC__ >= 4)
#    define PBA_API __attribute__((visibility("default")))
#  else
#    define PBA_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================================== */
/* Version                                                                               */
/* ===================================================================================== */

/* The library's PBA_VERSION_NUMBER (major*10000 + minor*100 + patch). Compare with the
 * header's PBA_VERSION_NUMBER to detect a header/library mismatch. Thread-safe. */
PBA_API unsigned pba_version(void);

/* The library's version as "major.minor.patch"; a static string, never NULL. Thread-safe. */
PBA_API const char* pba_version_string(void);

/* The library's PBA_ABI_VERSION: a caller built against a header with another ABI version
 * must not use this library. Thread-safe. */
PBA_API unsigned pba_abi_version(void);

/* ===================================================================================== */
/* Status and errors                                                                     */
/* ===================================================================================== */

/* Values are stable: codes are only ever appended, never renumbered or removed. */
typedef enum pba_status {
    PBA_OK = 0,
    PBA_ERR_INVALID_ARGUMENT = 1,    /* a value outside its domain (negative, empty, unknown enum) */
    PBA_ERR_NULL_POINTER = 2,        /* a required pointer argument is NULL */
    PBA_ERR_STRUCT_SIZE = 3,         /* struct_size is not a size this library knows */
    PBA_ERR_IO = 4,                  /* a file could not be opened or read */
    PBA_ERR_MALFORMED_MODEL = 5,     /* model bytes violate the .pba format */
    PBA_ERR_UNSUPPORTED_VERSION = 6, /* a model file of a format version this library cannot read */
    PBA_ERR_CHECKSUM_MISMATCH = 7,   /* a model file's bytes do not match its CRC-32C */
    PBA_ERR_SHAPE_MISMATCH = 8,      /* sizes that must agree do not (buffers, windows, models) */
    PBA_ERR_NON_FINITE = 9,          /* NaN or infinity where a finite number is required */
    PBA_ERR_SELF_TEST_FAILED = 10,   /* a model's embedded test vector does not reproduce */
    PBA_ERR_NOT_FOUND = 11,          /* an unknown name (default model, metadata key) */
    PBA_ERR_UNSUPPORTED = 12,        /* well-formed but beyond what this build implements */
    PBA_ERR_NOT_READY = 13,          /* the object's state does not allow the call yet */
    PBA_ERR_BUFFER_TOO_SMALL = 14,   /* a caller buffer is too small; the required size is returned */
    PBA_ERR_OUT_OF_MEMORY = 15,      /* an allocation failed */
    PBA_ERR_INTERNAL = 16            /* a defect in pba; the message says what */
} pba_status;

/* A short static description of a status ("invalid argument"), never NULL; "unknown
 * status" for a value this library does not know. Thread-safe. */
PBA_API const char* pba_status_string(pba_status status);

/* The detailed message of the last failed call made by this thread (which file, which
 * layer, which field), or "" when the thread's last pba call succeeded. Owned by the
 * library; valid until this thread's next pba call. Never NULL. Thread-safe: each thread
 * has its own message. */
PBA_API const char* pba_last_error(void);

/* ===================================================================================== */
/* Models                                                                                */
/* ===================================================================================== */

/* A loaded network with its metadata (docs/model-format.md). Immutable: any number of
 * threads may use one model at once, and predictors made from it keep it alive on their
 * own, so the caller may free its handle right after creating them. */
typedef struct pba_model pba_model;

/* How a model keeps its LSTM layers' recurrent weights (pba_load_options.recurrent_weights).
 * At one window per call the step loop is bound by the bytes it streams; fp16 and bf16 halve
 * them, with fp32 arithmetic. Outputs move by up to ~1.4e-5 (fp16) or ~2e-4 (bf16) on the
 * reference models; the file's self-test is checked on the fp32 weights before conversion.
 * Which one is faster depends on the CPU: measure with `pba bench --weights`. */
enum pba_weight_storage {
    PBA_WEIGHTS_FP32 = 0, /* as stored in the file (default) */
    PBA_WEIGHTS_FP16 = 1, /* IEEE binary16 */
    PBA_WEIGHTS_BF16 = 2  /* bfloat16 */
};

/* pba_load_options.reload_flags: a reload (pba_slot_reload_*, pba_predictor_reload_*) refuses
 * a model of another kind than the one serving (other input features, window or forecast
 * target, e.g. "v1" into a slot serving "internet") with PBA_ERR_INVALID_ARGUMENT and a
 * message naming each difference, unless this flag is set. */
#define PBA_RELOAD_ALLOW_KIND_CHANGE 1u

typedef struct pba_load_options {
    size_t struct_size;          /* sizeof(pba_load_options) */
    int verify_self_test;        /* nonzero: run the file's test vector, if it has one, and
                                    refuse the model when it does not reproduce (default 1) */
    uint32_t recurrent_weights;  /* a pba_weight_storage value (default PBA_WEIGHTS_FP32) */
    uint32_t reload_flags;       /* PBA_RELOAD_* bits, read by reloads only (default 0) */
    uint32_t reserved[1];        /* must be zero */
} pba_load_options;

static inline pba_load_options pba_load_options_default(void) {
    pba_load_options o = {sizeof(pba_load_options), 1, PBA_WEIGHTS_FP32, 0, {0}};
    return o;
}

/* Loads and validates the .pba file at `path` (a NUL-terminated file-system path). `options`
 * may be NULL for the defaults. On success stores a new model in *out_model, which the
 * caller releases with pba_model_free; on failure stores NULL and returns PBA_ERR_IO,
 * PBA_ERR_MALFORMED_MODEL, PBA_ERR_UNSUPPORTED_VERSION, PBA_ERR_CHECKSUM_MISMATCH,
 * PBA_ERR_SHAPE_MISMATCH, PBA_ERR_NON_FINITE or PBA_ERR_SELF_TEST_FAILED, with a message
 * naming the file and the defect. Thread-safe. */
PBA_API pba_status pba_model_load_file(const char* path, const pba_load_options* options, pba_model** out_model);

/* As pba_model_load_file, from `size` bytes at `data`. The bytes are copied as needed; the
 * caller keeps ownership of `data` and may release it when the call returns. Malformed
 * bytes of any kind are refused with a status, never read outside [data, data + size).
 * Thread-safe. */
PBA_API pba_status pba_model_load_memory(const void* data, size_t size, const pba_load_options* options,
                                         pba_model** out_model);

/* Releases a model handle. Predictors created from it keep the model itself alive. NULL is
 * a no-op. If another thread is still inside a call on this handle, the release happens
 * when that call returns; the handle must not be used after this returns. */
PBA_API void pba_model_free(pba_model* model);

/* What a model is, filled by pba_model_get_info. */
typedef struct pba_model_info {
    size_t struct_size;          /* set by the caller: sizeof(pba_model_info) */
    const char* name;            /* metadata model.name ("unnamed" if absent) */
    const char* version;         /* metadata model.version ("0" if absent) */
    const char* mode;            /* metadata model.mode ("generic" if absent) */
    uint32_t window_length;      /* T, timesteps per window; 0 for a model without a time axis */
    uint32_t feature_count;      /* F, features per timestep */
    uint32_t input_size;         /* floats per window: max(T, 1) * F */
    uint32_t output_size;        /* floats per window's output */
    uint32_t layer_count;        /* layers in the file */
    uint32_t checksum;           /* the file's CRC-32C */
    uint64_t parameter_count;    /* weights in all layers */
    int has_self_test;           /* the file carries a test vector */
    int self_test_verified;      /* it was run and reproduced at load */
} pba_model_info;

/* Fills *info (whose struct_size the caller sets). The strings are owned by the model and
 * valid until pba_model_free. Returns PBA_ERR_NULL_POINTER or PBA_ERR_STRUCT_SIZE on bad
 * arguments, leaving *info's other fields untouched. Thread-safe. */
PBA_API pba_status pba_model_get_info(const pba_model* model, pba_model_info* info);

/* The number of metadata entries; 0 for NULL. Thread-safe. */
PBA_API size_t pba_model_metadata_count(const pba_model* model);

/* The key of metadata entry `index` (keys sorted bytewise), owned by the model; NULL when
 * `model` is NULL or `index` >= pba_model_metadata_count. Thread-safe. */
PBA_API const char* pba_model_metadata_key(const pba_model* model, size_t index);

/* Writes the value of metadata `key` as NUL-terminated text into `buffer`: a string as is,
 * a number as the shortest decimal that reads back exactly, an array as "[a, b, ...]" (strings
 * quoted as JSON). Sizes follow snprintf: *required (if not NULL) receives the bytes needed
 * including the NUL; when `capacity` is smaller, up to capacity - 1 bytes and a NUL are
 * written and PBA_ERR_BUFFER_TOO_SMALL is returned. `buffer` may be NULL when `capacity` is
 * 0, to ask for the size. PBA_ERR_NOT_FOUND for an unknown key. Thread-safe. */
PBA_API pba_status pba_model_metadata(const pba_model* model, const char* key, char* buffer, size_t capacity,
                                      size_t* required);

/* Runs one window through the network: `input` holds input_count == input_size floats
 * (time-major: timestep 0's features first), `output` receives output_count == output_size
 * floats (pba_model_get_info). Returns PBA_ERR_SHAPE_MISMATCH when a count differs,
 * PBA_ERR_NON_FINITE when an input or output value is NaN or infinite (the message says
 * which); `output` is unspecified after a failure. The caller owns both buffers. Each thread
 * keeps a scratch buffer sized for the largest forward it has run, so a thread's first call
 * (or first larger batch) allocates and later ones do not. Thread-safe. */
PBA_API pba_status pba_model_forward(const pba_model* model, const float* input, size_t input_count, float* output,
                                     size_t output_count);

/* As pba_model_forward for `batch` >= 1 windows laid out one after another: input_count ==
 * batch * input_size, output_count == batch * output_size. Thread-safe. */
PBA_API pba_status pba_model_forward_batch(const pba_model* model, size_t batch, const float* input,
                                           size_t input_count, float* output, size_t output_count);


/* The trained models compiled into the library ("v1", "internet", "datacenter", "policy", ...),
 * so pba works with no files. Stores a new handle on the embedded model `name` in *out_model
 * (release it with pba_model_free; every handle shares one loaded instance). On failure
 * stores NULL and returns PBA_ERR_NOT_FOUND for an unknown name (the message lists the
 * available ones) or PBA_ERR_NULL_POINTER. Thread-safe. */
PBA_API pba_status pba_model_load_default(const char* name, pba_model** out_model);

/* The number of embedded models, and the name of model `index` (sorted; a static string, NULL
 * when index >= pba_default_model_count()). Thread-safe. */
PBA_API size_t pba_default_model_count(void);
PBA_API const char* pba_default_model_name(size_t index);

/* The embedded model `name`'s file, byte for byte as compiled in (what `pba export NAME`
 * writes), to save, hash or ship it. Stores in *out_data a pointer to the library's static
 * storage, valid for the life of the process and never to be freed or written, and in
 * *out_size its length in bytes. On failure stores NULL and 0 and returns PBA_ERR_NOT_FOUND
 * for an unknown name (the message lists the available ones) or PBA_ERR_NULL_POINTER.
 * Thread-safe. */
PBA_API pba_status pba_default_model_bytes(const char* name, const void** out_data, size_t* out_size);

/* ===================================================================================== */
/* Samples and forecasts                                                                 */
/* ===================================================================================== */

/* A value that was not measured (NaN): any measured field of a sample may be missing. */
#define PBA_MISSING NAN

/* One measurement of a link. Every field but the timestamp may be PBA_MISSING. */
typedef struct pba_sample {
    size_t struct_size;      /* sizeof(pba_sample) */
    double timestamp_unix_s; /* seconds since 1970-01-01 UTC; finite, |t| <= 1e11 */
    double bandwidth_mbps;
    double latency_ms;
    double packet_loss;      /* ratio 0..1 */
    double jitter_ms;
    double throughput_mbps;
    double reliability;      /* ratio 0..1 */
} pba_sample;

/* A sample at `timestamp_unix_s` with every measured field missing. */
static inline pba_sample pba_sample_at(double timestamp_unix_s) {
    pba_sample s;
    s.struct_size = sizeof(pba_sample);
    s.timestamp_unix_s = timestamp_unix_s;
    s.bandwidth_mbps = PBA_MISSING;
    s.latency_ms = PBA_MISSING;
    s.packet_loss = PBA_MISSING;
    s.jitter_ms = PBA_MISSING;
    s.throughput_mbps = PBA_MISSING;
    s.reliability = PBA_MISSING;
    return s;
}

/* Bits naming sample fields in the masks below. */
enum {
    PBA_FIELD_BANDWIDTH = 1 << 0,
    PBA_FIELD_LATENCY = 1 << 1,
    PBA_FIELD_PACKET_LOSS = 1 << 2,
    PBA_FIELD_JITTER = 1 << 3,
    PBA_FIELD_THROUGHPUT = 1 << 4,
    PBA_FIELD_RELIABILITY = 1 << 5
};

/* The kind of link. PBA_MODE_AUTO appears only in a predictor configuration. */
typedef enum pba_mode {
    PBA_MODE_AUTO = 0,       /* classify each link from its samples (with hysteresis) */
    PBA_MODE_DATACENTER = 1, /* 1-10 ms, 1-10 Gbps */
    PBA_MODE_INTERNET = 2,   /* 50-500 ms, 100-900 Mbps */
    PBA_MODE_HYBRID = 3      /* in between: both forecasts, weighted by confidence */
} pba_mode;

typedef enum pba_forecast_target {
    PBA_TARGET_VALUE_AT = 0, /* the value horizon_steps samples ahead */
    PBA_TARGET_MEAN_OVER = 1 /* the mean of the next horizon_steps samples */
} pba_forecast_target;

typedef enum pba_fallback_reason {
    PBA_FALLBACK_NONE = 0,           /* the model answered */
    PBA_FALLBACK_NO_MODEL = 1,       /* no model is loaded */
    PBA_FALLBACK_WINDOW_FILLING = 2, /* fewer samples than the model's window */
    PBA_FALLBACK_INVALID_INPUT = 3,  /* a normalised input was not finite */
    PBA_FALLBACK_MODEL_ERROR = 4,    /* the model produced a non-finite value */
    /* the link's sample interval is not the model's (by more than half of it), or another
     * horizon was asked (pba_predictor_config.horizon_s): the model does not answer */
    PBA_FALLBACK_NOT_APPLICABLE = 5
} pba_fallback_reason;

#define PBA_MODEL_VERSION_CAPACITY 96

/* A forecast of one link, filled by pba_predictor_predict. Every number is finite. */
typedef struct pba_forecast {
    size_t struct_size; /* set by the caller: sizeof(pba_forecast) */
    double bandwidth_mbps;
    double latency_ms;
    double packet_loss; /* 0..1 */
    double jitter_ms;
    double confidence;  /* 0..1, by config.confidence_rule; the transport rule's is <= 0.5 from
                           the fallback rule */
    /* [low, high] holds the actual bandwidth with probability interval_coverage; coverage is
     * 0 (and low = high = bandwidth_mbps) until enough forecasts were checked to size it. */
    double bandwidth_low_mbps;
    double bandwidth_high_mbps;
    double interval_coverage;
    double made_at_unix_s; /* timestamp of the newest sample used */
    double target_unix_s;  /* made_at_unix_s + horizon_s */
    double horizon_s;
    uint32_t horizon_steps;
    uint32_t target;          /* pba_forecast_target */
    uint32_t mode;            /* pba_mode that answered (never PBA_MODE_AUTO) */
    uint32_t fallback;        /* 1: the model did not answer; every value came from the fallback
                                 rule but an aggregated bandwidth_mbps (see `aggregated`) */
    uint32_t fallback_reason; /* pba_fallback_reason */
    uint32_t fallback_fields; /* PBA_FIELD_* bits of values from the fallback rule */
    uint32_t unknown_fields;  /* PBA_FIELD_* bits never measured on this link, reported as 0 */
    uint32_t reserved;        /* 0 */
    /* The model that answered: its slot's generation and its version (NUL-terminated); 0 and
     * "" when no model answered (a fallback). A hybrid of both models: the internet member's
     * generation and "datacenter+internet" versions; a hybrid where one member fell back: the
     * other's. */
    uint64_t model_generation;
    char model_version[PBA_MODEL_VERSION_CAPACITY];

    /* Since 1.1. A caller compiled against 1.0 passes its smaller struct_size
     * (PBA_FORECAST_SIZE_1_0) and gets every field above, none of these. */
    /* 1: bandwidth_mbps is the online per-link aggregate of the network's forecast and simple
     * smoothers (pba_predictor_config.aggregation; docs/aggregation.md); fallback_fields still
     * says whether the network answered. */
    uint32_t aggregated;
    uint32_t leading_member; /* the member weighted most: pba_aggregation_member_name() */
    double leading_weight;   /* its weight, 0..1; 0 when not aggregated */
    double network_bandwidth_mbps; /* the network's own forecast; 0 when it did not answer */
} pba_forecast;

/* sizeof(pba_forecast) as pba 1.0 declared it (up to model_version), still accepted. */
#define PBA_FORECAST_SIZE_1_0 (offsetof(pba_forecast, aggregated))

/* ===================================================================================== */
/* Slots: shared, hot-reloadable models                                                  */
/* ===================================================================================== */

/* A model that many predictors (one per link) share and that any thread may swap: a swap
 * publishes a whole new model, each predictor picks it up at its next predict, and no forecast
 * mixes two versions. A reload that fails leaves the old model serving. All calls on a slot
 * are thread-safe, also concurrently with predictors using it. */
typedef struct pba_slot pba_slot;

/* Creates a slot serving `model` (NULL: empty, predictors on it use the fallback rule). The slot
 * keeps the model alive on its own. Returns PBA_ERR_MALFORMED_MODEL when the model's metadata
 * cannot drive a predictor (features, normalisation, horizon; the message names the key). */
PBA_API pba_status pba_slot_create(const pba_model* model, pba_slot** out_slot);

/* Releases the caller's handle; predictors using the slot keep it alive. NULL is a no-op. */
PBA_API void pba_slot_free(pba_slot* slot);

/* Swap in a new model: from a file, from memory (copied; the caller keeps `data`), or an already
 * loaded model. Each checks the new model completely first; on failure the old model keeps
 * serving, the refusal is counted, and the status and message say why. *out_generation (may be
 * NULL) receives the new generation on success. */
PBA_API pba_status pba_slot_reload_file(pba_slot* slot, const char* path, const pba_load_options* options,
                                        uint64_t* out_generation);
PBA_API pba_status pba_slot_reload_memory(pba_slot* slot, const void* data, size_t size,
                                          const pba_load_options* options, uint64_t* out_generation);
/* pba_slot_replace swaps in the caller's model whatever its kind (no PBA_RELOAD_ALLOW_KIND_CHANGE
 * check: the caller chose it). */
PBA_API pba_status pba_slot_replace(pba_slot* slot, const pba_model* model, uint64_t* out_generation);

/* The slot's generation: 0 while empty, 1 for the first model, +1 on every swap. 0 for NULL. */
PBA_API uint64_t pba_slot_generation(const pba_slot* slot);

/* ===================================================================================== */
/* Predictors                                                                            */
/* ===================================================================================== */

/* Forecasts one link from its samples: a window of samples, a model with its feature pipeline,
 * the fallback rule until the window is full, accuracy tracking and confidence, a conformal
 * bandwidth interval, statistics, and optionally a challenger model in shadow.
 *
 * Two kinds, chosen by the configuration:
 *   - single: one model (`model` or `slot`) for every link;
 *   - mode-aware: a datacenter and an internet model (each from `*_model` or `*_slot`, either
 *     may be absent), used by the link's mode (`mode`), both combined in hybrid mode.
 * Every call is thread-safe; calls on one predictor are serialised. */
typedef struct pba_predictor pba_predictor;

/* How pba_forecast.confidence is computed (docs/predictors.md, "Confidence"). */
typedef enum pba_confidence_rule {
    /* The transport's rule: with fewer than 10 forecasts made 0.5, else clamp(1 - mean relative
     * error / 0.2, 0, 1) over the last <= 20 matched forecasts; <= 0.5 from the fallback rule. */
    PBA_CONFIDENCE_TRANSPORT = 0,
    /* The probability that the measured bandwidth the forecast stands for lies within
     * confidence_tolerance of it (|actual - forecast| <= tolerance x actual), estimated from the
     * link's own matured forecasts (model and fallback forecasts each from their own), its prior
     * from those of the other predictors on the same pba_model in this process. */
    PBA_CONFIDENCE_CALIBRATED = 1
} pba_confidence_rule;

/* Whether pba_forecast.bandwidth_mbps is the network's forecast or the online per-link
 * aggregate of it with simple smoothers (docs/aggregation.md): weights learned from each
 * member's matured errors on this link (exponentially weighted with fixed share), so the served
 * forecast tracks the best of them on the link's own history. */
typedef enum pba_aggregation {
    /* On for a model forecasting an internet link's mean over its horizon (the embedded
     * `internet`), and for links the model cannot answer (sampled at another interval than the
     * model's, or another horizon asked); off otherwise and without a model. */
    PBA_AGGREGATION_AUTO = 0,
    PBA_AGGREGATION_ON = 1,
    PBA_AGGREGATION_OFF = 2 /* the network's forecast alone, else the fallback rule (pba 1.0) */
} pba_aggregation;

/* The members of the aggregate, in this order: 0 the network, 1 persistence (the newest
 * sample), 2 the mean of the newest 10 samples, 3..8 EWMAs with alpha per sample 0.5, 0.2,
 * 0.05, 0.02, 0.005, 0.001. */
#define PBA_AGGREGATION_MEMBER_COUNT 9

/* The stable label of aggregate member `member` ("network", "persistence", "ma10", "ewma_0.5",
 * ..., "ewma_0.001"), or NULL when member >= PBA_AGGREGATION_MEMBER_COUNT. Static storage,
 * thread-safe, never fails otherwise. */
PBA_API const char* pba_aggregation_member_name(uint32_t member);

typedef struct pba_predictor_config {
    size_t struct_size; /* sizeof(pba_predictor_config) */

    /* Models. Set at most one of model/slot, or any of the datacenter_/internet_ pairs (at most
     * one per pair), never both kinds. Nothing set: a mode-aware predictor answering from the
     * fallback rule. Models and slots are not owned: the predictor keeps what it needs alive. */
    const pba_model* model;
    pba_slot* slot;
    const pba_model* datacenter_model;
    pba_slot* datacenter_slot;
    const pba_model* internet_model;
    pba_slot* internet_slot;

    /* pba_mode. Mode-aware predictors: AUTO classifies the link, the others force a mode.
     * Single predictors: must be AUTO (the model's own mode is reported). */
    int mode;

    double utc_offset_s;      /* local time for hour_of_day/day_of_week; |offset| <= 86400 */
    double sample_interval_s; /* seconds between samples; 0: the model's */
    double max_gap_s;         /* a longer gap restarts the window; 0: 10 x interval; < 0: never */
    uint32_t accuracy_window; /* matched forecasts in the rolling accuracy, 1..100000 */
    uint32_t interval_window; /* residuals sizing the interval, 1..100000 */
    double interval_coverage; /* in (0, 1) */
    int match_observed_samples; /* nonzero: observed samples settle forecasts (else only
                                   pba_predictor_record_actual does) */

    /* Mode detection (mode-aware, PBA_MODE_AUTO): 10-sample moving averages; datacenter when
     * latency < dc_max_latency, bandwidth >= dc_min_bandwidth and loss <= dc_max_loss; else
     * internet when latency > inet_min_latency, bandwidth < inet_max_bandwidth or loss >
     * inet_min_loss; else hybrid. Leaving a mode needs the new condition to hold tightened by
     * `hysteresis` (a ratio; 0 disables) for `dwell_samples` consecutive samples. */
    uint32_t average_samples; /* 1..256 */
    uint32_t dwell_samples;   /* >= 1 */
    double hysteresis;
    double datacenter_max_latency_ms;
    double datacenter_min_bandwidth_mbps;
    double datacenter_max_packet_loss;
    double internet_min_latency_ms;
    double internet_max_bandwidth_mbps;
    double internet_min_packet_loss;

    /* These took the place of reserved[0..2]; the struct's size is unchanged and zero means the
     * default, so a caller compiled against the earlier header behaves as before. */
    double confidence_tolerance; /* the calibrated rule's "within", in (0, 1]; 0: 0.2 */
    uint32_t confidence_rule;    /* a pba_confidence_rule (default PBA_CONFIDENCE_TRANSPORT) */
    /* Since 1.1, likewise in place of reserved[3..5]. */
    uint32_t aggregation; /* a pba_aggregation (default PBA_AGGREGATION_AUTO) */
    /* The horizon served, in seconds; 0: the model's. Another horizon (e.g. 900 for 15 minutes)
     * is served by the aggregate of smoothers forecasting the mean bandwidth over the next
     * horizon_s (the model does not answer it: PBA_FALLBACK_NOT_APPLICABLE); needs aggregation
     * not PBA_AGGREGATION_OFF. In [0, 1e6]. */
    double horizon_s;
    uint32_t reserved[2]; /* must be zero */
} pba_predictor_config;

static inline pba_predictor_config pba_predictor_config_default(void) {
    pba_predictor_config c;
    size_t i;
    c.struct_size = sizeof(pba_predictor_config);
    c.model = NULL;
    c.slot = NULL;
    c.datacenter_model = NULL;
    c.datacenter_slot = NULL;
    c.internet_model = NULL;
    c.internet_slot = NULL;
    c.mode = PBA_MODE_AUTO;
    c.utc_offset_s = 0.0;
    c.sample_interval_s = 0.0;
    c.max_gap_s = 0.0;
    c.accuracy_window = 100;
    c.interval_window = 100;
    c.interval_coverage = 0.9;
    c.match_observed_samples = 1;
    c.average_samples = 10;
    c.dwell_samples = 3;
    c.hysteresis = 0.1;
    c.datacenter_max_latency_ms = 10.0;
    c.datacenter_min_bandwidth_mbps = 1000.0;
    c.datacenter_max_packet_loss = 0.001;
    c.internet_min_latency_ms = 50.0;
    c.internet_max_bandwidth_mbps = 1000.0;
    c.internet_min_packet_loss = 0.01;
    c.confidence_tolerance = 0.2;
    c.confidence_rule = PBA_CONFIDENCE_TRANSPORT;
    c.aggregation = PBA_AGGREGATION_AUTO;
    c.horizon_s = 0.0;
    for (i = 0; i < sizeof c.reserved / sizeof c.reserved[0]; ++i) c.reserved[i] = 0;
    return c;
}

/* Creates a predictor. On failure stores NULL in *out_predictor and returns
 * PBA_ERR_NULL_POINTER, PBA_ERR_STRUCT_SIZE, PBA_ERR_INVALID_ARGUMENT (a value out of range or
 * a forbidden combination, named in the message) or PBA_ERR_MALFORMED_MODEL (a model that
 * cannot drive a predictor). Release with pba_predictor_free. */
PBA_API pba_status pba_predictor_create(const pba_predictor_config* config, pba_predictor** out_predictor);

/* Releases a predictor. NULL is a no-op. */
PBA_API void pba_predictor_free(pba_predictor* predictor);

typedef enum pba_observe_status {
    PBA_OBSERVE_ACCEPTED = 0,
    PBA_OBSERVE_ACCEPTED_AFTER_GAP = 1,        /* first of a new window (gap > max_gap_s) */
    PBA_OBSERVE_REFUSED_INVALID_TIMESTAMP = 2, /* NaN, infinite, or |t| > 1e11 */
    PBA_OBSERVE_REFUSED_REPEATED_TIMESTAMP = 3,
    PBA_OBSERVE_REFUSED_BACKWARDS_TIMESTAMP = 4
} pba_observe_status;

typedef struct pba_observe_result {
    size_t struct_size;      /* set by the caller: sizeof(pba_observe_result) */
    uint32_t status;         /* pba_observe_status */
    uint32_t dropped_fields; /* PBA_FIELD_* bits of values (Inf, negative, ratio > 1) that were
                                treated as missing; the rest of the sample was used */
} pba_observe_result;

/* Adds a measurement. Returns PBA_OK when it was accepted (maybe with some values dropped, see
 * *result), PBA_ERR_INVALID_ARGUMENT when it was refused for its timestamp (the predictor only
 * counts it; the message says why). `result` may be NULL. Allocates nothing. */
PBA_API pba_status pba_predictor_observe(pba_predictor* predictor, const pba_sample* sample,
                                         pba_observe_result* result);

/* Adds `count` measurements of this link in order. Every sample is offered even after a refusal;
 * *accepted (may be NULL) receives how many were accepted. Returns PBA_OK when all were,
 * PBA_ERR_INVALID_ARGUMENT naming the first refused index otherwise. */
PBA_API pba_status pba_predictor_observe_many(pba_predictor* predictor, const pba_sample* samples, size_t count,
                                              size_t* accepted);

/* Forecasts from the samples observed so far. Returns PBA_ERR_NOT_READY before any sample was
 * accepted. *forecast is written only on success. Allocates nothing (except the first
 * predict after a reload to a model with a larger window). */
PBA_API pba_status pba_predictor_predict(pba_predictor* predictor, pba_forecast* forecast);

/* Reports a measurement used only to score pending forecasts (it does not enter the window).
 * *matched and *expired (either may be NULL) receive how many forecasts it settled or expired.
 * PBA_ERR_INVALID_ARGUMENT for an invalid timestamp. */
PBA_API pba_status pba_predictor_record_actual(pba_predictor* predictor, const pba_sample* actual,
                                               uint32_t* matched, uint32_t* expired);

/* Forgets samples and pending forecasts (the link restarted); counters and accuracy stay. */
PBA_API pba_status pba_predictor_reset(pba_predictor* predictor);

/* The mode the next forecast will use (never PBA_MODE_AUTO). */
PBA_API pba_status pba_predictor_mode(const pba_predictor* predictor, pba_mode* mode);

/* Which of a predictor's models a call addresses. */
typedef enum pba_role {
    PBA_ROLE_MAIN = 0,       /* a single predictor's model */
    PBA_ROLE_DATACENTER = 1, /* a mode-aware predictor's datacenter model */
    PBA_ROLE_INTERNET = 2    /* a mode-aware predictor's internet model */
} pba_role;

/* Hot reload of the slot behind `role` (so every predictor sharing that slot changes; see
 * pba_slot_*). PBA_ERR_INVALID_ARGUMENT for a role the predictor does not have. */
PBA_API pba_status pba_predictor_reload_file(pba_predictor* predictor, pba_role role, const char* path,
                                             const pba_load_options* options, uint64_t* out_generation);
PBA_API pba_status pba_predictor_reload_memory(pba_predictor* predictor, pba_role role, const void* data,
                                               size_t size, const pba_load_options* options,
                                               uint64_t* out_generation);

/* A new handle on the slot behind `role`, to share it with other predictors or reload it. */
PBA_API pba_status pba_predictor_slot(const pba_predictor* predictor, pba_role role, pba_slot** out_slot);

/* Accuracy of one forecast field over matched forecasts; zeros when count is 0. */
typedef struct pba_field_accuracy {
    uint64_t count;         /* forecasts whose actual value was known */
    double mae;             /* mean |predicted - actual|, in the field's unit */
    uint64_t nonzero_count; /* of those, with a non-zero actual */
    double mape;            /* mean |predicted - actual| / |actual|, a ratio */
    double within_20pct;    /* share within +-20% of the actual */
} pba_field_accuracy;

typedef struct pba_accuracy {
    uint64_t matched;              /* matched forecasts in the rolling window */
    pba_field_accuracy fields[4];  /* bandwidth, latency, packet loss, jitter */
    uint64_t relative_error_count;
    double mean_relative_error;    /* (|dbw|/bw + |dlat|/lat) / 2, averaged */
    double accuracy;               /* clamp(1 - mean_relative_error, 0, 1) */
} pba_accuracy;

/* A snapshot of a predictor's counters and accuracy. */
typedef struct pba_predictor_stats {
    size_t struct_size; /* set by the caller: sizeof(pba_predictor_stats) */
    uint64_t predictions;
    uint64_t model_predictions;
    uint64_t fallback_predictions;
    uint64_t predictions_by_mode[3];   /* datacenter, internet, hybrid */
    uint64_t fallbacks_by_reason[5];   /* indexed by pba_fallback_reason (entry 0 stays 0); the
                                          count of PBA_FALLBACK_NOT_APPLICABLE (5) is
                                          fallbacks_not_applicable */
    uint64_t mode_switches;
    uint32_t mode;                     /* pba_mode of the latest forecast */
    uint32_t reserved;                 /* 0 */

    uint64_t samples_accepted;
    uint64_t samples_refused_invalid_timestamp;
    uint64_t samples_refused_repeated_timestamp;
    uint64_t samples_refused_backwards_timestamp;
    uint64_t window_resets;            /* samples accepted after a gap */
    uint64_t dropped_values;           /* single values treated as missing */
    uint64_t forecasts_matched;
    uint64_t forecasts_expired;

    uint64_t latency_count;            /* predict calls timed */
    double latency_p50_us;
    double latency_p95_us;
    double latency_p99_us;
    double latency_max_us;
    double latency_mean_us;

    pba_accuracy accuracy;             /* forecasts served, rolling window */
    pba_accuracy model_accuracy;       /* only those the model answered */
    double model_confidence;
    double last_confidence;

    double interval_target_coverage;
    double interval_half_width_mbps;
    uint64_t interval_checked;
    uint64_t interval_covered;
    double interval_measured_coverage; /* over the recent checks */

    uint64_t model_generation;
    uint64_t reloads_succeeded;
    uint64_t reloads_refused;
    char model_version[PBA_MODEL_VERSION_CAPACITY];

    /* Since 1.1. A caller compiled against 1.0 passes its smaller struct_size
     * (PBA_PREDICTOR_STATS_SIZE_1_0) and gets every field above, none of these. */
    uint64_t fallbacks_not_applicable; /* fallbacks_by_reason[PBA_FALLBACK_NOT_APPLICABLE] */
    uint32_t aggregating;              /* 1: forecasts are served as the aggregate */
    uint32_t leading_member;           /* the member weighted most: pba_aggregation_member_name() */
    double leading_weight;             /* its weight, 0..1 */
    double member_weights[PBA_AGGREGATION_MEMBER_COUNT]; /* by member, summing to 1; 0 when not */
    uint64_t aggregation_updates;      /* matured forecasts that moved the weights */
    uint64_t state_bytes;              /* bytes of this link's own state (a mode-aware predictor's
                                          members and any challenger included); the shared model
                                          and the buffers its forecasts borrow are not counted */
} pba_predictor_stats;

/* sizeof(pba_predictor_stats) as pba 1.0 declared it (up to model_version), still accepted. */
#define PBA_PREDICTOR_STATS_SIZE_1_0 (offsetof(pba_predictor_stats, fallbacks_not_applicable))

PBA_API pba_status pba_predictor_get_stats(const pba_predictor* predictor, pba_predictor_stats* stats);

/* Writes the Prometheus text exposition (format 0.0.4) of the predictors' stats, each series
 * labelled link="<links[i]>" (escaped), each metric family once: dwcp_pba_predictions_total,
 * dwcp_pba_prediction_latency_ms, dwcp_pba_prediction_accuracy, dwcp_pba_confidence,
 * dwcp_pba_model_version, ... `count` predictors and as many NUL-terminated link names.
 * Sizes follow snprintf as pba_model_metadata does: *required receives the bytes needed
 * including the NUL at the time of the call (stats move: leave room when calling again). */
PBA_API pba_status pba_prometheus_text(const pba_predictor* const* predictors, const char* const* links,
                                       size_t count, char* buffer, size_t capacity, size_t* required);

/* Champion/challenger for the model behind `role`: the challenger runs in shadow on the same
 * samples and is scored, never served. */
PBA_API pba_status pba_predictor_set_challenger(pba_predictor* predictor, pba_role role, const pba_model* challenger,
                                                uint64_t min_matched);
PBA_API pba_status pba_predictor_clear_challenger(pba_predictor* predictor, pba_role role);

typedef struct pba_model_score {
    char model_version[PBA_MODEL_VERSION_CAPACITY];
    uint64_t forecasts;
    uint64_t fallbacks;
    pba_accuracy accuracy;
    double horizon_s;
    uint32_t target; /* pba_forecast_target */
    uint32_t reserved;
} pba_model_score;

typedef enum pba_winner { PBA_WINNER_UNDECIDED = 0, PBA_WINNER_CHAMPION = 1, PBA_WINNER_CHALLENGER = 2 } pba_winner;

typedef struct pba_challenger_report {
    size_t struct_size; /* set by the caller: sizeof(pba_challenger_report) */
    pba_model_score champion;
    pba_model_score challenger;
    uint32_t better;      /* pba_winner: lower bandwidth MAE once both have min_matched */
    uint32_t comparable;  /* same target kind and horizon */
    uint64_t min_matched;
} pba_challenger_report;

/* The comparison so far; PBA_ERR_NOT_READY without a challenger. */
PBA_API pba_status pba_predictor_challenger_report(const pba_predictor* predictor, pba_role role,
                                                   pba_challenger_report* report);

/* The same as a few lines of text naming the better model with the numbers; sizes as snprintf. */
PBA_API pba_status pba_predictor_challenger_text(const pba_predictor* predictor, pba_role role, char* buffer,
                                                 size_t capacity, size_t* required);

/* Swaps the challenger's model into the slot behind `role` (every predictor sharing it gets
 * it) and ends the comparison. PBA_ERR_NOT_READY without a challenger. */
PBA_API pba_status pba_predictor_promote_challenger(pba_predictor* predictor, pba_role role,
                                                    uint64_t* out_generation);

/* ===================================================================================== */
/* Many links in one call                                                                */
/* ===================================================================================== */

/* For a transport with thousands of links: one call observes or forecasts `count` links.
 * predictors[i] gets samples[i] / gives forecasts[i]; statuses[i] (the array may be NULL)
 * receives each link's status, every entry on every call, and a failed link does not stop the
 * others: each other link is observed or forecast exactly as by pba_predictor_observe /
 * pba_predictor_predict. Returns PBA_OK when every link succeeded, else the first failure's
 * status with a message naming its index and how many links failed. NULL entries in
 * `predictors` (a link the caller has no predictor for) fail their link with
 * PBA_ERR_NULL_POINTER; a bad sample fails its link as pba_predictor_observe would. When
 * `predictors` (or `samples`, `forecasts`) is NULL with count > 0, every status is
 * PBA_ERR_NULL_POINTER. A caller built against pba 1.0 passes an array of its smaller
 * structs (forecasts[0].struct_size == PBA_FORECAST_SIZE_1_0 sets the stride). Each forecasts[i] needs its struct_size set; a failed link's forecast
 * is left as it was. The same predictor may appear twice (calls serialise).
 * pba_predict_links runs the networks of links on the same model as batched forward passes
 * (up to 64 windows each; a mode-aware link's members in their models' batches) and finishes
 * each link as pba_predictor_predict would: every forecast is bit for bit the one-call one. It allocates nothing after a thread's first
 * call (its batch buffers). */
PBA_API pba_status pba_observe_links(pba_predictor* const* predictors, const pba_sample* samples, size_t count,
                                     pba_status* statuses);
PBA_API pba_status pba_predict_links(pba_predictor* const* predictors, size_t count, pba_forecast* forecasts,
                                     pba_status* statuses);

/* ===================================================================================== */
/* AMST: transport settings from a forecast (pure functions)                             */
/* ===================================================================================== */

/* Every threshold and bound of the adaptive multi-stream transport's arithmetic; the defaults
 * (pba_amst_params_default) are the transport's values. Strict comparisons where the
 * transport's are (> / <), inclusive confidence gates (>=). */
typedef struct pba_amst_params {
    size_t struct_size; /* sizeof(pba_amst_params) */
    double bandwidth_per_stream_mbps;  /* base streams = trunc(bw / this); 10 */
    double high_latency_ms;            /* latency > this: factor high_latency_factor; 100 */
    double high_latency_factor;        /* 0.7 */
    double low_latency_ms;             /* latency < this: factor low_latency_factor; 20 */
    double low_latency_factor;         /* 1.3 */
    double stream_cut_loss;            /* loss > this: streams * num / den; 0.01 */
    int64_t stream_cut_numerator;      /* 3 */
    int64_t stream_cut_denominator;    /* 4 */
    int64_t min_streams;               /* 2 */
    int64_t max_streams;               /* 256 */
    int64_t min_buffer_bytes;          /* 16384 */
    int64_t max_buffer_bytes;          /* 1048576 */
    double chunk_cut_loss;             /* loss > this: chunk / chunk_cut_divisor; 0.02 */
    int64_t chunk_cut_divisor;         /* 2 */
    int64_t min_chunk_bytes;           /* 8192 */
    int64_t max_chunk_bytes;           /* 131072 */
    double pacing_fraction;            /* pacing = trunc(bw * 1e6 * this / 8); 0.95 */
    double compute_confidence;         /* 0.6 */
    double apply_confidence;           /* 0.8 */
    double adjust_confidence;          /* 0.7 */
    double adjust_min_change;          /* 0.2 */
    double preempt_confidence;         /* 0.85 */
    double preempt_min_change;         /* 0.15 */
    uint32_t reserved[4];              /* must be zero */
} pba_amst_params;

static inline pba_amst_params pba_amst_params_default(void) {
    pba_amst_params p;
    p.struct_size = sizeof(pba_amst_params);
    p.bandwidth_per_stream_mbps = 10.0;
    p.high_latency_ms = 100.0;
    p.high_latency_factor = 0.7;
    p.low_latency_ms = 20.0;
    p.low_latency_factor = 1.3;
    p.stream_cut_loss = 0.01;
    p.stream_cut_numerator = 3;
    p.stream_cut_denominator = 4;
    p.min_streams = 2;
    p.max_streams = 256;
    p.min_buffer_bytes = 16384;
    p.max_buffer_bytes = 1048576;
    p.chunk_cut_loss = 0.02;
    p.chunk_cut_divisor = 2;
    p.min_chunk_bytes = 8192;
    p.max_chunk_bytes = 131072;
    p.pacing_fraction = 0.95;
    p.compute_confidence = 0.6;
    p.apply_confidence = 0.8;
    p.adjust_confidence = 0.7;
    p.adjust_min_change = 0.2;
    p.preempt_confidence = 0.85;
    p.preempt_min_change = 0.15;
    p.reserved[0] = p.reserved[1] = p.reserved[2] = p.reserved[3] = 0;
    return p;
}

typedef struct pba_amst_settings {
    size_t struct_size; /* set by the caller: sizeof(pba_amst_settings) */
    int64_t streams;
    int64_t buffer_bytes;
    int64_t chunk_bytes;
    int64_t pacing_bytes_per_s;
    int64_t window_bytes;
} pba_amst_settings;

/* The transport's settings for a forecast link, exactly as its Go code computes them (to the
 * integer): streams = trunc(trunc(bw/10) * latency factor), x 3/4 when loss > 1 %, clamped
 * [2, 256]; buffer = bandwidth-delay product + jitter allowance, clamped [16 KiB, 1 MiB]; chunk
 * = buffer / streams, halved when loss > 2 %, clamped [8 KiB, 128 KiB]; pacing = 95 % of bw in
 * bytes/s; window = buffer * streams. `params` may be NULL for the defaults. Returns
 * PBA_ERR_INVALID_ARGUMENT naming the field for NaN, infinite or negative inputs, loss outside
 * [0, 1], inputs so large the transport's int64 arithmetic would overflow, or invalid params.
 * *settings is written only on success. Thread-safe; allocates nothing on success. */
PBA_API pba_status pba_amst_settings_for(const pba_amst_params* params, double bandwidth_mbps, double latency_ms,
                                         double packet_loss, double jitter_ms, pba_amst_settings* settings);

typedef struct pba_amst_decision {
    size_t struct_size;     /* set by the caller: sizeof(pba_amst_decision) */
    int compute;            /* confidence >= 0.6: compute settings at all */
    int apply;              /* confidence >= 0.8: apply them */
    int adjust_streams;     /* confidence >= 0.7 and |stream_change| > 20 % */
    int preempt;            /* confidence >= 0.85 and |stream_change| > 15 % */
    double stream_change;   /* (proposed - current) / current; +inf from 0 to more, 0 unchanged */
} pba_amst_decision;

/* The transport's confidence gates for moving from `current_streams` to `proposed_streams`
 * on a forecast of `confidence`. PBA_ERR_INVALID_ARGUMENT for a confidence that is NaN or
 * outside [0, 1], negative stream counts or invalid params. Thread-safe. */
PBA_API pba_status pba_amst_decide(const pba_amst_params* params, double confidence, int64_t current_streams,
                                   int64_t proposed_streams, pba_amst_decision* decision);

/* ===================================================================================== */
/* DDQN allocation policy                                                                */
/* ===================================================================================== */

/* A Q-network choosing which share of a link to allocate: action a allocates (a + 1) x 10 %
 * (or the model's policy.action_allocation_pct). Immutable: any number of threads may use one
 * policy at once. */
typedef struct pba_policy pba_policy;

/* What the policy sees of a link. */
typedef struct pba_policy_state {
    size_t struct_size; /* sizeof(pba_policy_state) */
    double latency_ms;
    double bandwidth_mbps;
    double packet_loss; /* ratio 0..1 */
    double reliability; /* ratio 0..1 */
} pba_policy_state;

/* Creates a policy from a Q-network model (e.g. the embedded default "policy"); the policy
 * keeps the model alive. PBA_ERR_UNSUPPORTED for a model whose model.mode is not policy or
 * generic, PBA_ERR_SHAPE_MISMATCH or PBA_ERR_MALFORMED_MODEL naming the defect otherwise. */
PBA_API pba_status pba_policy_create(const pba_model* model, pba_policy** out_policy);

/* Releases a policy. NULL is a no-op. */
PBA_API void pba_policy_free(pba_policy* policy);

/* The number of actions (Q-values per state); 0 for NULL. */
PBA_API size_t pba_policy_action_count(const pba_policy* policy);

/* A state with its struct_size set. */
static inline pba_policy_state pba_policy_state_of(double latency_ms, double bandwidth_mbps, double packet_loss,
                                                   double reliability) {
    pba_policy_state s;
    s.struct_size = sizeof(pba_policy_state);
    s.latency_ms = latency_ms;
    s.bandwidth_mbps = bandwidth_mbps;
    s.packet_loss = packet_loss;
    s.reliability = reliability;
    return s;
}

/* Q-values of `count` >= 1 states: q receives q_count == count * action_count floats, row-major.
 * PBA_ERR_INVALID_ARGUMENT naming the state and field for NaN, infinite or negative values,
 * loss or reliability above 1; PBA_ERR_SHAPE_MISMATCH for a wrong q_count. Thread-safe. */
PBA_API pba_status pba_policy_q_values(const pba_policy* policy, const pba_policy_state* states, size_t count,
                                       float* q, size_t q_count);

typedef struct pba_policy_decision {
    size_t struct_size;      /* set by the caller: sizeof(pba_policy_decision) */
    uint32_t action;
    int32_t allocation_pct;
    int explored;            /* 1 when epsilon-greedy drew the action at random */
} pba_policy_decision;

/* The action for one state: greedy (ties to the lowest index) when epsilon is 0, else
 * epsilon-greedy drawn deterministically from `seed` (SplitMix64: the same seed gives the same
 * choice). epsilon in [0, 1]. Thread-safe; allocates nothing once a thread has used the
 * policy. */
PBA_API pba_status pba_policy_decide(const pba_policy* policy, const pba_policy_state* state, double epsilon,
                                     uint64_t seed, pba_policy_decision* decision);

/* The reward the policy was trained for: the optimal allocation (%) for `state` in
 * *optimal_pct and the reward of allocating `allocation_pct` (0..100) in *reward (either may be
 * NULL). PBA_ERR_INVALID_ARGUMENT naming the field for an invalid state or allocation. */
PBA_API pba_status pba_policy_reward(const pba_policy_state* state, double allocation_pct, double* optimal_pct,
                                     double* reward);

/* Double-DQN targets for n transitions: targets[i] = rewards[i] + gamma * q_target_next[i][a*],
 * a* = argmax_a q_online_next[i][a] (ties to the lowest index), or rewards[i] when
 * terminal[i] != 0. The Q arrays are n x actions, row-major. PBA_ERR_INVALID_ARGUMENT for gamma
 * outside [0, 1] or a non-finite reward or Q-value; writes nothing unless all inputs are valid.
 * Pure, thread-safe, allocates nothing. */
PBA_API pba_status pba_double_dqn_targets(size_t n, size_t actions, const double* rewards, const uint8_t* terminal,
                                          const float* q_online_next, const float* q_target_next, double gamma,
                                          double* targets);

/* As pba_double_dqn_targets, with the Q-values computed by the networks: `online` chooses the
 * next action and `target` values it, for the n next states. The two may be the same policy. */
PBA_API pba_status pba_policy_double_dqn_targets(const pba_policy* online, const pba_policy* target,
                                                 const pba_policy_state* next_states, const double* rewards,
                                                 const uint8_t* terminal, size_t n, double gamma, double* targets);

#ifdef __cplusplus
}
#endif

#endif /* PBA_H */
