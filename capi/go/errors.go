package pba

/*
#include <pba.h>
*/
import "C"

import "errors"

// ErrorCode is a pba_status: the kind of failure, stable across versions. Match with
// errors.Is(err, pba.ErrNotFound), never by message text.
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

// Error returns the library's short description of the code ("not found").
func (c ErrorCode) Error() string { return "pba: " + C.GoString(C.pba_status_string(C.pba_status(c))) }

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

// ErrClosed is returned by any method of a handle after its Close (or a Session's Destroy).
var ErrClosed = errors.New("pba: use of a closed handle")

func invalid(message string) error { return &Error{Code: ErrInvalidArgument, Message: message} }
