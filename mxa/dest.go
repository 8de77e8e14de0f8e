package mxa

import "sync"

// destLimit counts the deliveries in progress per destination (a plan's
// key: a domain's mail servers, or one configured host), so that one
// destination never holds more than max workers. Without it, a server
// that accepts connections and then answers slowly or not at all (a
// tarpit) holds every worker that reaches it until the time-outs end,
// up to the session cap, while all other mail waits; the host cache
// (hosts.go) helps only once a session has failed.
//
// A job that finds its destination full does not wait, which would hold
// its worker just the same: it leaves those recipients untouched and tells
// the scheduler, which parks the set until a delivery to that destination
// ends (sched.park). Shared by the workers.
type destLimit struct {
	max int // 0: no limit

	mu   sync.Mutex
	busy map[string]int
}

func newDestLimit(max int) *destLimit {
	return &destLimit{max: max, busy: map[string]int{}}
}

// acquire takes a delivery slot of destination key, if one is free.
func (d *destLimit) acquire(key string) bool {
	if d.max <= 0 {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[key] >= d.max {
		return false
	}
	d.busy[key]++
	return true
}

// release gives back a slot taken by acquire.
func (d *destLimit) release(key string) {
	if d.max <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[key]--; d.busy[key] <= 0 {
		delete(d.busy, key)
	}
}

// free returns how many slots of destination key are free now.
func (d *destLimit) free(key string) int {
	if d.max <= 0 {
		return 1
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.max - d.busy[key]
}
