package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadTree writes a config into a fresh directory holding a script, a
// workdir and a checkpoint directory, and returns the directory.
func loadTree(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"nanochat/runs", "ckpt/d20"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "nanochat/runs/train.sh"), []byte("#!/bin/bash\necho \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := loadTree(t, "runs:\n  d20:\n    script: runs/train.sh\n    workdir: nanochat\n    checkpoint_dir: ckpt/d20\n    targets: {val_bpb: 0.8}\n")
	c, err := Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Path", c.Path, filepath.Join(dir, "config.yaml"))
	r := c.Runs["d20"]
	check(t, "Script", r.Script, filepath.Join(dir, "nanochat/runs/train.sh"))
	check(t, "Workdir", r.Workdir, filepath.Join(dir, "nanochat"))
	check(t, "CheckpointDir", r.CheckpointDir, filepath.Join(dir, "ckpt/d20"))
	checkSlice(t, "Warnings", c.Warnings, nil)
}

// TestLoadScriptWarnings: what the batch script gets wrong for supervision
// is a warning located in the script, after the config file's own.
func TestLoadScriptWarnings(t *testing.T) {
	dir := loadTree(t, "runs:\n  d20:\n    script: runs/train.sh\n    workdir: nanochat\n    checkpoint_dir: ckpt/d20\n    ranks: 2\n    sbatch_args: [--requeue]\n    targets: {val_bpb: 0.8}\n")
	script := "#!/bin/bash\n#SBATCH --gres=gpu:1\npython -m scripts.base_train --depth=20\n"
	if err := os.WriteFile(filepath.Join(dir, "nanochat/runs/train.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sh := filepath.Join(dir, "nanochat/runs/train.sh")
	want := []string{
		filepath.Join(dir, "config.yaml") + ":3:13: runs.d20.sbatch_args: --requeue in sbatch_args: Slurm may restart the job by itself while the daemon resubmits it; leave requeueing to the daemon",
		sh + ":2: runs.d20: ranks is 2 but --gres=gpu:1 means 1: checkpoints get one optimizer shard per GPU, so the daemon would judge them by the wrong count (set ranks: 1 or change the script)",
		sh + ":3: runs.d20: resume_args pass the resume step to the script, but the script never reads its arguments ($1, ${1...}, $@, $*): every resubmission would start training from scratch",
		sh + ":3: runs.d20: the training command has no --save-every: nanochat then saves a checkpoint only at the end, so a job that times out or crashes leaves nothing to resume from",
	}
	checkSlice(t, "Warnings", c.Warnings, want)
}

// TestLoadRelativePath: problems name the file as the user wrote it, while
// Config.Path and every run path are absolute.
func TestLoadRelativePath(t *testing.T) {
	dir := loadTree(t, "runs:\n  d20:\n    script: nanochat/runs/train.sh\n    checkpoint_dir: ckpt/new\n    targets: {val_bpb: 0.8}\n")
	t.Chdir(dir)
	c, err := Load("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Path", c.Path, filepath.Join(dir, "config.yaml"))
	check(t, "Workdir", c.Runs["d20"].Workdir, filepath.Join(dir, "nanochat/runs"))
	want := "config.yaml:4:21: runs.d20.checkpoint_dir: stat " + filepath.Join(dir, "ckpt/new") +
		": no such file or directory (fine for a run that has not written a checkpoint yet)"
	checkSlice(t, "Warnings", c.Warnings, []string{want})
}

func TestLoadFilesystemProblems(t *testing.T) {
	dir := loadTree(t, `runs:
  missing:
    script: nanochat/runs/nope.sh
    checkpoint_dir: ckpt/d20
    targets: {val_bpb: 0.8}
  dir-script:
    script: nanochat/runs
    checkpoint_dir: ckpt/a
    targets: {val_bpb: 0.8}
    job_name: b
  file-workdir:
    script: train.sh
    workdir: nanochat/runs/train.sh
    checkpoint_dir: ckpt/b
    targets: {val_bpb: 0.8}
    job_name: c
  gone-workdir:
    script: /bin/sh
    workdir: elsewhere
    checkpoint_dir: ckpt/c
    targets: {val_bpb: 0.8}
    ranks: 0
`)
	_, err := Load(filepath.Join(dir, "config.yaml"))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load error = %v (%T), want *Error", err, err)
	}
	var got []string
	for _, p := range cerr.Problems {
		got = append(got, strings.ReplaceAll(p.Error(), dir, "DIR"))
	}
	want := []string{
		"DIR/config.yaml:3:13: runs.missing.script: stat DIR/nanochat/runs/nope.sh: no such file or directory",
		"DIR/config.yaml:7:13: runs.dir-script.script: DIR/nanochat/runs is not a regular file",
		"DIR/config.yaml:12:13: runs.file-workdir.script: stat DIR/nanochat/runs/train.sh/train.sh: not a directory",
		"DIR/config.yaml:13:14: runs.file-workdir.workdir: DIR/nanochat/runs/train.sh is not a directory",
		"DIR/config.yaml:19:14: runs.gone-workdir.workdir: stat DIR/elsewhere: no such file or directory",
		"DIR/config.yaml:22:12: runs.gone-workdir.ranks: must be at least 1, got 0",
	}
	checkSlice(t, "problems", got, want)
}

func TestLoadUnreadable(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) error = %v, want one wrapping fs.ErrNotExist", err)
	}
	var cerr *Error
	if errors.As(err, &cerr) {
		t.Errorf("Load(absent) returned *Error %v; an unreadable file is not a config problem", cerr)
	}
}
