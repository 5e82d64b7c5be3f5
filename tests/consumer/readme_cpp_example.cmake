# The readme_cpp_example test: every ```cpp block of README.md compiles as written against pba's
# include directories. Each block's #include lines go to the top of one file and its statements
# into a function whose parameter `t` is the sample time the example takes as given.
#   cmake -DREADME=... -DCXX=... -DOUT=... -DINCLUDE_DIRS=a|b -P readme_cpp_example.cmake
file(READ "${README}" text)
# Semicolons would split the CMake lists below: carried as a placeholder until written out.
string(REPLACE ";" "@semicolon@" text "${text}")
string(REGEX MATCHALL "```cpp\n[^`]*```" blocks "${text}")
if(NOT blocks)
  message(FATAL_ERROR "no ```cpp block in ${README}")
endif()
set(includes "")
set(functions "")
set(index 0)
foreach(block IN LISTS blocks)
  string(REGEX REPLACE "^```cpp\n" "" block "${block}")
  string(REGEX REPLACE "```$" "" block "${block}")
  string(REGEX MATCHALL "#include [^\n]*\n" block_includes "${block}")
  string(REGEX REPLACE "#include [^\n]*\n" "" body "${block}")
  string(APPEND includes ${block_includes})
  string(APPEND functions "[[maybe_unused]] void readme_example_${index}([[maybe_unused]] double t) {\n${body}}\n\n")
  math(EXPR index "${index} + 1")
endforeach()
string(REPLACE "@semicolon@" ";" functions "${functions}")
file(WRITE "${OUT}" "${includes}#include <memory>\n\n${functions}int main() { return 0; }\n")

string(REPLACE "|" ";" include_dirs "${INCLUDE_DIRS}")
# An example leaves its results unused: that is all the warnings it may raise.
set(flags -std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags "-I${dir}")
endforeach()
execute_process(COMMAND "${CXX}" ${flags} "${OUT}" RESULT_VARIABLE compiled)
if(NOT compiled EQUAL 0)
  message(FATAL_ERROR "README.md's C++ example does not compile (above); as compiled: ${OUT}")
endif()
