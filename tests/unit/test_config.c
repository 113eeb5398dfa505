/*
 * config.c: defaults, paths, the listen address, and a configuration that
 * is wrong in each way an operator can get it wrong. Every error must name
 * the file and the key, and leave nothing behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approvald.h"
#include "codec.h"

/* An action name one byte too long (65). */
#define LONG_NAME \
	"a2345678901234567890123456789012345678901234567890123456789012345"

/* Write len bytes to a new file in dir; path receives its name. */
static void
write_file(const char *dir, const char *text, size_t len, char *path,
    size_t pathlen)
{
	int	fd;

	snprintf(path, pathlen, "%s/approvald-test-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load text from a file in /tmp; path receives the file's name. */
static int
load_text(const char *text, struct config *cfg, char *path, size_t pathlen,
    char *err, size_t errlen)
{
	int	rc;

	write_file("/tmp", text, strlen(text), path, pathlen);
	rc = config_load(path, cfg, err, errlen);
	unlink(path);
	return rc;
}

/* Load text that must be accepted. */
static void
load_ok(const char *text, struct config *cfg)
{
	char	path[64], err[1024];

	if (load_text(text, cfg, path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
}

/* 1 when every byte of cfg is zero. */
static int
config_zeroed(const struct config *cfg)
{
	static const struct config	zero;

	return memcmp(cfg, &zero, sizeof zero) == 0;
}

/* Without optional keys, the defaults of CONTRACT §2 apply. */
static void
test_defaults(void **state)
{
	struct config	cfg;
	char		path[64], err[1024];

	assert_int_equal(load_text("{\"actions\":{}}", &cfg, path, sizeof path,
	    err, sizeof err), 0);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8470);
	assert_string_equal(cfg.database, "/tmp/approvald.db");
	assert_string_equal(cfg.daemon_key, "/tmp/daemon.key");
	assert_string_equal(cfg.signer, "approvald");
	assert_int_equal(cfg.limits.max_body_bytes, 65536);
	assert_int_equal(cfg.limits.rate_per_minute, 600);
	assert_int_equal(cfg.limits.max_timeout_s, 86400);
	assert_int_equal(cfg.nactions, 0);
	config_free(&cfg);
	assert_true(config_zeroed(&cfg));
}

/* Set values replace the defaults. */
static void
test_values(void **state)
{
	struct config	cfg;

	load_ok("{\"listen\":\"[::1]:9000\",\"signer\":\"gate-1\","
	    "\"limits\":{\"max_body_bytes\":1024,\"rate_per_minute\":1000000,"
	    "\"max_timeout_s\":31536000},\"actions\":{\"a.b-c_d\":{"
	    "\"timeout_s\":31536000,\"rules\":[{\"then\":\"review\","
	    "\"approvals\":16,\"groups\":[\"soc\",\"ir@corp\"],"
	    "\"timeout_s\":1,\"reason\":\"needs people\"}]}}}", &cfg);
	assert_string_equal(cfg.listen_host, "::1");
	assert_int_equal(cfg.listen_port, 9000);
	assert_string_equal(cfg.signer, "gate-1");
	assert_int_equal(cfg.limits.max_body_bytes, 1024);
	assert_int_equal(cfg.limits.rate_per_minute, 1000000);
	assert_int_equal(cfg.limits.max_timeout_s, 31536000);
	assert_int_equal(cfg.nactions, 1);
	assert_string_equal(cfg.actions[0].name, "a.b-c_d");
	assert_int_equal(cfg.actions[0].timeout_s, 31536000);
	assert_int_equal(cfg.actions[0].rules[0].approvals, 16);
	assert_int_equal(cfg.actions[0].rules[0].ngroups, 2);
	assert_string_equal(cfg.actions[0].rules[0].groups[1], "ir@corp");
	assert_int_equal(cfg.actions[0].rules[0].timeout_s, 1);
	assert_string_equal(cfg.actions[0].rules[0].reason, "needs people");
	assert_string_equal(cfg.actions[0].rules[0].label, "a.b-c_d rule 1");
	assert_int_equal(cfg.limits.suspend_denials, 0);	/* off */
	config_free(&cfg);
}

/* The circuit breaker's two numbers, and notes wherever keys are fixed
 * names; the file's SHA-256 is kept. */
static void
test_suspend_and_comments(void **state)
{
	static const char text[] = "{\"_comment\":[\"a\",\"b\"],"
	    "\"limits\":{\"_comment\":\"c\",\"suspend_after\":{"
	    "\"_comment\":\"d\",\"denials\":100000,\"window_s\":86400}},"
	    "\"actions\":{\"a\":{\"_comment\":\"e\",\"rules\":[{"
	    "\"_comment\":\"f\",\"when\":{\"_comment\":\"g\","
	    "\"target_glob\":\"x\"},\"then\":\"deny\"}]}}}";
	struct config	cfg;
	char		hex[PROTO_SHA256_HEX];

	load_ok(text, &cfg);
	assert_int_equal(cfg.limits.suspend_denials, 100000);
	assert_int_equal(cfg.limits.suspend_window_s, 86400);
	assert_int_equal(cfg.nactions, 1);
	assert_int_equal(cfg.actions[0].nrules, 1);
	assert_int_equal(cfg.actions[0].rules[0].nglobs, 1);
	codec_sha256_hex(text, strlen(text), hex);
	assert_string_equal(cfg.sha256, hex);
	config_free(&cfg);
}

/* Relative paths are taken from the config's folder, absolute ones kept. */
static void
test_relative_paths(void **state)
{
	static const char	text[] = "{\"database\":\"data/x.db\","
	    "\"daemon_key\":\"/etc/approvald/daemon.key\",\"actions\":{}}";
	struct config		cfg;
	char			dir[] = "/tmp/approvald-test-dir-XXXXXX";
	char			path[128], err[1024], want[192];

	assert_non_null(mkdtemp(dir));
	write_file(dir, text, strlen(text), path, sizeof path);
	if (config_load(path, &cfg, err, sizeof err) != 0)
		fail_msg("%s", err);
	unlink(path);
	rmdir(dir);
	snprintf(want, sizeof want, "%s/data/x.db", dir);
	assert_string_equal(cfg.database, want);
	assert_string_equal(cfg.daemon_key, "/etc/approvald/daemon.key");
	config_free(&cfg);
}

/* A config named without a folder keeps relative paths as they are. */
static void
test_paths_in_working_directory(void **state)
{
	static const char	text[] = "{\"actions\":{}}";
	struct config		cfg;
	char			dir[] = "/tmp/approvald-test-cwd-XXXXXX";
	char			path[128], err[1024], *old;

	assert_non_null(mkdtemp(dir));
	assert_non_null(old = getcwd(NULL, 0));
	assert_int_equal(chdir(dir), 0);
	write_file(".", text, strlen(text), path, sizeof path);
	if (config_load(path + 2, &cfg, err, sizeof err) != 0)
		fail_msg("%s", err);
	unlink(path);
	assert_int_equal(chdir(old), 0);
	rmdir(dir);
	free(old);
	assert_string_equal(cfg.database, "approvald.db");
	assert_string_equal(cfg.daemon_key, "daemon.key");
	config_free(&cfg);
}

/* Off loopback, plain text needs the operator's explicit word. */
static void
test_tls(void **state)
{
	struct config	cfg;
	char		path[64], err[1024];

	assert_int_equal(load_text("{\"listen\":\"0.0.0.0:8470\","
	    "\"actions\":{}}", &cfg, path, sizeof path, err, sizeof err), -1);
	assert_non_null(strstr(err, ": listen: 0.0.0.0 is not a loopback "
	    "address"));
	assert_true(config_zeroed(&cfg));
	load_ok("{\"listen\":\"[::]:8470\",\"insecure_plaintext\":true,"
	    "\"actions\":{}}", &cfg);
	assert_int_equal(cfg.insecure_plaintext, 1);
	assert_null(cfg.tls_cert);
	config_free(&cfg);
	load_ok("{\"listen\":\"10.1.2.3:8470\",\"tls\":{\"cert\":"
	    "\"c.pem\",\"key\":\"/etc/k.pem\"},\"actions\":{}}", &cfg);
	assert_string_equal(cfg.tls_cert, "/tmp/c.pem");
	assert_string_equal(cfg.tls_key, "/etc/k.pem");
	config_free(&cfg);
	assert_int_equal(load_text("{\"tls\":{\"cert\":\"c.pem\"},"
	    "\"actions\":{}}", &cfg, path, sizeof path, err, sizeof err), -1);
	assert_non_null(strstr(err, ": tls: needs both cert and key"));
	assert_int_equal(load_text("{\"insecure_plaintext\":1,"
	    "\"actions\":{}}", &cfg, path, sizeof path, err, sizeof err), -1);
	assert_non_null(strstr(err, ": insecure_plaintext: must be true or "
	    "false"));
}

/* Listen addresses: host and port, IPv6 in brackets. */
static void
test_listen(void **state)
{
	static const struct {
		const char	*listen;
		const char	*host;
		int		 port;
	} good[] = {
		{ "127.0.0.1:1", "127.0.0.1", 1 },
		{ "localhost:65535", "localhost", 65535 },
		{ "[::1]:8470", "::1", 8470 },
		{ "127.8.9.10:80", "127.8.9.10", 80 }
	};
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":8470",
		"127.0.0.1:", "127.0.0.1:80x", "127.0.0.1:-1", "127.0.0.1:+80",
		"127.0.0.1:080", "::1:8470", "[::1]", "[::1]:", "[]:80",
		"[nothost]:80", "[::1:80", "a b:80", "host/x:80", "",
		"127.0.0.1:999999"
	};
	struct config	cfg;
	char		text[256], path[64], err[1024];
	size_t		i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "{\"listen\":\"%s\",\"actions\":{}}",
		    good[i].listen);
		load_ok(text, &cfg);
		assert_string_equal(cfg.listen_host, good[i].host);
		assert_int_equal(cfg.listen_port, good[i].port);
		config_free(&cfg);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "{\"listen\":\"%s\",\"actions\":{}}",
		    bad[i]);
		if (load_text(text, &cfg, path, sizeof path, err,
		    sizeof err) != -1)
			fail_msg("listen \"%s\" accepted", bad[i]);
		if (strstr(err, path) == NULL ||
		    strstr(err, ": listen: must be") == NULL)
			fail_msg("listen \"%s\": %s", bad[i], err);
		assert_true(config_zeroed(&cfg));
	}
}

