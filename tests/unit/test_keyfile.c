/*
 * keyfile.c: key generation that never overwrites, private keys refused
 * when others can read them (as ssh does), and the trusted-keys file.
 * Files live in a fresh mkdtemp folder per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "codec.h"
#include "keyfile.h"

/* Seed 00 01 ... 1f and its public key (computed with PyNaCl). */
#define SEED_B64	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define SEED_PK		"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="

#define TRUST_ERR(n)	"line " #n ": expected a unique " \
			"\"<signer> ed25519 <base64 key>\""

/* One test's folder. */
struct fx {
	char	dir[64];
	char	path[256];
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/approvald-keyfile-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* f->path = dir/name. */
static const char *
in_dir(struct fx *f, const char *name)
{
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
	return f->path;
}

/* Create dir/name with exactly mode and text. */
static const char *
write_file(struct fx *f, const char *name, int mode, const char *text)
{
	const char	*path = in_dir(f, name);
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)),
	    (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, (mode_t)mode), 0);
	close(fd);
	return path;
}

/* The whole file; the caller frees. */
static char *
read_file(const char *path)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	assert_non_null(fp = fopen(path, "rb"));
	buf = calloc(1, 4096);
	assert_non_null(buf);
	n = fread(buf, 1, 4095, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
file_mode(const char *path)
{
	struct stat	st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	return (int)(st.st_mode & 07777);
}

/* The public key line of a deterministic key made from byte b. */
static char *
seed_line(uint8_t b, uint8_t pk[PROTO_PK_BYTES])
{
	uint8_t	seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];

	memset(seed, b, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	return keyfile_public_line(pk);
}

static void
test_generate(void **state)
{
	struct fx	*f = *state;
	struct keypair	*kp;
	char		 priv[256], pub[256], err[512] = "";
	char		*text, *b64, line[128];

	snprintf(priv, sizeof priv, "%s/k", f->dir);
	snprintf(pub, sizeof pub, "%s/k.pub", f->dir);
	if (keyfile_generate(priv, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(file_mode(priv), 0600);
	assert_int_equal(file_mode(pub), 0644);

	text = read_file(priv);
	assert_int_equal(strlen(text), 16 + 44 + 1);
	assert_memory_equal(text, "ed25519-private ", 16);
	assert_int_equal(text[60], '\n');
	free(text);

	assert_non_null(kp = keyfile_load_private(priv, err, sizeof err));
	b64 = codec_b64_encode(kp->pk, sizeof kp->pk);
	snprintf(line, sizeof line, "ed25519 %s\n", b64);
	text = read_file(pub);
	assert_string_equal(text, line);
	assert_int_equal(strlen(text), 8 + 44 + 1);
	free(text);
	free(b64);
	keyfile_free(kp);
}

/* Two keys are never the same key. */
static void
test_generate_random(void **state)
{
	struct fx	*f = *state;
	char		 a[256], b[256], err[512];
	char		*ta, *tb;

	snprintf(a, sizeof a, "%s/a.pub", f->dir);
	snprintf(b, sizeof b, "%s/b.pub", f->dir);
	assert_int_equal(keyfile_generate(in_dir(f, "a"), err, sizeof err), 0);
	assert_int_equal(keyfile_generate(in_dir(f, "b"), err, sizeof err), 0);
	ta = read_file(a);
	tb = read_file(b);
	assert_string_not_equal(ta, tb);
	free(ta);
	free(tb);
}

static void
test_generate_no_overwrite(void **state)
{
	struct fx	*f = *state;
	char		 priv[256], pub[256], err[512] = "";
	char		*p0, *q0, *p1, *q1;

	snprintf(priv, sizeof priv, "%s/k", f->dir);
	snprintf(pub, sizeof pub, "%s/k.pub", f->dir);
	assert_int_equal(keyfile_generate(priv, err, sizeof err), 0);
	p0 = read_file(priv);
	q0 = read_file(pub);
	assert_int_equal(keyfile_generate(priv, err, sizeof err), -1);
	assert_non_null(strstr(err, priv));
	assert_non_null(strstr(err, "File exists"));
	p1 = read_file(priv);
	q1 = read_file(pub);
	assert_string_equal(p0, p1);
	assert_string_equal(q0, q1);
	assert_int_equal(file_mode(priv), 0600);
	free(p0);
	free(q0);
	free(p1);
	free(q1);
}

/* A stale FILE.pub stops generation, and no private key is left behind
 * without its public half. */
static void
test_generate_pub_exists(void **state)
{
	struct fx	*f = *state;
	char		 priv[256], err[512] = "", *text;
	struct stat	 st;

	write_file(f, "k.pub", 0644, "ed25519 old\n");
	snprintf(priv, sizeof priv, "%s/k", f->dir);
	assert_int_equal(keyfile_generate(priv, err, sizeof err), -1);
	assert_non_null(strstr(err, "k.pub"));
	assert_int_equal(lstat(priv, &st), -1);
	text = read_file(in_dir(f, "k.pub"));
	assert_string_equal(text, "ed25519 old\n");
	free(text);
}

/* A symlink planted at FILE is not followed. */
static void
test_generate_symlink(void **state)
{
	struct fx	*f = *state;
	char		 target[256], link[256], err[512];
	struct stat	 st;

	snprintf(target, sizeof target, "%s/elsewhere", f->dir);
	snprintf(link, sizeof link, "%s/k", f->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(keyfile_generate(link, err, sizeof err), -1);
	assert_int_equal(lstat(target, &st), -1);
}

static void
test_load_private_good(void **state)
{
	struct fx	*f = *state;
	struct keypair	*kp;
	const char	*path;
	char		 err[512] = "", *b64;
	uint8_t		 seed[PROTO_SEED_BYTES], pk[PROTO_PK_BYTES];
	uint8_t		 sk[PROTO_SK_BYTES];
	size_t		 i;

	path = write_file(f, "seed.key", 0600,
	    "ed25519-private " SEED_B64 "\n");
	if ((kp = keyfile_load_private(path, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	b64 = codec_b64_encode(kp->pk, sizeof kp->pk);
	assert_string_equal(b64, SEED_PK);
	free(b64);
	for (i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_memory_equal(kp->sk, sk, sizeof sk);
	keyfile_free(kp);

	/* Read-only for its owner is fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_non_null(kp = keyfile_load_private(path, err, sizeof err));
	keyfile_free(kp);
}

/* Readable (or writable) by group or others: refused, saying why. */
static void
test_load_private_permissions(void **state)
{
	static const int	 modes[] = { 0640, 0604, 0644, 0660, 0602,
				    0620, 0610, 0601, 0666, 0777 };
	struct fx		*f = *state;
	const char		*path;
	char			 err[512], want[512];
	size_t			 i;

	path = write_file(f, "open.key", 0600,
	    "ed25519-private " SEED_B64 "\n");
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(path, (mode_t)modes[i]), 0);
		err[0] = '\0';
		assert_null(keyfile_load_private(path, err, sizeof err));
		snprintf(want, sizeof want, "%s: permissions %04o are too "
		    "open: a private key must be readable by its owner only "
		    "(chmod 600)", path, modes[i]);
		assert_string_equal(err, want);
	}
}

static void
test_load_private_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage\n",
		"ed25519-private \n",
		"ed25519-private AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
		"ed25519-private AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",
		"ed25519-private AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		"ed25519 " SEED_B64 "\n",
		"ED25519-PRIVATE " SEED_B64 "\n",
		" ed25519-private " SEED_B64 "\n",
		"ed25519-private  " SEED_B64 "\n",
		"ed25519-private " SEED_B64 " \n",
		"ed25519-private " SEED_B64 "\n\n",
		"ed25519-private " SEED_B64 "\nextra\n",
		"ed25519-private " SEED_B64 "\r\n",
	};
	struct fx	*f = *state;
	const char	*path;
	char		 err[512], want[512];
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		path = write_file(f, "bad.key", 0600, bad[i]);
		err[0] = '\0';
		if (keyfile_load_private(path, err, sizeof err) != NULL)
			fail_msg("accepted: \"%s\"", bad[i]);
		snprintf(want, sizeof want, "%s: not %s", path, bad[i][0] ==
		    '\0' ? "a private key file" :
		    "an ed25519 private key file");
		assert_string_equal(err, want);
		unlink(path);
	}
}

/* Missing, a folder, a symlink, too long: refused with the path. */
static void
test_load_private_not_a_key(void **state)
{
	struct fx	*f = *state;
	char		 err[512], link[256], big[1024];
	const char	*good;

	assert_null(keyfile_load_private(in_dir(f, "missing"), err,
	    sizeof err));
	assert_non_null(strstr(err, "No such file"));
	assert_null(keyfile_load_private(f->dir, err, sizeof err));
	assert_non_null(strstr(err, f->dir));

	good = write_file(f, "good.key", 0600,
	    "ed25519-private " SEED_B64 "\n");
	snprintf(link, sizeof link, "%s/link.key", f->dir);
	assert_int_equal(symlink(good, link), 0);
	err[0] = '\0';
	assert_null(keyfile_load_private(link, err, sizeof err));
	assert_non_null(strstr(err, link));

	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_null(keyfile_load_private(write_file(f, "big.key", 0600, big),
	    err, sizeof err));
}

static void
test_public_line(void **state)
{
	struct fx	*f = *state;
	uint8_t		 pk[PROTO_PK_BYTES], got[PROTO_PK_BYTES];
	uint8_t		 seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];
	char		*line, err[512];
	size_t		 i;

	for (i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	line = keyfile_public_line(pk);
	assert_string_equal(line, "ed25519 " SEED_PK);
	free(line);

	memset(got, 0, sizeof got);
	assert_int_equal(keyfile_parse_public("ed25519 " SEED_PK, got), 0);
	assert_memory_equal(got, pk, sizeof pk);
	assert_int_equal(keyfile_parse_public("ed25519  " SEED_PK, got), -1);
	assert_int_equal(keyfile_parse_public("ssh-ed25519 " SEED_PK, got),
	    -1);
	assert_int_equal(keyfile_parse_public("ed25519 " SEED_PK "\n", got),
	    -1);
	assert_int_equal(keyfile_parse_public("ed25519 " SEED_PK " ", got),
	    -1);
	assert_int_equal(keyfile_parse_public("ed25519 AAECAwQFBgcICQoLDA0O"
	    "DxAREhMUFRYXGBkaGxwdHg==", got), -1);	/* 31 bytes */
	assert_int_equal(keyfile_parse_public("ed25519", got), -1);
	assert_int_equal(keyfile_parse_public("", got), -1);

	memset(got, 0, sizeof got);
	assert_int_equal(keyfile_load_public(write_file(f, "k.pub", 0644,
	    "ed25519 " SEED_PK "\n"), got, err, sizeof err), 0);
	assert_memory_equal(got, pk, sizeof pk);
	assert_int_equal(keyfile_load_public(write_file(f, "k.pub", 0644,
	    "ed25519 " SEED_PK "\n\n"), got, err, sizeof err), -1);
}

/* Parse text that must be accepted. */
static void
trusted_ok(const char *text, struct trusted *t)
{
	char	err[256] = "";

	if (trusted_parse(text, strlen(text), t, err, sizeof err) != 0)
		fail_msg("refused (%s): %s", err, text);
}

/* Parse text that must be refused with want; nothing is left in t. */
static void
trusted_bad(const char *text, const char *want)
{
	struct trusted	t;
	char		err[256] = "";

	if (trusted_parse(text, strlen(text), &t, err, sizeof err) == 0) {
		trusted_free(&t);
		fail_msg("accepted: %s", text);
	}
	assert_string_equal(err, want);
	assert_null(t.keys);
	assert_int_equal(t.n, 0);
}

static void
test_trusted_parse(void **state)
{
	struct trusted	 t;
	uint8_t		 bob[PROTO_PK_BYTES], carol[PROTO_PK_BYTES];
	char		*b, *c, text[1024];

	b = seed_line(1, bob);
	c = seed_line(2, carol);
	snprintf(text, sizeof text, "# trusted signers\n\nbob %s\n#carol "
	    "ed25519 AAAA\n\n\ncarol %s", b, c);
	trusted_ok(text, &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.keys[0].signer, "bob");
	assert_memory_equal(t.keys[0].pk, bob, sizeof bob);
	assert_string_equal(t.keys[1].signer, "carol");
	assert_memory_equal(t.keys[1].pk, carol, sizeof carol);
	trusted_free(&t);
	assert_null(t.keys);
	assert_int_equal(t.n, 0);

	/* Only comments and blank lines: no keys, not an error. */
	trusted_ok("# nothing yet\n\n", &t);
	assert_int_equal(t.n, 0);
	trusted_free(&t);
	trusted_ok("", &t);
	assert_int_equal(t.n, 0);
	trusted_free(&t);
	free(b);
	free(c);
}

/* Each malformed line is refused with its number; nothing is kept. */
static void
test_trusted_refused(void **state)
{
	uint8_t	 pk[PROTO_PK_BYTES];
	char	*b, *c, text[1024];

	b = seed_line(1, pk);
	c = seed_line(2, pk);

	/* One signer, two keys: which one would count? */
	snprintf(text, sizeof text, "bob %s\n# x\nbob %s\n", b, c);
	trusted_bad(text, TRUST_ERR(3));
	snprintf(text, sizeof text, "bob %s\ncarol %s\nbob %s\n", b, c, b);
	trusted_bad(text, TRUST_ERR(3));

	/* Base64 that is not strict, or not 32 bytes. */
	snprintf(text, sizeof text, "bob %s\ncarol ed25519 !!!!\n", b);
	trusted_bad(text, TRUST_ERR(2));
	trusted_bad("bob ed25519 A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg\n",
	    TRUST_ERR(1));
	trusted_bad("bob ed25519 A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg= "
	    "\n", TRUST_ERR(1));
	trusted_bad("bob ed25519 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
	    TRUST_ERR(1));			/* 31 bytes */
	trusted_bad("bob ed25519 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",
	    TRUST_ERR(1));			/* 33 bytes */
	trusted_bad("bob ed25519 \n", TRUST_ERR(1));

	/* Bad signer names, missing parts, another key type. */
	snprintf(text, sizeof text, "_bob %s\n", b);
	trusted_bad(text, TRUST_ERR(1));
	snprintf(text, sizeof text, "\n\nbo/b %s\n", b);
	trusted_bad(text, TRUST_ERR(3));
	snprintf(text, sizeof text, "a2345678901234567890123456789012345678901"
	    "234567890123456789012345 %s\n", b);
	trusted_bad(text, TRUST_ERR(1));
	snprintf(text, sizeof text, " bob %s\n", b);
	trusted_bad(text, TRUST_ERR(1));
	trusted_bad("bob\n", TRUST_ERR(1));
	trusted_bad("bob ssh-ed25519 " SEED_PK "\n", TRUST_ERR(1));
	trusted_bad("ed25519 " SEED_PK "\n", TRUST_ERR(1));
	free(b);
	free(c);
}

static void
test_trusted_find(void **state)
{
	struct trusted	 t;
	uint8_t		 bob[PROTO_PK_BYTES], carol[PROTO_PK_BYTES];
	const uint8_t	*got;
	char		*b, *c, text[1024];

	b = seed_line(1, bob);
	c = seed_line(2, carol);
	snprintf(text, sizeof text, "bob %s\ncarol %s\n", b, c);
	trusted_ok(text, &t);
	assert_non_null(got = trusted_find(&t, "bob"));
	assert_memory_equal(got, bob, sizeof bob);
	assert_non_null(got = trusted_find(&t, "carol"));
	assert_memory_equal(got, carol, sizeof carol);
	assert_null(trusted_find(&t, "Bob"));
	assert_null(trusted_find(&t, "bo"));
	assert_null(trusted_find(&t, "bobby"));
	assert_null(trusted_find(&t, ""));
	assert_null(trusted_find(&t, "mallory"));
	trusted_free(&t);
	assert_null(trusted_find(&t, "bob"));
	free(b);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_generate_random, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_generate_no_overwrite,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_generate_pub_exists,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_generate_symlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_private_good, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_private_permissions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_private_garbage,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_private_not_a_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_public_line, setup,
		    teardown),
		cmocka_unit_test(test_trusted_parse),
		cmocka_unit_test(test_trusted_refused),
		cmocka_unit_test(test_trusted_find),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
