package main

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// proc is one child process this program started. Signals go to its pid
// only; nothing else is ever signalled.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit, once done is closed
}

// startProc starts cmd; on Linux the child gets SIGKILL should this
// program die without stopping it (Pdeathsig), so no process outlives a run.
func startProc(cmd *exec.Cmd) (*proc, error) {
	setPdeathsig(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the process and waits until it is gone.
func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop sends SIGTERM and, when the process has not exited after grace,
// SIGKILL. It reports whether SIGKILL was needed.
func (p *proc) stop(grace time.Duration) bool {
	if p.exited() {
		return false
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return false
	case <-time.After(grace):
		_ = p.cmd.Process.Signal(os.Kill)
		<-p.done
		return true
	}
}
