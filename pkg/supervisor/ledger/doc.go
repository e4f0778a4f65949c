// Package ledger is the durable memory of nanosupervisord: an append-only
// decision journal and an atomically replaced state snapshot, both in one
// state directory.
//
// The state directory usually lives in a home directory on a network
// filesystem shared by several login nodes, so the ledger uses nothing but
// plain files, appends, fsync and rename: no SQLite, no bbolt, no mmap.
//
// Files (all mode 0600, the directory 0700 when the ledger creates it):
//
//   - journal.jsonl: one JSON Record per line, appended with O_APPEND and
//     fsynced before Append returns. A crash can leave a torn last line;
//     Open ends it with a newline so it stays a separate line, and
//     ReadJournal reports it (and any other unreadable line) as a Problem
//     with its line number instead of failing or skipping it silently.
//   - journal.1.jsonl: the previous journal. When journal.jsonl has grown by
//     more than DefaultMaxJournalBytes, the next Append first rotates it
//     here, replacing the older one. The fresh journal.jsonl starts with
//     one EventStateCarried record per run holding that run's newest State,
//     so journal.jsonl alone always holds every run's newest state and
//     LastStates never depends on a file that a later rotation deletes.
//   - state.json: the snapshot written by SaveState with temp file, fsync,
//     rename and directory fsync, so a reader sees the old or the new
//     snapshot, never a mixture, even after a crash at any instant.
//
// The journal is the truth when the two disagree: the snapshot is a fast
// path, and LastStates rebuilds every run's state from the journal when
// state.json is missing or corrupt; LastGoodStates does so falling back,
// per run, past states the caller cannot decode.
//
// This package must never log, never drop an unreadable journal line
// without reporting it, never rewrite or truncate journal lines already
// written, and never leave a half-written state.json in place.
package ledger
