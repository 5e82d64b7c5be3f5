#ifndef PBA_TEST_C_CALLER_H
#define PBA_TEST_C_CALLER_H

/* The C interface's enum parameters as a C caller (or cgo) can pass them: any int, converted
 * to the enum type in C, where that is defined. A C++ test cannot make a pba_role or
 * pba_status outside the enumerators' range without undefined behaviour, so it calls these
 * with the int. */

#include "pba.h"

#ifdef __cplusplus
extern "C" {
#endif

const char* c_status_string(int status);

pba_status c_predictor_reload_file(pba_predictor* predictor, int role, const char* path, uint64_t* out_generation);
pba_status c_predictor_reload_memory(pba_predictor* predictor, int role, const void* data, size_t size,
                                     uint64_t* out_generation);
pba_status c_predictor_slot(const pba_predictor* predictor, int role, pba_slot** out_slot);
pba_status c_predictor_set_challenger(pba_predictor* predictor, int role, const pba_model* challenger,
                                      uint64_t min_matched);
pba_status c_predictor_clear_challenger(pba_predictor* predictor, int role);
pba_status c_predictor_challenger_report(const pba_predictor* predictor, int role, pba_challenger_report* report);
pba_status c_predictor_challenger_text(const pba_predictor* predictor, int role, char* buffer, size_t capacity,
                                       size_t* required);
pba_status c_predictor_promote_challenger(pba_predictor* predictor, int role, uint64_t* out_generation);

#ifdef __cplusplus
}
#endif

#endif /* PBA_TEST_C_CALLER_H */
