/*
 * The approvald wire protocol: the names and limits every program shares.
 * Bump PROTO_VERSION (and the names it guards) when any of the canonical
 * byte formats or message shapes below changes.
 */
#ifndef APPROVE_PROTO_H
#define APPROVE_PROTO_H

#define PROTO_VERSION		1
#define APPROVE_VERSION		"0.1.0"

#define PROTO_DECISION_TAG	"approve-decision-v1"
#define PROTO_AUTH_TAG		"approve-console-auth-v1"
#define PROTO_SUBPROTOCOL	"approve-console.v1"
#define PROTO_CONSOLE_PATH	"/v1/console"

#define PROTO_DEFAULT_URL	"http://127.0.0.1:8470"
#define PROTO_DEFAULT_LISTEN	"127.0.0.1:8470"

/* Limits on what crosses the wire; the daemon enforces them. */
#define PROTO_NAME_MAX		64	/* analyst, executor, signer names */
#define PROTO_ACTION_MAX	64
#define PROTO_TARGET_MAX	256
#define PROTO_JUSTIFICATION_MAX	4096
#define PROTO_REASON_MAX	1024
#define PROTO_IDEMPOTENCY_MAX	128
#define PROTO_ON_BEHALF_MAX	128
#define PROTO_ID_MAX		48
#define PROTO_ID_PREFIX		"req_"
#define PROTO_WAIT_MAX_S	60
#define PROTO_SKEW_MS		(5 * 60 * 1000)
#define PROTO_JSON_DEPTH_MAX	16

#define PROTO_SHA256_HEX	65	/* 64 hex digits and a NUL */
#define PROTO_PK_BYTES		32
#define PROTO_SK_BYTES		64
#define PROTO_SEED_BYTES	32
#define PROTO_SIG_BYTES		64
#define PROTO_NONCE_BYTES	32

/* A request body's freshness nonce (PROTOCOL §9): a top-level string of
 * 16 to 64 printable ASCII characters; approvectl derives 32 hex digits
 * from the idempotency key, so that a retry sends the same bytes. */
#define PROTO_BODY_NONCE_MIN	16
#define PROTO_BODY_NONCE_MAX	64
#define PROTO_BODY_NONCE_HEX	32
#define PROTO_BODY_NONCE_TAG	"approve-nonce-v1"

#endif
