package pba

import "sync/atomic"

// handle guards a C handle against Close racing with use, without locks: each call holds a
// reference while it uses the pointer, Close marks the handle closed, and whoever drops the
// last reference after that frees the C object, exactly once. Calls never block on Close, and
// a call that starts after Close gets ErrClosed instead of a freed pointer.
type handle[T any] struct {
	ptr   *T // set at creation, never changed
	free  func(*T)
	state atomic.Int64 // references in the low bits, plus the two flags
}

const (
	handleClosed = int64(1) << 62
	handleFreed  = int64(1) << 61
)

func newHandle[T any](ptr *T, free func(*T)) *handle[T] {
	return &handle[T]{ptr: ptr, free: free}
}

// acquire returns the C pointer and holds a reference until release; ErrClosed after close.
// A nil handle (a zero-value Model, Slot, ...) is closed.
func (h *handle[T]) acquire() (*T, error) {
	if h == nil {
		return nil, errClosed
	}
	if h.state.Add(1)&handleClosed != 0 {
		h.release()
		return nil, errClosed
	}
	return h.ptr, nil
}

func (h *handle[T]) release() {
	if h.state.Add(-1) == handleClosed && h.state.CompareAndSwap(handleClosed, handleClosed|handleFreed) {
		h.free(h.ptr)
	}
}

// close marks the handle closed; the C object is freed now or when the last call returns.
// Idempotent.
func (h *handle[T]) close() {
	if h == nil {
		return
	}
	h.state.Add(1)
	for {
		s := h.state.Load()
		if s&handleClosed != 0 || h.state.CompareAndSwap(s, s|handleClosed) {
			break
		}
	}
	h.release()
}
