#include "pba/format/metadata.hpp"

#include <cmath>
#include <fmt/format.h>

#include "pba/error.hpp"

namespace pba::format {
namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
// Spelled out for clang 14, which lacks C++20's deduction for aggregates.
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

bool all_finite(const MetaValue& value) {
    return std::visit(overloaded{[](double v) { return std::isfinite(v); },
                                 [](const std::vector<double>& v) {
                                     for (double x : v)
                                         if (!std::isfinite(x)) return false;
                                     return true;
                                 },
                                 [](const auto&) { return true; }},
                      value);
}

[[noreturn]] void wrong_type(std::string_view key, const MetaValue& value, const char* wanted) {
    throw Error(Errc::malformed_model, fmt::format("metadata key '{}' is {}, expected {}", key,
                                                   type_name(value), wanted));
}

}  // namespace

const char* type_name(const MetaValue& value) noexcept {
    switch (value.index()) {
        case 0: return "i64";
        case 1: return "f64";
        case 2: return "string";
        case 3: return "i64 array";
        case 4: return "f64 array";
        case 5: return "string array";
    }
    return "unknown";
}

bool is_valid_metadata_key(std::string_view key) noexcept {
    if (key.empty() || key.size() > 255) return false;
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

void Metadata::set(std::string key, MetaValue value) {
    if (!is_valid_metadata_key(key))
        throw Error(Errc::invalid_argument,
                    fmt::format("metadata key '{}' is not 1-255 characters of [a-z0-9_.]", key));
    if (!all_finite(value))
        throw Error(Errc::non_finite, fmt::format("metadata key '{}' holds a non-finite number", key));
    entries_.insert_or_assign(std::move(key), std::move(value));
}

const MetaValue* Metadata::find(std::string_view key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

std::string Metadata::string_or(std::string_view key, std::string_view fallback) const {
    const MetaValue* v = find(key);
    if (!v) return std::string(fallback);
    if (auto s = std::get_if<std::string>(v)) return *s;
    wrong_type(key, *v, "string");
}

std::int64_t Metadata::integer_or(std::string_view key, std::int64_t fallback) const {
    const MetaValue* v = find(key);
    if (!v) return fallback;
    if (auto i = std::get_if<std::int64_t>(v)) return *i;
    wrong_type(key, *v, "i64");
}

double Metadata::number_or(std::string_view key, double fallback) const {
    const MetaValue* v = find(key);
    if (!v) return fallback;
    if (auto d = std::get_if<double>(v)) return *d;
    if (auto i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
    wrong_type(key, *v, "f64");
}

std::vector<std::int64_t> Metadata::integers(std::string_view key) const {
    const MetaValue* v = find(key);
    if (!v) return {};
    if (auto a = std::get_if<std::vector<std::int64_t>>(v)) return *a;
    wrong_type(key, *v, "i64 array");
}

std::vector<double> Metadata::numbers(std::string_view key) const {
    const MetaValue* v = find(key);
    if (!v) return {};
    if (auto a = std::get_if<std::vector<double>>(v)) return *a;
    if (auto a = std::get_if<std::vector<std::int64_t>>(v)) return {a->begin(), a->end()};
    wrong_type(key, *v, "f64 array");
}

std::vector<std::string> Metadata::strings(std::string_view key) const {
    const MetaValue* v = find(key);
    if (!v) return {};
    if (auto a = std::get_if<std::vector<std::string>>(v)) return *a;
    wrong_type(key, *v, "string array");
}

}  // namespace pba::format
