#pragma once

#include <string_view>
#include <vector>

// One function per `pba` subcommand; each returns the process exit status. Arguments are
// those after the subcommand's name.
namespace pba::cli {

using Argv = std::vector<std::string_view>;

int inspect(const Argv& args);
int forward(const Argv& args);
int replay(const Argv& args);
int amst(const Argv& args);
int allocate(const Argv& args);
int bench(const Argv& args);
int export_model(const Argv& args);

}  // namespace pba::cli
