package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

const (
	minPollInterval  = time.Second
	slowPollInterval = 30 * time.Second
	minTimeout       = time.Second
)

// durationAtLeast sets *dst from key when present and at least least. It
// reports whether the key was present and good.
func (p *parser) durationAtLeast(f fields, key string, dst *time.Duration, least time.Duration) bool {
	v := f.get(key)
	if v == nil {
		return false
	}
	d, ok := p.duration(v, join(f.path, key))
	switch {
	case !ok:
		return false
	case d < least && least == time.Nanosecond:
		p.errorf(v, join(f.path, key), "must be positive, got %v", d)
		return false
	case d < least:
		p.errorf(v, join(f.path, key), "must be at least %v, got %v", least, d)
		return false
	}
	*dst = d
	return true
}

// intAtLeast sets *dst from key when present and at least least.
func (p *parser) intAtLeast(f fields, key string, dst *int, least int) {
	v := f.get(key)
	if v == nil {
		return
	}
	i, ok := p.integer(v, join(f.path, key))
	switch {
	case !ok:
	case i < least:
		p.errorf(v, join(f.path, key), "must be at least %d, got %d", least, i)
	default:
		*dst = i
	}
}

// stateDir returns state_dir, or the XDG default. XDG_STATE_HOME is honoured
// only when absolute, as the XDG base directory specification requires.
func (p *parser) stateDir(f fields) string {
	p.stateDirNode = f.get("state_dir")
	if dir, _ := p.expandedPath(f, "state_dir", p.baseDir); dir != "" || f.get("state_dir") != nil {
		return dir
	}
	if x := p.getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "nanosupervisord")
	}
	if home := p.getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "nanosupervisord")
	}
	p.errorf(f.node, "state_dir", "not set, and neither XDG_STATE_HOME nor HOME is set to derive it from")
	return ""
}

func (p *parser) slurm(top fields) Slurm {
	s := Slurm{CommandTimeout: DefaultCommandTimeout}
	n := top.get("slurm")
	if n == nil {
		return s
	}
	f, ok := p.mapping(n, "slurm", []string{"bin_dir", "command_timeout"}, nil)
	if !ok {
		return s
	}
	s.BinDir, _ = p.expandedPath(f, "bin_dir", p.baseDir)
	p.durationAtLeast(f, "command_timeout", &s.CommandTimeout, minTimeout)
	return s
}

// prune decodes a retention policy at path. base, when not nil, supplies the
// values of keys left out (a run's prune refines the global one). An explicit
// `schedule: ""` switches scheduled pruning off.
func (p *parser) prune(n *yaml.Node, path string, base *Prune) *Prune {
	if n == nil {
		return nil
	}
	out := &Prune{KeepLast: DefaultKeepLast}
	if base != nil {
		*out = *base
	}
	f, ok := p.mapping(n, path, []string{"schedule", "keep_last", "keep_every"}, nil)
	if !ok {
		return out
	}
	if v := f.get("schedule"); v != nil {
		if s, ok := p.str(v, join(path, "schedule")); ok {
			if err := checkCron(s); err != nil {
				p.errorf(v, join(path, "schedule"), "%v", err)
			}
			out.Schedule = s
		}
	}
	p.intAtLeast(f, "keep_last", &out.KeepLast, 1)
	p.intAtLeast(f, "keep_every", &out.KeepEvery, 0)
	return out
}

// checkCron validates a schedule with the standard parser of robfig/cron
// (five fields or a descriptor such as @daily), keeping its message.
func checkCron(spec string) error {
	if spec == "" {
		return nil
	}
	// cron v3.0.1 slices out of range on "TZ=Zone" with nothing after it.
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return fmt.Errorf("invalid cron schedule %q: a time zone must be followed by a schedule", spec)
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("invalid cron schedule %q: %w", spec, err)
	}
	return nil
}

var notifyKeys = []string{"webhook", "command", "events", "timeout"}

func (p *parser) notify(top fields) *Notify {
	n := top.get("notify")
	if n == nil {
		return nil
	}
	out := &Notify{WebhookFormat: WebhookJSON, Events: slices.Clone(DefaultNotifyEvents), Timeout: DefaultNotifyTimeout}
	f, ok := p.mapping(n, "notify", notifyKeys, nil)
	if !ok {
		return out
	}
	f.owner = top.keys["notify"]
	out.Webhook, out.WebhookFormat = p.webhook(f)
	if v := f.get("command"); v != nil {
		out.Command = p.command(v)
	}
	if v := f.get("events"); v != nil {
		out.Events = p.events(v)
	}
	p.durationAtLeast(f, "timeout", &out.Timeout, minTimeout)
	if f.get("webhook") == nil && f.get("command") == nil {
		p.errorf(f.where("webhook"), "notify", "needs a webhook, a command or both")
	}
	return out
}

// webhook reads notify.webhook: a URL, or a mapping with url and format.
// $VARS expand so a secret URL can stay in the environment instead of the
// file.
func (p *parser) webhook(f fields) (string, string) {
	v := f.get("webhook")
	if v == nil {
		return "", WebhookJSON
	}
	format, key := WebhookJSON, "notify.webhook"
	if resolve(v).Kind == yaml.MappingNode {
		w, ok := p.mapping(v, key, []string{"url", "format"}, nil)
		if !ok {
			return "", format
		}
		w.owner = f.keys["webhook"]
		if fv := w.get("format"); fv != nil {
			if s, ok := p.str(fv, "notify.webhook.format"); ok {
				if !slices.Contains(WebhookFormats, s) {
					p.errorf(fv, "notify.webhook.format", "must be one of %s, got %q", joinWords(WebhookFormats), s)
				}
				format = s
			}
		}
		if v, key = w.get("url"), "notify.webhook.url"; v == nil {
			p.errorf(w.where("url"), key, "required: the URL to POST to")
			return "", format
		}
	}
	s, ok := p.str(v, key)
	if !ok {
		return "", format
	}
	s, err := expandVars(s, p.getenv)
	if err != nil {
		p.errorf(v, key, "%v", err)
		return "", format
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.errorf(v, key, "expected an http:// or https:// URL, got %q", s)
		return "", format
	}
	return s, format
}

// command reads notify.command; the program (first item) may use ~ and $VARS.
func (p *parser) command(v *yaml.Node) []string {
	cmd, ok := p.strList(v, "notify.command")
	if !ok {
		return nil
	}
	if len(cmd) == 0 || cmd[0] == "" {
		p.errorf(v, "notify.command", "expected a program and its arguments, e.g. [notify-send, nanosupervisord]")
		return nil
	}
	prog, err := expandPath(cmd[0], p.getenv)
	if err != nil {
		p.errorf(v, "notify.command[0]", "%v", err)
		return nil
	}
	cmd[0] = prog
	return cmd
}

func (p *parser) events(v *yaml.Node) []string {
	events, ok := p.strList(v, "notify.events")
	if !ok {
		return nil
	}
	if len(events) == 0 {
		p.errorf(v, "notify.events", "is empty, so nothing would be sent; leave it out for the default %s", strings.Join(DefaultNotifyEvents, ", "))
	}
	for i, e := range events {
		if slices.Contains(notifyEvents, e) {
			continue
		}
		msg := fmt.Sprintf("unknown event %q", e)
		if s := closest(e, notifyEvents); s != "" {
			msg += "; did you mean " + s + "?"
		}
		p.errorf(resolve(v).Content[i], fmt.Sprintf("notify.events[%d]", i), "%s", msg)
	}
	return events
}
