// Package ckpt finds nanochat checkpoints in a directory, judges whether
// each step is complete, and plans which steps a retention policy keeps.
//
// nanochat writes a step as model_S.pt, meta_S.json and one
// optim_S_rank{r}.pt per rank, under their final names, with no temporary
// file, rename or "done" marker. A job killed mid-save therefore leaves
// files that look finished by name but are cut short. A step is complete
// only when every file is present for the run's rank count, each .pt file
// is a structurally complete zip archive (CheckZip), the meta file parses
// (ParseMeta, which accepts Python's bare Infinity and NaN) and names the
// same step, and nothing has been modified within the settle time. Every
// verdict carries a reason that names the file.
//
// Reading goes through fs.FS so tests can use fstest.MapFS; checking a
// file reads its tail, central directory and local headers, never its
// data, so the cost does not grow with checkpoint size. Scan with Options.Newest
// verifies steps newest first and stops at the complete ones it needs. A
// directory is listed once, with one ReadDir, and only names that are
// exactly nanochat's are kept. A Cache rescans a directory only when its
// fingerprint (mtime, names, the verified files' sizes and mtimes) changed
// or its periodic recheck is due.
//
// PlanPrune is pure: it turns a Report and a RetentionPolicy into a plan.
// Deleting is a separate, explicit call, DeleteStep, which removes a
// step's model first and its meta last.
//
// This package must never delete anything except through DeleteStep,
// never write to a checkpoint directory otherwise, never log, and never
// panic on what it finds on disk.
package ckpt
