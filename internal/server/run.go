package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Listener is one HTTP server and the listener it serves.
type Listener struct {
	// Name is the listener's name in errors and logs ("public", "admin").
	Name     string
	Server   *http.Server
	Listener net.Listener
}

// Shutdown is how Run stops a node without failing requests. Health and
// Log are required.
type Shutdown struct {
	// Health is drained first, so /health/ready answers 503.
	Health *Health
	// Delay is how long the node keeps serving once unready, so that load
	// balancers notice before the listeners close; 0 closes at once.
	Delay time.Duration
	// Timeout bounds how long requests in flight may take to finish once
	// the listeners close.
	Timeout time.Duration
	// SecondSignal, when true, lets a second SIGINT or SIGTERM during the
	// delay end it early (someone pressing Ctrl-C twice).
	SecondSignal bool
	Log          *slog.Logger
}

// listenerFailure is a listener that stopped serving on its own.
type listenerFailure struct {
	name string
	err  error
}

// Run serves every listener until ctx ends, then shuts down gracefully:
// readiness turns false, the node keeps serving for sd.Delay, then
// http.Server.Shutdown closes the listeners and waits up to sd.Timeout for
// requests in flight. If any listener stops serving on its own, Run shuts
// the others down too and returns that error, so a node never runs half
// its listeners. Run returns nil after a clean shutdown.
func Run(ctx context.Context, listeners []Listener, sd Shutdown) error {
	failed := make(chan listenerFailure, len(listeners))
	for _, l := range listeners {
		go func() {
			// Serve returns only on failure until Shutdown is called.
			failed <- listenerFailure{l.Name, l.Server.Serve(l.Listener)}
		}()
	}
	var first error
	select {
	case <-ctx.Done():
		sd.Health.Drain()
		first = sd.wait(failed)
	case f := <-failed:
		sd.Health.Drain()
		first = fmt.Errorf("%s listener stopped: %w", f.name, f.err)
		sd.Log.Error("a listener stopped; shutting the node down", "listener", f.name, "err", f.err)
	}

	sctx, cancel := context.WithTimeout(context.Background(), sd.Timeout)
	defer cancel()
	done := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() {
			if err := l.Server.Shutdown(sctx); err != nil {
				done <- fmt.Errorf("%s listener: requests in flight did not finish within %s: %w", l.Name, sd.Timeout, err)
				return
			}
			done <- nil
		}()
	}
	errs := []error{first}
	for range listeners {
		errs = append(errs, <-done)
	}
	return errors.Join(errs...)
}

// wait keeps the node serving, unready, for sd.Delay. A listener failing
// ends the wait with its error; a second signal, when sd.SecondSignal is
// set, ends it without one.
func (sd Shutdown) wait(failed <-chan listenerFailure) error {
	if sd.Delay <= 0 {
		sd.Log.Info("shutting down")
		return nil
	}
	var again chan os.Signal
	if sd.SecondSignal {
		// Registered only now, so the signal that began the shutdown is
		// not counted.
		again = make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(again)
	}
	msg := "shutting down: not ready, still serving until load balancers notice"
	if sd.SecondSignal {
		msg += " (signal again to stop now)"
	}
	sd.Log.Info(msg, "delay", sd.Delay)
	t := time.NewTimer(sd.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-again:
		sd.Log.Info("second signal: closing the listeners now")
		return nil
	case f := <-failed:
		sd.Log.Error("a listener stopped while draining", "listener", f.name, "err", f.err)
		return fmt.Errorf("%s listener stopped: %w", f.name, f.err)
	}
}

// Address is where one listener is to listen, and the setting that named
// it, for the error when it cannot.
type Address struct {
	// Name is the listener's name ("public", "admin").
	Name string
	// Setting is the flag that gave Addr ("--public-addr").
	Setting string
	Addr    string
}

// Listen opens a TCP listener on each address, all or none: if one cannot
// listen (the port is taken, the address is not this host's, no
// permission), those already open are closed and the error names the
// listener, the setting and the address, so that a node never starts with
// half its listeners and the operator sees which address to fix.
func Listen(addrs []Address) ([]net.Listener, error) {
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a.Addr)
		if err != nil {
			for _, open := range lns {
				open.Close()
			}
			return nil, fmt.Errorf("the %s listener cannot start on %s %s: %w", a.Name, a.Setting, a.Addr, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
