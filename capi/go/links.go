package pba

/*
#include <pba.h>
*/
import "C"

import (
	"fmt"
	"runtime"
)

// acquireAll holds every link's predictor open and writes its C handle into handles, until
// releaseAll. It fails (holding nothing) with ErrInvalidArgument when one is nil and ErrClosed
// when one is closed, naming the link.
func acquireAll(op string, links []Link, handles []*C.pba_predictor) error {
	for i, l := range links {
		var err error
		if l.Predictor == nil {
			err = invalid(fmt.Sprintf("%s: links[%d] (%q): the predictor is nil", op, i, l.Name))
		} else if handles[i], err = l.Predictor.h.acquire(); err != nil {
			err = &Error{Code: ErrClosed, Message: fmt.Sprintf("%s: links[%d] (%q): the predictor is closed", op, i, l.Name)}
		}
		if err != nil {
			releaseAll(links[:i])
			return err
		}
	}
	return nil
}

func releaseAll(links []Link) {
	for _, l := range links {
		l.Predictor.h.release()
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
func (l *Links) acquire(op string, i int, p *Predictor) {
	if l.handles[i], l.failed[i] = p.handle().acquire(); l.failed[i] != nil {
		l.failed[i] = &Error{Code: ErrClosed, Message: fmt.Sprintf("%s: link %d: the predictor is nil or closed", op, i)}
	}
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
// returned error, so its message says which link and how many failed. When the first failed
// link failed here, its error gets the same count.
func (l *Links) finish(op string, callErr error, errs []error) error {
	first, failed := -1, 0
	for i, s := range l.statuses {
		if l.failed[i] != nil || s != C.PBA_OK {
			failed++
			if first < 0 {
				first = i
			}
		}
	}
	var firstErr error
	for i, s := range l.statuses {
		err := l.failed[i]
		switch {
		case err != nil && i == first:
			e := err.(*Error)
			err = &Error{Code: e.Code, Message: fmt.Sprintf("%s (%d of %d links failed)", e.Message, failed, len(l.statuses))}
		case err == nil && s != C.PBA_OK && i == first && callErr != nil:
			err = callErr
		case err == nil && s != C.PBA_OK:
			code := ErrorCode(s)
			err = &Error{Code: code, Message: fmt.Sprintf("%s: link %d: %s", op, i, code.text())}
		}
		if i == first {
			firstErr = err
		}
		if errs != nil {
			errs[i] = err
		}
		l.failed[i] = nil
	}
	return firstErr
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
		l.samples[i] = samples[i].c()
		l.acquire("Links.Observe", i, p)
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
		l.acquire("Links.Predict", i, p)
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
