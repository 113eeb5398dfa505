/*
 * How a person reads a string: Unicode normalisation and the UTS #39
 * checks a reader needs (mixed scripts, characters that look like ASCII),
 * by ICU, never by tables of our own. Every function takes UTF-8 and
 * treats text it cannot decode as suspicious.
 */
#ifndef APPROVE_TEXT_H
#define APPROVE_TEXT_H

#include <stddef.h>

#define TEXT_NON_ASCII		0x01	/* a character outside ASCII */
#define TEXT_MIXED_SCRIPT	0x02	/* letters of more than one script */
#define TEXT_CONFUSABLE		0x04	/* a non-ASCII character that looks
					   like, or folds to, ASCII */
#define TEXT_INVALID		0x08	/* not UTF-8, or ICU failed */

/* The TEXT_* flags that hold for the len bytes at s; 0 for plain ASCII. */
unsigned	 text_flags(const char *, size_t);
/* A short English description of flags ("mixed scripts, looks like
 * ASCII"); "" for 0. Static storage. */
const char	*text_flags_describe(unsigned);
/* NFKC of the len bytes at s into out (NUL-terminated); 0, or -1 when s
 * is not UTF-8 or out is too small. */
int		 text_nfkc(const char *, size_t, char *, size_t);
/* The same with case folding (NFKC_Casefold): how names compare. */
int		 text_nfkc_casefold(const char *, size_t, char *, size_t);

#endif
