package pdfa

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// watchInterval is how often the watchdog samples. Memory grows by at most a
// few hundred MB in that time, so the limit holds to that precision.
const watchInterval = 100 * time.Millisecond

// Why a watchdog killed its processes.
const (
	tripNone = iota
	tripMemory
	tripOutput
)

// watchdog samples the resident memory of a process tree (the root, its
// descendants and every member of its process group; PSS, see memoryOf) and
// kills the group when the sum passes a limit. It can also kill when a file grows past a size,
// which bounds Ghostscript's output while it is written.
type watchdog struct {
	root, pgid int
	limit      int64
	file       string
	fileLimit  int64

	mu     sync.Mutex
	peak   int64
	trip   int
	stop   chan struct{}
	done   chan struct{}
	onTrip func()
}

// startWatchdog watches root, which leads the process group pgid. onTrip runs
// once, after the kill, when a limit is passed.
func startWatchdog(root, pgid int, limit int64, file string, fileLimit int64, onTrip func()) *watchdog {
	w := &watchdog{root: root, pgid: pgid, limit: limit, file: file, fileLimit: fileLimit,
		stop: make(chan struct{}), done: make(chan struct{}), onTrip: onTrip}
	go w.run()
	return w
}

func (w *watchdog) run() {
	defer close(w.done)
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		if w.sample() {
			return
		}
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
	}
}

// sample measures once and reports whether the watchdog tripped.
func (w *watchdog) sample() bool {
	procs := scanProcs()
	pids := treeOf(procs, w.root, w.pgid)
	var rss int64
	for _, pid := range pids {
		rss += memoryOf(pid, procs[pid].rss)
	}
	trip := tripNone
	if rss > w.limit {
		trip = tripMemory
	} else if w.file != "" {
		if st, err := os.Stat(w.file); err == nil && st.Size() > w.fileLimit {
			trip = tripOutput
		}
	}
	w.mu.Lock()
	if rss > w.peak {
		w.peak = rss
	}
	w.trip = trip
	w.mu.Unlock()
	if trip == tripNone {
		return false
	}
	killGroup(w.pgid)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if w.onTrip != nil {
		w.onTrip()
	}
	return true
}

// Stop ends the watchdog and returns the peak RSS it saw and why it tripped.
func (w *watchdog) Stop() (peak int64, trip int) {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak, w.trip
}

// tripped reports the trip reason so far without stopping.
func (w *watchdog) tripped() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.trip
}

type procInfo struct {
	state      byte // 'Z' for a zombie, which a kill cannot remove
	ppid, pgrp int
	rss        int64 // bytes
}

var pageSize = int64(os.Getpagesize())

// scanProcs reads /proc/<pid>/stat of every process: parent, process group
// and resident size. Processes that vanish while reading are skipped.
func scanProcs() map[int]procInfo {
	procs := map[int]procInfo{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return procs
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		// f[0] is field 3 (state) of proc(5): ppid is 4, pgrp 5, rss 24.
		if len(f) < 22 {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		pgrp, _ := strconv.Atoi(string(f[2]))
		rss, _ := strconv.ParseInt(string(f[21]), 10, 64)
		procs[pid] = procInfo{state: f[0][0], ppid: ppid, pgrp: pgrp, rss: rss * pageSize}
	}
	return procs
}

// memoryOf returns the proportional set size of pid (PSS: its resident
// pages, each shared page divided by the number of processes that map it),
// so that the sum over a tree counts Chromium's shared binary and fonts
// once. It falls back to rss where smaps_rollup is missing.
func memoryOf(pid int, rss int64) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return rss
	}
	i := bytes.Index(b, []byte("\nPss:"))
	if i < 0 {
		return rss
	}
	f := bytes.Fields(b[i+5:])
	if len(f) < 2 {
		return rss
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return rss
	}
	return kb << 10
}

// treeOf returns root, its descendants and the members of process group pgid.
func treeOf(procs map[int]procInfo, root, pgid int) []int {
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	seen := map[int]bool{}
	var out []int
	var walk func(int)
	walk = func(pid int) {
		if seen[pid] {
			return
		}
		seen[pid] = true
		if _, ok := procs[pid]; ok {
			out = append(out, pid)
		}
		for _, c := range children[pid] {
			walk(c)
		}
	}
	walk(root)
	if safeGroup(pgid) {
		for pid, p := range procs {
			if p.pgrp == pgid {
				walk(pid)
			}
		}
	}
	return out
}

// safeGroup reports whether pgid is a process group this package may kill:
// never init's, ours or an invalid one.
func safeGroup(pgid int) bool {
	return pgid > 1 && pgid != syscall.Getpgrp()
}

func killGroup(pgid int) {
	if safeGroup(pgid) {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// killLeftovers kills what remains of a process tree after its root died: the
// members of the process group and every process whose command line holds
// marker (Chromium passes --user-data-dir to its children, so a child that
// left the group is still found). It looks again until a few passes find
// nothing, because a child can fork while its parent dies.
func killLeftovers(pgid int, marker string) {
	const quietPasses, pause, limit = 3, 10 * time.Millisecond, 2 * time.Second
	self := os.Getpid()
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < quietPasses && time.Now().Before(deadline); time.Sleep(pause) {
		found := 0
		for pid, p := range scanProcs() {
			if pid == self || p.state == 'Z' {
				continue
			}
			hit := safeGroup(pgid) && p.pgrp == pgid
			if !hit && marker != "" {
				if cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil {
					hit = bytes.Contains(cmd, []byte(marker))
				}
			}
			if hit {
				syscall.Kill(pid, syscall.SIGKILL)
				found++
			}
		}
		if found == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}
