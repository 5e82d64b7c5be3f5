// Package pba forecasts network links and turns forecasts into transport settings, through
// libpba's stable C interface (<pba.h>, found with pkg-config).
//
// A transport keeps one Predictor per link: it feeds each measurement to Observe and asks
// Predict for a forecast whenever it needs one. Models are immutable and shared by any number
// of predictors and goroutines; a Slot (or Predictor.Reload) swaps a model for new forecasts
// while others are being made. AMSTParameters turns a forecast into stream, buffer, chunk and
// pacing settings, and Allocate asks the DDQN policy which share of a link to allocate.
//
// Every handle (Model, Slot, Predictor, Policy, Session) has an explicit, idempotent Close
// (Destroy for Session); a finalizer frees a forgotten one only as a safety net. Every method is
// safe for concurrent use; using a handle after Close returns ErrClosed. Errors from the
// library are *Error values whose Code matches with errors.Is (errors.Is(err, pba.ErrNotFound)).
package pba

/*
#cgo pkg-config: pba
#include <stdlib.h>
#include <pba.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Version is the library's version ("major.minor.patch") as linked at run time.
func Version() string { return C.GoString(C.pba_version_string()) }

// HeaderVersion is the version of the <pba.h> this package was compiled against.
const HeaderVersion = C.PBA_VERSION_STRING

// ABIVersion is the library's binary interface version; it must equal the header's
// (HeaderABIVersion), which CheckABI checks.
func ABIVersion() int { return int(C.pba_abi_version()) }

// HeaderABIVersion is the PBA_ABI_VERSION of the header this package was compiled against.
const HeaderABIVersion = C.PBA_ABI_VERSION

// abiErr is checked once, when the package is loaded; a program linked against a library of
// another ABI does not panic there, every call that can fail returns the error instead.
var abiErr = checkABI(ABIVersion(), HeaderABIVersion)

func checkABI(library, header int) error {
	if library == header {
		return nil
	}
	return &Error{Code: ErrABIMismatch, Message: fmt.Sprintf(
		"libpba's ABI version is %d, this package was compiled against <pba.h> of ABI %d: rebuild it against the installed library",
		library, header)}
}

// CheckABI returns nil when the linked libpba has the ABI this package was compiled for, else
// an error matching ErrABIMismatch, which every call that can fail then returns.
func CheckABI() error { return abiErr }

// call runs one C call and, on failure, reads the message it left. pba_last_error is per OS
// thread, so the goroutine stays on its thread between the two; LockOSThread costs a few ns.
// Nothing is called when the library's ABI does not match.
func call(f func() C.pba_status) error {
	if abiErr != nil {
		return abiErr
	}
	runtime.LockOSThread()
	status := f()
	var err error
	if status != C.PBA_OK {
		err = &Error{Code: ErrorCode(status), Message: C.GoString(C.pba_last_error())}
	}
	runtime.UnlockOSThread()
	return err
}

// floatPtr is the address of a slice's first element for C, nil for an empty slice (C is
// told its length and never reads through it then).
func floatPtr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

// goString reads a NUL-terminated C char array without allocating when it equals `cached`.
func goString(chars []C.char, cached string) string {
	n := 0
	for n < len(chars) && chars[n] != 0 {
		n++
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&chars[0])), n)
	if string(b) == cached { // no allocation: the compiler compares in place
		return cached
	}
	return string(b)
}

// scratch holds the C structs of one hot call. A pointer passed to C escapes to the heap, so
// the structs come from a pool: Observe, Predict, AMSTParameters and Allocate allocate nothing
// once warm.
type scratch struct {
	sample     C.pba_sample
	result     C.pba_observe_result
	forecast   C.pba_forecast
	amstParams C.pba_amst_params
	settings   C.pba_amst_settings
	decision   C.pba_amst_decision

	policyState    C.pba_policy_state
	policyDecision C.pba_policy_decision
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { scratchPool.Put(s) }
