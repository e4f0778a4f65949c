package quota

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestQuery(t *testing.T) {
	got, err := Query(context.Background(), []string{"sh", "-c", "echo '2 GiB available'"}, 5*time.Second)
	if err != nil || got != (Left{Bytes: 2 << 30, Limited: true}) {
		t.Errorf("got %+v, %v; want 2 GiB", got, err)
	}
}

func TestQueryErrorsNameTheCommand(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"sh", "-c", "echo garbage"}, `quota command "sh -c echo garbage": no lfs quota table`},
		{[]string{"sh", "-c", "echo 'lfs: no such user' >&2; exit 2"}, `quota command "sh -c echo 'lfs: no such user' >&2; exit 2": exit status 2: lfs: no such user`},
		{[]string{"sh", "-c", "sleep 5"}, `quota command "sh -c sleep 5": no answer within 200ms`},
		{[]string{"/nonexistent/uquota"}, `quota command "/nonexistent/uquota": fork/exec /nonexistent/uquota: no such file or directory`},
		{nil, "quota command is empty"},
	}
	for _, tt := range tests {
		start := time.Now()
		_, err := Query(context.Background(), tt.argv, 200*time.Millisecond)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Query(%q) error = %v; want it to start with %q", tt.argv, err, tt.want)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Query(%q) took %v; the time limit is 200ms", tt.argv, d)
		}
	}
}
