#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pba::cli {

// `--name value` options, `--flag` switches and positional arguments, parsed against the
// names a subcommand declares, so a typo is an error instead of being ignored.
class Args {
public:
    Args(const std::vector<std::string_view>& argv, const std::set<std::string>& options,
         const std::set<std::string>& switches = {});

    const std::vector<std::string>& positional() const noexcept { return positional_; }
    bool has(const std::string& name) const { return values_.count(name) != 0 || switches_.count(name) != 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;  // throws UsageError when missing
    double number(const std::string& name) const;       // required, parsed strictly
    long long integer(const std::string& name, long long fallback) const;

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> switches_;
    std::vector<std::string> positional_;
};

// A command-line mistake: printed on one stderr line, exit status 2.
struct UsageError {
    std::string message;
};

double parse_number(std::string_view text, std::string_view what);

}  // namespace pba::cli
