package fakeslurm

import (
	"fmt"
	"strings"
)

// optionValue parses the value-taking option at args[i], spelled "-x v",
// "-xv", "--long v" or "--long=v", where spellings maps each spelling to a
// canonical name. It returns the name, the value and the index of the last
// argument used; anything not in spellings is refused, so that an
// invocation the fake does not understand fails loudly.
func optionValue(args []string, i int, spellings map[string]string) (name, value string, next int, err error) {
	a := args[i]
	if strings.HasPrefix(a, "--") {
		if opt, v, ok := strings.Cut(a, "="); ok {
			if name, known := spellings[opt]; known {
				return name, v, i, nil
			}
			return "", "", i, fmt.Errorf("fakeslurm does not support option %q", a)
		}
	} else if len(a) > 2 && a[0] == '-' {
		if name, known := spellings[a[:2]]; known {
			return name, a[2:], i, nil
		}
	}
	name, known := spellings[a]
	if !known {
		return "", "", i, fmt.Errorf("fakeslurm does not support argument %q", a)
	}
	if i+1 >= len(args) {
		return "", "", i, fmt.Errorf("option %q requires an argument", a)
	}
	return name, args[i+1], i + 1, nil
}
