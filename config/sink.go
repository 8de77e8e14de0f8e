package config

import (
	"fmt"
	"net"
	"strconv"
)

// ModeSink is the sink instance (/SINK): the same SMTP receiver as a
// stand-in for a remote server, like Postfix's smtp-sink. It accepts every
// recipient at every domain, applies the [Chaos] rules (soft and hard
// refusals, delays, hangs, disconnects), and keeps or discards what it
// accepts. It runs no agent and has its own lock file and port.
const ModeSink Mode = 3

// Sink holds the sink instance's keys, in [Config].
type Sink struct {
	// Port is SinkPort: 2525, a port a test can bind without privileges
	// and that no other instance of mailq uses.
	Port int
	// Keep is SinkKeep: commit what the sink accepts into the queue folder
	// as ordinary sets (durably). When false, it is read to the final dot
	// and thrown away, as smtp-sink does.
	Keep bool
}

// checkSink refuses switches that do not go with /SINK.
func (p *argParser) checkSink() error {
	switch {
	case p.sinkArg == "":
		return nil
	case p.popArg != "":
		return &SwitchError{Arg: p.sinkArg, Err: fmt.Errorf("cannot be combined with %s; run one instance at a time", p.popArg)}
	case p.webArg != "":
		return &SwitchError{Arg: p.sinkArg, Err: fmt.Errorf("cannot be combined with %s; run one instance at a time", p.webArg)}
	case p.agentArg != "":
		return &SwitchError{Arg: p.agentArg, Err: fmt.Errorf("the MDA and MXA run in the SMTP instance; start them without /SINK")}
	}
	return nil
}

// sinkSummary is the start-up summary of the sink instance.
func (c *Config) sinkSummary() []string {
	keep := "discarded after the final dot"
	if c.Sink.Keep {
		keep = "kept in " + c.Paths.Queue + " (SinkKeep=True)"
	}
	out := append([]string{
		"Listening on: " + net.JoinHostPort(orStar(c.Server.Bind), strconv.Itoa(c.Sink.Port)) + " (sink: every recipient accepted unless a rule refuses it)",
		"Accepted mail: " + keep,
	}, c.chaosSummary(true)...)
	if c.TLS.Enabled {
		out = append(out, "STARTTLS: offered")
	} else {
		out = append(out, "TLS: off")
	}
	return out
}
