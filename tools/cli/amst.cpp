#include <fmt/format.h>

#include "args.hpp"
#include "commands.hpp"
#include "pba/amst/parameters.hpp"

namespace pba::cli {

// One line: the transport settings for a forecast, with the transport's default Params.
int amst(const Argv& argv) {
    const Args args(argv, {"bandwidth-mbps", "latency-ms", "loss", "jitter-ms"});
    if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
    const amst::Forecast forecast{args.number("bandwidth-mbps"), args.number("latency-ms"), args.number("loss"),
                                  args.number("jitter-ms")};
    const amst::Settings s = amst::settings(forecast);
    fmt::print("streams={} buffer_bytes={} chunk_bytes={} pacing_bytes_per_s={} window_bytes={}\n", s.streams,
               s.buffer_bytes, s.chunk_bytes, s.pacing_bytes_per_s, s.window_bytes);
    return 0;
}

}  // namespace pba::cli
