package mda

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/logs"
	"mailq/queue"
)

// benchMessage is a typical small message: about 2 KB.
var benchMessage = "From: a@far.example\r\nTo: alice@test.example\r\nSubject: benchmark\r\n\r\n" +
	strings.Repeat("The quick brown fox jumps over the lazy dog.\r\n", 45)

// BenchmarkFile measures throughput: sets filed per second from a queue
// filled beforehand, with one local recipient, or a mixed message (two
// mailboxes and an external recipient), by 1, 4 and 16 workers.
//
//	go test -run '^$' -bench BenchmarkFile ./mda/
func BenchmarkFile(b *testing.B) {
	for _, rcpts := range [][]string{
		{"alice@test.example"},
		{"alice@test.example", "bob@test.example", "x@far.example"},
	} {
		for _, workers := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("rcpts=%d/workers=%d", len(rcpts), workers), func(b *testing.B) {
				tb := newTestbed(b)
				for range b.N {
					tb.commit("a@far.example", rcpts, benchMessage)
				}
				done := make(chan struct{})
				var mu sync.Mutex
				left := b.N
				a := tb.agent(func(o *Options) { o.Workers = workers; o.Log = logs.Discard() })
				a.filed = func(queue.ID, error) {
					mu.Lock()
					if left--; left == 0 {
						close(done)
					}
					mu.Unlock()
				}
				ctx, cancel := context.WithCancel(context.Background())
				b.ResetTimer()
				go a.Run(ctx)
				<-done
				b.StopTimer()
				cancel()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sets/s")
			})
		}
	}
}

// BenchmarkLatency measures the time from the commit of a message (when
// the SMTP server answers 250) to its copy being in the mailbox (renamed
// and the folder synced), with the in-process wake-up, at a steady offered
// load. It reports the median and the 99th percentile.
//
//	go test -run '^$' -bench BenchmarkLatency -benchtime 1000x ./mda/
func BenchmarkLatency(b *testing.B) {
	for _, rate := range []int{100, 500} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			tb := newTestbed(b)
			wake := make(chan struct{}, 1)
			var mu sync.Mutex
			committed := map[queue.ID]time.Time{}
			delivered := map[queue.ID]time.Time{}
			all := make(chan struct{})
			a := tb.agent(func(o *Options) { o.Wake, o.Log = wake, logs.Discard() })
			a.step = func(name string, id queue.ID) {
				if name != "deliver" {
					return
				}
				now := time.Now()
				mu.Lock()
				delivered[id] = now
				if len(delivered) == b.N {
					close(all)
				}
				mu.Unlock()
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go a.Run(ctx)
			b.ResetTimer()
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			// Each message is committed by its own goroutine, as by its own
			// SMTP session, so the offered load does not wait for the disk.
			var sessions sync.WaitGroup
			for range b.N {
				<-tick.C
				sessions.Go(func() {
					d, err := tb.tree.NewDraft(queue.Incoming)
					if err != nil {
						b.Error(err)
						return
					}
					d.Write([]byte(benchMessage))
					if err := d.Commit(&queue.Envelope{From: "a@far.example",
						Recipients: []queue.Recipient{{Addr: "alice@test.example"}}}); err != nil {
						b.Error(err)
						return
					}
					now := time.Now() // the 250 would go out now
					mu.Lock()
					committed[d.ID()] = now
					mu.Unlock()
					select { // what the SMTP server's notifier does
					case wake <- struct{}{}:
					default:
					}
				})
			}
			sessions.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "offered/s")
			<-all
			b.StopTimer()
			mu.Lock()
			var lat []time.Duration
			for id, t1 := range delivered {
				lat = append(lat, max(0, t1.Sub(committed[id])))
			}
			mu.Unlock()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		})
	}
}
