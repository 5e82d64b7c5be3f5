package pba

/*
#include <pba.h>
*/
import "C"

// ErrorCode is the kind of a failure: a pba_status, stable across versions, or one of the
// package's own (negative) codes. Match with errors.Is(err, pba.ErrNotFound), never by message
// text or ==.
type ErrorCode int

const (
	ErrInvalidArgument    ErrorCode = C.PBA_ERR_INVALID_ARGUMENT
	ErrNullPointer        ErrorCode = C.PBA_ERR_NULL_POINTER
	ErrStructSize         ErrorCode = C.PBA_ERR_STRUCT_SIZE
	ErrIO                 ErrorCode = C.PBA_ERR_IO
	ErrMalformedModel     ErrorCode = C.PBA_ERR_MALFORMED_MODEL
	ErrUnsupportedVersion ErrorCode = C.PBA_ERR_UNSUPPORTED_VERSION
	ErrChecksumMismatch   ErrorCode = C.PBA_ERR_CHECKSUM_MISMATCH
	ErrShapeMismatch      ErrorCode = C.PBA_ERR_SHAPE_MISMATCH
	ErrNonFinite          ErrorCode = C.PBA_ERR_NON_FINITE
	ErrSelfTestFailed     ErrorCode = C.PBA_ERR_SELF_TEST_FAILED
	ErrNotFound           ErrorCode = C.PBA_ERR_NOT_FOUND
	ErrUnsupported        ErrorCode = C.PBA_ERR_UNSUPPORTED
	ErrNotReady           ErrorCode = C.PBA_ERR_NOT_READY
	ErrBufferTooSmall     ErrorCode = C.PBA_ERR_BUFFER_TOO_SMALL
	ErrOutOfMemory        ErrorCode = C.PBA_ERR_OUT_OF_MEMORY
	ErrInternal           ErrorCode = C.PBA_ERR_INTERNAL
)

// Failures the package detects itself; negative, so that no pba_status ever equals them.
const (
	// ErrClosed: a method of a closed handle (after Close, or Destroy for a Session), of a nil
	// one, or a nil or closed predictor in a Links batch.
	ErrClosed ErrorCode = -1
	// ErrABIMismatch: the libpba linked at run time has another ABI version than the <pba.h>
	// the package was compiled against (see CheckABI).
	ErrABIMismatch ErrorCode = -2
)

// Error returns the short description of the code ("not found").
func (c ErrorCode) Error() string { return "pba: " + c.text() }

func (c ErrorCode) text() string {
	switch c {
	case ErrClosed:
		return "use of a closed handle"
	case ErrABIMismatch:
		return "libpba's ABI version differs from the header's"
	}
	return C.GoString(C.pba_status_string(C.pba_status(c)))
}

// Error is a failure reported by libpba: its code and the detailed message (which call, which
// file, which field).
type Error struct {
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code.Error()
	}
	return "pba: " + e.Message
}

// Unwrap makes errors.Is(err, pba.ErrNotFound) match the code.
func (e *Error) Unwrap() error { return e.Code }

// errClosed is what every method of a closed or nil handle returns: an *Error like any other,
// made once so that the failure allocates nothing.
var errClosed error = &Error{Code: ErrClosed}

func invalid(message string) error { return &Error{Code: ErrInvalidArgument, Message: message} }
