/*
 * pba.h — the stable C interface of pba (Predictive Bandwidth Allocation).
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
 *   - Threads: pba_model is immutable and may be used by any number of threads at once. A
 *     pba_predictor belongs to one thread at a time; a second thread calling into a
 *     predictor that is busy gets PBA_ERR_BUSY instead of a data race. Freeing a handle while
 *     another thread is inside a call on it is safe (the release happens when that call
 *     returns), but using a handle after pba_*_free has returned is undefined: the caller must
 *     guarantee it does not happen (the Go package does, and returns ErrClosed).
 */
#ifndef PBA_H
#define PBA_H

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
    PBA_ERR_BUSY = 16,               /* another thread is inside a call on the same handle */
    PBA_ERR_INTERNAL = 17            /* a defect in pba; the message says what */
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

typedef struct pba_load_options {
    size_t struct_size;   /* sizeof(pba_load_options) */
    int verify_self_test; /* nonzero: run the file's test vector, if it has one, and refuse
                             the model when it does not reproduce (default 1) */
    uint32_t reserved[3]; /* must be zero */
} pba_load_options;

static inline pba_load_options pba_load_options_default(void) {
    pba_load_options o = {sizeof(pba_load_options), 1, {0, 0, 0}};
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
 * a number as the shortest decimal that reads back exactly, an array as "[a, b, …]" (strings
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

#ifdef __cplusplus
}
#endif

#endif /* PBA_H */
