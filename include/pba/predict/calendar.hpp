#pragma once

#include <algorithm>
#include <cmath>

namespace pba::predict {

// Local calendar position of a Unix time: what the `hour_of_day` and `day_of_week` features read.
struct CalendarTime {
    int hour_of_day = 0;  // 0..23
    int day_of_week = 0;  // 0 = Sunday .. 6 = Saturday, as Go's time.Weekday
};

// `utc_offset_s` shifts UTC to local time (e.g. +3600 for UTC+1). Whole hours only, as the
// transport's `t.Hour()`. Requires a finite time.
inline CalendarTime calendar_time(double unix_s, double utc_offset_s = 0.0) noexcept {
    constexpr double kDay = 86400.0;
    const double local = unix_s + utc_offset_s;
    const double days = std::floor(local / kDay);
    const double second_of_day = local - days * kDay;
    CalendarTime c;
    c.hour_of_day = std::clamp(static_cast<int>(second_of_day / 3600.0), 0, 23);
    // 1970-01-01 was a Thursday (4).
    double weekday = std::fmod(days + 4.0, 7.0);
    if (weekday < 0) weekday += 7.0;
    c.day_of_week = std::clamp(static_cast<int>(weekday), 0, 6);
    return c;
}

}  // namespace pba::predict
