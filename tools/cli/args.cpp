#include "args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace pba::cli {

Args::Args(const std::vector<std::string_view>& argv, const std::set<std::string>& options,
           const std::set<std::string>& switches) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string arg(argv[i]);
        if (arg.rfind("--", 0) != 0 || arg == "--" || arg.size() == 2) {
            positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (switches.count(name)) {
            if (inline_value) throw UsageError{"option --" + name + " takes no value"};
            switches_.insert(name);
        } else if (options.count(name)) {
            if (inline_value) {
                values_[name] = *inline_value;
            } else {
                if (i + 1 >= argv.size()) throw UsageError{"option --" + name + " needs a value"};
                values_[name] = std::string(argv[++i]);
            }
        } else {
            throw UsageError{"unknown option --" + name};
        }
    }
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw UsageError{"missing required option --" + name};
    return *v;
}

double Args::number(const std::string& name) const { return parse_number(require(name), "--" + name); }

long long Args::integer(const std::string& name, long long fallback) const {
    auto v = get(name);
    if (!v) return fallback;
    const double d = parse_number(*v, "--" + name);
    if (d != std::floor(d) || std::abs(d) > 9e15) throw UsageError{"--" + name + " must be an integer, got '" + *v + "'"};
    return static_cast<long long>(d);
}

double parse_number(std::string_view text, std::string_view what) {
    const std::string s(text);
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
        throw UsageError{std::string(what) + " is not a number: '" + s + "'"};
    return value;
}

}  // namespace pba::cli
