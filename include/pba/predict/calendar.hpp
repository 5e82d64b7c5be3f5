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
// transport's `t.Hour()`. A non-finite time gives hour 0 of a Sunday; a time so large that its
// day cannot be told apart stays within 0..23 and 0..6 (clamped before any conversion to int).
inline CalendarTime calendar_time(double unix_s, double utc_offset_s = 0.0) noexcept {
    constexpr double kDay = 86400.0;
    const double local = unix_s + utc_offset_s;
    CalendarTime c;
    if (!std::isfinite(local)) return c;
    const double days = std::floor(local / kDay);
    const double second_of_day = local - days * kDay;
    c.hour_of_day = static_cast<int>(std::clamp(second_of_day / 3600.0, 0.0, 23.0));
    // 1970-01-01 was a Thursday (4).
    double weekday = std::fmod(days + 4.0, 7.0);
    if (weekday < 0) weekday += 7.0;
    c.day_of_week = static_cast<int>(std::clamp(weekday, 0.0, 6.0));
    return c;
}

}  // namespace pba::predict
