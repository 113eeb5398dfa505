/*
 * S5, expiry storm: --count executors each submit a request whose own
 * timeout_s brings its expires_at into one and the same second, --lead-ms
 * ahead, and hold a long-poll on it. When that second comes, every one
 * must be released to its executor, expired and signed by the daemon
 * (deny, reason "timeout"), within 1 s of its expires_at. Meanwhile one
 * executor cycles with the console every 100 ms, from 1 s before the storm
 * to 2.5 s after (and the last cycle to its end, however late): how
 * responsive the console stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench.h"
#include "codec.h"
#include "decision.h"

#define STORM_PROBE_US		100000
#define STORM_BEFORE_MS		1000
#define STORM_AFTER_MS		2500
#define STORM_DRAIN_MS		10000	/* then stop waiting for answers */
#define STORM_CUTOFF_MS		1500	/* no submit this close to it */
#define STORM_LEAD_MIN_MS	3000
#define STORM_LEAD_MAX_MS	50000	/* bench_storm's rule caps at 60 s */

/* 0 when the view's signature is the daemon's "timeout" denial of it. */
static int
storm_signed(const struct bench_env *env, const cJSON *view, const char *id,
    const char *digest)
{
	const cJSON	*s;
	struct decision	 d;
	uint8_t		 sig[PROTO_SIG_BYTES];
	const char	*signer, *verdict, *reason, *b64;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(view, "signatures")) {
		signer = cJSON_GetStringValue(cJSON_GetObjectItem(s, "signer"));
		verdict = cJSON_GetStringValue(cJSON_GetObjectItem(s,
		    "verdict"));
		reason = cJSON_GetStringValue(cJSON_GetObjectItem(s, "reason"));
		b64 = cJSON_GetStringValue(cJSON_GetObjectItem(s, "sig"));
		if (signer == NULL || verdict == NULL || reason == NULL ||
		    b64 == NULL || strcmp(signer, BENCH_SIGNER) != 0 ||
		    strcmp(verdict, "deny") != 0 ||
		    strcmp(reason, "timeout") != 0 ||
		    codec_b64_decode_exact(b64, sig, sizeof sig) != 0)
			continue;
		d.id = id;
		d.digest = digest;
		d.verdict = verdict;
		d.signer = signer;
		d.signed_at = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(s, "signed_at"));
		d.reason = reason;
		if (decision_verify(&d, env->daemon_pk, sig) == 0)
			return 0;
	}
	return -1;
}

/* Check one holder's final view; 0 with its expires_at when it is the
 * expiry of the very body it sent, signed by the daemon. */
static int
storm_check(const struct bench_env *env, const struct agent *a,
    int64_t *expires_at)
{
	cJSON		*view = cJSON_ParseWithLength(a->final, a->final_len);
	const char	*id, *state, *digest, *body64;
	uint8_t		*body = NULL;
	size_t		 len = 0;
	char		 hex[PROTO_SHA256_HEX];
	int		 rc = -1;

	id = cJSON_GetStringValue(cJSON_GetObjectItem(view, "id"));
	state = cJSON_GetStringValue(cJSON_GetObjectItem(view, "state"));
	digest = cJSON_GetStringValue(cJSON_GetObjectItem(view, "digest"));
	body64 = cJSON_GetStringValue(cJSON_GetObjectItem(view, "body"));
	*expires_at = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(view,
	    "expires_at"));
	if (id != NULL && state != NULL && digest != NULL && body64 != NULL &&
	    strcmp(state, "expired") == 0 && strcmp(id, a->id) == 0 &&
	    codec_b64_decode(body64, &body, &len) == 0 &&
	    len == a->body_len && memcmp(body, a->body, len) == 0) {
		codec_sha256_hex(body, len, hex);
		if (strcmp(hex, digest) == 0 &&
		    storm_signed(env, view, id, digest) == 0)
			rc = 0;
	}
	free(body);
	cJSON_Delete(view);
	return rc;
}

