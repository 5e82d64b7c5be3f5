#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pba::format {

// The value types a .pba metadata entry can hold, in the file's type-code order (1..6).
using MetaValue = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>,
                               std::vector<double>, std::vector<std::string>>;

const char* type_name(const MetaValue& value) noexcept;

// Typed key/values describing a model (features, normalisation, horizon, provenance…).
// Keys are kept sorted bytewise, which is also the order the canonical writer emits.
class Metadata {
public:
    // Throws Error(invalid_argument) for a key outside [a-z0-9_.]{1,255} or a non-finite number.
    void set(std::string key, MetaValue value);

    bool contains(std::string_view key) const { return find(key) != nullptr; }
    const MetaValue* find(std::string_view key) const;
    std::size_t size() const noexcept { return entries_.size(); }
    const std::map<std::string, MetaValue, std::less<>>& entries() const noexcept { return entries_; }

    // Typed access. A missing key yields the fallback; a key of another type throws
    // Error(malformed_model) naming the key, since that is a defect of the model file.
    std::string string_or(std::string_view key, std::string_view fallback) const;
    std::int64_t integer_or(std::string_view key, std::int64_t fallback) const;
    double number_or(std::string_view key, double fallback) const;  // accepts i64 too
    std::vector<std::int64_t> integers(std::string_view key) const;  // empty when missing
    std::vector<double> numbers(std::string_view key) const;         // accepts i64 arrays
    std::vector<std::string> strings(std::string_view key) const;

private:
    std::map<std::string, MetaValue, std::less<>> entries_;
};

bool is_valid_metadata_key(std::string_view key) noexcept;

}  // namespace pba::format
