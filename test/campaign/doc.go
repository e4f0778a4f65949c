// Package campaign runs several supervised training runs on a real Slurm
// cluster through a random but seeded schedule of faults, and checks the
// daemon's promises after every step:
//
//   - at most one live job per run (squeue, and at the end sacct's
//     lifetimes);
//   - no job resumed from a step that was not complete (the simulated
//     trainer fails loudly when it loads a torn checkpoint);
//   - no run restarted from scratch once it had a complete checkpoint;
//   - every decision in the journal: each job Slurm knows carries the tag
//     of an intent the journal holds, and each ends up recorded there as
//     submitted or adopted;
//   - runs that can reach their targets reach them once the faults stop.
//
// The faults: nanosupervisord killed with SIGKILL (at a random instant, or
// the moment it has journaled an intent to submit); slurmdbd and slurmctld
// stopped and restarted; an sbatch that creates the job and then hangs past
// the daemon's command timeout, or reports an error although it created
// the job (a wrapper in slurm.bin_dir, armed through files); the simulated
// trainer killed in the middle of a checkpoint save (a torn save); config
// edits, good and bad; the state directory's file system filled up (a small
// tmpfs, when the test runs as root); the checkpoint directory moved away
// and back (off unless NSV_CAMPAIGN_DIR_AWAY=1); a training node whose
// clock runs ahead, stamping a checkpoint ten minutes in the future before
// its job dies. The daemon's own clock is not stepped: the daemon reads the
// host's clock and has no offset knob, and stepping the host clock would
// disturb everything else on the machine (the table says so).
//
// Stopping a Slurm daemon disturbs every other user of the cluster, so it
// happens only while no suite that cannot stand it holds the cluster (see
// test/internal/slurmlab), no other outage is under way and no job but the
// campaign's is queued; otherwise that fault is deferred and counted as
// such. The daemon is started again from its own command line and
// environment, whatever started it. The campaign's jobs are niced, so that
// they give way to other tests' jobs.
//
// Three runs are in the config at a time, each a minute of training when
// undisturbed; a run that is done is replaced by a new one (a good config
// edit, as a user starting the next model makes), so a long campaign keeps
// training. After the fault phase the faults stop, and a last life of the
// daemon (with --exit-when-done) must take every run to its targets within
// three minutes, more while a run's job is live (queued behind other users'
// jobs, or running late), twelve at the most. Then the final checks compare the journal with
// everything Slurm ran.
//
// Knobs: NSV_CAMPAIGN_SEED (default: from the clock; printed),
// NSV_CAMPAIGN_DURATION (how long faults are injected; default 90s),
// NSV_CAMPAIGN_DIR_AWAY=1, NSV_CAMPAIGN_KINDS=kind,kind (draw only these
// kinds, by the names of the table), NSV_CAMPAIGN_SLURM_FAULTS=0 (never stop
// a Slurm daemon), NSV_CAMPAIGN_KEEP=DIR (keep the runs' directories, the
// daemon's state and its log transcript, events.log, under DIR). The test
// skips when no cluster answers and fails instead when NSV_REQUIRE_SLURM=1,
// as test/integration does. A failure message says how to replay the
// schedule from its seed.
//
// Nothing here may import the daemon's packages: the test sees the daemon
// only as its users do, through its command line, its JSON log lines, its
// files and Slurm's own tools.
package campaign
