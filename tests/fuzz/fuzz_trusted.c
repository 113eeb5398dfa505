/*
 * The executor's trusted-keys file: trusted_parse(). Besides the
 * sanitizers it checks that every key it accepts belongs to a valid signer
 * name that appears once, so trusted_find() can never pick between two.
 */
#include <stdint.h>
#include <stdlib.h>

#include "codec.h"
#include "keyfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trusted	t;
	char		err[256];
	size_t		i;

	err[0] = '\0';
	if (trusted_parse((const char *)data, size, &t, err, sizeof err) != 0) {
		if (err[0] == '\0' || t.keys != NULL || t.n != 0)
			abort();
		return 0;
	}
	if (t.n > KEYFILE_TRUSTED_MAX)
		abort();
	for (i = 0; i < t.n; i++) {
		if (!codec_name_valid(t.keys[i].signer) ||
		    trusted_find(&t, t.keys[i].signer) != t.keys[i].pk)
			abort();
	}
	trusted_free(&t);
	return 0;
}
