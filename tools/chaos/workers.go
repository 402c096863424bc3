package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// workerPool runs the real workers binary in a fixed number of slots (one
// process each, every role). A slot whose process is killed by the chaos is
// restarted at once; one that exits by itself (it cannot dial Temporal while
// the dev server is down, say) is restarted after a second.
type workerPool struct {
	bin    string
	env    []string
	logDir string

	mu        sync.Mutex
	slots     []*proc
	killing   []bool
	stopping  bool
	starts    int // processes started, the first ones included
	selfExits int // exits nobody asked for
	wg        sync.WaitGroup
	startErr  error
}

func newWorkerPool(bin string, env []string, logDir string, n int) *workerPool {
	return &workerPool{bin: bin, env: env, logDir: logDir, slots: make([]*proc, n), killing: make([]bool, n)}
}

func (w *workerPool) spawn(slot int) (*proc, error) {
	logs, err := os.OpenFile(filepath.Join(w.logDir, fmt.Sprintf("worker-%d.log", slot+1)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	cmd := exec.Command(w.bin, "--queues", "all")
	cmd.Env = w.env
	cmd.Stdout, cmd.Stderr = logs, logs
	return startProc(cmd)
}

// start runs every slot and supervises it until stop.
func (w *workerPool) start() error {
	for i := range w.slots {
		p, err := w.spawn(i)
		if err != nil {
			w.stop(time.Second)
			return fmt.Errorf("start worker %d: %w", i+1, err)
		}
		w.mu.Lock()
		w.slots[i] = p
		w.starts++
		w.mu.Unlock()
		w.wg.Add(1)
		go w.supervise(i, p)
	}
	return nil
}

func (w *workerPool) supervise(slot int, p *proc) {
	defer w.wg.Done()
	for {
		<-p.done
		w.mu.Lock()
		if w.stopping {
			w.mu.Unlock()
			return
		}
		killed := w.killing[slot]
		w.killing[slot] = false
		if !killed {
			w.selfExits++
		}
		w.mu.Unlock()
		if !killed {
			time.Sleep(time.Second)
		}
		for {
			w.mu.Lock()
			stopping := w.stopping
			w.mu.Unlock()
			if stopping {
				return
			}
			np, err := w.spawn(slot)
			if err == nil {
				p = np
				break
			}
			w.mu.Lock()
			w.startErr = err
			w.mu.Unlock()
			time.Sleep(time.Second)
		}
		w.mu.Lock()
		w.slots[slot] = p
		w.starts++
		stopping := w.stopping
		w.mu.Unlock()
		if stopping { // stop raced with the restart
			p.stop(10 * time.Second)
			return
		}
	}
}

// kill SIGKILLs the slot's current process (by its pid) and returns that
// pid (0 when no process was running); the supervisor starts a new one at
// once.
func (w *workerPool) kill(slot int) int {
	w.mu.Lock()
	p := w.slots[slot]
	if p == nil || p.exited() || w.stopping {
		w.mu.Unlock()
		return 0 // between a self-exit and its restart: nothing to kill
	}
	w.killing[slot] = true
	w.mu.Unlock()
	pid := p.pid()
	p.kill()
	return pid
}

// stop ends every slot: SIGTERM (the workers stop gracefully), SIGKILL after grace.
func (w *workerPool) stop(grace time.Duration) {
	w.mu.Lock()
	w.stopping = true
	procs := append([]*proc(nil), w.slots...)
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		if p == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(grace) }()
	}
	wg.Wait()
	w.wg.Wait()
}

func (w *workerPool) counts() (starts, selfExits int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.starts, w.selfExits
}
