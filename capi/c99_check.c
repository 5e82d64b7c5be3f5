/* Compiled as strict C99 into libpba.so, so a header change that is not C99-clean (or that
 * changes the layout of a struct in the ABI) fails the library's own build. */
#include "pba.h"

#define PBA_ABI_ASSERT(name, condition) typedef char pba_abi_assert_##name[(condition) ? 1 : -1]

/* struct_size is first everywhere, so a library can read it before knowing the version. */
PBA_ABI_ASSERT(load_options_size_first, offsetof(pba_load_options, struct_size) == 0);
PBA_ABI_ASSERT(model_info_size_first, offsetof(pba_model_info, struct_size) == 0);
PBA_ABI_ASSERT(sample_size_first, offsetof(pba_sample, struct_size) == 0);
PBA_ABI_ASSERT(forecast_size_first, offsetof(pba_forecast, struct_size) == 0);
PBA_ABI_ASSERT(predictor_config_size_first, offsetof(pba_predictor_config, struct_size) == 0);
PBA_ABI_ASSERT(predictor_stats_size_first, offsetof(pba_predictor_stats, struct_size) == 0);
PBA_ABI_ASSERT(policy_state_size_first, offsetof(pba_policy_state, struct_size) == 0);
PBA_ABI_ASSERT(amst_params_size_first, offsetof(pba_amst_params, struct_size) == 0);

PBA_ABI_ASSERT(status_is_int_sized, sizeof(pba_status) == sizeof(int));
