// Package quota reads how many bytes a user may still write, from the
// output of a site's quota command (`lfs quota -u $USER DIR`, or a local
// tool such as `uquota`). Free space from statfs is the whole filesystem's;
// on a cluster the user's quota is usually the tighter bound.
//
// Parse accepts two layouts:
//
//   - Lustre's `lfs quota` table (with or without -h): a "Filesystem" header
//     line naming the columns, then one line per filesystem whose first three
//     numbers are used, soft quota and hard limit. Plain numbers are KiB, as
//     `lfs` prints them; numbers with a suffix (k, M, G, T, P, E) are KiB,
//     MiB, ... A trailing `*` (over quota) and the brackets `lfs` puts round
//     values it could not fully collect are ignored. A filesystem name too
//     long for its column sits on a line of its own, the numbers on the next.
//     The bytes left are the smallest of limit minus used over every limit
//     that is set (the soft quota when set, else the hard limit, for every
//     user, group or project block shown). A limit of 0 means none.
//   - A plain statement: a number, an optional unit, and one of the words
//     available, left, free or remaining, such as "52428800 bytes available"
//     or "1.5 TiB left". Units: B/bytes; KiB, MiB, GiB, TiB, PiB and the bare
//     K, M, G, T, P are powers of 1024; kB, MB, GB, TB, PB are powers of 1000.
//     A number alone on the only line is bytes.
//
// Output in neither layout is an error that says so; Parse never panics on
// any input. Query runs the command with a time limit. This package neither
// logs nor decides anything: the supervisor compares the result with the
// next checkpoint's size.
package quota