/* Each wrong configuration is refused with its file, key and problem. */
static void
test_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;	/* after "FILE: " */
	} cases[] = {
		{ "{\"actions\":{},\"listne\":\"x\"}", "listne: unknown key" },
		{ "{\"actions\":{\"isolate_host\":{\"rules\":[{\"then\":\"deny\"},"
		  "{\"then\":\"allow\"}]}}}",
		  "actions.isolate_host.rules[1].then: must be \"deny\", "
		  "\"approve\" or \"review\"" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\","
		  "\"approvals\":2}]}}}",
		  "actions.a.rules[0].approvals: only allowed when \"then\" is "
		  "\"review\"" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_cidr\":"
		  "[\"10.0.0.0/8\",\"10.0.0.0/33\"]},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_cidr[1]: must be an IPv4 or "
		  "IPv6 network" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_cidr\":"
		  "[\"10.0.0.1/8\"]},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_cidr[0]: must be an IPv4" },
		{ "{\"actions\":{\"refund\":{\"rules\":[{\"when\":{\"param\":"
		  "\"amount\",\"gte\":1,\"lt\":5},\"then\":\"deny\"}]}}}",
		  "actions.refund.rules[0].when.gte: only one of lt, lte, gt, "
		  "gte or eq may go with \"param\"" },
		{ "{\"actions\":{\"Isolate\":{\"rules\":[]}}}",
		  "actions.Isolate: not a valid action name" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{},"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when: empty; omit it for a rule that always "
		  "holds" },
		{ "{\"actions\":{\"a\":{\"rules\":[],\"rules\":[]}}}",
		  "actions.a.rules: duplicate key" },
		{ "{\"actions\":{\n\"a\":,}}", "line 2, column 5: not valid JSON" },
		{ "{}", "actions: missing" },
		{ "{\"listen\":\"127.0.0.1:0\",\"actions\":{}}", "listen: must be" },
		{ "{\"actions\":{\"refund\":{\"rules\":[{\"when\":{\"param\":"
		  "\"amount\",\"gte\":\"10\"},\"then\":\"deny\"}]}}}",
		  "actions.refund.rules[0].when.gte: must be a number" },
		{ "{\"actions\":{\"refund\":{\"rules\":[{\"when\":{\"param\":"
		  "\"amount\",\"gte\":1e999},\"then\":\"deny\"}]}}}",
		  "actions.refund.rules[0].when.gte: must be a number" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"lte\":3},"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.lte: needs \"param\"" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"param\":\"x\"},"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.param: needs one of" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"param\":\"\","
		  "\"eq\":1},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.param: must be a parameter name" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"param\":7,"
		  "\"eq\":1},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.param: must be a parameter name" },
		{ "{\"limits\":{\"max_body_bytes\":1023},\"actions\":{}}",
		  "limits.max_body_bytes: must be an integer from 1024 to "
		  "16777216" },
		{ "{\"limits\":{\"max_body_bytes\":16777217},\"actions\":{}}",
		  "limits.max_body_bytes: must be an integer" },
		{ "{\"limits\":{\"rate_per_minute\":0},\"actions\":{}}",
		  "limits.rate_per_minute: must be an integer from 1 to 1000000" },
		{ "{\"limits\":{\"max_timeout_s\":31536001},\"actions\":{}}",
		  "limits.max_timeout_s: must be an integer from 1 to 31536000" },
		{ "{\"limits\":{\"max_timeout_s\":60.5},\"actions\":{}}",
		  "limits.max_timeout_s: must be an integer" },
		{ "{\"limits\":{\"burst\":1},\"actions\":{}}",
		  "limits.burst: unknown key" },
		{ "{\"limits\":[],\"actions\":{}}", "limits: must be an object" },
		{ "{\"limits\":{\"suspend_after\":{\"denials\":3}},"
		  "\"actions\":{}}", "limits.suspend_after: needs both" },
		{ "{\"limits\":{\"suspend_after\":{\"denials\":0,"
		  "\"window_s\":60}},\"actions\":{}}",
		  "limits.suspend_after.denials: must be an integer from 1" },
		{ "{\"limits\":{\"suspend_after\":{\"denials\":3,"
		  "\"window_s\":86401}},\"actions\":{}}",
		  "limits.suspend_after.window_s: must be an integer from 1 to "
		  "86400" },
		{ "{\"limits\":{\"suspend_after\":{\"denials\":3,"
		  "\"window_s\":6,\"burst\":1}},\"actions\":{}}",
		  "limits.suspend_after.burst: unknown key" },
		{ "{\"limits\":{\"suspend_after\":true},\"actions\":{}}",
		  "limits.suspend_after: must be an object" },
		{ "{\"_comment\":{},\"actions\":{}}",
		  "_comment: must be a string or an array of strings" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"_comment\":[\"x\",1],"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0]._comment: must be a string or an array" },
		{ "{\"actions\":{\"_comment\":\"x\"}}",
		  "actions._comment: " },
		{ "{\"actions\":{\"a\":{\"rules\":[],\"timeout\":5}}}",
		  "actions.a.timeout: unknown key" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\","
		  "\"why\":\"x\"}]}}}", "actions.a.rules[0].why: unknown key" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target\":\"x\"},"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target: unknown key" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"approve\","
		  "\"groups\":[\"soc\"]}]}}}",
		  "actions.a.rules[0].groups: only allowed when" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\","
		  "\"timeout_s\":5}]}}}",
		  "actions.a.rules[0].timeout_s: only allowed when" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"approvals\":17}]}}}",
		  "actions.a.rules[0].approvals: must be an integer from 1 to 16" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"approvals\":0}]}}}",
		  "actions.a.rules[0].approvals: must be an integer" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"timeout_s\":0}]}}}",
		  "actions.a.rules[0].timeout_s: must be an integer" },
		{ "{\"actions\":{\"a\":{\"timeout_s\":1.5,\"rules\":[]}}}",
		  "actions.a.timeout_s: must be an integer" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"groups\":[]}]}}}",
		  "actions.a.rules[0].groups: must be a list of 1 to" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"groups\":\"soc\"}]}}}",
		  "actions.a.rules[0].groups: must be a list" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"groups\":[\"soc\",\"-x\"]}]}}}",
		  "actions.a.rules[0].groups[1]: must be a group name" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"review\","
		  "\"groups\":[\"soc\",\"soc\"]}]}}}",
		  "actions.a.rules[0].groups[1]: repeated group" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\","
		  "\"reason\":\"\"}]}}}",
		  "actions.a.rules[0].reason: must be a string of 1 to 1024" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\","
		  "\"reason\":\"a\\u001bb\"}]}}}",
		  "actions.a.rules[0].reason: must be a string" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_glob\":"
		  "\"x\"}}]}}}", "actions.a.rules[0].then: missing" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":1}]}}}",
		  "actions.a.rules[0].then: must be" },
		{ "{\"actions\":{\"a\":{\"rules\":[\"deny\"]}}}",
		  "actions.a.rules[0]: must be an object" },
		{ "{\"actions\":{\"a\":{}}}", "actions.a.rules: missing" },
		{ "{\"actions\":{\"a\":{\"rules\":{}}}}",
		  "actions.a.rules: must be a list of at most 256 rules" },
		{ "{\"actions\":{\"a\":[]}}", "actions.a: must be an object" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":[],"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when: must be an object" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_glob\":[]},"
		  "\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_glob: must be a pattern or a "
		  "list" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_glob\":"
		  "[\"x\",3]},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_glob[1]: must be a string" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_glob\":"
		  "\"\"},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_glob: must be a pattern of" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_cidr\":"
		  "\"10.0.0.0/8\"},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_cidr: must be a list" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_cidr\":"
		  "[]},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_cidr: must be a list" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"when\":{\"target_cidr\":"
		  "[\"fe80::1%eth0\"]},\"then\":\"deny\"}]}}}",
		  "actions.a.rules[0].when.target_cidr[0]: must be" },
		{ "{\"actions\":{\"a\":{\"rules\":[{\"then\":\"deny\"},"
		  "{\"then\":\"deny\",\"when\":{\"target_glob\":\"x\","
		  "\"gt\":1}}]}}}",
		  "actions.a.rules[1].when.gt: needs \"param\"" },
		{ "{\"actions\":{\"a-\":{\"rules\":[]},\"1a\":{\"rules\":[]}}}",
		  "actions.1a: not a valid action name" },
		{ "{\"actions\":{\"\":{\"rules\":[]}}}",
		  "actions.\"\": not a valid action name" },
		{ "{\"actions\":{\"a\":{\"rules\":[]},\"" LONG_NAME "\":"
		  "{\"rules\":[]}}}",
		  "actions." LONG_NAME ": not a valid action name" },
		{ "{\"actions\":[]}", "actions: must be an object" },
		{ "{\"signer\":\"-x\",\"actions\":{}}", "signer: must be 1 to 64" },
		{ "{\"signer\":\"\",\"actions\":{}}", "signer: must be" },
		{ "{\"signer\":5,\"actions\":{}}", "signer: must be a string" },
		{ "{\"database\":\"\",\"actions\":{}}",
		  "database: must be a file name" },
		{ "{\"daemon_key\":[\"k\"],\"actions\":{}}",
		  "daemon_key: must be a string" },
		{ "{\"listen\":8470,\"actions\":{}}", "listen: must be a string" },
		{ "[]", "must hold a JSON object" },
		{ "", "line 1, column 1: not valid JSON" },
		{ "{\"actions\":{}} {}", "unexpected data after the JSON value" },
		{ "{\"actions\":{},\"x\":\"\\u0000\"}",
		  "strings may not contain \\u0000" },
		{ "{\"actions\":{},\"x\":\"\xff\"}", "not valid UTF-8" },
		{ "{\"actions\":{}}\n{\"actions\":{}}",
		  "unexpected data after the JSON value" },
	};
	struct config	cfg;
	char		path[64], err[1024], want[512];
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&cfg, 0xa5, sizeof cfg);
		if (load_text(cases[i].text, &cfg, path, sizeof path, err,
		    sizeof err) != -1)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		snprintf(want, sizeof want, "%s: %s", path, cases[i].want);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err,
			    want);
		if (!config_zeroed(&cfg))
			fail_msg("case %zu: config not zeroed", i);
	}
}

