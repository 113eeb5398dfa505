-- approvald schema, version 2: what analysts denied lately of the same
-- executor, action and target, recorded on the request at submission
-- (JSON object, NULL when nothing).
ALTER TABLE requests ADD COLUMN denied_recently TEXT;
