#!/usr/bin/env bash
# Installs the release build into a staging prefix and builds and runs pba's consumers against
# that installed tree only: the C99 example (shared and static), the C++ example through
# find_package(pba) without Eigen or xsimd, a pba::nn consumer, and the Go package (go test -race, a short fuzz run, benchmarks, and a module
# that requires it through a replace onto the installed sources).
set -euo pipefail

root=$PWD
stage=$root/build/stage
jobs=${PBA_JOBS:-2}

cmake --preset release >/dev/null
cmake --build build/release -j "$jobs" --target pba pba_shared
rm -rf "$stage"
cmake --install build/release --prefix "$stage" >/dev/null

# The installed tree: versioned SONAME, headers, CMake package, pkg-config file.
so=$(readlink -f "$stage/lib/libpba.so")
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
test "$soname" = "libpba.so.$(sed -n 's/^#define PBA_ABI_VERSION \([0-9]*\)$/\1/p' "$stage/include/pba_version.h")"
test -e "$stage/lib/$soname" -a -e "$stage/lib/libpba.a" -a -e "$stage/include/pba.h"
test -e "$stage/lib/cmake/pba/pbaConfig.cmake" -a -e "$stage/lib/cmake/pba/pbaConfigVersion.cmake"
export PKG_CONFIG_PATH=$stage/lib/pkgconfig
export LD_LIBRARY_PATH=$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "installed libpba $(pkg-config --modversion pba) ($soname) in $stage"

# The library is what consumers link and nothing more: the trace reader and replay live in
# pba_trace (tools and tests only, not installed), the C interface's private headers stay in
# the source tree.
if nm -C "$so" "$stage/lib/libpba.a" 2>/dev/null | grep -E 'pba::trace::'; then
  echo "libpba carries trace/replay code (above): it belongs in pba_trace" >&2; exit 1
fi
for private in internal.hpp handles.hpp pba/trace; do
  if [ -e "$stage/include/$private" ]; then echo "$stage/include/$private is installed" >&2; exit 1; fi
done

echo "--- examples/c (C99, shared library)"
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic)
cc "${cflags[@]}" examples/c/main.c $(pkg-config --cflags --libs pba) -lm -o build/example-c
build/example-c
echo "--- examples/c (C99, static library)"
static_libs=$(pkg-config --static --libs pba | sed "s|-lpba|$stage/lib/libpba.a|")
cc "${cflags[@]}" examples/c/main.c $(pkg-config --cflags pba) $static_libs -lm -o build/example-c-static
if ldd build/example-c-static | grep -q libpba; then echo "example-c-static links libpba.so" >&2; exit 1; fi
build/example-c-static >/dev/null

echo "--- examples/c (C99, one fully static executable: PBA_FMT_HEADER_ONLY, as Debian has no libfmt.a)"
cmake -S . -B build/static-fmt -G Ninja -DCMAKE_BUILD_TYPE=Release -DPBA_FMT_HEADER_ONLY=ON \
  -DPBA_BUILD_TESTS=OFF -DPBA_BUILD_TOOLS=OFF -DPBA_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/static-fmt -j "$jobs" --target pba pba_shared
rm -rf "$stage-static"
cmake --install build/static-fmt --prefix "$stage-static" >/dev/null
static_pc="$stage-static/lib/pkgconfig"
if PKG_CONFIG_PATH=$static_pc pkg-config --static --libs pba | grep -q -- -lfmt; then
  echo "pba.pc of a header-only-fmt build still asks for -lfmt" >&2; exit 1
fi
cc "${cflags[@]}" -static examples/c/main.c $(PKG_CONFIG_PATH=$static_pc pkg-config --cflags --static --libs pba) -lm \
  -o build/example-c-fully-static
if readelf -d build/example-c-fully-static | grep -q NEEDED; then
  echo "example-c-fully-static needs shared libraries" >&2; exit 1
fi
build/example-c-fully-static >/dev/null