/* Limits on list sizes hold at the edge. */
static void
test_list_limits(void **state)
{
	struct config	cfg;
	char		*text, *p, path[64], err[1024];
	size_t		i, size = 64 * 1024;

	/* 256 rules load; 257 do not */
	text = p = malloc(size);
	assert_non_null(text);
	p += sprintf(p, "{\"actions\":{\"a\":{\"rules\":[");
	for (i = 0; i < 256; i++)
		p += sprintf(p, "%s{\"then\":\"deny\"}", i ? "," : "");
	sprintf(p, "]}}}");
	load_ok(text, &cfg);
	assert_int_equal(cfg.actions[0].nrules, 256);
	assert_string_equal(cfg.actions[0].rules[255].label, "a rule 256");
	config_free(&cfg);
	sprintf(p, ",{\"then\":\"deny\"}]}}}");
	assert_int_equal(load_text(text, &cfg, path, sizeof path, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "actions.a.rules: must be a list of at "
	    "most 256 rules"));

	/* 65 patterns do not load */
	p = text + sprintf(text, "{\"actions\":{\"a\":{\"rules\":[{\"when\":"
	    "{\"target_glob\":[");
	for (i = 0; i < 65; i++)
		p += sprintf(p, "%s\"p%zu\"", i ? "," : "", i);
	sprintf(p, "]},\"then\":\"deny\"}]}}}");
	assert_int_equal(load_text(text, &cfg, path, sizeof path, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "when.target_glob: must be"));

	/* a reason of 1024 bytes loads, 1025 does not */
	p = text + sprintf(text, "{\"actions\":{\"a\":{\"rules\":[{"
	    "\"then\":\"deny\",\"reason\":\"");
	memset(p, 'r', 1024);
	sprintf(p + 1024, "\"}]}}}");
	load_ok(text, &cfg);
	assert_int_equal(strlen(cfg.actions[0].rules[0].reason), 1024);
	config_free(&cfg);
	memset(p, 'r', 1025);
	sprintf(p + 1025, "\"}]}}}");
	assert_int_equal(load_text(text, &cfg, path, sizeof path, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "rules[0].reason: must be"));
	free(text);
}

