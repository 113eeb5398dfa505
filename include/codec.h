/*
 * Encodings the protocol fixes: base64 (RFC 4648, standard alphabet, with
 * padding), lowercase hex, SHA-256, and the checks every outside string
 * passes (UTF-8, control characters, names).
 */
#ifndef APPROVE_CODEC_H
#define APPROVE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Base64 of len bytes; the caller frees. */
char	*codec_b64_encode(const uint8_t *, size_t);
/* Strict decode; *out is allocated (caller frees). 0 or -1. */
int	 codec_b64_decode(const char *, uint8_t **, size_t *);
/* Strict decode that must yield exactly outlen bytes. 0 or -1. */
int	 codec_b64_decode_exact(const char *, uint8_t *, size_t);

/* Lowercase hex; out holds 2 * len + 1 bytes. */
void	 codec_hex(const uint8_t *, size_t, char *);
void	 codec_sha256(const void *, size_t, uint8_t[32]);
void	 codec_sha256_hex(const void *, size_t, char[PROTO_SHA256_HEX]);

/* Decode the UTF-8 sequence at s (at most left bytes) into *cp; its
 * length, or 0 when it is not well-formed (overlong, surrogate, cut). */
size_t	 codec_utf8_decode(const char *, size_t, uint32_t *);
/* 1 when the bytes are well-formed UTF-8 (no overlongs, no surrogates). */
int	 codec_utf8_valid(const char *, size_t);
/* 1 when the bytes hold a C0 control, DEL or a C1 control (U+0080-9F). */
int	 codec_has_control(const char *, size_t);
/* 1 for a request id: "req_" and 1 to 44 ASCII letters or digits. */
int	 codec_id_valid(const char *);
/* 1 for a name: 1 to PROTO_NAME_MAX of [A-Za-z0-9_.@-], not starting with
 * a punctuation character. */
int	 codec_name_valid(const char *);

/* 1 for a body nonce: PROTO_BODY_NONCE_MIN to _MAX printable ASCII. */
int	 codec_nonce_valid(const char *);
/* The body nonce derived from an idempotency key: the first
 * PROTO_BODY_NONCE_HEX hex digits of SHA-256(tag "\n" key). */
void	 codec_nonce_derive(const char *, char[PROTO_BODY_NONCE_HEX + 1]);
/* A fresh random idempotency key: "k-" and 32 hex digits. */
#define CODEC_RANDOM_KEY_LEN	34
void	 codec_random_key(char[CODEC_RANDOM_KEY_LEN + 1]);

#endif
