-- approvald schema, version 4: nothing reads requests by (target,
-- created_at) since the deny-memory lookup has requests_denied (version 3);
-- the index only cost every submission one more page to write and sync.
DROP INDEX requests_target;
