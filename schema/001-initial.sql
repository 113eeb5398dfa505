-- approvald schema, version 1. Applied in one transaction by store.c;
-- user_version counts the migrations applied.

CREATE TABLE requests (
	id			TEXT PRIMARY KEY,
	executor		TEXT NOT NULL,
	idempotency_key		TEXT,
	action			TEXT NOT NULL,
	target			TEXT NOT NULL,
	on_behalf_of		TEXT,
	body			BLOB NOT NULL,
	digest			TEXT NOT NULL,
	state			TEXT NOT NULL CHECK (state IN
				    ('pending', 'approved', 'denied',
				     'expired', 'cancelled')),
	rule			TEXT NOT NULL,
	approvals_required	INTEGER NOT NULL CHECK (approvals_required >= 1),
	groups			TEXT NOT NULL,		-- JSON array, [] = any
	created_at		INTEGER NOT NULL,
	expires_at		INTEGER NOT NULL,
	decided_at		INTEGER,
	UNIQUE (executor, idempotency_key)
) WITHOUT ROWID;

-- Serves the expiry timer and the console's snapshot.
CREATE INDEX requests_pending ON requests (expires_at) WHERE state = 'pending';
-- Serves the console's history.
CREATE INDEX requests_decided ON requests (decided_at) WHERE state != 'pending';
-- Serves the console's "earlier decisions on this target".
CREATE INDEX requests_target ON requests (target, created_at);

CREATE TABLE signatures (
	request_id		TEXT NOT NULL REFERENCES requests (id),
	signer			TEXT NOT NULL,
	verdict			TEXT NOT NULL CHECK (verdict IN ('approve', 'deny')),
	signed_at		INTEGER NOT NULL,
	reason			TEXT NOT NULL,
	sig			BLOB NOT NULL,
	seq			INTEGER NOT NULL,
	PRIMARY KEY (request_id, signer)
) WITHOUT ROWID;

CREATE TABLE analysts (
	name			TEXT PRIMARY KEY,
	pubkey			BLOB NOT NULL,
	groups			TEXT NOT NULL,		-- JSON array
	created_at		INTEGER NOT NULL
);

CREATE TABLE executors (
	name			TEXT PRIMARY KEY,
	token_hash		BLOB NOT NULL UNIQUE,	-- SHA-256 of the token
	scopes			TEXT NOT NULL,		-- JSON array of actions
	created_at		INTEGER NOT NULL,
	revoked_at		INTEGER
);

-- Hash chain: hash = SHA-256(prev || seq || at || event || data).
CREATE TABLE audit (
	seq			INTEGER PRIMARY KEY,
	at			INTEGER NOT NULL,
	event			TEXT NOT NULL,
	data			TEXT NOT NULL,
	prev			BLOB NOT NULL,
	hash			BLOB NOT NULL
);