echo "--- examples/cpp (find_package(pba) against the installed tree, Eigen and xsimd out of reach)"
# The example uses the high-level headers only: neither the package nor those headers may need
# Eigen or xsimd, so CMake is forbidden to find them and the compile line must not name them.
rm -rf build/example-cpp
cmake -S examples/cpp -B build/example-cpp -G Ninja --no-warn-unused-cli -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$stage" \
  -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON -DCMAKE_DISABLE_FIND_PACKAGE_xsimd=ON -DCMAKE_DISABLE_FIND_PACKAGE_xtl=ON >/dev/null
cmake --build build/example-cpp -j "$jobs" -v 2>&1 | tee build/example-cpp/build.log
if grep -q "warning:" build/example-cpp/build.log; then echo "examples/cpp built with warnings" >&2; exit 1; fi
if grep -Eq "eigen3|xsimd" build/example-cpp/build.log; then echo "examples/cpp was compiled with Eigen or xsimd" >&2; exit 1; fi
build/example-cpp/pba_example_cpp

echo "--- a consumer of the layer headers: find_package(pba COMPONENTS nn), pba::nn"
nn_consumer=$root/build/nn-consumer
rm -rf "$nn_consumer" && mkdir -p "$nn_consumer"
cat >"$nn_consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.22)
project(nn_consumer LANGUAGES CXX)
find_package(pba 0.1 REQUIRED COMPONENTS nn)
add_executable(nn_consumer main.cpp)
target_link_libraries(nn_consumer PRIVATE pba::nn)
EOF
cat >"$nn_consumer/main.cpp" <<'EOF'
#include <cstdio>
#include <pba/model.hpp>
#include <pba/nn/network.hpp>

int main() {
    const auto model = pba::default_model("internet");
    const pba::nn::Network& net = model->network();
    const auto* lstm = std::get_if<pba::nn::LstmLayer>(&net.layers().front());
    if (!lstm || lstm->hidden_size() != 32 || net.output_size() != 1) return 1;
    std::printf("internet through pba::nn: %zu layers, LSTM %ld, %zu FLOPs per window\n", net.layers().size(),
                static_cast<long>(lstm->hidden_size()), net.flops_per_window());
    return 0;
}
EOF
cmake -S "$nn_consumer" -B "$nn_consumer/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$stage" >/dev/null
cmake --build "$nn_consumer/build" -j "$jobs" 2>&1 | tee "$nn_consumer/build.log"
if grep -q "warning:" "$nn_consumer/build.log"; then echo "the pba::nn consumer built with warnings" >&2; exit 1; fi
"$nn_consumer/build/nn_consumer"

echo "--- capi/go: the Go package (go vet, go test -race, fuzz, benchmarks)"
# Nothing is downloaded: the module needs no third-party modules.
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=1
export GOCACHE=$root/build/go/cache GOPATH=$root/build/go/path
(
  cd capi/go
  go vet ./...
  go test -race -count=1 ./...
  # Allocation counts need a build without -race (which makes sync.Pool drop items).
  go test -count=1 -run 'Nothing$' .
  go test -run '^$' -fuzz '^FuzzObservePredict$' -fuzztime 20s .
  go test -run '^$' -fuzz '^FuzzLoadModelBytes$' -fuzztime 10s .
  go test -run '^$' -bench . -benchtime 200x .
)

echo "--- a Go module requiring the package, replaced onto the installed share/pba/go"
consumer=$root/build/go-consumer
rm -rf "$consumer" && mkdir -p "$consumer"
cat >"$consumer/go.mod" <<EOF
module example.com/transport

go 1.19

require github.com/pba-project/pba/capi/go v0.0.0

replace github.com/pba-project/pba/capi/go => $stage/share/pba/go
EOF
cat >"$consumer/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
	"time"

	pba "github.com/pba-project/pba/capi/go"
)

func main() {
	p, err := pba.NewPredictor(pba.PredictorConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer p.Close()
	s := pba.NewSample(time.Unix(1_790_000_000, 0))
	s.BandwidthMbps = 870
	if _, err := p.Observe(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := p.Predict()
	if err != nil || f.BandwidthMbps != 870 {
		fmt.Fprintln(os.Stderr, "forecast:", f.BandwidthMbps, err)
		os.Exit(1)
	}
	fmt.Printf("libpba %s through the installed Go package: %.0f Mbps\n", pba.Version(), f.BandwidthMbps)
}
EOF
(cd "$consumer" && go vet . && go run .)
