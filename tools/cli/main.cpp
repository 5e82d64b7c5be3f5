#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <string_view>

#include "args.hpp"
#include "commands.hpp"
#include "pba/error.hpp"

namespace {

struct Subcommand {
    std::string_view name;
    int (*run)(const pba::cli::Argv&);
    std::string_view usage;
};

constexpr Subcommand kSubcommands[] = {
    {"inspect", pba::cli::inspect, "inspect FILE | --default NAME"},
    {"forward", pba::cli::forward, "forward (--model FILE | --default NAME) --input X.csv"},
    {"replay", pba::cli::replay,
     "replay --trace FILE.csv [--default NAME | --model FILE] [--out OUT.csv] [--plot OUT.png]\n"
     "      [--mode single|auto|hybrid] [--confidence transport|calibrated] [--aggregation auto|on|off]\n"
     "      [--horizon S] [--quiet]\n"
     "      forecasts a trace as a transport would, scores it\n"
     "      against persistence, moving average and EWMA (default model: the embedded internet)"},
    {"amst", pba::cli::amst,
     "amst --bandwidth-mbps X --latency-ms Y --loss Z --jitter-ms W\n"
     "      prints streams=N buffer_bytes=N chunk_bytes=N pacing_bytes_per_s=N window_bytes=N"},
    {"allocate", pba::cli::allocate,
     "allocate --latency-ms Y --bandwidth-mbps X --loss Z --reliability R [--model FILE | --default NAME]\n"
     "      prints action=N allocation_pct=N q=[Q0,...,Qn] (Q-values in action order, %.6g;\n"
     "      default model: the embedded policy)"},
    {"bench", pba::cli::bench,
     "bench --default NAME|--model FILE [--batch N] [--threads N] [--seconds S] [--weights fp32|fp16|bf16] [--links N]\n"
     "      times forecasts; last line median_us=... p99_us=... gflops=...\n"
     "      with --links N: one line per path, 'per-link forward: X us/link' (N single-window calls)\n"
     "      and 'batched forward: Y us/link' (one call over N windows), alternating rounds"},
    {"export", pba::cli::export_model,
     "export NAME -o FILE.pba\n"
     "      writes the embedded model NAME as a model file, byte for byte as compiled in"},
};

int usage(std::FILE* out) {
    fmt::print(out, "usage: pba <command> [options]\n\ncommands:\n");
    for (const auto& c : kSubcommands) fmt::print(out, "  pba {}\n", c.usage);
    return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(stderr);
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") return usage(stdout);
    pba::cli::Argv args(argv + 2, argv + argc);
    for (const auto& c : kSubcommands) {
        if (c.name != name) continue;
        try {
            return c.run(args);
        } catch (const pba::cli::UsageError& e) {
            fmt::print(stderr, "pba {}: {}\nusage: pba {}\n", name, e.message, c.usage);
            return 2;
        } catch (const pba::Error& e) {
            fmt::print(stderr, "pba {}: {}\n", name, e.what());
            return 1;
        } catch (const std::exception& e) {
            fmt::print(stderr, "pba {}: {}\n", name, e.what());
            return 1;
        }
    }
    fmt::print(stderr, "pba: unknown command '{}'\n", name);
    return usage(stderr);
}
