// Package ckpt finds nanochat checkpoints in a directory, judges whether
// each step is complete, and plans which steps a retention policy keeps.
//
// nanochat writes a step as model_S.pt, meta_S.json and one
// optim_S_rank{r}.pt per rank, under their final names, with no temporary
// file, rename or "done" marker, so a job killed mid-save leaves files
// that look finished by name but are cut short. A step is complete only
// when every file is present for the run's rank count, each .pt file is a
// structurally complete zip archive (CheckZip), the meta file parses
// (ParseMeta) and names the same step, and nothing has been modified
// within the settle time. Every verdict carries a reason that names the
// file.
//
// Reading goes through fs.FS; checking a file reads its tail, central
// directory and local headers, never its data. A directory is listed
// once; Scan with Options.Newest verifies steps newest first and stops at
// the complete ones it needs; a Cache rescans a directory only when its
// fingerprint changed or its periodic recheck is due. PlanPrune is pure;
// DeleteStep, the one call that deletes, removes a step's model first and
// its meta last.
//
// This package must never delete anything except through DeleteStep,
// never write to a checkpoint directory otherwise, never log, and never
// panic on what it finds on disk.
package ckpt
