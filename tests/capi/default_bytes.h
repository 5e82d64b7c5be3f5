#ifndef PBA_TEST_DEFAULT_BYTES_H
#define PBA_TEST_DEFAULT_BYTES_H

#include "pba.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "" when pba_default_model_bytes gives every embedded model's file (compared with
 * `models_dir`/NAME.pba) and refuses each bad argument with its status; else what failed. */
const char* c_check_default_model_bytes(const char* models_dir);

#ifdef __cplusplus
}
#endif

#endif /* PBA_TEST_DEFAULT_BYTES_H */
