package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

var storageKeys = []string{"quota_command", "quota_timeout"}

// storage decodes the storage section. quota_command is either a list
// (program and arguments; ~ and $VARS expand in every item when the file
// is loaded) or one string for /bin/sh -c (the shell expands it each time).
func (p *parser) storage(top fields) Storage {
	s := Storage{QuotaTimeout: DefaultQuotaTimeout}
	n := top.get("storage")
	if n == nil {
		return s
	}
	f, ok := p.mapping(n, "storage", storageKeys, nil)
	if !ok {
		return s
	}
	if v := f.get("quota_command"); v != nil {
		s.QuotaCommand, s.QuotaShell = p.quotaCommand(v)
	}
	p.durationAtLeast(f, "quota_timeout", &s.QuotaTimeout, minTimeout)
	return s
}

const quotaCommandKey = "storage.quota_command"

func (p *parser) quotaCommand(v *yaml.Node) ([]string, string) {
	if r := resolve(v); r.Kind == yaml.ScalarNode {
		s, ok := p.str(r, quotaCommandKey)
		if !ok {
			return nil, ""
		}
		if strings.TrimSpace(s) == "" {
			p.errorf(v, quotaCommandKey, `is empty; leave it out to use the filesystem's free space only`)
			return nil, ""
		}
		return nil, s
	}
	argv, ok := p.strList(v, quotaCommandKey)
	if !ok {
		return nil, ""
	}
	if len(argv) == 0 || argv[0] == "" {
		p.errorf(v, quotaCommandKey, "expected a program and its arguments, e.g. [lfs, quota, -u, $USER, {dir}]")
		return nil, ""
	}
	for i, a := range argv {
		expand := expandVars
		if i == 0 {
			expand = expandPath
		}
		x, err := expand(a, p.getenv)
		if err != nil {
			p.errorf(resolve(v).Content[i], fmt.Sprintf("%s[%d]", quotaCommandKey, i), "%v", err)
			return nil, ""
		}
		argv[i] = x
	}
	return argv, ""
}
