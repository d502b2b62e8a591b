package backchannel

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Delivery concurrency.
//
// Back-Channel Logout 1.0 section 2.5 has the OP POST a logout token to
// each relying party's own backchannel_logout_uri, server to server: every
// relying party is told separately, and nothing in the protocol ties one's
// delivery to another's. The worker keeps it that way, so that a relying
// party whose endpoint hangs (each attempt then lasts the whole Timeout)
// delays no other:
//
//   - Slots, not rounds. A node keeps up to Config.Batch attempts in flight
//     and claims more the moment one ends; it never waits for a whole batch
//     to finish before claiming again.
//   - A cap per client. A claim skips the clients this node is already
//     sending to and takes at most Config.PerClient notices of any other
//     (Store.ClaimLogoutNotices), so a node never has more than PerClient
//     attempts in flight to one client: a relying party that hangs holds
//     at most PerClient slots, and the rest keep serving the others. Its
//     next notices are claimed once all of its attempts have ended.
//
// Every claimed notice is attempted at once, so a claim's lease only has
// to outlast one attempt (leaseFor). Nothing claimed ever waits on a node:
// a stop, or a crash, holds back only the notices whose attempts had
// begun.

// leaseSlack is added to a lease, for the write that records an attempt's
// outcome after its request.
const leaseSlack = 10 * time.Second

// leaseFor is how long a claim holds its notices: an attempt reads the
// client and sends its request, each bounded by timeout, then records the
// outcome (leaseSlack). Another node may claim a notice again after that.
func leaseFor(timeout time.Duration) time.Duration { return 2*timeout + leaseSlack }

// dispatcher runs one worker's attempts within the two limits. Only the
// goroutine that calls its methods (Run's, or DeliverDue's) touches its
// fields; attempts report their end on done.
type dispatcher struct {
	n *Notifier
	// actx is the attempts' context: not cancelled with the worker's, so
	// that an attempt already begun finishes (each bounded by Timeout).
	actx context.Context
	// done receives the client id of each attempt that ended. It buffers
	// one per slot, so that no attempt waits to report.
	done chan string
	// inFlight counts the attempts begun and not ended, at most Batch;
	// perClient counts them by client (no entry for none).
	inFlight  int
	perClient map[string]int
}

func (n *Notifier) newDispatcher(ctx context.Context) *dispatcher {
	return &dispatcher{
		n:         n,
		actx:      context.WithoutCancel(ctx),
		done:      make(chan string, n.cfg.Batch),
		perClient: map[string]int{},
	}
}

// claim leases up to limit due notices, none of a client this node is
// sending to and at most PerClient of any other, and starts an attempt at
// each. It returns how many it claimed.
func (d *dispatcher) claim(ctx context.Context, limit int) (int, error) {
	now := d.n.cfg.Now()
	busy := slices.Collect(maps.Keys(d.perClient))
	notices, err := d.n.cfg.Store.ClaimLogoutNotices(ctx, randomID(), now, now.Add(leaseFor(d.n.cfg.Timeout)),
		limit, d.n.cfg.PerClient, busy)
	if err != nil {
		return 0, err
	}
	for _, notice := range notices {
		d.inFlight++
		d.perClient[notice.ClientID]++
		go func() {
			d.n.attempt(d.actx, notice)
			d.done <- notice.ClientID
		}()
	}
	return len(notices), nil
}

// finished records the end of an attempt to client.
func (d *dispatcher) finished(client string) {
	d.inFlight--
	if d.perClient[client]--; d.perClient[client] <= 0 {
		delete(d.perClient, client)
	}
}

// collect records the ends of the attempts that have already reported, so
// that one claim refills all their slots.
func (d *dispatcher) collect() {
	for {
		select {
		case client := <-d.done:
			d.finished(client)
		default:
			return
		}
	}
}

// wait waits for every attempt in flight to end.
func (d *dispatcher) wait() {
	for d.inFlight > 0 {
		d.finished(<-d.done)
	}
}
