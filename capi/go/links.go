package pba

/*
#include <pba.h>
*/
import "C"

import (
	"fmt"
	"runtime"
)

// acquireAll holds every predictor open and writes its C handle into handles, until
// releaseAll. It fails with ErrClosed (holding nothing) when one is closed.
func acquireAll(ps []*Predictor, handles []*C.pba_predictor) error {
	for i, p := range ps {
		var err error
		if p == nil {
			err = invalid(fmt.Sprintf("predictor %d is nil", i))
		} else {
			handles[i], err = p.h.acquire()
		}
		if err != nil {
			releaseAll(ps[:i])
			return err
		}
	}
	return nil
}

func releaseAll(ps []*Predictor) {
	for _, p := range ps {
		p.h.release()
	}
}

// Links forecasts many links in one library call each way (a transport has thousands per
// node), keeping its buffers between calls. A Links is not safe for concurrent use; the
// predictors are.
//
// Every link stands on its own: a nil or closed predictor, or a sample without a time, fails
// that link only (its errs slot says why) and every other link is observed or forecast as if
// it were alone. Each call writes every errs slot.
type Links struct {
	handles   []*C.pba_predictor // nil for a link that failed before the library call
	samples   []C.pba_sample
	forecasts []C.pba_forecast
	statuses  []C.pba_status
	failed    []error // a link's failure found here, before the library call
}

func (l *Links) size(n int) {
	if cap(l.handles) < n {
		l.handles = make([]*C.pba_predictor, n)
		l.samples = make([]C.pba_sample, n)
		l.forecasts = make([]C.pba_forecast, n)
		l.statuses = make([]C.pba_status, n)
		l.failed = make([]error, n)
	}
	l.handles, l.samples, l.forecasts = l.handles[:n], l.samples[:n], l.forecasts[:n]
	l.statuses, l.failed = l.statuses[:n], l.failed[:n]
}

// acquire holds link i's predictor open for the library call; a nil or closed one fails the
// link with ErrClosed and leaves its handle nil. The status stays a failure unless the library
// writes another.
func (l *Links) acquire(i int, p *Predictor) {
	l.handles[i], l.failed[i] = p.handle().acquire()
	l.statuses[i] = C.PBA_ERR_INTERNAL
}

func (l *Links) release(predictors []*Predictor) {
	for i, h := range l.handles {
		if h != nil {
			predictors[i].h.release()
			l.handles[i] = nil
		}
	}
}

// finish writes each link's error into errs (when not nil) and returns the first failed
// link's. The library call's error (callErr) names its first failed link, counting the links
// failed here (passed to it as NULL): when that link is one the library failed, it is the
// returned error, so its message says which link and how many failed.
func (l *Links) finish(op string, callErr error, errs []error) error {
	var first error
	for i, s := range l.statuses {
		err := l.failed[i]
		if err == nil && s != C.PBA_OK {
			if first == nil && callErr != nil {
				err = callErr
			} else {
				code := ErrorCode(s)
				err = &Error{Code: code, Message: fmt.Sprintf("%s: link %d: %s", op, i, code.text())}
			}
		}
		if first == nil {
			first = err
		}
		if errs != nil {
			errs[i] = err
		}
		l.failed[i] = nil
	}
	return first
}

// closed is the nil Links' answer: every link fails with ErrClosed.
func closedLinks(errs []error) error {
	for i := range errs {
		errs[i] = errClosed
	}
	return errClosed
}

// Observe gives samples[i] to predictors[i]. errs (len(predictors), may be nil) receives each
// link's error: nil when observed, ErrClosed for a nil or closed predictor, ErrInvalidArgument
// for a sample without a time or one the predictor refused. The returned error is the first
// failed link's, nil when every link succeeded.
func (l *Links) Observe(predictors []*Predictor, samples []Sample, errs []error) error {
	n := len(predictors)
	if len(samples) != n || (errs != nil && len(errs) != n) {
		return invalid(fmt.Sprintf("Links.Observe: %d predictors, %d samples, %d errors", n, len(samples), len(errs)))
	}
	if l == nil {
		return closedLinks(errs)
	}
	l.size(n)
	for i, p := range predictors {
		var err error
		if l.samples[i], err = samples[i].c(); err != nil {
			l.handles[i], l.failed[i] = nil, invalid(fmt.Sprintf("Links.Observe: samples[%d]: %v", i, err))
			l.statuses[i] = C.PBA_ERR_INVALID_ARGUMENT
			continue
		}
		l.acquire(i, p)
	}
	var hp **C.pba_predictor
	var sp *C.pba_sample
	var st *C.pba_status
	if n > 0 {
		hp, sp, st = &l.handles[0], &l.samples[0], &l.statuses[0]
	}
	err := call(func() C.pba_status { return C.pba_observe_links(hp, sp, C.size_t(n), st) })
	runtime.KeepAlive(l)
	l.release(predictors)
	return l.finish("Links.Observe", err, errs)
}

// Predict forecasts predictors[i] into forecasts[i] (both of the same length); a failed link's
// forecast is the zero Forecast. errs as in Observe, with ErrNotReady for a link without an
// accepted sample.
func (l *Links) Predict(predictors []*Predictor, forecasts []Forecast, errs []error) error {
	n := len(predictors)
	if len(forecasts) != n || (errs != nil && len(errs) != n) {
		return invalid(fmt.Sprintf("Links.Predict: %d predictors, %d forecasts, %d errors", n, len(forecasts), len(errs)))
	}
	if l == nil {
		for i := range forecasts {
			forecasts[i] = Forecast{}
		}
		return closedLinks(errs)
	}
	l.size(n)
	for i, p := range predictors {
		l.forecasts[i].struct_size = C.sizeof_pba_forecast
		l.acquire(i, p)
	}
	var hp **C.pba_predictor
	var fp *C.pba_forecast
	var st *C.pba_status
	if n > 0 {
		hp, fp, st = &l.handles[0], &l.forecasts[0], &l.statuses[0]
	}
	err := call(func() C.pba_status { return C.pba_predict_links(hp, C.size_t(n), fp, st) })
	runtime.KeepAlive(l)
	for i := range forecasts {
		if l.failed[i] == nil && l.statuses[i] == C.PBA_OK {
			predictors[i].fill(&forecasts[i], &l.forecasts[i])
		} else {
			forecasts[i] = Forecast{}
		}
	}
	l.release(predictors)
	return l.finish("Links.Predict", err, errs)
}
