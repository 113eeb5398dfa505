-- approvald schema, version 3: serve the deny-memory lookup at submission
-- from the denied requests of one target alone, however many requests
-- that target has had.
CREATE INDEX requests_denied ON requests (target, executor, action, decided_at)
    WHERE state = 'denied';
