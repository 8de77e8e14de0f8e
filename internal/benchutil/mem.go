package benchutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the peak, over a run, of the summed memory of a process and
// all its descendants (Postfix and Dovecot are many processes).
type Memory struct {
	PSS, RSS int64 // bytes
}

// Sampler samples the memory of pid's process tree every interval until
// Stop, keeping the peak of each sum. RSS counts shared pages once per
// process; PSS divides them among the processes that share them, so the
// PSS sum is what the tree really costs.
type Sampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak Memory
}

// Sample starts a Sampler of pid.
func Sample(pid int, interval time.Duration) *Sampler {
	s := &Sampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.once()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *Sampler) once() {
	m := TreeMemory(s.pid)
	s.mu.Lock()
	s.peak.PSS = max(s.peak.PSS, m.PSS)
	s.peak.RSS = max(s.peak.RSS, m.RSS)
	s.mu.Unlock()
}

// Stop ends sampling (after one last sample) and returns the peaks.
func (s *Sampler) Stop() Memory {
	s.once()
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// TreeMemory sums the PSS and RSS (from /proc/PID/smaps_rollup) of pid
// and its descendants now.
func TreeMemory(pid int) Memory {
	var m Memory
	for _, p := range descendants(pid) {
		path := fmt.Sprintf("/proc/%d/smaps_rollup", p)
		m.PSS += procField(path, "Pss:")
		m.RSS += procField(path, "Rss:")
	}
	return m
}

// descendants lists pid and every process below it, from /proc/*/stat.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}
