-- approvald schema: the policy each request was decided under, and the
-- circuit breaker's state of each executor.
-- policy_sha256: SHA-256 (hex) of the configuration file the daemon had
-- loaded when the request was submitted; NULL for older requests.
ALTER TABLE requests ADD COLUMN policy_sha256 TEXT;
-- suspended_at: when limits.suspend_after suspended the executor, NULL
-- while it may submit; resumed_at: when an operator last lifted that, so
-- that denials from before the resume do not count again.
ALTER TABLE executors ADD COLUMN suspended_at INTEGER;
ALTER TABLE executors ADD COLUMN resumed_at INTEGER;
-- Serves an executor's list of its own requests, newest first (ids are
-- time-ordered, and the key of a WITHOUT ROWID table ends every index).
CREATE INDEX requests_executor ON requests (executor);
-- Serves the breaker's count of an executor's recent denials.
CREATE INDEX requests_denied_executor ON requests (executor, decided_at)
    WHERE state = 'denied';
