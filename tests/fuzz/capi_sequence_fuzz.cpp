// Fuzzes the C interface as a hostile caller within the header's contract would use it: the
// input is a program of pba_* calls (load, create, observe, predict, reload, challenge,
// links, AMST, policy, free) with arbitrary arguments: NULL pointers, unknown struct sizes,
// non-zero reserved fields, unknown enum values, NaN/Inf/negative numbers, corrupt model
// bytes, short buffers. It never uses a handle after freeing it, never lies about a buffer's
// length and passes structs of their real size (allocated exactly, so reading past one is
// caught), which is what the header asks of a caller.
//
// Properties after every call: never PBA_ERR_INTERNAL, a status the header defines, a message
// exactly when a call failed, NULL in documented out-pointers on failure, and every forecast,
// stat and setting finite and inside its documented range.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "fuzz_check.hpp"
#include "pba.h"
#include "pba/format/crc32c.hpp"
#include "pba/format/model_file.hpp"
#include "support/model_builder.hpp"

namespace {

// ------------------------------------------------------------------------------- input

// Reads the program. Past its end every read yields zeros, so each input is a whole program.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const { return pos_ >= size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint32_t u32() { return byte() | byte() << 8 | byte() << 16 | std::uint32_t{byte()} << 24; }
    std::uint64_t u64() { return u32() | std::uint64_t{u32()} << 32; }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : byte() % n; }
    bool chance(unsigned in_256) { return byte() < in_256; }

    // Doubles as a caller might pass them: mostly plausible, often a value at an edge.
    double number(double typical_max) {
        static const double edges[] = {0.0,
                                       -0.0,
                                       1.0,
                                       -1.0,
                                       std::numeric_limits<double>::quiet_NaN(),
                                       std::numeric_limits<double>::infinity(),
                                       -std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::max(),
                                       std::numeric_limits<double>::lowest(),
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::epsilon(),
                                       0.5,
                                       2.0,
                                       1e11,
                                       1e11 + 1,
                                       1.7e12,
                                       9.3e18,
                                       -9.3e18,
                                       1e-300};
        const std::uint8_t kind = byte();
        if (kind < 160) return typical_max * byte() / 255.0;
        if (kind < 240) return edges[byte() % std::size(edges)];
        double raw;
        const std::uint64_t bits = u64();
        std::memcpy(&raw, &bits, sizeof raw);
        return raw;
    }

    std::vector<std::uint8_t> blob(std::size_t max) {
        const std::size_t n = std::min<std::size_t>(max, u32() % (max + 1));
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i < n && !empty(); ++i) out.push_back(byte());
        return out;
    }

    std::string text(std::size_t max) {
        std::string s;
        for (auto b : blob(max))
            if (b != 0) s.push_back(static_cast<char>(b));
        return s;
    }

    // A struct_size as a caller might get it wrong: mostly right.
    template <class Struct>
    std::size_t struct_size() {
        const std::uint8_t kind = byte();
        if (kind < 224) return sizeof(Struct);
        static const std::size_t wrong[] = {0, 1, sizeof(Struct) - 8, sizeof(Struct) + 8, sizeof(Struct) * 2,
                                            std::numeric_limits<std::size_t>::max()};
        return wrong[kind % std::size(wrong)];
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// A struct of exactly its size on the heap, so a read past its end is an ASan report.
template <class Struct>
std::unique_ptr<Struct> exact(const Struct& value) {
    return std::make_unique<Struct>(value);
}

// ------------------------------------------------------------------------------ checks

// Every call: a known status that is not an internal defect, and a message iff it failed.
pba_status checked(pba_status status) {
    PBA_FUZZ_CHECK(status >= PBA_OK && status <= PBA_ERR_INTERNAL);
    if (status == PBA_ERR_INTERNAL) std::fprintf(stderr, "internal error: %s\n", pba_last_error());
    PBA_FUZZ_CHECK(status != PBA_ERR_INTERNAL);
    PBA_FUZZ_CHECK(std::strcmp(pba_status_string(status), "unknown status") != 0);
    const char* message = pba_last_error();
    PBA_FUZZ_CHECK(message != nullptr);
    PBA_FUZZ_CHECK((status == PBA_OK) == (message[0] == '\0'));
    return status;
}

bool finite_nonnegative(double v) { return std::isfinite(v) && v >= 0.0; }
bool ratio(double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; }
bool terminated(const char* text, std::size_t capacity) { return std::memchr(text, '\0', capacity) != nullptr; }

void check_forecast(const pba_forecast& f) {
    PBA_FUZZ_CHECK(finite_nonnegative(f.bandwidth_mbps));
    PBA_FUZZ_CHECK(finite_nonnegative(f.latency_ms));
    PBA_FUZZ_CHECK(ratio(f.packet_loss));
    PBA_FUZZ_CHECK(finite_nonnegative(f.jitter_ms));
    PBA_FUZZ_CHECK(ratio(f.confidence));
    PBA_FUZZ_CHECK(std::isfinite(f.bandwidth_low_mbps) && std::isfinite(f.bandwidth_high_mbps));
    PBA_FUZZ_CHECK(f.bandwidth_low_mbps <= f.bandwidth_mbps && f.bandwidth_mbps <= f.bandwidth_high_mbps);
    PBA_FUZZ_CHECK(ratio(f.interval_coverage));
    PBA_FUZZ_CHECK(std::isfinite(f.made_at_unix_s) && std::isfinite(f.target_unix_s));
    PBA_FUZZ_CHECK(finite_nonnegative(f.horizon_s));
    PBA_FUZZ_CHECK(f.target <= PBA_TARGET_MEAN_OVER);
    PBA_FUZZ_CHECK(f.mode >= PBA_MODE_DATACENTER && f.mode <= PBA_MODE_HYBRID);
    PBA_FUZZ_CHECK(f.fallback <= 1);
    PBA_FUZZ_CHECK(f.fallback_reason <= PBA_FALLBACK_NOT_APPLICABLE);
    PBA_FUZZ_CHECK(f.aggregated <= 1);
    PBA_FUZZ_CHECK(f.leading_member < PBA_AGGREGATION_MEMBER_COUNT);
    PBA_FUZZ_CHECK(ratio(f.leading_weight));
    PBA_FUZZ_CHECK(f.aggregated == 1 || f.leading_weight == 0.0);
    PBA_FUZZ_CHECK(finite_nonnegative(f.network_bandwidth_mbps));
    PBA_FUZZ_CHECK(f.fallback == 0 || f.confidence <= 0.5);
    PBA_FUZZ_CHECK(terminated(f.model_version, sizeof f.model_version));
}

void check_accuracy(const pba_accuracy& a) {
    for (const auto& field : a.fields) {
        PBA_FUZZ_CHECK(finite_nonnegative(field.mae));
        PBA_FUZZ_CHECK(finite_nonnegative(field.mape));
        PBA_FUZZ_CHECK(ratio(field.within_20pct));
        PBA_FUZZ_CHECK(field.nonzero_count <= field.count);
    }
    PBA_FUZZ_CHECK(finite_nonnegative(a.mean_relative_error));
    PBA_FUZZ_CHECK(ratio(a.accuracy));
}

void check_stats(const pba_predictor_stats& s) {
    PBA_FUZZ_CHECK(s.predictions == s.model_predictions + s.fallback_predictions);
    PBA_FUZZ_CHECK(s.predictions_by_mode[0] + s.predictions_by_mode[1] + s.predictions_by_mode[2] == s.predictions);
    for (double v : {s.latency_p50_us, s.latency_p95_us, s.latency_p99_us, s.latency_max_us, s.latency_mean_us,
                     s.interval_half_width_mbps})
        PBA_FUZZ_CHECK(finite_nonnegative(v));
    for (double v : {s.model_confidence, s.last_confidence, s.interval_target_coverage, s.interval_measured_coverage})
        PBA_FUZZ_CHECK(ratio(v));
    PBA_FUZZ_CHECK(s.interval_covered <= s.interval_checked);
    check_accuracy(s.accuracy);
    check_accuracy(s.model_accuracy);
    PBA_FUZZ_CHECK(terminated(s.model_version, sizeof s.model_version));
}

// ------------------------------------------------------------------------------ models

// Small models the program can load by index, built once: valid predictor models of each
// kind (single, datacenter, internet, with log outputs that can overflow) and a policy.
struct Builtins {
    std::vector<std::vector<std::byte>> bytes;
    std::vector<std::string> files;  // the same, on disk, plus a corrupt one and non-files
};

std::vector<std::byte> predictor_model(std::uint32_t seed, std::int64_t window, const std::string& mode,
                                       const std::string& version, const std::string& output_norm) {
    const std::vector<std::string> features{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms",
                                            "hour_of_day",    "day_of_week"};
    const std::vector<std::string> targets{"bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms"};
    pba::test::ModelBuilder b({window, static_cast<std::int64_t>(features.size())}, seed);
    b.lstm(4, false).dense(4);
    b.meta("input.features", features)
        .meta("input.norm", std::vector<std::string>(features.size(), "divide"))
        .meta("input.norm_a", std::vector<double>{1000, 100, 1, 50, 24, 7})
        .meta("output.targets", targets)
        .meta("output.norm", std::vector<std::string>{output_norm, "divide", "none", "divide"})
        .meta("output.norm_a", std::vector<double>{output_norm == "log" ? 0.0 : 1000.0, 100, 0, 50})
        .meta("output.norm_b", std::vector<double>{1, 0, 0, 0})
        .meta("output.norm_c", std::vector<double>{1, 0, 0, 0})
        .meta("input.sample_interval_s", 1.0)
        .meta("forecast.horizon_steps", std::int64_t{2})
        .meta("model.mode", mode)
        .meta("model.version", version);
    return pba::format::write_model(b.build());
}

std::vector<std::byte> policy_model() {
    pba::test::ModelBuilder b({4}, 7);
    b.dense(8, pba::format::ActivationCode::relu).dense(10);
    b.meta("model.mode", std::string("policy")).meta("model.version", std::string("policy-1"));
    return pba::format::write_model(b.build());
}

// Writes `bytes` to `path` through a temporary and a rename, so a fuzzer running in parallel
// (they share the directory) never reads a half-written file.
void write_atomically(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
    const auto tmp = path.string() + "." + std::to_string(::getpid());
    std::ofstream(tmp, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::filesystem::rename(tmp, path);
}

const Builtins& builtins() {
    static const Builtins b = [] {
        Builtins out;
        out.bytes.push_back(predictor_model(1, 4, "generic", "single-1", "divide"));
        out.bytes.push_back(predictor_model(2, 6, "datacenter", "dc-1", "log"));
        out.bytes.push_back(predictor_model(3, 3, "internet", "inet-1", "divide"));
        out.bytes.push_back(predictor_model(4, 5, "hybrid", "hybrid-1", "log"));
        out.bytes.push_back(policy_model());
        // One directory for every run (the content never changes), so runs leave no litter.
        const auto dir = std::filesystem::temp_directory_path() / "pba_capi_fuzz";
        std::filesystem::create_directories(dir);
        for (std::size_t i = 0; i < out.bytes.size(); ++i) {
            const auto path = dir / ("model" + std::to_string(i) + ".pba");
            write_atomically(path, out.bytes[i]);
            out.files.push_back(path.string());
        }
        auto corrupt = out.bytes[0];
        corrupt[corrupt.size() / 2] ^= std::byte{0x40};
        write_atomically(dir / "corrupt.pba", corrupt);
        out.files.push_back((dir / "corrupt.pba").string());
        out.files.push_back((dir / "missing.pba").string());
        out.files.push_back(dir.string());  // a directory
        out.files.push_back("");
        return out;
    }();
    return b;
}

// ------------------------------------------------------------------------------ program

constexpr std::size_t kMaxHandles = 4;

struct Link {
    pba_predictor* predictor;
    double clock_s;  // the next plausible timestamp
};

struct State {
    std::vector<pba_model*> models;
    std::vector<pba_slot*> slots;
    std::vector<Link> links;
    std::vector<pba_policy*> policies;

    ~State() {
        for (auto* m : models) pba_model_free(m);
        for (auto* s : slots) pba_slot_free(s);
        for (auto& l : links) pba_predictor_free(l.predictor);
        for (auto* p : policies) pba_policy_free(p);
    }
};

template <class T>
T* pick(Input& in, const std::vector<T*>& handles) {
    // NULL one time in eight: every entry point must refuse it.
    if (handles.empty() || in.below(8) == 0) return nullptr;
    return handles[in.below(handles.size())];
}

Link* pick_link(Input& in, State& s) { return s.links.empty() ? nullptr : &s.links[in.below(s.links.size())]; }

template <class T, class Free>
void drop(Input& in, std::vector<T*>& handles, Free free) {
    if (handles.empty()) return;
    const std::size_t i = in.below(handles.size());
    free(handles[i]);
    handles.erase(handles.begin() + static_cast<std::ptrdiff_t>(i));
}

const pba_load_options* load_options(Input& in, std::unique_ptr<pba_load_options>& holder) {
    if (in.chance(96)) return nullptr;
    pba_load_options o = pba_load_options_default();
    o.struct_size = in.struct_size<pba_load_options>();
    o.verify_self_test = static_cast<int>(in.below(3)) - 1;
    o.recurrent_weights = in.chance(16) ? in.u32() : static_cast<std::uint32_t>(in.below(3));
    if (in.chance(16)) (in.below(2) == 0 ? o.reload_flags : o.reserved[0]) = in.u32() | 1;
    holder = exact(o);
    return holder.get();
}

// Model bytes: a builtin, a builtin with some bytes flipped (the checksum catches most, so
// sometimes the CRC is recomputed), or raw bytes from the program.
std::vector<std::uint8_t> model_bytes(Input& in) {
    const auto& b = builtins();
    const std::uint8_t kind = in.byte() % 3;
    if (kind == 2) return in.blob(512);
    const auto& source = b.bytes[in.below(b.bytes.size())];
    std::vector<std::uint8_t> out(reinterpret_cast<const std::uint8_t*>(source.data()),
                                  reinterpret_cast<const std::uint8_t*>(source.data()) + source.size());
    if (kind == 1) {
        for (std::size_t flips = 1 + in.below(4); flips > 0; --flips) out[in.u32() % out.size()] ^= in.byte() | 1;
        if (in.chance(128)) {  // CRC-32C over the file with its own field as zero
            std::memset(out.data() + 44, 0, 4);
            const std::uint32_t crc = pba::format::crc32c(std::as_bytes(std::span(out)));
            for (int i = 0; i < 4; ++i) out[44 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
        }
    }
    return out;
}

const char* model_file(Input& in) {
    const auto& files = builtins().files;
    if (in.below(16) == 0) return nullptr;
    return files[in.below(files.size())].c_str();
}

void add_model(State& s, pba_model* m) {
    if (s.models.size() < kMaxHandles) s.models.push_back(m);
    else pba_model_free(m);
}

void op_load_model(Input& in, State& s) {
    std::unique_ptr<pba_load_options> options_holder;
    pba_model* m = reinterpret_cast<pba_model*>(&s);  // must be overwritten either way
    pba_status status;
    switch (in.below(3)) {
        case 0: {
            const auto bytes = model_bytes(in);
            const void* data = bytes.empty() && in.chance(128) ? nullptr : bytes.data();
            status = checked(pba_model_load_memory(data, bytes.size(), load_options(in, options_holder), &m));
            break;
        }
        case 1: status = checked(pba_model_load_file(model_file(in), load_options(in, options_holder), &m)); break;
        default: {
            const std::size_t count = pba_default_model_count();
            std::string name = in.chance(32) ? in.text(16) : "";
            const char* arg = name.c_str();
            if (name.empty()) arg = count > 0 && in.chance(224) ? pba_default_model_name(in.below(count)) : nullptr;
            status = checked(pba_model_load_default(arg, &m));
        }
    }
    if (status != PBA_OK) {
        PBA_FUZZ_CHECK(m == nullptr);
        return;
    }
    PBA_FUZZ_CHECK(m != nullptr);
    add_model(s, m);
}

void op_model_queries(Input& in, State& s) {
    pba_model* m = pick(in, s.models);
    pba_model_info info{};
    info.struct_size = in.struct_size<pba_model_info>();
    auto held = exact(info);
    const bool known = checked(pba_model_get_info(m, held.get())) == PBA_OK;
    const std::size_t count = pba_model_metadata_count(m);
    const char* key = pba_model_metadata_key(m, in.below(count + 2));
    std::string random_key = in.text(12);
    char buffer[64];
    const std::size_t capacity = in.below(sizeof buffer + 1);
    std::size_t required = 0;
    const pba_status status = checked(pba_model_metadata(m, in.chance(200) ? key : random_key.c_str(),
                                                         capacity == 0 && in.chance(128) ? nullptr : buffer, capacity,
                                                         in.chance(200) ? &required : nullptr));
    if (status == PBA_OK || status == PBA_ERR_BUFFER_TOO_SMALL)
        if (capacity > 0) PBA_FUZZ_CHECK(terminated(buffer, capacity));
    if (!known || held->input_size > (1u << 14) || held->output_size > (1u << 14)) return;

    // Forward with counts that may be off by one or a batch, and values that may be NaN.
    const std::size_t batch = in.below(4);
    const std::size_t in_count = batch * held->input_size + (in.chance(32) ? in.below(3) : 0);
    const std::size_t out_count = batch * held->output_size + (in.chance(32) ? in.below(3) : 0);
    std::vector<float> input(in_count), output(out_count);
    for (auto& v : input) v = static_cast<float>(in.chance(8) ? in.number(1.0) : in.byte() / 255.0);
    const pba_status fs = in.chance(128)
                              ? checked(pba_model_forward(m, input.data(), in_count, output.data(), out_count))
                              : checked(pba_model_forward_batch(m, batch, input.data(), in_count, output.data(), out_count));
    if (fs == PBA_OK)
        for (float v : output) PBA_FUZZ_CHECK(std::isfinite(v));
}

void op_slot(Input& in, State& s) {
    switch (in.below(5)) {
        case 0: {
            pba_slot* slot = nullptr;
            if (checked(pba_slot_create(pick(in, s.models), &slot)) != PBA_OK) return;
            PBA_FUZZ_CHECK(slot != nullptr);
            if (s.slots.size() < kMaxHandles) s.slots.push_back(slot);
            else pba_slot_free(slot);
            return;
        }
        case 1: {
            pba_slot* slot = pick(in, s.slots);
            const std::uint64_t before = pba_slot_generation(slot);
            std::unique_ptr<pba_load_options> holder;
            const auto bytes = model_bytes(in);
            std::uint64_t generation = 0;
            const pba_status status = checked(pba_slot_reload_memory(slot, bytes.data(), bytes.size(),
                                                                     load_options(in, holder), in.chance(128) ? &generation : nullptr));
            // A refused reload leaves the slot as it was.
            if (status != PBA_OK) PBA_FUZZ_CHECK(pba_slot_generation(slot) == before);
            return;
        }
        case 2: {
            std::unique_ptr<pba_load_options> holder;
            pba_slot* slot = pick(in, s.slots);
            const std::uint64_t before = pba_slot_generation(slot);
            if (checked(pba_slot_reload_file(slot, model_file(in), load_options(in, holder), nullptr)) != PBA_OK)
                PBA_FUZZ_CHECK(pba_slot_generation(slot) == before);
            return;
        }
        case 3: {
            std::uint64_t generation = 0;
            pba_slot* slot = pick(in, s.slots);
            if (checked(pba_slot_replace(slot, pick(in, s.models), &generation)) == PBA_OK)
                PBA_FUZZ_CHECK(generation == pba_slot_generation(slot));
            return;
        }
        default: drop(in, s.slots, pba_slot_free);
    }
}

// A configuration close to the defaults, with a few fields set to arbitrary values.
pba_predictor_config predictor_config(Input& in, State& s) {
    pba_predictor_config c = pba_predictor_config_default();
    switch (in.below(4)) {
        case 0: c.model = pick(in, s.models); break;
        case 1: c.slot = pick(in, s.slots); break;
        case 2:
            if (in.chance(128)) c.datacenter_model = pick(in, s.models);
            else c.datacenter_slot = pick(in, s.slots);
            if (in.chance(128)) c.internet_model = pick(in, s.models);
            else c.internet_slot = pick(in, s.slots);
            break;
        default: break;  // no model: the fallback rule
    }
    for (std::size_t edits = in.below(4); edits > 0; --edits) {
        switch (in.below(26)) {
            case 0: c.model = pick(in, s.models); break;
            case 1: c.slot = pick(in, s.slots); break;
            case 2: c.datacenter_model = pick(in, s.models); break;
            case 3: c.internet_slot = pick(in, s.slots); break;
            case 4: c.mode = static_cast<int>(in.u32() % 6) - 1; break;
            case 5: c.utc_offset_s = in.number(90000); break;
            case 6: c.sample_interval_s = in.number(10); break;
            case 7: c.max_gap_s = in.number(100) - (in.chance(32) ? 200 : 0); break;
            case 8: c.accuracy_window = in.u32() % 200002; break;
            case 9: c.interval_window = in.u32() % 200002; break;
            case 10: c.interval_coverage = in.number(1.2); break;
            case 11: c.match_observed_samples = static_cast<int>(in.u32()); break;
            case 12: c.average_samples = in.u32() % 300; break;
            case 13: c.dwell_samples = in.u32() % 20; break;
            case 14: c.hysteresis = in.number(2); break;
            case 15: c.datacenter_max_latency_ms = in.number(100); break;
            case 16: c.datacenter_min_bandwidth_mbps = in.number(5000); break;
            case 17: c.datacenter_max_packet_loss = in.number(0.1); break;
            case 18: c.internet_min_latency_ms = in.number(500); break;
            case 19: c.internet_max_bandwidth_mbps = in.number(5000); break;
            case 20: c.internet_min_packet_loss = in.number(0.1); break;
            case 21: c.reserved[in.below(sizeof c.reserved / sizeof c.reserved[0])] = in.u32() | 1; break;
            case 22: c.struct_size = in.struct_size<pba_predictor_config>(); break;
            case 23: c.confidence_rule = in.u32() % 4; break;
            case 24: c.confidence_tolerance = in.number(1.5); break;
            default: c.datacenter_model = nullptr; c.datacenter_slot = nullptr; break;
        }
    }
    return c;
}

void op_create_predictor(Input& in, State& s) {
    const bool null_config = in.below(32) == 0;
    auto config = exact(predictor_config(in, s));
    pba_predictor* p = reinterpret_cast<pba_predictor*>(&s);
    if (checked(pba_predictor_create(null_config ? nullptr : config.get(), &p)) != PBA_OK) {
        PBA_FUZZ_CHECK(p == nullptr);
        return;
    }
    PBA_FUZZ_CHECK(p != nullptr);
    if (s.links.size() < kMaxHandles) s.links.push_back({p, 1.7e9 + in.u32()});
    else pba_predictor_free(p);
}

// A measurement: mostly the next second with plausible values; sometimes a repeated,
// backwards, far-future or invalid timestamp, or a value out of its domain.
pba_sample sample(Input& in, Link* link) {
    double clock = link ? link->clock_s : 1.7e9;
    switch (in.below(16)) {
        case 0: break;                                   // repeated
        case 1: clock -= 1 + in.byte(); break;           // backwards
        case 2: clock += 1e5 * (1 + in.byte()); break;   // a gap
        case 3: clock = in.number(2e9); break;           // anything
        default: clock += 1; break;
    }
    pba_sample smp = pba_sample_at(clock);
    if (link && std::isfinite(clock) && clock > link->clock_s) link->clock_s = clock;
    smp.struct_size = in.struct_size<pba_sample>();
    const std::uint8_t present = in.byte();
    auto value = [&](int bit, double typical) {
        if (!(present & (1 << bit))) return static_cast<double>(PBA_MISSING);
        return in.chance(24) ? in.number(typical) : typical * (0.05 + in.byte() / 128.0);
    };
    smp.bandwidth_mbps = value(0, 900);
    smp.latency_ms = value(1, 60);
    smp.packet_loss = value(2, 0.01);
    smp.jitter_ms = value(3, 4);
    smp.throughput_mbps = value(4, 800);
    smp.reliability = value(5, 0.9);
    return smp;
}

// 3 is no role; values outside the enum's range (0..3) cannot be made in C++ without UB.
pba_role role(Input& in) { return static_cast<pba_role>(in.below(4)); }

void op_predictor(Input& in, State& s) {
    Link* link = pick_link(in, s);
    pba_predictor* p = link && in.below(16) != 0 ? link->predictor : nullptr;
    switch (in.below(12)) {
        case 0:
        case 1:
        case 2: {
            auto smp = exact(sample(in, link));
            pba_observe_result r{};
            r.struct_size = in.struct_size<pba_observe_result>();
            auto result = exact(r);
            checked(pba_predictor_observe(p, in.below(32) == 0 ? nullptr : smp.get(),
                                          in.chance(64) ? nullptr : result.get()));
            return;
        }
        case 3: {
            const std::size_t count = in.below(17);
            std::vector<pba_sample> samples;
            for (std::size_t i = 0; i < count; ++i) samples.push_back(sample(in, link));
            std::size_t accepted = count + 1;
            const pba_status status = checked(pba_predictor_observe_many(
                p, samples.empty() && in.chance(128) ? nullptr : samples.data(), count, &accepted));
            if (status == PBA_OK) PBA_FUZZ_CHECK(accepted == count);
            return;
        }
        case 4:
        case 5:
        case 6: {
            pba_forecast f{};
            f.struct_size = in.struct_size<pba_forecast>();
            auto held = exact(f);
            if (checked(pba_predictor_predict(p, in.below(32) == 0 ? nullptr : held.get())) == PBA_OK)
                check_forecast(*held);
            return;
        }
        case 7: {
            auto actual = exact(sample(in, link));
            std::uint32_t matched = 0, expired = 0;
            checked(pba_predictor_record_actual(p, actual.get(), in.chance(128) ? &matched : nullptr, &expired));
            return;
        }
        case 8: {
            pba_predictor_stats st{};
            st.struct_size = in.struct_size<pba_predictor_stats>();
            auto held = exact(st);
            if (checked(pba_predictor_get_stats(p, held.get())) == PBA_OK) check_stats(*held);
            pba_mode mode = PBA_MODE_AUTO;
            if (checked(pba_predictor_mode(p, &mode)) == PBA_OK)
                PBA_FUZZ_CHECK(mode >= PBA_MODE_DATACENTER && mode <= PBA_MODE_HYBRID);
            return;
        }
        case 9: {
            std::uint64_t generation = 0;
            if (in.chance(128)) {
                const auto bytes = model_bytes(in);
                std::unique_ptr<pba_load_options> holder;
                checked(pba_predictor_reload_memory(p, role(in), bytes.data(), bytes.size(), load_options(in, holder),
                                                    &generation));
            } else {
                checked(pba_predictor_reload_file(p, role(in), model_file(in), nullptr, &generation));
            }
            return;
        }
        case 10: {
            if (in.chance(64)) {
                checked(pba_predictor_reset(p));
                return;
            }
            pba_slot* slot = nullptr;
            if (checked(pba_predictor_slot(p, role(in), &slot)) != PBA_OK) return;
            PBA_FUZZ_CHECK(slot != nullptr);
            if (s.slots.size() < kMaxHandles) s.slots.push_back(slot);
            else pba_slot_free(slot);
            return;
        }
        default: {
            // Champion/challenger.
            const pba_role r = role(in);
            switch (in.below(5)) {
                case 0: checked(pba_predictor_set_challenger(p, r, pick(in, s.models), in.below(4))); return;
                case 1: checked(pba_predictor_clear_challenger(p, r)); return;
                case 2: {
                    pba_challenger_report rep{};
                    rep.struct_size = in.struct_size<pba_challenger_report>();
                    auto held = exact(rep);
                    if (checked(pba_predictor_challenger_report(p, r, held.get())) == PBA_OK) {
                        PBA_FUZZ_CHECK(held->better <= PBA_WINNER_CHALLENGER);
                        check_accuracy(held->champion.accuracy);
                        check_accuracy(held->challenger.accuracy);
                    }
                    return;
                }
                case 3: {
                    char text[128];
                    const std::size_t capacity = in.below(sizeof text + 1);
                    std::size_t required = 0;
                    const pba_status st = checked(pba_predictor_challenger_text(p, r, text, capacity, &required));
                    if ((st == PBA_OK || st == PBA_ERR_BUFFER_TOO_SMALL) && capacity > 0)
                        PBA_FUZZ_CHECK(terminated(text, capacity));
                    return;
                }
                default: checked(pba_predictor_promote_challenger(p, r, nullptr)); return;
            }
        }
    }
}

void op_links(Input& in, State& s) {
    const std::size_t count = in.below(6);
    std::vector<pba_predictor*> predictors;
    std::vector<Link*> links;
    for (std::size_t i = 0; i < count; ++i) {
        Link* l = pick_link(in, s);
        const bool null_entry = !l || in.below(8) == 0;
        predictors.push_back(null_entry ? nullptr : l->predictor);
        links.push_back(null_entry ? nullptr : l);
    }
    std::vector<pba_status> statuses(count, PBA_ERR_INTERNAL);  // every entry must be overwritten
    pba_status* statuses_arg = in.chance(200) ? statuses.data() : nullptr;
    if (in.chance(128)) {
        std::vector<pba_sample> samples;
        for (std::size_t i = 0; i < count; ++i) samples.push_back(sample(in, links[i]));
        checked(pba_observe_links(predictors.data(), samples.data(), count, statuses_arg));
    } else {
        std::vector<pba_forecast> forecasts(count);
        for (auto& f : forecasts) f.struct_size = in.struct_size<pba_forecast>();
        checked(pba_predict_links(predictors.data(), count, forecasts.data(), statuses_arg));
        if (statuses_arg)
            for (std::size_t i = 0; i < count; ++i) {
                PBA_FUZZ_CHECK(statuses[i] >= PBA_OK && statuses[i] < PBA_ERR_INTERNAL);
                if (statuses[i] == PBA_OK) check_forecast(forecasts[i]);
            }
    }
}

void op_prometheus(Input& in, State& s) {
    const std::size_t count = in.below(4);
    std::vector<const pba_predictor*> predictors;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < count; ++i) {
        Link* l = pick_link(in, s);
        predictors.push_back(l && in.below(8) != 0 ? l->predictor : nullptr);
        names.push_back(in.text(12));  // quotes, backslashes, newlines: must be escaped
    }
    std::vector<const char*> name_ptrs;
    for (auto& n : names) name_ptrs.push_back(in.below(16) == 0 ? nullptr : n.c_str());
    std::vector<char> buffer(in.chance(128) ? 8192 : in.below(200));
    std::size_t required = 0;
    const pba_status st = checked(pba_prometheus_text(predictors.data(), name_ptrs.data(), count,
                                                      buffer.empty() ? nullptr : buffer.data(), buffer.size(), &required));
    if ((st == PBA_OK || st == PBA_ERR_BUFFER_TOO_SMALL) && !buffer.empty())
        PBA_FUZZ_CHECK(terminated(buffer.data(), buffer.size()));
    if (st == PBA_OK) {
        PBA_FUZZ_CHECK(required <= buffer.size());
        // Every link name is escaped: no sample line may start inside a label.
        for (const char* line = buffer.data(); *line;) {
            const char* end = std::strchr(line, '\n');
            PBA_FUZZ_CHECK(*line == '#' || std::strncmp(line, "dwcp_pba_", 9) == 0);
            if (!end) break;
            line = end + 1;
        }
    }
}

void op_amst(Input& in) {
    pba_amst_params p = pba_amst_params_default();
    p.struct_size = in.struct_size<pba_amst_params>();
    for (std::size_t edits = in.below(3); edits > 0; --edits) {
        switch (in.below(8)) {
            case 0: p.bandwidth_per_stream_mbps = in.number(100); break;
            case 1: p.min_streams = static_cast<std::int64_t>(in.u64()); break;
            case 2: p.max_streams = static_cast<std::int64_t>(in.u32()) - 8; break;
            case 3: p.stream_cut_denominator = static_cast<std::int64_t>(in.u32() % 8) - 1; break;
            case 4: p.chunk_cut_divisor = static_cast<std::int64_t>(in.u32() % 8) - 1; break;
            case 5: p.pacing_fraction = in.number(2); break;
            case 6: p.apply_confidence = in.number(1.5); break;
            default: p.reserved[in.below(4)] = 1; break;
        }
    }
    auto params = exact(p);
    const pba_amst_params* arg = in.chance(64) ? nullptr : params.get();
    if (in.chance(128)) {
        pba_amst_settings settings{};
        settings.struct_size = in.struct_size<pba_amst_settings>();
        auto held = exact(settings);
        const pba_status st = checked(pba_amst_settings_for(arg, in.number(20000), in.number(600), in.number(0.1),
                                                            in.number(50), held.get()));
        if (st == PBA_OK) {
            const pba_amst_params& used = arg ? *arg : pba_amst_params_default();
            PBA_FUZZ_CHECK(held->streams >= used.min_streams && held->streams <= used.max_streams);
            PBA_FUZZ_CHECK(held->buffer_bytes >= used.min_buffer_bytes && held->buffer_bytes <= used.max_buffer_bytes);
            PBA_FUZZ_CHECK(held->chunk_bytes >= used.min_chunk_bytes && held->chunk_bytes <= used.max_chunk_bytes);
            PBA_FUZZ_CHECK(held->pacing_bytes_per_s >= 0 && held->window_bytes >= 0);
        }
    } else {
        pba_amst_decision d{};
        d.struct_size = in.struct_size<pba_amst_decision>();
        auto held = exact(d);
        if (checked(pba_amst_decide(arg, in.number(1), static_cast<std::int64_t>(in.u32()) - 4,
                                    static_cast<std::int64_t>(in.u32()) - 4, held.get())) == PBA_OK)
            PBA_FUZZ_CHECK(!std::isnan(held->stream_change));
    }
}

pba_policy_state policy_state(Input& in) {
    pba_policy_state state;
    state.struct_size = in.struct_size<pba_policy_state>();
    state.latency_ms = in.number(300);
    state.bandwidth_mbps = in.number(2000);
    state.packet_loss = in.number(0.1);
    state.reliability = in.number(1);
    return state;
}

void op_policy(Input& in, State& s) {
    pba_policy* policy = pick(in, s.policies);
    switch (in.below(6)) {
        case 0: {
            pba_policy* created = nullptr;
            if (checked(pba_policy_create(pick(in, s.models), &created)) != PBA_OK) return;
            PBA_FUZZ_CHECK(created != nullptr);
            if (s.policies.size() < kMaxHandles) s.policies.push_back(created);
            else pba_policy_free(created);
            return;
        }
        case 1: {
            const std::size_t count = in.below(4);
            std::vector<pba_policy_state> states;
            for (std::size_t i = 0; i < count; ++i) states.push_back(policy_state(in));
            const std::size_t actions = pba_policy_action_count(policy);
            const std::size_t q_count = count * actions + (in.chance(32) ? 1 : 0);
            std::vector<float> q(q_count);
            if (checked(pba_policy_q_values(policy, states.data(), count, q.data(), q_count)) == PBA_OK)
                for (float v : q) PBA_FUZZ_CHECK(std::isfinite(v));
            return;
        }
        case 2: {
            const auto state = exact(policy_state(in));
            pba_policy_decision d{};
            d.struct_size = in.struct_size<pba_policy_decision>();
            auto held = exact(d);
            if (checked(pba_policy_decide(policy, state.get(), in.number(1), in.u64(), held.get())) == PBA_OK) {
                PBA_FUZZ_CHECK(held->action < pba_policy_action_count(policy));
                PBA_FUZZ_CHECK(held->explored == 0 || held->explored == 1);
            }
            return;
        }
        case 3: {
            const auto state = exact(policy_state(in));
            double optimal = 0, reward = 0;
            if (checked(pba_policy_reward(state.get(), in.number(100), &optimal, &reward)) == PBA_OK)
                PBA_FUZZ_CHECK(std::isfinite(optimal) && std::isfinite(reward));
            return;
        }
        case 4: {
            const std::size_t n = in.below(4);
            std::vector<pba_policy_state> next;
            std::vector<double> rewards, targets(n);
            std::vector<std::uint8_t> terminal;
            for (std::size_t i = 0; i < n; ++i) {
                next.push_back(policy_state(in));
                rewards.push_back(in.number(1));
                terminal.push_back(in.byte() & 1);
            }
            if (checked(pba_policy_double_dqn_targets(policy, pick(in, s.policies), next.data(), rewards.data(),
                                                      terminal.data(), n, in.number(1), targets.data())) == PBA_OK)
                for (double t : targets) PBA_FUZZ_CHECK(std::isfinite(t));
            return;
        }
        default: drop(in, s.policies, pba_policy_free);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    builtins();
    Input in(data, size);
    State s;
    while (!in.empty()) {
        switch (in.byte() % 13) {
            case 0: op_load_model(in, s); break;
            case 1: op_model_queries(in, s); break;
            case 2: drop(in, s.models, pba_model_free); break;
            case 3: op_slot(in, s); break;
            case 4: op_create_predictor(in, s); break;
            case 5:
            case 6:
            case 7: op_predictor(in, s); break;
            case 8: op_links(in, s); break;
            case 9: op_prometheus(in, s); break;
            case 10: op_amst(in); break;
            case 11: op_policy(in, s); break;
            default:
                if (!s.links.empty()) {
                    const std::size_t i = in.below(s.links.size());
                    pba_predictor_free(s.links[i].predictor);
                    s.links.erase(s.links.begin() + static_cast<std::ptrdiff_t>(i));
                }
        }
    }
    return 0;
}
