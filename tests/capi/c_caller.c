/* Compiled as C: converting any int to an enum type is defined here (the enum's compatible
 * integer type holds it), so these pass out-of-range values exactly as a C caller would. */

#include "c_caller.h"

const char* c_status_string(int status) { return pba_status_string((pba_status)status); }

pba_status c_predictor_reload_file(pba_predictor* predictor, int role, const char* path, uint64_t* out_generation) {
    return pba_predictor_reload_file(predictor, (pba_role)role, path, NULL, out_generation);
}

pba_status c_predictor_reload_memory(pba_predictor* predictor, int role, const void* data, size_t size,
                                     uint64_t* out_generation) {
    return pba_predictor_reload_memory(predictor, (pba_role)role, data, size, NULL, out_generation);
}

pba_status c_predictor_slot(const pba_predictor* predictor, int role, pba_slot** out_slot) {
    return pba_predictor_slot(predictor, (pba_role)role, out_slot);
}

pba_status c_predictor_set_challenger(pba_predictor* predictor, int role, const pba_model* challenger,
                                      uint64_t min_matched) {
    return pba_predictor_set_challenger(predictor, (pba_role)role, challenger, min_matched);
}

pba_status c_predictor_clear_challenger(pba_predictor* predictor, int role) {
    return pba_predictor_clear_challenger(predictor, (pba_role)role);
}

pba_status c_predictor_challenger_report(const pba_predictor* predictor, int role, pba_challenger_report* report) {
    return pba_predictor_challenger_report(predictor, (pba_role)role, report);
}

pba_status c_predictor_challenger_text(const pba_predictor* predictor, int role, char* buffer, size_t capacity,
                                       size_t* required) {
    return pba_predictor_challenger_text(predictor, (pba_role)role, buffer, capacity, required);
}

pba_status c_predictor_promote_challenger(pba_predictor* predictor, int role, uint64_t* out_generation) {
    return pba_predictor_promote_challenger(predictor, (pba_role)role, out_generation);
}
