// Package lease keeps a single nanosupervisord running per state
// directory, also across login nodes that share a network home directory.
//
// Two mechanisms, because neither is enough alone on cluster filesystems:
//
//  1. flock(LOCK_EX|LOCK_NB) on dir/lock, held for the life of the Lease.
//     The kernel drops it when the process dies, however it dies, and
//     Linux NFS clients map it to a server-side lock, so it usually holds
//     across hosts. Where the filesystem has no locks (ENOLCK, ENOTSUP) the
//     lease file alone decides. The lock file is never removed: a process
//     that opened it just before a removal would lock a file nobody else
//     sees.
//  2. dir/lease.json names the holder (host, pid, start, heartbeat,
//     version). It is created with link(2) from a fully written temp file,
//     which is atomic create-if-absent on local filesystems and NFS alike,
//     and rewritten by Renew with rename(2). A lease is stale when its
//     heartbeat is older than the TTL, or when its holder is on this host
//     and its pid is not running; a stale lease is renamed to
//     lease.json.stale and the link is retried once.
//
// Staleness by heartbeat compares the holder's clock with ours, so hosts
// must keep their clocks within a small fraction of the TTL (NTP does).
// Taking over a stale lease renames it to a name private to the taker and
// checks it is the very lease judged stale before linking its own, putting
// it back otherwise; two takers therefore cannot both win from one stale
// lease. What remains is a lease holder frozen for longer than the TTL
// (SIGSTOP, a hung NFS mount): it may be taken over while it still
// believes it holds the lease. Its next Renew reports ErrLost, and the
// caller must stop acting on it; Lease.Expires tells how long it may act
// without a successful Renew, and Lease.HoldUntil, called before each act,
// renews when needed and refuses when the lease cannot be proven for as
// long as the act may take.
//
// This package must never log, never remove a lease it does not hold
// (except a stale one, which it keeps as lease.json.stale for inspection),
// never remove the lock file, and never block: every lock attempt is
// non-blocking.
package lease
