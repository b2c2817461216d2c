"""The sync: read the household from plex.tv, then bring the local rows in step.

`engine` reads and writes one household (with `observed`, `state` and `invites`), `runs` is
the orchestration around it (the SyncRun row, the lock in `locks`, what failures mean).
Nothing is imported here, so that any of the modules can be imported on its own.
"""
