"""tools/fleet_calibration.py: its C structs against the header's sizes, and the actual of a
forecast worked out by hand as trace/replay.cpp does."""

import ctypes
import math

import fleet_calibration as fc


def test_struct_sizes_match_pba_h():
    # x86-64 / LP64: pba_sample 8 + 7 x 8; pba_forecast (1.1) 8 + 11 x 8 + 8 x 4 + 8 + 96 + 2 x 4
    # + 2 x 8; pba_predictor_config 208 (tests/capi/predictor_api_test.cpp pins it).
    assert ctypes.sizeof(fc.Sample) == 64
    assert ctypes.sizeof(fc.Forecast) == 256
    assert ctypes.sizeof(fc.Config) == 208


def test_actual_is_the_mean_up_to_the_target_sample():
    rows = [(0, 1.0), (5, 2.0), (10, 4.0), (15, 6.0), (20, math.nan), (25, 9.0)]
    # Made after row 0, 3 steps of 5 s (target t 15, within 2.5 s): mean of rows 1..3.
    assert fc.actual_of(rows, 0, 15.0, 15.0, 3, fc.TARGET_MEAN_OVER) == 4.0
    # Made after row 2 (target 25): rows 3..5 with the missing one left out, 2 >= (3 + 1) / 2.
    assert fc.actual_of(rows, 2, 25.0, 15.0, 3, fc.TARGET_MEAN_OVER) == 7.5
    # The value at the target time.
    assert fc.actual_of(rows, 0, 10.0, 10.0, 2, fc.TARGET_VALUE_AT) == 4.0
    # The trace ends before the target: unscored.
    assert math.isnan(fc.actual_of(rows, 3, 35.0, 15.0, 3, fc.TARGET_MEAN_OVER))
    # No sample within half a step of the target (a gap): the value is unscored; the mean stops
    # before the late sample, and one sample of two steps is enough ((2 + 1) // 2 = 1).
    gap = [(0, 1.0), (5, 2.0), (30, 3.0)]
    assert math.isnan(fc.actual_of(gap, 0, 10.0, 10.0, 2, fc.TARGET_VALUE_AT))
    assert fc.actual_of(gap, 0, 10.0, 10.0, 2, fc.TARGET_MEAN_OVER) == 2.0
