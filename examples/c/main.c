/* A C99 consumer of libpba: forecast a link from its samples and derive transport settings.
 *
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic main.c $(pkg-config --cflags --libs pba) -lm -o pba_example
 *   ./pba_example [model.pba]
 *
 * Without an argument it uses the embedded default model "v1" when the library has one. It
 * checks the transport's fallback case by hand (exit 1 when it does not hold) and shows how a
 * refused sample is reported. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <pba.h>

static int failed(const char* what, pba_status status) {
    fprintf(stderr, "%s: %s: %s\n", what, pba_status_string(status), pba_last_error());
    return 1;
}

/* The transport's ten samples: bw = 100 + 10i, lat = 20 + i, loss 0.01, jitter 2. */
static pba_status observe_transport_case(pba_predictor* p) {
    int i;
    for (i = 0; i < 10; ++i) {
        pba_sample s = pba_sample_at(1790000000.0 + i);
        pba_status status;
        s.bandwidth_mbps = 100.0 + 10.0 * i;
        s.latency_ms = 20.0 + i;
        s.packet_loss = 0.01;
        s.jitter_ms = 2.0;
        status = pba_predictor_observe(p, &s, NULL);
        if (status != PBA_OK) return status;
    }
    return PBA_OK;
}

static void print_forecast(const char* label, const pba_forecast* f) {
    printf("%s: bandwidth %.2f Mbps [%.2f, %.2f], latency %.2f ms, loss %.4f, jitter %.2f ms, confidence %.2f, "
           "model '%s'%s\n",
           label, f->bandwidth_mbps, f->bandwidth_low_mbps, f->bandwidth_high_mbps, f->latency_ms, f->packet_loss,
           f->jitter_ms, f->confidence, f->model_version, f->fallback ? " (fallback)" : "");
}

int main(int argc, char** argv) {
    pba_model* model = NULL;
    pba_predictor_config config;
    pba_predictor* p = NULL;
    pba_predictor* fallback_only = NULL;
    pba_forecast forecast;
    pba_amst_settings settings;
    pba_sample bad;
    pba_status status;
    int rc = 0;

    if (pba_abi_version() != PBA_ABI_VERSION) {
        fprintf(stderr, "libpba ABI %u, header ABI %d\n", pba_abi_version(), PBA_ABI_VERSION);
        return 1;
    }
    printf("libpba %s (header %s)\n", pba_version_string(), PBA_VERSION_STRING);

    status = argc > 1 ? pba_model_load_file(argv[1], NULL, &model) : pba_model_load_default("v1", &model);
    if (status == PBA_ERR_NOT_FOUND && argc <= 1) {
        printf("no embedded v1 model in this build: %s\n", pba_last_error());
    } else if (status != PBA_OK) {
        return failed("loading the model", status);
    }

    /* The rule the transport used before pba, checked by hand: 154 / 25.4 / 0.01 / 2. */
    config = pba_predictor_config_default();
    if ((status = pba_predictor_create(&config, &fallback_only)) != PBA_OK) return failed("predictor", status);
    if ((status = observe_transport_case(fallback_only)) != PBA_OK) return failed("observe", status);
    memset(&forecast, 0, sizeof forecast);
    forecast.struct_size = sizeof forecast;
    if ((status = pba_predictor_predict(fallback_only, &forecast)) != PBA_OK) return failed("predict", status);
    print_forecast("fallback rule", &forecast);
    if (fabs(forecast.bandwidth_mbps - 154.0) > 1e-9 || fabs(forecast.latency_ms - 25.4) > 1e-9 || !forecast.fallback) {
        fprintf(stderr, "the transport's fallback case does not hold\n");
        rc = 1;
    }

    /* A predictor on the model (a single model for every link); it keeps the model alive. */
    if (model != NULL) {
        config = pba_predictor_config_default();
        config.model = model;
        status = pba_predictor_create(&config, &p);
        pba_model_free(model);
        if (status != PBA_OK) return failed("predictor on the model", status);
        if ((status = observe_transport_case(p)) != PBA_OK) return failed("observe", status);
        if ((status = pba_predictor_predict(p, &forecast)) != PBA_OK) return failed("predict", status);
        print_forecast("model", &forecast);
    }

    settings.struct_size = sizeof settings;
    status = pba_amst_settings_for(NULL, forecast.bandwidth_mbps, forecast.latency_ms, forecast.packet_loss,
                                   forecast.jitter_ms, &settings);
    if (status != PBA_OK) return failed("AMST settings", status);
    printf("streams=%lld buffer_bytes=%lld chunk_bytes=%lld pacing_bytes_per_s=%lld window_bytes=%lld\n",
           (long long)settings.streams, (long long)settings.buffer_bytes, (long long)settings.chunk_bytes,
           (long long)settings.pacing_bytes_per_s, (long long)settings.window_bytes);

    /* Bad input is a status and a message, never a crash. */
    bad = pba_sample_at(NAN);
    status = pba_predictor_observe(fallback_only, &bad, NULL);
    printf("a sample with a NaN timestamp: %s (%s)\n", pba_status_string(status), pba_last_error());
    if (status != PBA_ERR_INVALID_ARGUMENT) rc = 1;

    pba_predictor_free(p);
    pba_predictor_free(fallback_only);
    return rc;
}
