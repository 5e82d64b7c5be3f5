// Command go_reference writes tests/data/amst_go_reference.csv: the transport's AMST
// settings for many forecasts, computed in Go from the formula in issue 4, so the C++
// port is checked against Go's own float64 evaluation order and int() truncation.
//
//	go run tests/amst/go_reference/main.go > tests/data/amst_go_reference.csv
//
// Columns: bandwidth_mbps, latency_ms, packet_loss, jitter_ms (%.17g, exact round trip),
// streams, buffer_bytes, chunk_bytes, pacing_bytes_per_s, window_bytes.
package main

import (
	"fmt"
	"math"
	"math/rand"
)

type forecast struct{ bw, lat, loss, jitter float64 }

type settings struct {
	streams, buffer, chunk int
	pacing                 int64
	window                 int
}

func compute(f forecast) settings {
	var s settings
	base := int(f.bw / 10)
	lf := 1.0
	if f.lat > 100 {
		lf = 0.7
	} else if f.lat < 20 {
		lf = 1.3
	}
	s.streams = int(float64(base) * lf)
	if f.loss > 0.01 {
		s.streams = s.streams * 3 / 4
	}
	if s.streams < 2 {
		s.streams = 2
	}
	if s.streams > 256 {
		s.streams = 256
	}
	bps := f.bw * 1000000 / 8
	s.buffer = int(bps*(f.lat/1000)) + int(f.jitter*bps/1000)
	if s.buffer < 16384 {
		s.buffer = 16384
	}
	if s.buffer > 1048576 {
		s.buffer = 1048576
	}
	s.chunk = s.buffer / s.streams
	if f.loss > 0.02 {
		s.chunk /= 2
	}
	if s.chunk < 8192 {
		s.chunk = 8192
	}
	if s.chunk > 131072 {
		s.chunk = 131072
	}
	s.pacing = int64(f.bw * 1000000 * 0.95 / 8)
	s.window = s.buffer * s.streams
	return s
}

func around(x float64) []float64 {
	return []float64{math.Nextafter(x, math.Inf(-1)), x, math.Nextafter(x, math.Inf(1))}
}

// Forecasts where evaluating in another order than the transport's gives another integer:
// a port that reorders the arithmetic fails on these.
func orderSensitive(r *rand.Rand, n int) []forecast {
	var out []forecast
	perKind := [3]int{}
	for tries := 0; tries < 5000000 && (perKind[0] < n || perKind[1] < n || perKind[2] < n); tries++ {
		f := forecast{bw: math.Round(r.Float64()*100000) / 100, lat: math.Round(r.Float64()*20000) / 100,
			loss: 0, jitter: math.Round(r.Float64()*1000) / 100}
		bps := f.bw * 1000000 / 8
		switch {
		case perKind[0] < n && int(bps*(f.lat/1000)) != int(bps*f.lat/1000):
			perKind[0]++
		case perKind[1] < n && int(f.jitter*bps/1000) != int(f.jitter*(bps/1000)):
			perKind[1]++
		case perKind[2] < n && int64(f.bw*1000000*0.95/8) != int64(f.bw*0.95*1000000/8):
			perKind[2]++
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}

func main() {
	cases := []forecast{{100, 50, 0, 5}, {1000, 10, 0.005, 1}, {50, 150, 0.03, 10}}
	// Latency thresholds at 1000 Mbps (factors visible as 70/100/130 streams).
	for _, lat := range append(around(100), around(20)...) {
		cases = append(cases, forecast{1000, lat, 0, 1})
	}
	// Loss thresholds: the stream cut at 1 % and the chunk halving at 2 %.
	for _, loss := range append(around(0.01), around(0.02)...) {
		cases = append(cases, forecast{100, 50, loss, 5}, forecast{1000, 10, loss, 1})
	}
	cases = append(cases, forecast{100, 50, 1, 5}, forecast{100, 50, 0, 0})
	// Stream bounds and the bandwidth-per-stream truncation.
	for _, bw := range []float64{0, 1e-300, 9.99, 19.99, 20, 29.99, 30, 2559.99, 2560, 2570, 1e6} {
		cases = append(cases, forecast{bw, 50, 0, 5})
	}
	for _, bw := range append(around(30), around(2560)...) {
		cases = append(cases, forecast{bw, 50, 0, 5})
	}
	// Buffer bounds: 1 Mbps is 125000 B/s, so 131.072 ms is 16384 bytes and 8388.608 ms is 1048576.
	for _, lat := range append(around(131.072), around(8388.608)...) {
		cases = append(cases, forecast{1, lat, 0, 0})
	}
	// Chunk bounds: at 10 streams, 81920 and 1310720 bytes of buffer.
	for _, bw := range []float64{100, 1000} {
		for _, lat := range []float64{6.5536, 10.48576, 52.4288, 83.88608} {
			for _, l := range around(lat) {
				cases = append(cases, forecast{bw, l, 0, 0}, forecast{bw, l, 0.03, 0})
			}
		}
	}
	r := rand.New(rand.NewSource(4))
	cases = append(cases, orderSensitive(r, 12)...)
	for i := 0; i < 400; i++ {
		cases = append(cases, forecast{
			bw:     math.Pow(10, r.Float64()*6-1),
			lat:    math.Pow(10, r.Float64()*4-1),
			loss:   []float64{0, r.Float64() * 0.05, r.Float64()}[i%3],
			jitter: r.Float64() * 200,
		})
	}
	for _, f := range cases {
		s := compute(f)
		fmt.Printf("%.17g,%.17g,%.17g,%.17g,%d,%d,%d,%d,%d\n", f.bw, f.lat, f.loss, f.jitter,
			s.streams, s.buffer, s.chunk, s.pacing, s.window)
	}
}
