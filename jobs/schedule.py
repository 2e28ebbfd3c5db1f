"""What the command line shows of the jobs before running one: the weekly job's name (as its runs are recorded
and `strandbot jobs run` takes it) and how often the scheduler ticks. Apart from the jobs' code, which loads
the services, so `strandbot --help` need not."""

JOB = "weekly-breaches"
TICK_SECONDS = 60
