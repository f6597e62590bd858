"""Live mode: send sampled tasks of a scenario's workload to real endpoints and record what
each call cost, how long it took and how it failed - as the simulator's ``CallRecord``.

    config     the probe YAML (endpoints, sample, prompts, spend cap)   -> ProbeConfig
    prompts    prompt templates and reference checks per task type      -> PromptSet
    sampler    the deterministic list of jobs (sampled task x model)    -> Job
    spend      the spend guard: reservations that never cross the cap   -> SpendGuard
    ledger     the write-ahead journal of reservations (survives kills)  -> SpendLedger
    api        request bodies and response / SSE parsing per API family
    attempt    one HTTP attempt, timed and classified into an outcome
    session    guarded, journaled attempts of each job, retries, records -> ProbeSession
    runner     the run: resume, workers per endpoint, signals           -> run_probe
    store      the run folder: JSONL records, outputs, resume, Parquet  -> RunStore
    ab         blind A/B verdicts (judge or reference checks), win rate
    calibrate  records -> catalog overlay (latency, error rate, quality)

Keys are read from the environment variables a config names, at request time; they never
appear in records, reports, errors or ``--json`` output.
"""