/* A missing, oversized or odd file is refused with its name. */
static void
test_bad_files(void **state)
{
	struct config	cfg;
	char		path[64], err[1024], *big;
	size_t		size = 1024 * 1024 + 1;

	memset(&cfg, 0xa5, sizeof cfg);
	assert_int_equal(config_load("/nonexistent/approvald.json", &cfg, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/approvald.json"));
	assert_true(config_zeroed(&cfg));

	big = malloc(size);
	assert_non_null(big);
	memset(big, ' ', size);
	memcpy(big, "{\"actions\":{}}", 14);
	write_file("/tmp", big, size, path, sizeof path);
	free(big);
	assert_int_equal(config_load(path, &cfg, err, sizeof err), -1);
	unlink(path);
	assert_non_null(strstr(err, path));
	assert_true(config_zeroed(&cfg));
}

/* Key names are printed without the bytes a terminal would act on. */
static void
test_error_sanitised(void **state)
{
	struct config	cfg;
	char		path[64], err[1024];

	assert_int_equal(load_text("{\"actions\":{},\"\\u001b[2Jx\\u0007\":1}",
	    &cfg, path, sizeof path, err, sizeof err), -1);
	assert_null(strchr(err, '\033'));
	assert_null(strchr(err, '\a'));
	assert_non_null(strstr(err, ": ?[2Jx?: unknown key"));
}

/* A later action does not disturb earlier ones, and lookups are exact. */
static void
test_config_action(void **state)
{
	struct config	cfg;

	load_ok("{\"actions\":{\"b\":{\"rules\":[]},\"a\":{\"timeout_s\":5,"
	    "\"rules\":[{\"then\":\"approve\"}]}}}", &cfg);
	assert_int_equal(cfg.nactions, 2);
	assert_non_null(config_action(&cfg, "a"));
	assert_int_equal(config_action(&cfg, "a")->timeout_s, 5);
	assert_int_equal(config_action(&cfg, "a")->rules[0].then,
	    THEN_APPROVE);
	assert_string_equal(config_action(&cfg, "a")->rules[0].reason,
	    "a rule 1");
	assert_int_equal(config_action(&cfg, "b")->nrules, 0);
	assert_null(config_action(&cfg, "c"));
	assert_null(config_action(&cfg, "A"));
	assert_null(config_action(&cfg, ""));
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_paths_in_working_directory),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_suspend_and_comments),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_error_sanitised),
		cmocka_unit_test(test_config_action),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