/* Tally the holders' answers against their expires_at. */
static void
storm_report(const struct bench_env *env, struct fleet *f, int64_t offset)
{
	struct samples	 late;
	int64_t		 exp, lo = INT64_MAX, hi = 0, us;
	size_t		 i, verified = 0, in_time = 0;

	memset(&late, 0, sizeof late);
	for (i = 0; i < f->n; i++) {
		if (f->agents[i].final == NULL)
			continue;
		if (storm_check(env, &f->agents[i], &exp) != 0)
			continue;
		verified++;
		us = f->agents[i].final_at + offset - exp * 1000;
		samples_add(&late, us);
		in_time += us <= 1000000;
		lo = exp < lo ? exp : lo;
		hi = exp > hi ? exp : hi;
	}
	bench_out("storm", "count %zu", f->n);
	bench_out("storm", "submitted %ld", (long)atomic_load(&f->submitted));
	bench_out("storm", "released %ld", (long)atomic_load(&f->finals));
	bench_out("storm", "verified %zu", verified);
	bench_out("storm", "in_time %zu", in_time);
	bench_out("storm", "expiry_spread_ms %lld",
	    (long long)(verified > 0 ? hi - lo : 0));
	samples_out(&late, "storm_late");
	samples_free(&late);
}

/* Cycle with the console every STORM_PROBE_US across the storm. */
static void
storm_probe(const struct bench_env *env, struct console *console,
    int64_t from, int64_t to)
{
	struct fleet	*f = fleet_new(env, AGENT_CYCLE, 1, BENCH_ACT_REVIEW);
	struct samples	 rtt;

	stats_sleep_us(from - stats_now_us());
	console_take_rtt(console, &rtt);
	samples_free(&rtt);
	f->console = console;
	f->pace_us = STORM_PROBE_US;
	fleet_begin(f);
	fleet_run(f, to);
	/* A cycle the storm held up counts, however late it ends. */
	fleet_finish(f, to + STORM_DRAIN_MS * 1000);
	samples_out(&f->cycles, "storm_probe");
	bench_out("storm_probe", "bad %llu", (unsigned long long)f->bad);
	bench_out("storm_probe", "errors %llu", (unsigned long long)f->errors);
	console_take_rtt(console, &rtt);
	samples_out(&rtt, "storm_console_rtt");
	samples_free(&rtt);
	fleet_free(f);
}

int
storm_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct console		*console;
	struct fleet		*f;
	int64_t			 lead, mono0, offset, storm_ms, storm_mono;

	if (env_load(o, &env) != 0)
		return 1;
	if ((console = console_start(&env, BENCH_ACT_REVIEW)) == NULL) {
		env_free(&env);
		return 1;
	}
	lead = o->lead_ms < STORM_LEAD_MIN_MS ? STORM_LEAD_MIN_MS :
	    o->lead_ms > STORM_LEAD_MAX_MS ? STORM_LEAD_MAX_MS : o->lead_ms;
	mono0 = stats_now_us();
	offset = stats_wall_us() - mono0;
	/* The storm's second starts on a whole second. */
	storm_ms = ((mono0 + offset) / 1000 + lead + 999) / 1000 * 1000;
	storm_mono = storm_ms * 1000 - offset;
	f = fleet_new(&env, AGENT_HOLD, (size_t)o->count, BENCH_ACT_STORM);
	f->storm_at_ms = storm_ms;
	f->submit_until = storm_mono - STORM_CUTOFF_MS * 1000;
	fleet_begin(f);
	fleet_spawn(f);
	storm_probe(&env, console, storm_mono - STORM_BEFORE_MS * 1000,
	    storm_mono + STORM_AFTER_MS * 1000);
	while (stats_now_us() < storm_mono + STORM_DRAIN_MS * 1000 &&
	    atomic_load(&f->finals) < atomic_load(&f->submitted))
		stats_sleep_us(50000);
	fleet_join(f);
	storm_report(&env, f, offset);
	/* The daemon cuts off a console whose queue it cannot empty. */
	bench_out("storm_console", "connected %d", console_alive(console));
	bench_out("storm_console", "received %zu", console_received(console));
	fleet_free(f);
	console_stop(console);
	env_free(&env);
	return 0;
}
