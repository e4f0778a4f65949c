package config

import (
	"cmp"
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

var (
	storageKeys = []string{"quota_command", "quota_timeout"}
	notifyKeys  = []string{"webhook", "command", "events", "timeout"}
)

// section decodes the mapping under key, whose keys must be among known; ok
// is false when it is absent or not a mapping.
func (f fields) section(key string, known []string) (fields, bool) {
	if f.get(key) == nil {
		return fields{}, false
	}
	return f.p.mapping(f.get(key), f.known[key].key, join(f.path, key), known, nil)
}

// stateDir returns state_dir, or the XDG default. XDG_STATE_HOME is honoured
// only when absolute, as the XDG base directory specification requires.
func (p *parser) stateDir(f fields) string {
	p.stateDirNode = f.get("state_dir")
	if dir := p.expandedPath(f, "state_dir", p.baseDir); dir != "" || p.stateDirNode != nil {
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

// storage decodes the storage section. quota_command is either a list
// (program and arguments; ~ and $VARS expand in every item when the file
// is loaded) or one string for /bin/sh -c (the shell expands it each time).
func (p *parser) storage(top fields, s *Storage) {
	f, ok := top.section("storage", storageKeys)
	if !ok {
		return
	}
	const key = "storage.quota_command"
	switch v := f.get("quota_command"); {
	case v != nil && v.Kind == yaml.ScalarNode:
		if field(f, "quota_command", &s.QuotaShell, p.str) != nil && strings.TrimSpace(s.QuotaShell) == "" {
			p.errorf(v, key, `is empty; leave it out to use the filesystem's free space only`)
		}
	case field(f, "quota_command", &s.QuotaCommand, p.strList) == nil:
	case len(s.QuotaCommand) == 0 || s.QuotaCommand[0] == "":
		p.errorf(v, key, "expected a program and its arguments, e.g. [lfs, quota, -u, $USER, {dir}]")
	default:
		for i, a := range s.QuotaCommand {
			expand := expandVars
			if i == 0 {
				expand = expandPath
			}
			x, err := expand(a, p.getenv)
			if err != nil {
				p.errorf(v.Content[i], fmt.Sprintf("%s[%d]", key, i), "%v", err)
				break
			}
			s.QuotaCommand[i] = x
		}
	}
	atLeast(f, "quota_timeout", &s.QuotaTimeout, minTimeout, p.duration)
}

// prune decodes the retention policy under prune in f. base, when not nil,
// supplies the values of keys left out (a run's prune refines the global
// one). An explicit `schedule: ""` switches scheduled pruning off.
func (p *parser) prune(f fields, base *Prune) *Prune {
	if f.get("prune") == nil {
		return nil
	}
	out := *cmp.Or(base, &Prune{KeepLast: DefaultKeepLast})
	if f, ok := f.section("prune", []string{"schedule", "keep_last", "keep_every"}); ok {
		if v := field(f, "schedule", &out.Schedule, p.str); v != nil {
			if err := checkCron(out.Schedule); err != nil {
				p.errorf(v, join(f.path, "schedule"), "%v", err)
			}
		}
		atLeast(f, "keep_last", &out.KeepLast, 1, p.integer)
		atLeast(f, "keep_every", &out.KeepEvery, 0, p.integer)
	}
	return &out
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

func (p *parser) notify(top fields) *Notify {
	if top.get("notify") == nil {
		return nil
	}
	out := &Notify{WebhookFormat: WebhookJSON, Events: slices.Clone(DefaultNotifyEvents), Timeout: DefaultNotifyTimeout}
	f, ok := top.section("notify", notifyKeys)
	if !ok {
		return out
	}
	out.Webhook, out.WebhookFormat = p.webhook(f)
	if v := field(f, "command", &out.Command, p.strList); v != nil {
		if len(out.Command) == 0 || out.Command[0] == "" {
			p.errorf(v, "notify.command", "expected a program and its arguments, e.g. [notify-send, nanosupervisord]")
		} else if prog, err := expandPath(out.Command[0], p.getenv); err != nil {
			p.errorf(v, "notify.command[0]", "%v", err)
		} else {
			out.Command[0] = prog
		}
	}
	if v := field(f, "events", &out.Events, p.strList); v != nil {
		p.events(v, out.Events)
	}
	atLeast(f, "timeout", &out.Timeout, minTimeout, p.duration)
	if f.get("webhook") == nil && f.get("command") == nil {
		p.errorf(f.where("webhook"), "notify", "needs a webhook, a command or both")
	}
	return out
}

// webhook reads notify.webhook: a URL, or a mapping with url and format.
// $VARS expand so a secret URL can stay in the environment instead of the
// file.
func (p *parser) webhook(f fields) (string, string) {
	v, key, format := f.get("webhook"), "notify.webhook", WebhookJSON
	if v != nil && v.Kind == yaml.MappingNode {
		w, ok := f.section("webhook", []string{"url", "format"})
		if v, key = w.get("url"), "notify.webhook.url"; ok {
			oneOf(w, "format", &format, WebhookFormats...)
		}
		if ok && v == nil {
			p.errorf(w.where("url"), key, "required: the URL to POST to")
		}
	}
	if v == nil {
		return "", format
	}
	s, ok := p.str(v, key)
	if !ok {
		return "", format
	}
	s, err := expandVars(s, p.getenv)
	if u, uerr := url.Parse(s); err != nil {
		p.errorf(v, key, "%v", err)
	} else if uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.errorf(v, key, "expected an http:// or https:// URL, got %q", s)
	}
	return s, format // the configuration is rejected on any problem
}

func (p *parser) events(v *yaml.Node, events []string) {
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
		p.errorf(v.Content[i], fmt.Sprintf("notify.events[%d]", i), "%s", msg)
	}
}
